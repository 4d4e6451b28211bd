//! schemagen reads the official 3.00/3.10 workbook layout: one sheet per interface named in
//! Japanese, the physical name in the sheet's own cells, the header row found by ファイル項目ID,
//! a leading blank column, the name spread over three columns (group labels merged down),
//! 属性 and 例 columns, codes written `1：低 / 2：中` on one line. The workbook is built here
//! from items.tsv; schemagen on it gives back the bundled 3.10 schemas, and one more (made-up)
//! interface sheet becomes usable end to end through `--schemas`.

mod common;
#[path = "schemagen_310/workbook.rs"]
mod workbook;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lifeline::spec::{Registry, Schema, schemagen};
use workbook::{Row, TITLES, one_sheet, rows, title_of, workbook};

fn known_items() -> Vec<Row> {
    rows(&common::official_spec().join("life-2024-v3.10-partial/items.tsv"))
}

fn fixtures() -> PathBuf {
    common::root().join("tests/fixtures/schemagen-310")
}

#[test]
fn the_3_10_layout_workbook_gives_back_the_bundled_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("items-3.10.xlsx");
    workbook(&path, &known_items()).unwrap();
    let g = schemagen::generate(&[path], "3.10").unwrap();
    assert!(g.code_sheets.is_none(), "表紙 and 改訂履歴 are skipped");
    let got: Vec<&str> = g.schemas.iter().map(|s| s.data_type.as_str()).collect();
    assert_eq!(got, TITLES[..3].iter().map(|t| t.0).collect::<Vec<_>>());
    for s in &g.schemas {
        let bundled: Schema = serde_json::from_str(
            &std::fs::read_to_string(
                common::root().join(format!("schemas/3.10/{}.json", s.data_type)),
            )
            .unwrap(),
        )
        .unwrap();
        let title = title_of(&s.data_type);
        assert_eq!(s.title, title, "the title is the sheet's Japanese name");
        assert_eq!(s.source, format!("items-3.10.xlsx, sheet {title}"));
        // The bundled files come from items.tsv, which has neither title nor workbook.
        let mut s = s.clone();
        s.title = bundled.title.clone();
        s.source = bundled.source.clone();
        assert_eq!(s.items.len(), bundled.items.len());
        for (a, b) in s.items.iter().zip(&bundled.items) {
            assert_eq!(a, b, "{}", s.data_type);
        }
        assert_eq!(s, bundled);
    }
}

#[test]
fn a_japanese_sheet_without_one_physical_name_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wb.xlsx");
    one_sheet(&path, "栄養ケア等計画書", &[(0, 1, "栄養ケア等計画書")]);
    let e = schemagen::generate(std::slice::from_ref(&path), "3.10")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("sheet 栄養ケア等計画書") && e.contains("no physical name"),
        "{e}"
    );
    one_sheet(
        &path,
        "栄養ケア等計画書",
        &[
            (0, 1, "NUTRITION_CARE_PLAN_2024"),
            (1, 1, "【SERVICE_USER_INFO】"),
        ],
    );
    let e = schemagen::generate(std::slice::from_ref(&path), "3.10")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("NUTRITION_CARE_PLAN_2024, SERVICE_USER_INFO"),
        "{e}"
    );
    // The same sheet with its name beside a label reads, in a 3.00 workbook as in a 3.10 one.
    one_sheet(
        &path,
        "栄養ケア等計画書",
        &[(0, 1, "データ種別"), (0, 2, "NUTRITION_CARE_PLAN_2024")],
    );
    let g = schemagen::generate(&[path], "3.00").unwrap();
    let s = &g.schemas[0];
    assert_eq!(
        (s.data_type.as_str(), s.title.as_str(), s.spec.as_str()),
        ("NUTRITION_CARE_PLAN_2024", "栄養ケア等計画書", "3.00")
    );
}

// ---- an extra interface, end to end -------------------------------------------------------

fn lifeline(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .current_dir(dir)
        .env_remove("LIFELINE_SCHEMAS")
        .output()
        .expect("the binary runs")
}

fn ok(o: &Output, code: i32) -> serde_json::Value {
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}\n{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    serde_json::from_slice(&o.stdout).unwrap_or(serde_json::Value::Null)
}

/// `args` with the generated tree: `--schemas schemas …`.
fn s<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut v = vec!["--schemas", "schemas"];
    v.extend_from_slice(args);
    v
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let p = e.unwrap().path();
        let dest = to.join(p.file_name().unwrap());
        if p.is_dir() {
            copy_tree(&p, &dest);
        } else {
            std::fs::copy(&p, &dest).unwrap();
        }
    }
}

/// A LIFE file of the made-up interface (CRLF, UTF-8).
fn oral_file(rows: &[&str]) -> String {
    let header = "care_facility_id,service_code,external_system_management_number,insurer_no,insured_no,evaluate_date,oral_cleanliness,denture_use,aspiration_risk,version";
    let mut lines = vec!["EXAMPLE_ORAL_CHECK_2024", header];
    lines.extend(rows);
    lines.join("\r\n") + "\r\n"
}

fn rules_of(v: &serde_json::Value) -> Vec<String> {
    common::joined_findings(v)
        .iter()
        .map(|f| {
            format!(
                "{}:{}",
                f["rule"].as_str().unwrap(),
                f["column"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn an_extra_interface_of_the_workbook_works_end_to_end_through_schemas() {
    let tmp = tempfile::tempdir().unwrap();
    let t = tmp.path();
    let mut items = known_items();
    items.extend(rows(&fixtures().join("example-oral-check.tsv")));
    let wb = t.join("items-3.10.xlsx");
    workbook(&wb, &items).unwrap();
    // The bundled tree, its 3.10 folder regenerated from the workbook.
    let schemas = t.join("schemas");
    copy_tree(&common::root().join("schemas"), &schemas);
    let out = lifeline(
        t,
        &["schemagen", wb.to_str().unwrap(), "--out", "schemas/3.10"],
    );
    ok(&out, 0);
    let written = String::from_utf8(out.stdout).unwrap();
    assert!(
        written.contains("EXAMPLE_ORAL_CHECK_2024.json"),
        "{written}"
    );

    let list = String::from_utf8(lifeline(t, &s(&["schemas", "list"])).stdout).unwrap();
    assert!(
        list.lines()
            .any(|l| l.contains("EXAMPLE_ORAL_CHECK_2024") && l.contains("口腔衛生管理")),
        "{list}"
    );

    // validate: a good file, and one with a code and a date LIFE would reject.
    std::fs::write(
        t.join("good.csv"),
        oral_file(&["1370000018,51,O0001,131011,9900000001,20261005,1,0,2,0310"]),
    )
    .unwrap();
    std::fs::write(
        t.join("bad.csv"),
        oral_file(&["1370000018,51,O0001,131011,9900000001,20261345,9,0,2,0310"]),
    )
    .unwrap();
    let v = ok(
        &lifeline(t, &s(&["validate", "--format", "json", "good.csv"])),
        0,
    );
    assert_eq!(
        (
            v["files"][0]["data_type"].as_str(),
            v["files"][0]["spec"].as_str()
        ),
        (Some("EXAMPLE_ORAL_CHECK_2024"), Some("3.10"))
    );
    let v = ok(
        &lifeline(t, &s(&["validate", "--format", "json", "bad.csv"])),
        1,
    );
    let found = rules_of(&v);
    assert!(
        found.contains(&"value.code:oral_cleanliness".to_string()),
        "{found:?}"
    );
    assert!(
        found.contains(&"value.date:evaluate_date".to_string()),
        "{found:?}"
    );
    // Without the generated tree the interface is not known, and its items are not checked.
    let o = lifeline(t, &["validate", "--format", "json", "bad.csv"]);
    let found = rules_of(&serde_json::from_slice(&o.stdout).unwrap());
    assert!(
        !found.is_empty() && !found.iter().any(|r| r.starts_with("value.")),
        "{found:?}"
    );

    // ingest: a profile targeting it (and the users its rows need); its LIFE file validates.
    let job = t.join("job");
    copy_tree(&fixtures().join("job"), &job);
    copy_tree(&fixtures().join("ingest"), &t.join("ingest"));
    let month_file = |m: &str| {
        std::fs::copy(
            job.join(format!("vendor/oral-{m}.csv")),
            job.join("vendor/oral.csv"),
        )
        .unwrap()
    };
    let ing = t.join("ingested/1370000018");
    ok(
        &lifeline(
            t,
            &s(&[
                "ingest",
                "--profile",
                "ingest/oral-checks.toml",
                "--facility",
                "1370000018",
                "--format",
                "json",
                "--out",
                "ingested",
                "ingest/oral-checks.csv",
            ]),
        ),
        0,
    );
    let emitted: Vec<PathBuf> = std::fs::read_dir(&ing)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("EXAMPLE_ORAL_CHECK_2024")
                && p.extension().is_some_and(|e| e == "csv")
        })
        .collect();
    assert_eq!(emitted.len(), 1, "{emitted:?}");
    let text = std::fs::read_to_string(&emitted[0]).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    assert!(
        text.contains(",20260705,1,1,1,0310"),
        "良好/あり/低 coded from the workbook's codes: {text}"
    );
    ok(
        &lifeline(
            t,
            &s(&["validate", "--format", "json", emitted[0].to_str().unwrap()]),
        ),
        0,
    );

    // run: July sends both users' checks; in October user 0001's is missing. Three months
    // later it is due: the 口腔衛生管理加算 rule of due.toml names no data type of this
    // interface, its title joins it.
    let run = |m: &str| {
        month_file(m);
        let args = s(&[
            "run",
            "--config",
            "job/job.toml",
            "--month",
            m,
            "--out",
            "out",
            "--format",
            "json",
        ]);
        lifeline(t, &args)
    };
    let jul = ok(&run("2026-07"), 0);
    assert_eq!(jul["due_missing"], 0, "{jul}");
    let oct = ok(&run("2026-10"), 0);
    let r = &oct["results"][0];
    assert_eq!(r["per_rule"]["due.missing"], 1, "{oct}");
    let findings: serde_json::Value = serde_json::from_slice(
        &std::fs::read(t.join("out/202610/1370000018/findings.json")).unwrap(),
    )
    .unwrap();
    let due: Vec<serde_json::Value> = common::joined_findings(&findings)
        .into_iter()
        .filter(|f| f["rule"] == "due.missing")
        .collect();
    assert_eq!(due.len(), 1);
    let msg = due[0]["message_en"].as_str().unwrap();
    assert!(
        msg.starts_with("口腔衛生管理加算") && msg.contains("last sent 3 months ago"),
        "{msg}"
    );

    // metrics over that ledger count its rows.
    let m = ok(
        &lifeline(
            t,
            &s(&[
                "metrics",
                "--ledger",
                "out/ledger.sqlite",
                "--format",
                "json",
            ]),
        ),
        0,
    );
    let row = |month: &str| {
        m["rows"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["facility"] == "1370000018" && r["month"] == month)
            .unwrap_or_else(|| panic!("{m}"))
            .clone()
    };
    assert_eq!(
        row("2026-07")["records_by_interface"]["EXAMPLE_ORAL_CHECK_2024"],
        2
    );
    let oct = row("2026-10");
    assert_eq!(oct["records_by_interface"]["EXAMPLE_ORAL_CHECK_2024"], 1);
    assert_eq!(
        (
            oct["users_submitted"].as_u64(),
            oct["users_due_missing"].as_u64()
        ),
        (Some(1), Some(1))
    );
}

#[test]
fn a_due_rule_joins_interfaces_by_title_only_where_the_title_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    let schemas = tmp.path().join("schemas");
    copy_tree(&common::root().join("schemas"), &schemas);
    let mut items = known_items();
    items.extend(rows(&fixtures().join("example-oral-check.tsv")));
    let wb = tmp.path().join("wb.xlsx");
    workbook(&wb, &items).unwrap();
    schemagen::generate(&[wb], "3.10")
        .unwrap()
        .write(&schemas.join("3.10"))
        .unwrap();
    let rule = |r: &Registry, name: &str| {
        r.due
            .iter()
            .find(|d| d.name == name)
            .unwrap()
            .data_types
            .clone()
    };
    let r = Registry::from_dir(&schemas).unwrap();
    assert_eq!(
        rule(&r, "口腔衛生管理加算"),
        ["FORM_0210_2021", "EXAMPLE_ORAL_CHECK_2024"]
    );
    assert_eq!(
        rule(&r, "口腔機能向上加算"),
        ["FORM_0220_2021"],
        "口腔機能向上 is not in its title"
    );
    // The bundled data has no such interface.
    assert_eq!(
        rule(common::registry(), "口腔衛生管理加算"),
        ["FORM_0210_2021"]
    );
}
