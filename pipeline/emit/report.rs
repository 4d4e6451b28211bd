//! Validation reports: JSON for machines, text for people. Values of personal-data columns were
//! masked when the findings were made; nothing here sees them.

use std::collections::BTreeMap;
use std::io::{self, Write};

use serde::Serialize;

use crate::validate::{FileReport, Severity};

/// How many examples the text report shows per rule; the rest are counted.
pub const EXAMPLES_PER_RULE: usize = 5;

#[derive(Serialize)]
struct JsonFile<'a> {
    path: &'a str,
    data_type: Option<&'a str>,
    spec: Option<&'a str>,
    encoding: Option<String>,
    rows: usize,
    errors: usize,
    warnings: usize,
}

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: &'a str,
    line: Option<u64>,
    column: Option<&'a str>,
    severity: Severity,
    rule: &'a str,
    value: Option<&'a str>,
    message_ja: &'a str,
    message_en: &'a str,
}

#[derive(Serialize)]
struct Json<'a> {
    files: Vec<JsonFile<'a>>,
    findings: Vec<JsonFinding<'a>>,
}

/// `{"files":[…],"findings":[…]}`, one document, newline-terminated.
pub fn write_json(reports: &[FileReport], out: &mut impl Write) -> io::Result<()> {
    let files = reports
        .iter()
        .map(|r| JsonFile {
            path: &r.path,
            data_type: r.data_type.as_deref(),
            spec: r.spec.as_deref(),
            encoding: r.encoding.map(|e| e.to_string()),
            rows: r.rows,
            errors: r.errors(),
            warnings: r.warnings(),
        })
        .collect();
    let findings = reports
        .iter()
        .flat_map(|r| {
            r.findings.findings.iter().map(move |f| {
                let c = &r.findings.checks[f.check as usize];
                JsonFinding {
                    file: &r.path,
                    line: (f.line > 0).then_some(f.line),
                    column: c.column.as_deref(),
                    severity: c.severity,
                    rule: c.rule,
                    value: f.value.as_deref(),
                    message_ja: &c.message_ja,
                    message_en: &c.message_en,
                }
            })
        })
        .collect();
    serde_json::to_writer(&mut *out, &Json { files, findings })?;
    writeln!(out)
}

/// Grouped by file; per file the rules with their counts (errors first), the first
/// [`EXAMPLES_PER_RULE`] findings of each, and how many more there are.
pub fn write_text(reports: &[FileReport], out: &mut impl Write) -> io::Result<()> {
    for r in reports {
        writeln!(out, "{}", r.path)?;
        let mut about = Vec::new();
        about.extend(r.data_type.clone());
        about.extend(r.spec.as_ref().map(|s| format!("spec {s}")));
        about.extend(r.encoding.map(|e| e.to_string()));
        about.push(format!(
            "{} row{}",
            r.rows,
            if r.rows == 1 { "" } else { "s" }
        ));
        about.push(format!("{} errors, {} warnings", r.errors(), r.warnings()));
        writeln!(out, "  {}", about.join(" · "))?;
        let mut by_rule: BTreeMap<(Severity, &str), Vec<usize>> = BTreeMap::new();
        for (i, f) in r.findings.findings.iter().enumerate() {
            let c = &r.findings.checks[f.check as usize];
            by_rule.entry((c.severity, c.rule)).or_default().push(i);
        }
        for ((severity, rule), idx) in &by_rule {
            let sev = match severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            writeln!(out, "  {sev:<7} {rule} ({})", idx.len())?;
            for &i in idx.iter().take(EXAMPLES_PER_RULE) {
                let f = &r.findings.findings[i];
                let c = &r.findings.checks[f.check as usize];
                let mut place = if f.line > 0 {
                    format!("line {}", f.line)
                } else {
                    "file".to_string()
                };
                if let Some(col) = &c.column {
                    place.push_str(&format!(", {col}"));
                }
                let value = f
                    .value
                    .as_deref()
                    .map(|v| format!(" {v:?}"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "    {place}{value}: {} / {}",
                    c.message_ja, c.message_en
                )?;
            }
            if idx.len() > EXAMPLES_PER_RULE {
                writeln!(out, "    … and {} more", idx.len() - EXAMPLES_PER_RULE)?;
            }
        }
    }
    let errors: usize = reports.iter().map(FileReport::errors).sum();
    let warnings: usize = reports.iter().map(FileReport::warnings).sum();
    let failed = reports.iter().filter(|r| r.errors() > 0).count();
    writeln!(
        out,
        "{} file{}, {failed} with errors: {errors} errors, {warnings} warnings",
        reports.len(),
        if reports.len() == 1 { "" } else { "s" }
    )
}

/// The findings as a CSV that Excel opens: UTF-8 with BOM, CRLF.
pub fn csv_bytes(reports: &[FileReport]) -> Result<Vec<u8>, String> {
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let err = |e: csv::Error| e.to_string();
    w.write_record([
        "file",
        "line",
        "column",
        "severity",
        "rule",
        "value",
        "message_ja",
        "message_en",
    ])
    .map_err(err)?;
    for r in reports {
        for f in &r.findings.findings {
            let c = &r.findings.checks[f.check as usize];
            let line = if f.line > 0 {
                f.line.to_string()
            } else {
                String::new()
            };
            let sev = match c.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            w.write_record([
                r.path.as_str(),
                &line,
                c.column.as_deref().unwrap_or(""),
                sev,
                c.rule,
                f.value.as_deref().unwrap_or(""),
                &c.message_ja,
                &c.message_en,
            ])
            .map_err(err)?;
        }
    }
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(w.into_inner().map_err(|e| e.to_string())?);
    Ok(bytes)
}
