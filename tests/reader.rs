//! The LIFE reader: encodings, line endings, quoting, column order, and broken input.

mod common;

use encoding_rs::SHIFT_JIS;
use lifeline::decode::{DecodeError, LINE, ReadIssue, TextEncoding, read_life_file};
use polars::prelude::*;

fn col(f: &lifeline::decode::LifeFile, name: &str) -> Vec<Option<String>> {
    f.frame
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

fn lines(f: &lifeline::decode::LifeFile) -> Vec<u64> {
    f.frame
        .column(LINE)
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect()
}

fn cp932(s: &str) -> Vec<u8> {
    let (b, _, unmappable) = SHIFT_JIS.encode(s);
    assert!(!unmappable);
    b.into_owned()
}

#[test]
fn reads_the_help_desk_sample_cp932_lf_no_final_newline() {
    let bytes =
        std::fs::read(common::official_spec().join("life-2021/SERVICE_USER_INFO_2021_sample.csv"))
            .unwrap();
    assert!(!bytes.ends_with(b"\n"));
    let f = read_life_file(&bytes);
    assert_eq!(f.issues, []);
    assert_eq!(f.encoding, Some(TextEncoding::Cp932));
    assert_eq!(f.data_type, "SERVICE_USER_INFO");
    assert_eq!(f.header.len(), 10);
    assert_eq!(f.rows(), 1);
    assert_eq!(lines(&f), [3]);
    assert_eq!(col(&f, "gender"), [Some("1".to_string())]);
    assert_eq!(
        col(&f, "care_facility_id"),
        [Some("9999999999".to_string())]
    );
}

#[test]
fn line_endings_crlf_cr_and_lf_give_the_same_lines() {
    for sep in ["\r\n", "\r", "\n"] {
        let text = ["SERVICE_USER_INFO", "a,b", "1,2", "3,4"].join(sep) + sep;
        let f = read_life_file(text.as_bytes());
        assert_eq!(f.issues, [], "{sep:?}");
        assert_eq!(lines(&f), [3, 4], "{sep:?}");
        assert_eq!(
            col(&f, "b"),
            [Some("2".into()), Some("4".into())],
            "{sep:?}"
        );
    }
}

#[test]
fn utf8_with_and_without_bom() {
    let f = read_life_file("\u{FEFF}SERVICE_USER_INFO\r\nlast_name\r\n見本\r\n".as_bytes());
    assert_eq!(f.encoding, Some(TextEncoding::Utf8Bom));
    assert_eq!(f.data_type, "SERVICE_USER_INFO");
    assert_eq!(col(&f, "last_name"), [Some("見本".into())]);
    let f = read_life_file("SERVICE_USER_INFO\r\nlast_name\r\n見本\r\n".as_bytes());
    assert_eq!(f.encoding, Some(TextEncoding::Utf8));
}

#[test]
fn quoting_doubled_quotes_embedded_commas_and_line_breaks() {
    let text = "X\r\na,b\r\n\"he said \"\"hi\"\", ok\",\"two\r\nlines\"\r\n\"\",3\r\n";
    let f = read_life_file(text.as_bytes());
    assert_eq!(f.issues, []);
    assert_eq!(col(&f, "a"), [Some("he said \"hi\", ok".into()), None]);
    assert_eq!(
        col(&f, "b"),
        [Some("two\r\nlines".into()), Some("3".into())]
    );
    // The second row starts on physical line 5: the first spans lines 3 and 4.
    assert_eq!(lines(&f), [3, 5]);
}

#[test]
fn cp932_extension_characters_and_0x5c_second_bytes() {
    // ① ㈱ (NEC row 13), 髙 (IBM extension), 表 ソ 能 (second byte 0x5C, the ASCII backslash).
    let names = "①㈱髙表ソ能～";
    let bytes = cp932(&format!(
        "SERVICE_USER_INFO\r\nlast_name,remarks\r\n\"{names}\",\"表,ソ\"\r\n"
    ));
    assert!(
        bytes.windows(2).any(|w| w == [0x95, 0x5C]),
        "表 is 0x95 0x5C"
    );
    let f = read_life_file(&bytes);
    assert_eq!(f.encoding, Some(TextEncoding::Cp932));
    assert_eq!(f.issues, []);
    assert_eq!(col(&f, "last_name"), [Some(names.into())]);
    assert_eq!(col(&f, "remarks"), [Some("表,ソ".into())]);
}

#[test]
fn columns_in_any_order_and_optional_columns_absent() {
    use common::{USER_HEADER, user_row, validate_lines};
    let header: Vec<&str> = USER_HEADER.split(',').collect();
    let row = user_row(&[]);
    let values: Vec<&str> = row.split(',').collect();
    // Reverse the column order; drop the optional kana and remarks columns.
    let keep: Vec<usize> = (0..header.len())
        .rev()
        .filter(|&i| !matches!(header[i], "last_name_kana" | "first_name_kana" | "remarks"))
        .collect();
    let h: Vec<&str> = keep.iter().map(|&i| header[i]).collect();
    let v: Vec<&str> = keep.iter().map(|&i| values[i]).collect();
    let r = validate_lines(&["SERVICE_USER_INFO", &h.join(","), &v.join(",")]);
    assert_eq!(common::found(&r), []);
}

#[test]
fn empty_binary_utf16_and_undecodable_files_are_issues_not_panics() {
    assert_eq!(
        read_life_file(b"").issues,
        [ReadIssue::Decode(DecodeError::Empty)]
    );
    assert!(matches!(
        read_life_file(b"SERVICE_USER_INFO\r\na\r\n\x00\x01").issues[..],
        [ReadIssue::Decode(DecodeError::Binary { line: 3, byte: 1 })]
    ));
    assert_eq!(
        read_life_file(b"\xFF\xFEA\x00").issues,
        [ReadIssue::Decode(DecodeError::Utf16)]
    );
    // 0x85 0x40 is not a CP932 character and not UTF-8; reported where it is.
    let mut bytes = cp932("SERVICE_USER_INFO\r\nlast_name\r\n見本\r\n見");
    bytes.extend_from_slice(b"\x85\x40\r\n");
    match &read_life_file(&bytes).issues[..] {
        [
            ReadIssue::Decode(DecodeError::Neither {
                line,
                byte,
                closest,
                ..
            }),
        ] => {
            assert_eq!((*line, *byte, *closest), (4, 3, "CP932"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn truncated_files() {
    let f = read_life_file(b"SERVICE_USER_INFO\r\na,b,c\r\n1,2,3\r\n4,\"5");
    assert_eq!(f.rows(), 1);
    assert!(
        f.issues.contains(&ReadIssue::UnterminatedQuote { line: 4 }),
        "{:?}",
        f.issues
    );
    let f = read_life_file(b"SERVICE_USER_INFO\r\na,b,c\r\n1,2,3\r\n4,5");
    assert_eq!(
        f.issues,
        [ReadIssue::FieldCount {
            line: 4,
            expected: 3,
            found: 2
        }]
    );
    assert_eq!(
        read_life_file(b"SERVICE_USER_INFO").issues,
        [ReadIssue::NoHeader]
    );
    assert_eq!(
        read_life_file(b"care_facility_id,service_code\r\n1,2\r\n").issues,
        [ReadIssue::HeaderOnLine1]
    );
    assert_eq!(
        read_life_file(b"SERVICE_USER_INFO\r\na,a\r\n1,2\r\n").issues,
        [ReadIssue::DuplicateColumn {
            line: 2,
            name: "a".into()
        }]
    );
}

#[test]
fn a_large_file_reads_every_row() {
    let mut text = String::from("FORM_0600_2021\r\ncare_facility_id,evaluate_date\r\n");
    for i in 0..100_000 {
        text.push_str(&format!("1370000018,2026{:04}\r\n", i % 1231));
    }
    let f = read_life_file(text.as_bytes());
    assert_eq!(f.rows(), 100_000);
    assert_eq!(lines(&f).last(), Some(&100_002));
    let sum: u64 = f.frame.column(LINE).unwrap().u64().unwrap().sum().unwrap();
    assert_eq!(sum, (3..100_003u64).sum::<u64>());
}

#[test]
fn cp932_heavy_with_half_width_kana_decodes() {
    // One half-width kana byte becomes three UTF-8 bytes: the output outgrows the input a lot.
    let kana = "ｱｲｳｴｵｶｷｸｹｺ".repeat(50);
    let bytes = cp932(&format!(
        "SERVICE_USER_INFO\r\nlast_name_kana,remarks\r\nﾐﾎﾝ,{kana}\r\n"
    ));
    let f = read_life_file(&bytes);
    assert_eq!(f.issues, []);
    assert_eq!(f.encoding, Some(TextEncoding::Cp932));
    assert_eq!(col(&f, "remarks"), [Some(kana)]);
}

#[test]
fn cp932_that_is_also_valid_utf8_is_read_as_cp932() {
    // ﾅｶ ﾏｷ in CP932 is C5 B6 20 CF B7, which is also valid UTF-8 (Ŷ Ϸ).
    let bytes = cp932("SERVICE_USER_INFO\r\nlast_name_kana\r\nﾅｶ ﾏｷ\r\n");
    assert!(std::str::from_utf8(&bytes).is_ok());
    let f = read_life_file(&bytes);
    assert_eq!(f.encoding, Some(TextEncoding::Cp932));
    assert_eq!(col(&f, "last_name_kana"), [Some("ﾅｶ ﾏｷ".into())]);
    // Real UTF-8 Japanese stays UTF-8.
    assert_eq!(
        read_life_file("X\r\na\r\nﾅｶ 見本\r\n".as_bytes()).encoding,
        Some(TextEncoding::Utf8)
    );
}

#[test]
fn quotes_on_line_1_or_2_swallow_nothing_into_the_report() {
    let f = read_life_file("\"SERVICE_USER_INFO\r\na\r\n見本\r\n".as_bytes());
    assert_eq!(f.issues, [ReadIssue::UnterminatedQuote { line: 1 }]);
    assert_eq!(f.data_type, "");
    let f = read_life_file("SERVICE_USER_INFO\r\n\"a,b\r\n1,見本\r\n".as_bytes());
    assert_eq!(f.issues, [ReadIssue::UnterminatedQuote { line: 2 }]);
    assert!(f.header.is_empty());
}

#[test]
fn quote_state_follows_csv_rules() {
    // A quote inside an unquoted field is literal: no error, even in the last row.
    let f = read_life_file(b"X\r\na,b\r\n1,2\r\nU0\"02,3\r\n");
    assert_eq!(f.issues, []);
    assert_eq!(col(&f, "a"), [Some("1".into()), Some("U0\"02".into())]);
    // A quote that opens a field on line 4 and never closes, with an even number of quotes.
    let f = read_life_file(b"X\r\na,b\r\n1,2\r\nU0\"02,\"x\r\n5,6\r\n");
    assert!(
        f.issues.contains(&ReadIssue::UnterminatedQuote { line: 4 }),
        "{:?}",
        f.issues
    );
}

#[test]
fn blank_lines_are_reported() {
    assert_eq!(
        read_life_file(b"\r\nSERVICE_USER_INFO\r\na\r\n1\r\n").issues,
        [ReadIssue::NoDataType]
    );
    assert_eq!(
        read_life_file(b"SERVICE_USER_INFO\r\n\r\na\r\n1\r\n").issues,
        [ReadIssue::NoHeader]
    );
    let f = read_life_file(b"SERVICE_USER_INFO\r\na\r\n1\r\n\r\n2\r\n\r\n\r\n");
    assert_eq!(
        f.issues,
        [ReadIssue::BlankLine { line: 4 }],
        "trailing blank lines are harmless"
    );
    assert_eq!(lines(&f), [3, 5]);
}

#[test]
fn a_data_row_on_line_2_is_not_taken_for_column_ids() {
    let f = read_life_file(
        "SERVICE_USER_INFO\r\n1370000018,51,U1,131011,9900000001,見本,一郎\r\n".as_bytes(),
    );
    assert_eq!(f.issues, [ReadIssue::HeaderNotIds { line: 2 }]);
    assert_eq!(f.rows(), 0);
}
