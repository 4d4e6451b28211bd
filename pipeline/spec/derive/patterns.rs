//! The sentence forms that state a rule, each read into drafts of rules for the item the
//! sentence is on:
//! - 「…の場合に必須」, 「…に必須」, 「…を入力する場合に必須」, 「…が入力されている場合に必須」 →
//!   required-if (only on a ● item);
//! - 「…の場合に入力可能」, 「…の場合にのみ記入」, 「…の場合に記入する」, 「…の場合に入力」 → allowed-if;
//! - 「以下の…のどれか１つを「c：l」とした場合には「c'：l'」とすること」 → implies, over the items
//!   that follow;
//! - 「c：l は，Y＝d：m の場合に選択する」 → implies, both ways;
//! - 「…より後/前の日付を設定した場合エラーとする」 → date order (error).

use std::sync::LazyLock;

use regex::Regex;

use super::resolve::{Ctx, codes_of};
use super::text::{fold, label_eq};
use super::{cond, prose, rounds};
use crate::spec::Req;
use crate::spec::rules::Condition;

/// A rule read from one sentence, before rules of several items are merged.
#[derive(Debug, Clone, PartialEq)]
pub enum Draft {
    Required(Condition),
    Allowed(Condition),
    Implies { when: Condition, then: Condition },
    DateOrder { earlier: String, later: String },
}

/// What a sentence is.
pub enum Outcome {
    Rules {
        drafts: Vec<Draft>,
        notes: Vec<String>,
    },
    Prose,
    Review(String),
}

const REQUIRED: &[&str] = &["場合に必須", "に必須"];
const ALLOWED: &[&str] = &[
    "場合に入力可能",
    "場合にのみ記入",
    "場合に記入する",
    "場合に入力",
];

static DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(?:登録時[、,]\s*)?(.+?)(?:の日付)?より(後|前)の日付を設定した場合エラーとする。?$",
    )
    .expect("valid")
});
static ANY_OF: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"^(.*?)どれか[１1]つ(?:を)?「([0-9０-９]+)[：:]([^」]+)」(?:と|に選択)した場合には「([0-9０-９]+)[：:]([^」]+)」とすること。?$",
    )
    .expect("valid")
});
static CHOOSE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^([0-9０-９]+)[：:]([^は]+)は[，,、](.+)の場合に選択する。?$").expect("valid")
});

/// Reads one sentence on the item at `at`.
pub fn classify(ctx: &Ctx<'_>, at: usize, sentence: &str) -> Outcome {
    let s = sentence.trim().trim_end_matches('。');
    let done = |r: Result<(Vec<Draft>, Vec<String>), String>| match r {
        Ok((drafts, notes)) => Outcome::Rules { drafts, notes },
        Err(why) => Outcome::Review(why),
    };
    if let Some(c) = DATE.captures(sentence) {
        return done(date_order(ctx, at, &c[1], &c[2]));
    }
    if let Some(c) = ANY_OF.captures(sentence) {
        return done(any_of(ctx, at, &c));
    }
    if let Some(c) = CHOOSE.captures(sentence) {
        return done(choose(ctx, at, &c));
    }
    if let Some(rest) = strip(s, REQUIRED) {
        return done(required(ctx, at, rest));
    }
    if let Some(rest) = strip(s, ALLOWED) {
        return done(cond::read(ctx, at, rest).map(|r| (vec![Draft::Allowed(r.when)], r.notes)));
    }
    if prose::kind(sentence).is_some() {
        return Outcome::Prose;
    }
    Outcome::Review(if sentence.contains("必須") {
        "says 必須 in a wording the deriver does not know".into()
    } else {
        "neither a rule the deriver knows nor recognised prose".into()
    })
}

/// The condition text before one of the `suffixes` (and a trailing の).
fn strip<'s>(s: &'s str, suffixes: &[&str]) -> Option<&'s str> {
    let rest = suffixes.iter().find_map(|x| s.strip_suffix(x))?.trim_end();
    Some(rest.strip_suffix('の').unwrap_or(rest).trim())
}

fn required(
    ctx: &Ctx<'_>,
    at: usize,
    cond_text: &str,
) -> Result<(Vec<Draft>, Vec<String>), String> {
    let read = match cond_text
        .strip_suffix("回目を入力する")
        .and_then(|n| fold(n).parse::<u32>().ok())
    {
        Some(n) => (rounds::entered(ctx, at, n)?, Vec::new()),
        None => {
            let r = cond::read(ctx, at, cond_text)?;
            (r.when, r.notes)
        }
    };
    let item = ctx.item(at);
    if item.req != Req::Conditional {
        return Err(format!(
            "states 必須 under a condition, but {} is not ● (「{}」)",
            item.id,
            item.req_mark()
        ));
    }
    Ok((vec![Draft::Required(read.0)], read.1))
}

fn date_order(
    ctx: &Ctx<'_>,
    at: usize,
    name: &str,
    dir: &str,
) -> Result<(Vec<Draft>, Vec<String>), String> {
    let other = ctx.by_name(name, &[])?.id.clone();
    let this = ctx.item(at).id.clone();
    let (earlier, later) = if dir == "後" {
        (this, other)
    } else {
        (other, this)
    };
    Ok((vec![Draft::DateOrder { earlier, later }], Vec::new()))
}

/// 「以下の…のどれか１つを「c：l」とした場合には「c'：l'」とすること」: the items after this one
/// (past any without a code list) that have code c labelled l, as long as they run.
fn any_of(
    ctx: &Ctx<'_>,
    at: usize,
    c: &regex::Captures<'_>,
) -> Result<(Vec<Draft>, Vec<String>), String> {
    let referent = &c[1];
    if !(referent.starts_with("以下の") || referent.contains("該当")) {
        return Err(format!(
            "「{referent}」 does not name the items that follow"
        ));
    }
    let (code, label) = (fold(&c[2]), &c[3]);
    let has = |i: usize| {
        ctx.item(i)
            .codes
            .iter()
            .any(|k| k.code == code && label_eq(label, &k.label))
    };
    let n = ctx.schema.items.len();
    let first = (at + 1..n)
        .find(|&i| !ctx.item(i).codes.is_empty())
        .filter(|&i| has(i))
        .ok_or_else(|| format!("no item after {} has 「{code}：{label}」", ctx.item(at).id))?;
    let run: Vec<Condition> = (first..n)
        .take_while(|&i| has(i))
        .map(|i| Condition::In {
            column: ctx.item(i).id.clone(),
            values: vec![code.clone()],
        })
        .collect();
    let then_codes = [(fold(&c[4]), c[5].to_string())];
    let (values, notes) = codes_of(ctx.item(at), &then_codes)?;
    let then = Condition::In {
        column: ctx.item(at).id.clone(),
        values,
    };
    Ok((
        vec![Draft::Implies {
            when: Condition::Any(run),
            then,
        }],
        notes,
    ))
}

/// 「c：l は，Y＝d：m の場合に選択する」: X = c only with Y = d, and Y = d only with X = c. Each
/// fires only when both hold a code that contradicts the other (a missing or invalid value is
/// another rule's finding).
fn choose(
    ctx: &Ctx<'_>,
    at: usize,
    c: &regex::Captures<'_>,
) -> Result<(Vec<Draft>, Vec<String>), String> {
    let x = ctx.item(at);
    let (xc, mut notes) = codes_of(x, &[(fold(&c[1]), c[2].trim().to_string())])?;
    let read = cond::read(ctx, at, &c[3])?;
    notes.extend(read.notes);
    let Condition::In {
        column: y,
        values: yd,
    } = read.when
    else {
        return Err("the condition of 「…の場合に選択する」 is not one item and one code".into());
    };
    if yd.len() != 1 || xc.len() != 1 {
        return Err("the condition of 「…の場合に選択する」 is not one item and one code".into());
    }
    let y_item = ctx
        .schema
        .item(&y)
        .ok_or_else(|| format!("{y} is not an item"))?;
    let others = |codes: &[crate::spec::Code], keep: &str| -> Vec<String> {
        codes
            .iter()
            .filter(|k| k.code != keep)
            .map(|k| k.code.clone())
            .collect()
    };
    let is = |col: &str, v: Vec<String>| Condition::In {
        column: col.to_string(),
        values: v,
    };
    let drafts = vec![
        Draft::Implies {
            when: Condition::All(vec![
                is(&x.id, xc.clone()),
                is(&y, others(&y_item.codes, &yd[0])),
            ]),
            then: is(&y, yd.clone()),
        },
        Draft::Implies {
            when: Condition::All(vec![
                is(&y, yd.clone()),
                is(&x.id, others(&x.codes, &xc[0])),
            ]),
            then: is(&x.id, xc),
        },
    ];
    Ok((drafts, notes))
}
