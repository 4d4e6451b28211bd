//! The LIFE writer: exact bytes, CP932 errors that name line and column, and write → read
//! being the identity.

mod common;

use encoding_rs::SHIFT_JIS;
use lifeline::decode::{LINE, read_life_file};
use lifeline::emit::{OutputEncoding, WriteError, write_life_file};
use polars::prelude::*;
use proptest::prelude::*;

fn schema() -> &'static lifeline::spec::Schema {
    common::registry()
        .spec("2021")
        .unwrap()
        .schema("SERVICE_USER_INFO")
        .unwrap()
}

/// A frame from (column, values) pairs; `None` is null.
fn frame(cols: &[(&str, Vec<Option<&str>>)]) -> DataFrame {
    let height = cols.first().map_or(0, |c| c.1.len());
    let columns = cols
        .iter()
        .map(|(name, values)| {
            StringChunked::from_iter_options((*name).into(), values.iter().copied()).into_column()
        })
        .collect();
    DataFrame::new(height, columns).unwrap()
}

fn sample_frame() -> DataFrame {
    // Columns deliberately out of spec order, plus a lineage column the writer skips.
    let mut df = frame(&[
        ("gender", vec![Some("1"), Some("2")]),
        (
            "care_facility_id",
            vec![Some("1370000018"), Some(" 1370000018 ")],
        ),
        ("last_name", vec![Some("見本"), Some("髙橋, \"仮\"")]),
        ("remarks", vec![None, Some(" ")]),
    ]);
    df.with_column(UInt64Chunked::from_vec(LINE.into(), vec![10, 11]).into_column())
        .unwrap();
    df
}

fn golden(name: &str, bytes: &[u8]) {
    let path = common::root().join("tests/golden").join(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&path, bytes).unwrap();
    }
    let want = std::fs::read(&path)
        .unwrap_or_else(|_| panic!("missing {}; run with UPDATE_GOLDEN=1", path.display()));
    assert!(
        want == bytes,
        "{name} differs:\n{:?}\n{:?}",
        String::from_utf8_lossy(&want),
        String::from_utf8_lossy(bytes)
    );
}

#[test]
fn utf8_bom_bytes_are_exact() {
    let bytes = write_life_file(schema(), &sample_frame(), OutputEncoding::Utf8Bom).unwrap();
    // Spec order, CRLF everywhere, quotes only where needed, trimmed values, and the
    // single-space clear marker kept because the frame holds exactly that.
    let want = "\u{FEFF}SERVICE_USER_INFO\r\n\
                care_facility_id,last_name,gender,remarks\r\n\
                1370000018,見本,1,\r\n\
                1370000018,\"髙橋, \"\"仮\"\"\",2, \r\n";
    assert_eq!(String::from_utf8(bytes.clone()).unwrap(), want);
    golden("SERVICE_USER_INFO_utf8bom.csv", &bytes);
}

#[test]
fn cp932_bytes_are_exact() {
    let bytes = write_life_file(schema(), &sample_frame(), OutputEncoding::Cp932).unwrap();
    assert!(!bytes.starts_with(b"\xEF\xBB\xBF"));
    let (text, _, had_errors) = SHIFT_JIS.decode(&bytes);
    assert!(!had_errors);
    assert!(text.contains("髙橋"));
    golden("SERVICE_USER_INFO_cp932.csv", &bytes);
}

#[test]
fn characters_cp932_cannot_hold_name_line_and_column() {
    for (ch, name) in [
        ('\u{301C}', "wave dash 〜"),
        ('𠮷', "𠮷 outside JIS X 0208"),
        ('¥', "yen sign, would become a backslash"),
        ('😀', "emoji"),
    ] {
        let v = format!("見本{ch}");
        let df = frame(&[
            ("gender", vec![Some("1"), Some("2")]),
            ("first_name", vec![Some("一郎"), Some(&v)]),
        ]);
        let e = write_life_file(schema(), &df, OutputEncoding::Cp932).unwrap_err();
        assert_eq!(
            e,
            WriteError::Unencodable {
                line: 4,
                column: "first_name".into(),
                ch
            },
            "{name}"
        );
        assert!(
            e.to_string().starts_with("line 4, column first_name:"),
            "{e}"
        );
        // UTF-8 holds everything.
        assert!(write_life_file(schema(), &df, OutputEncoding::Utf8Bom).is_ok());
    }
    // The full-width tilde is CP932's own wave dash and is fine.
    let df = frame(&[("first_name", vec![Some("見本～")])]);
    assert!(write_life_file(schema(), &df, OutputEncoding::Cp932).is_ok());
}

#[test]
fn line_breaks_and_unknown_columns_are_errors() {
    let df = frame(&[("remarks", vec![Some("a\nb")])]);
    assert_eq!(
        write_life_file(schema(), &df, OutputEncoding::Utf8Bom).unwrap_err(),
        WriteError::LineBreak {
            line: 3,
            column: "remarks".into()
        }
    );
    let df = frame(&[("remark", vec![Some("a")])]);
    assert!(matches!(
        write_life_file(schema(), &df, OutputEncoding::Utf8Bom),
        Err(WriteError::UnknownColumn { .. })
    ));
}

#[test]
fn written_samples_validate_clean() {
    // Read a clean sample, write it in both encodings, and validate what was written.
    let bytes =
        std::fs::read(common::root().join("samples/life/FORM_0000_2021_1_20261101.csv")).unwrap();
    let f = read_life_file(&bytes);
    let s = common::registry()
        .spec("2021")
        .unwrap()
        .schema("FORM_0000_2021")
        .unwrap();
    for enc in [OutputEncoding::Utf8Bom, OutputEncoding::Cp932] {
        let out = write_life_file(s, &f.frame, enc).unwrap();
        let r = lifeline::validate::validate_bytes(
            "written.csv",
            &out,
            common::registry(),
            &lifeline::validate::SpecChoice::Auto,
            &Default::default(),
        );
        assert_eq!(common::found(&r), []);
        assert_eq!(r.rows, f.rows());
    }
}

/// Every character CP932 decodes to and encodes back, ASCII printable included: the alphabet of
/// round trips. (The user-defined area 0xF040–0xF9FC decodes to private-use characters that the
/// encoder refuses: 外字 cannot travel, and writing one is an `Unencodable` error.)
fn cp932_chars() -> Vec<char> {
    let mut chars: Vec<char> = (0x20u8..0x7F).map(char::from).collect();
    for lead in (0x81u8..=0x9F).chain(0xE0..=0xFC) {
        for trail in (0x40u8..=0x7E).chain(0x80..=0xFC) {
            let pair = [lead, trail];
            let (s, _, bad) = SHIFT_JIS.decode(&pair);
            if !bad {
                chars.extend(s.chars());
            }
        }
    }
    for b in 0xA1u8..=0xDF {
        let single = [b];
        chars.extend(SHIFT_JIS.decode(&single).0.chars());
    }
    chars.sort_unstable();
    chars.dedup();
    chars.retain(|c| !SHIFT_JIS.encode(&c.to_string()).2);
    chars
}

#[test]
fn user_defined_characters_read_but_do_not_write() {
    let f = read_life_file(b"SERVICE_USER_INFO\r\nlast_name\r\n\xF0\x40\r\n");
    let v = f
        .frame
        .column("last_name")
        .unwrap()
        .str()
        .unwrap()
        .get(0)
        .unwrap()
        .to_string();
    assert_eq!(v, "\u{E000}");
    let e = write_life_file(schema(), &f.frame, OutputEncoding::Cp932).unwrap_err();
    assert_eq!(
        e,
        WriteError::Unencodable {
            line: 3,
            column: "last_name".into(),
            ch: '\u{E000}'
        }
    );
}

fn value() -> impl Strategy<Value = Option<String>> {
    let chars = cp932_chars();
    prop_oneof![
        1 => Just(None),
        1 => Just(Some(" ".to_string())),
        8 => proptest::collection::vec(proptest::sample::select(chars), 1..12)
            .prop_map(|v| v.into_iter().collect::<String>())
            .prop_map(|s| s.trim_matches([' ', '\t']).to_string())
            .prop_map(|s| (!s.is_empty()).then_some(s)),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    /// write → read returns the same values, in both encodings, for arbitrary values made of
    /// CP932 characters (commas, quotes and the 0x5C-second-byte kanji included).
    #[test]
    fn write_then_read_is_the_identity(rows in proptest::collection::vec(proptest::collection::vec(value(), 4), 1..150)) {
        let names = ["last_name", "first_name", "remarks", "insured_no"];
        let cols: Vec<(&str, Vec<Option<&str>>)> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, rows.iter().map(|r| r[i].as_deref()).collect()))
            .collect();
        let df = frame(&cols);
        for enc in [OutputEncoding::Utf8Bom, OutputEncoding::Cp932] {
            let bytes = write_life_file(schema(), &df, enc).unwrap();
            let back = read_life_file(&bytes);
            prop_assert_eq!(&back.issues, &vec![]);
            prop_assert_eq!(back.rows(), rows.len());
            for (i, n) in names.iter().enumerate() {
                let got: Vec<Option<String>> = back.frame.column(n).unwrap().str().unwrap().iter().map(|v| v.map(str::to_string)).collect();
                let want: Vec<Option<String>> = rows.iter().map(|r| r[i].clone()).collect();
                prop_assert_eq!(got, want);
            }
        }
    }
}
