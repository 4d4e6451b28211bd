//! `schemas/<version>/rules/<DT>.toml`: what the workbook's text cannot give, on top of the
//! rules derived from it (`derived/<DT>.toml`). Two kinds of entry, each with a `reason`:
//!
//! ```toml
//! [[rule]]                      # a rule the text does not state (any kind of rules.rs)
//! reason = "…"
//! kind = "date_order"
//! …
//!
//! [[withdraw]]                  # a derived rule that is wrong
//! source = "…"                  # the derived rule's source, exactly
//! kind = "required_if"          # optional: only rules of this kind
//! columns = ["a", "b"]          # optional: only these columns of it (all of them if absent)
//! reason = "…"
//! ```
//!
//! A withdrawal that matches no derived rule is a load error, so overrides cannot outlive the
//! derived rules they correct.

use serde::Deserialize;

use super::SpecError;
use super::rules::Rule;

/// A derived rule taken back.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Withdraw {
    pub source: String,
    #[serde(default)]
    pub kind: Option<String>,
    #[serde(default)]
    pub columns: Vec<String>,
    pub reason: String,
}

/// The contents of an overrides file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Overrides {
    /// Added rules, with their reasons.
    pub add: Vec<(Rule, String)>,
    pub withdraw: Vec<Withdraw>,
}

impl Overrides {
    pub fn parse(path: &str, text: &str) -> Result<Self, SpecError> {
        let bad = |m: String| SpecError::invalid(path, m);
        let mut table: toml::Table = toml::from_str(text).map_err(|e| bad(e.to_string()))?;
        let mut out = Overrides::default();
        if let Some(rules) = table.remove("rule") {
            let toml::Value::Array(rules) = rules else {
                return Err(bad("`rule` must be an array of tables ([[rule]])".into()));
            };
            for (i, r) in rules.into_iter().enumerate() {
                let at = |m: &str| bad(format!("rule #{}: {m}", i + 1));
                let toml::Value::Table(mut t) = r else {
                    return Err(at("not a table"));
                };
                let reason = match t.remove("reason") {
                    Some(toml::Value::String(s)) if !s.trim().is_empty() => s,
                    _ => return Err(at("an added rule needs a `reason`")),
                };
                let rule: Rule = toml::Value::Table(t)
                    .try_into()
                    .map_err(|e: toml::de::Error| at(&e.to_string()))?;
                out.add.push((rule, reason));
            }
        }
        if let Some(w) = table.remove("withdraw") {
            out.withdraw = w
                .try_into()
                .map_err(|e: toml::de::Error| bad(e.to_string()))?;
            if let Some(i) = out.withdraw.iter().position(|w| w.reason.trim().is_empty()) {
                return Err(bad(format!("withdraw #{}: needs a `reason`", i + 1)));
            }
        }
        if let Some(k) = table.keys().next() {
            return Err(bad(format!(
                "unknown key `{k}`: an overrides file has [[rule]] and [[withdraw]]"
            )));
        }
        Ok(out)
    }

    /// The derived rules with the withdrawals taken out, then the added rules.
    pub fn apply(&self, path: &str, derived: Vec<Rule>) -> Result<Vec<Rule>, SpecError> {
        let mut rules = derived;
        for (i, w) in self.withdraw.iter().enumerate() {
            let mut matched = false;
            rules.retain_mut(|r| {
                if r.source() != Some(w.source.as_str())
                    || w.kind.as_deref().is_some_and(|k| k != r.kind())
                {
                    return true;
                }
                match r {
                    Rule::RequiredIf { columns, .. } | Rule::AllowedIf { columns, .. }
                        if !w.columns.is_empty() =>
                    {
                        let before = columns.len();
                        columns.retain(|c| !w.columns.contains(c));
                        matched |= columns.len() < before;
                        !columns.is_empty()
                    }
                    _ => {
                        let cols = r.columns();
                        let hit = w.columns.iter().all(|c| cols.contains(&c.as_str()));
                        matched |= hit;
                        !hit
                    }
                }
            });
            if !matched {
                return Err(SpecError::invalid(
                    path,
                    format!(
                        "withdraw #{}: no derived rule has source {:?}{}{}",
                        i + 1,
                        w.source,
                        w.kind
                            .as_deref()
                            .map(|k| format!(", kind {k}"))
                            .unwrap_or_default(),
                        if w.columns.is_empty() {
                            String::new()
                        } else {
                            format!(" and columns {:?}", w.columns)
                        }
                    ),
                ));
            }
        }
        rules.extend(self.add.iter().map(|(r, _)| r.clone()));
        Ok(rules)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::rules::RulesFile;

    const DERIVED: &str = r#"
[[rule]]
kind = "required_if"
columns = ["a", "b"]
when = { column = "k", in = ["1"] }
source = "区分＝1：施設の場合に必須"

[[rule]]
kind = "date_order"
earlier = "s"
later = "e"
source = "登録時、終了日より後の日付を設定した場合エラーとする。"
"#;

    fn derived() -> Vec<Rule> {
        RulesFile::parse("d", DERIVED).unwrap().rule
    }

    #[test]
    fn a_withdrawal_takes_columns_or_whole_rules_back_and_added_rules_follow() {
        let o = Overrides::parse(
            "o",
            r#"
[[rule]]
reason = "not in the text"
kind = "date_order"
earlier = "b"
later = "e"
severity = "warning"

[[withdraw]]
source = "区分＝1：施設の場合に必須"
columns = ["b"]
reason = "b is not ● in practice"

[[withdraw]]
source = "登録時、終了日より後の日付を設定した場合エラーとする。"
reason = "wrong"
"#,
        )
        .unwrap();
        let rules = o.apply("o", derived()).unwrap();
        assert_eq!(rules.len(), 2);
        assert_eq!(rules[0].columns(), ["a", "k"]);
        assert_eq!(rules[1].kind(), "date_order");
        assert_eq!(rules[1].columns(), ["b", "e"]);
    }

    #[test]
    fn a_withdrawal_that_matches_nothing_is_an_error() {
        let o = Overrides::parse("o", "[[withdraw]]\nsource = \"区分＝1：施設の場合に必須\"\ncolumns = [\"zz\"]\nreason = \"r\"\n").unwrap();
        let e = o.apply("o", derived()).unwrap_err().to_string();
        assert!(e.contains("withdraw #1: no derived rule has source"), "{e}");
        let o = Overrides::parse(
            "o",
            "[[withdraw]]\nsource = \"x\"\nkind = \"implies\"\nreason = \"r\"\n",
        )
        .unwrap();
        assert!(o.apply("o", derived()).is_err());
    }

    #[test]
    fn an_added_rule_without_a_reason_and_unknown_keys_are_refused() {
        let e = Overrides::parse(
            "o",
            "[[rule]]\nkind = \"date_order\"\nearlier = \"a\"\nlater = \"b\"\n",
        )
        .unwrap_err();
        assert!(
            e.to_string()
                .contains("rule #1: an added rule needs a `reason`"),
            "{e}"
        );
        assert!(Overrides::parse("o", "[[other]]\nx = 1\n").is_err());
        assert!(Overrides::parse("o", "[[withdraw]]\nsource = \"x\"\nreason = \"\"\n").is_err());
    }
}
