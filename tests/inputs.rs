//! What `validate` and `run` take as input: regular files only (a FIFO would make a cron job
//! wait forever), and a binary file is refused from its first block, not read whole.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// Runs the binary; a run still going after a minute is killed and fails the test (a FIFO
/// that is opened waits for a writer forever).
fn lifeline_bounded(args: &[&str]) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(args)
        .current_dir(common::root())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let start = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if start.elapsed() > Duration::from_secs(60) {
            child.kill().unwrap();
            panic!("lifeline {args:?} did not end: it waits on its input");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    child.wait_with_output().unwrap()
}

fn mkfifo(p: &Path) {
    let ok = Command::new("mkfifo").arg(p).status().unwrap().success();
    assert!(ok, "mkfifo {}", p.display());
}

#[test]
fn validate_refuses_a_fifo_with_exit_2_naming_it() {
    let tmp = tempfile::tempdir().unwrap();
    let fifo = tmp.path().join("SERVICE_USER_INFO.csv");
    mkfifo(&fifo);
    let o = lifeline_bounded(&["validate", &fifo.display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("SERVICE_USER_INFO.csv") && err.contains("not a regular file"),
        "{err}"
    );
    // In a folder too, beside a file that is validated.
    std::fs::copy(
        common::root().join("samples/life/SERVICE_USER_INFO_3.10_1_20261101.csv"),
        tmp.path().join("a.csv"),
    )
    .unwrap();
    let o = lifeline_bounded(&["validate", &tmp.path().display().to_string()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stdout).contains("a.csv"));
}

#[test]
fn a_run_whose_input_is_a_fifo_fails_that_office_not_the_batch() {
    let tmp = tempfile::tempdir().unwrap();
    mkfifo(&tmp.path().join("export.csv"));
    let profile = common::root().join("samples/profiles/honobono-kaigo.toml");
    std::fs::write(
        tmp.path().join("job.toml"),
        format!(
            "month = \"2026-10\"\n[[facility]]\nid = \"1470090018\"\nsource = [{{ profile = {:?}, inputs = [\"export.csv\"] }}]\n\
             [[facility]]\nid = \"1370000018\"\nsource = [{{ life = [\"fifo-life.csv\"] }}]\n",
            profile.display().to_string()
        ),
    )
    .unwrap();
    mkfifo(&tmp.path().join("fifo-life.csv"));
    let job = tmp.path().join("job.toml").display().to_string();
    let out = tmp.path().join("out").display().to_string();
    let o = lifeline_bounded(&["run", "--config", &job, "--out", &out, "--format", "json"]);
    assert_eq!(o.status.code(), Some(2));
    let s: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for r in s["results"].as_array().unwrap() {
        let failed = r["failed"].as_str().unwrap();
        assert!(failed.contains("not a regular file"), "{failed}");
    }
}

#[test]
fn a_gigabyte_of_nul_bytes_is_refused_from_its_first_block() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("FORM_0000_2021.csv");
    // Sparse: no disk is used, but a reader that reads it whole holds 1 GiB.
    std::fs::File::create(&p).unwrap().set_len(1 << 30).unwrap();
    let o = lifeline_bounded(&["validate", "--format", "json", &p.display().to_string()]);
    assert_eq!(o.status.code(), Some(1));
    let r: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let f = common::joined_findings(&r);
    assert_eq!(f.len(), 1, "{f:?}");
    assert_eq!(f[0]["rule"], "file.binary");
    assert!(
        f[0]["message_en"].as_str().unwrap().contains("NUL"),
        "{f:?}"
    );
}
