//! The draft's guesses: which item an export column feeds, through which transform, and why.

use lifeline::decode::text::{code, label_key};
use lifeline::map::steps::cut;
use lifeline::map::{ColumnMap, Cut, Transform};
use lifeline::normalize::dates::parse_date;
use lifeline::normalize::transform::converted;
use lifeline::spec::{Item, ItemType, Schema};

use super::export::{Bundled, Export};

/// One export column's guess for one target.
pub(super) struct Guess {
    pub(super) column: usize,
    pub(super) item: String,
    pub(super) score: u8,
    pub(super) transform: String,
    pub(super) map: Vec<(String, String)>,
    /// A chain of steps written instead of the transform (`[{ strip = "-" }, "code", …]`).
    pub(super) steps: Option<String>,
    pub(super) why: String,
}

/// Whether ingest's `label` step reads a value as one of the item's codes (through `map` first,
/// then the codes and code labels with or without points): the same conversion, not a copy.
fn labels<'i>(item: &'i Item, map: &[(String, String)]) -> impl Fn(&str) -> bool + 'i {
    let col = ColumnMap::new(item, Vec::new(), Transform::Label, map.to_vec());
    move |v| converted(&col, item, v).0.is_some()
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
        let mut form = String::from("values read as dates");
        if era {
            form.push_str(", 和暦 among them");
        }
        if values.iter().any(|v| v.contains(':')) {
            form.push_str(", timestamps among them (the time is dropped)");
        }
        return ("date", form, dates || values.is_empty());
    }
    if !item.codes.is_empty() {
        let points =
            item.codes.iter().any(|c| c.label.ends_with(')')) && item.id.starts_with("barthel");
        let pts = |v: &str| code(v).bytes().all(|b| b.is_ascii_digit());
        let is_label = labels(item, &[]);
        if points && all(&|v| pts(v)) {
            return ("barthel", "values are Barthel points".into(), true);
        }
        if points && all(&|v| pts(v) || is_label(v)) {
            return (
                "barthel",
                "values are Barthel points and labels (with or without points)".into(),
                true,
            );
        }
        if all(&|v| is_label(v)) {
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
            .find(|k| ex.answers(col, &k.key) && k.item == item.id);
        let (score, why) = if let Some(k) = known {
            (
                4,
                format!(
                    "matched the alias `{}` of the bundled profile {}",
                    k.alias, k.profile
                ),
            )
        } else if ex.answers(col, &item_key) {
            (3, format!("matched the item name {}", item.name))
        } else if ex.answers(col, &label_key(&item.id)) {
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
            let is_label = labels(item, &k.map);
            !k.map.is_empty() && values.iter().all(|v| is_label(v))
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
        let mut map = map;
        let marks = ["○", "×"];
        let has_code = |c: &str| item.codes.iter().any(|x| x.code == c);
        if transform == "label"
            && map.is_empty()
            && has_code("0")
            && has_code("1")
            && all_in(&values, &marks)
        {
            map = vec![("○".into(), "1".into()), ("×".into(), "0".into())];
            form = "values are ○/× marks: mapped to the codes 1/0 (check them)".into();
        }
        let steps = fixed_length(item, &values, &transform);
        if let Some((_, why)) = &steps {
            form = why.clone();
        }
        let steps = steps.map(|s| s.0);
        out.push(Guess {
            column: col,
            item: item.id.clone(),
            // Value forms settle ties between names.
            score: score * 2 + u8::from(fits),
            transform,
            map,
            steps,
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
    fed: &[String],
    ph: &[String],
) -> Vec<Guess> {
    let mut all: Vec<Guess> = (0..ex.names.len())
        .filter(|c| !skip.contains(c))
        .flat_map(|c| candidates(c, ex, schema, b, ph))
        .filter(|g| !fed.contains(&g.item))
        .collect();
    all.sort_by_key(|g| (std::cmp::Reverse(g.score), g.column));
    let mut taken: Vec<Guess> = Vec::new();
    for g in all {
        if !taken
            .iter()
            .any(|t| ex.names[t.column] == ex.names[g.column] || t.item == g.item)
        {
            taken.push(g);
        }
    }
    let order = |id: &str| schema.items.iter().position(|i| i.id == id);
    taken.sort_by_key(|g| order(&g.item));
    taken
}

fn all_in(values: &[&str], marks: &[&str]) -> bool {
    !values.is_empty() && values.iter().all(|v| marks.contains(v))
}

/// The steps of a fixed-length digit item (被保険者番号 …) whose values have lost leading
/// zeros (Excel) or carry dashes or spaces inside: `[{ strip = "-" }, "code", { pad = N }]`,
/// and why. None when the values are all of full length and plain.
fn fixed_length(item: &Item, values: &[&str], transform: &str) -> Option<(String, String)> {
    let n = item.len? as usize;
    if !matches!(transform, "code" | "digits" | "text") || n < 4 || !item.codes.is_empty() {
        return None;
    }
    const DASHES: [char; 3] = ['-', '－', '‐'];
    let bare = |v: &str| code(&v.replace(DASHES, ""));
    if values.is_empty()
        || !values
            .iter()
            .all(|v| bare(v).bytes().all(|b| b.is_ascii_digit()))
    {
        return None;
    }
    let dashes: String = DASHES
        .iter()
        .filter(|d| values.iter().any(|v| v.contains(**d)))
        .collect();
    let spaced = values.iter().any(|v| v.trim().contains([' ', '\u{3000}']));
    // Fixed length: some values have it (a text item's `len` is only its longest).
    if n > 20 || !values.iter().any(|v| bare(v).len() == n) {
        return None;
    }
    let short = values.iter().filter(|v| bare(v).len() < n).count();
    if dashes.is_empty() && !spaced && short == 0 {
        return None;
    }
    let mut steps = Vec::new();
    let mut why = Vec::new();
    if !dashes.is_empty() {
        steps.push(format!(
            "{{ strip = {} }}",
            toml::Value::String(dashes.clone())
        ));
        why.push(format!("values with `{dashes}` inside (stripped)"));
    }
    if spaced {
        why.push("values with a space inside (`code` removes it)".to_string());
    }
    steps.push("\"code\"".to_string());
    if short > 0 {
        steps.push(format!("{{ pad = {n} }}"));
        why.push(format!(
            "{short} of {} values shorter than {n} digits: `pad` restores the leading zeros Excel \
             stripped (an ingest.padded warning each) — check that they really lost zeros",
            values.len()
        ));
    }
    Some((format!("[{}]", steps.join(", ")), why.join("; ")))
}

/// A `[[target.pipe]]` proposed: one column cut into several items.
pub(super) struct Pipe {
    pub(super) column: usize,
    /// The steps, as TOML.
    pub(super) steps: String,
    pub(super) into: Vec<String>,
    pub(super) why: String,
}

/// The pipes of one target: a name or kana column whose values hold both parts (split at the
/// space), and a column of date ranges (split at the range, each part a date).
pub(super) fn pipes(ex: &Export, schema: &Schema, skip: &[usize], ph: &[String]) -> Vec<Pipe> {
    let has = |id: &str| schema.item(id).is_some();
    let mut out: Vec<Pipe> = Vec::new();
    let free = |c: usize, out: &[Pipe]| !skip.contains(&c) && !out.iter().any(|p| p.column == c);
    let spaced = |values: &[&str]| {
        let n = values
            .iter()
            .filter(|v| cut(&Cut::Space, v).is_some())
            .count();
        (n * 2 > values.len()).then(|| {
            let mut why = format!(
                "{n} of {} values hold both parts, split at the first full- or half-width space",
                values.len()
            );
            if n < values.len() {
                why.push_str("; a value without a space is an ingest.split finding on its line");
            }
            why
        })
    };
    let kana_key = |k: &str| {
        ["フリガナ", "ふりがな", "フリカナ", "カナ", "かな"]
            .iter()
            .any(|w| k.contains(w))
    };
    for c in 0..ex.names.len() {
        let key = &ex.keys[c];
        let values = ex.values(c, ph);
        if values.is_empty() || !free(c, &out) || key.contains('姓') {
            continue;
        }
        let kana = kana_key(key) && values.iter().all(|v| is_kana(v));
        let name = key.contains("氏名") || key.contains("名前");
        let (into, steps, note) = match (kana, name) {
            (true, _) => (
                ["last_name_kana", "first_name_kana"],
                "[{ split = \"space\" }, \"kana\"]",
                "; values are kana (each part to half-width kana)",
            ),
            (false, true) => (["last_name", "first_name"], "[{ split = \"space\" }]", ""),
            _ => continue,
        };
        let open = into.iter().all(|i| has(i)) && !out.iter().any(|p| p.into[0] == into[0]);
        if open && let Some(why) = spaced(&values) {
            out.push(Pipe {
                column: c,
                steps: steps.into(),
                into: into.iter().map(|i| i.to_string()).collect(),
                why: format!("{why}{note}"),
            });
        }
    }
    // Date ranges: into the one `X_start`/`X_end` pair of date items (the one whose name
    // shares most with the column's when there are several).
    let ranges: Vec<(&str, &str)> = schema
        .items
        .iter()
        .filter(|i| i.fmt.as_deref() == Some("YYYYMMDD"))
        .filter_map(|i| {
            let stem = i.id.strip_suffix("_start")?;
            let end = schema
                .items
                .iter()
                .find(|e| e.id == format!("{stem}_end"))?;
            Some((i.id.as_str(), end.id.as_str()))
        })
        .collect();
    for c in 0..ex.names.len() {
        let values = ex.values(c, ph);
        if values.is_empty() || !free(c, &out) {
            continue;
        }
        let dates =
            |v: &&str| cut(&Cut::Range, v).is_some_and(|p| p.iter().all(|d| parse_date(d).is_ok()));
        let n = values.iter().filter(|v| dates(v)).count();
        if n * 2 <= values.len() {
            continue;
        }
        let overlap = |id: &str| {
            let name = schema
                .item(id)
                .map_or(String::new(), |i| label_key(&i.name));
            ex.alts[c]
                .iter()
                .map(|k| k.chars().filter(|ch| name.contains(*ch)).count())
                .max()
                .unwrap_or(0)
        };
        let Some(&(start, end)) = ranges
            .iter()
            .filter(|(s, _)| !out.iter().any(|p| p.into[0] == *s))
            .max_by_key(|(s, _)| overlap(s))
        else {
            continue;
        };
        let seps: String = ['～', '〜', '~', '−', '－', '-']
            .iter()
            .filter(|s| values.iter().any(|v| v.contains(**s)))
            .map(|s| format!("`{s}`"))
            .collect::<Vec<_>>()
            .join(" ");
        let mut why = format!(
            "{n} of {} values are ranges of two dates (separators seen: {seps}), each part a date",
            values.len()
        );
        if values.iter().any(|v| {
            v.chars()
                .any(|ch| matches!(ch, '令' | '平' | '昭' | 'R' | 'H' | 'S'))
        }) {
            why.push_str(", 和暦 among them");
        }
        if n < values.len() {
            why.push_str("; a value that is not a range is an ingest.split finding on its line");
        }
        out.push(Pipe {
            column: c,
            steps: "[{ split = \"range\" }, \"date\"]".into(),
            into: vec![start.into(), end.into()],
            why,
        });
    }
    out
}
