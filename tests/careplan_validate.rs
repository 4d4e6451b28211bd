//! `lifeline validate` on ケアプランデータ連携標準仕様 4.1 files (UPJSK_…, UPSIKYU_…, UP1KYO_…,
//! DLTPLAN_…): for every check of `pipeline/validate/careplan`, one file that passes it and one
//! that fails it, with the rule, severity, line and column of the finding. Files are built here
//! from a clean record (CP932, CRLF, no header), changed one field at a time; the send units and
//! the reports are checked through the binary.

mod common;

use std::path::Path;

use common::{joined_findings, lifeline, registry};
use lifeline::decode::TextEncoding;
use lifeline::spec::careplan::Careplan;
use lifeline::validate::careplan::{CareplanKeys, is_careplan, validate_careplan_bytes};
use lifeline::validate::{FileReport, MASK, Severity};
use serde_json::Value;

/// The service office (sender of a 実績) and the 居宅介護支援事業所 (its receiver); both pass
/// their check digits.
const OFFICE: &str = "1470090018";
const CARE_MANAGER: &str = "1470080019";
const TS: &str = "20261105093000";

fn layout() -> &'static Careplan {
    &registry().careplan
}

/// A record of `n` fields, empty but for the given (No., value).
fn record(n: usize, filled: &[(usize, &str)]) -> Vec<String> {
    let mut r = vec![String::new(); n];
    for &(no, v) in filled {
        r[no - 1] = v.to_string();
    }
    r
}

/// A clean 第6表 実績 record (UPJSK, 25 fields) for 提供年月 202610, as the bundled sample has it.
fn jsk() -> Vec<String> {
    [
        "202407",          // 1 CSVバージョン
        "144501",          // 2 保険者番号
        "9901000062",      // 3 被保険者番号
        "20261105",        // 4 作成年月日
        "202610",          // 5 対象年月
        CARE_MANAGER,      // 6 プラン担当業者コード
        "見本 能子",       // 7 プラン担当者名
        "1023",            // 8 単位数
        "",                // 9 前月までの短期入所利用日数
        "20261002",        // 10 サービス利用日
        "",                // 11 日割対象日
        "1000",            // 12 サービス開始時刻
        "1700",            // 13 サービス終了時刻
        "1",               // 14 サービス回数
        "151164",          // 15 サービスコード
        "",                // 16 TAISコード
        "",                // 17 福祉用具届出コード
        "",                // 18 用具名称
        "",                // 19 明細判別コード
        OFFICE,            // 20 サービス事業者コード
        "試験表示ホーム2", // 21 サービス事業所名
        "",                // 22 サテライト枝番
        "0",               // 23 ３０日超区分
        OFFICE,            // 24 更新業者コード
        "",                // 25 識別子
    ]
    .map(str::to_string)
    .to_vec()
}

/// `record` with the fields No. `no` (1-based) set to the values given.
fn set(mut record: Vec<String>, changes: &[(usize, &str)]) -> Vec<String> {
    for &(no, v) in changes {
        record[no - 1] = v.to_string();
    }
    record
}

/// A UPJSK record with changes.
fn jsk_with(changes: &[(usize, &str)]) -> Vec<String> {
    set(jsk(), changes)
}

/// A clean 第7表 record (UPSIKYU, 37 fields): a detail row.
fn sikyu() -> Vec<String> {
    record(
        37,
        &[
            (1, "202407"),
            (2, "144501"),
            (3, "9901000062"),
            (4, "20261101"),
            (5, "202610"),
            (6, "試験表示ホーム2"),
            (7, OFFICE),
            (9, "151164"),
            (13, "1023"),
            (16, "4"),
            (33, "0"),
        ],
    )
}

/// A clean 第1表 record (UP1KYO, 28 fields).
fn kyo1() -> Vec<String> {
    record(
        28,
        &[
            (1, "202407"),
            (2, "144501"),
            (3, "9901000062"),
            (4, "20261101"),
            (8, "見本 花子"),
            (9, "見本居宅介護支援"),
            (13, CARE_MANAGER),
            (14, "20261101"),
            (15, "20260401"),
        ],
    )
}

/// A clean 第2表 record (UP2KYO, 22 fields) of the 1表 above.
fn kyo2() -> Vec<String> {
    record(
        22,
        &[
            (1, "202407"),
            (2, "144501"),
            (3, "9901000062"),
            (4, "20261101"),
            (5, "20261101"),
            (6, "1"),
            (7, "見本の課題"),
            (8, "1"),
            (13, "1"),
            (15, "Y"),
        ],
    )
}

/// A clean 第3表 record (UP3KYO, 13 fields) of the 1表 above.
fn kyo3() -> Vec<String> {
    record(
        13,
        &[
            (1, "202407"),
            (2, "144501"),
            (3, "9901000062"),
            (4, "20261101"),
            (5, "20261101"),
            (6, "通所介護"),
            (7, "1"),
            (8, "1000"),
            (9, "1700"),
        ],
    )
}

/// A clean 補足 record (UPHOSOKU, 63 fields) linked to the 1表 above (name month 000000: No.4 the
/// 1表's 作成日, No.63 000000).
fn hosoku() -> Vec<String> {
    record(
        63,
        &[
            (1, "202407"),
            (2, "144501"),
            (3, "9901000062"),
            (4, "20261101"),
            (6, "見本 花子"),
            (7, "2"),
            (18, "23"),
            (63, "000000"),
        ],
    )
}

/// One record as a CSV line: fields holding anything but ASCII digits and letters are quoted,
/// as the free text of the layout is.
fn line(record: &[String]) -> String {
    record
        .iter()
        .map(|f| {
            if f.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
                f.clone()
            } else {
                format!("\"{}\"", f.replace('"', "\"\""))
            }
        })
        .collect::<Vec<_>>()
        .join(",")
}

/// The records as text, each line ended by CRLF.
fn text(records: &[Vec<String>]) -> String {
    records.iter().map(|r| line(r) + "\r\n").collect()
}

/// The text in CP932 (every character of the tests is in it).
fn cp932(text: &str) -> Vec<u8> {
    let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(text);
    assert!(!unmappable, "{text}");
    bytes.into_owned()
}

/// The records as a care-plan file's bytes: CP932, CRLF, no header.
fn file(records: &[Vec<String>]) -> Vec<u8> {
    cp932(&text(records))
}

/// The name of a UPJSK of `month`, from the service office to the care manager.
fn jsk_name(month: &str) -> String {
    format!("UPJSK_{month}_{OFFICE}_15_{CARE_MANAGER}_43_{TS}.CSV")
}

/// The name of a file of a care manager's kind (`UP1KYO`, `UPHOSOKU_000000` …) sent to the
/// office at `ts`.
fn plan_name(kind: &str, ts: &str) -> String {
    format!("{kind}_{CARE_MANAGER}_43_{OFFICE}_15_{ts}.CSV")
}

fn validate(name: &str, bytes: &[u8]) -> (FileReport, CareplanKeys) {
    assert!(is_careplan(layout(), name), "{name}");
    validate_careplan_bytes(name, name, bytes, layout())
}

/// Validates UPJSK records in a file named for 202610.
fn validate_jsk(records: &[Vec<String>]) -> FileReport {
    validate(&jsk_name("202610"), &file(records)).0
}

/// One finding, its check's fields filled in: (rule, severity, line, column, value).
type Found = (&'static str, Severity, u64, Option<String>, Option<String>);

/// Every finding of a report, in the report's order.
fn found(r: &FileReport) -> Vec<Found> {
    r.findings
        .findings
        .iter()
        .map(|f| {
            let c = &r.findings.checks[f.check as usize];
            (
                c.rule,
                c.severity,
                f.line,
                c.column.clone(),
                f.value.as_deref().map(str::to_string),
            )
        })
        .collect()
}

/// The findings of one rule.
fn of_rule(r: &FileReport, rule: &str) -> Vec<Found> {
    found(r).into_iter().filter(|f| f.0 == rule).collect()
}

/// The English message of the first finding of `rule`.
fn message_en(r: &FileReport, rule: &str) -> String {
    let f = r
        .findings
        .findings
        .iter()
        .find(|f| r.findings.checks[f.check as usize].rule == rule)
        .unwrap_or_else(|| panic!("no {rule}: {:#?}", found(r)));
    r.findings.checks[f.check as usize].message_en.clone()
}

fn message_ja(r: &FileReport, rule: &str) -> String {
    let f = r
        .findings
        .findings
        .iter()
        .find(|f| r.findings.checks[f.check as usize].rule == rule)
        .unwrap_or_else(|| panic!("no {rule}: {:#?}", found(r)));
    r.findings.checks[f.check as usize].message_ja.clone()
}

fn col(c: &str) -> Option<String> {
    Some(c.to_string())
}

fn val(v: &str) -> Option<String> {
    Some(v.to_string())
}

/// The report has no finding at all.
#[track_caller]
fn assert_clean(r: &FileReport) {
    assert!(r.findings.findings.is_empty(), "{:#?}", found(r));
}

/// The report's only finding is `want` (so no other rule fired on the same file).
#[track_caller]
fn assert_only(r: &FileReport, want: Found) {
    assert_eq!(found(r), [want]);
}

// --- the clean file ------------------------------------------------------------------------

#[test]
fn a_clean_upjsk_file_has_no_finding() {
    let (r, keys) = validate(
        &jsk_name("202610"),
        &file(&[jsk(), jsk_with(&[(10, "20261006")])]),
    );
    assert_clean(&r);
    assert_eq!(r.rows, 2);
    assert_eq!(r.data_type.as_deref(), Some("UPJSK"));
    assert_eq!(r.spec.as_deref(), Some("careplan-4.1"));
    assert_eq!(r.encoding, Some(TextEncoding::Cp932));
    assert_eq!(keys.kind, "UPJSK");
    let name = keys.name.expect("a well-formed name");
    assert_eq!(name.month.as_deref(), Some("202610"));
    assert_eq!(name.unit(), (OFFICE, "15", CARE_MANAGER, "43", TS));
}

// --- 1. the name -----------------------------------------------------------------------------

#[test]
fn each_bad_name_part_is_a_careplan_name_error_at_line_0() {
    // (name, what the English message names)
    let bad = [
        (
            format!("UPJSK_202613_{OFFICE}_15_{CARE_MANAGER}_43_{TS}.CSV"),
            "the name's month `202613` is not a YYYYMM month",
        ),
        (
            format!("UPJSK_202610_147009001_15_{CARE_MANAGER}_43_{TS}.CSV"),
            "the sender 事業所番号 `147009001` is not 10 digits (or a class letter)",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_15_147008001_43_{TS}.CSV"),
            "the receiver 事業所番号 `147008001` is not 10 digits (or a class letter)",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_151_{CARE_MANAGER}_43_{TS}.CSV"),
            "the sender service type `151` is not 2 characters (4.1 changed it from a 3-digit code)",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_431_{TS}.CSV"),
            "the receiver service type `431` is not 2 characters",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_43_20261105250000.CSV"),
            "the timestamp `20261105250000` is not a YYYYMMDDHHMMSS time",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_43_2026110509300.CSV"),
            "the timestamp `2026110509300` is not a YYYYMMDDHHMMSS time",
        ),
        (
            format!("UPJSK_{OFFICE}_15_{CARE_MANAGER}_43_{TS}.CSV"),
            "the name has 5 parts after `UPJSK_`, 6 expected",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_43_{TS}_1.CSV"),
            "the name has 7 parts after `UPJSK_`, 6 expected",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_43_{TS}.txt"),
            "the extension is `.txt`, not `.CSV`",
        ),
        (
            format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_43_{TS}"),
            "the extension is `.`, not `.CSV`",
        ),
    ];
    let bytes = file(&[jsk()]);
    for (name, says) in bad {
        let (r, keys) = validate(&name, &bytes);
        assert_only(
            &r,
            (
                "careplan.name",
                Severity::Error,
                0,
                None,
                Some(name.clone()),
            ),
        );
        assert!(
            message_en(&r, "careplan.name").contains(says),
            "{name}: {}",
            message_en(&r, "careplan.name")
        );
        assert!(keys.name.is_none(), "{name}: a broken name gives no parts");
        // The records are still read and checked.
        assert_eq!(r.rows, 1, "{name}");
    }
    // The good name of the same file: no finding.
    let (r, keys) = validate(&jsk_name("202610"), &bytes);
    assert!(of_rule(&r, "careplan.name").is_empty());
    assert!(keys.name.is_some());
}

#[test]
fn a_lower_case_extension_is_a_careplan_name_warning() {
    let name = format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_43_{TS}.csv");
    let (r, keys) = validate(&name, &file(&[jsk()]));
    assert_only(
        &r,
        (
            "careplan.name",
            Severity::Warning,
            0,
            None,
            Some(name.clone()),
        ),
    );
    assert!(message_en(&r, "careplan.name").contains("`.CSV` in capitals"));
    assert!(keys.name.is_some(), "the name's parts are still read");
    assert_eq!(r.errors(), 0);
}

#[test]
fn a_wrong_check_digit_of_a_name_office_is_a_value_check_digit_warning() {
    let bytes = file(&[jsk()]);
    // Sender: 1470090018 passes, 1470090019 does not.
    let name = format!("UPJSK_202610_1470090019_15_{CARE_MANAGER}_43_{TS}.CSV");
    let (r, keys) = validate(&name, &bytes);
    assert_only(
        &r,
        (
            "value.check_digit",
            Severity::Warning,
            0,
            None,
            val("1470090019"),
        ),
    );
    assert!(message_en(&r, "value.check_digit").contains("sender 事業所番号"));
    assert!(keys.name.is_some(), "a check digit does not break the name");
    // Receiver: 1470080019 passes, 1470080011 does not.
    let name = format!("UPJSK_202610_{OFFICE}_15_1470080011_43_{TS}.CSV");
    let (r, _) = validate(&name, &bytes);
    assert_only(
        &r,
        (
            "value.check_digit",
            Severity::Warning,
            0,
            None,
            val("1470080011"),
        ),
    );
    assert!(message_en(&r, "value.check_digit").contains("receiver 事業所番号"));
    // Both good.
    let (r, _) = validate(&jsk_name("202610"), &bytes);
    assert!(of_rule(&r, "value.check_digit").is_empty());
}

// --- 2. the encoding -------------------------------------------------------------------------

#[test]
fn a_utf8_file_is_a_file_encoding_error_and_its_rows_are_still_checked() {
    // Line 1 has no Japanese (its free text is empty); line 2 has; line 3 has a bad code.
    let records = [
        jsk_with(&[(7, ""), (21, "")]),
        jsk_with(&[(10, "20261006")]),
        jsk_with(&[(10, "20261009"), (23, "2")]),
    ];
    let utf8 = text(&records).into_bytes();
    let (r, _) = validate(&jsk_name("202610"), &utf8);
    assert_eq!(r.encoding, Some(TextEncoding::Utf8));
    assert_eq!(
        found(&r),
        [
            ("file.encoding", Severity::Error, 2, None, None),
            (
                "value.code",
                Severity::Error,
                3,
                col("23 ３０日超区分"),
                val("2")
            ),
        ],
        "the error is on the line of the first non-ASCII byte; the rows are checked"
    );
    assert!(message_en(&r, "file.encoding").contains("Shift_JIS (MS932) only"));
    assert_eq!(r.rows, 3);
    // With a BOM: UTF-8 from its first byte, even with no Japanese after it.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend(text(&records[..1]).into_bytes());
    let (r, _) = validate(&jsk_name("202610"), &bom);
    assert_eq!(r.encoding, Some(TextEncoding::Utf8Bom));
    assert_only(&r, ("file.encoding", Severity::Error, 1, None, None));
    assert_eq!(r.rows, 1);
}

#[test]
fn a_pure_ascii_file_passes_as_ms932() {
    let records = [jsk_with(&[(7, ""), (21, "")])];
    let bytes = text(&records).into_bytes();
    assert!(bytes.is_ascii());
    let (r, _) = validate(&jsk_name("202610"), &bytes);
    assert_clean(&r);
    assert_eq!(r.encoding, Some(TextEncoding::Cp932));
}

#[test]
fn a_cp932_file_with_japanese_passes() {
    let bytes = file(&[jsk()]);
    assert!(!bytes.is_ascii());
    assert!(std::str::from_utf8(&bytes).is_err(), "not UTF-8 by chance");
    let (r, _) = validate(&jsk_name("202610"), &bytes);
    assert_clean(&r);
    assert_eq!(r.encoding, Some(TextEncoding::Cp932));
}

// --- 3. no header ----------------------------------------------------------------------------

/// The column names of the UPJSK layout, as a header row.
fn jsk_header() -> Vec<String> {
    layout()
        .kind("UPJSK")
        .unwrap()
        .items
        .iter()
        .map(|c| c.name.clone())
        .collect()
}

#[test]
fn a_header_row_is_a_careplan_header_error_and_the_rows_after_it_are_checked() {
    let records = [
        jsk_header(),
        jsk(),
        jsk_with(&[(10, "20261006"), (23, "2")]),
    ];
    let r = validate_jsk(&records);
    assert_eq!(
        found(&r),
        [
            ("careplan.header", Severity::Error, 1, None, None),
            (
                "value.code",
                Severity::Error,
                3,
                col("23 ３０日超区分"),
                val("2")
            ),
        ]
    );
    assert_eq!(r.rows, 2, "the header is not a record");
    // Without the header: no careplan.header, and the same record is on line 2.
    let r = validate_jsk(&records[1..]);
    assert!(of_rule(&r, "careplan.header").is_empty());
    assert_eq!(
        of_rule(&r, "value.code"),
        [(
            "value.code",
            Severity::Error,
            2,
            col("23 ３０日超区分"),
            val("2")
        )]
    );
    assert_eq!(r.rows, 2);
}

#[test]
fn findings_are_on_physical_lines_whatever_the_line_ends() {
    let bad = jsk_with(&[(10, "20261006"), (23, "2")]);
    let want = |line| {
        vec![(
            "value.code",
            Severity::Error,
            line,
            col("23 ３０日超区分"),
            val("2"),
        )]
    };
    let name = jsk_name("202610");
    // LF only.
    let lf = format!("{}\n{}\n", line(&jsk()), line(&bad));
    assert_eq!(found(&validate(&name, &cp932(&lf)).0), want(2));
    // No line end after the last record.
    let open = format!("{}\r\n{}", line(&jsk()), line(&bad));
    assert_eq!(found(&validate(&name, &cp932(&open)).0), want(2));
    // A line break inside quoted free text (No.7) takes a line of its own.
    let broken = jsk_with(&[(7, "見本\r\n能子")]);
    let r = validate(&name, &file(&[broken, bad.clone()])).0;
    assert_eq!(found(&r), want(3));
    assert_eq!(r.rows, 2);
}

#[test]
fn a_blank_line_between_records_counts_as_a_line() {
    let bad = jsk_with(&[(10, "20261006"), (23, "2")]);
    let want = vec![(
        "value.code",
        Severity::Error,
        3,
        col("23 ３０日超区分"),
        val("2"),
    )];
    let name = jsk_name("202610");
    for end in ["\r\n", "\n"] {
        let blank = format!("{}{end}{end}{}{end}", line(&jsk()), line(&bad));
        let r = validate(&name, &cp932(&blank)).0;
        assert_eq!(found(&r), want, "line end {end:?}");
        assert_eq!(r.rows, 2);
    }
}

// --- 4. fields per record --------------------------------------------------------------------

#[test]
fn a_record_of_24_or_26_fields_is_a_row_field_count_error() {
    let mut short = jsk_with(&[(10, "20261006")]);
    short.pop();
    let mut long = jsk_with(&[(10, "20261009")]);
    long.push(String::new());
    let r = validate_jsk(&[jsk(), short, long]);
    assert_eq!(
        found(&r),
        [
            ("row.field_count", Severity::Error, 2, None, val("24")),
            ("row.field_count", Severity::Error, 3, None, val("26")),
        ]
    );
    assert!(message_en(&r, "row.field_count").contains("25 expected"));
    assert_eq!(r.rows, 3);
    assert_clean(&validate_jsk(&[jsk()]));
}

// --- 5. CSVバージョン ------------------------------------------------------------------------

#[test]
fn a_csv_version_of_another_edition_is_a_careplan_version_error() {
    for wrong in ["202504", "202208"] {
        let r = validate_jsk(&[jsk_with(&[(1, wrong)])]);
        assert_only(
            &r,
            (
                "careplan.version",
                Severity::Error,
                1,
                col("01 CSVバージョン"),
                val(wrong),
            ),
        );
        assert!(
            message_en(&r, "careplan.version")
                .contains("the CSVバージョン for this month is 202407"),
            "{}",
            message_en(&r, "careplan.version")
        );
    }
    assert_clean(&validate_jsk(&[jsk_with(&[(1, "202407")])]));
}

#[test]
fn two_csv_versions_in_one_file_are_an_error_on_the_later_line() {
    let r = validate_jsk(&[
        jsk(),
        jsk_with(&[(10, "20261006")]),
        jsk_with(&[(1, "202208"), (10, "20261009")]),
    ]);
    assert_only(
        &r,
        (
            "careplan.version",
            Severity::Error,
            3,
            col("01 CSVバージョン"),
            val("202208"),
        ),
    );
    assert!(message_en(&r, "careplan.version").contains("mixes CSVバージョン values"));
}

#[test]
fn a_file_of_202412_wants_csv_version_202208() {
    let dec = |version: &str| {
        jsk_with(&[
            (1, version),
            (4, "20250105"),
            (5, "202412"),
            (10, "20241202"),
        ])
    };
    let name = jsk_name("202412");
    let (r, _) = validate(&name, &file(&[dec("202208")]));
    assert_clean(&r);
    let (r, _) = validate(&name, &file(&[dec("202407")]));
    assert_only(
        &r,
        (
            "careplan.version",
            Severity::Error,
            1,
            col("01 CSVバージョン"),
            val("202407"),
        ),
    );
    assert!(message_en(&r, "careplan.version").contains("is 202208"));
}

// --- 6. values -------------------------------------------------------------------------------

/// A one-record UPJSK with `changes` has exactly the one finding `(rule, column, value)` on
/// line 1, an error.
#[track_caller]
fn assert_value_error(changes: &[(usize, &str)], rule: &'static str, column: &str, value: &str) {
    let r = validate_jsk(&[jsk_with(changes)]);
    assert_only(&r, (rule, Severity::Error, 1, col(column), val(value)));
}

#[test]
fn an_empty_required_item_is_a_value_required_error() {
    assert_value_error(&[(15, "")], "value.required", "15 サービスコード", "");
    assert_value_error(&[(2, "")], "value.required", "02 保険者番号", "");
    // Optional items may be empty (No.6, 7, 8 and 24 of the clean record are not ○).
    assert_clean(&validate_jsk(&[jsk_with(&[
        (6, ""),
        (7, ""),
        (8, ""),
        (24, ""),
    ])]));
}

#[test]
fn a_value_of_the_wrong_length_is_a_value_length_error() {
    assert_value_error(&[(2, "14450")], "value.length", "02 保険者番号", "14450");
    assert_value_error(&[(14, "100")], "value.length", "14 サービス回数", "100");
    assert_value_error(
        &[(16, "00001-0000101")],
        "value.length",
        "16 TAISコード",
        "00001-0000101",
    );
    assert!(
        message_en(&validate_jsk(&[jsk_with(&[(2, "14450")])]), "value.length")
            .contains("exactly 6")
    );
    assert_clean(&validate_jsk(&[jsk_with(&[
        (14, "99"),
        (16, "00001-000010"),
    ])]));
}

#[test]
fn a_day_that_does_not_exist_is_a_value_date_error() {
    assert_value_error(
        &[(10, "20261032")],
        "value.date",
        "10 サービス利用日",
        "20261032",
    );
    assert_value_error(
        &[(4, "20261131")],
        "value.date",
        "04 作成年月日",
        "20261131",
    );
    assert_clean(&validate_jsk(&[jsk_with(&[(10, "20261031")])]));
}

#[test]
fn a_time_past_2359_is_a_value_time_error() {
    assert_value_error(&[(12, "2400")], "value.time", "12 サービス開始時刻", "2400");
    assert_value_error(&[(13, "1760")], "value.time", "13 サービス終了時刻", "1760");
    assert_clean(&validate_jsk(&[jsk_with(&[(12, "0000"), (13, "2359")])]));
}

#[test]
fn nine_nines_is_no_time_in_no12() {
    assert_clean(&validate_jsk(&[jsk_with(&[(12, "9999")])]));
    // Not elsewhere: 9998 is no time.
    assert_value_error(&[(12, "9998")], "value.time", "12 サービス開始時刻", "9998");
}

#[test]
fn nine_nines_is_no_time_in_no13_too() {
    assert_clean(&validate_jsk(&[jsk_with(&[(12, "9999"), (13, "9999")])]));
    assert_clean(&validate_jsk(&[jsk_with(&[(13, "9999")])]));
}

#[test]
fn full_width_digits_are_a_value_digits_error() {
    assert_value_error(
        &[(2, "１４４５０１")],
        "value.digits",
        "02 保険者番号",
        "１４４５０１",
    );
    assert_value_error(
        &[(20, "147009001A")],
        "value.digits",
        "20 サービス事業者コード",
        "147009001A",
    );
    assert!(
        message_en(
            &validate_jsk(&[jsk_with(&[(2, "１４４５０１")])]),
            "value.digits"
        )
        .contains("ASCII digits")
    );
}

#[test]
fn a_value_that_is_no_integer_or_no_flag_string_is_a_value_number_or_format_error() {
    assert_value_error(&[(8, "10.5")], "value.number", "08 単位数", "10.5");
    assert_value_error(&[(14, "１")], "value.number", "14 サービス回数", "１");
    let flags = "1".repeat(30) + "2";
    assert_value_error(&[(11, &flags)], "value.format", "11 日割対象日", &flags);
    let ok = "1".repeat(5) + &"0".repeat(26);
    assert_clean(&validate_jsk(&[jsk_with(&[(8, "-120"), (11, &ok)])]));
}

#[test]
fn a_value_outside_its_codes_is_a_value_code_error() {
    assert_value_error(&[(23, "2")], "value.code", "23 ３０日超区分", "2");
    assert!(
        message_en(&validate_jsk(&[jsk_with(&[(23, "2")])]), "value.code")
            .contains("1 該当, 0 非該当")
    );
    assert_clean(&validate_jsk(&[jsk_with(&[(23, "1")])]));
}

#[test]
fn a_filled_unused_item_is_a_value_unused_warning() {
    // No.25 識別子 is 「※使用しない」: the receiver ignores it, so a value there is a warning
    // (README: `value.unused` | warning).
    let r = validate_jsk(&[jsk_with(&[(25, "1")])]);
    assert_only(
        &r,
        (
            "value.unused",
            Severity::Warning,
            1,
            col("25 識別子"),
            val("1"),
        ),
    );
    assert!(message_en(&r, "value.unused").contains("leave it empty"));
    assert_eq!(r.errors(), 0);
    assert_clean(&validate_jsk(&[jsk_with(&[(25, "")])]));
}

#[test]
fn a_fukushi_yogu_record_needs_a_tais_or_todokede_code() {
    // 171007 (福祉用具貸与) without No.16 and No.17: an error on No.16, without a value.
    let r = validate_jsk(&[jsk_with(&[(15, "171007")])]);
    assert_only(
        &r,
        (
            "value.required",
            Severity::Error,
            1,
            col("16 TAISコード"),
            None,
        ),
    );
    assert!(message_en(&r, "value.required").contains("TAISコード or 福祉用具届出コード"));
    // 67 (介護予防福祉用具貸与) too.
    let r = validate_jsk(&[jsk_with(&[(15, "671001")])]);
    assert_only(
        &r,
        (
            "value.required",
            Severity::Error,
            1,
            col("16 TAISコード"),
            None,
        ),
    );
    // With No.16, or No.17: no finding.
    assert_clean(&validate_jsk(&[jsk_with(&[
        (15, "171007"),
        (16, "00001-000010"),
    ])]));
    assert_clean(&validate_jsk(&[jsk_with(&[
        (15, "171007"),
        (17, "00001-000010"),
    ])]));
    // Other services need neither.
    assert_clean(&validate_jsk(&[jsk_with(&[(15, "151164")])]));
}

// --- 7. low confidence -----------------------------------------------------------------------

#[test]
fn a_finding_on_a_low_confidence_column_is_a_warning_that_says_so() {
    let name = format!("UPSIKYU_202610_{CARE_MANAGER}_43_{OFFICE}_15_{TS}.CSV");
    let column = layout().kind("UPSIKYU").unwrap().column(16).unwrap();
    assert!(column.low, "No.16 回数／日数 is low in items.tsv");
    let (r, _) = validate(&name, &file(&[sikyu()]));
    assert_clean(&r);
    let (r, _) = validate(&name, &file(&[set(sikyu(), &[(16, "")])]));
    assert_only(
        &r,
        (
            "value.required",
            Severity::Warning,
            1,
            col("16 回数／日数"),
            val(""),
        ),
    );
    let en = message_en(&r, "value.required");
    assert!(
        en.starts_with("required item (○) 回数／日数 is empty"),
        "{en}"
    );
    assert!(
        en.contains("(a warning: the layout text is damaged here;"),
        "{en}"
    );
    assert!(
        message_ja(&r, "value.required").contains("レイアウトの読み取りが不確かな項目のため警告")
    );
    assert_eq!(r.errors(), 0);
    // A high-confidence column of the same file stays an error.
    let (r, _) = validate(&name, &file(&[set(sikyu(), &[(13, "")])]));
    assert_only(
        &r,
        (
            "value.required",
            Severity::Error,
            1,
            col("13 単位数"),
            val(""),
        ),
    );
}

// --- 8. one month per file -------------------------------------------------------------------

#[test]
fn a_record_of_another_month_is_a_careplan_month_error() {
    let r = validate_jsk(&[jsk(), jsk_with(&[(5, "202609"), (10, "20260902")])]);
    assert_only(
        &r,
        (
            "careplan.month",
            Severity::Error,
            2,
            col("05 対象年月"),
            val("202609"),
        ),
    );
    assert!(message_en(&r, "careplan.month").contains("differs from the name's month (202610)"));
}

#[test]
fn a_service_day_outside_the_month_is_a_careplan_month_warning() {
    let r = validate_jsk(&[jsk(), jsk_with(&[(10, "20261101")])]);
    assert_only(
        &r,
        (
            "careplan.month",
            Severity::Warning,
            2,
            col("10 サービス利用日"),
            val("20261101"),
        ),
    );
    assert!(message_en(&r, "careplan.month").contains("not a day of the file's month (202610"));
    // The first and last days of the month pass.
    assert_clean(&validate_jsk(&[
        jsk_with(&[(10, "20261001")]),
        jsk_with(&[(10, "20261031")]),
    ]));
}

// --- 9. record keys --------------------------------------------------------------------------

#[test]
fn two_identical_upjsk_records_are_a_key_duplicate_warning() {
    let r = validate_jsk(&[jsk(), jsk_with(&[(10, "20261006")]), jsk()]);
    // The value is the line of the record it repeats.
    assert_only(&r, ("key.duplicate", Severity::Warning, 3, None, val("1")));
    let en = message_en(&r, "key.duplicate");
    assert!(en.contains("保険者番号 + 被保険者番号 + 対象年月"), "{en}");
    assert!(en.contains("so this is a warning"), "{en}");
    assert!(message_ja(&r, "key.duplicate").contains("前にも"));
}

#[test]
fn two_dltplan_records_with_the_same_key_are_a_key_duplicate_error() {
    let name = format!("DLTPLAN_202610_{CARE_MANAGER}_43_{OFFICE}_15_{TS}.CSV");
    let del = |insured: &str| {
        ["202407", "144501", insured, "202610"]
            .map(str::to_string)
            .to_vec()
    };
    let (r, _) = validate(&name, &file(&[del("9901000062"), del("9901000063")]));
    assert_clean(&r);
    let (r, _) = validate(
        &name,
        &file(&[del("9901000062"), del("9901000063"), del("9901000062")]),
    );
    assert_only(&r, ("key.duplicate", Severity::Error, 3, None, val("1")));
    let en = message_en(&r, "key.duplicate");
    assert!(!en.contains("warning"), "{en}");
    assert!(message_ja(&r, "key.duplicate").contains("前にも"));
    // A DLTPLAN's month is its No.4 削除対象年月.
    let mut other = del("9901000063");
    other[3] = "202609".into();
    let (r, _) = validate(&name, &file(&[del("9901000062"), other]));
    assert_only(
        &r,
        (
            "careplan.month",
            Severity::Error,
            2,
            col("04 削除対象年月"),
            val("202609"),
        ),
    );
}

// --- the value checks of columns that share a name -------------------------------------------

#[test]
fn a_finding_names_its_own_column_when_two_share_a_name() {
    // UP3KYO No.8 and No.11 are both 開始時間.
    let name = plan_name("UP3KYO", TS);
    let (r, _) = validate(&name, &file(&[set(kyo3(), &[(8, "2500")])]));
    assert_only(
        &r,
        (
            "value.time",
            Severity::Error,
            1,
            col("08 開始時間"),
            val("2500"),
        ),
    );
    let (r, _) = validate(&name, &file(&[set(kyo3(), &[(11, "2500")])]));
    assert_only(
        &r,
        (
            "value.time",
            Severity::Error,
            1,
            col("11 開始時間"),
            val("2500"),
        ),
    );
}

#[test]
fn two_columns_that_share_a_name_give_two_findings_on_one_line() {
    // Both 開始時間 (No.8 and No.11) wrong, with the same value, on one line.
    let name = plan_name("UP3KYO", TS);
    let (r, _) = validate(&name, &file(&[set(kyo3(), &[(8, "2500"), (11, "2500")])]));
    assert_eq!(
        found(&r),
        [
            (
                "value.time",
                Severity::Error,
                1,
                col("08 開始時間"),
                val("2500")
            ),
            (
                "value.time",
                Severity::Error,
                1,
                col("11 開始時間"),
                val("2500")
            ),
        ]
    );
}

#[test]
fn a_later_finding_on_a_column_named_like_an_earlier_one_names_its_own_column() {
    let name = plan_name("UP3KYO", TS);
    let (r, _) = validate(
        &name,
        &file(&[
            set(kyo3(), &[(8, "2500")]),
            set(kyo3(), &[(4, "20261102"), (11, "2500")]),
        ]),
    );
    assert_eq!(
        found(&r),
        [
            (
                "value.time",
                Severity::Error,
                1,
                col("08 開始時間"),
                val("2500")
            ),
            (
                "value.time",
                Severity::Error,
                2,
                col("11 開始時間"),
                val("2500")
            ),
        ]
    );
}

// --- 10. send units, through the binary ------------------------------------------------------

/// Exit code and the JSON report of `lifeline validate --format json` on `paths`.
fn validate_cli(paths: &[&Path]) -> (Option<i32>, Value) {
    let mut args = vec!["validate".to_string(), "--format".into(), "json".into()];
    args.extend(paths.iter().map(|p| p.display().to_string()));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let o = lifeline(&args);
    let report: Value = serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "one JSON document ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&o.stderr)
        )
    });
    (o.status.code(), report)
}

/// The file name of a path in a report.
fn file_name(path: &Value) -> String {
    let path = path.as_str().expect("a path");
    Path::new(path)
        .file_name()
        .expect("a file name")
        .to_string_lossy()
        .into_owned()
}

/// A finding of a JSON report: (file name, rule, severity, line, value); the line is `None`
/// for the file as a whole.
type CliFound = (String, String, String, Option<u64>, Option<String>);

/// Every finding of a JSON report.
fn cli_found(report: &Value) -> Vec<CliFound> {
    joined_findings(report)
        .iter()
        .map(|f| {
            (
                file_name(&f["file"]),
                f["rule"].as_str().unwrap().to_string(),
                f["severity"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
                f["value"].as_str().map(str::to_string),
            )
        })
        .collect()
}

/// A folder holding these files.
fn folder(files: &[(String, Vec<u8>)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, bytes) in files {
        std::fs::write(dir.path().join(name), bytes).unwrap();
    }
    dir
}

fn unit_file(kind: &str, ts: &str) -> (String, Vec<u8>) {
    let record = match kind {
        "UP1KYO" => kyo1(),
        "UP2KYO" => kyo2(),
        "UP3KYO" => kyo3(),
        "UPHOSOKU_000000" => hosoku(),
        _ => unreachable!("{kind}"),
    };
    (plan_name(kind, ts), file(&[record]))
}

/// The `careplan.unit` findings of a JSON report: (file name, severity, message_en, line).
fn unit_findings(report: &Value) -> Vec<(String, String, String, Option<u64>)> {
    joined_findings(report)
        .iter()
        .filter(|f| f["rule"] == "careplan.unit")
        .map(|f| {
            (
                file_name(&f["file"]),
                f["severity"].as_str().unwrap().to_string(),
                f["message_en"].as_str().unwrap().to_string(),
                f["line"].as_u64(),
            )
        })
        .collect()
}

#[test]
fn a_complete_send_unit_validates_with_exit_0() {
    let dir = folder(&[
        unit_file("UP1KYO", TS),
        unit_file("UP2KYO", TS),
        unit_file("UP3KYO", TS),
        unit_file("UPHOSOKU_000000", TS),
    ]);
    let (code, report) = validate_cli(&[dir.path()]);
    assert_eq!(cli_found(&report), [], "{report:#}");
    assert_eq!(code, Some(0));
    let files = report["files"].as_array().unwrap();
    let kinds: Vec<&str> = files
        .iter()
        .map(|f| f["data_type"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["UP1KYO", "UP2KYO", "UP3KYO", "UPHOSOKU"]);
    assert!(files.iter().all(|f| f["rows"] == 1), "{files:#?}");
}

#[test]
fn a_1kyo_without_its_3kyo_and_hosoku_is_a_careplan_unit_error_naming_each() {
    let dir = folder(&[unit_file("UP1KYO", TS), unit_file("UP2KYO", TS)]);
    let (code, report) = validate_cli(&[dir.path()]);
    assert_eq!(code, Some(1));
    let up1 = plan_name("UP1KYO", TS);
    assert_eq!(
        unit_findings(&report),
        [
            (
                up1.clone(),
                "error".into(),
                format!(
                    "UP1KYO travels with UP3KYO, but the folder has no UP3KYO of the same sender, receiver and timestamp {TS}"
                ),
                None,
            ),
            (
                up1.clone(),
                "error".into(),
                format!(
                    "UP1KYO travels with UPHOSOKU, but the folder has no UPHOSOKU of the same sender, receiver and timestamp {TS}"
                ),
                None,
            ),
        ],
        "the UP2KYO has its 1表: no finding"
    );
    // Nothing else.
    assert_eq!(cli_found(&report).len(), 2, "{:#?}", cli_found(&report));
}

#[test]
fn a_hosoku_linked_to_a_1kyo_has_a_real_plan_date_and_month_000000() {
    let name = plan_name("UPHOSOKU_000000", TS);
    let (r, keys) = validate(&name, &file(&[hosoku()]));
    assert_clean(&r);
    assert_eq!(keys.name.unwrap().month.as_deref(), Some("000000"));
    // No.4 is the 1表's 作成（変更）日 here: 00000000 is not a date.
    let (r, _) = validate(&name, &file(&[set(hosoku(), &[(4, "00000000")])]));
    assert_only(
        &r,
        (
            "value.date",
            Severity::Error,
            1,
            col("04 居宅サービス計画作成（変更）日"),
            val("00000000"),
        ),
    );
    // No.63 is 000000, the name's month.
    let (r, _) = validate(&name, &file(&[set(hosoku(), &[(63, "202610")])]));
    assert_only(
        &r,
        (
            "careplan.month",
            Severity::Error,
            1,
            col("63 対象年月"),
            val("202610"),
        ),
    );
    // Linked to a 6表 of 202610: No.4 00000000 and No.63 the month.
    let plan = plan_name("UPHOSOKU_202610", TS);
    let linked = set(hosoku(), &[(4, "00000000"), (63, "202610")]);
    assert_clean(&validate(&plan, &file(&[linked])).0);
}

#[test]
fn a_hosoku_of_a_plan_month_does_not_complete_a_1kyo_unit() {
    // The 補足 of a 1表 has month 000000; one of a 6表 month (here 202610) is of another unit.
    let hosoku_of_plan = (
        plan_name("UPHOSOKU_202610", TS),
        file(&[set(hosoku(), &[(4, "00000000"), (63, "202610")])]),
    );
    let dir = folder(&[
        unit_file("UP1KYO", TS),
        unit_file("UP2KYO", TS),
        unit_file("UP3KYO", TS),
        hosoku_of_plan,
    ]);
    let (code, report) = validate_cli(&[dir.path()]);
    assert_eq!(code, Some(1));
    let rules: Vec<(String, String)> = cli_found(&report).into_iter().map(|f| (f.0, f.1)).collect();
    assert_eq!(
        rules,
        [(plan_name("UP1KYO", TS), "careplan.unit".to_string())],
        "{report:#}"
    );
    assert!(
        unit_findings(&report)[0]
            .2
            .contains("travels with UPHOSOKU")
    );
}

#[test]
fn a_2kyo_of_another_timestamp_than_its_1kyo_is_a_careplan_unit_error() {
    let other = "20261105093001";
    let dir = folder(&[
        unit_file("UP1KYO", TS),
        unit_file("UP2KYO", other),
        unit_file("UP3KYO", TS),
        unit_file("UPHOSOKU_000000", TS),
    ]);
    let (code, report) = validate_cli(&[dir.path()]);
    assert_eq!(code, Some(1));
    assert_eq!(
        unit_findings(&report),
        [
            (
                plan_name("UP1KYO", TS),
                "error".into(),
                format!(
                    "UP1KYO travels with UP2KYO, but the folder has no UP2KYO of the same sender, receiver and timestamp {TS}"
                ),
                None,
            ),
            (
                plan_name("UP2KYO", other),
                "error".into(),
                format!(
                    "UP2KYO travels with UP1KYO, but the folder has no UP1KYO of the same sender, receiver and timestamp {other}"
                ),
                None,
            ),
        ]
    );
    assert_eq!(cli_found(&report).len(), 2, "{report:#}");
}

#[test]
fn warnings_alone_exit_0() {
    // A lower-case extension and an unused item filled: two warnings, no error.
    let name = format!("UPJSK_202610_{OFFICE}_15_{CARE_MANAGER}_43_{TS}.csv");
    let dir = folder(&[(name.clone(), file(&[jsk_with(&[(25, "1")])]))]);
    let (code, report) = validate_cli(&[&dir.path().join(&name)]);
    assert_eq!(code, Some(0), "{report:#}");
    assert_eq!(
        cli_found(&report),
        [
            (
                name.clone(),
                "careplan.name".into(),
                "warning".into(),
                None,
                Some(name.clone())
            ),
            (
                name.clone(),
                "value.unused".into(),
                "warning".into(),
                Some(1),
                val("1")
            ),
        ]
    );
    assert_eq!(report["files"][0]["warnings"], 2);
    assert_eq!(report["files"][0]["errors"], 0);
}

#[test]
fn a_single_file_is_not_checked_for_its_unit() {
    let dir = folder(&[unit_file("UP1KYO", TS)]);
    let path = dir.path().join(plan_name("UP1KYO", TS));
    let (code, report) = validate_cli(&[&path]);
    assert_eq!(code, Some(0), "{report:#}");
    assert!(unit_findings(&report).is_empty());
}

// --- 11. masking -----------------------------------------------------------------------------

#[test]
fn findings_on_personal_columns_show_the_mask_never_the_value() {
    // No.3 被保険者番号 not digits (line 1) and too long (line 2); No.23 is no personal data.
    let jsk_bytes = file(&[
        jsk_with(&[(3, "990100006X")]),
        jsk_with(&[(3, "99010000621"), (10, "20261006")]),
        jsk_with(&[(10, "20261009"), (23, "7")]),
    ]);
    // UPHOSOKU No.12 利用者電話番号 (free text, 15 at most) too long.
    let phone = "045-123-4567-8901";
    let hosoku_bytes = file(&[set(hosoku(), &[(12, phone)])]);
    let dir = folder(&[
        (jsk_name("202610"), jsk_bytes.clone()),
        (plan_name("UPHOSOKU_000000", TS), hosoku_bytes.clone()),
    ]);
    let (code, report) = validate_cli(&[dir.path()]);
    assert_eq!(code, Some(1));
    let by_line: Vec<(String, Option<u64>, Option<String>)> = cli_found(&report)
        .into_iter()
        .map(|f| (f.1, f.3, f.4))
        .collect();
    assert_eq!(
        by_line,
        [
            // UPHOSOKU (sorted first by name)
            ("value.length".into(), Some(1), val(MASK)),
            ("value.digits".into(), Some(1), val(MASK)),
            ("value.length".into(), Some(2), val(MASK)),
            ("value.code".into(), Some(3), val("7")),
        ],
        "{report:#}"
    );
    let raw = report.to_string();
    for secret in ["990100006X", "99010000621", phone] {
        assert!(!raw.contains(secret), "{secret} in {raw}");
    }
    // The library's report masks the same way.
    let (r, _) = validate(&jsk_name("202610"), &jsk_bytes);
    assert_eq!(
        found(&r)[0],
        (
            "value.digits",
            Severity::Error,
            1,
            col("03 被保険者番号"),
            val(MASK)
        )
    );
    let (r, _) = validate(&plan_name("UPHOSOKU_000000", TS), &hosoku_bytes);
    assert_only(
        &r,
        (
            "value.length",
            Severity::Error,
            1,
            col("12 利用者電話番号"),
            val(MASK),
        ),
    );
}

// --- 12. the CLI, end to end -----------------------------------------------------------------

#[test]
fn the_bundled_careplan_samples_validate_clean() {
    let dir = common::root().join("samples/vendor/careplan");
    let (code, report) = validate_cli(&[&dir]);
    assert_eq!(code, Some(0), "{report:#}");
    let files = report["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        assert_eq!(f["data_type"], "UPJSK", "{f}");
        assert_eq!(f["encoding"], "CP932", "{f}");
        assert_eq!(f["errors"], 0, "{f}");
        assert_eq!(f["warnings"], 0, "{f}");
        assert!(f["rows"].as_u64().unwrap() > 0, "{f}");
    }
    assert_eq!(cli_found(&report), []);
}

#[test]
fn a_folder_of_a_bad_careplan_file_and_a_life_file_reports_both() {
    let life = "SERVICE_USER_INFO_1_20261101.csv";
    let life_bytes = std::fs::read(common::root().join("samples/life").join(life)).unwrap();
    let dir = folder(&[
        (jsk_name("202610"), file(&[jsk_with(&[(23, "2")])])),
        (life.to_string(), life_bytes),
    ]);
    let (code, report) = validate_cli(&[dir.path()]);
    assert_eq!(code, Some(1), "{report:#}");
    let files = report["files"].as_array().unwrap();
    let types: Vec<(String, &str)> = files
        .iter()
        .map(|f| (file_name(&f["path"]), f["data_type"].as_str().unwrap()))
        .collect();
    let jsk = jsk_name("202610");
    assert_eq!(
        types,
        [
            (life.to_string(), "SERVICE_USER_INFO"),
            (jsk.clone(), "UPJSK")
        ]
    );
    assert_eq!(files[0]["errors"], 0, "{report:#}");
    assert_eq!(files[1]["errors"], 1, "{report:#}");
    assert_eq!(files[1]["spec"], "careplan-4.1");
    assert_eq!(
        cli_found(&report)
            .into_iter()
            .filter(|f| f.2 == "error")
            .collect::<Vec<_>>(),
        [(
            jsk.clone(),
            "value.code".to_string(),
            "error".to_string(),
            Some(1),
            val("2")
        )]
    );
    // And in text, both files are named.
    let o = lifeline(&["validate", &dir.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let out = String::from_utf8_lossy(&o.stdout);
    assert!(out.contains(life) && out.contains(&jsk), "{out}");
}

// --- 13. the users of a file -----------------------------------------------------------------

#[test]
fn careplan_keys_list_each_user_once_with_the_line_of_their_first_record() {
    let records = [
        jsk(),                                                           // 1: A
        jsk_with(&[(10, "20261006")]),                                   // 2: A again
        jsk_with(&[(3, "9901000070"), (5, "202609"), (10, "20260903")]), // 3: B, wrong month
        jsk_with(&[(3, "99010000８0")]), // 4: C, malformed 被保険者番号
        jsk_with(&[(2, "14450"), (3, "9901000088")]), // 5: D, malformed 保険者番号
        jsk_with(&[(3, "9901000096")]),  // 6: E
        jsk_with(&[(3, "9901000070"), (10, "20261007")]), // 7: B, the file's month
        jsk_with(&[(3, "H123456789")]),  // 8: 生保単独
    ];
    let (r, keys) = validate(&jsk_name("202610"), &file(&records));
    assert_eq!(r.rows, 8);
    let users: Vec<(&str, &str, u64)> = keys
        .users
        .iter()
        .map(|(a, b, l)| (a.as_str(), b.as_str(), *l))
        .collect();
    assert_eq!(
        users,
        [
            ("144501", "9901000062", 1),
            ("144501", "9901000096", 6),
            ("144501", "9901000070", 7),
            ("144501", "H123456789", 8),
        ]
    );
    // The left-out records are the ones with findings.
    let lines: Vec<(u64, &str)> = found(&r).iter().map(|f| (f.2, f.0)).collect();
    assert_eq!(
        lines,
        [
            (3, "careplan.month"),
            (4, "value.digits"),
            (5, "value.length")
        ]
    );
}

#[test]
fn a_record_with_a_wrong_field_count_gives_no_user() {
    let mut short = jsk_with(&[(3, "9901000096")]);
    short.pop();
    let (_, keys) = validate(&jsk_name("202610"), &file(&[short, jsk()]));
    assert_eq!(
        keys.users,
        [("144501".to_string(), "9901000062".to_string(), 2)]
    );
}

// --- the path entry point --------------------------------------------------------------------

#[test]
fn validate_careplan_path_reads_the_file_as_the_bytes_are_read() {
    let sample = common::root().join(
        "samples/vendor/careplan/UPJSK_202610_1470090018_15_1470080019_43_20261105093000.CSV",
    );
    let (by_path, keys) =
        lifeline::validate::careplan::validate_careplan_path(&sample, layout()).unwrap();
    let bytes = std::fs::read(&sample).unwrap();
    let name = sample.file_name().unwrap().to_str().unwrap();
    let (by_bytes, _) = validate(name, &bytes);
    assert_clean(&by_path);
    assert_eq!(by_path.rows, by_bytes.rows);
    assert!(by_path.rows > 0);
    assert!(!keys.users.is_empty());
    assert!(
        keys.users
            .iter()
            .all(|(insurer, insured, _)| { insurer.len() == 6 && insured.len() == 10 })
    );
}

// --- found in review ----------------------------------------------------------------------

/// Only line 1 can be a header: a later record whose CSVバージョン is not ASCII digits is a
/// record with a wrong version, checked like the others.
#[test]
fn only_the_first_record_is_taken_for_a_header() {
    let wide = jsk_with(&[(1, "２０２４０７")]);
    let r = validate_jsk(&[wide.clone(), wide.clone(), jsk()]);
    assert_eq!(r.rows, 2);
    assert_eq!(of_rule(&r, "careplan.header").len(), 1);
    assert_eq!(of_rule(&r, "careplan.header")[0].2, 1);
    // Line 2's version is checked: the file's first version is line 2's, so line 3 mixes.
    assert_eq!(
        of_rule(&r, "careplan.version"),
        [
            (
                "careplan.version",
                Severity::Error,
                2,
                col("01 CSVバージョン"),
                val("２０２４０７")
            ),
            (
                "careplan.version",
                Severity::Error,
                3,
                col("01 CSVバージョン"),
                val("202407")
            ),
        ]
    );
}

/// A quote left open takes the rest of the file: an error on its record's line.
#[test]
fn a_quote_never_closed_is_an_error_on_its_line() {
    let records = [
        jsk(),
        jsk_with(&[(10, "20261006")]),
        jsk_with(&[(10, "20261007")]),
    ];
    let lines: Vec<String> = records.iter().map(|r| line(r) + "\r\n").collect();
    // Line 2's No.7 opens its quote and never closes it.
    let open = lines[1].replacen("\"見本 能子\"", "\"見本 能子", 1);
    assert_ne!(open, lines[1]);
    let text = format!("{}{open}{}", lines[0], lines[2]);
    let (r, keys) = validate(&jsk_name("202610"), &cp932(&text));
    let quote = of_rule(&r, "row.unterminated_quote");
    assert_eq!(quote.len(), 1, "{:#?}", found(&r));
    assert_eq!(quote[0].2, 2);
    // The open record ran on into line 3: its fields are not the layout's.
    assert_eq!(of_rule(&r, "row.field_count")[0].2, 2);
    assert_eq!(keys.users.len(), 1, "line 1's user");
    // Quotes that close, and doubled quotes inside, are no finding.
    let mut fine = jsk();
    fine[6] = "見本 \"能子\"".into();
    assert_clean(&validate_jsk(&[fine]));
}

/// A file with no record (empty, or blank lines only) is an error, not a clean file.
#[test]
fn a_file_without_records_is_file_empty() {
    for bytes in [&b""[..], b"\r\n\r\n"] {
        let (r, keys) = validate(&jsk_name("202610"), bytes);
        assert_eq!(r.rows, 0);
        assert!(
            found(&r)
                .iter()
                .any(|f| f.0 == "file.empty" && f.1 == Severity::Error),
            "{:#?}",
            found(&r)
        );
        assert!(keys.users.is_empty());
    }
}

/// An office number in the name must be digits (a class letter allowed), not any 10 bytes.
#[test]
fn a_name_office_number_of_other_characters_is_a_name_error() {
    let name = format!("UPJSK_202610_14700900ab_15_{CARE_MANAGER}_43_{TS}.CSV");
    let (r, keys) = validate(&name, &file(&[jsk()]));
    assert!(keys.name.is_none());
    assert!(
        message_en(&r, "careplan.name").contains("is not 10 digits"),
        "{:#?}",
        found(&r)
    );
}

/// 第7表: a 福祉用具貸与 detail row needs its TAIS or 届出 code; 小計 and 全合計 rows carry
/// 単位数 0, no 割引後 values, and the 全合計 row 事業所コード 9999999999.
#[test]
fn sikyu_rental_rows_and_subtotal_rows() {
    let name = format!("UPSIKYU_202610_{CARE_MANAGER}_43_{OFFICE}_15_{TS}.CSV");
    let check = |records: &[Vec<String>]| validate(&name, &file(records)).0;
    let rental = set(sikyu(), &[(9, "171007")]);
    let r = check(std::slice::from_ref(&rental));
    assert_only(
        &r,
        (
            "value.required",
            Severity::Error,
            1,
            col("10 TAISコード"),
            None,
        ),
    );
    assert_clean(&check(&[set(rental, &[(11, "00001-000010")])]));
    // A 小計 row of type 17 needs no TAIS code; a clean one and a clean 全合計.
    let subtotal = set(sikyu(), &[(9, "17AAAA"), (13, "0")]);
    let total = set(sikyu(), &[(7, "9999999999"), (9, "999999"), (13, "0")]);
    assert_clean(&check(&[subtotal.clone(), total.clone()]));
    let r = check(&[
        set(subtotal, &[(13, "1023"), (15, "1000")]),
        set(total, &[(7, OFFICE)]),
    ]);
    assert_eq!(
        found(&r),
        [
            (
                "careplan.subtotal",
                Severity::Error,
                1,
                col("13 単位数"),
                val("1023")
            ),
            (
                "careplan.subtotal",
                Severity::Error,
                1,
                col("15 割引後単位数"),
                val("1000")
            ),
            (
                "careplan.subtotal",
                Severity::Error,
                2,
                col("07 サービス事業所コード"),
                val(OFFICE)
            ),
        ]
    );
}
