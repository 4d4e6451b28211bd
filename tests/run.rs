//! `lifeline run`: the monthly batch end to end.

mod common;

use common::lifeline;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn run_job(out: &Path) -> Output {
    lifeline(&[
        "run",
        "--config",
        "samples/job.toml",
        "--out",
        &out.display().to_string(),
        "--format",
        "json",
    ])
}

/// Every file under a folder: relative path → bytes.
fn tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.insert(
                    p.strip_prefix(dir).unwrap().to_path_buf(),
                    std::fs::read(&p).unwrap(),
                );
            }
        }
    }
    out
}

#[test]
fn the_sample_job_runs_every_facility_and_every_manifest_balances() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_job(tmp.path());
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["facilities"]["clean"], 2);
    assert_eq!(summary["facilities"]["with_errors"], 3);
    assert_eq!(summary["deadline"], "2026-11-10");
    for fac in [
        "1470090018",
        "4070090008",
        "2370090009",
        "1370099010",
        "1370000018",
    ] {
        let dir = tmp.path().join("202610").join(fac);
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        let accounting = manifest["accounting"].as_array().unwrap();
        assert!(
            !accounting.is_empty(),
            "{fac}: the manifest accounts for no interface"
        );
        for a in accounting {
            let (r, e, q) = (
                a["read"].as_u64().unwrap(),
                a["emitted"].as_u64().unwrap(),
                a["quarantined"].as_u64().unwrap(),
            );
            assert_eq!(r, e + q, "{fac} {}", a["data_type"]);
        }
        let outputs = manifest["outputs"].as_array().unwrap();
        let mut validated = 0;
        for out in outputs {
            let name = out["path"].as_str().unwrap();
            let bytes = std::fs::read(dir.join(name)).unwrap();
            let sha: String = {
                use sha2::Digest;
                sha2::Sha256::digest(&bytes)
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect()
            };
            assert_eq!(out["sha256"], sha, "{fac}/{name}");
            // Rows with errors are withheld: what is emitted validates without errors.
            if name.ends_with(&format!("_{fac}_202610.csv")) {
                let v = lifeline(&[
                    "validate",
                    "--format",
                    "json",
                    &dir.join(name).display().to_string(),
                ]);
                let j: serde_json::Value = serde_json::from_slice(&v.stdout).unwrap();
                assert_eq!(j["files"][0]["errors"], 0, "{fac}/{name}");
                assert!(
                    j["files"][0]["rows"].as_u64().unwrap() > 0,
                    "{fac}/{name}: no row"
                );
                validated += 1;
            }
        }
        assert!(validated >= 1, "{fac}: no LIFE file in {outputs:?}");
        for f in ["findings.json", "findings.csv", "quarantine.csv"] {
            assert!(dir.join(f).exists(), "{fac}/{f}");
        }
    }
    // The messy ledger (every pattern of docs/profiles.md § Value steps) comes out clean: its quirks
    // are repairs (warnings), its dummy user is left out on purpose, and its FORM_0900_2021 (no
    // complete 3.10 form) says it is 1.00, once.
    let f = std::fs::read_to_string(tmp.path().join("202610/1370099010/findings.csv")).unwrap();
    let mut rules: Vec<&str> = f
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(4).unwrap())
        .collect();
    rules.sort();
    assert_eq!(
        rules,
        [
            "emit.retired_spec",
            "ingest.folded",
            "ingest.folded",
            "ingest.padded",
            "ingest.quarantined"
        ],
        "{f}"
    );
    let users = std::fs::read_to_string(
        tmp.path()
            .join("202610/1370099010/SERVICE_USER_INFO_1370099010_202610.csv"),
    )
    .unwrap();
    assert_eq!(users.lines().count(), 2 + 6, "{users}");
    assert!(users.lines().all(|l| !l.contains('\r')));
    // The dirty facility's mistakes are quarantined with their reasons.
    let q = std::fs::read_to_string(tmp.path().join("202610/2370090009/quarantine.csv")).unwrap();
    assert!(q.contains("ingest."), "{q}");
    let left: Vec<_> = tree(tmp.path())
        .into_keys()
        .filter(|p| is_temporary(p))
        .collect();
    assert!(left.is_empty(), "temporary files left: {left:?}");
    assert!(
        !tmp.path().join(".lifeline.lock").exists(),
        "the lock is released"
    );
}

#[test]
fn a_run_killed_midway_then_rerun_gives_the_same_bytes() {
    let clean = tempfile::tempdir().unwrap();
    run_job(clean.path());
    let killed = tempfile::tempdir().unwrap();
    for delay_ms in [5u64, 40, 120] {
        let mut child = Command::new(env!("CARGO_BIN_EXE_lifeline"))
            .args([
                "run",
                "--config",
                "samples/job.toml",
                "--out",
                &killed.path().display().to_string(),
            ])
            .current_dir(common::root())
            .stdout(std::process::Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(std::time::Duration::from_millis(delay_ms));
        let _ = child.kill();
        let _ = child.wait();
        // Atomic writes: every output file visible after a kill is complete, i.e. exactly the
        // clean run's file (outputs are deterministic).
        let clean_tree = tree(clean.path());
        for (p, bytes) in tree(killed.path()) {
            // The ledger is SQLite's own crash-safe file (with a random key), not an output.
            if is_temporary(&p)
                || p.ends_with(".lifeline.lock")
                || p.to_string_lossy().starts_with("ledger.sqlite")
            {
                continue;
            }
            // The metrics count every run, the killed ones too, so they differ from the clean
            // run's; complete all the same.
            if p.starts_with("202610/metrics") {
                if p.ends_with("metrics.json") {
                    serde_json::from_slice::<serde_json::Value>(&bytes)
                        .expect("metrics.json is complete after a kill");
                }
                continue;
            }
            assert!(
                clean_tree.get(&p) == Some(&bytes),
                "{} is half-written after a kill",
                p.display()
            );
        }
    }
    run_job(killed.path());
    // The re-run also clears the temporary files the killed runs left.
    let outputs = |d: &Path| {
        let mut t = tree(d);
        t.retain(|p, _| {
            !p.to_string_lossy().starts_with("ledger.sqlite") && !p.starts_with("202610/metrics")
        });
        t
    };
    let (a, b) = (outputs(clean.path()), outputs(killed.path()));
    assert_eq!(a.keys().collect::<Vec<_>>(), b.keys().collect::<Vec<_>>());
    for (p, bytes) in &a {
        assert!(
            bytes == &b[p],
            "{} differs after a killed run and a re-run",
            p.display()
        );
    }
}

#[test]
fn a_second_run_on_the_same_output_is_refused() {
    let tmp = tempfile::tempdir().unwrap();
    // A live holder: this test process holds the folder's lock.
    let lock = lifeline::run::Lock::acquire(tmp.path()).unwrap();
    let o = run_job(tmp.path());
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("another run holds") && err.contains(&format!("pid {}", std::process::id())),
        "{err}"
    );
    drop(lock);
    // A lock file nobody holds (its run was killed) is taken.
    std::fs::write(tmp.path().join(".lifeline.lock"), "pid 4000000000\n").unwrap();
    assert_eq!(run_job(tmp.path()).status.code(), Some(1));
}

#[test]
fn a_bad_job_file_is_exit_2() {
    let tmp = tempfile::tempdir().unwrap();
    let job = tmp.path().join("job.toml");
    std::fs::write(
        &job,
        "month = \"2026-10\"\n[[facility]]\nid = \"1\"\nsource = [{ profile = \"p.toml\" }]\n",
    )
    .unwrap();
    let o = lifeline(&[
        "run",
        "--config",
        &job.display().to_string(),
        "--out",
        &tmp.path().join("o").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("job.toml:"));
    let o = lifeline(&[
        "run",
        "--config",
        "samples/job.toml",
        "--month",
        "2026-13",
        "--out",
        &tmp.path().join("o").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    // A spec version the registry does not have is refused, not silently ignored.
    let job = job_copy(&tmp.path().join("copy"));
    let text =
        std::fs::read_to_string(&job)
            .unwrap()
            .replacen("spec = \"auto\"", "spec = \"2020\"", 1);
    std::fs::write(&job, text).unwrap();
    let o = lifeline(&[
        "run",
        "--config",
        &job.display().to_string(),
        "--out",
        &tmp.path().join("o2").display().to_string(),
    ]);
    assert_eq!(o.status.code(), Some(2));
    let e = String::from_utf8_lossy(&o.stderr);
    assert!(
        e.contains("`spec = \"2020\"` is not a spec version (auto, 2021, 3.10)"),
        "{e}"
    );
}

/// A copy of the sample job in a temporary folder, so its inputs can be changed.
fn job_copy(dir: &Path) -> PathBuf {
    let samples = common::root().join("samples");
    for sub in ["profiles", "vendor", "vendor-dirty", "vendor-life"] {
        for (p, bytes) in tree(&samples.join(sub)) {
            let to = dir.join(sub).join(p);
            std::fs::create_dir_all(to.parent().unwrap()).unwrap();
            std::fs::write(to, bytes).unwrap();
        }
    }
    for f in ["job.toml", "baseline.toml"] {
        std::fs::copy(samples.join(f), dir.join(f)).unwrap();
    }
    dir.join("job.toml")
}

fn run_at(job: &Path, out: &Path, extra: &[&str]) -> serde_json::Value {
    let (code, summary) = common::run_json(job, out, extra);
    assert!(matches!(code, 0 | 1), "{summary}");
    summary
}

fn accounting(summary: &serde_json::Value, fac: &str, data_type: &str) -> (u64, u64) {
    let r = summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["facility"] == fac)
        .unwrap();
    let a = r["accounting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["data_type"] == data_type)
        .unwrap();
    (
        a["emitted"].as_u64().unwrap(),
        a["unchanged"].as_u64().unwrap(),
    )
}

#[test]
fn delta_over_two_months_emits_only_new_or_changed_records() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let out = tmp.path().join("out");
    let oct = run_at(&job, &out, &["--month", "2026-10"]);
    assert_eq!(accounting(&oct, "4070090008", "SERVICE_USER_INFO"), (8, 0));
    // November, nothing changed: everything is unchanged.
    let nov = run_at(&job, &out, &["--month", "2026-11", "--delta"]);
    assert_eq!(accounting(&nov, "4070090008", "SERVICE_USER_INFO"), (0, 8));
    // One user's care level changes in the export: only that record is emitted.
    let file = std::fs::read_dir(tmp.path().join("job/vendor/kanamic-user"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| p.to_string_lossy().contains("4070090008"))
        .unwrap();
    let text = std::fs::read_to_string(&file).unwrap();
    let changed = [
        "要介護１",
        "要介護２",
        "要介護３",
        "要介護４",
        "要介護５",
        "要支援１",
        "要支援２",
    ]
    .iter()
    .find_map(|from| {
        text.contains(from).then(|| {
            text.replacen(
                from,
                if *from == "要介護５" {
                    "要介護４"
                } else {
                    "要介護５"
                },
                1,
            )
        })
    })
    .expect("a care level to change");
    std::fs::write(&file, changed).unwrap();
    let dec = run_at(&job, &out, &["--month", "2026-12", "--delta"]);
    assert_eq!(accounting(&dec, "4070090008", "SERVICE_USER_INFO"), (1, 7));
    let life = out.join("202612/4070090008/SERVICE_USER_INFO_4070090008_202612.csv");
    assert_eq!(
        std::fs::read_to_string(life).unwrap().lines().count(),
        3,
        "data type, header, one row"
    );
    // Re-running a month is idempotent: the same answer again.
    let again = run_at(&job, &out, &["--month", "2026-12", "--delta"]);
    assert_eq!(
        accounting(&again, "4070090008", "SERVICE_USER_INFO"),
        (1, 7)
    );
}

#[test]
fn a_form_row_needs_its_user() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    // Facility 1470090018 without its user master: its assessment rows have no user.
    let text = std::fs::read_to_string(&job).unwrap();
    let without = text.replace(
        "    { profile = \"profiles/honobono-kaigo.toml\", inputs = [\"vendor/honobono-kaigo/1470090018_*.CSV\"] },\n",
        "",
    );
    assert_ne!(text, without);
    std::fs::write(&job, without).unwrap();
    let out = tmp.path().join("out");
    let s = run_at(&job, &out, &["--month", "2026-10"]);
    let r = s["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["facility"] == "1470090018")
        .unwrap();
    assert!(r["per_rule"]["batch.user_missing"].as_u64().unwrap() > 0);
    assert_eq!(
        accounting(&s, "1470090018", "FORM_0000_2021").0,
        0,
        "no form row without its user is emitted"
    );
    // Once the users were submitted (an earlier month in the ledger), the forms go through.
    let full = job_copy(&tmp.path().join("job2"));
    let out2 = tmp.path().join("out2");
    run_at(&full, &out2, &["--month", "2026-09"]);
    let s = run_at(&job, &out2, &["--month", "2026-10"]);
    assert!(accounting(&s, "1470090018", "FORM_0000_2021").0 > 0);
}

#[test]
fn a_user_due_without_an_assessment_is_a_finding() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let out = tmp.path().join("out");
    // July: everyone assessed, the ledger learns it.
    let jul = run_at(&job, &out, &["--month", "2026-07"]);
    assert_eq!(jul["due_missing"], 0);
    // October (3 months later): the first user's assessment row is gone from the export.
    let tsv = tmp
        .path()
        .join("job/vendor/assessment/1470090018_assessment_202610.tsv");
    let bytes = std::fs::read(&tsv).unwrap();
    let mut lines: Vec<&[u8]> = bytes.split_inclusive(|b| *b == b'\n').collect();
    lines.remove(2); // line 1 is a preamble, line 2 the header
    std::fs::write(&tsv, lines.concat()).unwrap();
    let oct = run_at(&job, &out, &["--month", "2026-10"]);
    let r = oct["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["facility"] == "1470090018")
        .unwrap();
    // The user's, and the two users the office's 第6表 実績 says were served without a LIFE
    // record (see the next test).
    assert_eq!(r["per_rule"]["due.missing"], 3, "{r}");
    // The finding points at the user's row of the user master, and says why.
    let findings: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("202610/1470090018/findings.json")).unwrap(),
    )
    .unwrap();
    let findings = common::joined_findings(&findings);
    let due: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|f| f["rule"] == "due.missing" && !f["file"].as_str().unwrap().contains("UPJSK"))
        .collect();
    assert_eq!(due.len(), 1);
    assert!(
        due[0]["file"].as_str().unwrap().contains("honobono-kaigo"),
        "{}",
        due[0]
    );
    assert!(
        due[0]["message_en"]
            .as_str()
            .unwrap()
            .contains("last sent 3 months ago"),
        "{}",
        due[0]
    );
    // A month later than due, the same user is due again; two months after July, nobody is.
    let sep = run_at(&job, &out, &["--month", "2026-09"]);
    assert_eq!(sep["due_missing"], 0);
}

#[test]
fn logs_are_json_lines_without_personal_data() {
    let tmp = tempfile::tempdir().unwrap();
    let o = lifeline(&[
        "run",
        "--config",
        "samples/job.toml",
        "--out",
        &tmp.path().display().to_string(),
        "--log-format",
        "json",
    ]);
    let err = String::from_utf8(o.stderr).unwrap();
    let events: Vec<serde_json::Value> = err
        .lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object per line"))
        .collect();
    assert_eq!(
        events
            .iter()
            .filter(|e| e["event"] == "facility_done")
            .count(),
        5
    );
    assert_eq!(events.first().unwrap()["event"], "run_start");
    assert_eq!(events.last().unwrap()["event"], "run_done");
    // No names or 被保険者番号 (the samples' start with 99).
    assert!(!err.contains("仮名") && !err.contains("見本") && !err.contains("試験"));
    assert!(
        !err.split(|c: char| !c.is_ascii_digit())
            .any(|d| d.len() == 10 && d.starts_with("99")),
        "{err}"
    );
    // And the summary on stdout neither.
    let out = String::from_utf8(o.stdout).unwrap();
    assert!(
        !out.split(|c: char| !c.is_ascii_digit())
            .any(|d| d.len() == 10 && d.starts_with("99"))
    );
}

#[test]
fn a_job_can_set_the_service_code_of_an_office() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let text = std::fs::read_to_string(&job)
        .unwrap()
        .replace("service_code = \"15\"", "service_code = \"78\"");
    std::fs::write(&job, text).unwrap();
    let out = tmp.path().join("out");
    run_at(&job, &out, &["--month", "2026-10"]);
    let life = std::fs::read_to_string(
        out.join("202610/4070090008/SERVICE_USER_INFO_4070090008_202610.csv"),
    )
    .unwrap();
    let mut lines = life.lines().skip(1);
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let at = header.iter().position(|h| *h == "service_code").unwrap();
    let rows: Vec<&str> = lines.collect();
    assert!(!rows.is_empty(), "no row in {life}");
    for row in rows {
        assert_eq!(row.split(',').nth(at), Some("78"), "{row}");
    }
}

#[test]
fn a_child_row_needs_its_parent() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let dir = tmp.path().join("job");
    std::fs::write(
        dir.join("profiles/history.toml"),
        r#"
name = "既往歴"
[facility]
column = "事業所番号"
[[target]]
data_type = "FORM_0001_2021"
spec = "2021"
key = ["利用者番号", "評価日"]
key_prefix = "K"
[target.constants]
service_code = "51"
[target.columns]
insurer_no = { from = "保険者番号", transform = "digits" }
insured_no = { from = "被保険者番号", transform = "digits" }
external_system_management_detail_number = { from = "連番", transform = "code" }
disease_name = { from = "病名" }
symptoms_appearance_date = { from = "発症日", transform = "date" }
"#,
    )
    .unwrap();
    // The first row's parent is the assessment of 000101 on 2026-10-07; the second's does not exist.
    std::fs::write(
        dir.join("vendor/history.csv"),
        "事業所番号,利用者番号,評価日,保険者番号,被保険者番号,連番,病名,発症日\n\
         1470090018,000101,20261007,144501,9901000062,1,見本病,2020/01/15\n\
         1470090018,000101,20260101,144501,9901000062,2,見本病,2020/01/15\n",
    )
    .unwrap();
    let text = std::fs::read_to_string(&job).unwrap().replacen(
        "    { profile = \"profiles/assessment.toml\", inputs = [\"vendor/assessment/1470090018_*.tsv\"] },\n",
        "    { profile = \"profiles/assessment.toml\", inputs = [\"vendor/assessment/1470090018_*.tsv\"] },\n    { profile = \"profiles/history.toml\", inputs = [\"vendor/history.csv\"] },\n",
        1,
    );
    std::fs::write(&job, text).unwrap();
    let out = tmp.path().join("out");
    let s = run_at(&job, &out, &["--month", "2026-10"]);
    let r = s["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["facility"] == "1470090018")
        .unwrap();
    assert_eq!(r["per_rule"]["batch.parent_missing"], 1, "{r}");
    let findings: serde_json::Value = serde_json::from_slice(
        &std::fs::read(out.join("202610/1470090018/findings.json")).unwrap(),
    )
    .unwrap();
    let findings = common::joined_findings(&findings);
    let f = findings
        .iter()
        .find(|f| f["rule"] == "batch.parent_missing")
        .unwrap();
    assert_eq!(
        (f["file"].as_str(), f["line"].as_u64()),
        (Some("vendor/history.csv"), Some(3))
    );
    assert_eq!(
        accounting(&s, "1470090018", "FORM_0001_2021"),
        (1, 0),
        "the child with a parent is emitted"
    );
}

#[test]
fn the_job_chooses_the_spec_version() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let header = |out: &Path| {
        let f = out.join("202610/1470090018/SERVICE_USER_INFO_1470090018_202610.csv");
        let text = std::fs::read_to_string(f).unwrap();
        let h = text.lines().nth(1).unwrap().to_string();
        let first = text.lines().nth(2).unwrap().to_string();
        (h, first)
    };
    // `emit.retired_spec` of an office: the (data type, file, line) of each, in order.
    let retired = |out: &Path, fac: &str| -> Vec<(String, String, serde_json::Value)> {
        let path = out.join("202610").join(fac).join("findings.json");
        let report: serde_json::Value =
            serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap();
        common::joined_findings(&report)
            .into_iter()
            .filter(|f| f["rule"] == "emit.retired_spec")
            .map(|f| {
                let en = f["message_en"].as_str().unwrap();
                let dt = en.split(' ').next().unwrap().to_string();
                let file = f["file"].as_str().unwrap().to_string();
                (dt, file, f["line"].clone())
            })
            .collect()
    };
    let assessment = "vendor/assessment/1470090018_assessment_202610.tsv".to_string();
    let honobono = "vendor/honobono-kaigo/1470090018_介護保険1.CSV".to_string();
    // Default: 3.10 where its schemas exist — SERVICE_USER_INFO gets the version column.
    let auto = tmp.path().join("auto");
    let s = run_at(&job, &auto, &["--month", "2026-10"]);
    let (h, row) = header(&auto);
    assert!(h.ends_with(",version"), "{h}");
    assert!(row.ends_with(",0310"), "{row}");
    // Only the 1.00 interfaces with no complete 3.10 form (FORM_xxxx_2021 targets) warn, once
    // each, on the file as a whole; the 3.10 user master and nutrition forms do not.
    assert_eq!(
        retired(&auto, "1470090018"),
        [
            (
                "FORM_0000_2021".to_string(),
                assessment.clone(),
                serde_json::Value::Null
            ),
            (
                "FORM_0900_2021".to_string(),
                assessment.clone(),
                serde_json::Value::Null
            ),
        ]
    );
    assert_eq!(result(&s, "1470090018")["per_rule"]["emit.retired_spec"], 2);
    assert!(retired(&auto, "4070090008").is_empty(), "a 3.10 office");
    assert!(result(&s, "4070090008")["per_rule"]["emit.retired_spec"].is_null());
    assert!(
        auto.join("202610/1470090018/NUTRITION_FEEDING_SWALLOWING_SCREENING_ASSESSMENT_MONITORING_2024_1470090018_202610.csv")
            .is_file()
    );
    // The job can ask for 2021: the user master too is then 1.00, and says so; a warning
    // changes no office's status.
    let text =
        std::fs::read_to_string(&job)
            .unwrap()
            .replacen("spec = \"auto\"", "spec = \"2021\"", 1);
    std::fs::write(&job, text).unwrap();
    let old = tmp.path().join("2021");
    let s2 = run_at(&job, &old, &["--month", "2026-10"]);
    let (h, _) = header(&old);
    assert!(!h.contains("version"), "{h}");
    assert_eq!(
        retired(&old, "1470090018"),
        [
            (
                "SERVICE_USER_INFO".to_string(),
                honobono,
                serde_json::Value::Null
            ),
            (
                "FORM_0000_2021".to_string(),
                assessment.clone(),
                serde_json::Value::Null
            ),
            (
                "FORM_0900_2021".to_string(),
                assessment,
                serde_json::Value::Null
            ),
        ]
    );
    assert_eq!(
        result(&s2, "4070090008")["per_rule"]["emit.retired_spec"],
        1
    );
    assert_eq!(s2["facilities"], s["facilities"], "warnings only");
    // The nutrition forms have no 2021 version of their own: still 3.10.
    assert!(
        old.join("202610/1470090018/NUTRITION_CARE_PLAN_2024_1470090018_202610.csv")
            .is_file()
    );
    // A profile declaring 3.10 (the messy ledger) moves too: its version constant was the
    // spec's, not the layout's.
    let f = old.join("202610/1370099010/SERVICE_USER_INFO_1370099010_202610.csv");
    let text = std::fs::read_to_string(f).unwrap();
    let h = text.lines().nth(1).unwrap();
    assert!(!h.contains("version"), "{h}");
}

#[test]
fn the_sample_job_writes_its_metrics_and_report_without_personal_data() {
    let tmp = tempfile::tempdir().unwrap();
    let o = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(["run", "--config", "samples/job.toml", "--format", "json"])
        .args(["--out", &tmp.path().display().to_string()])
        .env("LIFELINE_NOW", "2026-11-05T09:00:00")
        .current_dir(common::root())
        .output()
        .unwrap();
    assert_eq!(
        o.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["days_left"], 5, "LIFELINE_NOW is the run's clock");
    let dir = tmp.path().join("202610/metrics");
    assert_eq!(summary["metrics"], dir.display().to_string());
    let m: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("metrics.json")).unwrap()).unwrap();
    let rows = m["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 6, "five facilities and ALL");
    let row = |f: &str| rows.iter().find(|r| r["facility"] == f).unwrap();
    // The office with the assessment exports meets 半減; the one with only a user master
    // does not (its daily records stay uncounted paper).
    assert_eq!(row("1470090018")["half_met"], true);
    assert_eq!(row("4070090008")["half_met"], false);
    assert_eq!(row("4070090008")["days_to_ready"], 5, "clean on 5 Nov");
    assert_eq!(row("2370090009")["days_to_ready"], serde_json::Value::Null);
    // The repairs the samples need: CP932 files, 令和 dates, full-width digits, labels.
    let fixes = row("1470090018");
    for k in ["files_from_cp932", "era_dates_converted", "labels_coded"] {
        assert!(fixes[k].as_u64().unwrap() > 0, "{k}: {fixes}");
    }
    assert!(
        row("ALL")["first_pass_rejected_by_rule"]
            .as_object()
            .unwrap()
            .keys()
            .any(|k| k.starts_with("ingest.")),
        "{}",
        row("ALL")
    );
    // Aggregates only: no 被保険者番号 (the samples' start with 99) and no name anywhere.
    for f in [
        "metrics.csv",
        "metrics.parquet",
        "metrics.json",
        "report.html",
    ] {
        let bytes = std::fs::read(dir.join(f)).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        assert!(
            !text
                .split(|c: char| !c.is_ascii_digit())
                .any(|d| d.len() == 10 && d.starts_with("99")),
            "{f}"
        );
        for family in [
            "見本", "試験", "仮名", "例題", "架空", "模擬", "検証", "雛形", "様式",
        ] {
            for sep in [" ", "\u{3000}"] {
                assert!(!text.contains(&format!("{family}{sep}")), "{f}: {family}");
            }
        }
        for kana in ["ﾐﾎﾝ", "ミホン", "ｼｹﾝ", "シケン"] {
            assert!(!text.contains(kana), "{f}: {kana}");
        }
    }
}

/// A temporary file of an output being written (`.NAME.tmp-…`, hidden), or a file in an
/// office's staging folder or in one set aside (`.<facility>.tmp-stage-…`, `….tmp-old-…`):
/// never an output.
fn is_temporary(p: &Path) -> bool {
    p.components().any(|c| {
        c.as_os_str()
            .to_str()
            .is_some_and(|n| n.starts_with('.') && n.contains(".tmp-"))
    })
}

/// The first file of a folder (a generated office's only export of a layout).
fn first_file(dir: &Path) -> PathBuf {
    std::fs::read_dir(dir)
        .unwrap()
        .next()
        .unwrap()
        .unwrap()
        .path()
}

/// `lifeline sample --facilities N --users M --out DIR`; what it printed.
fn sample_at(dir: &Path, facilities: u32, users: u32) -> String {
    let (f, u) = (facilities.to_string(), users.to_string());
    let args = ["sample", "--facilities", &f, "--users", &u, "--out"];
    let o = lifeline(&[&args[..], &[dir.to_str().unwrap()]].concat());
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    String::from_utf8(o.stdout).unwrap()
}

/// `lifeline sample` writes a job over what it generated, and `lifeline run` takes it as it is:
/// every office gets its five LIFE files (three of them 3.10), and the only findings are the
/// designed ones (the ambiguous Barthel points, the dummy users, the two 1.00 forms'
/// `emit.retired_spec`, the two users the 第6表 実績 served without a LIFE record) — the ○ items
/// the ambiguous points leave empty are not reported again.
#[test]
fn a_generated_sample_runs_as_a_job() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    let said = sample_at(&dir, 3, 5);
    assert!(said.contains("lifeline run --config"), "{said}");
    let out = tmp.path().join("out");
    let summary = run_at(&dir.join("job.toml"), &out, &[]);
    // 3 offices × (5 users + 2 served users in no user master).
    assert_eq!(
        summary["served"],
        serde_json::json!({"users": 21, "in_run": 15, "sent_before": 0, "missing": 6})
    );
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 3);
    for r in results {
        assert!(r["failed"].is_null(), "{r}");
        let rules: Vec<&str> = r["per_rule"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            rules,
            [
                "due.missing",
                "emit.retired_spec",
                "ingest.barthel_ambiguous",
                "ingest.quarantined"
            ]
        );
        assert_eq!(r["per_rule"]["due.missing"], 2, "{r}");
        assert_eq!(
            r["per_rule"]["emit.retired_spec"], 2,
            "FORM_0000 and FORM_0900"
        );
        let id = r["facility"].as_str().unwrap();
        for t in [
            "SERVICE_USER_INFO",
            "FORM_0000_2021",
            "FORM_0900_2021",
            "NUTRITION_FEEDING_SWALLOWING_SCREENING_ASSESSMENT_MONITORING_2024",
            "NUTRITION_CARE_PLAN_2024",
        ] {
            let name = format!("{t}_{id}_202610.csv");
            assert!(out.join("202610").join(id).join(&name).is_file(), "{name}");
        }
    }
}

/// A vendor file that decodes in neither UTF-8 nor CP932 is one `file.encoding` error for its
/// office, which still runs; its other files are read, and no row of the bad file is emitted.
#[test]
fn an_undecodable_vendor_file_is_a_finding_not_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    sample_at(&dir, 1, 3);
    let master = first_file(&dir.join("honobono-kaigo"));
    std::fs::write(&master, b"a,b\r\n1,2\r\n\x85\x40,3\r\n").unwrap();
    let summary = run_at(&dir.join("job.toml"), &tmp.path().join("out"), &[]);
    let r = &summary["results"][0];
    assert!(r["failed"].is_null(), "{r}");
    assert_eq!(r["per_rule"]["file.encoding"], 1, "{r}");
    let users = r["accounting"]
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["data_type"] == "SERVICE_USER_INFO")
        .unwrap();
    assert_eq!(
        (&users["read"], &users["emitted"]),
        (&0.into(), &0.into()),
        "{r}"
    );
}

/// A vendor file that stops decoding past its first block: the run reads files a table at a
/// time, and has already spilled the rows before the bad bytes; they are taken back, so the
/// file gives its `file.encoding` error (naming the last line) and no row, as a file bad from
/// its first byte does. Here the bad file (a copy of the office's export, with bad bytes at the
/// end) is read first and begins the FORM interfaces' spills; the good export read after it
/// must give the very LIFE files it gives alone.
#[test]
fn a_vendor_file_undecodable_past_its_first_block_gives_no_row() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    sample_at(&dir, 1, 600);
    let export = first_file(&dir.join("assessment"));
    let alone = tmp.path().join("alone");
    let want = run_at(&dir.join("job.toml"), &alone, &[]);
    let mut bytes = std::fs::read(&export).unwrap();
    assert!(
        bytes.len() > 512 << 10,
        "{} bytes: more than two blocks",
        bytes.len()
    );
    let lines = bytes.iter().filter(|b| **b == b'\n').count();
    bytes.extend_from_slice(b"\xFF\xFF\r\n");
    let name = export.file_name().unwrap().to_str().unwrap();
    let bad = export.with_file_name(name.replace("_assessment", "_0bad"));
    assert!(bad < export, "the bad copy is read first");
    std::fs::write(&bad, bytes).unwrap();
    let out = tmp.path().join("out");
    let summary = run_at(&dir.join("job.toml"), &out, &[]);
    let r = &summary["results"][0];
    assert!(r["failed"].is_null(), "{r}");
    assert_eq!(r["per_rule"]["file.encoding"], 1, "{r}");
    assert_eq!(r["accounting"], want["results"][0]["accounting"], "{r}");
    let id = r["facility"].as_str().unwrap();
    let office = out.join("202610").join(id);
    let findings = std::fs::read_to_string(office.join("findings.json")).unwrap();
    assert!(
        findings.contains(&format!("\"line\":{}", lines + 1)),
        "{findings}"
    );
    let life = |dir: &Path| -> BTreeMap<PathBuf, Vec<u8>> {
        tree(&dir.join("202610").join(id))
            .into_iter()
            .filter(|(p, _)| p.to_string_lossy().ends_with("_202610.csv"))
            .collect()
    };
    let (got, alone) = (life(&out), life(&alone));
    assert_eq!(got.len(), 5, "{:?}", got.keys());
    assert!(
        got == alone,
        "the LIFE files are those of the good export alone"
    );
    let names: Vec<String> = tree(&office)
        .keys()
        .map(|p| p.display().to_string())
        .collect();
    assert!(
        names.iter().all(|n| !n.starts_with('.')),
        "no temporary left: {names:?}"
    );
}

/// A profile may feed one interface through two targets (here the user master twice, with
/// key prefixes U and V). Read whole, a file gave the first target's rows, then the second's;
/// read a table at a time (the master is over 256 KiB: two tables and more), the LIFE file must
/// still hold all U rows, then all V rows — not table after table.
#[test]
fn two_targets_of_one_interface_keep_their_rows_apart_across_tables() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    sample_at(&dir, 1, 1800);
    let profile = dir.join("profiles/honobono-kaigo.toml");
    let text = std::fs::read_to_string(&profile).unwrap();
    let target = &text[text.find("[[target]]").unwrap()..];
    std::fs::write(
        &profile,
        format!(
            "{text}\n{}",
            target.replace("key_prefix = \"U\"", "key_prefix = \"V\"")
        ),
    )
    .unwrap();
    let master = first_file(&dir.join("honobono-kaigo"));
    assert!(std::fs::metadata(&master).unwrap().len() > 256 << 10);
    let out = tmp.path().join("out");
    let summary = run_at(&dir.join("job.toml"), &out, &[]);
    let id = summary["results"][0]["facility"].as_str().unwrap();
    let life = std::fs::read_to_string(
        out.join("202610")
            .join(id)
            .join(format!("SERVICE_USER_INFO_{id}_202610.csv")),
    )
    .unwrap();
    let header: Vec<&str> = life.lines().nth(1).unwrap().split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "external_system_management_number")
        .unwrap();
    let prefixes: Vec<char> = life
        .lines()
        .skip(2)
        .map(|l| l.split(',').nth(at).unwrap().chars().next().unwrap())
        .collect();
    let us = prefixes.iter().filter(|p| **p == 'U').count();
    assert!(us > 1000, "{us} rows of the first target");
    assert!(prefixes[..us].iter().all(|p| *p == 'U'), "U rows first");
    assert!(prefixes[us..].iter().all(|p| *p == 'V'), "then V rows");
}

/// A facility that cannot run (an input pattern matching no file) fails alone, with the
/// reason, and leaves no folder behind; the other facility of the job runs.
#[test]
fn a_facility_without_its_inputs_fails_alone_and_leaves_no_folder() {
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("gen");
    sample_at(&dir, 2, 3);
    let mut exports: Vec<PathBuf> = std::fs::read_dir(dir.join("assessment"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    exports.sort();
    std::fs::remove_file(&exports[1]).unwrap();
    let gone = exports[1].file_name().unwrap().to_str().unwrap();
    let gone = gone.split('_').next().unwrap();
    let out = tmp.path().join("out");
    let job = dir.join("job.toml");
    let (job, to) = (job.to_str().unwrap(), out.to_str().unwrap());
    let o = lifeline(&["run", "--config", job, "--out", to, "--format", "json"]);
    assert_eq!(
        o.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 2);
    for r in results {
        let id = r["facility"].as_str().unwrap();
        if id == gone {
            let why = r["failed"].as_str().unwrap();
            assert!(why.contains("no input file matches"), "{why}");
            assert!(!out.join("202610").join(id).exists());
        } else {
            assert!(r["failed"].is_null(), "{r}");
            assert!(out.join("202610").join(id).join("manifest.json").is_file());
        }
    }
}

/// The results of a run summary by facility.
fn result<'a>(summary: &'a serde_json::Value, fac: &str) -> &'a serde_json::Value {
    summary["results"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["facility"] == fac)
        .unwrap()
}

/// quarantine.csv of an office, as text.
fn quarantine_of(out: &Path, fac: &str) -> String {
    std::fs::read_to_string(out.join("202610").join(fac).join("quarantine.csv")).unwrap()
}

/// Every bundled sample office: the files on disk are what the manifest and the summary
/// count, every LIFE file validates, every quarantined row has a finding.
#[test]
fn every_sample_office_keeps_every_guarantee() {
    let tmp = tempfile::tempdir().unwrap();
    let o = run_job(tmp.path());
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let results = summary["results"].as_array().unwrap();
    assert_eq!(results.len(), 5);
    // The summary's and the ledger's counts are the manifests' too.
    common::invariants::check_month(
        &tmp.path().join("202610"),
        &summary,
        &tmp.path().join("ledger.sqlite"),
    );
    for r in results {
        let fac = r["facility"].as_str().unwrap();
        let dir = tmp.path().join("202610").join(fac);
        let emitted = common::office::check_office(&dir);
        let manifest: serde_json::Value =
            serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
        assert_eq!(r["accounting"], manifest["accounting"], "{fac}");
        assert!(emitted.values().sum::<usize>() > 0, "{fac}");
    }
    // The metrics count the same records (the ledger's run stats).
    let m = lifeline(&[
        "metrics",
        "--ledger",
        &tmp.path().join("ledger.sqlite").display().to_string(),
        "--format",
        "json",
    ]);
    if m.status.success() {
        let text = String::from_utf8_lossy(&m.stdout);
        assert!(!text.is_empty());
    }
}

/// The helper itself catches a folder whose files and manifest disagree.
#[test]
#[should_panic(expected = "rows in the LIFE files")]
fn the_office_check_catches_a_row_missing_from_a_file() {
    let tmp = tempfile::tempdir().unwrap();
    run_job(tmp.path());
    let dir = tmp.path().join("202610").join("4070090008");
    let life = dir.join("SERVICE_USER_INFO_4070090008_202610.csv");
    let text = std::fs::read_to_string(&life).unwrap();
    let cut: Vec<&str> = text.split_inclusive("\r\n").collect();
    std::fs::write(&life, cut[..cut.len() - 1].concat()).unwrap();
    // The manifest's hash is brought in line, so only the count is wrong.
    let manifest = std::fs::read_to_string(dir.join("manifest.json")).unwrap();
    let mut m: serde_json::Value = serde_json::from_str(&manifest).unwrap();
    use sha2::Digest;
    let sha: String = sha2::Sha256::digest(std::fs::read(&life).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    for o in m["outputs"].as_array_mut().unwrap() {
        if o["path"] == "SERVICE_USER_INFO_4070090008_202610.csv" {
            o["sha256"] = sha.clone().into();
        }
    }
    std::fs::write(dir.join("manifest.json"), m.to_string()).unwrap();
    common::office::check_office(&dir);
}

/// A `batch.duplicate_key` on FORM_0900 withholds the FORM_0900 record of the vendor row, not
/// its FORM_0000 and FORM_0100 records.
#[test]
fn a_duplicate_on_one_interface_withholds_only_that_interfaces_record() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let out = tmp.path().join("out");
    let before = run_at(&job, &out, &[]);
    let (f0000, _) = accounting(&before, "1470090018", "FORM_0000_2021");
    let (f0900, _) = accounting(&before, "1470090018", "FORM_0900_2021");
    assert!(f0000 > 0 && f0900 > 0);
    // A first source feeding only FORM_0900 from a copy of the assessment export: every
    // FORM_0900 number of the original is then a duplicate from another file.
    let dir = job.parent().unwrap();
    let text = std::fs::read_to_string(dir.join("profiles/assessment.toml")).unwrap();
    let parts: Vec<&str> = text.split("[[target]]").collect();
    let only = parts
        .iter()
        .skip(1)
        .find(|t| t.contains("FORM_0900_2021"))
        .unwrap();
    std::fs::write(
        dir.join("profiles/only0900.toml"),
        format!("{}[[target]]{only}", parts[0])
            .replace("name = \"assessment\"", "name = \"only0900\""),
    )
    .unwrap();
    std::fs::create_dir_all(dir.join("copy")).unwrap();
    std::fs::copy(
        dir.join("vendor/assessment/1470090018_assessment_202610.tsv"),
        dir.join("copy/1470090018_copy.tsv"),
    )
    .unwrap();
    let jt = std::fs::read_to_string(&job).unwrap();
    let with = jt.replacen(
        "    { profile = \"profiles/honobono-kaigo.toml\", inputs = [\"vendor/honobono-kaigo/1470090018_*.CSV\"] },\n",
        "    { profile = \"profiles/honobono-kaigo.toml\", inputs = [\"vendor/honobono-kaigo/1470090018_*.CSV\"] },\n    { profile = \"profiles/only0900.toml\", inputs = [\"copy/1470090018_copy.tsv\"] },\n",
        1,
    );
    assert_ne!(jt, with);
    std::fs::write(&job, with).unwrap();
    let out2 = tmp.path().join("out2");
    let after = run_at(&job, &out2, &[]);
    let r = result(&after, "1470090018");
    assert!(r["per_rule"]["batch.duplicate_key"].as_u64().unwrap() >= f0900);
    // The other interfaces of the same rows are all still sent.
    assert_eq!(accounting(&after, "1470090018", "FORM_0000_2021").0, f0000);
    assert_eq!(accounting(&after, "1470090018", "FORM_0900_2021").0, f0900);
    let q = quarantine_of(&out2, "1470090018");
    assert!(q.contains("FORM_0900_2021: batch.duplicate_key"), "{q}");
    assert!(!q.contains("FORM_0000_2021: batch.duplicate_key"), "{q}");
    common::office::check_office(&out2.join("202610/1470090018"));
}

/// A user's SERVICE_USER_INFO record withheld (a birthday that is no date) takes the user's
/// form records with it, each with a finding saying why; other users' forms go.
#[test]
fn a_form_of_a_user_withheld_this_run_is_withheld_too() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let out = tmp.path().join("out");
    let before = run_at(&job, &out, &[]);
    assert!(result(&before, "1470090018")["per_rule"]["batch.user_withheld"].is_null());
    let (forms, _) = accounting(&before, "1470090018", "FORM_0000_2021");
    let master = job
        .parent()
        .unwrap()
        .join("vendor/honobono-kaigo/1470090018_介護保険1.CSV");
    let bytes = std::fs::read(&master).unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    assert_eq!(text.matches(",19500514,").count(), 1);
    let bad: Vec<u8> = {
        let at = bytes.windows(10).position(|w| w == b",19500514,").unwrap();
        [&bytes[..at], b",19509999,".as_slice(), &bytes[at + 10..]].concat()
    };
    std::fs::write(&master, bad).unwrap();
    let out2 = tmp.path().join("out2");
    let after = run_at(&job, &out2, &[]);
    let r = result(&after, "1470090018");
    let orphans = r["per_rule"]["batch.user_withheld"].as_u64().unwrap_or(0);
    assert!(orphans > 0, "{}", r["per_rule"]);
    let (forms_after, _) = accounting(&after, "1470090018", "FORM_0000_2021");
    assert!(
        forms_after > 0 && forms_after < forms,
        "{forms_after} of {forms}"
    );
    let q = quarantine_of(&out2, "1470090018");
    assert!(q.contains("batch.user_withheld"), "{q}");
    common::office::check_office(&out2.join("202610/1470090018"));
}

/// With CP932 output, a character CP932 cannot hold is a finding on its vendor row, which is
/// withheld and quarantined; the rest of the file is written and the office does not fail.
#[test]
fn a_value_cp932_cannot_hold_is_a_row_finding_not_a_failure() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let jt = std::fs::read_to_string(&job).unwrap();
    std::fs::write(
        &job,
        jt.replace("encoding = \"utf8\"", "encoding = \"cp932\""),
    )
    .unwrap();
    let out = tmp.path().join("out");
    let before = run_at(&job, &out, &[]);
    let fac = "4070090008";
    assert!(result(&before, fac)["per_rule"]["emit.unencodable"].is_null());
    let (users, _) = accounting(&before, fac, "SERVICE_USER_INFO");
    let export = job
        .parent()
        .unwrap()
        .join(format!("vendor/kanamic-user/{fac}_userallfull_202610.csv"));
    let text = std::fs::read_to_string(&export).unwrap();
    // A name of one user with a character outside CP932.
    let changed = text.replacen("\"仮名\"", "\"𠮷野\"", 1);
    assert_ne!(changed, text, "the export has a 仮名");
    std::fs::write(&export, changed).unwrap();
    let out2 = tmp.path().join("out2");
    let after = run_at(&job, &out2, &[]);
    let r = result(&after, fac);
    assert!(r["failed"].is_null(), "{}", r["failed"]);
    assert_eq!(r["per_rule"]["emit.unencodable"], 1, "{}", r["per_rule"]);
    assert_eq!(accounting(&after, fac, "SERVICE_USER_INFO").0, users - 1);
    let q = quarantine_of(&out2, fac);
    assert!(
        q.contains(&format!("vendor/kanamic-user/{fac}_userallfull_202610.csv"))
            && q.contains("emit.unencodable last_name"),
        "{q}"
    );
    // Names are personal data: the character is not echoed.
    let findings =
        std::fs::read_to_string(out2.join("202610").join(fac).join("findings.csv")).unwrap();
    assert!(!findings.contains('𠮷'), "{findings}");
    common::office::check_office(&out2.join("202610").join(fac));
}

/// An office is committed as a whole: an interface that gives nothing on a rerun leaves no
/// file of the earlier run; an office that fails leaves the earlier folder as it was.
#[test]
fn a_rerun_replaces_the_whole_office_folder_or_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let job = job_copy(&tmp.path().join("job"));
    let out = tmp.path().join("out");
    run_at(&job, &out, &[]);
    let dir = out.join("202610/1470090018");
    let form = dir.join("FORM_0000_2021_1470090018_202610.csv");
    assert!(form.exists());
    let jt = std::fs::read_to_string(&job).unwrap();
    let without = jt.replacen(
        "    { profile = \"profiles/assessment.toml\", inputs = [\"vendor/assessment/1470090018_*.tsv\"] },\n",
        "",
        1,
    );
    assert_ne!(jt, without);
    std::fs::write(&job, &without).unwrap();
    run_at(&job, &out, &[]);
    assert!(!form.exists(), "no stale FORM_0000 file of the earlier run");
    common::office::check_office(&dir);
    let good = tree(&dir);
    // A profile that cannot be read fails the office: its folder stays as it was.
    std::fs::write(
        job.parent().unwrap().join("profiles/honobono-kaigo.toml"),
        "name = ",
    )
    .unwrap();
    assert_eq!(common::run_json(&job, &out, &[]).0, 2);
    assert_eq!(tree(&dir), good);
    let names: Vec<String> = std::fs::read_dir(out.join("202610"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(names.is_empty(), "no staging folder left: {names:?}");
}
