//! Validation reports: JSON for machines, text for people. Values of personal-data columns were
//! masked when the findings were made; nothing here sees them.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::io::{self, Write};

use serde::Serialize;

use crate::validate::{Check, FileReport, Severity};

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

#[derive(Serialize)]
struct JsonFinding<'a> {
    file: usize,
    line: Option<u64>,
    check: u32,
    value: Option<&'a str>,
}

/// `{"files":[…],"checks":[…],"findings":[…]}`, one document, newline-terminated. A finding
/// names its file and its check by their index in `files` and `checks`: what a check says is
/// written once, however many rows fail it. The findings are written as they are read from
/// each report ([`FileReport::each`]), never gathered: a file where every row is wrong has
/// millions.
pub fn write_json(reports: &[FileReport], out: &mut (impl Write + ?Sized)) -> io::Result<()> {
    let files: Vec<JsonFile<'_>> = reports
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
        let all: Vec<&Check> = r.checks().collect();
        let mut at: Vec<Option<u32>> = vec![None; all.len()];
        r.each(|_, c, _| {
            at[c].get_or_insert_with(|| {
                let c = all[c];
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
            Ok(())
        })?;
        at_of.push(at);
    }
    let mut w = io::BufWriter::with_capacity(FLUSH_AT, out);
    w.write_all(b"{\"files\":")?;
    serde_json::to_writer(&mut w, &files)?;
    w.write_all(b",\"checks\":")?;
    serde_json::to_writer(&mut w, &checks)?;
    w.write_all(b",\"findings\":[")?;
    let mut first = true;
    for (file, (r, at)) in reports.iter().zip(&at_of).enumerate() {
        r.each(|line, c, value| {
            let f = JsonFinding {
                file,
                line: (line > 0).then_some(line),
                check: at[c].expect("assigned in the first pass"),
                value,
            };
            if !first {
                w.write_all(b",")?;
            }
            first = false;
            Ok(serde_json::to_writer(&mut w, &f)?)
        })?;
    }
    w.write_all(b"]}\n")?;
    w.flush()
}

/// Bytes a report gathers before it writes them out.
const FLUSH_AT: usize = 1 << 16;

/// One rule's findings in a file, as the text report shows them: how many, and the first few.
#[derive(Default)]
struct RuleShown {
    count: usize,
    /// (line, check, value) of the first [`EXAMPLES_PER_RULE`].
    examples: Vec<(u64, usize, Option<String>)>,
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
        let checks: Vec<&Check> = r.checks().collect();
        // Each check's rule, looked up once per check, not per finding.
        let mut slot_of: Vec<Option<usize>> = vec![None; checks.len()];
        let mut slots: Vec<RuleShown> = Vec::new();
        let mut by_rule: BTreeMap<(Severity, &str), usize> = BTreeMap::new();
        r.each(|line, c, value| {
            let slot = *slot_of[c].get_or_insert_with(|| {
                let key = (checks[c].severity, checks[c].rule);
                *by_rule.entry(key).or_insert_with(|| {
                    slots.push(RuleShown::default());
                    slots.len() - 1
                })
            });
            let shown = &mut slots[slot];
            shown.count += 1;
            if shown.examples.len() < EXAMPLES_PER_RULE {
                shown.examples.push((line, c, value.map(str::to_string)));
            }
            Ok(())
        })?;
        for (&(severity, rule), &slot) in &by_rule {
            let shown = &slots[slot];
            let sev = match severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
            };
            writeln!(out, "  {sev:<7} {rule} ({})", shown.count)?;
            for (line, c, value) in &shown.examples {
                let c = checks[*c];
                let mut place = if *line > 0 {
                    format!("line {line}")
                } else {
                    "file".to_string()
                };
                if let Some(col) = &c.column {
                    place.push_str(&format!(", {col}"));
                }
                let value = value
                    .as_deref()
                    .map(|v| format!(" {v:?}"))
                    .unwrap_or_default();
                writeln!(
                    out,
                    "    {place}{value}: {} / {}",
                    c.message_ja, c.message_en
                )?;
            }
            if shown.count > EXAMPLES_PER_RULE {
                writeln!(out, "    … and {} more", shown.count - EXAMPLES_PER_RULE)?;
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

/// A CSV writer as Excel reads it: CRLF, fields quoted only when they must be.
fn csv_writer<W: Write>(w: W, flexible: bool) -> csv::Writer<W> {
    csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .flexible(flexible)
        .buffer_capacity(FLUSH_AT)
        .from_writer(w)
}

/// The findings as a CSV that Excel opens: UTF-8 with BOM, CRLF.
pub fn write_csv(reports: &[FileReport], w: &mut (impl Write + ?Sized)) -> io::Result<()> {
    w.write_all(b"\xEF\xBB\xBF")?;
    let mut out = csv_writer(w, false);
    out.write_record([
        "file",
        "line",
        "column",
        "severity",
        "rule",
        "value",
        "message_ja",
        "message_en",
    ])?;
    let mut line = String::new();
    for r in reports {
        let checks: Vec<&Check> = r.checks().collect();
        r.each(|at, c, value| {
            let c = checks[c];
            line.clear();
            if at > 0 {
                let _ = write!(line, "{at}");
            }
            out.write_record([
                r.path.as_str(),
                &line,
                c.column.as_deref().unwrap_or(""),
                match c.severity {
                    Severity::Error => "error",
                    Severity::Warning => "warning",
                },
                c.rule,
                value.unwrap_or(""),
                &c.message_ja,
                &c.message_en,
            ])?;
            Ok(())
        })?;
    }
    out.flush()
}

/// Rows that went into no frame, as a CSV (UTF-8 with BOM, CRLF): source file, line, reason and
/// the vendor fields as read.
pub fn quarantine_csv(rows: &[(String, u64, String, Vec<String>)]) -> Vec<u8> {
    let mut out = Vec::new();
    write_quarantine(rows, &mut out).expect("a flexible CSV writer into memory cannot fail");
    out
}

fn write_quarantine(
    rows: &[(String, u64, String, Vec<String>)],
    w: &mut impl Write,
) -> io::Result<()> {
    w.write_all("\u{FEFF}".as_bytes())?;
    let mut out = csv_writer(w, true);
    out.write_record(["source_file", "line", "reason", "fields…"])?;
    let mut number = String::new();
    for (file, line, reason, fields) in rows {
        number.clear();
        let _ = write!(number, "{line}");
        let head = [file.as_str(), &number, reason];
        out.write_record(head.into_iter().chain(fields.iter().map(String::as_str)))?;
    }
    out.flush()
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
            log: Default::default(),
        }
    }

    /// A field is quoted only when it holds a comma, a quote or a line break, its quotes
    /// doubled; an empty one (no line, no value) stays empty.
    #[test]
    fn findings_csv_quotes_only_what_needs_it() {
        let r = report("a,b.csv", "COL", "say \"no\"\r\nplease", "x y");
        let mut got = Vec::new();
        write_csv(&[r], &mut got).unwrap();
        let m = "\"say \"\"no\"\"\r\nplease\"";
        let want = format!(
            "\u{FEFF}file,line,column,severity,rule,value,message_ja,message_en\r\n\
             \"a,b.csv\",3,COL,error,value.code,x y,{m},{m}\r\n\
             \"a,b.csv\",,,warning,file.encoding,,ja,en\r\n\
             \"a,b.csv\",7,COL,error,value.code,,{m},{m}\r\n"
        );
        assert_eq!(String::from_utf8(got).unwrap(), want);
    }

    #[test]
    fn quarantine_csv_keeps_every_field_as_read() {
        let rows = vec![
            (
                "v.csv".to_string(),
                4,
                "ingest.no_key".to_string(),
                vec!["a\"b".into(), "x\r\ny".into(), String::new()],
            ),
            ("v.csv".to_string(), 9, "ingest.empty".to_string(), vec![]),
        ];
        let want = "\u{FEFF}source_file,line,reason,fields…\r\n\
                    v.csv,4,ingest.no_key,\"a\"\"b\",\"x\r\ny\",\r\n\
                    v.csv,9,ingest.empty\r\n";
        assert_eq!(String::from_utf8(quarantine_csv(&rows)).unwrap(), want);
    }

    proptest! {
        /// Each finding is a record of the same fields as a CRLF csv writer writes them, after
        /// a BOM and the header; a file-level finding has no line.
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
            let r = || report(&path, &column, &message, &value);
            let mut out = Vec::new();
            write_json(&[r(), r()], &mut out).unwrap();
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

        /// Quarantine rows: source file, line, reason, then as many fields as were read (a
        /// flexible record), after a BOM and the header.
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
