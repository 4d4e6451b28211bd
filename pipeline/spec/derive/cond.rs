//! The condition part of a sentence (what comes before 「の場合に必須」 and the like) read into a
//! [`Condition`]: clauses `名前＝1：ラベル` / `名前＝（1：a若しくは2：b）`, `…加算（Ⅱ）を取得する`
//! (a claim), `名前を入力する` / `名前が入力されている` (filled), joined by かつ and 又は.

use super::resolve::{Ctx, codes_of, parse_codes};
use super::text::{claim_name, split_top};
use crate::spec::rules::Condition;

/// A condition read from the text, with notes on what was read loosely.
pub struct Read {
    pub when: Condition,
    pub notes: Vec<String>,
}

/// Reads `text`, the condition of a sentence on the item at `at`.
pub fn read(ctx: &Ctx<'_>, at: usize, text: &str) -> Result<Read, String> {
    let mut notes = Vec::new();
    let mut all = Vec::new();
    for part in split_top(text, "かつ") {
        let mut any = Vec::new();
        for clause in split_top(part, "又は") {
            any.push(self::clause(
                ctx,
                at,
                clause.trim().trim_start_matches('、'),
                &mut notes,
            )?);
        }
        all.push(if any.len() == 1 {
            any.remove(0)
        } else {
            Condition::Any(any)
        });
    }
    let when = if all.len() == 1 {
        all.remove(0)
    } else {
        Condition::All(all)
    };
    Ok(Read { when, notes })
}

fn clause(ctx: &Ctx<'_>, at: usize, t: &str, notes: &mut Vec<String>) -> Result<Condition, String> {
    let t = t.trim();
    if t.is_empty() {
        return Err("a condition is empty".into());
    }
    if let Some(name) = t.strip_suffix("を取得する") {
        return if name.contains("加算") {
            Ok(Condition::Claim(claim_name(name)))
        } else {
            Err(format!("「{t}」 is not an add-on claim"))
        };
    }
    if let Some(name) = t
        .strip_suffix("を入力する")
        .or_else(|| t.strip_suffix("が入力されている"))
    {
        return filled(ctx, at, name.trim());
    }
    let Some(eq) = t.find(['＝', '=']) else {
        return Err(format!("「{t}」 is not a condition on an item"));
    };
    let (name, rest) = t.split_at(eq);
    let rest = &rest[rest.chars().next().map_or(0, char::len_utf8)..];
    let codes = parse_codes(rest).ok_or_else(|| format!("「{}」 are not codes", rest.trim()))?;
    let item = ctx.by_name(name, &codes)?;
    let (values, mut more) = codes_of(item, &codes)?;
    notes.append(&mut more);
    Ok(Condition::In {
        column: item.id.clone(),
        values,
    })
}

/// `名前` / `n回目の名前` filled. The n-th round is the nearest item before this one whose text
/// says 「n回目を入力する場合に必須」; `名前` must be its name, or 「…日」 for a date.
fn filled(ctx: &Ctx<'_>, at: usize, name: &str) -> Result<Condition, String> {
    if let Some((n, what)) = round_of(name) {
        let anchor = format!("{n}回目を入力する場合に必須");
        let Some(a) = (0..at).rev().find(|&i| ctx.says(i, &anchor)) else {
            return Err(format!(
                "no item before this one starts round {n} (「{anchor}」)"
            ));
        };
        let item = ctx.item(a);
        let fits = super::text::norm(what) == super::text::norm(&item.name)
            || (what.ends_with('日') && item.fmt.as_deref() == Some("YYYYMMDD"));
        if !fits {
            return Err(format!(
                "round {n} starts at {}, which is not 「{what}」",
                item.id
            ));
        }
        return Ok(Condition::Present {
            column: item.id.clone(),
        });
    }
    let item = ctx.by_name(name, &[])?;
    Ok(Condition::Present {
        column: item.id.clone(),
    })
}

/// `n回目の名前` → (n, 名前).
fn round_of(name: &str) -> Option<(u32, &str)> {
    let (n, what) = name.split_once("回目の")?;
    Some((super::text::fold(n).parse().ok()?, what))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::derive::tests::schema;

    fn ctx_schema() -> crate::spec::Schema {
        schema(&[
            (
                "kind",
                "施設／通所・居宅区分",
                "◎",
                "1:施設|2:通所・居宅",
                "",
            ),
            ("food", "経口摂取", "○", "0:無し|1:一部|2:完全", ""),
            ("x", "対象", "●", "", ""),
        ])
    }

    #[test]
    fn clauses_joined_by_katsu_become_all_and_claims_keep_their_numeral() {
        let s = ctx_schema();
        let ctx = Ctx::new(&s);
        let r = read(
            &ctx,
            2,
            "施設／通所・居宅区分＝1：施設 かつ経口摂取＝（1：一部若しくは2：完全）",
        )
        .unwrap();
        assert_eq!(
            r.when.to_string(),
            "(facility = 1 and food in {1, 2})".replace("facility", "kind")
        );
        let r = read(
            &ctx,
            2,
            "施設／通所・居宅区分＝1：施設 かつ 科学的介護推進体制加算（Ⅱ）を取得する",
        )
        .unwrap();
        assert_eq!(
            r.when.to_string(),
            "(kind = 1 and the office claims 科学的介護推進体制加算(Ⅱ))"
        );
    }

    #[test]
    fn an_unknown_name_or_code_is_an_error_not_a_guess() {
        let s = ctx_schema();
        let ctx = Ctx::new(&s);
        assert!(read(&ctx, 2, "経口摂取＝3：不明").is_err());
        assert!(read(&ctx, 2, "経口の有無＝1：有り").is_err());
        assert!(read(&ctx, 2, "ステータスが変更").is_err());
    }
}
