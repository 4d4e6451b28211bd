//! The vendor profile: what a profile file says, checked (see `parse.rs` for the file and
//! docs/profiles.md § Value steps).

use serde::Deserialize;

use super::steps::Step;
pub use super::steps::Transform;
use crate::decode::text::label_key;
use crate::spec::{Registry, Req};

#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct ProfileError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

/// How to read the vendor file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ReadSpec {
    /// `,` or `\t`; by default `\t` for .tsv/.txt files, `,` otherwise.
    #[serde(default)]
    pub delimiter: Option<String>,
    /// The header is the first line matching at least this many aliases (preamble lines before
    /// it are skipped and counted).
    #[serde(default = "default_min_aliases")]
    pub header_min_aliases: usize,
    /// 2 when the header is two lines (Excel's merged group header over the item header): a
    /// column is then named by the pair `group/item`, or by the item alone.
    #[serde(default = "default_header_rows")]
    pub header_rows: usize,
    /// A row whose first non-empty field starts with one of these is a trailer (合計 …): it and
    /// the rows after it are not data.
    #[serde(default)]
    pub trailer_prefixes: Vec<String>,
    /// Values that mean "nothing recorded" (after trimming): `null`, `-`, `0000000000` …
    #[serde(default)]
    pub placeholders: Vec<String>,
    /// Rows to quarantine (dummy users such as `★会議`).
    #[serde(default)]
    pub skip: Vec<SkipRule>,
}

impl Default for ReadSpec {
    fn default() -> Self {
        ReadSpec {
            delimiter: None,
            header_min_aliases: default_min_aliases(),
            header_rows: default_header_rows(),
            trailer_prefixes: Vec::new(),
            placeholders: Vec::new(),
            skip: Vec::new(),
        }
    }
}

fn default_min_aliases() -> usize {
    3
}

fn default_header_rows() -> usize {
    1
}

/// Quarantine rows whose vendor column starts with one of the prefixes.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SkipRule {
    pub column: String,
    pub prefixes: Vec<String>,
    pub reason: String,
}

/// Where a row's 事業所番号 comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum Facility {
    /// A vendor column.
    Column {
        alias_keys: Vec<String>,
        name: String,
    },
    /// A cell of the preamble (カナミック puts the office number on line 1).
    Preamble(Cell),
    /// Not in the file: `--facility` must say it.
    Given,
}

/// A cell of the lines before the header.
#[derive(Debug, Clone, PartialEq)]
pub enum Cell {
    /// Line and field, both 1-based.
    At { line: usize, field: usize },
    /// The cell that starts with this label: the value after it and a colon (`事業所番号：
    /// 1370099010`), or, when nothing follows the label, the next non-empty cell of its line.
    Label { label: String, key: String },
}

/// Where a LIFE item's value comes from.
#[derive(Debug, Clone, PartialEq)]
pub enum ValueSource {
    /// A vendor column, by its aliases (`ColumnMap::aliases`).
    Column,
    /// A preamble cell: one value for the whole file.
    Preamble(Cell),
    /// A value written in the profile, through the steps like any other.
    Value(String),
}

/// One LIFE item fed from a vendor column (or a preamble cell, or a value), through its steps.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    pub item: String,
    pub source: ValueSource,
    /// The aliases as written (for messages) and keyed for matching (a column source only; for
    /// the other sources, `aliases` names the source for messages).
    pub aliases: Vec<String>,
    pub alias_keys: Vec<String>,
    /// The item's transform: the one-step case's, or the last transform of `steps`, else
    /// `text`. Repairs are counted by it.
    pub transform: Transform,
    /// The whole chain when it is more than one transform (empty for the one-step case, which
    /// is `transform` alone).
    pub steps: Vec<Step>,
    /// Which part of the chain's cut (`split`, `regex`) this item takes.
    pub part: Option<usize>,
    /// Label → code from the profile, keyed by `label_key`.
    pub map: Vec<(String, String)>,
    /// Label → code from the spec's code list (each label with and without its points suffix
    /// such as `(10)`), keyed once here rather than for every value.
    pub labels: Vec<(String, String)>,
}

impl ColumnMap {
    pub fn new(
        item: &crate::spec::Item,
        aliases: Vec<String>,
        transform: Transform,
        map: Vec<(String, String)>,
    ) -> Self {
        let mut labels = Vec::new();
        for c in &item.codes {
            let full = label_key(&c.label);
            let bare = label_key(strip_points(&c.label));
            labels.push((full, c.code.clone()));
            labels.push((bare, c.code.clone()));
        }
        ColumnMap {
            item: item.id.clone(),
            source: ValueSource::Column,
            alias_keys: aliases.iter().map(|a| label_key(a)).collect(),
            aliases,
            transform,
            steps: Vec::new(),
            part: None,
            map: map.into_iter().map(|(k, v)| (label_key(&k), v)).collect(),
            labels,
        }
    }
}

/// `全介助(10)` → `全介助`.
pub fn strip_points(label: &str) -> &str {
    match label.rfind('(') {
        Some(i) if label.ends_with(')') => &label[..i],
        _ => label,
    }
}

/// One LIFE interface the vendor file feeds.
#[derive(Debug, Clone)]
pub struct Target {
    pub data_type: String,
    pub spec: String,
    /// Vendor columns that identify a record; they make external_system_management_number.
    pub key: Vec<String>,
    pub key_keys: Vec<String>,
    pub key_prefix: String,
    pub constants: Vec<(String, String)>,
    pub columns: Vec<ColumnMap>,
    /// The profile line of its `data_type`, for messages.
    pub line: usize,
}

/// Items no profile needs to feed: the tool fills them (the office, the record key).
pub const FILLED_BY_THE_TOOL: [&str; 2] = ["care_facility_id", "external_system_management_number"];

/// The `version` value of a spec version: `3.10` → `0310`.
pub fn version_value(spec: &str) -> String {
    let digits: String = spec.chars().filter(char::is_ascii_digit).collect();
    format!("{digits:0>4}")
}

impl Target {
    /// Whether the target feeds `item` (a column, a constant).
    pub fn feeds(&self, item: &str) -> bool {
        self.columns.iter().any(|c| c.item == item) || self.constants.iter().any(|(i, _)| i == item)
    }
}

/// A checked vendor profile.
#[derive(Debug, Clone)]
pub struct Profile {
    /// The file it was read from, for messages.
    pub path: String,
    pub name: String,
    pub read: ReadSpec,
    pub facility: Facility,
    pub targets: Vec<Target>,
}

impl Profile {
    /// Points each target at the spec version a job asks for: `None`/`auto` (the default: the
    /// current spec first) → the newest version that knows the interface completely (not one
    /// with column IDs only); a version → that one. Either where it has the interface and every
    /// mapped item; otherwise the target keeps its own version. A target moved to a version
    /// whose interface ends with a `version` column gets it as a constant (`3.10` → `0310`)
    /// unless the profile fills it. A `FORM_xxxx_2021` target has no other version: it stays
    /// 1.00 (and the run warns, `emit.retired_spec`).
    pub fn retarget(&mut self, registry: &Registry, choice: Option<&str>) {
        let auto = matches!(choice, None | Some("auto"));
        for t in &mut self.targets {
            let chosen = match auto {
                true => registry.newest_complete(&t.data_type),
                false => registry.choose(&t.data_type, choice),
            };
            let Some(spec) = chosen else {
                continue;
            };
            let schema = &spec.schemas[&t.data_type];
            // The `version` constant of the target's own spec (`0310` for 3.10, the loader adds
            // it) belongs to the spec, not to the layout: it moves with the target.
            let own = version_value(&t.spec);
            let spec_own = |(i, v): &(String, String)| i == "version" && *v == own;
            let fits = t.columns.iter().all(|c| schema.item(&c.item).is_some())
                && t.constants
                    .iter()
                    .all(|c| spec_own(c) || schema.item(&c.0).is_some());
            if !fits || spec.version == t.spec {
                continue;
            }
            t.constants.retain(|c| !spec_own(c));
            t.spec = spec.version.clone();
            if schema.item("version").is_some() && !t.feeds("version") {
                t.constants
                    .push(("version".into(), version_value(&spec.version)));
            }
        }
    }

    /// Every ◎ item of every target has a source: a column, a constant, one the tool fills
    /// itself ([`FILLED_BY_THE_TOOL`], `version`), or one of `also_filled` (what the caller
    /// sets itself, e.g. `service_code` from a job's office). Otherwise an error naming the
    /// items, at the target's line.
    pub fn check_fed(&self, registry: &Registry, also_filled: &[&str]) -> Result<(), ProfileError> {
        for t in &self.targets {
            let Some(schema) = registry.spec(&t.spec).and_then(|s| s.schema(&t.data_type)) else {
                continue;
            };
            let unfed: Vec<String> = schema
                .items
                .iter()
                .filter(|i| i.req == Req::Always)
                .filter(|i| {
                    let id = i.id.as_str();
                    !(t.feeds(id) || FILLED_BY_THE_TOOL.contains(&id) || also_filled.contains(&id))
                })
                .map(|i| format!("`{}` ({})", i.id, i.name))
                .collect();
            if !unfed.is_empty() {
                return Err(ProfileError {
                    path: self.path.clone(),
                    line: t.line,
                    message: format!(
                        "{} (spec {}): the ◎ item{} {} {} no source — map a column, or add a \
                         constant",
                        t.data_type,
                        t.spec,
                        if unfed.len() > 1 { "s" } else { "" },
                        unfed.join(", "),
                        if unfed.len() > 1 { "have" } else { "has" },
                    ),
                });
            }
        }
        Ok(())
    }
}
