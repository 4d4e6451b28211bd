//! schemagen reads the official 3.00/3.10 workbook layout: one sheet per interface named in
//! Japanese, the physical name in the sheet's own cells, the header row found by ファイル項目ID,
//! a leading blank column, the name spread over three columns (group labels merged down),
//! 属性 and 例 columns, codes written `1：低 / 2：中` on one line. The workbook is built here
//! from items.tsv; schemagen on it gives back the bundled 3.10 schemas, and one more (made-up)
//! interface sheet becomes usable end to end through `--schemas`.

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use lifeline::spec::{Registry, Schema, schemagen};
use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// One row of an items.tsv-shaped file.
struct Row {
    iface: String,
    f: Vec<String>,
}

impl Row {
    fn get(&self, i: usize) -> &str {
        &self.f[i]
    }
}

fn rows(path: &Path) -> Vec<Row> {
    let text = std::fs::read_to_string(path).unwrap();
    let mut lines = text.lines();
    let header: Vec<&str> = lines.next().unwrap().split('\t').collect();
    assert_eq!(
        header,
        [
            "interface",
            "no",
            "id",
            "name",
            "type",
            "len",
            "dec",
            "req",
            "fmt",
            "codes",
            "condition_note"
        ]
    );
    lines
        .filter(|l| !l.is_empty())
        .map(|l| {
            let f: Vec<String> = l.split('\t').map(str::to_string).collect();
            Row {
                iface: f[0].clone(),
                f,
            }
        })
        .collect()
}

/// The Japanese interface names (life-csv-spec.md §5.2); the last one is made up.
const TITLES: [(&str, &str); 4] = [
    ("SERVICE_USER_INFO", "利用者情報"),
    (
        "NUTRITION_FEEDING_SWALLOWING_SCREENING_ASSESSMENT_MONITORING_2024",
        "栄養・摂食嚥下スクリーニング・アセスメント・モニタリング",
    ),
    ("NUTRITION_CARE_PLAN_2024", "栄養ケア等計画書"),
    (
        "EXAMPLE_ORAL_CHECK_2024",
        "口腔衛生管理（テスト用の架空様式）",
    ),
];

fn title_of(dt: &str) -> &'static str {
    TITLES.iter().find(|t| t.0 == dt).unwrap().1
}

const HEADER: [&str; 17] = [
    "",
    "No",
    "ファイル項目ID",
    "ファイル項目名",
    "",
    "",
    "タイプ",
    "属性",
    "整数桁\n(文字数)",
    "小数桁",
    "必須",
    "範囲",
    "書式",
    "コード値",
    "説明",
    "備考",
    "例",
];
const HEADER_ROW: u32 = 4;

/// The name's parts over the three name columns: group, subgroup, the rest.
fn name_cells(name: &str) -> [String; 3] {
    let parts: Vec<&str> = name.split(' ').collect();
    [
        parts[0].to_string(),
        parts.get(1).unwrap_or(&"").to_string(),
        parts.get(2..).map(|p| p.join(" ")).unwrap_or_default(),
    ]
}

/// One interface sheet in the 3.10 layout. `form` picks how the physical name is given.
fn interface_sheet(ws: &mut Worksheet, items: &[&Row], form: usize) -> Result<(), XlsxError> {
    let dt = items[0].iface.as_str();
    let title = title_of(dt);
    ws.set_name(title)?;
    match form % 3 {
        0 => ws.write(0, 1, format!("{title}　【{dt}】"))?,
        1 => ws
            .write(0, 1, title)?
            .write(1, 1, "物理名")?
            .write(1, 3, dt)?,
        _ => ws.write(0, 1, title)?.write(1, 1, dt)?,
    };
    ws.write(2, 1, "◎：常に必須　○：確定取込時必須　●：条件により必須")?;
    for (c, h) in HEADER.iter().enumerate() {
        ws.write(HEADER_ROW, c as u16, *h)?;
    }
    ws.merge_range(
        HEADER_ROW,
        3,
        HEADER_ROW,
        5,
        "ファイル項目名",
        &Format::new(),
    )?;
    let names: Vec<[String; 3]> = items.iter().map(|r| name_cells(r.get(3))).collect();
    for (i, r) in items.iter().enumerate() {
        let row = HEADER_ROW + 1 + i as u32;
        ws.write_number(row, 1, r.get(1).parse::<f64>().unwrap())?;
        ws.write(row, 2, r.get(2))?;
        for (c, text) in [
            (6, r.get(4)),
            (10, r.get(7)),
            (12, r.get(8)),
            (14, r.get(10)),
        ] {
            if !text.is_empty() {
                ws.write(row, c, text)?;
            }
        }
        ws.write(
            row,
            7,
            if r.get(4) == "文字列" {
                "全角/半角"
            } else {
                "半角"
            },
        )?;
        for (c, n) in [(8, r.get(5)), (9, r.get(6))] {
            if let Ok(v) = n.parse::<f64>() {
                ws.write_number(row, c, v)?;
            }
        }
        let codes: Vec<(&str, &str)> = r
            .get(9)
            .split('|')
            .filter(|c| !c.is_empty())
            .map(|c| c.split_once(':').unwrap())
            .collect();
        if !codes.is_empty() {
            // One line with full-width colons, or one code per line with half-width ones.
            let cell = if i % 2 == 0 {
                codes
                    .iter()
                    .map(|(c, l)| format!("{c}：{l}"))
                    .collect::<Vec<_>>()
                    .join(" / ")
            } else {
                codes
                    .iter()
                    .map(|(c, l)| format!("{c}:{l}"))
                    .collect::<Vec<_>>()
                    .join("\n")
            };
            ws.write(row, 13, cell)?;
            ws.write(row, 16, codes[0].0)?;
        }
        // Name columns: a group label shared by the rows below is merged down over them.
        for col in 0..3 {
            let text = &names[i][col];
            let grouped = col < 2 && !names[i][col + 1].is_empty();
            let same =
                |j: usize| names[j][..=col] == names[i][..=col] && !names[j][col + 1].is_empty();
            if grouped && i > 0 && same(i - 1) {
                continue; // inside a merge written above
            }
            let mut end = i;
            while grouped && end + 1 < items.len() && same(end + 1) {
                end += 1;
            }
            if end > i {
                ws.merge_range(
                    row,
                    3 + col as u16,
                    HEADER_ROW + 1 + end as u32,
                    3 + col as u16,
                    text,
                    &Format::new(),
                )?;
            } else if !text.is_empty() {
                ws.write(row, 3 + col as u16, text)?;
            }
        }
    }
    Ok(())
}

/// A workbook in the 3.10 layout: a cover, a revision history and one sheet per interface.
fn workbook(path: &Path, items: &[Row]) -> Result<(), XlsxError> {
    let mut wb = Workbook::new();
    wb.add_worksheet()
        .set_name("表紙")?
        .write(
            0,
            0,
            "別紙 外部インターフェース項目一覧（3.10版）（テスト用に組み立てたもの）",
        )?
        .write(2, 0, "令和7年6月")?;
    let rev = wb.add_worksheet().set_name("改訂履歴")?;
    for (c, h) in [
        "No",
        "版",
        "改訂日",
        "シート名",
        "ファイル項目ID",
        "改訂内容",
    ]
    .iter()
    .enumerate()
    {
        rev.write(1, c as u16, *h)?;
    }
    for (c, v) in [
        "1",
        "3.10",
        "2025/06/13",
        "栄養ケア等計画書",
        "overall_evaluation",
        "コード値の表記を修正（架空）",
    ]
    .iter()
    .enumerate()
    {
        rev.write(2, c as u16, *v)?;
    }
    let mut order: Vec<&str> = Vec::new();
    for r in items {
        if !order.contains(&r.iface.as_str()) {
            order.push(&r.iface);
        }
    }
    for (form, dt) in order.iter().enumerate() {
        let of: Vec<&Row> = items.iter().filter(|r| r.iface == *dt).collect();
        interface_sheet(wb.add_worksheet(), &of, form)?;
    }
    wb.save(path)
}

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

/// A one-sheet workbook in the 3.10 layout with `above` written over the header row.
fn one_sheet(path: &Path, sheet: &str, above: &[(u32, u16, &str)]) {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet().set_name(sheet).unwrap();
    for (r, c, v) in above {
        ws.write(*r, *c, *v).unwrap();
    }
    for (c, h) in HEADER.iter().enumerate() {
        ws.write(HEADER_ROW, c as u16, *h).unwrap();
    }
    for (c, v) in [
        (1, "1"),
        (2, "care_facility_id"),
        (3, "事業所番号"),
        (6, "文字列"),
        (8, "10"),
        (10, "◎"),
    ] {
        ws.write(HEADER_ROW + 1, c, v).unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn a_japanese_sheet_without_one_physical_name_is_an_error_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("wb.xlsx");
    one_sheet(&path, "栄養ケア等計画書", &[(0, 1, "栄養ケア等計画書")]);
    let e = schemagen::generate(&[path.clone()], "3.10")
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
    let e = schemagen::generate(&[path.clone()], "3.10")
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
