//! The vendor profile file. A mistake — an unknown LIFE item or data type, an unknown
//! transform, an alias used for two items — is rejected with the line of the profile that is
//! wrong.

use std::collections::BTreeMap;
use std::path::Path;

use serde::Deserialize;
use toml::Spanned;

use crate::decode::text::label_key;
use crate::spec::Registry;

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
            trailer_prefixes: Vec::new(),
            placeholders: Vec::new(),
            skip: Vec::new(),
        }
    }
}

fn default_min_aliases() -> usize {
    3
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
    /// A field of a preamble line (カナミック puts the office number on line 1).
    Preamble { line: usize, field: usize },
    /// Not in the file: `--facility` must say it.
    Given,
}

/// The LIFE-side transform of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The value as written, trimmed.
    Text,
    /// Full-width → ASCII, spaces removed (codes, IDs).
    Code,
    /// `code`, and then it must be ASCII digits.
    Digits,
    /// `code`, thousands separators removed; must be a plain decimal number.
    Number,
    /// A date in any known form, eras included → `YYYYMMDD`.
    Date,
    /// Katakana or hiragana → half-width katakana.
    Kana,
    /// A label → the item's code: the profile's `map` first, then the item's own codes and
    /// code labels from the spec.
    Label,
    /// Barthel Index points → the item's code, from the points in the spec's code labels; where
    /// points cannot decide (整容, 入浴: 0 points is 全介助 or 一部介助) it is reported.
    Barthel,
}

impl Transform {
    fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => Transform::Text,
            "code" => Transform::Code,
            "digits" => Transform::Digits,
            "number" => Transform::Number,
            "date" => Transform::Date,
            "kana" => Transform::Kana,
            "label" => Transform::Label,
            "barthel" => Transform::Barthel,
            _ => return None,
        })
    }
}

/// One LIFE item fed from a vendor column.
#[derive(Debug, Clone, PartialEq)]
pub struct ColumnMap {
    pub item: String,
    /// The aliases as written (for messages) and keyed for matching.
    pub aliases: Vec<String>,
    pub alias_keys: Vec<String>,
    pub transform: Transform,
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
            alias_keys: aliases.iter().map(|a| label_key(a)).collect(),
            aliases,
            transform,
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
}

/// A checked vendor profile.
#[derive(Debug, Clone)]
pub struct Profile {
    pub name: String,
    pub read: ReadSpec,
    pub facility: Facility,
    pub targets: Vec<Target>,
}

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
    columns: BTreeMap<String, Spanned<RawColumn>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawColumn {
    from: OneOrMany,
    #[serde(default)]
    transform: Option<String>,
    #[serde(default)]
    map: BTreeMap<String, String>,
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

impl Profile {
    /// Points each target at the spec version a job asks for: `None`/`auto` → the newest version
    /// that has the interface; a version → that one, where it has the interface and every mapped
    /// item. A target moved to a version whose interface ends with a `version` column gets it as
    /// a constant (`3.10` → `0310`) unless the profile fills it.
    pub fn retarget(&mut self, registry: &Registry, choice: Option<&str>) {
        for t in &mut self.targets {
            let candidates: Vec<&crate::spec::Spec> = registry
                .specs
                .iter()
                .filter(|s| s.schema(&t.data_type).is_some())
                .collect();
            let chosen = match choice {
                None | Some("auto") => candidates.last(),
                Some(v) => candidates.iter().find(|s| s.version == v),
            };
            let Some(spec) = chosen else { continue };
            let schema = &spec.schemas[&t.data_type];
            let fits = t.columns.iter().all(|c| schema.item(&c.item).is_some())
                && t.constants.iter().all(|(i, _)| schema.item(i).is_some());
            if !fits || spec.version == t.spec {
                continue;
            }
            t.spec = spec.version.clone();
            let filled = |id: &str| {
                t.columns.iter().any(|c| c.item == id) || t.constants.iter().any(|(i, _)| i == id)
            };
            if schema.item("version").is_some() && !filled("version") {
                let digits: String = spec.version.chars().filter(char::is_ascii_digit).collect();
                t.constants
                    .push(("version".into(), format!("{digits:0>4}")));
            }
        }
    }

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
        let facility = match raw.facility {
            None => Facility::Given,
            Some(f) => {
                let at = f.span().start;
                match f.into_inner() {
                    RawFacility {
                        column: Some(c),
                        preamble_line: None,
                        preamble_field: None,
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
                    } if line >= 1 && field >= 1 => Facility::Preamble { line, field },
                    _ => {
                        return Err(err(
                            at,
                            "[facility] is either `column = \"…\"` or `preamble_line = N` with \
                             `preamble_field = N` (1-based)"
                                .into(),
                        ));
                    }
                }
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
            let mut constants = Vec::new();
            for (item, v) in t.constants {
                if schema.item(&item).is_none() {
                    return Err(err(
                        v.span().start,
                        format!("`{item}` is not an item of {}", schema.data_type),
                    ));
                }
                constants.push((item, v.into_inner()));
            }
            let mut columns = Vec::new();
            let mut alias_owner: BTreeMap<String, String> = BTreeMap::new();
            for (item, c) in t.columns {
                let at = c.span().start;
                let c = c.into_inner();
                let Some(spec_item) = schema.item(&item) else {
                    return Err(err(
                        at,
                        format!("`{item}` is not an item of {}", schema.data_type),
                    ));
                };
                let name = c.transform.as_deref().unwrap_or("text");
                let transform = Transform::parse(name).ok_or_else(|| {
                    err(
                        at,
                        format!(
                            "unknown transform `{name}`; known: text, code, digits, number, date, kana, label, barthel"
                        ),
                    )
                })?;
                if matches!(transform, Transform::Label | Transform::Barthel)
                    && spec_item.codes.is_empty()
                    && c.map.is_empty()
                {
                    return Err(err(
                        at,
                        format!("`{item}` has no code list to map labels to"),
                    ));
                }
                if constants.iter().any(|(i, _)| i == &item) {
                    return Err(err(at, format!("`{item}` is both a constant and a column")));
                }
                let aliases = c.from.into_vec();
                if aliases.is_empty() {
                    return Err(err(at, format!("`{item}`: `from` names no vendor column")));
                }
                let column =
                    ColumnMap::new(spec_item, aliases, transform, c.map.into_iter().collect());
                for (a, k) in column.aliases.iter().zip(&column.alias_keys) {
                    if let Some(other) = alias_owner.insert(k.clone(), item.clone()) {
                        return Err(err(
                            at,
                            format!("alias `{a}` is used for both `{other}` and `{item}`"),
                        ));
                    }
                }
                columns.push(column);
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
            });
        }
        if targets.is_empty() {
            return Err(err(0, "a profile needs at least one [[target]]".into()));
        }
        Ok(Profile {
            name: raw.name,
            read: raw.read,
            facility,
            targets,
        })
    }
}
