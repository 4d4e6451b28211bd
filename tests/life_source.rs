//! Job sources of LIFE files the office's own software wrote (`{ life = [...] }`): recognised
//! by their first two lines, their 外部システム管理番号 kept, every batch check applied, and the
//! output byte for byte the input where nothing had to change.

mod common;

use std::path::{Path, PathBuf};
use std::process::Output;

use common::{lifeline, root};
use serde_json::Value;

const DIR: &str = "samples/vendor-life/1370000018";
const SUI: &str = "SERVICE_USER_INFO_1370000018_202610.csv";
const FORM: &str = "FORM_0000_2021_1370000018_202610.csv";

fn sample(name: &str) -> Vec<u8> {
    std::fs::read(root().join(DIR).join(name)).unwrap()
}

/// A job in `dir` for office `id` with these `source = [...]` entries.
fn job(dir: &Path, id: &str, sources: &[&str]) -> PathBuf {
    let p = dir.join("job.toml");
    let text = format!(
        "month = \"2026-10\"\n[[facility]]\nid = \"{id}\"\nsource = [\n{}\n]\n",
        sources
            .iter()
            .map(|s| format!("    {s},"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    std::fs::write(&p, text).unwrap();
    p
}

fn run(job: &Path, out: &Path, extra: &[&str]) -> Output {
    let (job, out) = (job.display().to_string(), out.display().to_string());
    let mut args = vec!["run", "--config", &job, "--out", &out, "--format", "json"];
    args.extend(extra);
    lifeline(&args)
}

fn json(p: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(p).unwrap()).unwrap()
}

/// The data rows of a UTF-8 (BOM) LIFE file.
fn rows(p: &Path) -> Vec<String> {
    let text = String::from_utf8(std::fs::read(p).unwrap()).unwrap();
    text.trim_start_matches('\u{feff}')
        .split("\r\n")
        .skip(2)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// Column `name` of each row of a UTF-8 LIFE file.
fn column(p: &Path, name: &str) -> Vec<String> {
    let text = String::from_utf8(std::fs::read(p).unwrap()).unwrap();
    let header: Vec<&str> = text
        .trim_start_matches('\u{feff}')
        .split("\r\n")
        .nth(1)
        .unwrap()
        .split(',')
        .collect();
    let i = header.iter().position(|h| *h == name).unwrap();
    rows(p)
        .iter()
        .map(|r| r.split(',').nth(i).unwrap().to_string())
        .collect()
}

fn rules_of(dir: &Path) -> Vec<(String, String, String)> {
    let f = json(&dir.join("findings.json"));
    common::joined_findings(&f)
        .iter()
        .map(|x| {
            (
                x["file"].as_str().unwrap_or_default().to_string(),
                x["line"].to_string(),
                x["rule"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect()
}

fn from_life<'a>(manifest: &'a Value, dt: &str) -> &'a Value {
    manifest["from_life"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["data_type"] == dt)
        .unwrap()
}

#[test]
fn the_sample_office_gets_its_own_files_back_numbers_kept_and_the_bad_row_quarantined() {
    let tmp = tempfile::tempdir().unwrap();
    let o = lifeline(&[
        "run",
        "--config",
        "samples/job.toml",
        "--out",
        &tmp.path().display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(1));
    let dir = tmp.path().join("202610/1370000018");
    // 3.10 SERVICE_USER_INFO, UTF-8 with BOM like the job: byte for byte the input.
    assert_eq!(std::fs::read(dir.join(SUI)).unwrap(), sample(SUI));
    let m = json(&dir.join("manifest.json"));
    assert_eq!(from_life(&m, "SERVICE_USER_INFO")["identical"], true);
    // 1.00 FORM_0000 in CP932 with one impossible 評価日: that row withheld, the rest
    // re-encoded; each vendor number is kept.
    let form = from_life(&m, "FORM_0000_2021");
    assert_eq!(form["identical"], false);
    let changes = form["changes"].to_string();
    assert!(
        changes.contains("re-encoded from CP932 to UTF-8 with BOM")
            && changes.contains("1 rows withheld"),
        "{changes}"
    );
    let bytes = sample(FORM);
    let (vendor, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    let numbers = column(&dir.join(FORM), "external_system_management_number");
    assert_eq!(numbers.len(), 8);
    assert!(
        numbers
            .iter()
            .all(|n| n.starts_with("KSA") && vendor.contains(&format!(",{n},")))
    );
    let shown = format!("vendor-life/1370000018/{FORM}");
    assert!(rules_of(&dir).contains(&(shown.clone(), "4".into(), "value.date".into())));
    let q = std::fs::read_to_string(dir.join("quarantine.csv")).unwrap();
    assert!(q.contains(&format!("{shown},4,")), "{q}");
    let acc = &m["accounting"];
    assert!(
        acc.as_array()
            .unwrap()
            .iter()
            .any(|a| a["data_type"] == "FORM_0000_2021"
                && a["read"] == 9
                && a["emitted"] == 8
                && a["quarantined"] == 1)
    );
}

#[test]
fn two_files_of_one_interface_merge_and_a_number_in_both_is_a_duplicate() {
    let tmp = tempfile::tempdir().unwrap();
    let sui = sample(SUI);
    std::fs::write(tmp.path().join("a.csv"), &sui).unwrap();
    // b.csv: the first user again, under the same number.
    let text = String::from_utf8(sui).unwrap();
    let b: Vec<&str> = text.split("\r\n").take(3).collect();
    std::fs::write(tmp.path().join("b.csv"), b.join("\r\n") + "\r\n").unwrap();
    let j = job(tmp.path(), "1370000018", &[r#"{ life = ["*.csv"] }"#]);
    let out = tmp.path().join("out");
    let o = run(&j, &out, &[]);
    assert_eq!(o.status.code(), Some(1));
    let dir = out.join("202610/1370000018");
    assert!(rules_of(&dir).contains(&("b.csv".into(), "3".into(), "batch.duplicate_key".into())));
    assert_eq!(rows(&dir.join(SUI)).len(), 8);
    let m = json(&dir.join("manifest.json"));
    let e = from_life(&m, "SERVICE_USER_INFO");
    assert_eq!(e["identical"], false);
    assert!(
        e["changes"]
            .to_string()
            .contains("rows of 2 LIFE files merged into one")
    );
}

#[test]
fn a_version_life_does_not_take_is_found_on_its_row_as_it_is_read_not_after_writing() {
    let tmp = tempfile::tempdir().unwrap();
    // The second user's row (line 4) names a version LIFE does not take.
    let text = String::from_utf8(sample(SUI)).unwrap();
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    assert!(lines[3].ends_with(",0310"));
    lines[3] = lines[3].replace(",0310", ",9999");
    std::fs::write(tmp.path().join("vendor.csv"), lines.join("\r\n")).unwrap();
    let j = job(tmp.path(), "1370000018", &[r#"{ life = ["vendor.csv"] }"#]);
    let out = tmp.path().join("out");
    assert_eq!(run(&j, &out, &[]).status.code(), Some(1));
    let dir = out.join("202610/1370000018");
    let found = rules_of(&dir);
    assert!(found.contains(&("vendor.csv".into(), "4".into(), "value.version".into())));
    assert!(
        !found.iter().any(|(_, _, r)| r == "emit.invalid"),
        "{found:?}"
    );
    let numbers = column(&dir.join(SUI), "external_system_management_number");
    assert_eq!(numbers.len(), 7);
    assert!(!numbers.iter().any(|n| n == "KSU102"));
    let v = lifeline(&["validate", &dir.join(SUI).display().to_string()]);
    assert_eq!(
        v.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&v.stdout)
    );
}

/// Swaps the numbers of the first two users.
fn swapped(sui: &[u8]) -> Vec<u8> {
    let text = String::from_utf8(sui.to_vec()).unwrap();
    text.replacen("KSU101,", "KSU_TMP,", 1)
        .replacen("KSU102,", "KSU101,", 1)
        .replacen("KSU_TMP,", "KSU102,", 1)
        .into_bytes()
}

#[test]
fn a_number_the_ledger_gave_another_user_is_withheld_not_renumbered() {
    let tmp = tempfile::tempdir().unwrap();
    let vendor = tmp.path().join("vendor.csv");
    std::fs::write(&vendor, sample(SUI)).unwrap();
    let j = job(tmp.path(), "1370000018", &[r#"{ life = ["vendor.csv"] }"#]);
    let out = tmp.path().join("out");
    assert_eq!(run(&j, &out, &[]).status.code(), Some(0));
    // November: the software numbered the first two users the other way round.
    std::fs::write(&vendor, swapped(&sample(SUI))).unwrap();
    let o = run(&j, &out, &["--month", "2026-11"]);
    assert_eq!(o.status.code(), Some(1));
    let dir = out.join("202611/1370000018");
    let reused: Vec<String> = rules_of(&dir)
        .into_iter()
        .filter(|(_, _, r)| r == "batch.number_reused")
        .map(|(_, l, _)| l)
        .collect();
    assert_eq!(reused, ["3", "4"]);
    let numbers = column(
        &dir.join("SERVICE_USER_INFO_1370000018_202611.csv"),
        "external_system_management_number",
    );
    assert_eq!(numbers.len(), 6);
    assert!(!numbers.iter().any(|n| n == "KSU101" || n == "KSU102"));
    // The same numbering as October raises nothing.
    std::fs::write(&vendor, sample(SUI)).unwrap();
    let o = run(&j, &out, &["--month", "2026-11"]);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&o.stdout)
    );
}

#[test]
fn delta_leaves_out_the_rows_sent_before_unchanged_and_the_manifest_says_so() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("v.csv"), sample(SUI)).unwrap();
    let j = job(tmp.path(), "1370000018", &[r#"{ life = ["v.csv"] }"#]);
    let out = tmp.path().join("out");
    assert_eq!(run(&j, &out, &[]).status.code(), Some(0));
    // One user's care level changes in November.
    let text = String::from_utf8(sample(SUI)).unwrap();
    let mut lines: Vec<String> = text.split("\r\n").map(str::to_string).collect();
    lines[2] = lines[2].replacen(",20271022,24,", ",20271022,23,", 1);
    std::fs::write(tmp.path().join("v.csv"), lines.join("\r\n")).unwrap();
    let o = run(&j, &out, &["--month", "2026-11", "--delta"]);
    assert_eq!(o.status.code(), Some(0));
    let dir = out.join("202611/1370000018");
    let m = json(&dir.join("manifest.json"));
    let a = &m["accounting"][0];
    assert_eq!(
        (
            a["read"].clone(),
            a["emitted"].clone(),
            a["unchanged"].clone()
        ),
        (8.into(), 1.into(), 7.into())
    );
    assert_eq!(
        column(
            &dir.join("SERVICE_USER_INFO_1370000018_202611.csv"),
            "external_system_management_number"
        ),
        ["KSU101"]
    );
    let e = from_life(&m, "SERVICE_USER_INFO");
    assert!(
        e["changes"]
            .to_string()
            .contains("7 rows left out as sent before unchanged (--delta)")
    );
}

#[test]
fn a_life_source_and_a_profiled_source_mix_in_one_office() {
    let tmp = tempfile::tempdir().unwrap();
    // The FORM_0000 rows of the sample office's users, as office 1470090018's own software
    // would write them, beside its user master read through a profile.
    let bytes = sample(FORM);
    let (form, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    let form = form
        .replace("1370000018,", "1470090018,")
        .replace("20261032", "20261015");
    std::fs::write(tmp.path().join("form.csv"), form.as_bytes()).unwrap();
    let profile = root().join("samples/profiles/honobono-kaigo.toml");
    let exports = root().join("samples/vendor/honobono-kaigo/1470090018_*.CSV");
    let profiled = format!(
        "{{ profile = {:?}, inputs = [{:?}] }}",
        profile.display().to_string(),
        exports.display().to_string()
    );
    let j = job(
        tmp.path(),
        "1470090018",
        &[&profiled, r#"{ life = ["form.csv"] }"#],
    );
    let out = tmp.path().join("out");
    let o = run(&j, &out, &[]);
    let dir = out.join("202610/1470090018");
    let rules = rules_of(&dir);
    assert!(
        !rules.iter().any(|(_, _, r)| r.starts_with("batch.")),
        "{rules:?} {}",
        String::from_utf8_lossy(&o.stdout)
    );
    let numbers = column(
        &dir.join("FORM_0000_2021_1470090018_202610.csv"),
        "external_system_management_number",
    );
    assert_eq!(numbers.len(), 9);
    assert!(numbers.iter().all(|n| n.starts_with("KSA")));
    let m = json(&dir.join("manifest.json"));
    assert_eq!(from_life(&m, "FORM_0000_2021")["inputs"][0], "form.csv");
    assert!(
        m["from_life"]
            .as_array()
            .unwrap()
            .iter()
            .all(|e| e["data_type"] != "SERVICE_USER_INFO")
    );
}

#[test]
fn a_file_that_is_not_a_life_file_fails_its_office_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(
        tmp.path().join("export.csv"),
        "利用者番号,氏名\r\n1,見本 太郎\r\n",
    )
    .unwrap();
    let j = job(tmp.path(), "1370000018", &[r#"{ life = ["export.csv"] }"#]);
    let out = tmp.path().join("out");
    let o = run(&j, &out, &[]);
    assert_eq!(o.status.code(), Some(2));
    let s: Value = serde_json::from_slice(&o.stdout).unwrap();
    let failed = s["results"][0]["failed"].as_str().unwrap();
    assert!(
        failed.starts_with("export.csv: not taken as a LIFE file: line 1"),
        "{failed}"
    );
    assert!(!out.join("202610/1370000018").exists());
}

#[test]
fn a_source_is_a_profile_with_inputs_or_life_files_not_both() {
    let tmp = tempfile::tempdir().unwrap();
    for (source, says) in [
        (
            r#"{ profile = "p.toml", inputs = ["a.csv"], life = ["b.csv"] }"#,
            "not both",
        ),
        (r#"{ profile = "p.toml" }"#, "needs `inputs`"),
        (r#"{ inputs = ["a.csv"] }"#, "needs a `profile`"),
    ] {
        let j = job(tmp.path(), "1370000018", &[source]);
        let o = run(&j, &tmp.path().join("out"), &[]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("facility 1370000018") && err.contains(says),
            "{err}"
        );
    }
}

#[test]
fn forms_of_a_life_file_need_their_users() {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("form.csv"), sample(FORM)).unwrap();
    let j = job(tmp.path(), "1370000018", &[r#"{ life = ["form.csv"] }"#]);
    let out = tmp.path().join("out");
    assert_eq!(run(&j, &out, &[]).status.code(), Some(1));
    let dir = out.join("202610/1370000018");
    let missing = rules_of(&dir)
        .iter()
        .filter(|(f, _, r)| f == "form.csv" && r == "batch.user_missing")
        .count();
    assert_eq!(missing, 9, "every row");
    assert!(!dir.join(FORM).exists(), "no row left to emit");
    let m = json(&dir.join("manifest.json"));
    assert!(
        from_life(&m, "FORM_0000_2021")["changes"]
            .to_string()
            .contains("no row emitted")
    );
}

mod messy {
    //! LIFE files made messy at random (cells emptied or broken, numbers repeated, rows of another
    //! office, short rows, line breaks in quotes, CP932 or UTF-8, LF or CRLF, split over two
    //! files): the promises hold — every file written validates, the counts are the rows on
    //! disk, every row not emitted is quarantined with a finding on its file and line.

    use super::*;
    use proptest::prelude::*;

    const JUNK: [&str; 6] = ["", "ＡＢＣ", "20260230", "\"改\n行\"", "9", "KSU101"];

    #[derive(Debug, Clone)]
    pub struct Case {
        rows: Vec<(u8, u8, u8)>,
        encoding: u8,
        crlf: bool,
        split: bool,
    }

    fn case() -> impl Strategy<Value = Case> {
        (
            proptest::collection::vec(any::<(u8, u8, u8)>(), 8),
            0u8..3,
            any::<bool>(),
            any::<bool>(),
        )
            .prop_map(|(rows, encoding, crlf, split)| Case {
                rows,
                encoding,
                crlf,
                split,
            })
    }

    impl Case {
        /// The files (name, bytes) of this case, from the sample SERVICE_USER_INFO.
        fn files(&self) -> Vec<(String, Vec<u8>)> {
            let text = String::from_utf8(sample(SUI)).unwrap();
            let lines: Vec<&str> = text.trim_start_matches('\u{feff}').split("\r\n").collect();
            let (head, data) = (&lines[..2], &lines[2..10]);
            let mut out: Vec<Vec<String>> = vec![Vec::new(), Vec::new()];
            for (n, (row, &(what, cell, junk))) in data.iter().zip(&self.rows).enumerate() {
                let mut fields: Vec<String> = row.split(',').map(str::to_string).collect();
                // Mostly clean; one row in four gets a quirk.
                match what % 16 {
                    0 => {
                        let at = cell as usize % fields.len();
                        fields[at] = JUNK[junk as usize % 6].into();
                    }
                    1 => fields[0] = "4070090008".into(),
                    2 => {
                        fields.pop();
                    }
                    3 => continue,
                    _ => {}
                }
                let file = usize::from(self.split && n % 2 == 1);
                out[file].push(fields.join(","));
            }
            let nl = if self.crlf { "\r\n" } else { "\n" };
            out.into_iter()
                .enumerate()
                .filter(|(i, rows)| *i == 0 || !rows.is_empty())
                .map(|(i, rows)| {
                    let all: Vec<&str> = head
                        .iter()
                        .copied()
                        .chain(rows.iter().map(String::as_str))
                        .collect();
                    let text = all.join(nl) + nl;
                    let bytes = match self.encoding {
                        0 => encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
                        1 => text.into_bytes(),
                        _ => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
                    };
                    (format!("v{i}.csv"), bytes)
                })
                .collect()
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 32, ..ProptestConfig::default() })]

        #[test]
        fn the_promises_hold_on_messy_life_files(c in case()) {
            let tmp = tempfile::tempdir().unwrap();
            for (name, bytes) in c.files() {
                std::fs::write(tmp.path().join(name), bytes).unwrap();
            }
            let j = job(tmp.path(), "1370000018", &[r#"{ life = ["v*.csv"] }"#]);
            let out = tmp.path().join("out");
            let o = run(&j, &out, &[]);
            prop_assert!(matches!(o.status.code(), Some(0 | 1)), "{}", String::from_utf8_lossy(&o.stdout));
            let summary: Value = serde_json::from_slice(&o.stdout).unwrap();
            common::invariants::check_month(&out.join("202610"), &summary, &out.join("ledger.sqlite"));
            common::office::check_office(&out.join("202610/1370000018"));
            // Clean, one file, in the job's encoding and line ends: the same bytes.
            let clean = c.rows.iter().all(|r| r.0 % 16 > 3);
            if clean && !c.split && c.encoding == 2 && c.crlf {
                let m = json(&out.join("202610/1370000018/manifest.json"));
                prop_assert_eq!(&from_life(&m, "SERVICE_USER_INFO")["identical"], &Value::Bool(true));
            }
        }
    }
}
