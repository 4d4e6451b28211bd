//! A vendor file → one frame per (facility, LIFE interface), keyed by LIFE item IDs, with the
//! lineage columns `__source_file` and `__line`. Every value that cannot be converted is a
//! finding; every row that cannot be used is quarantined with its reason: rows read = rows in
//! frames + rows quarantined.

pub use super::file::{FileIngest, Fixes, Part, Quarantined, SOURCE_FILE};
pub use super::key::management_number;
use super::sink::Sink;
pub use super::tables::Ingest;
use crate::decode::{DecodeError, Table, read_table};
use crate::map::Profile;
use crate::spec::Registry;
use crate::validate::Severity;

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
