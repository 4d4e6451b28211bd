//! Builds workbooks in the 3.10 layout (as `tests/spec/life-2024-v3.10-partial/README.md`
//! describes it) from items.tsv-shaped rows, for `tests/schemagen_310.rs`.

use std::path::Path;

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

/// One row of an items.tsv-shaped file.
pub struct Row {
    pub iface: String,
    f: Vec<String>,
}

impl Row {
    fn get(&self, i: usize) -> &str {
        &self.f[i]
    }
}

pub fn rows(path: &Path) -> Vec<Row> {
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
pub const TITLES: [(&str, &str); 4] = [
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

pub fn title_of(dt: &str) -> &'static str {
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
pub fn workbook(path: &Path, items: &[Row]) -> Result<(), XlsxError> {
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

/// A one-sheet workbook in the 3.10 layout with `above` written over the header row.
pub fn one_sheet(path: &Path, sheet: &str, above: &[(u32, u16, &str)]) {
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
