//! Repeated rounds (2回目, 3回目 … of a record kept in one row): the item whose text says
//! 「n回目を入力する場合に必須」 starts round n, which runs up to the item that starts round n+1;
//! the last round of a series is as long as the one before it, item for item by name.

use super::resolve::Ctx;
use super::text::norm;
use crate::spec::rules::Condition;

fn starts(ctx: &Ctx<'_>, at: usize) -> Option<u32> {
    ctx.texts[at].iter().find_map(|(_, s)| {
        let n = s.strip_suffix("回目を入力する場合に必須")?;
        super::text::fold(n).parse().ok()
    })
}

/// The items of round `n`, which starts at `at` (the starting item not included).
pub fn block(ctx: &Ctx<'_>, at: usize, n: u32) -> Result<std::ops::Range<usize>, String> {
    let len = ctx.schema.items.len();
    let next = (at + 1..len).find(|&i| starts(ctx, i).is_some());
    if let Some(j) = next.filter(|&j| starts(ctx, j) == Some(n + 1)) {
        return Ok(at + 1..j);
    }
    let prev = (0..at)
        .rev()
        .find(|&i| starts(ctx, i).is_some())
        .filter(|&p| starts(ctx, p) == Some(n - 1))
        .ok_or_else(|| {
            format!(
                "round {n} is the last of its series and no round {} precedes it",
                n - 1
            )
        })?;
    let width = at - prev - 1;
    let end = at + 1 + width;
    let same = end <= len
        && (0..width)
            .all(|k| norm(&ctx.item(prev + 1 + k).name) == norm(&ctx.item(at + 1 + k).name));
    if !same {
        return Err(format!(
            "round {n} (the last of its series) does not repeat round {} item for item",
            n - 1
        ));
    }
    Ok(at + 1..end)
}

/// Round `n` counts as entered when any of its items is filled.
pub fn entered(ctx: &Ctx<'_>, at: usize, n: u32) -> Result<Condition, String> {
    if n < 2 {
        return Err(format!(
            "round {n} cannot be told from the rounds before it"
        ));
    }
    let items = block(ctx, at, n)?;
    if items.is_empty() {
        return Err(format!("round {n} has no items"));
    }
    Ok(Condition::Any(
        items
            .map(|i| Condition::Present {
                column: ctx.item(i).id.clone(),
            })
            .collect(),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::derive::tests::schema;

    fn rounds() -> crate::spec::Schema {
        schema(&[
            ("d2", "記入日", "●", "", "2回目を入力する場合に必須"),
            (
                "a2",
                "職種",
                "●",
                "",
                "2回目の記入日が入力されている場合に必須",
            ),
            ("b2", "記入者", "", "", ""),
            ("d3", "記入日", "●", "", "3回目を入力する場合に必須"),
            (
                "a3",
                "職種",
                "●",
                "",
                "3回目の記入日が入力されている場合に必須",
            ),
            ("b3", "記入者", "", "", ""),
            ("z", "特記事項", "", "", ""),
        ])
    }

    #[test]
    fn a_round_runs_to_the_next_and_the_last_repeats_the_one_before() {
        let s = rounds();
        let ctx = Ctx::new(&s);
        assert_eq!(block(&ctx, 0, 2).unwrap(), 1..3);
        assert_eq!(block(&ctx, 3, 3).unwrap(), 4..6);
        assert_eq!(
            entered(&ctx, 3, 3).unwrap().to_string(),
            "(a3 is filled or b3 is filled)"
        );
    }

    #[test]
    fn a_last_round_that_does_not_repeat_the_one_before_is_refused() {
        let mut s = rounds();
        s.items[5].name = "別の項目".into();
        let ctx = Ctx::new(&s);
        assert!(block(&ctx, 3, 3).is_err());
    }
}
