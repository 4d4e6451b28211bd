//! A vendor file read through a profile a table of records at a time: the header resolves
//! the profile's targets once, then each table goes through a row pass (which rows, which
//! office, which record key) and a column pass (each frame column converted from its vendor
//! column through that column's memo).

use super::file::{FileIngest, Part};
use super::sink::Sink;
use super::transform::Memo;
use super::validated::{Validated, append, unconverted};
use crate::decode::text::label_key;
use crate::decode::{Table, TextEncoding};
use std::collections::BTreeMap;

mod columns;
mod header;
mod rows;

/// Lines before the header kept for preamble cells: a preamble is a few lines.
const PREAMBLE_KEPT: usize = 64;
use crate::map::{Facility, HeaderKeys, Profile, Target, ValueSource};
use crate::spec::{Registry, Schema};
use crate::validate::Severity;

/// A vendor file read through a profile a table of records at a time (see
/// [`Chunks`](crate::decode::Chunks)): each table's rows become frames at once, and only what
/// spans rows stays — the converters' memos, the findings, the quarantine and the counts. The
/// findings are those of `ingest_table` and [`FileIngest::validate`] on the whole file.
pub struct Ingest<'a> {
    out: FileIngest,
    sink: Sink,
    profile: &'a Profile,
    registry: &'a Registry,
    /// The 事業所番号 given for a file that does not carry it.
    given: Option<&'a str>,
    placeholders: Vec<&'a str>,
    /// The lines before the header (at most [`PREAMBLE_KEPT`]), for preamble cells and a
    /// two-line header's upper line.
    preamble: Vec<(u64, Vec<String>)>,
    header: Option<Header<'a>>,
    /// A trailer line was met: what follows is not data.
    ended: bool,
    /// Where the findings of the last table start (see [`Ingest::check`]).
    table_findings: usize,
    /// The validation findings by (frame, facility).
    validated: BTreeMap<(usize, String), Validated<'a>>,
}

/// What the header line settles for the rest of the file.
struct Header<'a> {
    facility_col: Option<usize>,
    fixed_facility: Option<String>,
    plans: Vec<Plan<'a>>,
    skip_cols: Vec<(Option<usize>, &'a crate::map::SkipRule)>,
    memos: Vec<Vec<Memo>>,
    /// The last raw 事業所番号 and its normalised form.
    last_facility: (String, String),
}

impl<'a> Ingest<'a> {
    pub fn new(
        path: &str,
        encoding: TextEncoding,
        profile: &'a Profile,
        registry: &'a Registry,
        facility: Option<&'a str>,
    ) -> Self {
        let mut out = FileIngest::empty(path);
        out.encoding = Some(encoding);
        out.fixes.files_from_cp932 = u64::from(encoding == TextEncoding::Cp932);
        Ingest {
            out,
            sink: Sink::default(),
            profile,
            registry,
            given: facility,
            placeholders: profile
                .read
                .placeholders
                .iter()
                .map(String::as_str)
                .collect(),
            preamble: Vec::new(),
            header: None,
            ended: false,
            table_findings: 0,
            validated: BTreeMap::new(),
        }
    }

    /// The next table of the file's records → this table's frames, one per (interface,
    /// facility), interface after interface.
    pub fn table(&mut self, table: &Table) -> Vec<Part> {
        self.table_findings = self.sink.findings.findings.len();
        let start = match self.header {
            Some(_) => 0,
            None => match self.find_header(table) {
                Some(h) => h + 1,
                None => return Vec::new(),
            },
        };
        if self.ended {
            return Vec::new();
        }
        let rows = self.row_pass(table, start);
        self.column_pass(table, rows)
    }

    /// Runs the validation engine on frames of the last table (with any columns the caller
    /// added); their findings join the file's.
    pub fn check(&mut self, parts: &[Part], ctx: &crate::validate::Context) {
        let new = &self.sink.findings.findings[self.table_findings..];
        let unconverted = unconverted(&self.sink.findings.checks, new);
        for part in parts {
            self.validated
                .entry((part.plan, part.facility.clone()))
                .or_default()
                .check(part, self.registry, ctx, &unconverted);
        }
    }

    /// The file's findings, quarantine and counts (no frames: they went table by table).
    pub fn finish(mut self) -> FileIngest {
        if self.header.is_none() {
            let p = self.profile;
            self.sink.note(
                0,
                0,
                None,
                Severity::Error,
                "ingest.no_header",
                format!("プロファイル「{}」の見出し行が見つかりません", p.name),
                format!(
                    "no line matches at least {} column names of profile `{}`: wrong profile or file?",
                    p.read.header_min_aliases, p.name
                ),
            );
            self.out.findings = self.sink.finish();
            return self.out;
        }
        for q in &self.out.quarantine {
            self.sink.note(
                2,
                q.line,
                None,
                Severity::Warning,
                "ingest.quarantined",
                format!("この行は取り込みませんでした（{}）", q.reason),
                format!("row quarantined: {}", q.reason),
            );
        }
        let mut findings = self.sink.finish();
        let mut plans = vec![None; findings.checks.len()];
        for ((plan, _), v) in &self.validated {
            plans.extend(std::iter::repeat_n(Some(*plan), v.checks_len()));
        }
        append(&mut findings, self.validated.into_values());
        findings.sort();
        self.out.findings = findings;
        self.out.check_plans = plans;
        self.out
    }

    fn resolve(&mut self, header_line: u64, keys: HeaderKeys) -> Header<'a> {
        let preamble_facility = match &self.profile.facility {
            Facility::Preamble(cell) => Some(self.preamble_facility(cell)),
            _ => None,
        };
        // Preamble cells and profile values feeding items: one value per file.
        // Per target and column: None for a vendor column, else the cell's or value's raw text.
        let fixed_values: Vec<Vec<Option<Option<String>>>> = self
            .profile
            .targets
            .iter()
            .map(|t| {
                t.columns
                    .iter()
                    .map(|c| match &c.source {
                        ValueSource::Column => None,
                        ValueSource::Preamble(cell) => Some(self.preamble_cell(cell)),
                        ValueSource::Value(v) => Some(Some(v.clone())),
                    })
                    .collect()
            })
            .collect();
        let (profile, registry, sink) = (self.profile, self.registry, &mut self.sink);

        // The facility of every row.
        let facility_col = match &profile.facility {
            Facility::Column { alias_keys, name } => match keys.find(alias_keys) {
                Some(i) => Some(i),
                None => {
                    sink.note(
                        0,
                        header_line,
                        None,
                        Severity::Error,
                        "ingest.no_facility",
                        format!("事業所番号の列「{name}」がありません"),
                        format!("the 事業所番号 column `{name}` is missing: no row can be placed"),
                    );
                    None
                }
            },
            _ => None,
        };
        let fixed_facility: Option<String> = match &profile.facility {
            Facility::Preamble(_) => preamble_facility.clone().flatten(),
            Facility::Given => self.given.map(str::to_string),
            Facility::Column { .. } => None,
        };
        // A preamble value that is not a 事業所番号, or not the given one, has been said already.
        let said = matches!(preamble_facility, Some(None)) && {
            let c = |c: &crate::validate::Check| {
                matches!(c.rule, "ingest.facility" | "ingest.facility_mismatch")
            };
            sink.findings.checks.iter().any(c)
        };
        if matches!(profile.facility, Facility::Preamble(_) | Facility::Given)
            && fixed_facility.is_none()
            && !said
        {
            sink.note(
                0,
                0,
                None,
                Severity::Error,
                "ingest.no_facility",
                "事業所番号がわかりません（前置き行または --facility）".into(),
                "no 事業所番号: not in the preamble where the profile says, and no --facility given"
                    .into(),
            );
        }

        // Each target's columns, in spec order, and where their values come from.
        let mut plans: Vec<Plan<'a>> = Vec::new();
        for (ti, t) in profile.targets.iter().enumerate() {
            let Some(schema) = registry.spec(&t.spec).and_then(|s| s.schema(&t.data_type)) else {
                continue;
            };
            let resolved = t.resolve(&keys);
            // No empty records: a target none of whose vendor columns is in the file gives no
            // frame, and says so once.
            let vendor_columns: Vec<usize> = (0..t.columns.len())
                .filter(|&i| t.columns[i].source == ValueSource::Column)
                .collect();
            let live = vendor_columns.is_empty()
                || vendor_columns
                    .iter()
                    .any(|&i| resolved.columns[i].is_some());
            if !live {
                let missing: Vec<&str> = vendor_columns
                    .iter()
                    .map(|&i| t.columns[i].aliases[0].as_str())
                    .collect();
                sink.note(
                    0,
                    0,
                    None,
                    Severity::Error,
                    "ingest.no_columns",
                    format!(
                        "{}の列がひとつもファイルにありません（{}）",
                        t.data_type,
                        missing.join("、")
                    ),
                    format!(
                        "none of the columns of target {} is in this file ({}): wrong profile or \
                         header? No {} record is made",
                        t.data_type,
                        missing.join(", "),
                        t.data_type
                    ),
                );
            }
            for (c, idx) in t.columns.iter().zip(&resolved.columns) {
                if live && c.source == ValueSource::Column && idx.is_none() {
                    sink.note(
                        0,
                        header_line,
                        Some(&c.item),
                        Severity::Warning,
                        "ingest.missing_column",
                        format!("列「{}」がファイルにありません", c.aliases.join("／")),
                        format!(
                            "vendor column `{}` is not in this file; `{}` stays empty",
                            c.aliases.join("` / `"),
                            c.item
                        ),
                    );
                }
            }
            for (k, idx) in t.key.iter().zip(&resolved.key) {
                if live && idx.is_none() {
                    sink.note(
                        0,
                        header_line,
                        Some("external_system_management_number"),
                        Severity::Error,
                        "ingest.missing_key",
                        format!("キーの列「{k}」がファイルにありません"),
                        format!("key column `{k}` is not in this file: rows cannot be identified"),
                    );
                }
            }
            let mut sources: Vec<(String, Source<'a>)> = Vec::new();
            for item in &schema.items {
                let id = item.id.as_str();
                if let Some(i) = t.columns.iter().position(|c| c.item == id) {
                    let src = match &fixed_values[ti][i] {
                        None => Source::Column(i, item),
                        Some(raw) => {
                            let v = fixed_value(&t.columns[i], item, raw.as_deref(), sink);
                            Source::Fixed(v)
                        }
                    };
                    sources.push((id.to_string(), src));
                } else if let Some((_, v)) = t.constants.iter().find(|(i, _)| i == id) {
                    sources.push((id.to_string(), Source::Fixed(constant(v))));
                } else if id == "care_facility_id" {
                    sources.push((id.to_string(), Source::Facility));
                } else if id == "external_system_management_number" {
                    sources.push((id.to_string(), Source::Key));
                }
            }
            // A key column that is also a mapped column (e.g. 評価日 → date) takes its converted
            // value, so 令和8年10月15日 and 2026/10/15 make the same number.
            let key_columns = t
                .key_keys
                .iter()
                .map(|k| {
                    t.columns
                        .iter()
                        .position(|c| c.part.is_none() && c.alias_keys.contains(k))
                })
                .collect();
            plans.push(Plan {
                live,
                target: t,
                schema,
                sources,
                resolved,
                key_columns,
            });
        }

        let skip_cols = profile
            .read
            .skip
            .iter()
            .map(|s| (keys.position(&label_key(&s.column)), s))
            .collect();
        let memos = plans
            .iter()
            .map(|p| p.target.columns.iter().map(|_| Memo::default()).collect())
            .collect();
        Header {
            facility_col,
            fixed_facility,
            plans,
            skip_cols,
            memos,
            last_facility: (String::new(), String::new()),
        }
    }
}

/// A profile's constant as the LIFE file holds it: without the blanks around it, which the
/// writer would cut (a frame holds what is written, and what is validated is what is read back),
/// but for the one half-width space that clears a stored value; None when nothing is left.
fn constant(v: &str) -> Option<String> {
    // `emit::CLEAR`, which this stage comes before.
    let t = match v {
        " " => v,
        _ => v.trim_matches([' ', '\t']),
    };
    (!t.is_empty()).then(|| t.to_string())
}

/// A vendor value trimmed of half- and full-width spaces; None when that leaves nothing or a
/// placeholder of the profile (`-`, `null` …; ASCII letters in either case: `NULL`).
fn clean<'a>(v: &'a str, placeholders: &[&str]) -> Option<&'a str> {
    // Most values have no space at either end: two byte looks settle it (U+3000 starts 0xE3).
    let edge = |b: Option<&u8>| matches!(b, Some(b' ' | b'\t' | 0xE3));
    let t = if edge(v.as_bytes().first()) || edge(v.as_bytes().last()) {
        v.trim_matches([' ', '\t', '\u{3000}'])
    } else {
        v
    };
    (!t.is_empty() && !placeholders.iter().any(|p| p.eq_ignore_ascii_case(t))).then_some(t)
}

/// Where a frame column's values come from.
enum Source<'a> {
    Facility,
    Key,
    /// A preamble cell or a profile value through its steps, or a constant: one value for the
    /// file (None when it is missing or could not be converted, said once).
    Fixed(Option<String>),
    /// A mapped column (index into the target's columns) and its spec item.
    Column(usize, &'a crate::spec::Item),
}

/// One target resolved against this file's header.
struct Plan<'a> {
    /// False when none of its vendor columns is in the file: it makes no frame.
    live: bool,
    target: &'a Target,
    schema: &'a Schema,
    /// Frame columns in spec order, and where each one's values come from.
    sources: Vec<(String, Source<'a>)>,
    resolved: crate::map::Resolved,
    /// For each key column, the mapped column that reads the same vendor column, if any.
    key_columns: Vec<Option<usize>>,
}

/// A file-wide value (preamble cell, profile value) through its column's steps; a problem is
/// one finding at line 0.
fn fixed_value(
    col: &crate::map::ColumnMap,
    item: &crate::spec::Item,
    raw: Option<&str>,
    sink: &mut Sink,
) -> Option<String> {
    let raw = raw?;
    // A preamble cell over two lines, folded as a column's value is.
    let folded;
    let raw = if raw.contains(['\r', '\n']) {
        folded = fold(raw);
        sink.note(
            0,
            0,
            Some(&col.item),
            Severity::Warning,
            "ingest.folded",
            "前置きの値の改行を空白にしました".into(),
            "a preamble value's line breaks folded to spaces".into(),
        );
        folded.as_str()
    } else {
        raw
    };
    let (value, problem, _) = super::transform::converted(col, item, raw);
    if let Some(p) = problem {
        let sev = if p.kept {
            Severity::Warning
        } else {
            Severity::Error
        };
        sink.note(
            0,
            0,
            Some(&col.item),
            sev,
            p.rule,
            p.message_ja,
            p.message_en,
        );
    }
    value.map(|v| v.into_owned())
}

/// Line breaks (CRLF, CR or LF, and runs of them) → one space each run.
fn fold(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    let mut in_break = false;
    for c in v.chars() {
        if c == '\r' || c == '\n' {
            if !in_break {
                out.push(' ');
            }
            in_break = true;
        } else {
            out.push(c);
            in_break = false;
        }
    }
    out
}
