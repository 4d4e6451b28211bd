//! Reading a profile file. A mistake — an unknown LIFE item, data type, transform or step, an
//! alias used for two items, an item fed twice, a capture no item takes — is rejected with the
//! line of the profile that is wrong.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use super::profile::{
    Cell, ColumnMap, Facility, Profile, ProfileError, ReadSpec, Target, Transform, ValueSource,
    version_value,
};
use super::steps::{Cut, RawStep, Step, TRANSFORMS};
use crate::decode::text::label_key;
use crate::spec::{Registry, Schema};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawProfile {
    name: String,
    #[serde(default)]
    vendor: String,
    #[serde(default)]
    read: ReadSpec,
    #[serde(default)]
    facility: Option<Spanned<RawFacility>>,
    #[serde(rename = "target")]
    targets: Vec<Spanned<RawTarget>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFacility {
    column: Option<OneOrMany>,
    preamble_line: Option<usize>,
    preamble_field: Option<usize>,
    preamble: Option<RawCell>,
}

/// A preamble cell: a label (`"事業所番号"`) or `[line, field]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawCell {
    Label(String),
    At([usize; 2]),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTarget {
    data_type: Spanned<String>,
    spec: Spanned<String>,
    key: Vec<String>,
    key_prefix: String,
    #[serde(default)]
    constants: BTreeMap<String, Spanned<String>>,
    #[serde(default)]
    columns: BTreeMap<String, Spanned<RawColumn>>,
    /// Values that feed several items (or that need steps, written as a list).
    #[serde(default)]
    pipe: Vec<Spanned<RawColumn>>,
}

/// A `[target.columns]` entry (one item), or a `[[target.pipe]]` (with `into`).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    #[serde(default)]
    from: Option<OneOrMany>,
    #[serde(default)]
    preamble: Option<RawCell>,
    #[serde(default)]
    value: Option<String>,
    #[serde(default)]
    transform: Option<String>,
    #[serde(default)]
    steps: Option<Vec<RawStep>>,
    #[serde(default)]
    map: BTreeMap<String, String>,
    #[serde(default)]
    into: Option<RawInto>,
}

/// The items a pipe feeds: in the order of its parts, or by capture name.
#[derive(Deserialize)]
#[serde(untagged)]
enum RawInto {
    List(Vec<String>),
    Named(BTreeMap<String, String>),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum OneOrMany {
    One(String),
    Many(Vec<String>),
}

impl OneOrMany {
    fn into_vec(self) -> Vec<String> {
        match self {
            OneOrMany::One(s) => vec![s],
            OneOrMany::Many(v) => v,
        }
    }
}

impl RawCell {
    fn cell(self) -> Result<Cell, String> {
        match self {
            RawCell::Label(label) if !label.trim().is_empty() => Ok(Cell::Label {
                key: label_key(&label),
                label,
            }),
            RawCell::At([line, field]) if line >= 1 && field >= 1 => Ok(Cell::At { line, field }),
            _ => Err("`preamble` is a label (\"事業所番号\") or [line, field], 1-based".into()),
        }
    }
}

impl Profile {
    pub fn load(path: &Path, registry: &Registry) -> Result<Self, ProfileError> {
        let text = std::fs::read_to_string(path).map_err(|e| ProfileError {
            path: path.display().to_string(),
            line: 0,
            message: e.to_string(),
        })?;
        Self::parse(&path.display().to_string(), &text, registry)
    }

    pub fn parse(path: &str, text: &str, registry: &Registry) -> Result<Self, ProfileError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let err = |offset: usize, message: String| ProfileError {
            path: path.to_string(),
            line: line_of(offset),
            message,
        };
        let raw: RawProfile = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            err(at, e.message().to_string())
        })?;
        let _ = raw.vendor;
        if !(1..=2).contains(&raw.read.header_rows) {
            let at = text.find("header_rows").unwrap_or(0);
            return Err(err(at, "`header_rows` is 1 or 2".into()));
        }
        let facility = match raw.facility {
            None => Facility::Given,
            Some(f) => {
                let at = f.span().start;
                facility(f.into_inner()).map_err(|m| err(at, m))?
            }
        };
        let mut targets = Vec::new();
        for t in raw.targets {
            let t = t.into_inner();
            let dt_at = t.data_type.span().start;
            let spec = registry.spec(t.spec.get_ref()).ok_or_else(|| {
                err(
                    t.spec.span().start,
                    format!("unknown spec version `{}`", t.spec.get_ref()),
                )
            })?;
            let schema = spec.schema(t.data_type.get_ref()).ok_or_else(|| {
                err(
                    dt_at,
                    format!(
                        "`{}` is not an interface of spec {}",
                        t.data_type.get_ref(),
                        spec.version
                    ),
                )
            })?;
            if t.key.is_empty() {
                return Err(err(
                    dt_at,
                    "`key` must name the vendor columns that identify a record".into(),
                ));
            }
            // Every item is fed once: by a constant, a column or a pipe.
            let mut fed: BTreeMap<String, usize> = BTreeMap::new();
            let mut feed = |item: &str, at: usize| match fed.insert(item.to_string(), line_of(at)) {
                Some(first) => Err(err(
                    at,
                    format!("`{item}` is fed twice (also at line {first})"),
                )),
                None => Ok(()),
            };
            let mut constants = Vec::new();
            for (item, v) in t.constants {
                let at = v.span().start;
                if schema.item(&item).is_none() {
                    return Err(err(
                        at,
                        format!("`{item}` is not an item of {}", schema.data_type),
                    ));
                }
                feed(&item, at)?;
                constants.push((item, v.into_inner()));
            }
            let mut columns = Vec::new();
            let mut alias_owner: BTreeMap<String, String> = BTreeMap::new();
            let entries = t
                .columns
                .into_iter()
                .map(|(item, c)| (Some(item), c))
                .chain(t.pipe.into_iter().map(|c| (None, c)));
            for (item, c) in entries {
                let at = c.span().start;
                let made = entry(schema, item, c.into_inner()).map_err(|m| err(at, m))?;
                let owner = made.first().map(|c| c.item.clone()).unwrap_or_default();
                for c in &made {
                    feed(&c.item, at)?;
                }
                if let Some(first) = made.first() {
                    for (a, k) in first.aliases.iter().zip(&first.alias_keys) {
                        if let Some(other) = alias_owner.insert(k.clone(), owner.clone()) {
                            return Err(err(
                                at,
                                format!("alias `{a}` is used for both `{other}` and `{owner}`"),
                            ));
                        }
                    }
                }
                columns.extend(made);
            }
            // A 3.10 interface ends with its `version`: the tool fills it unless the profile does.
            if schema.item("version").is_some() && !fed.contains_key("version") {
                constants.push(("version".into(), version_value(&spec.version)));
            }
            // Spec order, so frames and files come out in the order LIFE lists the items.
            columns.sort_by_key(|c| schema.items.iter().position(|i| i.id == c.item));
            targets.push(Target {
                data_type: schema.data_type.clone(),
                spec: spec.version.clone(),
                key_keys: t.key.iter().map(|k| label_key(k)).collect(),
                key: t.key,
                key_prefix: t.key_prefix,
                constants,
                columns,
                line: line_of(dt_at),
            });
        }
        if targets.is_empty() {
            return Err(err(0, "a profile needs at least one [[target]]".into()));
        }
        Ok(Profile {
            path: path.to_string(),
            name: raw.name,
            read: raw.read,
            facility,
            targets,
        })
    }
}

fn facility(f: RawFacility) -> Result<Facility, String> {
    Ok(match f {
        RawFacility {
            column: Some(c),
            preamble_line: None,
            preamble_field: None,
            preamble: None,
        } => {
            let aliases = c.into_vec();
            Facility::Column {
                name: aliases.first().cloned().unwrap_or_default(),
                alias_keys: aliases.iter().map(|a| label_key(a)).collect(),
            }
        }
        RawFacility {
            column: None,
            preamble_line: Some(line),
            preamble_field: Some(field),
            preamble: None,
        } if line >= 1 && field >= 1 => Facility::Preamble(Cell::At { line, field }),
        RawFacility {
            column: None,
            preamble_line: None,
            preamble_field: None,
            preamble: Some(cell),
        } => Facility::Preamble(cell.cell()?),
        _ => {
            return Err(
                "[facility] is one of `column = \"…\"`, `preamble = \"事業所番号\"` (the \
                        preamble cell with that label) or `preamble = [line, field]` (1-based)"
                    .into(),
            );
        }
    })
}

/// A `[target.columns]` entry (`item` given) or a `[[target.pipe]]` → its items' maps.
fn entry(schema: &Schema, item: Option<String>, c: RawColumn) -> Result<Vec<ColumnMap>, String> {
    let (source, aliases) = match (c.from, c.preamble, c.value) {
        (Some(from), None, None) => {
            let aliases = from.into_vec();
            if aliases.is_empty() {
                return Err("`from` names no vendor column".into());
            }
            (ValueSource::Column, aliases)
        }
        (None, Some(cell), None) => {
            let cell = cell.cell()?;
            let name = match &cell {
                Cell::At { line, field } => format!("preamble line {line} field {field}"),
                Cell::Label { label, .. } => label.clone(),
            };
            (ValueSource::Preamble(cell), vec![name])
        }
        (None, None, Some(v)) => (ValueSource::Value(v), vec!["value".into()]),
        _ => return Err("a value comes from one of `from`, `preamble` or `value`".into()),
    };
    let mut steps = match (c.transform, c.steps) {
        (Some(_), Some(_)) => return Err("either `transform` or `steps`, not both".into()),
        (Some(name), None) => {
            vec![Step::Convert(Transform::parse(&name).ok_or_else(|| {
                format!("unknown transform `{name}`; known: {TRANSFORMS}")
            })?)]
        }
        (None, Some(steps)) => steps
            .into_iter()
            .map(RawStep::parse)
            .collect::<Result<Vec<_>, _>>()?,
        (None, None) => Vec::new(),
    };
    let cuts: Vec<&Cut> = steps
        .iter()
        .filter_map(|s| match s {
            Step::Cut(c) => Some(c),
            _ => None,
        })
        .collect();
    if cuts.len() > 1 {
        return Err("a chain cuts its value once (one `split` or `regex`)".into());
    }
    let cut = cuts.first().copied().cloned();
    let cut = cut.as_ref();
    // The items, each with the part it takes.
    let items: Vec<(String, Option<usize>)> = match (item, c.into) {
        (Some(item), None) => match cut {
            None => vec![(item, None)],
            Some(Cut::Regex(p)) if p.names.len() == 1 => vec![(item, Some(0))],
            Some(_) => {
                return Err(format!(
                    "`{item}`: a `split` or a regex of several captures feeds several items: \
                     write it as a [[target.pipe]] with `into`"
                ));
            }
        },
        (Some(item), Some(_)) => {
            return Err(format!(
                "`{item}`: `into` belongs to a [[target.pipe]], not [target.columns]"
            ));
        }
        (None, None) => return Err("a [[target.pipe]] says the items it feeds: `into`".into()),
        (None, Some(RawInto::List(items))) => {
            if let Some(Cut::Regex(_)) = cut {
                return Err("a `regex` pipe feeds its captures by name: \
                            into = { capture = \"item\", … }"
                    .into());
            }
            let want = match cut {
                None => 1,
                Some(c) => c.parts().unwrap_or(items.len().max(2)),
            };
            if items.len() != want {
                return Err(format!(
                    "the pipe makes {want} value{} but `into` names {} item{}",
                    if want > 1 { "s" } else { "" },
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                ));
            }
            let parted = cut.is_some();
            let n = items.len();
            for s in &mut steps {
                if let Step::Cut(Cut::At { parts, .. }) = s {
                    *parts = n;
                }
            }
            items
                .into_iter()
                .enumerate()
                .map(|(i, item)| (item, parted.then_some(i)))
                .collect()
        }
        (None, Some(RawInto::Named(named))) => {
            let Some(Cut::Regex(p)) = cut else {
                return Err(
                    "`into = { … }` names regex captures: the pipe needs a `regex` step".into(),
                );
            };
            if let Some(unused) = p.names.iter().find(|n| !named.contains_key(*n)) {
                return Err(format!(
                    "capture `{unused}` feeds no item (add it to `into`)"
                ));
            }
            if let Some(unknown) = named.keys().find(|n| !p.names.contains(n)) {
                return Err(format!(
                    "`into` names `{unknown}`, which the regex does not capture"
                ));
            }
            named
                .into_iter()
                .map(|(name, item)| {
                    let i = p.names.iter().position(|n| *n == name);
                    (item, i)
                })
                .collect()
        }
    };
    // The one-step case keeps its fast path: a lone transform is the transform.
    let (transform, steps) = match steps.as_slice() {
        [] => (Transform::Text, Vec::new()),
        [Step::Convert(t)] => (*t, Vec::new()),
        _ => {
            let last = steps.iter().rev().find_map(|s| match s {
                Step::Convert(t) => Some(*t),
                _ => None,
            });
            (last.unwrap_or(Transform::Text), steps)
        }
    };
    let map: Vec<(String, String)> = c.map.into_iter().collect();
    let mut out = Vec::new();
    for (item, part) in items {
        let Some(spec_item) = schema.item(&item) else {
            return Err(format!("`{item}` is not an item of {}", schema.data_type));
        };
        let labels = steps
            .iter()
            .any(|s| matches!(s, Step::Convert(Transform::Label | Transform::Barthel)))
            || matches!(transform, Transform::Label | Transform::Barthel);
        if labels && spec_item.codes.is_empty() && map.is_empty() {
            return Err(format!("`{item}` has no code list to map labels to"));
        }
        if !labels && !map.is_empty() {
            return Err(format!(
                "`{item}`: a `map` is read by the `label` and `barthel` steps only; add \
                 `transform = \"label\"` or drop the map"
            ));
        }
        let mut m = ColumnMap::new(spec_item, aliases.clone(), transform, map.clone());
        if source != ValueSource::Column {
            m.alias_keys.clear();
        }
        m.source = source.clone();
        m.steps = steps.clone();
        m.part = part;
        out.push(m);
    }
    Ok(out)
}
