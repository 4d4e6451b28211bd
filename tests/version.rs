//! Issue 17, asks 1 and 2: the `version` values of the 2024 interfaces (`value.version`,
//! `spec.fallback`, `version.mixed`, `--spec auto` by value), interfaces whose items are not
//! bundled (`schema.not_bundled`, exit 3), and `schemas list` statuses.

mod common;

use common::lifeline;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::of_rule;
use lifeline::validate::{Context, SpecChoice, validate_bytes};

fn fixture(name: &str) -> String {
    format!("tests/fixtures/version/{name}")
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON document")
}

/// `validate --format json` of fixtures (and options before them): exit code and report.
fn validate(options: &[&str], files: &[&str]) -> (Option<i32>, serde_json::Value) {
    let mut args: Vec<String> = options.iter().map(|s| s.to_string()).collect();
    args.extend(["validate", "--format", "json"].map(String::from));
    args.extend(files.iter().map(|f| fixture(f)));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = lifeline(&args);
    (o.status.code(), json(&o))
}

/// (file, line, rule, severity, column, value, message_en) of every finding.
type Row = (
    usize,
    Option<u64>,
    String,
    String,
    Option<String>,
    Option<String>,
    String,
);

fn findings(v: &serde_json::Value) -> Vec<Row> {
    let checks = v["checks"].as_array().unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let c = &checks[f["check"].as_u64().unwrap() as usize];
            (
                f["file"].as_u64().unwrap() as usize,
                f["line"].as_u64(),
                c["rule"].as_str().unwrap().to_string(),
                c["severity"].as_str().unwrap().to_string(),
                c["column"].as_str().map(str::to_string),
                f["value"].as_str().map(str::to_string),
                c["message_en"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn of(v: &serde_json::Value, rule: &str) -> Vec<Row> {
    findings(v).into_iter().filter(|f| f.2 == rule).collect()
}

/// A copy of the bundled `schemas/` tree, with a 3.00 spec made by `lifeline schemagen` from
/// the 3.10 extracts when `with_3_00` (the 3.00 items are those of 3.10: MHLW changed none).
fn tree(with_3_00: bool) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy(&common::root().join("schemas"), &tmp.path().join("schemas"));
    if with_3_00 {
        let spec = common::official_spec().join("life-2024-v3.10-partial");
        let out = tmp.path().join("schemas/3.00");
        let o = lifeline(&[
            "schemagen",
            spec.join("items.tsv").to_str().unwrap(),
            spec.join("headers-only.tsv").to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
    tmp
}

fn copy(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

fn schemas_dir(t: &tempfile::TempDir) -> PathBuf {
    t.path().join("schemas")
}

#[test]
fn a_version_value_lifeline_does_not_accept_is_an_error_naming_the_accepted_ones() {
    let (code, v) = validate(&[], &["user_bad_version.csv"]);
    assert_eq!(code, Some(1));
    let bad = of(&v, "value.version");
    assert_eq!(bad.len(), 1, "{bad:?}");
    let (_, line, _, severity, column, value, message) = &bad[0];
    assert_eq!(
        (
            *line,
            severity.as_str(),
            column.as_deref(),
            value.as_deref()
        ),
        (Some(4), "error", Some("version"), Some("9999"))
    );
    assert!(
        message.contains("one of 0300, 0310 (specs 3.00, 3.10)"),
        "{message}"
    );
    assert_eq!(v["files"][0]["errors"], 1);
    // The passing case: every row 0310, checked against 3.10 with nothing to say.
    let (code, v) = validate(&[], &["user_0310.csv"]);
    assert_eq!((code, findings(&v)), (Some(0), vec![]));
    assert_eq!(v["files"][0]["spec"], "3.10");
}

#[test]
fn a_version_value_is_checked_in_interfaces_known_by_column_ids_only() {
    let text = std::fs::read(common::root().join(fixture("adl_bad_version.csv"))).unwrap();
    let r = validate_bytes(
        "adl.csv",
        &text,
        common::registry(),
        &SpecChoice::Auto,
        &Context::default(),
    );
    // 0399 is not a version; an empty value is not either where the item's mark is unknown.
    let got: Vec<(u64, Option<String>)> = of_rule(&r, "value.version")
        .into_iter()
        .map(|(l, _, v)| (l, v))
        .collect();
    assert_eq!(got, [(4, Some("0399".into())), (5, None)]);
}

#[test]
fn a_0300_file_is_checked_against_the_3_10_items_and_the_report_says_so() {
    let (code, v) = validate(&[], &["user_0300.csv"]);
    assert_eq!(code, Some(0));
    assert_eq!(v["files"][0]["spec"], "3.10");
    let notes = of(&v, "spec.fallback");
    assert_eq!(notes.len(), 1, "{:?}", findings(&v));
    let (_, line, _, severity, _, value, message) = &notes[0];
    assert_eq!(
        (*line, severity.as_str(), value.as_deref()),
        (None, "warning", Some("0300"))
    );
    assert!(message.contains("version 0300 is spec 3.00"), "{message}");
    assert!(
        message.contains("checked against the items of spec 3.10"),
        "{message}"
    );
    assert!(message.contains("changed no item definitions"), "{message}");
    assert_eq!(of(&v, "value.version"), []);
    // The text report says it too.
    let o = lifeline(&["validate", &fixture("user_0300.csv")]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("spec 3.10") && text.contains("spec.fallback"),
        "{text}"
    );
    // Asked for 3.10 by name, it is checked against 3.10 with nothing to explain.
    let f = fixture("user_0300.csv");
    let o = lifeline(&["validate", "--spec", "3.10", "--format", "json", &f]);
    let v = json(&o);
    assert_eq!((o.status.code(), findings(&v)), (Some(0), vec![]));
    assert_eq!(v["files"][0]["spec"], "3.10");
}

#[test]
fn with_a_3_00_spec_loaded_a_0300_file_is_checked_against_it() {
    let t = tree(true);
    let dir = schemas_dir(&t);
    let dir = dir.to_str().unwrap();
    let (code, v) = validate(&["--schemas", dir], &["user_0300.csv", "user_0310.csv"]);
    assert_eq!(v["files"][0]["spec"], "3.00");
    assert_eq!(v["files"][1]["spec"], "3.10");
    // The two files hold the same users: given together they are one office's records twice
    // (`batch.duplicate_key` on the second file's rows, tests/validate_folder.rs); nothing else.
    let found = findings(&v);
    assert_eq!(code, Some(1), "{v}");
    assert!(!found.is_empty());
    assert!(
        found
            .iter()
            .all(|f| f.0 == 1 && f.2 == "batch.duplicate_key"),
        "{found:?}"
    );
    for file in ["user_0300.csv", "user_0310.csv"] {
        let (code, v) = validate(&["--schemas", dir], &[file]);
        assert_eq!((code, findings(&v)), (Some(0), vec![]), "{file}");
    }
    // A bad value is an error whichever spec checks the file.
    let (code, v) = validate(&["--schemas", dir], &["user_bad_version.csv"]);
    assert_eq!((code, of(&v, "value.version").len()), (Some(1), 1));
}

#[test]
fn a_file_mixing_versions_is_checked_against_its_highest_and_warned() {
    for with_3_00 in [false, true] {
        let t = tree(with_3_00);
        let dir = schemas_dir(&t);
        let (code, v) = validate(&["--schemas", dir.to_str().unwrap()], &["user_mixed.csv"]);
        assert_eq!(code, Some(0), "{v}");
        assert_eq!(v["files"][0]["spec"], "3.10");
        let mixed = of(&v, "version.mixed");
        assert_eq!(mixed.len(), 1);
        let (_, line, _, severity, column, value, message) = &mixed[0];
        assert_eq!(
            (
                *line,
                severity.as_str(),
                column.as_deref(),
                value.as_deref()
            ),
            (Some(4), "warning", Some("version"), Some("0310"))
        );
        assert!(
            message.contains("0300 (first on line 3), 0310 (first on line 4)")
                && message.contains("checked against spec 3.10"),
            "{message}"
        );
        // The highest value, 0310, is the spec's own: there is no fallback to explain.
        assert_eq!(of(&v, "spec.fallback"), []);
    }
    let (_, v) = validate(&[], &["user_0310.csv"]);
    assert_eq!(of(&v, "version.mixed"), []);
}

#[test]
fn an_interface_whose_items_are_not_bundled_is_not_validated_and_exits_3() {
    let (code, v) = validate(&[], &["unbundled_2024.csv"]);
    assert_eq!(code, Some(3));
    let got = findings(&v);
    assert_eq!(got.len(), 1, "{got:?}");
    let (_, line, rule, severity, _, value, message) = &got[0];
    assert_eq!(
        (*line, rule.as_str(), severity.as_str(), value.as_deref()),
        (
            Some(1),
            "schema.not_bundled",
            "warning",
            Some("UNBUNDLED_EXAMPLE_2024")
        )
    );
    for words in ["not validated", "lifeline schemagen", "--schemas"] {
        assert!(message.contains(words), "{message}");
    }
    assert!(!message.contains("unknown"), "{message}");
    assert_eq!(v["files"][0]["errors"], 0);
    // Exit 3 only when nothing else has errors: 1 wins over 3, 3 over 0.
    let (code, _) = validate(&[], &["unbundled_2024.csv", "user_0310.csv"]);
    assert_eq!(code, Some(3));
    let (code, _) = validate(&[], &["unbundled_2024.csv", "user_bad_version.csv"]);
    assert_eq!(code, Some(1));
    // A name of no current spec is still an unknown data type (exit 1).
    let r = common::validate_lines(&["FORM_9999_2021", "a", "1"]);
    assert_eq!(of_rule(&r, "file.data_type").len(), 1);
    assert_eq!(of_rule(&r, "schema.not_bundled"), []);
}

/// A schema a user's workbook adds: a 褥瘡 interface with a physical name the bundled
/// catalogue does not know.
fn add_pressure_ulcer(dir: &Path) {
    let schema = serde_json::json!({
        "data_type": "UNBUNDLED_EXAMPLE_2024", "title": "褥瘡マネジメント（例）", "spec": "3.10",
        "source": "a test workbook",
        "items": [
            {"no": 1, "id": "care_facility_id", "name": "事業所番号", "type": "文字列", "len": 10,
             "dec": null, "req": "◎", "fmt": null},
            {"no": 2, "id": "external_system_management_number", "name": "外部システム管理番号",
             "type": "文字列", "len": 100, "dec": null, "req": "◎", "fmt": null},
            {"no": 3, "id": "version", "name": "バージョン番号", "type": "文字列", "len": 4,
             "dec": null, "req": "◎", "fmt": null},
        ],
    });
    std::fs::write(
        dir.join("3.10/UNBUNDLED_EXAMPLE_2024.json"),
        serde_json::to_string_pretty(&schema).unwrap(),
    )
    .unwrap();
}

#[test]
fn schemas_list_shows_each_current_interface_as_complete_column_ids_only_or_not_bundled() {
    let o = lifeline(&["schemas", "list", "--format", "json"]);
    assert_eq!(o.status.code(), Some(0));
    let v = json(&o);
    let status = |v: &serde_json::Value, spec: &str, title: &str| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .filter(|r| r["spec"] == spec && r["title"].as_str().unwrap().contains(title))
            .map(|r| r["status"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(status(&v, "3.10", "利用者情報"), ["complete"]);
    assert_eq!(status(&v, "3.10", "栄養ケア等計画書"), ["complete"]);
    assert_eq!(status(&v, "3.10", "ADL維持等加算"), ["column_ids_only"]);
    assert_eq!(status(&v, "3.10", "褥瘡"), ["not_bundled"]);
    let pressure = v
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "褥瘡")
        .unwrap();
    assert_eq!(pressure["data_type"], serde_json::Value::Null);
    assert_eq!(pressure["items"], serde_json::Value::Null);
    assert_eq!(pressure["replaces"], serde_json::json!(["FORM_0500_2021"]));
    assert_eq!(status(&v, "2021", "利用者情報"), ["complete"]);
    // Text: the status column.
    let text = String::from_utf8(lifeline(&["schemas", "list"]).stdout).unwrap();
    let row = text
        .lines()
        .find(|l| l.contains("褥瘡") && l.starts_with("3.10"))
        .unwrap();
    assert!(
        row.contains("(physical name not known)") && row.contains("not bundled"),
        "{row}"
    );

    // A tree that adds the 褥瘡 interface from a workbook shows it by its data, and its files
    // are validated.
    let t = tree(false);
    let dir = schemas_dir(&t);
    add_pressure_ulcer(&dir);
    let d = dir.to_str().unwrap();
    let v = json(&lifeline(&[
        "--schemas",
        d,
        "schemas",
        "list",
        "--format",
        "json",
    ]));
    assert_eq!(status(&v, "3.10", "褥瘡"), ["complete"]);
    let (code, v) = validate(&["--schemas", d], &["unbundled_2024.csv"]);
    assert_eq!((code, findings(&v)), (Some(0), vec![]), "{v}");
}

#[test]
fn a_broken_versions_file_is_refused_before_any_file_is_read() {
    let t = tree(false);
    let dir = schemas_dir(&t);
    let path = dir.join("versions.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("\"0300\"", "\"0310\"", 1)).unwrap();
    let o = lifeline(&[
        "--schemas",
        dir.to_str().unwrap(),
        "validate",
        &fixture("user_0310.csv"),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("versions.toml: version `0310`: given more than once"),
        "{err}"
    );
}
