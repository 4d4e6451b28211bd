//! Validation reports: JSON for machines, text for people. Values of personal-data columns were
//! masked when the findings were made; nothing here sees them.

use std::collections::{BTreeMap, HashMap};
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

#[derive(Serialize, Clone, Copy, PartialEq, Eq, Hash)]
struct JsonCheck<'a> {
    rule: &'a str,
    severity: Severity,
    column: Option<&'a str>,
    message_ja: &'a str,
    message_en: &'a str,
}

/// Everything but the findings, which are written by hand: `{"file","line","check","value"}`
/// each, many thousands of them in a file where every row is wrong.
#[derive(Serialize)]
struct Json<'a> {
    files: Vec<JsonFile<'a>>,
    checks: Vec<JsonCheck<'a>>,
}

/// `{"files":[…],"checks":[…],"findings":[…]}`, one document, newline-terminated. A finding
/// names its file and its check by their index in `files` and `checks`: what a check says is
/// written once, however many rows fail it.
pub fn write_json(reports: &[FileReport], out: &mut (impl Write + ?Sized)) -> io::Result<()> {
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
    // The checks that found something, of every file, in one table, in the order the findings
    // first name them; one that several files share is written once. Per file: each check's
    // index in the table.
    let mut checks = Vec::new();
    let mut index: HashMap<JsonCheck<'_>, u32> = HashMap::new();
    let mut at_of: Vec<Vec<Option<u32>>> = Vec::with_capacity(reports.len());
    for r in reports {
        let mut at: Vec<Option<u32>> = vec![None; r.findings.checks.len()];
        for f in &r.findings.findings {
            at[f.check as usize].get_or_insert_with(|| {
                let c = &r.findings.checks[f.check as usize];
                let c = JsonCheck {
                    rule: c.rule,
                    severity: c.severity,
                    column: c.column.as_deref(),
                    message_ja: &c.message_ja,
                    message_en: &c.message_en,
                };
                *index.entry(c).or_insert_with(|| {
                    checks.push(c);
                    (checks.len() - 1) as u32
                })
            });
        }
        at_of.push(at);
    }
    let mut buf = serde_json::to_vec(&Json { files, checks })?;
    buf.pop(); // the closing brace
    buf.extend_from_slice(b",\"findings\":[");
    // The findings go out a buffer at a time: a file where every row is wrong has millions.
    let mut first = true;
    for (file, (r, at)) in reports.iter().zip(&at_of).enumerate() {
        for f in &r.findings.findings {
            let check = at[f.check as usize].expect("assigned in the first pass");
            if !first {
                buf.push(b',');
            }
            first = false;
            write!(buf, "{{\"file\":{file},\"line\":")?;
            match f.line {
                0 => buf.extend_from_slice(b"null"),
                n => write!(buf, "{n}")?,
            }
            write!(buf, ",\"check\":{check},\"value\":")?;
            serde_json::to_writer(&mut buf, &f.value)?;
            buf.push(b'}');
            if buf.len() >= FLUSH_AT {
                out.write_all(&buf)?;
                buf.clear();
            }
        }
    }
    buf.extend_from_slice(b"]}\n");
    out.write_all(&buf)
}

/// Bytes a report gathers before it writes them out.
const FLUSH_AT: usize = 1 << 16;

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

/// The findings as a CSV that Excel opens: UTF-8 with BOM, CRLF. What a finding shares with
/// its check is rendered once per check and copied per finding.
pub fn write_csv(reports: &[FileReport], w: &mut (impl Write + ?Sized)) -> io::Result<()> {
    let mut out =
        b"\xEF\xBB\xBFfile,line,column,severity,rule,value,message_ja,message_en\r\n".to_vec();
    for r in reports {
        let mut file = Vec::new();
        csv_field(&mut file, &r.path);
        file.push(b',');
        // Per check that found something: the fields before and after the value.
        let mut parts: Vec<Option<(Vec<u8>, Vec<u8>)>> = vec![None; r.findings.checks.len()];
        for f in &r.findings.findings {
            let (head, tail) = parts[f.check as usize].get_or_insert_with(|| {
                let c = &r.findings.checks[f.check as usize];
                let mut head = vec![b','];
                csv_field(&mut head, c.column.as_deref().unwrap_or(""));
                head.push(b',');
                head.extend_from_slice(match c.severity {
                    Severity::Error => b"error,",
                    Severity::Warning => b"warning,",
                });
                csv_field(&mut head, c.rule);
                head.push(b',');
                let mut tail = vec![b','];
                csv_field(&mut tail, &c.message_ja);
                tail.push(b',');
                csv_field(&mut tail, &c.message_en);
                tail.extend_from_slice(b"\r\n");
                (head, tail)
            });
            out.extend_from_slice(&file);
            if f.line > 0 {
                let _ = write!(out, "{}", f.line);
            }
            out.extend_from_slice(head);
            csv_field(&mut out, f.value.as_deref().unwrap_or(""));
            out.extend_from_slice(tail);
            if out.len() >= FLUSH_AT {
                w.write_all(&out)?;
                out.clear();
            }
        }
    }
    w.write_all(&out)
}

/// Rows that went into no frame, as a CSV (UTF-8 with BOM, CRLF): source file, line, reason and
/// the vendor fields as read.
pub fn quarantine_csv(rows: &[(String, u64, String, Vec<String>)]) -> Vec<u8> {
    let mut out = "\u{FEFF}source_file,line,reason,fields…\r\n"
        .as_bytes()
        .to_vec();
    for (file, line, reason, fields) in rows {
        csv_field(&mut out, file);
        let _ = write!(out, ",{line},");
        csv_field(&mut out, reason);
        for f in fields {
            out.push(b',');
            csv_field(&mut out, f);
        }
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// Appends one CSV field, quoted (quotes doubled) only when it holds `,` `"` CR or LF — as the
/// csv crate writes it.
fn csv_field(out: &mut Vec<u8>, s: &str) {
    if !s.bytes().any(|b| matches!(b, b',' | b'"' | b'\r' | b'\n')) {
        out.extend_from_slice(s.as_bytes());
        return;
    }
    out.push(b'"');
    for part in s.split_inclusive('"') {
        out.extend_from_slice(part.as_bytes());
        if part.ends_with('"') {
            out.push(b'"');
        }
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::validate::Findings;
    use proptest::prelude::*;

    /// One file whose findings carry the given texts in every place a text goes.
    fn report(path: &str, column: &str, message: &str, value: &str) -> FileReport {
        let mut findings = Findings::default();
        let c = findings.check(
            "value.code",
            Severity::Error,
            Some(column),
            message.into(),
            message.into(),
        );
        let w = findings.check(
            "file.encoding",
            Severity::Warning,
            None,
            "ja".into(),
            "en".into(),
        );
        findings.push(3, c, Some(value));
        findings.push(0, w, None);
        findings.push(7, c, Some(""));
        FileReport {
            path: path.into(),
            data_type: None,
            spec: None,
            encoding: None,
            rows: 9,
            findings,
        }
    }

    proptest! {
        /// The per-check rendering writes the same bytes as the csv crate, field for field.
        #[test]
        fn findings_csv_is_what_the_csv_crate_writes(
            path in "\\PC*", column in "\\PC*", message in "[a,\"\r\n ]*", value in "\\PC*",
        ) {
            let r = report(&path, &column, &message, &value);
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .from_writer(b"\xEF\xBB\xBF".to_vec());
            w.write_record(["file", "line", "column", "severity", "rule", "value", "message_ja", "message_en"]).unwrap();
            w.write_record([path.as_str(), "3", &column, "error", "value.code", &value, &message, &message]).unwrap();
            w.write_record([path.as_str(), "", "", "warning", "file.encoding", "", "ja", "en"]).unwrap();
            w.write_record([path.as_str(), "7", &column, "error", "value.code", "", &message, &message]).unwrap();
            let mut got = Vec::new();
            write_csv(std::slice::from_ref(&r), &mut got).unwrap();
            prop_assert_eq!(got, w.into_inner().unwrap());
        }

        /// Each check is written once (also when two files share it); findings point at their
        /// file and check.
        #[test]
        fn findings_json_writes_each_check_once(
            path in "\\PC*", column in "\\PC*", message in "[a\"\\\\\n ]*", value in "\\PC*",
        ) {
            let r = report(&path, &column, &message, &value);
            let mut out = Vec::new();
            write_json(&[r.clone(), r], &mut out).unwrap();
            prop_assert_eq!(out.last(), Some(&b'\n'));
            let got: serde_json::Value = serde_json::from_slice(&out).unwrap();
            let file = serde_json::json!({"path": path, "data_type": null, "spec": null,
                "encoding": null, "rows": 9, "errors": 2, "warnings": 1});
            let finding = |file: usize, line: Option<u64>, check: u32, value: Option<&str>| {
                serde_json::json!({"file": file, "line": line, "check": check, "value": value})
            };
            let want = serde_json::json!({
                "files": [file, file],
                "checks": [
                    {"rule": "value.code", "severity": "error", "column": column,
                     "message_ja": message, "message_en": message},
                    {"rule": "file.encoding", "severity": "warning", "column": null,
                     "message_ja": "ja", "message_en": "en"},
                ],
                "findings": [
                    finding(0, Some(3), 0, Some(&value)),
                    finding(0, None, 1, None),
                    finding(0, Some(7), 0, Some("")),
                    finding(1, Some(3), 0, Some(&value)),
                    finding(1, None, 1, None),
                    finding(1, Some(7), 0, Some("")),
                ],
            });
            prop_assert_eq!(got.to_string(), want.to_string());
        }

        /// Quarantine rows: the same bytes as the csv crate writes (flexible records).
        #[test]
        fn quarantine_csv_is_what_the_csv_crate_writes(
            file in "\\PC*", reason in "[a,\"\r\n ]*", fields in proptest::collection::vec("[a,\"\r\n ]*", 0..4),
        ) {
            let rows = vec![(file.clone(), 12, reason.clone(), fields.clone())];
            let mut w = csv::WriterBuilder::new()
                .terminator(csv::Terminator::CRLF)
                .flexible(true)
                .from_writer("\u{FEFF}".as_bytes().to_vec());
            w.write_record(["source_file", "line", "reason", "fields…"]).unwrap();
            let mut rec = vec![file, "12".into(), reason];
            rec.extend(fields);
            w.write_record(&rec).unwrap();
            prop_assert_eq!(quarantine_csv(&rows), w.into_inner().unwrap());
        }
    }
}
