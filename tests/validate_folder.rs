//! `lifeline validate` on a folder or several files: the cross-file rules (`batch.user_missing`,
//! `batch.duplicate_key`, `batch.parent_missing`, `batch.users_unchecked`), through the binary.
//! Fixtures: tests/fixtures/validate-folder (synthetic, obviously fake people).

mod common;

use common::{joined_findings, lifeline};
use serde_json::Value;

const DIR: &str = "tests/fixtures/validate-folder";
const CLEAN: &str = "tests/fixtures/validate-folder/clean";
const USERS: &str = "tests/fixtures/validate-folder/clean/SERVICE_USER_INFO_1370000018.csv";
const FORM: &str = "tests/fixtures/validate-folder/clean/FORM_0000_2021_1370000018.csv";
const CHILD: &str = "tests/fixtures/validate-folder/clean/FORM_0001_2021_1370000018.csv";

/// Exit code and the findings of a JSON report.
fn validate(paths: &[&str]) -> (Option<i32>, Vec<Value>) {
    let mut args = vec!["validate", "--format", "json"];
    args.extend(paths);
    let o = lifeline(&args);
    let report: Value = serde_json::from_slice(&o.stdout).expect("one JSON document");
    (o.status.code(), joined_findings(&report))
}

/// (file name, line, value) of the findings of `rule`.
fn of_rule(findings: &[Value], rule: &str) -> Vec<(String, u64, Option<String>)> {
    findings
        .iter()
        .filter(|f| f["rule"] == rule)
        .map(|f| {
            let path = f["file"].as_str().unwrap();
            let name = path.rsplit('/').next().unwrap().to_string();
            let value = f["value"].as_str().map(str::to_string);
            (name, f["line"].as_u64().unwrap_or(0), value)
        })
        .collect()
}

fn errors(findings: &[Value]) -> Vec<&Value> {
    findings
        .iter()
        .filter(|f| f["severity"] == "error")
        .collect()
}

/// No finding of a cross-file rule (`batch.*`).
fn assert_no_cross_file_rule(findings: &[Value]) {
    assert!(
        findings
            .iter()
            .all(|f| !f["rule"].as_str().unwrap().starts_with("batch.")),
        "{findings:#?}"
    );
}

#[test]
fn a_clean_folder_passes_every_cross_file_rule() {
    let (code, findings) = validate(&[CLEAN]);
    assert_eq!(code, Some(0), "{findings:#?}");
    assert!(errors(&findings).is_empty(), "{findings:#?}");
    assert_no_cross_file_rule(&findings);
}

#[test]
fn a_form_whose_user_is_in_no_service_user_info_is_an_error_on_its_row() {
    let stranger = format!("{DIR}/FORM_0000_2021_stranger.csv");
    let (code, findings) = validate(&[USERS, FORM, &stranger]);
    assert_eq!(code, Some(1));
    assert_eq!(
        of_rule(&findings, "batch.user_missing"),
        [("FORM_0000_2021_stranger.csv".to_string(), 4, None)],
        "only the row of user 9; user 2 (line 3) is in SERVICE_USER_INFO"
    );
    let f = findings
        .iter()
        .find(|f| f["rule"] == "batch.user_missing")
        .unwrap();
    assert_eq!(f["column"], "insured_no");
    assert_eq!(
        f["message_en"],
        "FORM_0000_2021: the user is in no SERVICE_USER_INFO row of this facility in the files given"
    );
    // The 被保険者番号 is never in the report, in JSON or text.
    let o = lifeline(&["validate", USERS, FORM, &stranger]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(text.contains("batch.user_missing (1)"), "{text}");
    assert!(text.contains("line 4, insured_no"), "{text}");
    for secret in ["9900000009", "9900000001", "架空"] {
        assert!(!text.contains(secret), "{secret} leaked: {text}");
        assert!(!serde_json::to_string(&findings).unwrap().contains(secret));
    }
}

#[test]
fn without_a_service_user_info_file_the_users_are_not_checked_but_said_so() {
    let stranger = format!("{DIR}/FORM_0000_2021_stranger.csv");
    let (code, findings) = validate(&[FORM, &stranger]);
    assert_eq!(code, Some(0), "a warning: exit 0");
    assert!(of_rule(&findings, "batch.user_missing").is_empty());
    assert_eq!(
        of_rule(&findings, "batch.users_unchecked"),
        [
            ("FORM_0000_2021_1370000018.csv".to_string(), 0, None),
            ("FORM_0000_2021_stranger.csv".to_string(), 0, None),
        ],
        "one warning per form file, about the file"
    );
    // A single file has no cross-file rules at all.
    let (code, findings) = validate(&[&stranger]);
    assert_eq!(code, Some(0));
    assert_no_cross_file_rule(&findings);
}

#[test]
fn a_number_from_two_files_is_a_duplicate_naming_the_first_file_and_line() {
    let again = format!("{DIR}/FORM_0000_2021_again.csv");
    let (code, findings) = validate(&[USERS, FORM, &again]);
    assert_eq!(code, Some(1));
    // K-U0001 is on line 3 of the clean form, then on lines 4 and 5 of `again`: the first of
    // them is the cross-file duplicate, the second the in-file one (`key.duplicate`), not both.
    assert_eq!(
        of_rule(&findings, "batch.duplicate_key"),
        [(
            "FORM_0000_2021_again.csv".to_string(),
            4,
            Some(format!("first in {FORM}, line 3"))
        )]
    );
    let in_file: Vec<u64> = of_rule(&findings, "key.duplicate")
        .into_iter()
        .map(|f| f.1)
        .collect();
    assert_eq!(in_file, [5]);
    // Its own number (K-U0005, line 3) and the clean form are fine.
    assert_eq!(errors(&findings).len(), 2, "{findings:#?}");
}

#[test]
fn a_child_without_its_parent_is_an_error_when_the_parent_interface_is_given() {
    let orphan = format!("{DIR}/FORM_0001_2021_orphan.csv");
    let (code, findings) = validate(&[USERS, FORM, CHILD, &orphan]);
    assert_eq!(code, Some(1));
    // K-U0001 (line 3) has its FORM_0000_2021 row, and another detail number than the clean
    // child's rows: no duplicate. K-U0007 (line 4) has no parent.
    assert_eq!(
        of_rule(&findings, "batch.parent_missing"),
        [("FORM_0001_2021_orphan.csv".to_string(), 4, None)]
    );
    assert!(of_rule(&findings, "batch.duplicate_key").is_empty());
    let f = findings
        .iter()
        .find(|f| f["rule"] == "batch.parent_missing")
        .unwrap();
    assert_eq!(
        f["message_en"],
        "FORM_0001_2021 → FORM_0000_2021: the parent record is in none of the files given"
    );
    // Without a FORM_0000_2021 file the parents are not checked.
    let (code, findings) = validate(&[USERS, CHILD, &orphan]);
    assert_eq!(code, Some(0), "{findings:#?}");
    assert!(of_rule(&findings, "batch.parent_missing").is_empty());
}

#[test]
fn the_text_report_names_the_file_and_line_of_each_cross_file_finding() {
    let again = format!("{DIR}/FORM_0000_2021_again.csv");
    let o = lifeline(&["validate", CLEAN, &again]);
    assert_eq!(o.status.code(), Some(1));
    let text = String::from_utf8(o.stdout).unwrap();
    let at = text
        .find("FORM_0000_2021_again.csv\n")
        .expect("the file's section");
    let section = &text[at..];
    assert!(
        section.contains(&format!(
            "line 4, external_system_management_number \"first in {CLEAN}/FORM_0000_2021_1370000018.csv, line 3\""
        )),
        "{text}"
    );
}

#[test]
fn the_rules_are_per_office_a_user_of_another_office_is_missing() {
    let tmp = tempfile::tempdir().unwrap();
    let form = std::fs::read_to_string(FORM).unwrap();
    // The same users and numbers, but of another (fake) office.
    let other = tmp.path().join("FORM_0000_2021_other_office.csv");
    std::fs::write(&other, form.replace("1370000018", "1370000026")).unwrap();
    let other = other.display().to_string();
    let (code, findings) = validate(&[USERS, FORM, &other]);
    assert_eq!(code, Some(1));
    let name = "FORM_0000_2021_other_office.csv".to_string();
    assert_eq!(
        of_rule(&findings, "batch.user_missing"),
        [(name.clone(), 3, None), (name, 4, None)]
    );
    assert!(
        of_rule(&findings, "batch.duplicate_key").is_empty(),
        "another office may use the same numbers"
    );
}
