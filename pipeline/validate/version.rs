//! The `version` column of the 2024 interfaces (`schemas/versions.toml`): the values LIFE
//! accepts (`value.version`), which spec checks a file, and what the report says when that is
//! not the spec the file's value names (`spec.fallback`) or when rows name different versions
//! (`version.mixed`).

use polars::prelude::*;

use super::finding::{Findings, Severity};
use crate::spec::catalogue::Catalogue;
use crate::spec::{Req, Schema, Spec};

/// The column.
pub const COLUMN: &str = "version";

/// The accepted `version` values a file's rows carry, each with the first line carrying it, in
/// the order they first appear.
pub(super) fn seen(ca: &StringChunked, lines: &[u64], catalogue: &Catalogue) -> Vec<(String, u64)> {
    let mut out: Vec<(String, u64)> = Vec::new();
    for (v, line) in ca.iter().zip(lines) {
        if let Some(v) = v
            && catalogue.version(v).is_some()
            && !out.iter().any(|(s, _)| s == v)
        {
            out.push((v.to_string(), *line));
        }
    }
    out
}

/// The value that picks the spec of a file: its highest accepted value (all rows of a file are
/// checked against one spec; the newest the file names is the one LIFE runs today).
pub(super) fn newest(seen: &[(String, u64)]) -> Option<&str> {
    seen.iter().map(|(v, _)| v.as_str()).max()
}

/// `value.version` on every row whose value is not an accepted one. An empty ◎ value is left to
/// `value.required`.
pub(super) fn check_values(
    frame: &DataFrame,
    lines: &[u64],
    schema: &Schema,
    catalogue: &Catalogue,
    out: &mut Findings,
) {
    let Some(item) = schema.item(COLUMN) else {
        return;
    };
    if catalogue.versions.is_empty() {
        return;
    }
    let Some(ca) = frame.column(COLUMN).ok().and_then(|c| c.str().ok()) else {
        return;
    };
    let accepted = catalogue.accepted();
    let specs: Vec<&str> = accepted
        .iter()
        .filter_map(|v| catalogue.version(v).map(|e| e.spec.as_str()))
        .collect();
    let accepted = accepted.join(", ");
    let mut check = None;
    for (v, line) in ca.iter().zip(lines) {
        // Null is an empty field.
        let empty = v.is_none_or(|v| v.is_empty() || v == " ");
        let left_to_required = item.req == Req::Always && empty;
        if left_to_required || v.is_some_and(|v| catalogue.version(v).is_some()) {
            continue;
        }
        let c = *check.get_or_insert_with(|| {
            out.check(
                "value.version",
                Severity::Error,
                Some(COLUMN),
                format!("バージョン番号は{accepted}のいずれかです"),
                format!(
                    "`version` must be one of {accepted} (specs {}); LIFE rejects other values",
                    specs.join(", ")
                ),
            )
        });
        out.push(*line, c, v);
    }
}

/// The file-level notes on the spec a file was checked against: `version.mixed` when rows name
/// different versions, `spec.fallback` when `--spec auto` checked the file against another spec
/// than the one its value names.
pub(super) fn notes(
    seen: &[(String, u64)],
    spec: &Spec,
    auto: bool,
    catalogue: &Catalogue,
    out: &mut Findings,
) {
    if seen.len() > 1 {
        let values: Vec<String> = seen
            .iter()
            .map(|(v, line)| format!("{v} (first on line {line})"))
            .collect();
        let c = out.check(
            "version.mixed",
            Severity::Warning,
            Some(COLUMN),
            format!(
                "行ごとにバージョン番号が異なります（{}）。全行を{}の項目定義で確認しました",
                values.join("、"),
                spec.version
            ),
            format!(
                "rows carry different version values: {}; every row was checked against spec {}",
                values.join(", "),
                spec.version
            ),
        );
        out.push(seen[1].1, c, Some(&seen[1].0));
    }
    let Some(value) = newest(seen).filter(|_| auto) else {
        return;
    };
    let Some(entry) = catalogue.version(value) else {
        return;
    };
    if entry.spec == spec.version {
        return;
    }
    let why = match (&entry.fallback, &entry.reason) {
        (Some(f), Some(r)) if *f == spec.version => r.clone(),
        _ => format!(
            "spec {} is the newest loaded spec with this interface",
            spec.version
        ),
    };
    let c = out.check(
        "spec.fallback",
        Severity::Warning,
        None,
        format!(
            "バージョン{value}（{}版）のファイルですが、{}版の項目定義が読み込まれていないため、{}版の項目定義で確認しました（{why}）。{}版の項目一覧は`lifeline schemagen`と`--schemas`で指定できます",
            entry.spec, entry.spec, spec.version, entry.spec
        ),
        format!(
            "version {value} is spec {}, whose items are not loaded: checked against the items of \
             spec {} ({why}). To check against {} itself, give its workbook: `lifeline schemagen \
             WORKBOOK.xlsx --out DIR/{}` and `lifeline --schemas DIR validate …`",
            entry.spec, spec.version, entry.spec, entry.spec
        ),
    );
    out.push(0, c, Some(value));
}
