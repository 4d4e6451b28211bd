//! The committed schema files, derived rules and review lists are exactly what schemagen makes
//! of the official sources, and the rules files load against them.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use lifeline::spec::{ItemType, Registry, Req, derive, schemagen};

/// The files of `dir` whose names end with `ext`.
fn files(dir: &Path, ext: &str) -> BTreeSet<String> {
    std::fs::read_dir(dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.ends_with(ext).then_some(name)
        })
        .collect()
}

/// The committed files of `dir` (under schemas/<version>) are exactly the generated ones.
fn same_files(fresh: &Path, committed: &Path, ext: &str, what: &str) {
    assert_eq!(
        files(fresh, ext),
        files(committed, ext),
        "{what} has other files than schemagen writes"
    );
    for name in files(fresh, ext) {
        let made = std::fs::read(fresh.join(&name)).unwrap();
        let kept = std::fs::read(committed.join(&name)).unwrap();
        assert!(
            made == kept,
            "{what}/{name} differs from what schemagen generates; run `lifeline schemagen … \
             --out schemas/<version>` and commit"
        );
    }
}

/// The schema JSON, the derived rules (derived/<DT>.toml) and review.tsv are byte for byte
/// what schemagen makes of the official sources.
fn regenerate_and_compare(inputs: &[std::path::PathBuf], version: &str) {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join(version);
    let generated = schemagen::generate(inputs, version).unwrap();
    generated.write(&out).unwrap();
    derive::write(&out, &generated.schemas).unwrap();
    let committed = common::root().join("schemas").join(version);
    let what = format!("schemas/{version}");
    same_files(&out, &committed, ".json", &what);
    same_files(&out, &committed, ".tsv", &what);
    same_files(
        &out.join("derived"),
        &committed.join("derived"),
        ".toml",
        &format!("{what}/derived"),
    );
}

#[test]
fn schemas_2021_are_generated_from_the_official_workbook() {
    let wb = common::official_spec().join("life-2021/interface-items-v1.00.xlsx");
    regenerate_and_compare(&[wb], "2021");
}

#[test]
fn schemas_3_10_are_generated_from_the_known_items() {
    let dir = common::official_spec().join("life-2024-v3.10-partial");
    regenerate_and_compare(
        &[dir.join("items.tsv"), dir.join("headers-only.tsv")],
        "3.10",
    );
}

#[test]
fn the_2021_workbook_has_22_interfaces_and_4_code_sheets() {
    let r = common::registry();
    let spec = r.spec("2021").unwrap();
    assert_eq!(spec.schemas.len(), 22);
    let sheets: Vec<&str> = spec
        .code_sheets
        .as_ref()
        .unwrap()
        .sheets
        .iter()
        .map(|s| s.name.as_str())
        .collect();
    assert_eq!(
        sheets,
        [
            "職種コード",
            "ICFコード",
            "支援コード",
            "興味関心チェックコード"
        ]
    );
    // Spot checks against the workbook, typos included.
    let f0 = spec.schema("FORM_0000_2021").unwrap();
    assert_eq!(f0.items.len(), 89);
    let item = f0.item("nutrition_evalaute_date").unwrap();
    assert_eq!(
        (item.ty, item.len, item.req),
        (ItemType::Text, Some(8), Req::Confirmed)
    );
    assert_eq!(item.fmt.as_deref(), Some("YYYYMMDD"));
    let height = f0.item("height").unwrap();
    assert_eq!(
        (height.ty, height.len, height.dec),
        (ItemType::Number, Some(3), Some(1))
    );
    let hygiene = f0
        .item("barthel_index_personal_hygiene_and_adjustment")
        .unwrap();
    let codes: Vec<(&str, &str)> = hygiene
        .codes
        .iter()
        .map(|c| (c.code.as_str(), c.label.as_str()))
        .collect();
    assert_eq!(
        codes,
        [("0", "全介助(0)"), ("1", "一部介助(0)"), ("2", "自立(5)")]
    );
    assert!(f0.item("barthel_transfer").is_some());
    let family = f0.item("family_01").unwrap();
    assert_eq!(family.req, Req::Conditional);
    // Names, 被保険者番号 and encrypted free text are marked for masking, in every interface.
    assert!(f0.item("insured_no").unwrap().sensitive);
    assert!(f0.item("filing_staff").unwrap().sensitive);
    assert!(!f0.item("care_facility_id").unwrap().sensitive);
    // The sheet name with a trailing space still yields the data type.
    assert!(spec.schema("FORM_0801_2021").is_some());
    // Code-sheet references resolve.
    let f430 = spec.schema("FORM_0430_2021").unwrap();
    assert_eq!(
        f430.item("attendee_01_job_type_id")
            .unwrap()
            .code_sheet
            .as_deref(),
        Some("職種コード")
    );
    let hour = f430.item("event_start_hour").unwrap();
    assert_eq!(
        (hour.ty, hour.range.map(|r| (r.min, r.max))),
        (ItemType::Digits, Some((0.0, 23.0)))
    );
}

#[test]
fn the_3_10_schemas_mark_what_is_unknown() {
    let spec = common::registry().spec("3.10").unwrap();
    let user = spec.schema("SERVICE_USER_INFO").unwrap();
    assert_eq!(user.items.len(), 22);
    assert_eq!(user.items.last().unwrap().id, "version");
    assert_eq!(user.item("last_name_kana").unwrap().req, Req::Always);
    let nfs = spec
        .schema("NUTRITION_FEEDING_SWALLOWING_SCREENING_ASSESSMENT_MONITORING_2024")
        .unwrap();
    assert_eq!(nfs.items.len(), 122);
    assert!(nfs.item("eating_aweareness").is_some());
    assert_eq!(
        spec.schema("NUTRITION_CARE_PLAN_2024").unwrap().items.len(),
        79
    );
    for (dt, n) in [
        ("ADL_MAINTENANCE_ADDITION_2024", 23),
        ("INDIVIDUAL_FUNCTION_TRAINING_PLAN_2024", 103),
    ] {
        let s = spec.schema(dt).unwrap();
        assert!(s.partial, "{dt}");
        assert_eq!(s.items.len(), n);
        assert!(
            s.items
                .iter()
                .all(|i| i.ty == ItemType::Unknown && i.req == Req::Unknown)
        );
    }
}

#[test]
fn the_files_on_disk_load_like_the_embedded_copy() {
    let from_dir = Registry::from_dir(&common::root().join("schemas")).unwrap();
    let embedded = common::registry();
    for (a, b) in from_dir.specs.iter().zip(&embedded.specs) {
        assert_eq!(a.version, b.version);
        assert_eq!(a.schemas, b.schemas);
        assert_eq!(a.rules, b.rules);
    }
}

#[test]
fn a_rule_naming_an_unknown_column_or_code_fails_loading() {
    let tmp = tempfile::tempdir().unwrap();
    let v = tmp.path().join("2021");
    std::fs::create_dir_all(v.join("derived")).unwrap();
    let schema = common::root().join("schemas/2021/FORM_0600_2021.json");
    std::fs::copy(schema, v.join("FORM_0600_2021.json")).unwrap();
    let rules = v.join("derived/FORM_0600_2021.toml");
    std::fs::write(&rules, "[[rule]]\nkind = \"required_if\"\ncolumns = [\"plan_create_dat\"]\nwhen = { column = \"excretion_status_necessity\", in = [\"1\"] }\n").unwrap();
    let e = Registry::from_dir(tmp.path()).unwrap_err().to_string();
    assert!(
        e.contains("plan_create_dat") && e.contains("rule #1"),
        "{e}"
    );
    std::fs::write(&rules, "[[rule]]\nkind = \"required_if\"\ncolumns = [\"plan_create_date\"]\nwhen = { column = \"excretion_status_necessity\", in = [\"2\"] }\n").unwrap();
    let e = Registry::from_dir(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("`2` is not a code"), "{e}");
    std::fs::write(&rules, "[[rule]]\nkind = \"required_if\"\ncolumns = [\"plan_create_date\"]\nwhen = { column = \"excretion_status_necessity\" }\n").unwrap();
    let e = Registry::from_dir(tmp.path()).unwrap_err().to_string();
    assert!(e.contains("a condition is one of"), "{e}");
}
