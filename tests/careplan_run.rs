//! A `careplan` source in the monthly batch: the 第6表 実績 says who was served, and a served
//! user with no LIFE record (in this run, or sent in the two months before) is `due.missing`
//! on their 実績 line, counted in the summary and the metrics, never shown in clear.

mod common;

use common::lifeline;

use std::path::{Path, PathBuf};

/// A generated batch of `facilities` offices × `users` users under `dir`; its job file.
fn sample(dir: &Path, facilities: u32, users: u32) -> PathBuf {
    let (f, u) = (facilities.to_string(), users.to_string());
    let o = lifeline(&[
        "sample",
        "--facilities",
        &f,
        "--users",
        &u,
        "--seed",
        "5",
        "--out",
        dir.to_str().unwrap(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    dir.join("job.toml")
}

fn the_careplan_file(dir: &Path) -> PathBuf {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir.join("careplan"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    files.remove(0)
}

fn findings(out: &Path, month: &str, fac: &str) -> Vec<serde_json::Value> {
    let path = out.join(month).join(fac).join("findings.json");
    let v: serde_json::Value = serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
    common::joined_findings(&v)
}

/// The sample job: two offices carry a 実績 with two served users in no user master each.
#[test]
fn the_sample_job_reports_served_users_without_a_life_record() {
    let tmp = tempfile::tempdir().unwrap();
    let out = tmp.path().join("out");
    let o = lifeline(&[
        "run",
        "--config",
        "samples/job.toml",
        "--out",
        out.to_str().unwrap(),
    ]);
    let text = String::from_utf8(o.stdout).unwrap();
    assert!(
        text.contains("served but not in LIFE: 4 of 20 users served this month (第6表 実績)"),
        "{text}"
    );
    assert!(
        text.contains(
            "served this month (第6表 実績)    10 users = in LIFE now     8 + sent before     0 + no LIFE record     2"
        ),
        "{text}"
    );
    let found = findings(&out, "202610", "1470090018");
    let served: Vec<&serde_json::Value> = found
        .iter()
        .filter(|f| f["rule"] == "due.missing" && f["file"].as_str().unwrap().contains("UPJSK"))
        .collect();
    assert_eq!(served.len(), 2, "{served:?}");
    for f in &served {
        assert!(f["line"].as_u64().unwrap() > 0, "{f}");
        assert_eq!(f["severity"], "warning");
        assert!(f["value"].is_null(), "no value, no personal data: {f}");
    }
    // The 実績 is an input of the office, with its hash.
    let manifest = std::fs::read_to_string(out.join("202610/1470090018/manifest.json")).unwrap();
    assert!(
        manifest.contains("vendor/careplan/UPJSK_202610_1470090018_"),
        "{manifest}"
    );
    // No 被保険者番号 of the 実績 anywhere in what the run wrote beside the LIFE files.
    let bytes = std::fs::read(common::root().join(
        "samples/vendor/careplan/UPJSK_202610_1470090018_15_1470080019_43_20261105093000.CSV",
    ))
    .unwrap();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    let numbers: Vec<&str> = text.lines().filter_map(|l| l.split(',').nth(2)).collect();
    assert!(!numbers.is_empty());
    for report in [
        "findings.json",
        "findings.csv",
        "quarantine.csv",
        "manifest.json",
    ] {
        let written = std::fs::read_to_string(out.join("202610/1470090018").join(report)).unwrap();
        for n in &numbers {
            assert!(!written.contains(n), "{report} holds a 被保険者番号");
        }
    }
    let metrics = std::fs::read_to_string(out.join("202610/metrics/metrics.csv")).unwrap();
    assert!(
        metrics
            .lines()
            .next()
            .unwrap()
            .contains("served_users,served_in_life,served_coverage"),
        "{metrics}"
    );
    let html = std::fs::read_to_string(out.join("202610/metrics/report.html")).unwrap();
    assert!(
        html.contains("16 / 20 人 users served"),
        "the ALL tile: 16 of 20 served users in LIFE"
    );
}

/// A user the 実績 of November lists, whose LIFE record went in October (the ledger), is
/// covered; the two served users never sent are not. The 実績 alone, no vendor export, runs.
#[test]
fn a_user_sent_last_month_is_covered_by_the_ledger() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    let job = sample(&dir, 1, 4);
    let out = tmp.path().join("out");
    let (code, oct) = common::run_json(&job, &out, &[]);
    assert!(matches!(code, 0 | 1), "{oct}");
    assert_eq!(
        oct["served"],
        serde_json::json!({"users": 6, "in_run": 4, "sent_before": 0, "missing": 2})
    );
    // November: only the 実績, moved to 202611.
    let oct_file = the_careplan_file(&dir);
    let name = oct_file.file_name().unwrap().to_str().unwrap();
    let nov_name = name.replacen("_202610_", "_202611_", 1);
    let bytes = std::fs::read(&oct_file).unwrap();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    let nov_text: String = text
        .split_inclusive("\r\n")
        .map(|l| {
            let mut f: Vec<String> = l.trim_end().split(',').map(str::to_string).collect();
            f[4] = "202611".into();
            f[9] = format!("202611{}", &f[9][6..]);
            f.join(",") + "\r\n"
        })
        .collect();
    let (nov_bytes, _, _) = encoding_rs::SHIFT_JIS.encode(&nov_text);
    std::fs::write(dir.join("careplan").join(&nov_name), &nov_bytes).unwrap();
    let fac = name.split('_').nth(2).unwrap();
    let nov_job = dir.join("nov.toml");
    std::fs::write(
        &nov_job,
        format!(
            "month = \"2026-11\"\n[[facility]]\nid = \"{fac}\"\nsource = [\n    {{ careplan = [\"careplan/{nov_name}\"] }},\n]\n"
        ),
    )
    .unwrap();
    let (code, nov) = common::run_json(&nov_job, &out, &["--month", "2026-11"]);
    assert!(matches!(code, 0 | 1), "{nov}");
    assert_eq!(
        nov["served"],
        serde_json::json!({"users": 6, "in_run": 0, "sent_before": 4, "missing": 2})
    );
    // In the same run, October's 実績 is another month's: checked, not used.
    std::fs::write(
        &nov_job,
        format!(
            "month = \"2026-11\"\n[[facility]]\nid = \"{fac}\"\nsource = [\n    {{ careplan = [\"careplan/UPJSK_*.CSV\"] }},\n]\n"
        ),
    )
    .unwrap();
    let out2 = tmp.path().join("out2");
    let (_, both) = common::run_json(&nov_job, &out2, &["--month", "2026-11"]);
    // A new output folder has a new ledger: nobody was sent before.
    assert_eq!(both["served"]["users"], 6, "{both}");
    assert_eq!(both["served"]["missing"], 6, "{both}");
    let found = findings(&out2, "202611", fac);
    let not_used: Vec<_> = found
        .iter()
        .filter(|f| f["rule"] == "careplan.not_used")
        .collect();
    assert_eq!(not_used.len(), 1, "{found:?}");
    assert!(not_used[0]["file"].as_str().unwrap().contains("_202610_"));
}

/// A care-plan file with errors makes the office's errors (the same report as its vendor
/// files); a 実績 of another office is checked but not used.
#[test]
fn care_plan_findings_are_the_offices_findings() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    let job = sample(&dir, 1, 3);
    let file = the_careplan_file(&dir);
    // One record's 対象年月 is another month: an error on its line, and its user is not served
    // by that record.
    let bytes = std::fs::read(&file).unwrap();
    let mut lines: Vec<Vec<u8>> = bytes
        .split_inclusive(|b| *b == b'\n')
        .map(<[u8]>::to_vec)
        .collect();
    let at = lines[1].windows(8).position(|w| w == b",202610,").unwrap();
    lines[1][at + 1..at + 7].copy_from_slice(b"202609");
    std::fs::write(&file, lines.concat()).unwrap();
    let (code, summary) = common::run_json(&job, &tmp.path().join("out"), &[]);
    assert_eq!(code, 1, "{summary}");
    let r = &summary["results"][0];
    assert_eq!(r["per_rule"]["careplan.month"], 1, "{r}");
    let fac = r["facility"].as_str().unwrap();
    let found = findings(&tmp.path().join("out"), "202610", fac);
    let month: Vec<_> = found
        .iter()
        .filter(|f| f["rule"] == "careplan.month")
        .collect();
    assert_eq!(month[0]["line"], 2);
    assert_eq!(month[0]["severity"], "error");

    // Another office's 実績 in this office's source.
    let other = dir
        .join("careplan")
        .join(file.file_name().unwrap().to_str().unwrap().replacen(
            &format!("_{fac}_"),
            "_1370000018_",
            1,
        ));
    std::fs::rename(&file, &other).unwrap();
    let text = std::fs::read_to_string(&job).unwrap();
    let any = text.replace(
        &format!("careplan/UPJSK_*_{fac}_*.CSV"),
        "careplan/UPJSK_*.CSV",
    );
    assert_ne!(any, text);
    std::fs::write(&job, any).unwrap();
    let (_, summary) = common::run_json(&job, &tmp.path().join("out-other"), &[]);
    let r = &summary["results"][0];
    assert_eq!(r["per_rule"]["careplan.not_used"], 1, "{r}");
    assert_eq!(summary["served"]["users"], 0, "{summary}");

    // This office's 実績, but its name cannot be read (the 3-digit service type of 4.0): whose
    // and which month's it is is unknown, so it is checked and not used.
    let bad = dir
        .join("careplan")
        .join(other.file_name().unwrap().to_str().unwrap().replacen(
            "_1370000018_15_",
            &format!("_{fac}_151_"),
            1,
        ));
    std::fs::rename(&other, &bad).unwrap();
    let (_, summary) = common::run_json(&job, &tmp.path().join("out-bad-name"), &[]);
    let r = &summary["results"][0];
    assert_eq!(r["per_rule"]["careplan.name"], 1, "{r}");
    assert_eq!(r["per_rule"]["careplan.not_used"], 1, "{r}");
    assert_eq!(summary["served"]["users"], 0, "{summary}");
}

/// `{ careplan }` takes nothing else; a pattern that matches nothing fails the office (exit 2).
#[test]
fn a_careplan_source_with_anything_else_is_a_job_error() {
    let tmp = tempfile::tempdir().unwrap();
    let job = tmp.path().join("job.toml");
    std::fs::write(
        &job,
        "month = \"2026-10\"\n[[facility]]\nid = \"1370000018\"\nsource = [\n    { careplan = [\"x/*.CSV\"], profile = \"p.toml\", inputs = [\"a\"] },\n]\n",
    )
    .unwrap();
    let (code, said) = common::run_json(&job, &tmp.path().join("o"), &[]);
    assert_eq!(code, 2);
    let err = said["stderr"].as_str().unwrap();
    assert!(
        err.contains("a `careplan` source takes nothing else"),
        "{err}"
    );

    std::fs::write(
        &job,
        "month = \"2026-10\"\n[[facility]]\nid = \"1370000018\"\nsource = [\n    { careplan = [\"x/*.CSV\"] },\n]\n",
    )
    .unwrap();
    let (code, summary) = common::run_json(&job, &tmp.path().join("o2"), &[]);
    assert_eq!(code, 2, "{summary}");
    assert!(
        summary.to_string().contains("no input file matches"),
        "{summary}"
    );
}

/// A served user whose LIFE records were all withheld (an error in their user master row) has
/// no LIFE record this month: not "in LIFE now", but `due.missing` on the 実績.
#[test]
fn a_served_user_whose_records_are_withheld_is_not_in_life() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    let job = sample(&dir, 1, 3);
    let out = tmp.path().join("out");
    let (_, before) = common::run_json(&job, &out, &[]);
    assert_eq!(
        before["served"],
        serde_json::json!({"users": 5, "in_run": 3, "sent_before": 0, "missing": 2})
    );
    // The first user's 生年月日 an impossible date: their SERVICE_USER_INFO row is withheld,
    // and with it their forms.
    let master = std::fs::read_dir(dir.join("honobono-kaigo"))
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path();
    let bytes = std::fs::read(&master).unwrap();
    let (text, _, _) = encoding_rs::SHIFT_JIS.decode(&bytes);
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_string).collect();
    let user = lines
        .iter()
        .position(|l| l.contains(",000101,"))
        .expect("the first user's row");
    let birth = lines[user].split(',').nth(8).unwrap().to_string();
    lines[user] = lines[user].replacen(&format!(",{birth},"), ",1931/13/45,", 1);
    let spoilt = lines.concat();
    let (spoilt, _, _) = encoding_rs::SHIFT_JIS.encode(&spoilt);
    std::fs::write(&master, &spoilt).unwrap();
    let (_, after) = common::run_json(&job, &tmp.path().join("out2"), &[]);
    let r = &after["results"][0];
    assert!(r["per_rule"]["ingest.date"].as_u64().unwrap() >= 1, "{r}");
    assert_eq!(
        after["served"],
        serde_json::json!({"users": 5, "in_run": 2, "sent_before": 0, "missing": 3}),
        "{r}"
    );
}
