//! Helpers shared by the integration tests.
#![allow(dead_code)]

pub mod invariants;
pub mod office;

use std::path::PathBuf;
use std::sync::OnceLock;

use lifeline::spec::Registry;
use lifeline::validate::{Context, FileReport, SpecChoice, validate_bytes};

/// Runs the `lifeline` binary from the repository root, on the embedded spec data.
pub fn lifeline(args: &[&str]) -> std::process::Output {
    std::process::Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .current_dir(root())
        .env_remove("LIFELINE_SCHEMAS")
        .output()
        .expect("the binary runs")
}

/// `lifeline run --config JOB --out OUT --format json EXTRA…`: its exit code and its summary
/// (`null` when stdout is not JSON: the stderr is then in `"stderr"`).
pub fn run_json(
    job: &std::path::Path,
    out: &std::path::Path,
    extra: &[&str],
) -> (i32, serde_json::Value) {
    let mut args = vec![
        "run",
        "--config",
        job.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
        "--format",
        "json",
    ];
    args.extend(extra);
    let o = lifeline(&args);
    let summary = serde_json::from_slice(&o.stdout)
        .unwrap_or_else(|_| serde_json::json!({ "stderr": String::from_utf8_lossy(&o.stderr) }));
    (o.status.code().unwrap_or(-1), summary)
}

/// The repository root.
pub fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The official files the schemas are generated from and the tests read (`tests/spec`, kept
/// byte-identical to their published copies; see its README.md).
pub fn official_spec() -> PathBuf {
    root().join("tests/spec")
}

pub fn registry() -> &'static Registry {
    static R: OnceLock<Registry> = OnceLock::new();
    R.get_or_init(|| Registry::embedded().expect("embedded schemas load"))
}

/// Validates a LIFE file given as text (lines joined with CRLF, UTF-8).
pub fn validate_lines(lines: &[&str]) -> FileReport {
    validate_with(lines, &Context::default())
}

pub fn validate_with(lines: &[&str], ctx: &Context) -> FileReport {
    let text = lines.join("\r\n") + "\r\n";
    validate_bytes(
        "test.csv",
        text.as_bytes(),
        registry(),
        &SpecChoice::Auto,
        ctx,
    )
}

/// (line, rule, column) of every finding.
pub fn found(r: &FileReport) -> Vec<(u64, &'static str, Option<String>)> {
    r.findings
        .findings
        .iter()
        .map(|f| {
            let c = &r.findings.checks[f.check as usize];
            (f.line, c.rule, c.column.clone())
        })
        .collect()
}

/// The findings of one rule: (line, column, value).
pub fn of_rule(r: &FileReport, rule: &str) -> Vec<(u64, Option<String>, Option<String>)> {
    r.findings
        .findings
        .iter()
        .filter_map(|f| {
            let c = &r.findings.checks[f.check as usize];
            (c.rule == rule).then(|| {
                (
                    f.line,
                    c.column.clone(),
                    f.value.as_deref().map(str::to_string),
                )
            })
        })
        .collect()
}

/// A SERVICE_USER_INFO (2021) file: the header and rows built from the clean row `USER` with
/// some fields replaced.
pub const USER_HEADER: &str = "care_facility_id,service_code,external_system_management_number,insurer_no,insured_no,last_name,first_name,last_name_kana,first_name_kana,gender,birthday,certified_date,care_period_start,care_period_end,care_level,impaired_elderly_independence_degree,dementia_elderly_independence_degree,start_date,end_date,death_date,remarks";

/// A clean row: valid check digits, codes and dates; obviously fake person.
pub fn user_row(changes: &[(&str, &str)]) -> String {
    let mut fields: Vec<(&str, String)> = [
        ("care_facility_id", "1370000018"),
        ("service_code", "51"),
        ("external_system_management_number", "U0001"),
        ("insurer_no", "131011"),
        ("insured_no", "9900000001"),
        ("last_name", "見本"),
        ("first_name", "一郎"),
        ("last_name_kana", "ﾐﾎﾝ"),
        ("first_name_kana", "ｲﾁﾛｳ"),
        ("gender", "1"),
        ("birthday", "19400401"),
        ("certified_date", "20260301"),
        ("care_period_start", "20260401"),
        ("care_period_end", "20270331"),
        ("care_level", "23"),
        ("impaired_elderly_independence_degree", "4"),
        ("dementia_elderly_independence_degree", "3"),
        ("start_date", "20250110"),
        ("end_date", ""),
        ("death_date", ""),
        ("remarks", ""),
    ]
    .into_iter()
    .map(|(k, v)| (k, v.to_string()))
    .collect();
    for (k, v) in changes {
        let f = fields
            .iter_mut()
            .find(|(name, _)| name == k)
            .expect("known column");
        f.1 = v.to_string();
    }
    fields
        .into_iter()
        .map(|(_, v)| v)
        .collect::<Vec<_>>()
        .join(",")
}

/// The findings of a JSON report, each with its file's path and its check's fields filled in:
/// `{"file","line","column","severity","rule","value","message_ja","message_en"}`.
pub fn joined_findings(report: &serde_json::Value) -> Vec<serde_json::Value> {
    let files = report["files"].as_array().expect("files");
    let checks = report["checks"].as_array().expect("checks");
    report["findings"]
        .as_array()
        .expect("findings")
        .iter()
        .map(|f| {
            let file = &files[f["file"].as_u64().expect("file index") as usize];
            let c = &checks[f["check"].as_u64().expect("check index") as usize];
            serde_json::json!({
                "file": file["path"], "line": f["line"], "column": c["column"],
                "severity": c["severity"], "rule": c["rule"], "value": f["value"],
                "message_ja": c["message_ja"], "message_en": c["message_en"],
            })
        })
        .collect()
}
