//! The profile language (docs/profiles.md § Value steps): each pattern of issue 16 §1 with a passing and
//! a failing case, the load-time checks, and the guarantees that live in map/normalize (◎ items
//! fed, `version` on 3.10, no empty records).

mod common;

use lifeline::map::Profile;
use lifeline::normalize::ingest::{FileIngest, ingest_file};
use lifeline::validate::{MASK, Severity};

/// A SERVICE_USER_INFO layout; each test adds its `[target.columns]` lines and pipes.
fn layout(read: &str, columns: &str, pipes: &str) -> String {
    format!(
        r#"
name = "messy"
[read]
header_min_aliases = 2
{read}
[facility]
column = "事業所番号"
[[target]]
data_type = "SERVICE_USER_INFO"
spec = "2021"
key = ["利用者番号"]
key_prefix = "U"
[target.constants]
service_code = "51"
[target.columns]
{columns}
{pipes}
"#
    )
}

fn profile(text: &str) -> Result<Profile, lifeline::map::ProfileError> {
    Profile::parse("messy.toml", text, common::registry())
}

fn read(profile_text: &str, csv: &str, given: Option<&str>) -> FileIngest {
    let p = profile(profile_text).unwrap_or_else(|e| panic!("{e}"));
    ingest_file("vendor.csv", csv.as_bytes(), &p, common::registry(), given)
}

fn column(f: &FileIngest, name: &str) -> Vec<Option<String>> {
    f.parts[0]
        .frame
        .column(name)
        .unwrap_or_else(|_| panic!("no column {name}"))
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn some(v: &[&str]) -> Vec<Option<String>> {
    v.iter().map(|s| Some(s.to_string())).collect()
}

/// (line, rule, item, severity, value shown) of each finding.
type Row = (u64, &'static str, Option<String>, Severity, Option<String>);

fn findings(f: &FileIngest) -> Vec<Row> {
    f.findings
        .findings
        .iter()
        .map(|x| {
            let c = &f.findings.checks[x.check as usize];
            (
                x.line,
                c.rule,
                c.column.clone(),
                c.severity,
                x.value.as_deref().map(str::to_string),
            )
        })
        .collect()
}

fn rules(f: &FileIngest) -> Vec<(u64, &'static str, Option<String>)> {
    findings(f).into_iter().map(|r| (r.0, r.1, r.2)).collect()
}

fn messages(f: &FileIngest) -> Vec<String> {
    f.findings
        .checks
        .iter()
        .map(|c| c.message_en.clone())
        .collect()
}

// --- one column → several items --------------------------------------------------------------

const NAMES: &str = r#"
[[target.pipe]]
from = "氏名"
steps = [{ split = "space" }]
into = ["last_name", "first_name"]

[[target.pipe]]
from = "フリガナ"
steps = [{ split = "space" }, "kana"]
into = ["last_name_kana", "first_name_kana"]
"#;

#[test]
fn a_name_splits_at_the_first_space_and_a_name_without_one_is_a_finding() {
    let p = layout("", "", NAMES);
    let f = read(
        &p,
        "事業所番号,利用者番号,氏名,フリガナ\n\
         1370000018,1,試験　花子,シケン　ハナコ\n\
         1370000018,2,テスト 太郎,てすと たろう\n\
         1370000018,3,試験花子,シケンハナコ\n",
        None,
    );
    assert_eq!(
        column(&f, "last_name"),
        [Some("試験".into()), Some("テスト".into()), None]
    );
    assert_eq!(
        column(&f, "first_name"),
        [Some("花子".into()), Some("太郎".into()), None]
    );
    assert_eq!(
        column(&f, "first_name_kana"),
        [Some("ﾊﾅｺ".into()), Some("ﾀﾛｳ".into()), None]
    );
    // Line 4: no space — a finding per item left empty, never a guess; the value is masked.
    let got = findings(&f);
    assert!(
        got.iter().all(|r| r.0 == 4 && r.1 == "ingest.split"),
        "{got:?}"
    );
    let items: Vec<&str> = got.iter().filter_map(|r| r.2.as_deref()).collect();
    assert_eq!(
        items,
        [
            "last_name",
            "first_name",
            "last_name_kana",
            "first_name_kana"
        ]
    );
    assert!(got.iter().all(|r| r.4.as_deref() == Some(MASK)));
}

// --- a range in one cell ---------------------------------------------------------------------

const PERIOD: &str = r#"
[[target.pipe]]
from = "認定有効期間"
steps = [{ split = "range" }, "date"]
into = ["care_period_start", "care_period_end"]
"#;

#[test]
fn a_range_feeds_start_and_end_through_the_date_transform() {
    let p = layout("", "", PERIOD);
    let f = read(
        &p,
        "事業所番号,利用者番号,認定有効期間\n\
         1370000018,1,令和6年4月1日～令和8年3月31日\n\
         1370000018,2,R7.12.01～R9.11.30\n\
         1370000018,3,R7.12.01〜R9.11.30\n\
         1370000018,4,2025/12/01~2027/11/30\n\
         1370000018,5,R7.12.01−R9.11.30\n\
         1370000018,6,R7.12.01-R9.11.30\n\
         1370000018,7,令和6年4月1日\n\
         1370000018,8,R7.12.01～R9.13.30\n",
        None,
    );
    let start = [
        "20240401", "20251201", "20251201", "20251201", "20251201", "20251201",
    ];
    let end = [
        "20260331", "20271130", "20271130", "20271130", "20271130", "20271130",
    ];
    let mut want_start = some(&start);
    want_start.extend([None, Some("20251201".into())]);
    let mut want_end = some(&end);
    want_end.extend([None, None]);
    assert_eq!(column(&f, "care_period_start"), want_start);
    assert_eq!(column(&f, "care_period_end"), want_end);
    assert_eq!(
        rules(&f),
        [
            (8, "ingest.split", Some("care_period_start".into())),
            (8, "ingest.split", Some("care_period_end".into())),
            (9, "ingest.date", Some("care_period_end".into())),
        ]
    );
    // The era dates are counted as repairs, judged on each part (not on the whole cell).
    assert_eq!(f.fixes.era_dates, 2 + 2 * 4 + 1);
}

#[test]
fn a_regex_feeds_its_named_captures() {
    let pipe = r#"
[[target.pipe]]
from = "認定"
steps = [{ regex = '(?P<from>\S+)から(?P<to>\S+)まで' }, "date"]
into = { from = "care_period_start", to = "care_period_end" }
"#;
    let f = read(
        &layout("", "", pipe),
        "事業所番号,利用者番号,認定\n\
         1370000018,1,R7.12.01からR9.11.30まで\n\
         1370000018,2,R7.12.01～R9.11.30\n",
        None,
    );
    assert_eq!(
        column(&f, "care_period_start"),
        [Some("20251201".into()), None]
    );
    assert_eq!(
        column(&f, "care_period_end"),
        [Some("20271130".into()), None]
    );
    assert_eq!(
        rules(&f),
        [
            (3, "ingest.split", Some("care_period_start".into())),
            (3, "ingest.split", Some("care_period_end".into())),
        ]
    );
}

// --- a value inside a preamble cell ----------------------------------------------------------

fn preamble_profile() -> String {
    layout(
        "",
        r#"gender = { from = "性別", transform = "label", map = { "女" = "2" } }"#,
        "",
    )
    .replace(
        "[facility]\ncolumn = \"事業所番号\"",
        "[facility]\npreamble = \"事業所番号\"",
    )
}

#[test]
fn the_facility_comes_from_the_value_after_a_preamble_label() {
    for (cell, given) in [
        ("事業所番号：1370099010", None),
        ("事業所番号:1370099010", Some("1370099010")),
        ("事業所番号： １３７００９９０１０", None),
        ("事業所番号,1370099010", None),
    ] {
        let text = format!("利用者台帳\n{cell}\n利用者番号,性別\n1,女\n");
        let f = read(&preamble_profile(), &text, given);
        assert_eq!(rules(&f), [], "{cell}");
        assert_eq!(f.parts[0].facility, "1370099010", "{cell}");
        assert_eq!(column(&f, "care_facility_id"), some(&["1370099010"]));
    }
}

#[test]
fn a_preamble_facility_that_disagrees_with_the_given_one_is_an_error_naming_both() {
    let text = "事業所番号：1370099010\n利用者番号,性別\n1,女\n";
    let f = read(&preamble_profile(), text, Some("1470090018"));
    let got = findings(&f);
    assert_eq!(got.len(), 2, "{got:?}");
    assert_eq!(
        (got[0].1, got[0].3),
        ("ingest.facility_mismatch", Severity::Error)
    );
    assert_eq!((got[1].0, got[1].1), (3, "ingest.quarantined"));
    let m = &messages(&f)[0];
    assert!(m.contains("1370099010") && m.contains("1470090018"), "{m}");
    // Never a silent choice: neither office gets the rows; each is quarantined.
    assert!(f.parts.is_empty());
    assert_eq!(f.quarantine.len(), 1);

    // A cell that holds no 事業所番号 is an error, never a mangled number.
    let f = read(
        &preamble_profile(),
        "事業所番号：未設定\n利用者番号,性別\n1,女\n",
        None,
    );
    assert_eq!(rules(&f)[0].1, "ingest.facility", "{:?}", rules(&f));
    assert!(f.parts.is_empty());
    assert_eq!(f.quarantine.len(), 1);
}

#[test]
fn a_preamble_cell_or_a_value_can_feed_an_item() {
    let columns = r#"
start_date = { preamble = "利用開始日", transform = "date" }
end_date = { value = "令和8年3月31日", transform = "date" }
"#;
    let text = "利用開始日：R7.4.1\n事業所番号,利用者番号\n1370000018,1\n1370000018,2\n";
    let one = layout("", columns, "").replace("header_min_aliases = 2", "header_min_aliases = 1");
    let f = read(&one, text, None);
    assert_eq!(rules(&f), []);
    assert_eq!(column(&f, "start_date"), some(&["20250401", "20250401"]));
    assert_eq!(column(&f, "end_date"), some(&["20260331", "20260331"]));
    // A preamble value that is not a date: one finding for the file, the item left empty.
    let f = read(&one, &text.replace("R7.4.1", "未定"), None);
    assert_eq!(rules(&f), [(0, "ingest.date", Some("start_date".into()))]);
    assert_eq!(column(&f, "start_date"), [None, None]);
    // A quoted preamble cell over two lines, used as an item's value: folded as a column's.
    let remarks = layout("", "remarks = { preamble = \"備考\" }", "")
        .replace("header_min_aliases = 2", "header_min_aliases = 1");
    let f = read(
        &remarks,
        "\"備考：一行目\n二行目\"\n事業所番号,利用者番号\n1370000018,1\n",
        None,
    );
    assert_eq!(rules(&f), [(0, "ingest.folded", Some("remarks".into()))]);
    assert_eq!(column(&f, "remarks"), some(&["一行目 二行目"]));
}

// --- two header rows -------------------------------------------------------------------------

#[test]
fn a_two_line_header_names_columns_by_group_and_item() {
    let columns = r#"
last_name = { from = "氏名/姓" }
first_name = { from = "氏名/名" }
certified_date = { from = "認定日" }
care_period_start = { from = ["認定有効期間/開始", "開始日"], transform = "date" }
care_period_end = { from = "認定有効期間/終了", transform = "date" }
"#;
    // Excel's merged cells: the group in its first cell only; 事業所番号 and 利用者番号 merged
    // down over both lines (the lower cell empty).
    let csv = "事業所番号,利用者番号,氏名,,認定日,認定有効期間,\n\
               ,,姓,名,,開始,終了\n\
               1370000018,1,試験,花子,,R7.4.1,R9.3.31\n";
    let two = layout("header_rows = 2", columns, "");
    let f = read(&two, csv, None);
    assert_eq!(rules(&f), []);
    assert_eq!(column(&f, "last_name"), some(&["試験"]));
    assert_eq!(column(&f, "first_name"), some(&["花子"]));
    assert_eq!(column(&f, "care_period_start"), some(&["20250401"]));
    assert_eq!(column(&f, "care_period_end"), some(&["20270331"]));
    assert_eq!(
        column(&f, "external_system_management_number"),
        some(&["U-1"])
    );
    // The item alone matches too (開始 is not an alias; 認定日 is, by its upper cell).
    assert_eq!(f.parts[0].frame.height(), 1);

    // Read as a one-line header, the pairs name nothing: the columns are missing.
    let f = read(&layout("", columns, ""), csv, None);
    let missing: Vec<_> = rules(&f)
        .into_iter()
        .filter(|r| r.1 == "ingest.missing_column")
        .collect();
    assert_eq!(missing.len(), 4, "{missing:?}");
}

// --- leading zeros and characters to strip ---------------------------------------------------

#[test]
fn pad_restores_leading_zeros_only_where_asked_with_a_warning_each() {
    let padded = r#"insured_no = { from = "被保険者番号", steps = ["code", { pad = 10 }] }"#;
    let csv = "事業所番号,利用者番号,被保険者番号\n\
               1370000018,1,12348\n\
               1370000018,2,０００００１２３４９\n\
               1370000018,3,12348\n\
               1370000018,4,12A48\n";
    let f = read(&layout("", padded, ""), csv, None);
    assert_eq!(
        column(&f, "insured_no"),
        [
            Some("0000012348".into()),
            Some("0000012349".into()),
            Some("0000012348".into()),
            Some("12A48".into())
        ]
    );
    let got = findings(&f);
    assert_eq!(
        got.iter().map(|r| (r.0, r.1, r.3)).collect::<Vec<_>>(),
        [
            (2, "ingest.padded", Severity::Warning),
            (4, "ingest.padded", Severity::Warning)
        ]
    );
    assert!(got.iter().all(|r| r.4.as_deref() == Some(MASK)), "{got:?}");

    // Not asked: the value passes as it is (the length check is validation's).
    let plain = r#"insured_no = { from = "被保険者番号", transform = "code" }"#;
    let f = read(&layout("", plain, ""), csv, None);
    assert_eq!(rules(&f), []);
    assert_eq!(column(&f, "insured_no")[0].as_deref(), Some("12348"));
}

#[test]
fn strip_removes_characters_inside_identifiers() {
    let stripped =
        r#"insured_no = { from = "被保険者番号", steps = [{ strip = "-－" }, "digits"] }"#;
    let csv = "事業所番号,利用者番号,被保険者番号\n\
               1370000018,1,0000-012346\n\
               1370000018,2,0000 012346\n\
               1370000018,3,0000－012346\n\
               1370000018,4,0000/012346\n";
    let f = read(&layout("", stripped, ""), csv, None);
    let mut want = some(&["0000012346", "0000012346", "0000012346"]);
    want.push(None);
    assert_eq!(column(&f, "insured_no"), want);
    assert_eq!(rules(&f), [(5, "ingest.digits", Some("insured_no".into()))]);
    // Without the step, `code` keeps the dash.
    let plain = r#"insured_no = { from = "被保険者番号", transform = "code" }"#;
    let f = read(&layout("", plain, ""), csv, None);
    assert_eq!(column(&f, "insured_no")[0].as_deref(), Some("0000-012346"));
}

// --- line breaks, labels and points, timestamps, placeholders, skips -------------------------

#[test]
fn line_breaks_fold_to_a_space_with_a_repair_finding_each() {
    let columns = r#"
last_name = { from = "姓" }
care_level = { from = "要介護度", transform = "label" }
"#;
    let csv = "事業所番号,利用者番号,姓,要介護度\r\n\
               1370000018,1,\"試験\r\n\",要介護1\r\n\
               1370000018,2,テスト,\"要介護\n2\"\r\n\
               1370000018,3,見本,要介護3\r\n";
    let f = read(&layout("", columns, ""), csv, None);
    assert_eq!(
        column(&f, "last_name"),
        [
            Some("試験 ".into()),
            Some("テスト".into()),
            Some("見本".into())
        ]
    );
    assert_eq!(column(&f, "care_level"), some(&["21", "22", "23"]));
    let got = findings(&f);
    assert_eq!(
        got.iter().map(|r| (r.0, r.1, r.3)).collect::<Vec<_>>(),
        [
            (2, "ingest.folded", Severity::Warning),
            (4, "ingest.folded", Severity::Warning)
        ]
    );
    assert_eq!(got[0].4.as_deref(), Some(MASK), "a name stays masked");
    assert_eq!(got[1].4.as_deref(), Some("要介護 2"));
}

#[test]
fn labels_and_points_mix_in_one_barthel_column() {
    let p = r#"
name = "barthel"
[facility]
column = "事業所番号"
[[target]]
data_type = "FORM_0900_2021"
spec = "2021"
key = ["利用者番号"]
key_prefix = "A"
[target.constants]
service_code = "15"
[target.columns]
insurer_no = { from = "保険者番号", transform = "code" }
insured_no = { from = "被保険者番号", transform = "code" }
barthel_index_meal = { from = "食事", transform = "barthel" }
"#;
    let csv = "事業所番号,利用者番号,保険者番号,被保険者番号,食事\n\
               1370000018,1,131011,9900000001,自立(10)\n\
               1370000018,2,131011,9900000002,10\n\
               1370000018,3,131011,9900000003,全介助\n\
               1370000018,4,131011,9900000004,一部介助（５）\n\
               1370000018,5,131011,9900000005,たまに\n";
    let f = read(p, csv, None);
    assert_eq!(
        column(&f, "barthel_index_meal"),
        [
            Some("2".into()),
            Some("2".into()),
            Some("0".into()),
            Some("1".into()),
            None
        ]
    );
    assert_eq!(
        rules(&f),
        [(6, "ingest.barthel", Some("barthel_index_meal".into()))]
    );
}

#[test]
fn timestamps_are_dates_and_placeholders_ignore_case() {
    let columns = r#"
birthday = { from = "生年月日", transform = "date" }
start_date = { from = "利用開始日", transform = "date" }
"#;
    let csv = "事業所番号,利用者番号,生年月日,利用開始日\n\
               1370000018,1,1940-03-25 00:00:00,2026-09-01T00:00:00+09:00\n\
               1370000018,2,NULL,null\n\
               1370000018,3,Null,2026-09-01 00:00:00 JST\n";
    let f = read(&layout("placeholders = [\"null\"]", columns, ""), csv, None);
    assert_eq!(
        column(&f, "birthday"),
        [Some("19400325".into()), None, None]
    );
    assert_eq!(
        column(&f, "start_date"),
        [Some("20260901".into()), None, None]
    );
    // Only the unknown time zone is a finding; the placeholders are "nothing recorded".
    assert_eq!(rules(&f), [(4, "ingest.date", Some("start_date".into()))]);
}

#[test]
fn skip_prefixes_quarantine_dummy_users_on_purpose() {
    let read_spec =
        r#"skip = [{ column = "氏名", prefixes = ["★", "テスト用"], reason = "dummy user" }]"#;
    let csv = "事業所番号,利用者番号,氏名\n\
               1370000018,1,試験　花子\n\
               1370000018,2,★会議 室\n\
               1370000018,3,テスト用 利用者\n\
               1370000018,4,テスト 太郎\n";
    let f = read(&layout(read_spec, "", NAMES), csv, None);
    assert_eq!((f.rows_read, f.rows_kept), (4, 2));
    assert!(
        f.quarantine
            .iter()
            .all(|q| q.deliberate && q.reason == "dummy user")
    );
    assert_eq!(column(&f, "last_name"), some(&["試験", "テスト"]));
}

// --- what the loader refuses -----------------------------------------------------------------

#[test]
fn the_loader_refuses_unused_captures_items_fed_twice_and_miscounted_pipes() {
    let cases = [
        (
            r#"
[[target.pipe]]
from = "期間"
steps = [{ regex = '(?P<a>\S+)～(?P<b>\S+)' }, "date"]
into = { a = "care_period_start" }
"#,
            "capture `b` feeds no item",
        ),
        (
            r#"
[[target.pipe]]
from = "期間"
steps = [{ regex = '(?P<a>\S+)～(?P<b>\S+)' }]
into = { a = "care_period_start", b = "care_period_end", c = "end_date" }
"#,
            "`into` names `c`",
        ),
        (
            r#"
[[target.pipe]]
from = "氏名"
steps = [{ split = "space" }]
into = ["last_name", "first_name", "last_name_kana"]
"#,
            "makes 2 values but `into` names 3 items",
        ),
        (
            r#"
[[target.pipe]]
from = "氏名"
steps = [{ split = "space" }]
into = ["last_name", "service_code"]
"#,
            "`service_code` is fed twice",
        ),
        (
            r#"
[[target.pipe]]
from = "氏名"
steps = [{ split = "space" }, "katakana"]
into = ["last_name", "first_name"]
"#,
            "unknown step `katakana`",
        ),
        (
            r#"
[[target.pipe]]
from = "氏名"
steps = [{ split = "space" }, { regex = '(?P<x>.)' }]
into = ["last_name", "first_name"]
"#,
            "cuts its value once",
        ),
    ];
    for (pipe, want) in cases {
        let e = profile(&layout("", "", pipe)).unwrap_err();
        assert!(e.message.contains(want), "{want}: {e}");
        assert!(e.line > 10, "{e}: the line of the pipe");
    }
    let e = profile(&layout(
        "",
        r#"last_name = { from = "氏名", steps = [{ split = "space" }] }"#,
        "",
    ))
    .unwrap_err();
    assert!(e.message.contains("[[target.pipe]]"), "{e}");
    let e = profile(&layout(
        "",
        r#"last_name = { from = "氏名", transform = "text", steps = ["text"] }"#,
        "",
    ))
    .unwrap_err();
    assert!(e.message.contains("not both"), "{e}");
    // A header of three lines is not one lifeline reads: said at its line.
    let e = profile(&layout("header_rows = 3", "", "")).unwrap_err();
    assert!(e.message.contains("`header_rows` is 1 or 2"), "{e}");
    let text = layout("header_rows = 3", "", "");
    let line = text
        .lines()
        .position(|l| l.starts_with("header_rows"))
        .unwrap()
        + 1;
    assert_eq!(e.line, line, "{e}");
    // A map that no step reads is refused, not ignored.
    let e = profile(&layout(
        "",
        r#"gender = { from = "性別", transform = "code", map = { "女" = "2" } }"#,
        "",
    ))
    .unwrap_err();
    assert!(
        e.message.contains("`label` and `barthel` steps only"),
        "{e}"
    );
    assert!(e.line > 1, "at the entry's line: {e}");
    profile(&layout(
        "",
        r#"gender = { from = "性別", transform = "label", map = { "女" = "2" } }"#,
        "",
    ))
    .unwrap();
    // The names and ranges above, written correctly, load.
    profile(&layout("", "", &format!("{NAMES}{PERIOD}"))).unwrap();
}

// --- ◎ items fed, version, no empty records --------------------------------------------------

#[test]
fn a_profile_that_leaves_an_always_required_item_unfed_is_an_error_naming_it() {
    let full = format!(
        "{}{NAMES}",
        layout(
            "",
            r#"
insurer_no = { from = "保険者番号", transform = "code" }
insured_no = { from = "被保険者番号", transform = "code" }
gender = { from = "性別", transform = "label", map = { "男" = "1", "女" = "2" } }
birthday = { from = "生年月日", transform = "date" }
care_level = { from = "要介護度", transform = "label" }
"#,
            ""
        )
    );
    let registry = common::registry();
    profile(&full).unwrap().check_fed(registry, &[]).unwrap();
    let no_birthday = full.replace("birthday = {", "death_date = {");
    let e = profile(&no_birthday)
        .unwrap()
        .check_fed(registry, &[])
        .unwrap_err();
    assert!(
        e.message.contains("`birthday`") && e.message.contains("利用者生年月日"),
        "{e}"
    );
    assert_eq!(e.line, 9, "{e}: the target's data_type line");
    // A job that sets サービス種類コード per office says so.
    let no_service = full.replace("service_code = \"51\"", "");
    let p = profile(&no_service).unwrap();
    assert!(
        p.check_fed(registry, &[])
            .unwrap_err()
            .message
            .contains("`service_code`")
    );
    p.check_fed(registry, &["service_code"]).unwrap();
    // Moved to 3.10, the kana items are ◎ too (the pipe feeds them) and `version` is filled.
    let mut p = profile(&full).unwrap();
    p.retarget(registry, Some("3.10"));
    assert_eq!(p.targets[0].spec, "3.10");
    p.check_fed(registry, &[]).unwrap();
}

#[test]
fn the_bundled_profiles_feed_every_always_required_item() {
    let registry = common::registry();
    let dir = common::root().join("samples/profiles");
    let mut seen = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        let p = Profile::load(&path, registry).unwrap();
        p.check_fed(registry, &[]).unwrap_or_else(|e| panic!("{e}"));
        for choice in ["auto", "2021", "3.10"] {
            let mut moved = p.clone();
            moved.retarget(registry, Some(choice));
            moved
                .check_fed(registry, &[])
                .unwrap_or_else(|e| panic!("{choice}: {e}"));
        }
        seen += 1;
    }
    assert!(seen >= 4, "{seen} profiles");
}

#[test]
fn a_310_target_always_carries_its_version() {
    let p = layout("", r#"last_name = { from = "姓" }"#, "")
        .replace("spec = \"2021\"", "spec = \"3.10\"");
    let f = read(&p, "事業所番号,利用者番号,姓\n1370000018,1,試験\n", None);
    assert_eq!(f.parts[0].spec, "3.10");
    assert_eq!(column(&f, "version"), some(&["0310"]));
    // A 2021 target has no `version` column.
    let f = read(
        &p.replace("spec = \"3.10\"", "spec = \"2021\""),
        "事業所番号,利用者番号,姓\n1370000018,1,試験\n",
        None,
    );
    assert!(f.parts[0].frame.column("version").is_err());
}

#[test]
fn a_target_none_of_whose_columns_is_in_the_file_makes_no_records() {
    let two = format!(
        "{}\n[[target]]\ndata_type = \"FORM_0900_2021\"\nspec = \"2021\"\nkey = [\"利用者番号\"]\n\
         key_prefix = \"A\"\n[target.columns]\n\
         barthel_index_meal = {{ from = \"食事\", transform = \"barthel\" }}\n\
         barthel_transfer = {{ from = \"移乗\", transform = \"barthel\" }}\n",
        layout("", r#"last_name = { from = "姓" }"#, "")
    );
    let f = read(&two, "事業所番号,利用者番号,姓\n1370000018,1,試験\n", None);
    assert_eq!(f.parts.len(), 1, "only SERVICE_USER_INFO");
    assert_eq!(f.parts[0].data_type, "SERVICE_USER_INFO");
    let got = findings(&f);
    assert_eq!(
        got.len(),
        1,
        "{got:?}: one finding, not one per missing column"
    );
    assert_eq!(
        (got[0].0, got[0].1, got[0].3),
        (0, "ingest.no_columns", Severity::Error)
    );
    let m = &messages(&f)[0];
    assert!(
        m.contains("FORM_0900_2021") && m.contains("食事") && m.contains("移乗"),
        "{m}"
    );
    // Both targets there: both make records, no such finding.
    let f = read(
        &two,
        "事業所番号,利用者番号,姓,食事\n1370000018,1,試験,10\n",
        None,
    );
    assert_eq!(f.parts.len(), 2);
    assert_eq!(
        rules(&f)
            .iter()
            .filter(|r| r.1 == "ingest.no_columns")
            .count(),
        0
    );
    // No target there at all: no frame, every row quarantined with its reason.
    let one = two.replace("header_min_aliases = 2", "header_min_aliases = 1");
    let f = read(
        &one,
        "事業所番号,利用者番号,氏名\n1370000018,1,試験\n",
        None,
    );
    assert!(f.parts.is_empty());
    assert_eq!((f.rows_read, f.rows_kept, f.quarantine.len()), (1, 0, 1));
}
