//! schemagen finds the workbook's columns by header name: a workbook laid out like the 3.10
//! one (leading blank column, group-label columns beside the name, 属性 and 例 columns, header
//! not on row 3) reads as well as the 1.00 one.

use lifeline::spec::{ItemType, Req, schemagen};
use rust_xlsxwriter::Workbook;

#[test]
fn a_3_10_layout_workbook_reads_by_header_names() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("items-3.10.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("SERVICE_USER_INFO").unwrap();
    ws.write(0, 1, "利用者情報　【SERVICE_USER_INFO】").unwrap();
    let header = [
        "",
        "No",
        "ファイル項目ID",
        "ファイル項目名",
        "",
        "",
        "タイプ",
        "属性",
        "整数桁\n(文字数)",
        "小数点以下の桁数",
        "必須",
        "範囲",
        "書式",
        "コード値",
        "説明",
        "備考",
        "例",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write(4, c as u16, *h).unwrap();
    }
    let rows: [[&str; 17]; 3] = [
        [
            "",
            "1",
            "care_facility_id",
            "事業所番号",
            "",
            "",
            "文字列",
            "半角",
            "10",
            "",
            "◎",
            "",
            "",
            "",
            "",
            "",
            "1370000018",
        ],
        [
            "",
            "2",
            "gender",
            "利用者",
            "性別",
            "",
            "数値",
            "",
            "1",
            "",
            "◎",
            "",
            "",
            "1：男性\n2：女性",
            "",
            "",
            "1",
        ],
        [
            "",
            "3",
            "height",
            "身体",
            "身長",
            "",
            "数値",
            "",
            "3",
            "1",
            "○",
            "0～300",
            "",
            "",
            "センチメートル単位入力",
            "",
            "150.5",
        ],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            if !v.is_empty() {
                ws.write(5 + r as u32, c as u16, *v).unwrap();
            }
        }
    }
    // A code sheet beside it.
    let codes = wb.add_worksheet();
    codes.set_name("職種コード").unwrap();
    codes.write(1, 0, "№").unwrap();
    codes.write(1, 1, "職種コード").unwrap();
    codes.write(1, 2, "名称").unwrap();
    codes.write(2, 0, 1).unwrap();
    codes.write(2, 1, "010").unwrap();
    codes.write(2, 2, "医師").unwrap();
    wb.save(&path).unwrap();

    let g = schemagen::generate(&[path], "3.10").unwrap();
    assert_eq!(g.schemas.len(), 1);
    let s = &g.schemas[0];
    assert_eq!(
        (s.data_type.as_str(), s.title.as_str(), s.spec.as_str()),
        ("SERVICE_USER_INFO", "利用者情報", "3.10")
    );
    let ids: Vec<&str> = s.items.iter().map(|i| i.id.as_str()).collect();
    assert_eq!(ids, ["care_facility_id", "gender", "height"]);
    let gender = &s.items[1];
    assert_eq!(gender.name, "利用者 性別", "group labels come first");
    assert_eq!(
        (gender.ty, gender.len, gender.req),
        (ItemType::Number, Some(1), Req::Always)
    );
    assert_eq!(gender.codes.len(), 2);
    let height = &s.items[2];
    assert_eq!(
        (height.len, height.dec, height.req),
        (Some(3), Some(1), Req::Confirmed)
    );
    assert_eq!(height.range.map(|r| (r.min, r.max)), Some((0.0, 300.0)));
    assert_eq!(height.desc.as_deref(), Some("センチメートル単位入力"));
    let sheets = g.code_sheets.unwrap();
    assert_eq!(sheets.sheets[0].codes[0].code, "010");
}

#[test]
fn a_workbook_without_the_needed_headers_is_a_clear_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("bad.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("FORM_0000_2021").unwrap();
    for (c, h) in [
        "No.",
        "ファイル項目ID",
        "ファイル項目名",
        "整数桁(文字数)",
        "必須",
    ]
    .iter()
    .enumerate()
    {
        ws.write(2, c as u16, *h).unwrap();
    }
    ws.write(3, 1, "care_facility_id").unwrap();
    wb.save(&path).unwrap();
    let e = schemagen::generate(&[path], "2021")
        .unwrap_err()
        .to_string();
    assert!(e.contains("FORM_0000_2021") && e.contains("タイプ"), "{e}");

    let empty = tmp.path().join("empty.xlsx");
    let mut wb = Workbook::new();
    wb.add_worksheet().write(0, 0, "hello").unwrap();
    wb.save(&empty).unwrap();
    let e = schemagen::generate(&[empty], "2021")
        .unwrap_err()
        .to_string();
    assert!(e.contains("ファイル項目ID"), "{e}");
}

#[test]
fn other_layout_quirks() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("quirks.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("FORM_0600_2021").unwrap();
    // Header far down the sheet, with a 属性 column between the name and the type.
    let header = [
        "No.",
        "ファイル項目ID",
        "ファイル項目名",
        "属性",
        "タイプ",
        "整数桁(文字数)",
        "必須",
    ];
    for (c, h) in header.iter().enumerate() {
        ws.write(20, c as u16, *h).unwrap();
    }
    for (c, v) in [
        "1",
        "care_facility_id",
        "事業所番号",
        "半角",
        "文字列",
        "10",
        "◎",
    ]
    .iter()
    .enumerate()
    {
        ws.write(21, c as u16, *v).unwrap();
    }
    // A code sheet whose codes were typed as numbers.
    let codes = wb.add_worksheet();
    codes.set_name("職種コード").unwrap();
    for (c, h) in ["№", "職種コード", "名称"].iter().enumerate() {
        codes.write(0, c as u16, *h).unwrap();
    }
    codes.write(1, 1, "010").unwrap();
    codes.write(1, 2, "医師").unwrap();
    codes.write(2, 1, 20).unwrap();
    codes.write(2, 2, "歯科医師").unwrap();
    wb.save(&path).unwrap();
    let g = schemagen::generate(&[path], "x").unwrap();
    let item = &g.schemas[0].items[0];
    assert_eq!(
        item.name, "事業所番号",
        "a named column is not part of the name"
    );
    let codes: Vec<&str> = g.code_sheets.as_ref().unwrap().sheets[0]
        .codes
        .iter()
        .map(|c| c.code.as_str())
        .collect();
    assert_eq!(codes, ["010", "020"]);

    // A sheet titled as an interface without a header row is an error, not a silent skip.
    let path = tmp.path().join("titled.xlsx");
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write(0, 0, "排せつ支援情報　【FORM_0600_2021】")
        .unwrap();
    let ok = wb.add_worksheet();
    ok.write(0, 1, "ファイル項目ID").unwrap();
    wb.save(&path).unwrap();
    let e = schemagen::generate(&[path], "x").unwrap_err().to_string();
    assert!(
        e.contains("FORM_0600_2021") && e.contains("no header row"),
        "{e}"
    );
}
