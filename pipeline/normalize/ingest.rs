//! A vendor file → one frame per (facility, LIFE interface), keyed by LIFE item IDs, with the
//! lineage columns `__source_file` and `__line`. Every value that cannot be converted is a
//! finding; every row that cannot be used is quarantined with its reason: rows read = rows in
//! frames + rows quarantined.

use polars::prelude::*;

use super::sink::Sink;
pub use super::tables::Ingest;
use crate::decode::{DecodeError, Table, TextEncoding, read_table};
use crate::map::Profile;
use crate::spec::Registry;
use crate::validate::{Check, Finding, Findings, Severity};

/// The lineage column naming the vendor file a row came from.
pub const SOURCE_FILE: &str = "__source_file";

/// One frame: the rows of one vendor file for one facility and one interface.
#[derive(Clone)]
pub struct Part {
    pub facility: String,
    /// The profile target (frame) it is for, by index.
    pub plan: usize,
    pub data_type: String,
    pub spec: String,
    pub frame: DataFrame,
}

/// A vendor row that is not in any frame, and why.
#[derive(Debug, Clone)]
pub struct Quarantined {
    pub line: u64,
    pub reason: String,
    pub fields: Vec<String>,
    /// Left out on purpose by a profile `skip` rule (a dummy or test user), not for a fault.
    pub deliberate: bool,
}

/// Repairs made while reading one file, counted for the data-quality metrics (M8). Counts only:
/// never a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Fixes {
    /// Files read as CP932 (Shift_JIS) and turned into UTF-8.
    pub files_from_cp932: u64,
    /// Era dates (令和8年10月15日, R8.10.15) turned into `YYYYMMDD`.
    pub era_dates: u64,
    /// Codes, numbers and dates written with full-width characters, turned into ASCII.
    pub full_width: u64,
    /// Kana turned into half-width katakana.
    pub kana: u64,
    /// Labels and Barthel points turned into LIFE codes.
    pub coded: u64,
}

impl Fixes {
    pub fn add(&mut self, o: &Fixes) {
        self.files_from_cp932 += o.files_from_cp932;
        self.era_dates += o.era_dates;
        self.full_width += o.full_width;
        self.kana += o.kana;
        self.coded += o.coded;
    }
}

/// What one vendor file gave.
#[derive(Clone)]
pub struct FileIngest {
    pub path: String,
    pub encoding: Option<TextEncoding>,
    pub findings: Findings,
    pub parts: Vec<Part>,
    pub quarantine: Vec<Quarantined>,
    /// Data rows between the header and the end (preamble and trailer lines excluded).
    pub rows_read: usize,
    /// Rows that went into the frames (each into every interface the profile feeds).
    pub rows_kept: usize,
    pub fixes: Fixes,
}

impl FileIngest {
    pub(super) fn empty(path: &str) -> FileIngest {
        FileIngest {
            path: path.to_string(),
            encoding: None,
            findings: Findings::default(),
            parts: Vec::new(),
            quarantine: Vec::new(),
            rows_read: 0,
            rows_kept: 0,
            fixes: Fixes::default(),
        }
    }

    /// This file's findings as a report (the validate report formats), moved out: the file is
    /// left without findings.
    pub fn take_report(&mut self) -> crate::validate::FileReport {
        crate::validate::FileReport {
            path: self.path.clone(),
            data_type: None,
            spec: None,
            encoding: self.encoding,
            rows: self.rows_read,
            findings: std::mem::take(&mut self.findings),
        }
    }

    /// Runs the validation engine on every frame of this file; its findings join the file's
    /// own, so they name vendor lines.
    pub fn validate(&mut self, registry: &Registry, ctx: &crate::validate::Context) {
        let unconverted = unconverted(&self.findings.checks, &self.findings.findings);
        let blocks: Vec<Validated> = self
            .parts
            .iter()
            .map(|part| {
                let mut v = Validated::default();
                v.check(part, registry, ctx, &unconverted);
                v
            })
            .collect();
        drop(unconverted);
        append(&mut self.findings, blocks);
        self.findings.sort();
    }
}

/// The (line, item) of every value that could not be converted. One finding per root cause: a
/// value that could not be converted is already an error on its line and item, so the item
/// left empty is not reported again as missing.
pub(super) fn unconverted<'f>(checks: &'f [Check], findings: &[Finding]) -> Unconverted<'f> {
    findings
        .iter()
        .filter_map(|f| {
            let c = &checks[f.check as usize];
            let converting = c.rule.starts_with("ingest.") && c.severity == Severity::Error;
            converting.then_some((f.line, c.column.as_deref()?))
        })
        .collect()
}

pub(super) type Unconverted<'f> =
    std::collections::HashSet<(u64, &'f str), foldhash::fast::FixedState>;

/// The validation engine's findings on the frames of one (interface, facility) of a file, part
/// after part: every part registers the same checks, kept once.
#[derive(Default)]
pub(super) struct Validated {
    checks: Vec<Check>,
    findings: Vec<Finding>,
    carry: crate::validate::Carry,
}

impl Validated {
    pub(super) fn check(
        &mut self,
        part: &Part,
        registry: &Registry,
        ctx: &crate::validate::Context,
        unconverted: &Unconverted<'_>,
    ) {
        let Some(spec) = registry.spec(&part.spec) else {
            return;
        };
        let Some(schema) = spec.schema(&part.data_type) else {
            return;
        };
        let mut found = Findings::default();
        crate::validate::validate_frame(
            &part.frame,
            schema,
            spec.rules(&part.data_type),
            spec.code_sheets.as_ref(),
            ctx,
            &mut found,
            &mut self.carry,
        );
        let missing = |c: &Check| {
            matches!(
                c.rule,
                "value.required" | "value.recommended" | "cond.required"
            )
        };
        for f in found.findings {
            let c = &found.checks[f.check as usize];
            let repeat = missing(c)
                && c.column
                    .as_deref()
                    .is_some_and(|col| unconverted.contains(&(f.line, col)));
            if !repeat {
                self.findings.push(f);
            }
        }
        if self.checks.is_empty() {
            self.checks = found.checks;
        } else {
            debug_assert_eq!(self.checks, found.checks, "a part's checks are its frame's");
        }
    }
}

/// The validation findings, block after block, join a file's own.
pub(super) fn append(findings: &mut Findings, blocks: impl IntoIterator<Item = Validated>) {
    for v in blocks {
        let offset = findings.checks.len() as u32;
        findings
            .findings
            .extend(v.findings.into_iter().map(|f| Finding {
                check: f.check + offset,
                ..f
            }));
        findings.checks.extend(v.checks);
    }
}

/// The field delimiter of a vendor file: the profile's, else tab for `.tsv` / `.txt`, else comma.
pub fn delimiter(profile: &Profile, path: &str) -> u8 {
    let lower = path.to_ascii_lowercase();
    match profile.read.delimiter.as_deref() {
        Some("\t") | Some("\\t") => b'\t',
        Some(_) => b',',
        None if lower.ends_with(".tsv") || lower.ends_with(".txt") => b'\t',
        None => b',',
    }
}

/// Reads one vendor file through a profile: decodes and splits it ([`read_table`]), then
/// [`ingest_table`]. `facility` is used when the profile says the file does not carry the
/// 事業所番号 itself.
pub fn ingest_file(
    path: &str,
    bytes: &[u8],
    profile: &Profile,
    registry: &Registry,
    facility: Option<&str>,
) -> FileIngest {
    match read_table(bytes, delimiter(profile, path)) {
        Ok(table) => ingest_table(path, &table, profile, registry, facility),
        Err(e) => unreadable(path, &e),
    }
}

/// A vendor file that could not be decoded: no rows, one error naming where.
pub fn unreadable(path: &str, e: &DecodeError) -> FileIngest {
    let line = match e {
        DecodeError::Binary { line, .. } | DecodeError::Neither { line, .. } => *line,
        _ => 0,
    };
    let (rule, ja) = match e {
        DecodeError::TooLarge { .. } => ("file.too_large", "ファイルが大きすぎます"),
        _ => ("file.encoding", "ファイルを読めません（文字コード）"),
    };
    let mut out = FileIngest::empty(path);
    let mut sink = Sink::default();
    sink.note(
        0,
        line,
        None,
        Severity::Error,
        rule,
        ja.into(),
        e.to_string(),
    );
    out.findings = sink.finish();
    out
}

/// The records of a decoded vendor file through a profile → frames, findings, quarantine.
pub fn ingest_table(
    path: &str,
    table: &Table,
    profile: &Profile,
    registry: &Registry,
    facility: Option<&str>,
) -> FileIngest {
    let mut ing = Ingest::new(path, table.encoding, profile, registry, facility);
    let parts = ing.table(table);
    let mut out = ing.finish();
    out.parts = parts;
    out
}

/// external_system_management_number from the vendor's record key, the same every month:
/// `<key_prefix>-<key values joined by "-">` when every key value is ASCII letters, digits,
/// `-` or `_`; otherwise `<key_prefix>-h<16 hex digits>`, the FNV-1a 64 hash of the joined key
/// (stable across runs and machines). Never longer than 150 characters. `joined` is the key
/// values joined by `-`.
pub fn management_number(prefix: &str, joined: &str) -> String {
    let plain = joined
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain && prefix.len() + 1 + joined.len() <= 150 {
        let mut out = String::with_capacity(prefix.len() + 1 + joined.len());
        out.push_str(prefix);
        out.push('-');
        out.push_str(joined);
        return out;
    }
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in joined.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{prefix}-h{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::management_number;

    #[test]
    fn management_numbers_are_stable() {
        assert_eq!(management_number("U", "000123"), "U-000123");
        assert_eq!(
            management_number("K", "000123-20260401"),
            "K-000123-20260401"
        );
        let h = management_number("U", "見本");
        assert_eq!(h, management_number("U", "見本"));
        assert!(h.starts_with("U-h") && h.len() == 19, "{h}");
        // FNV-1a 64 of the joined key: fixed values, so numbers stay the same across versions
        // (a key too long for the plain form is hashed too).
        assert_eq!(h, "U-h7e92b3f3c7e2e8fa");
        assert_eq!(
            management_number("U", &"1".repeat(150)),
            "U-h19410dfcc31fc15b"
        );
    }
}
