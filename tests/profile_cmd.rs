//! `lifeline profile check|draft` end to end: exit codes, what is named, masking, and drafts
//! of the bundled sample exports that load and feed what the bundled profiles feed.

mod common;

use common::lifeline;

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use lifeline::map::Profile;

fn stdout(o: &Output) -> String {
    String::from_utf8(o.stdout.clone()).unwrap()
}

fn code(o: &Output) -> Option<i32> {
    o.status.code()
}

const HONOBONO: &str = "samples/profiles/honobono-kaigo.toml";
const HONOBONO_EXPORT: &str = "samples/vendor/honobono-kaigo/1470090018_介護保険1.CSV";

#[test]
fn help() {
    insta::assert_snapshot!("profile_help", stdout(&lifeline(&["profile", "--help"])));
}

#[test]
fn a_bundled_profile_on_its_export_is_ok_with_a_masked_preview() {
    let o = lifeline(&["profile", "check", HONOBONO, HONOBONO_EXPORT, "--rows", "2"]);
    assert_eq!(code(&o), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    // The names of the synthetic people on those rows never appear; their items are masked.
    for name in [
        "仮名",
        "幸子",
        "カメイ",
        "サチコ",
        "試験",
        "良子",
        "シケン",
        "9901000062",
        "19500514",
    ] {
        assert!(!text.contains(name), "{name} printed:\n{text}");
    }
    assert!(text.contains("last_name"), "{text}");
    insta::assert_snapshot!("check_honobono", text);
}

#[test]
fn an_unmapped_always_item_is_exit_1_and_named() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    // The bundled profile without its birthday column and its service_code constant.
    let text = std::fs::read_to_string(common::root().join(HONOBONO)).unwrap();
    let text: String = text
        .lines()
        .filter(|l| !l.starts_with("birthday") && !l.starts_with("service_code"))
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&p, text).unwrap();
    let o = lifeline(&["profile", "check", p.to_str().unwrap()]);
    assert_eq!(code(&o), Some(1));
    let text = stdout(&o);
    let unfed = text.lines().find(|l| l.contains("◎ unfed")).unwrap();
    assert!(unfed.contains("birthday (利用者生年月日)"), "{unfed}");
    assert!(unfed.contains("service_code"), "{unfed}");

    let o = lifeline(&["profile", "check", p.to_str().unwrap(), "--format", "json"]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["ok"], false);
    let items: Vec<&str> = v["targets"][0]["unmapped"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["req"] == "◎")
        .map(|u| u["item"].as_str().unwrap())
        .collect();
    assert_eq!(items, ["service_code", "birthday"]);
}

#[test]
fn an_export_whose_header_is_not_found_is_named() {
    // The kanamic export through the assessment profile: no line has enough of its aliases.
    let wrong = "samples/vendor/kanamic-user/1470090018_userallfull_202610.csv";
    let o = lifeline(&[
        "profile",
        "check",
        "samples/profiles/assessment.toml",
        wrong,
    ]);
    assert_eq!(code(&o), Some(1));
    let text = stdout(&o);
    assert!(
        text.lines()
            .any(|l| l.contains(wrong) && l.contains("HEADER NOT FOUND")),
        "{text}"
    );
    let o = lifeline(&[
        "profile",
        "check",
        "samples/profiles/assessment.toml",
        wrong,
        "--format",
        "json",
    ]);
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["exports"][0]["path"], wrong);
    assert!(v["exports"][0]["header_line"].is_null());
}

#[test]
fn json_names_matches_misses_unused_columns_and_value_findings() {
    let o = lifeline(&[
        "profile",
        "check",
        "samples/profiles/assessment.toml",
        "samples/vendor-dirty/assessment/2370090009_assessment_202610.tsv",
        "--format",
        "json",
        "--rows",
        "50",
    ]);
    assert_eq!(code(&o), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let e = &v["exports"][0];
    assert_eq!(e["header_line"], 2);
    assert!(
        e["matched"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["item"] == "evaluate_date" && m["column"] == "評価日")
    );
    let unused: Vec<&str> = e["unused"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u.as_str().unwrap())
        .collect();
    assert!(unused.contains(&"事業所名"), "{unused:?}");
    assert!(!unused.contains(&"評価日"), "{unused:?}");
    // The dirty export has values that do not convert: each shows its finding in the preview.
    let findings: Vec<&str> = e["preview"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|p| p["rows"].as_array().unwrap())
        .flat_map(|r| r["values"].as_array().unwrap())
        .filter_map(|x| x["finding"].as_str())
        .collect();
    assert!(
        findings.iter().any(|f| f.contains("ingest.")),
        "{findings:?}"
    );
    // Personal data never appears, raw or converted.
    for x in e["preview"][0]["rows"][0]["values"].as_array().unwrap() {
        if ["insured_no", "filing_staff"].contains(&x["item"].as_str().unwrap())
            && !x["raw"].is_null()
        {
            assert_eq!(x["raw"], "***", "{x}");
        }
    }
}

#[test]
fn a_synthetic_name_never_reaches_the_preview() {
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("users.csv");
    std::fs::write(
        &export,
        "事業所番号,利用者番号,氏名（姓）,氏名（名）,フリガナ（姓）,フリガナ（名）,性別,生年月日,保険者番号,被保険者番号,要介護度\n\
         1470090018,000901,見本山,珍名太郎,ミホンヤマ,チンメイタロウ,男,昭和20年1月2日,144501,9901009999,要介護１\n",
    )
    .unwrap();
    let o = lifeline(&["profile", "check", HONOBONO, export.to_str().unwrap()]);
    assert_eq!(code(&o), Some(0), "{}", stdout(&o));
    let text = stdout(&o) + &String::from_utf8_lossy(&o.stderr);
    for secret in [
        "見本山",
        "珍名太郎",
        "ミホンヤマ",
        "チンメイタロウ",
        "9901009999",
        "昭和20年1月2日",
        "19450102",
    ] {
        assert!(!text.contains(secret), "{secret} printed:\n{text}");
    }
    assert!(text.contains("要介護１ → 21"), "{text}");
}

#[test]
fn a_broken_profile_is_exit_2_with_its_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("p.toml");
    std::fs::write(
        &p,
        "name = \"x\"\n[[target]]\ndata_type = \"SERVICE_USER_INFO\"\nspec = \"2021\"\nkey = [\"a\"]\nkey_prefix = \"U\"\n[target.columns]\nno_such_item = { from = \"x\" }\n",
    )
    .unwrap();
    let o = lifeline(&["profile", "check", p.to_str().unwrap()]);
    assert_eq!(code(&o), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("p.toml:8:") && err.contains("no_such_item"),
        "{err}"
    );
    let o = lifeline(&["profile", "check", HONOBONO, "no/such/export.csv"]);
    assert_eq!(code(&o), Some(2));
}

/// The (data type, item) pairs a profile feeds from columns found in an export's header.
fn fed_by(profile: &Profile, export: &Path) -> BTreeSet<(String, String)> {
    let bytes = std::fs::read(export).unwrap();
    let delim = lifeline::normalize::ingest::delimiter(profile, &export.display().to_string());
    let table = lifeline::decode::read_table(&bytes, delim).unwrap();
    let (_, keys) = profile
        .find_header(&table, None)
        .expect("the header is found");
    let mut fed = BTreeSet::new();
    for t in &profile.targets {
        for (c, i) in t.columns.iter().zip(t.resolve(&keys).columns) {
            if i.is_some() {
                fed.insert((t.data_type.clone(), c.item.clone()));
            }
        }
    }
    fed
}

#[test]
fn drafts_of_the_bundled_exports_load_and_feed_what_the_bundled_profiles_feed() {
    let cases = [
        ("honobono-kaigo", "honobono-kaigo/1470090018_介護保険1.CSV"),
        (
            "kanamic-user",
            "kanamic-user/1470090018_userallfull_202610.csv",
        ),
        ("assessment", "assessment/1470090018_assessment_202610.tsv"),
    ];
    let registry = common::registry();
    let dir = tempfile::tempdir().unwrap();
    for (name, export) in cases {
        let bundled_path = common::root().join(format!("samples/profiles/{name}.toml"));
        let bundled = Profile::load(&bundled_path, registry).unwrap();
        let export = common::root().join("samples/vendor").join(export);
        let mut args = vec![
            "profile".to_string(),
            "draft".into(),
            export.display().to_string(),
            "--target".into(),
        ];
        args.extend(bundled.targets.iter().map(|t| t.data_type.clone()));
        // The profile's version, when it has one (the assessment profile's targets are 1.00
        // and 3.10: `auto` then gives each interface its own, the newest).
        let spec = &bundled.targets[0].spec;
        if bundled.targets.iter().all(|t| &t.spec == spec) {
            args.extend(["--spec".into(), spec.clone()]);
        }
        let out = dir.path().join(format!("{name}.toml"));
        args.extend(["--out".into(), out.display().to_string()]);
        let o = lifeline(&args.iter().map(String::as_str).collect::<Vec<_>>());
        assert_eq!(
            code(&o),
            Some(0),
            "{name}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let draft = Profile::load(&out, registry).unwrap();
        let want = fed_by(&bundled, &export);
        let got = fed_by(&draft, &export);
        let missing: Vec<_> = want.difference(&got).collect();
        assert!(
            missing.is_empty(),
            "{name}: the draft does not feed {missing:?}"
        );
        // Same record keys and facility source as the bundled profile.
        for (d, b) in draft.targets.iter().zip(&bundled.targets) {
            assert_eq!(d.key_keys, b.key_keys, "{name} {}", d.data_type);
        }
        assert_eq!(
            std::mem::discriminant(&draft.facility),
            std::mem::discriminant(&bundled.facility),
            "{name}"
        );
        // It loads with `profile check`, which finds the header.
        let o = lifeline(&[
            "profile",
            "check",
            out.to_str().unwrap(),
            export.to_str().unwrap(),
            "--format",
            "json",
        ]);
        assert!(code(&o) == Some(0) || code(&o) == Some(1), "{name}");
        let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert!(!v["exports"][0]["header_line"].is_null(), "{name}");
        // Every guess is marked for review.
        let text = std::fs::read_to_string(&out).unwrap();
        let entries = text.lines().filter(|l| l.contains("= { from =")).count();
        let reviews = text
            .lines()
            .filter(|l| l.starts_with("# review: ") && l.contains(" ← "))
            .count();
        assert_eq!(entries, reviews, "{name}");
    }
}

#[test]
fn a_draft_from_item_names_and_value_forms() {
    // No bundled alias: headers are LIFE item names; values in 和暦, full-width digits, kana.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.csv");
    std::fs::write(
        &export,
        "利用者一覧\n\
         利用者ID,利用者姓,利用者名,利用者姓半角カナ,利用者名半角カナ,保険者番号,被保険者番号,利用者生年月日,要介護度,メモ\n\
         U1,試験,花子,シケン,ハナコ,１４４５０１,9901000001,昭和15年4月1日,要介護３,x\n\
         U2,テスト,太郎,テスト,タロウ,１４４５０１,9901000002,S16.5.2,要介護１,y\n",
    )
    .unwrap();
    let o = lifeline(&[
        "profile",
        "draft",
        export.to_str().unwrap(),
        "--target",
        "SERVICE_USER_INFO",
        "--spec",
        "2021",
    ]);
    assert_eq!(code(&o), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    for want in [
        "last_name = { from = \"利用者姓\" }",
        "last_name_kana = { from = \"利用者姓半角カナ\", transform = \"kana\" }",
        "insurer_no = { from = \"保険者番号\", transform = \"code\" }",
        "birthday = { from = \"利用者生年月日\", transform = \"date\" }",
        "care_level = { from = \"要介護度\", transform = \"label\" }",
        "key = [\"利用者ID\"]",
        "# review: last_name ← `利用者姓`: matched the item name 利用者姓",
        "# unmatched columns: メモ",
        "# ◎ unfed: gender",
        "# ◎ unfed: service_code",
        "# No 事業所番号 in the file",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // No value of the export is written into the draft.
    for secret in ["試験", "花子", "ハナコ", "9901000001", "昭和15年"] {
        assert!(!text.contains(secret), "{secret} in the draft");
    }
    let p = dir.path().join("draft.toml");
    std::fs::write(&p, &text).unwrap();
    let o = lifeline(&[
        "profile",
        "check",
        p.to_str().unwrap(),
        export.to_str().unwrap(),
        "--facility",
        "1470090018",
    ]);
    // gender and service_code are left for the user: exit 1, header found.
    assert_eq!(code(&o), Some(1), "{}", stdout(&o));
    assert!(stdout(&o).contains("header on line 2"), "{}", stdout(&o));
}

#[test]
fn draft_refuses_an_unknown_interface() {
    let o = lifeline(&["profile", "draft", HONOBONO_EXPORT, "--target", "FORM_9999"]);
    assert_eq!(code(&o), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("FORM_9999"));
}

/// The messy ledger: a two-line header (columns merged down over both lines named by their
/// upper cell), the office in a preamble cell, pipes feeding two items from one column, and the
/// value steps' warnings in the preview — names, kana, 被保険者番号 and remarks masked.
#[test]
fn check_reads_a_two_line_header_and_a_preamble_cell() {
    let o = lifeline(&[
        "profile",
        "check",
        "samples/profiles/messy-ledger.toml",
        "samples/vendor/messy-ledger/1370099010_利用者台帳_202610.csv",
        "--rows",
        "1",
    ]);
    let out = stdout(&o);
    assert_eq!(code(&o), Some(0), "{out}");
    for want in [
        "header on line 4",
        "事業所番号: the preamble cell `事業所番号`",
        "SERVICE_USER_INFO key `利用者番号` ← column 1 `利用者番号`",
        "remarks                                      ← column 11 `備考`",
        "last_name                                    ← column 2 `氏名` (alias `利用者/氏名`)",
        "first_name                                   ← column 2 `氏名` (alias `利用者/氏名`)",
        "令和6年4月1日～令和8年3月31日 → 20260331",
        "warning ingest.padded",
        "warning ingest.folded",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }
    for private in ["試験", "花子", "シケン", "12349", "刻み食"] {
        assert!(!out.contains(private), "{private} leaked:\n{out}");
    }
}

/// The draft of the messy ledger: the two-line header, the office in a preamble cell, pipes for
/// the name, kana and range columns and `pad` for 被保険者番号 — every item the bundled profile
/// feeds, with no value of the export in it.
#[test]
fn a_draft_of_the_messy_ledger_proposes_its_header_office_pipes_and_steps() {
    let registry = common::registry();
    let bundled_path = common::root().join("samples/profiles/messy-ledger.toml");
    let bundled = Profile::load(&bundled_path, registry).unwrap();
    let export =
        common::root().join("samples/vendor/messy-ledger/1370099010_利用者台帳_202610.csv");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("draft.toml");
    let o = lifeline(&[
        "profile",
        "draft",
        export.to_str().unwrap(),
        "--target",
        "SERVICE_USER_INFO",
        "--target",
        "FORM_0900_2021",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code(&o), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = std::fs::read_to_string(&out).unwrap();
    let draft = Profile::load(&out, registry).unwrap();
    assert_eq!(draft.read.header_rows, 2);
    assert!(matches!(
        draft.facility,
        lifeline::map::Facility::Preamble(lifeline::map::Cell::Label { ref label, .. })
            if label == "事業所番号"
    ));
    let keys: Vec<Vec<String>> = draft.targets.iter().map(|t| t.key.clone()).collect();
    assert_eq!(keys, [vec!["利用者番号"], vec!["利用者番号", "ADL/評価日"]]);
    // Every item the bundled profile feeds from the export, the pipes' included.
    let want = fed_by(&bundled, &export);
    let got = fed_by(&draft, &export);
    let missing: Vec<_> = want.difference(&got).collect();
    assert!(
        missing.is_empty(),
        "the draft does not feed {missing:?}\n{text}"
    );
    for want in [
        "header_rows = 2   # review: a two-line header",
        "preamble = \"事業所番号\"   # review:",
        "placeholders = [\"null\"]   # review:",
        "from = \"利用者/氏名\"\nsteps = [{ split = \"space\" }]\ninto = [\"last_name\", \"first_name\"]",
        "steps = [{ split = \"space\" }, \"kana\"]\ninto = [\"last_name_kana\", \"first_name_kana\"]",
        "steps = [{ split = \"range\" }, \"date\"]\ninto = [\"care_period_start\", \"care_period_end\"]",
        "insured_no = { from = \"基本情報/被保険者番号\", steps = [{ strip = \"-\" }, \"code\", { pad = 10 }] }",
        "leading zeros Excel stripped",
        "timestamps among them",
        "first_month = { from = \"ADL/初月対象\", transform = \"label\", map = { \"○\" = \"1\", \"×\" = \"0\" } }",
    ] {
        assert!(text.contains(want), "missing {want:?} in\n{text}");
    }
    // Every guess and every pipe is marked for review.
    let entries = text.lines().filter(|l| l.contains("= { from =")).count()
        + text.lines().filter(|l| *l == "[[target.pipe]]").count();
    let reviews = text
        .lines()
        .filter(|l| l.starts_with("# review: ") && l.contains(" ← "))
        .count();
    assert_eq!(entries, reviews, "{text}");
    // No value of the export is written into the draft (the office number only as part of the
    // file's name, in the comments and the layout's name).
    assert!(
        text.lines()
            .all(|l| !l.contains("1370099010") || l.contains("1370099010_利用者台帳")),
        "{text}"
    );
    for secret in [
        "試験",
        "花子",
        "シケン",
        "12349",
        "012346",
        "令和6年",
        "R7.12.01",
        "刻み食",
        "NULL",
    ] {
        assert!(!text.contains(secret), "{secret} in the draft:\n{text}");
    }
    // `profile check` finds the header on line 4 and feeds every ◎ item but the constant
    // service_code, which the export does not carry.
    let o = lifeline(&[
        "profile",
        "check",
        out.to_str().unwrap(),
        export.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(code(&o), Some(1));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["exports"][0]["header_line"], 4);
    for t in v["targets"].as_array().unwrap() {
        let unfed: Vec<&str> = t["unmapped"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|u| u["req"] == "◎")
            .map(|u| u["item"].as_str().unwrap())
            .collect();
        assert_eq!(unfed, ["service_code"], "{}", t["data_type"]);
    }
}

#[test]
fn a_draft_pipes_only_columns_whose_values_hold_both_parts() {
    // 氏名 without a space and 期間 not a range: no pipe; 被保険者番号 of full length: no pad.
    let dir = tempfile::tempdir().unwrap();
    let export = dir.path().join("export.csv");
    std::fs::write(
        &export,
        "利用者番号,氏名,被保険者番号,有効期間\n\
         U1,試験花子,9901000001,令和6年4月1日\n\
         U2,テスト太郎,9901000002,R7.12.01\n",
    )
    .unwrap();
    let o = lifeline(&[
        "profile",
        "draft",
        export.to_str().unwrap(),
        "--target",
        "SERVICE_USER_INFO",
    ]);
    assert_eq!(code(&o), Some(0), "{}", String::from_utf8_lossy(&o.stderr));
    let text = stdout(&o);
    assert!(!text.contains("[[target.pipe]]"), "{text}");
    assert!(!text.contains("pad ="), "{text}");
    assert!(!text.contains("header_rows"), "{text}");
    assert!(text.contains("# ◎ unfed: last_name"), "{text}");
}

/// A ragged two-line header (the item line shorter than the group line) and a profile keyed on
/// 被保険者番号: no panic, and the 外部システム管理番号 made of that number is masked too.
#[test]
fn check_survives_a_ragged_two_line_header_and_masks_a_personal_key() {
    let tmp = tempfile::tempdir().unwrap();
    let profile = tmp.path().join("p.toml");
    std::fs::write(
        &profile,
        r#"name = "ragged"
[read]
header_rows = 2
header_min_aliases = 2
[[target]]
data_type = "SERVICE_USER_INFO"
spec = "3.10"
key = ["被保険者番号"]
key_prefix = "U"
[target.constants]
service_code = "51"
insurer_no = "144501"
gender = "2"
birthday = "19400401"
[target.columns]
insured_no = { from = "被保険者番号", transform = "code" }
last_name = { from = "利用者/氏名" }
first_name = { from = "利用者/名" }
remarks = { from = "備考" }
"#,
    )
    .unwrap();
    let export = tmp.path().join("e.csv");
    std::fs::write(
        &export,
        "被保険者番号,利用者,,備考\n,氏名,名\n9901000241,試験,花子,メモ\n",
    )
    .unwrap();
    let o = lifeline(&[
        "profile",
        "check",
        &profile.display().to_string(),
        &export.display().to_string(),
        "--facility",
        "1370099010",
    ]);
    let out = stdout(&o);
    assert!(
        matches!(code(&o), Some(0 | 1)),
        "{out}{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(out.contains("remarks"), "{out}");
    assert!(out.contains("column 4 `備考`"), "{out}");
    for private in ["9901000241", "試験", "花子"] {
        assert!(!out.contains(private), "{private} leaked:\n{out}");
    }
}
