//! Rules derived from the workbook's own words: every sentence of an item's 説明 (desc) and
//! 備考 (note) is read as a rule (required-if, allowed-if, implies, date order), recognised as
//! prose that states none (formats, units, handling), or listed for review with the reason.
//! Names in conditions are resolved against the interface's items and codes against their
//! code lists; what does not resolve exactly is reviewed, never guessed. `lifeline schemagen`
//! writes the result as `derived/<DT>.toml` and `review.tsv`; `rules/<DT>.toml` holds what the
//! text cannot give (see [`crate::spec::overrides`]).

pub mod atoms;
mod cond;
mod patterns;
mod prose;
mod resolve;
mod rounds;
mod text;
mod write;

pub use write::{REVIEW_HEADER, review_tsv, rules_toml};

use patterns::{Draft, Outcome};
use resolve::Ctx;

use std::path::{Path, PathBuf};

use super::rules::{Condition, Rule, Severity};
use super::{Item, Req, Schema, SpecError};

/// The folder of a version's derived rules files.
pub const DERIVED_DIR: &str = "derived";
/// The review list of a version: the sentences that gave no rule, and why.
pub const REVIEW_FILE: &str = "review.tsv";

/// The cell a sentence is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Field {
    Desc,
    Note,
}

impl Field {
    pub fn label(self) -> &'static str {
        match self {
            Field::Desc => "説明",
            Field::Note => "備考",
        }
    }
}

/// Which item's text a rule came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Origin {
    pub item: String,
    pub field: Field,
}

/// A derived rule and the items whose text gave it.
#[derive(Debug, Clone, PartialEq)]
pub struct DerivedRule {
    pub rule: Rule,
    pub from: Vec<Origin>,
}

/// A sentence that became no rule (or a rule read loosely), and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewLine {
    pub no: Option<u32>,
    pub item: String,
    pub field: Field,
    pub sentence: String,
    pub reason: String,
}

/// What the text of one interface gives.
#[derive(Debug, Clone, PartialEq)]
pub struct Derived {
    pub data_type: String,
    pub source: String,
    pub rules: Vec<DerivedRule>,
    pub review: Vec<ReviewLine>,
}

impl Derived {
    pub fn rules(&self) -> Vec<Rule> {
        self.rules.iter().map(|r| r.rule.clone()).collect()
    }
}

/// Derives the rules of one interface from its items' 説明 and 備考.
///
/// Several 入力可能-type conditions on one item hold together (one allowed-if over all of them,
/// sources joined ` / `). A ● item whose only condition is an 入力可能-type one is also required
/// under it: that condition is the only one ● can refer to. Rules of several items that agree
/// in kind, condition and source become one rule over their columns.
pub fn derive(schema: &Schema) -> Derived {
    let ctx = Ctx::new(schema);
    let mut drafts: Vec<(Draft, String, Origin)> = Vec::new();
    let mut review = Vec::new();
    for (at, item) in schema.items.iter().enumerate() {
        let mut allowed: Vec<(Condition, &str, Field)> = Vec::new();
        let mut own: Vec<(Draft, String, Origin)> = Vec::new();
        for (field, sentence) in &ctx.texts[at] {
            let origin = Origin {
                item: item.id.clone(),
                field: *field,
            };
            match patterns::classify(&ctx, at, sentence) {
                Outcome::Prose => {}
                Outcome::Review(reason) => review.push(line(item, *field, sentence, reason)),
                Outcome::Rules { drafts: ds, notes } => {
                    for n in notes {
                        review.push(line(item, *field, sentence, format!("derived, but {n}")));
                    }
                    for d in ds {
                        match d {
                            Draft::Allowed(c) => allowed.push((c, sentence, *field)),
                            d => own.push((d, sentence.clone(), origin.clone())),
                        }
                    }
                }
            }
        }
        if !allowed.is_empty() {
            let source = allowed.iter().map(|a| a.1).collect::<Vec<_>>().join(" / ");
            let origin = Origin {
                item: item.id.clone(),
                field: allowed[0].2,
            };
            let mut conds: Vec<Condition> = allowed.into_iter().map(|a| a.0).collect();
            let when = if conds.len() == 1 {
                conds.remove(0)
            } else {
                Condition::All(conds)
            };
            let required = own.iter().any(|d| matches!(d.0, Draft::Required(_)));
            drafts.push((Draft::Allowed(when.clone()), source.clone(), origin.clone()));
            if item.req == Req::Conditional && !required {
                drafts.push((Draft::Required(when), source, origin));
            }
        }
        drafts.extend(own);
    }
    Derived {
        data_type: schema.data_type.clone(),
        source: schema.source.clone(),
        rules: merge(drafts),
        review,
    }
}

/// Derives every schema and writes `<out>/derived/<DT>.toml` (one per schema) and
/// `<out>/review.tsv`; returns the files written.
pub fn write(out: &Path, schemas: &[Schema]) -> Result<Vec<PathBuf>, SpecError> {
    let io = |p: &Path| {
        let path = p.display().to_string();
        move |source| SpecError::Io { path, source }
    };
    let dir = out.join(DERIVED_DIR);
    std::fs::create_dir_all(&dir).map_err(io(&dir))?;
    let all: Vec<Derived> = schemas.iter().map(derive).collect();
    let mut written = Vec::new();
    for d in &all {
        let p = dir.join(format!("{}.toml", d.data_type));
        std::fs::write(&p, rules_toml(d)).map_err(io(&p))?;
        written.push(p);
    }
    let p = out.join(REVIEW_FILE);
    std::fs::write(&p, review_tsv(&all)).map_err(io(&p))?;
    written.push(p);
    Ok(written)
}

fn line(item: &Item, field: Field, sentence: &str, reason: String) -> ReviewLine {
    ReviewLine {
        no: item.no,
        item: item.id.clone(),
        field,
        sentence: sentence.to_string(),
        reason,
    }
}

fn merge(drafts: Vec<(Draft, String, Origin)>) -> Vec<DerivedRule> {
    let mut out: Vec<DerivedRule> = Vec::new();
    for (draft, source, origin) in drafts {
        let column = origin.item.clone();
        let rule = match draft {
            Draft::Required(when) => Rule::RequiredIf {
                columns: vec![column],
                when,
                source,
            },
            Draft::Allowed(when) => Rule::AllowedIf {
                columns: vec![column],
                when,
                source,
            },
            Draft::Implies { when, then } => Rule::Implies {
                when,
                then,
                severity: Severity::Warning,
                source,
            },
            Draft::DateOrder { earlier, later } => Rule::DateOrder {
                earlier,
                later,
                severity: Severity::Error,
                source,
            },
        };
        match out.iter_mut().find(|p| joins(&p.rule, &rule)) {
            Some(prev) => {
                if let (
                    Rule::RequiredIf { columns, .. } | Rule::AllowedIf { columns, .. },
                    Rule::RequiredIf { columns: more, .. } | Rule::AllowedIf { columns: more, .. },
                ) = (&mut prev.rule, &rule)
                {
                    for c in more {
                        if !columns.contains(c) {
                            columns.push(c.clone());
                        }
                    }
                }
                prev.from.push(origin);
            }
            None => out.push(DerivedRule {
                rule,
                from: vec![origin],
            }),
        }
    }
    out
}

/// Whether `b` is `a` over other columns (so they become one rule), or the same check again.
fn joins(a: &Rule, b: &Rule) -> bool {
    match (a, b) {
        (
            Rule::RequiredIf { when, source, .. },
            Rule::RequiredIf {
                when: w, source: s, ..
            },
        )
        | (
            Rule::AllowedIf { when, source, .. },
            Rule::AllowedIf {
                when: w, source: s, ..
            },
        ) => when == w && source == s,
        (
            Rule::Implies { when, then, .. },
            Rule::Implies {
                when: w, then: t, ..
            },
        ) => when == w && then == t,
        (
            Rule::DateOrder { earlier, later, .. },
            Rule::DateOrder {
                earlier: e,
                later: l,
                ..
            },
        ) => earlier == e && later == l,
        _ => false,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::spec::{Code, ItemType};

    /// A schema of items `(id, name, req mark, codes "0:a|1:b", desc)`.
    pub(crate) fn schema(items: &[(&str, &str, &str, &str, &str)]) -> Schema {
        let items = items
            .iter()
            .enumerate()
            .map(|(i, (id, name, req, codes, desc))| Item {
                no: Some(i as u32 + 1),
                id: id.to_string(),
                name: name.to_string(),
                ty: ItemType::Text,
                len: Some(10),
                dec: None,
                req: match *req {
                    "◎" => Req::Always,
                    "○" => Req::Confirmed,
                    "●" => Req::Conditional,
                    _ => Req::Optional,
                },
                range: None,
                fmt: name.ends_with('日').then(|| "YYYYMMDD".to_string()),
                codes: codes
                    .split('|')
                    .filter(|c| !c.is_empty())
                    .map(|c| {
                        let (code, label) = c.split_once(':').unwrap();
                        Code {
                            code: code.into(),
                            label: label.into(),
                        }
                    })
                    .collect(),
                code_sheet: None,
                code_note: None,
                day_may_be_00: false,
                sensitive: false,
                desc: (!desc.is_empty()).then(|| desc.to_string()),
                note: None,
            })
            .collect();
        Schema {
            data_type: "TEST".into(),
            title: "test".into(),
            spec: "test".into(),
            source: "test".into(),
            partial: false,
            items,
        }
    }

    fn kinds(d: &Derived) -> Vec<String> {
        d.rules.iter().map(|r| r.rule.kind().to_string()).collect()
    }

    #[test]
    fn required_if_on_a_conditional_item_and_review_on_any_other() {
        let s = schema(&[
            ("kind", "区分", "◎", "1:施設|2:通所", ""),
            ("a", "A", "●", "", "区分＝1：施設の場合に必須"),
            ("b", "B", "●", "", "区分＝1：施設の場合に必須"),
            ("c", "C", "○", "", "区分＝1：施設の場合に必須"),
        ]);
        let d = derive(&s);
        assert_eq!(kinds(&d), ["required_if"]);
        assert_eq!(d.rules[0].rule.columns()[..2], ["a", "b"]);
        assert_eq!(d.review.len(), 1);
        assert!(d.review[0].reason.contains("not ●"), "{:?}", d.review);
    }

    #[test]
    fn conditions_of_one_item_hold_together_and_a_conditional_item_is_required_under_them() {
        let s = schema(&[
            ("kind", "区分", "◎", "1:施設|2:通所", ""),
            ("flag", "指示の有無", "○", "0:なし|1:あり", ""),
            (
                "x",
                "要点",
                "●",
                "",
                "区分＝2：通所の場合に記入する\n指示の有無=1：ありの場合に入力可能",
            ),
        ]);
        let d = derive(&s);
        assert_eq!(kinds(&d), ["allowed_if", "required_if"]);
        let Rule::AllowedIf { when, source, .. } = &d.rules[0].rule else {
            panic!()
        };
        assert_eq!(when.to_string(), "(kind = 2 and flag = 1)");
        assert_eq!(
            source,
            "区分＝2：通所の場合に記入する / 指示の有無=1：ありの場合に入力可能"
        );
    }

    #[test]
    fn any_of_the_following_implies_the_summary_item() {
        let s = schema(&[
            (
                "all",
                "有無",
                "○",
                "0:無し|1:有り",
                "以下の項目のどれか１つを「1：有り」とした場合には「1：有り」とすること。",
            ),
            ("date", "診断日", "", "", ""),
            ("p", "P", "○", "0:無し|1:有り", ""),
            ("q", "Q", "○", "0:無し|1:有り", ""),
            ("r", "R", "○", "1:終日|2:半日", ""),
        ]);
        let d = derive(&s);
        let Rule::Implies { when, then, .. } = &d.rules[0].rule else {
            panic!("{d:?}")
        };
        assert_eq!(
            (when.to_string(), then.to_string()),
            ("(p = 1 or q = 1)".into(), "all = 1".into())
        );
        let s = schema(&[(
            "all",
            "有無",
            "○",
            "0:無し|1:有り",
            "どれか１つを「1：有り」とした場合には「1：有り」とすること。",
        )]);
        assert!(derive(&s).rules.is_empty());
    }

    #[test]
    fn a_date_order_stated_twice_is_one_error_rule() {
        let s = schema(&[
            (
                "start",
                "開始日",
                "",
                "",
                "登録時、終了日より後の日付を設定した場合エラーとする。",
            ),
            (
                "end",
                "終了日",
                "",
                "",
                "登録時、開始日より前の日付を設定した場合エラーとする。",
            ),
        ]);
        let d = derive(&s);
        assert_eq!(d.rules.len(), 1);
        let Rule::DateOrder {
            earlier,
            later,
            severity,
            ..
        } = &d.rules[0].rule
        else {
            panic!()
        };
        assert_eq!(
            (earlier.as_str(), later.as_str(), *severity),
            ("start", "end", Severity::Error)
        );
        assert_eq!(d.rules[0].from.len(), 2);
    }

    #[test]
    fn choose_when_gives_both_directions() {
        let s = schema(&[
            ("need", "嚥下調整食品の必要性", "●", "0:無し|1:有り", ""),
            (
                "form",
                "食事の形態",
                "●",
                "10:1j|50:常食",
                "50：常食は，嚥下調整食品の必要性＝0：無しの場合に選択する。",
            ),
        ]);
        let d = derive(&s);
        let shown: Vec<String> = d
            .rules
            .iter()
            .map(|r| match &r.rule {
                Rule::Implies { when, then, .. } => format!("{when} => {then}"),
                _ => String::new(),
            })
            .collect();
        assert_eq!(
            shown,
            [
                "(form = 50 and need = 1) => need = 0",
                "(need = 0 and form = 10) => form = 50"
            ]
        );
    }

    #[test]
    fn prose_is_dropped_and_everything_else_is_reviewed() {
        let s = schema(&[(
            "a",
            "評価日",
            "●",
            "",
            "0~9からなる8桁の数字　YYYYMMDD\n他様式で評価している場合にはその最新の評価日を入力すること。\n薬剤の追加変更の場合に必須",
        )]);
        let d = derive(&s);
        assert!(d.rules.is_empty());
        let reasons: Vec<&str> = d.review.iter().map(|r| r.sentence.as_str()).collect();
        assert_eq!(
            reasons,
            [
                "他様式で評価している場合にはその最新の評価日を入力すること。",
                "薬剤の追加変更の場合に必須"
            ]
        );
    }
}
