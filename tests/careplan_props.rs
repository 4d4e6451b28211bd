//! Messy 第6表 実績 files, generated: whatever the records, validating never panics, every
//! record is counted once, every finding names a line of the file, and the served users are
//! exactly those of the records whose month is the name's and whose numbers are well-formed.

use std::collections::BTreeSet;

use lifeline::spec::Registry;
use lifeline::validate::careplan::validate_careplan_bytes;
use proptest::prelude::*;

const NAME: &str = "UPJSK_202610_1370000018_15_1370000026_43_20261105093000.CSV";

/// One record: its fields, and whether it is well-formed enough to count as a served user.
#[derive(Debug, Clone)]
struct Rec {
    fields: Vec<String>,
}

fn record() -> impl Strategy<Value = Rec> {
    let insurer = prop_oneof![
        Just("131011".to_string()),
        Just("141002".to_string()),
        Just("13101".to_string()),
        Just("１３１０１１".to_string()),
    ];
    let insured = prop_oneof![
        (0u32..5).prop_map(|n| format!("990000000{n}")),
        Just("H123456789".to_string()),
        Just("99000".to_string()),
        Just(String::new()),
    ];
    let month = prop_oneof![
        4 => Just("202610".to_string()),
        1 => Just("202609".to_string()),
        1 => Just("2026/10".to_string()),
    ];
    let free = prop_oneof![
        Just("見本 ケアマネ".to_string()),
        Just("\"改行\r\nあり\"".to_string()),
        Just("\"カンマ,あり\"".to_string()),
        Just("表能".to_string()),
        Just(String::new()),
    ];
    let extra = prop_oneof![8 => Just(0usize), 1 => Just(1usize), 1 => Just(2usize)];
    (insurer, insured, month, free, 1u32..=31, extra).prop_map(|(a, b, m, name, day, extra)| {
        let mut fields: Vec<String> = vec![
            "202407".into(),
            a,
            b,
            "20261105".into(),
            m,
            "1370000026".into(),
            name,
            "694".into(),
            String::new(),
            format!("202610{day:02}"),
            String::new(),
            "0930".into(),
            "1630".into(),
            "1".into(),
            "151111".into(),
            String::new(),
            String::new(),
            String::new(),
            String::new(),
            "1370000018".into(),
            "見本デイ".into(),
            String::new(),
            "0".into(),
            "1370000018".into(),
            String::new(),
        ];
        // 0: as is; 1: one field short; 2: one too many.
        match extra {
            1 => {
                fields.pop();
            }
            2 => fields.push("x".into()),
            _ => {}
        }
        Rec { fields }
    })
}

fn digits(s: &str, n: usize) -> bool {
    s.len() == n && s.bytes().all(|b| b.is_ascii_digit())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(96))]
    #[test]
    fn messy_records_are_each_counted_and_served_users_are_exact(
        recs in proptest::collection::vec(record(), 0..30),
        lf_only in any::<bool>(),
    ) {
        let registry = Registry::embedded().unwrap();
        let end = if lf_only { "\n" } else { "\r\n" };
        let text: String = recs.iter().map(|r| r.fields.join(",") + end).collect();
        let (bytes, _, unmappable) = encoding_rs::SHIFT_JIS.encode(&text);
        prop_assert!(!unmappable);
        let (report, keys) = validate_careplan_bytes("t", NAME, &bytes, &registry.careplan);
        prop_assert_eq!(report.rows, recs.len());
        let lines = text.matches('\n').count() as u64;
        for f in &report.findings.findings {
            prop_assert!(f.line <= lines, "line {} of {}", f.line, lines);
        }
        let want: BTreeSet<(String, String)> = recs
            .iter()
            .filter(|r| r.fields.len() == 25)
            .filter(|r| r.fields[4] == "202610")
            .filter(|r| digits(&r.fields[1], 6))
            .filter(|r| digits(&r.fields[2], 10) || (r.fields[2].starts_with('H') && digits(&r.fields[2][1..], 9)))
            .map(|r| (r.fields[1].clone(), r.fields[2].clone()))
            .collect();
        let got: BTreeSet<(String, String)> =
            keys.users.iter().map(|(a, b, _)| (a.clone(), b.clone())).collect();
        prop_assert_eq!(got.len(), keys.users.len(), "each user once");
        prop_assert_eq!(got, want);
        // A record with a wrong field count is one finding on its line; a clean file has none.
        let short = recs.iter().filter(|r| r.fields.len() != 25).count();
        let counted = report
            .findings
            .findings
            .iter()
            .filter(|f| report.findings.checks[f.check as usize].rule == "row.field_count")
            .count();
        prop_assert_eq!(counted, short);
        // 被保険者番号 and free text never appear in a finding.
        for f in &report.findings.findings {
            if let Some(v) = &f.value {
                prop_assert!(!v.starts_with("99") && !v.contains('見'), "{v}");
            }
        }
    }

    /// Arbitrary bytes: never a panic, and the report names the file's kind.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
        let registry = Registry::embedded().unwrap();
        let (report, keys) = validate_careplan_bytes("t", NAME, &bytes, &registry.careplan);
        prop_assert_eq!(report.data_type.as_deref(), Some("UPJSK"));
        prop_assert_eq!(keys.kind, "UPJSK");
    }
}

/// The files `lifeline sample` writes validate clean, at any size.
#[test]
fn generated_careplan_files_validate_clean() {
    let registry = Registry::embedded().unwrap();
    let files = lifeline::sample::generate(&lifeline::sample::Options {
        facilities: 6,
        users: 40,
        seed: 99,
        dirty: 0.3,
    });
    let mut n = 0;
    for f in files.iter().filter(|f| f.path.starts_with("careplan")) {
        let name = f.path.file_name().unwrap().to_str().unwrap();
        let (report, keys) = validate_careplan_bytes(name, name, &f.bytes, &registry.careplan);
        assert_eq!(
            report.errors() + report.warnings(),
            0,
            "{name}: {:?}",
            report.findings
        );
        // Every user of the office's master plus two.
        assert_eq!(keys.users.len(), 42, "{name}");
        n += 1;
    }
    assert_eq!(n, 6);
}
