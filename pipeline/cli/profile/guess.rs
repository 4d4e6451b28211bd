//! The draft's guesses: which item an export column feeds, through which transform, and why.

use lifeline::decode::text::{code, label_key};
use lifeline::map::strip_points;
use lifeline::normalize::dates::parse_date;
use lifeline::spec::{Item, ItemType, Schema};

use super::export::{Bundled, Export};

/// One export column's guess for one target.
pub(super) struct Guess {
    pub(super) column: usize,
    pub(super) item: String,
    pub(super) score: u8,
    pub(super) transform: String,
    pub(super) map: Vec<(String, String)>,
    pub(super) why: String,
}

/// Whether `v` is one of the item's codes or code labels (with or without points).
fn is_label(item: &Item, v: &str) -> bool {
    let k = label_key(v);
    let c = code(v);
    item.codes
        .iter()
        .any(|x| x.code == c || label_key(&x.label) == k || label_key(strip_points(&x.label)) == k)
}

fn is_kana(v: &str) -> bool {
    v.chars().all(|c| {
        matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{FF66}'..='\u{FF9F}' | ' ' | '\u{3000}' | '・')
    })
}

fn full_width_digits(v: &str) -> bool {
    v.chars().any(|c| matches!(c, '０'..='９'))
}

/// The transform the item and the values seen call for, why, and whether the values fit it.
fn transform_for(item: &Item, values: &[&str]) -> (&'static str, String, bool) {
    let all = |f: &dyn Fn(&str) -> bool| !values.is_empty() && values.iter().all(|v| f(v));
    let dates = all(&|v| parse_date(v).is_ok());
    let era = values.iter().any(|v| {
        v.chars()
            .any(|c| matches!(c, '令' | '平' | '昭' | 'R' | 'H' | 'S'))
    });
    if item.fmt.as_deref() == Some("YYYYMMDD") || dates {
        let form = if era {
            "values read as dates, 和暦 among them"
        } else {
            "values read as dates"
        };
        return ("date", form.into(), dates || values.is_empty());
    }
    if !item.codes.is_empty() {
        let points =
            item.codes.iter().any(|c| c.label.ends_with(')')) && item.id.starts_with("barthel");
        if points && all(&|v| code(v).bytes().all(|b| b.is_ascii_digit())) {
            return ("barthel", "values are Barthel points".into(), true);
        }
        if all(&|v| is_label(item, v)) {
            return (
                "label",
                "values are the item's codes or code labels".into(),
                true,
            );
        }
        return (
            "label",
            "some values are not code labels of the item: add a `map`".into(),
            values.is_empty(),
        );
    }
    if item.id.ends_with("_kana") || all(&|v| is_kana(v)) {
        return ("kana", "values are kana".into(), all(&|v| is_kana(v)));
    }
    let fw = values.iter().any(|v| full_width_digits(v));
    let digits = all(&|v| code(v).bytes().all(|b| b.is_ascii_digit() || b == b'-'));
    if item.ty == ItemType::Number {
        return (
            "number",
            "a number item".into(),
            digits || values.is_empty(),
        );
    }
    if fw || digits || item.ty == ItemType::Digits {
        let why = if fw {
            "full-width digits seen"
        } else {
            "values are digits"
        };
        return ("code", why.into(), true);
    }
    ("text", "plain text".into(), true)
}

/// The candidate items of header column `col` in one target, best first.
fn candidates(
    col: usize,
    ex: &Export,
    schema: &Schema,
    b: &Bundled,
    placeholders: &[String],
) -> Vec<Guess> {
    let key = &ex.keys[col];
    let name = &ex.names[col];
    if key.is_empty() {
        return Vec::new();
    }
    let values = ex.values(col, placeholders);
    let mut out = Vec::new();
    for item in &schema.items {
        if item.id == "care_facility_id" || item.id == "version" {
            continue;
        }
        let item_key = label_key(&item.name);
        let known = b
            .columns
            .iter()
            .find(|k| k.key == *key && k.item == item.id);
        let (score, why) = if let Some(k) = known {
            (
                4,
                format!(
                    "matched the alias `{}` of the bundled profile {}",
                    k.alias, k.profile
                ),
            )
        } else if item_key == *key {
            (3, format!("matched the item name {}", item.name))
        } else if label_key(&item.id) == *key {
            (3, format!("matched the item id {}", item.id))
        } else if key.chars().count() >= 2
            && item_key.chars().count() >= 2
            && item_key.contains(key.as_str())
        {
            (
                1,
                format!("`{name}` is part of the item name {}", item.name),
            )
        } else {
            continue;
        };
        if item.id == "external_system_management_number" && score < 3 {
            continue;
        }
        let (t, mut form, fits) = transform_for(item, &values);
        if values.is_empty() {
            form = "no values seen in the first rows".into();
        } else if known.is_some_and(|k| {
            !k.map.is_empty()
                && values.iter().all(|v| {
                    is_label(item, v) || k.map.iter().any(|(m, _)| label_key(m) == label_key(v))
                })
        }) {
            form = "values are in the bundled map or the item's code labels".into();
        }
        let (transform, map) = match known {
            Some(k) => (
                k.transform.clone().unwrap_or_else(|| "text".into()),
                k.map.clone(),
            ),
            None => (t.to_string(), Vec::new()),
        };
        out.push(Guess {
            column: col,
            item: item.id.clone(),
            // Value forms settle ties between names.
            score: score * 2 + u8::from(fits),
            transform,
            map,
            why: format!("{why}; {form}"),
        });
    }
    out
}

/// The guesses of one target: each column to at most one item, each item from one column,
/// best first.
pub(super) fn assign(
    ex: &Export,
    schema: &Schema,
    b: &Bundled,
    skip: &[usize],
    ph: &[String],
) -> Vec<Guess> {
    let mut all: Vec<Guess> = (0..ex.names.len())
        .filter(|c| !skip.contains(c))
        .flat_map(|c| candidates(c, ex, schema, b, ph))
        .collect();
    all.sort_by_key(|g| (std::cmp::Reverse(g.score), g.column));
    let mut taken: Vec<Guess> = Vec::new();
    for g in all {
        if !taken
            .iter()
            .any(|t| ex.keys[t.column] == ex.keys[g.column] || t.item == g.item)
        {
            taken.push(g);
        }
    }
    let order = |id: &str| schema.items.iter().position(|i| i.id == id);
    taken.sort_by_key(|g| order(&g.item));
    taken
}
