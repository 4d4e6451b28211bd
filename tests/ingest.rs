//! Vendor ingestion: profiles, transforms through the spec's code labels, lineage, row counts.

mod common;

use lifeline::map::Profile;
use lifeline::normalize::ingest::{FileIngest, SOURCE_FILE, ingest_file};

const PROFILE: &str = r#"
name = "test layout"
[read]
placeholders = ["null", "-"]
trailer_prefixes = ["合計"]
skip = [{ column = "氏名（姓）", prefixes = ["★"], reason = "dummy user" }]
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
insurer_no = { from = "保険者番号", transform = "digits" }
insured_no = { from = "被保険者番号", transform = "digits" }
last_name = { from = "氏名（姓）" }
first_name = { from = "氏名（名）" }
last_name_kana = { from = "フリガナ（姓）", transform = "kana" }
gender = { from = "性別", transform = "label", map = { "男" = "1", "女" = "2" } }
birthday = { from = "生年月日", transform = "date" }
care_level = { from = ["要介護度", "要介護状態区分"], transform = "label" }
impaired_elderly_independence_degree = { from = "障害高齢者自立度", transform = "label" }
dementia_elderly_independence_degree = { from = "認知症高齢者自立度", transform = "label" }
"#;

fn profile(text: &str) -> Result<Profile, lifeline::map::ProfileError> {
    Profile::parse("test.toml", text, common::registry())
}

fn ingest(text: &str) -> FileIngest {
    let p = profile(PROFILE).unwrap();
    ingest_file("vendor.csv", text.as_bytes(), &p, common::registry(), None)
}

fn column(f: &FileIngest, name: &str) -> Vec<Option<String>> {
    column_of(f, 0, name)
}

fn column_of(f: &FileIngest, part: usize, name: &str) -> Vec<Option<String>> {
    f.parts[part]
        .frame
        .column(name)
        .unwrap()
        .str()
        .unwrap()
        .iter()
        .map(|v| v.map(str::to_string))
        .collect()
}

/// The (line, rule) of each finding about one item.
fn rules_on(f: &FileIngest, item: &str) -> Vec<(u64, &'static str)> {
    rules(f)
        .into_iter()
        .filter(|r| r.2.as_deref() == Some(item))
        .map(|r| (r.0, r.1))
        .collect()
}

fn rules(f: &FileIngest) -> Vec<(u64, &'static str, Option<String>)> {
    f.findings
        .findings
        .iter()
        .map(|x| {
            let c = &f.findings.checks[x.check as usize];
            (x.line, c.rule, c.column.clone())
        })
        .collect()
}

const HEADER: &str = "事業所番号,利用者番号,氏名（姓）,氏名（名）,フリガナ（姓）,性別,生年月日,保険者番号,被保険者番号,要介護度,障害高齢者自立度,認知症高齢者自立度";

#[test]
fn constants_are_held_as_the_file_will_hold_them_blanks_cut_but_a_clearing_space() {
    // A frame holds what the LIFE file will: the writer cuts blanks around a value, and each
    // line is read back against the values validated, so a constant is cut as it is read.
    let text = PROFILE.replace(
        "service_code = \"51\"",
        "service_code = \" 51\\t\"\nfirst_name_kana = \" \"\nend_date = \"  \"",
    );
    let p = profile(&text).unwrap();
    let f = ingest_file(
        "vendor.csv",
        format!("{HEADER}\n1370000018,000123,見本,一郎,ミホン,男,S15/4/1,131011,9900000001,要介護３,J1,Ⅱa\n")
            .as_bytes(),
        &p,
        common::registry(),
        None,
    );
    assert_eq!(column(&f, "service_code"), [Some("51".into())]);
    assert_eq!(column(&f, "first_name_kana"), [Some(" ".into())]);
    assert_eq!(column(&f, "end_date"), [None]);
}

#[test]
fn crosswalks_go_through_the_spec_code_labels() {
    let text = format!(
        "{HEADER}\n\
         1370000018,000123,見本,一郎,ミホン,男,S15/4/1,131011,9900000001,要介護３,J1,Ⅱa\n\
         1370000018,000124,試験,花子,しけん,女,令和元年5月1日,131011,9900000002,要支援1,A2,M\n\
         1370000018,000125,仮名,次郎,ｶﾒｲ,男,1933-03-03,131011,９９０００００００３,要支援２,自立,Ⅳ\n"
    );
    let f = ingest(&text);
    assert_eq!(rules(&f), []);
    // The repairs counted for the metrics: S15/4/1 and 令和元年 are era dates; ミホン and しけん
    // become half-width (ｶﾒｲ already is); one full-width 被保険者番号; 4 labels × 3 rows coded.
    let fixes = lifeline::normalize::ingest::Fixes {
        files_from_cp932: 0,
        era_dates: 2,
        full_width: 1,
        kana: 2,
        coded: 12,
    };
    assert_eq!(f.fixes, fixes);
    assert_eq!(column(&f, "insured_no")[2].as_deref(), Some("9900000003"));
    assert_eq!(
        column(&f, "care_level"),
        [Some("23".into()), Some("12".into()), Some("13".into())]
    );
    assert_eq!(
        column(&f, "gender"),
        [Some("1".into()), Some("2".into()), Some("1".into())]
    );
    assert_eq!(
        column(&f, "impaired_elderly_independence_degree"),
        [Some("2".into()), Some("5".into()), Some("1".into())]
    );
    assert_eq!(
        column(&f, "dementia_elderly_independence_degree"),
        [Some("3".into()), Some("8".into()), Some("7".into())]
    );
    assert_eq!(
        column(&f, "birthday"),
        [
            Some("19400401".into()),
            Some("20190501".into()),
            Some("19330303".into())
        ]
    );
    assert_eq!(
        column(&f, "last_name_kana"),
        [Some("ﾐﾎﾝ".into()), Some("ｼｹﾝ".into()), Some("ｶﾒｲ".into())]
    );
    assert_eq!(
        column(&f, "external_system_management_number")[0].as_deref(),
        Some("U-000123")
    );
    assert_eq!(column(&f, "service_code")[0].as_deref(), Some("51"));
    assert_eq!(
        column(&f, "care_facility_id")[0].as_deref(),
        Some("1370000018")
    );
}

#[test]
fn lineage_points_at_the_vendor_line() {
    // A preamble line, a header, then rows; the bad birthday is on physical line 4.
    let text = format!(
        "出力日,2026/11/01\n{HEADER}\n\
         1370000018,000123,見本,一郎,ミホン,男,S15/4/1,131011,9900000001,要介護３,J1,Ⅱa\n\
         1370000018,000124,試験,花子,しけん,女,2026/13/45,131011,9900000002,要支援1,A2,M\n"
    );
    let f = ingest(&text);
    assert_eq!(rules(&f), [(4, "ingest.date", Some("birthday".into()))]);
    let lines: Vec<u64> = f.parts[0]
        .frame
        .column("__line")
        .unwrap()
        .u64()
        .unwrap()
        .iter()
        .map(Option::unwrap)
        .collect();
    assert_eq!(lines, [3, 4]);
    assert_eq!(
        f.parts[0]
            .frame
            .column(SOURCE_FILE)
            .unwrap()
            .str()
            .unwrap()
            .get(0),
        Some("vendor.csv")
    );
    // The value of a personal-data item is masked in the finding.
    assert_eq!(
        f.findings.findings[0].value.as_deref(),
        Some(lifeline::validate::MASK)
    );
}

#[test]
fn no_row_disappears() {
    let text = format!(
        "{HEADER}\n\
         1370000018,000123,見本,一郎,ミホン,男,S15/4/1,131011,9900000001,要介護３,J1,Ⅱa\n\
         1370000018,000124,★会議,,,,,,,,,\n\
         ,000125,仮名,次郎,カメイ,男,1933-03-03,131011,9900000003,要支援２,-,null\n\
         1370000018,,仮名,三郎,カメイ,男,1933-03-03,131011,9900000004,要支援２,,\n\
         合計,4\n"
    );
    let f = ingest(&text);
    assert_eq!((f.rows_read, f.rows_kept, f.quarantine.len()), (4, 1, 3));
    let reasons: Vec<(u64, &str)> = f
        .quarantine
        .iter()
        .map(|q| (q.line, q.reason.as_str()))
        .collect();
    let deliberate: Vec<bool> = f.quarantine.iter().map(|q| q.deliberate).collect();
    assert_eq!(
        deliberate,
        [true, false, false],
        "only the dummy user is left out on purpose"
    );
    assert_eq!(
        reasons,
        [
            (3, "dummy user"),
            (4, "no 事業所番号"),
            (5, "no record key (利用者番号)")
        ]
    );
    assert_eq!(f.parts[0].frame.height(), 1);
    assert_eq!(
        rules(&f)
            .iter()
            .filter(|r| r.1 == "ingest.quarantined")
            .count(),
        3
    );
}

#[test]
fn rows_split_by_facility() {
    let text = format!(
        "{HEADER}\n\
         1370000018,000123,見本,一郎,ミホン,男,S15/4/1,131011,9900000001,要介護３,J1,Ⅱa\n\
         1370000026,000123,試験,花子,しけん,女,1940/4/1,131011,9900000002,要支援1,A2,M\n"
    );
    let f = ingest(&text);
    let mut facilities: Vec<&str> = f.parts.iter().map(|p| p.facility.as_str()).collect();
    facilities.sort();
    assert_eq!(facilities, ["1370000018", "1370000026"]);
}

#[test]
fn values_that_cannot_be_mapped_are_findings() {
    let text = format!(
        "{HEADER}\n\
         1370000018,000123,見本,一郎,見本,男,S15/4/1,13101A,9900000001,要介護６,J3,Ⅴ\n"
    );
    let f = ingest(&text);
    let mut got: Vec<&str> = rules(&f).iter().map(|r| r.1).collect();
    got.sort();
    assert_eq!(
        got,
        [
            "ingest.digits",
            "ingest.kana",
            "ingest.label",
            "ingest.label",
            "ingest.label"
        ]
    );
    assert_eq!(column(&f, "care_level"), [None]);
}

#[test]
fn headers_match_by_normalised_name_and_missing_columns_are_said() {
    // Full-width spaces, a full-width dash and the alias 要介護状態区分; no 認知症 column.
    let text = "事業所番号 ,利用者番号,氏名（姓）　,氏名（名）,フリガナ（姓）,性別,生年月日,保険者番号,被保険者番号,要介護状態区分,障害高齢者自立度\n\
                1370000018,000123,見本,一郎,ミホン,男,S15/4/1,131011,9900000001,要介護３,J1\n";
    let f = ingest(text);
    assert_eq!(
        rules(&f),
        [(
            1,
            "ingest.missing_column",
            Some("dementia_elderly_independence_degree".into())
        )]
    );
    assert_eq!(column(&f, "care_level"), [Some("23".into())]);
    assert_eq!(column(&f, "last_name"), [Some("見本".into())]);
}

#[test]
fn a_file_that_is_not_this_layout_is_said_so() {
    let f = ingest("a,b,c\n1,2,3\n");
    assert_eq!(rules(&f), [(0, "ingest.no_header", None)]);
    assert!(f.parts.is_empty());
}

#[test]
fn barthel_points_become_codes_and_ambiguous_points_are_reported() {
    let p = profile(
        r#"
name = "assessment"
[facility]
column = "事業所番号"
[[target]]
data_type = "FORM_0900_2021"
spec = "2021"
key = ["利用者番号", "評価日"]
key_prefix = "A"
[target.constants]
service_code = "15"
[target.columns]
insurer_no = { from = "保険者番号", transform = "digits" }
insured_no = { from = "被保険者番号", transform = "digits" }
adl_evaluate = { from = "評価日", transform = "date" }
barthel_index_meal = { from = "食事", transform = "barthel" }
barthel_transfer = { from = "移乗", transform = "barthel" }
barthel_index_personal_hygiene_and_adjustment = { from = "整容", transform = "barthel" }
barthel_index_bathing = { from = "入浴", transform = "barthel" }
"#,
    )
    .unwrap();
    let text = "事業所番号,利用者番号,保険者番号,被保険者番号,評価日,食事,移乗,整容,入浴\n\
                1370000018,000123,131011,9900000001,令和8年10月15日,10,15,5,0\n\
                1370000018,000124,131011,9900000002,R8.10.15,５,0,0,5\n\
                1370000018,000125,131011,9900000003,2026/10/15,7,5,5,5\n";
    let f = ingest_file("a.csv", text.as_bytes(), &p, common::registry(), None);
    let col = |n: &str| -> Vec<Option<String>> {
        f.parts[0]
            .frame
            .column(n)
            .unwrap()
            .str()
            .unwrap()
            .iter()
            .map(|v| v.map(str::to_string))
            .collect()
    };
    assert_eq!(
        col("barthel_index_meal"),
        [Some("2".into()), Some("1".into()), None]
    );
    assert_eq!(
        col("barthel_transfer"),
        [Some("3".into()), Some("0".into()), Some("1".into())]
    );
    assert_eq!(
        col("barthel_index_personal_hygiene_and_adjustment"),
        [Some("2".into()), None, Some("2".into())]
    );
    assert_eq!(
        col("barthel_index_bathing"),
        [None, Some("2".into()), Some("2".into())]
    );
    // The key uses the converted date: the same record gets the same number whatever the form.
    assert_eq!(
        col("external_system_management_number"),
        [
            Some("A-000123-20261015".into()),
            Some("A-000124-20261015".into()),
            Some("A-000125-20261015".into())
        ]
    );
    let got = rules(&f);
    assert!(
        got.contains(&(
            2,
            "ingest.barthel_ambiguous",
            Some("barthel_index_bathing".into())
        )),
        "{got:?}"
    );
    assert!(got.contains(&(
        3,
        "ingest.barthel_ambiguous",
        Some("barthel_index_personal_hygiene_and_adjustment".into())
    )));
    assert!(got.contains(&(4, "ingest.barthel", Some("barthel_index_meal".into()))));
    assert_eq!(got.len(), 3);
}

#[test]
fn profile_mistakes_name_the_line() {
    let bad_item = PROFILE.replace("first_name = { from", "first_nam = { from");
    let e = profile(&bad_item).unwrap_err();
    let line = PROFILE
        .lines()
        .position(|l| l.starts_with("first_name"))
        .unwrap()
        + 1;
    assert_eq!(e.line, line, "{e}");
    assert!(e.message.contains("first_nam"), "{e}");
    let bad_transform = PROFILE.replace("transform = \"kana\"", "transform = \"katakana\"");
    let e = profile(&bad_transform).unwrap_err();
    assert_eq!(
        e.line,
        PROFILE
            .lines()
            .position(|l| l.starts_with("last_name_kana"))
            .unwrap()
            + 1
    );
    assert!(e.message.contains("unknown transform `katakana`"), "{e}");
    let twice = PROFILE.replace(
        "first_name = { from = \"氏名（名）\" }",
        "first_name = { from = \"氏名（姓）\" }",
    );
    let e = profile(&twice).unwrap_err();
    assert!(e.message.contains("used for both"), "{e}");
    let bad_type = PROFILE.replace(
        "data_type = \"SERVICE_USER_INFO\"",
        "data_type = \"FORM_0000\"",
    );
    let e = profile(&bad_type).unwrap_err();
    assert_eq!(
        e.line,
        PROFILE
            .lines()
            .position(|l| l.starts_with("data_type"))
            .unwrap()
            + 1
    );
    let syntax = PROFILE.replace("key_prefix = \"U\"", "key_prefix = U");
    assert!(profile(&syntax).unwrap_err().line > 1);
}

#[test]
fn label_crosswalks_for_scales() {
    use lifeline::map::{ColumnMap, Transform};
    use lifeline::normalize::transform::convert;
    let spec = common::registry().spec("2021").unwrap();
    let f0 = spec.schema("FORM_0000_2021").unwrap();
    let col = |item: &str| {
        ColumnMap::new(
            f0.item(item).unwrap(),
            vec!["x".into()],
            Transform::Label,
            Vec::new(),
        )
    };
    let conv = |item: &str, v: &str| {
        convert(&col(item), f0.item(item).unwrap(), v)
            .0
            .map(|c| c.into_owned())
    };
    assert_eq!(conv("dbd13_03", "ときどきある").as_deref(), Some("2"));
    assert_eq!(conv("dbd13_03", "常にある").as_deref(), Some("4"));
    assert_eq!(
        conv("vitality_index_02", "反応がない").as_deref(),
        Some("0")
    );
    assert_eq!(
        conv("barthel_index_meal", "一部介助").as_deref(),
        Some("1"),
        "label without its points"
    );
    assert_eq!(
        conv("impaired_elderly_independence_degree", "Ｊ１").as_deref(),
        Some("2")
    );
    assert_eq!(
        conv("dementia_elderly_independence_degree", "Ⅲb").as_deref(),
        Some("6")
    );
    assert_eq!(
        conv("record_staff_job_category", "介護福祉士").as_deref(),
        Some("170")
    );
    assert_eq!(conv("dbd13_03", "たまにある"), None);
}

/// One finding per root cause: a value that cannot be converted is its `ingest.*` error, and the
/// item it leaves empty is not reported again as missing; an item that is simply empty is.
#[test]
fn an_unconvertible_value_is_not_also_a_missing_item() {
    let text = format!(
        "{HEADER}\n\
         1370000018,000123,見本,一郎,ﾐﾎﾝ,不明,S15/4/1,131011,9900000001,要介護3,J1,Ⅱa\n\
         1370000018,000124,見本,二郎,ﾐﾎﾝ,,S15/4/1,131011,9900000002,要介護3,J1,Ⅱa\n"
    );
    let mut f = ingest(&text);
    f.validate(common::registry(), &lifeline::validate::Context::default());
    let gender: Vec<(u64, &str)> = rules(&f)
        .into_iter()
        .filter(|r| r.2.as_deref() == Some("gender"))
        .map(|r| (r.0, r.1))
        .collect();
    assert_eq!(gender, [(2, "ingest.label"), (3, "value.required")]);
}

/// A vendor value that feeds two interfaces is converted for each, but a value that cannot be
/// converted is one finding, not one per interface.
#[test]
fn a_bad_value_feeding_two_interfaces_is_one_finding() {
    let two = format!(
        "{PROFILE}\n[[target]]\ndata_type = \"SERVICE_USER_INFO\"\nspec = \"2021\"\n\
         key = [\"利用者番号\"]\nkey_prefix = \"V\"\n[target.columns]\n\
         gender = {{ from = \"性別\", transform = \"label\", map = {{ \"男\" = \"1\" }} }}\n"
    );
    let p = profile(&two).unwrap();
    assert_eq!(p.targets.len(), 2);
    let text = format!(
        "{HEADER}\n\
         1370000018,000123,見本,一郎,ﾐﾎﾝ,不明,S15/4/1,131011,9900000001,要介護3,J1,Ⅱa\n\
         1370000018,000124,見本,二郎,ﾐﾎﾝ,男,S15/4/1,131011,9900000002,要介護3,J1,Ⅱa\n"
    );
    let f = ingest_file("vendor.csv", text.as_bytes(), &p, common::registry(), None);
    assert_eq!(f.parts.len(), 2, "one frame per interface");
    assert_eq!(rules_on(&f, "gender"), [(2, "ingest.label")]);
}

/// A vendor column that feeds two interfaces the same way is converted once and shared: both
/// frames hold the same values, a bad value is one finding, and each interface still counts
/// the repairs of its values (as when each converted its own).
#[test]
fn a_column_feeding_two_interfaces_the_same_way_is_converted_once() {
    let two = format!(
        "{PROFILE}\n[[target]]\ndata_type = \"SERVICE_USER_INFO\"\nspec = \"2021\"\n\
         key = [\"利用者番号\"]\nkey_prefix = \"V\"\n[target.columns]\n\
         birthday = {{ from = \"生年月日\", transform = \"date\" }}\n\
         gender = {{ from = \"性別\", transform = \"label\", map = {{ \"男\" = \"1\", \"女\" = \"2\" }} }}\n"
    );
    let p = profile(&two).unwrap();
    let text = format!(
        "{HEADER}\n\
         1370000018,000123,見本,一郎,ﾐﾎﾝ,不明,S15/4/1,131011,9900000001,要介護3,J1,Ⅱa\n\
         1370000018,000124,見本,二郎,ﾐﾎﾝ,男,昭和15年4月2日,131011,9900000002,要介護3,J1,Ⅱa\n\
         1370000018,000125,見本,三郎,ﾐﾎﾝ,女,1940/4/3,131011,9900000003,要介護3,J1,Ⅱa\n"
    );
    let f = ingest_file("vendor.csv", text.as_bytes(), &p, common::registry(), None);
    assert_eq!(f.parts.len(), 2, "one frame per interface");
    let values = |part: usize, name: &str| column_of(&f, part, name);
    let birthdays = [
        Some("19400401".to_string()),
        Some("19400402".to_string()),
        Some("19400403".to_string()),
    ];
    assert_eq!(values(0, "birthday"), birthdays);
    assert_eq!(values(1, "birthday"), birthdays);
    assert_eq!(
        values(1, "gender"),
        [None, Some("1".into()), Some("2".into())]
    );
    assert_eq!(values(0, "gender"), values(1, "gender"));
    assert_eq!(rules_on(&f, "gender"), [(2, "ingest.label")]);
    // Two era dates and two genders coded, in each of the two interfaces, and the three
    // other labels of each row (要介護3, J1, Ⅱa) in the first.
    assert_eq!((f.fixes.era_dates, f.fixes.coded), (2 * 2, 2 * 2 + 3 * 3));
}

/// The file read a table at a time (`lifeline run`'s way), with blocks of `block` bytes.
fn in_tables(text: &str, block: usize) -> FileIngest {
    use lifeline::decode::Chunks;
    use lifeline::normalize::ingest::Ingest;
    let p = profile(PROFILE).unwrap();
    let cursor = std::io::Cursor::new(text.as_bytes());
    let mut chunks = Chunks::with_block(cursor, b',', block, |_| {}).unwrap();
    let mut ing = Ingest::new(
        "vendor.csv",
        chunks.encoding(),
        &p,
        common::registry(),
        None,
    );
    while let Some(t) = chunks.next_table().unwrap() {
        ing.table(&t);
    }
    ing.finish()
}

/// Rows of two offices, the later office's first: read whole, office A's rows are converted
/// first, so on line 3 the insurer's finding comes before the insured's. Read a line at a
/// time, office B's line 2 meets the insurer's check first — and the check must still sort
/// where a whole-file reading puts it.
#[test]
fn findings_keep_their_order_however_a_file_of_two_offices_is_cut() {
    let text = "事業所番号,利用者番号,保険者番号,被保険者番号,氏名（姓）\r\n\
                1370000026,1,abc,123,見本\r\n\
                1370000018,2,abc,xyz,見本\r\n";
    let whole = ingest(text);
    let line3: Vec<_> = rules(&whole).into_iter().filter(|r| r.0 == 3).collect();
    assert_eq!(
        line3.iter().map(|r| r.2.as_deref()).collect::<Vec<_>>(),
        [Some("insurer_no"), Some("insured_no")],
        "{line3:?}"
    );
    for block in [1, 8, 60, 100, 4096] {
        let cut = in_tables(text, block);
        assert_eq!(
            cut.findings.checks, whole.findings.checks,
            "blocks of {block}"
        );
        assert_eq!(
            cut.findings.findings, whole.findings.findings,
            "blocks of {block}"
        );
    }
}
