//! The `lifeline` binary end to end: exit codes, JSON shape, text report, help.

mod common;

use common::lifeline;

use std::path::Path;
use std::process::Output;

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).expect("stdout is one JSON document")
}

fn official(name: &str) -> String {
    common::official_spec()
        .join("life-2021")
        .join(name)
        .display()
        .to_string()
}

#[test]
fn the_help_desk_sample_validates_with_no_errors() {
    let o = lifeline(&[
        "validate",
        "--format",
        "json",
        &official("SERVICE_USER_INFO_2021_sample.csv"),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let v = json(&o);
    let f = &v["files"][0];
    assert_eq!(f["data_type"], "SERVICE_USER_INFO");
    assert_eq!(f["spec"], "2021");
    assert_eq!(f["encoding"], "CP932");
    assert_eq!(f["rows"], 1);
    assert_eq!(f["errors"], 0);
}

#[test]
fn the_template_has_errors_on_line_3_and_nowhere_else() {
    let o = lifeline(&[
        "validate",
        "--format",
        "json",
        &official("SERVICE_USER_INFO_2021_template.csv"),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let v = json(&o);
    let findings = common::joined_findings(&v);
    let errors: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect();
    assert!(!errors.is_empty());
    for f in v["findings"].as_array().unwrap() {
        assert_eq!(f["line"], 3, "{f}");
        for key in ["file", "line", "check", "value"] {
            assert!(f.get(key).is_some(), "{key} missing in {f}");
        }
    }
    for c in v["checks"].as_array().unwrap() {
        for key in ["rule", "severity", "column", "message_ja", "message_en"] {
            assert!(c.get(key).is_some(), "{key} missing in {c}");
        }
    }
    // 利用者性別 is not a gender code; 被保険者番号 and the name are masked, never printed.
    assert!(errors.iter().any(|f| f["rule"] == "value.code"
        && f["column"] == "gender"
        && f["value"] == "利用者性別"));
    assert!(
        !stdout(&o).contains("生年月日\""),
        "birthday values are masked"
    );
}

#[test]
fn exit_codes() {
    assert_eq!(
        lifeline(&["validate", "samples/life/SERVICE_USER_INFO_1_20261101.csv"])
            .status
            .code(),
        Some(0)
    );
    assert_eq!(
        lifeline(&["validate", "samples/life/FORM_0000_2021_2_mistakes.csv"])
            .status
            .code(),
        Some(1)
    );
    let missing = lifeline(&["validate", "samples/life/no-such-file.csv"]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no-such-file.csv"));
    assert_eq!(
        lifeline(&["validate"]).status.code(),
        Some(2),
        "usage error"
    );
    assert_eq!(
        lifeline(&["validate", "--spec", "9.99", "samples/life"])
            .status
            .code(),
        Some(2)
    );
}

#[test]
fn names_and_insured_numbers_never_reach_the_report() {
    let o = lifeline(&["validate", "--format", "json", "samples/life"]);
    let out = stdout(&o);
    for secret in ["見本", "花子", "髙子", "9900000001", "19400401", "ﾐﾎﾝ"] {
        assert!(!out.contains(secret), "{secret} leaked into the report");
    }
    let text = stdout(&lifeline(&["validate", "samples/life"]));
    for secret in ["見本", "花子", "髙子", "9900000001", "19400401"] {
        assert!(
            !text.contains(secret),
            "{secret} leaked into the text report"
        );
    }
}

#[test]
fn text_report_of_the_samples() {
    let o = lifeline(&["validate", "samples/life"]);
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn json_report_of_the_mistakes() {
    let o = lifeline(&[
        "validate",
        "--format",
        "json",
        "samples/life/FORM_0000_2021_2_mistakes.csv",
        "samples/life/SERVICE_USER_INFO_3.10_2_mistakes.csv",
    ]);
    insta::assert_json_snapshot!(json(&o));
}

#[test]
fn help() {
    insta::assert_snapshot!("help", stdout(&lifeline(&["--help"])));
    insta::assert_snapshot!("validate_help", stdout(&lifeline(&["validate", "--help"])));
}

#[test]
fn schemas_list_and_show() {
    let o = lifeline(&["schemas", "list"]);
    assert_eq!(o.status.code(), Some(0));
    insta::assert_snapshot!("schemas_list", stdout(&o));
    let v = json(&lifeline(&[
        "schemas",
        "show",
        "SERVICE_USER_INFO",
        "--spec",
        "3.10",
        "--format",
        "json",
    ]));
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 22);
    let gender = items.iter().find(|i| i["id"] == "gender").unwrap();
    for key in ["id", "name", "type", "len", "dec", "req", "fmt", "codes"] {
        assert!(gender.get(key).is_some(), "{key}");
    }
    assert_eq!(gender["codes"][0]["code"], "1");
    assert!(!v["rules"].as_array().unwrap().is_empty());
    // Code-sheet items show the sheet's codes.
    let v = json(&lifeline(&[
        "schemas",
        "show",
        "FORM_0430_2021",
        "--format",
        "json",
    ]));
    let att = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == "attendee_01_job_type_id")
        .unwrap()
        .clone();
    assert_eq!(att["codes"].as_array().unwrap().len(), 23);
    assert_eq!(
        lifeline(&["schemas", "show", "FORM_9999_2021"])
            .status
            .code(),
        Some(2)
    );
    // A care-plan file kind: its columns with attr, length, ○, codes and confidence.
    let v = json(&lifeline(&["schemas", "show", "UPJSK", "--format", "json"]));
    assert_eq!(v["spec"], "careplan-4.1");
    assert_eq!(v["items"].as_array().unwrap().len(), 25);
    assert_eq!(v["items"][22]["codes"][0], serde_json::json!(["1", "該当"]));
    assert_eq!(v["items"][18]["confidence"], "low");
    assert_eq!(v["items"][0]["required"], "○");
    let text = lifeline(&["schemas", "show", "UPJSK"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(
        text.starts_with("UPJSK 第6表 実績情報 (spec careplan-4.1)"),
        "{text}"
    );
    assert!(text.contains("  23  コード"), "{text}");
}

#[test]
fn schemagen_reads_the_workbook() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("2021");
    let wb = common::official_spec().join("life-2021/interface-items-v1.00.xlsx");
    let o = lifeline(&[
        "schemagen",
        &wb.display().to_string(),
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // 22 interfaces + code sheets, then per interface its rules derived from the 説明/備考 text
    // and the review file of the sentences that became no rule.
    let listed = stdout(&o);
    assert_eq!(listed.lines().count(), 23 + 22 + 1, "{listed}");
    assert_eq!(listed.lines().filter(|l| l.contains("derived")).count(), 22);
    assert!(listed.lines().any(|l| l.ends_with("review.tsv")));
    // A file that is not a workbook is a clear error, exit 2.
    let o = lifeline(&[
        "schemagen",
        "README.md",
        "--out",
        &out.display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("README.md"));
}

#[test]
fn unreadable_files_fail_the_run_but_the_others_are_reported() {
    let o = lifeline(&[
        "validate",
        "--format",
        "json",
        "samples/life/SERVICE_USER_INFO_1_20261101.csv",
        "samples/life/missing.csv",
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert_eq!(json(&o)["files"].as_array().unwrap().len(), 1);
    assert!(String::from_utf8_lossy(&o.stderr).contains("missing.csv"));
    let tmp = tempfile::tempdir().unwrap();
    let o = lifeline(&["validate", &tmp.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("no .csv files"));
}

#[test]
fn claims_are_checked_against_the_rules() {
    let f = "samples/life/FORM_0000_2021_1_20261101.csv";
    assert_eq!(
        lifeline(&["validate", "--claim", "科学的介護推進体制加算(Ⅱ)", f])
            .status
            .code(),
        Some(0)
    );
    let o = lifeline(&["validate", "--claim", "科学的介護推進体制加算（Ⅱ）", f]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "full-width brackets are not the rule's name"
    );
    assert!(String::from_utf8_lossy(&o.stderr).contains("科学的介護推進体制加算(Ⅱ)"));
}

#[test]
fn ingested_samples_make_life_files_that_validate_without_errors() {
    let tmp = tempfile::tempdir().unwrap();
    // (layout, rows emitted over both offices, exit). Each office's folder reads every file
    // and quarantines the other office's rows (with a finding). The assessment exports alone
    // carry no SERVICE_USER_INFO: as in `run`, a form whose user is in no user master of the
    // batch is withheld (`batch.user_missing`), so nothing is emitted and the exit is 1.
    for (layout, emitted, exit) in [
        ("honobono-kaigo", 16, 0),
        ("kanamic-user", 16, 0),
        ("assessment", 0, 1),
    ] {
        let out = tmp.path().join(layout);
        let o = lifeline(&[
            "ingest",
            "--profile",
            &format!("samples/profiles/{layout}.toml"),
            "--out",
            &out.display().to_string(),
            &format!("samples/vendor/{layout}"),
        ]);
        assert_eq!(
            o.status.code(),
            Some(exit),
            "{layout}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(out.join("manifest.json")).unwrap()).unwrap();
        // One office folder per office the files hold (two per layout), each keeping every
        // guarantee of `run`.
        let offices = manifest["offices"].as_array().unwrap();
        assert_eq!(offices.len(), 2, "{layout}");
        let mut total = 0;
        for office in offices {
            let dir = out.join(office["folder"].as_str().unwrap());
            total += common::office::check_office(&dir).values().sum::<usize>();
            for o in office["outputs"].as_array().unwrap() {
                let name = o["path"].as_str().unwrap();
                if name.ends_with(".csv")
                    && !name.starts_with("findings")
                    && !name.starts_with("quarantine")
                {
                    let life = dir.join(name);
                    let v =
                        lifeline(&["validate", "--format", "json", &life.display().to_string()]);
                    assert_eq!(v.status.code(), Some(0), "{}", life.display());
                    let facility = office["facility"].as_str().unwrap();
                    let dt = name.strip_suffix(&format!("_{facility}.csv")).unwrap();
                    let parquet = dir.join(format!("{dt}.parquet"));
                    #[cfg(unix)]
                    {
                        use std::os::unix::fs::PermissionsExt;
                        for f in [&life, &parquet] {
                            let mode = std::fs::metadata(f).unwrap().permissions().mode() & 0o777;
                            assert_eq!(
                                mode,
                                0o600,
                                "{} must be readable by its owner only",
                                f.display()
                            );
                        }
                    }
                }
            }
            assert!(dir.join("quarantine.csv").exists() && dir.join("findings.json").exists());
        }
        assert_eq!(total, emitted, "{layout}");
    }
}

/// `ingest` emits the current spec by default: the ほのぼの profile (item IDs of 2021) gives a
/// 3.10 SERVICE_USER_INFO and no `emit.retired_spec`; `--spec 2021` gives the 1.00 file and
/// the warning, once per office, with the exit status unchanged; an unknown version is exit 2.
#[test]
fn ingest_emits_the_current_spec_unless_asked_for_2021() {
    let tmp = tempfile::tempdir().unwrap();
    let ingest = |spec: Option<&str>, out: &Path| {
        let mut args = vec![
            "ingest".to_string(),
            "--profile".into(),
            "samples/profiles/honobono-kaigo.toml".into(),
            "--out".into(),
            out.display().to_string(),
        ];
        if let Some(v) = spec {
            args.extend(["--spec".into(), v.to_string()]);
        }
        args.push("samples/vendor/honobono-kaigo/1470090018_介護保険1.CSV".into());
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        lifeline(&args)
    };
    let office = |out: &Path| {
        let dir = out.join("1470090018");
        let life = std::fs::read_to_string(dir.join("SERVICE_USER_INFO_1470090018.csv")).unwrap();
        let header = life.lines().nth(1).unwrap().to_string();
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("findings.json")).unwrap()).unwrap();
        let retired: Vec<(serde_json::Value, serde_json::Value)> = common::joined_findings(&report)
            .into_iter()
            .filter(|f| f["rule"] == "emit.retired_spec")
            .map(|f| (f["line"].clone(), f["severity"].clone()))
            .collect();
        (header, retired)
    };
    let current = tmp.path().join("current");
    let o = ingest(None, &current);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (header, retired) = office(&current);
    assert!(header.ends_with(",version"), "{header}");
    assert!(retired.is_empty(), "{retired:?}");

    let old = tmp.path().join("old");
    let o = ingest(Some("2021"), &old);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let (header, retired) = office(&old);
    assert!(!header.contains("version"), "{header}");
    assert_eq!(
        retired,
        [(serde_json::Value::Null, serde_json::json!("warning"))]
    );

    let o = ingest(Some("2020"), &tmp.path().join("none"));
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("--spec 2020: unknown spec version (auto, 2021, 3.10)"),
        "{e}"
    );
}

#[test]
fn a_broken_profile_is_exit_2_with_its_line() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("bad.toml");
    let text = std::fs::read_to_string(common::root().join("samples/profiles/honobono-kaigo.toml"))
        .unwrap();
    std::fs::write(
        &p,
        text.replacen("transform = \"date\"", "transform = \"wareki\"", 1),
    )
    .unwrap();
    let o = lifeline(&[
        "ingest",
        "--profile",
        &p.display().to_string(),
        "--out",
        &tmp.path().join("o").display().to_string(),
        "samples/vendor/honobono-kaigo",
    ]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    let line = text
        .lines()
        .position(|l| l.contains("transform = \"date\""))
        .unwrap()
        + 1;
    assert!(
        err.contains(&format!("bad.toml:{line}:")) && err.contains("wareki"),
        "{err}"
    );
}

/// A `--schemas` tree whose schema gives an item id twice is refused when loaded (exit 2,
/// naming the file and the id), not met later by a worker that cannot build its frame.
#[test]
fn a_schema_tree_with_an_item_id_twice_is_exit_2_naming_file_and_id() {
    let schema = common::root().join("schemas/2021/SERVICE_USER_INFO.json");
    let mut v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(schema).unwrap()).unwrap();
    let validate = |v: &serde_json::Value| {
        let tmp = tempfile::tempdir().unwrap();
        std::fs::create_dir(tmp.path().join("2021")).unwrap();
        let file = tmp.path().join("2021/SERVICE_USER_INFO.json");
        std::fs::write(&file, v.to_string()).unwrap();
        let o = lifeline(&[
            "--schemas",
            &tmp.path().display().to_string(),
            "validate",
            "samples/life/SERVICE_USER_INFO_1_20261101.csv",
        ]);
        (o, file.display().to_string())
    };
    let (o, _) = validate(&v);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let items = v["items"].as_array_mut().unwrap();
    let id = items[3]["id"].as_str().unwrap().to_string();
    let again = items[3].clone();
    items.push(again);
    let (o, file) = validate(&v);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains(&file) && err.contains(&format!("item id `{id}` is given more than once")),
        "{err}"
    );
}

/// An office folder as `run` leaves it: `validate DIR` checks its LIFE files, not the reports
/// beside them (findings.csv and quarantine.csv are CSV, but no LIFE interface).
#[test]
fn validate_on_an_office_folder_checks_its_life_files_only() {
    let tmp = tempfile::tempdir().unwrap();
    let life = "SERVICE_USER_INFO_3.10_1_20261101.csv";
    std::fs::copy(
        common::root().join("samples/life").join(life),
        tmp.path().join(life),
    )
    .unwrap();
    for report in ["findings.csv", "quarantine.csv"] {
        std::fs::write(
            tmp.path().join(report),
            "\u{feff}file,line,rule\nx.csv,3,value.code\n",
        )
        .unwrap();
    }
    let dir = tmp.path().display().to_string();
    let o = lifeline(&["validate", "--format", "json", &dir]);
    assert_eq!(o.status.code(), Some(0), "{}", stdout(&o));
    let v = json(&o);
    let files: Vec<&str> = v["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    assert!(files[0].ends_with(life), "{files:?}");

    // A folder holding nothing but reports has no LIFE file to check: exit 2, said so.
    std::fs::remove_file(tmp.path().join(life)).unwrap();
    let o = lifeline(&["validate", &dir]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("no LIFE .csv files in"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
}
