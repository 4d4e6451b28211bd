//! The promises of a run, checked on what it left on disk: every LIFE file validates with no
//! error, the counts of the summary, manifest and ledger are the rows in the files, and every
//! quarantined row has a finding on its vendor file and line.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::process::Command;

use lifeline::validate::{Context, SpecChoice, validate_path};
use sha2::{Digest, Sha256};

/// The reports an office folder holds beside its LIFE files.
const REPORTS: [&str; 4] = [
    "findings.json",
    "findings.csv",
    "quarantine.csv",
    "manifest.json",
];

/// Checks every office of a month folder against the run's JSON summary and its ledger.
pub fn check_month(month: &Path, summary: &serde_json::Value, ledger: &Path) {
    let ledger_records = ledger_records(ledger);
    for r in summary["results"].as_array().expect("results") {
        let facility = r["facility"].as_str().unwrap();
        if !r["failed"].is_null() {
            continue;
        }
        let records = check_office(&month.join(facility), r);
        let mut in_ledger = ledger_records.get(facility).cloned().unwrap_or_default();
        in_ledger.retain(|_, n| *n > 0);
        let mut on_disk = records;
        on_disk.retain(|_, n| *n > 0);
        assert_eq!(
            in_ledger, on_disk,
            "{facility}: ledger records ≠ the rows sent"
        );
    }
}

/// One office: returns the records sent per interface (emitted + unchanged).
fn check_office(dir: &Path, result: &serde_json::Value) -> BTreeMap<String, u64> {
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["accounting"],
        result["accounting"],
        "{}: summary ≠ manifest",
        dir.display()
    );
    // Every LIFE file on disk is an output of the manifest, with its hash, and validates.
    let listed: BTreeMap<String, String> = manifest["outputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["path"].as_str().unwrap().to_string(),
                o["sha256"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mut rows_on_disk: BTreeMap<String, u64> = BTreeMap::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if REPORTS.contains(&name.as_str()) {
            continue;
        }
        assert!(!name.starts_with('.'), "a leftover temporary: {name}");
        let sha = listed
            .get(&name)
            .unwrap_or_else(|| panic!("{name} is on disk but not in the manifest"));
        let bytes = std::fs::read(&path).unwrap();
        assert_eq!(
            &lifeline::ledger::hex(&Sha256::digest(&bytes)),
            sha,
            "{name}"
        );
        let report = validate_path(
            &path,
            super::registry(),
            &SpecChoice::Auto,
            &Context::default(),
        )
        .unwrap();
        assert_eq!(
            report.errors(),
            0,
            "{name} fails validate: {:?}",
            super::found(&report)
        );
        let data_type = report.data_type.clone().expect("a LIFE file");
        *rows_on_disk.entry(data_type).or_default() += report.rows as u64;
    }
    for name in listed.keys() {
        assert!(dir.join(name).is_file(), "{name} is listed but not on disk");
    }
    // Per interface: read = emitted + unchanged + quarantined, emitted = rows on disk.
    let mut sent = BTreeMap::new();
    for a in manifest["accounting"].as_array().unwrap() {
        let n = |k: &str| a[k].as_u64().unwrap();
        let dt = a["data_type"].as_str().unwrap();
        assert_eq!(
            n("read"),
            n("emitted") + n("unchanged") + n("quarantined"),
            "{dt}: {a}"
        );
        assert_eq!(
            n("emitted"),
            rows_on_disk.get(dt).copied().unwrap_or(0),
            "{dt}: emitted ≠ rows in its file"
        );
        sent.insert(dt.to_string(), n("emitted") + n("unchanged"));
    }
    for dt in rows_on_disk.keys() {
        assert!(sent.contains_key(dt), "{dt} written but not accounted");
    }
    check_quarantine(dir);
    sent
}

/// Every quarantined row has a finding at its vendor file and line.
fn check_quarantine(dir: &Path) {
    let findings: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("findings.json")).unwrap()).unwrap();
    let files: Vec<&str> = findings["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["path"].as_str().unwrap())
        .collect();
    let found: BTreeSet<(&str, u64)> = findings["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| Some((files[f["file"].as_u64()? as usize], f["line"].as_u64()?)))
        .collect();
    let text = std::fs::read(dir.join("quarantine.csv")).unwrap();
    let mut reader = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(&text));
    for rec in reader.records() {
        let rec = rec.unwrap();
        let (file, line) = (&rec[0], rec[1].parse::<u64>().unwrap());
        assert!(
            found.contains(&(file, line)),
            "{}: quarantined {file}:{line} ({}) has no finding there",
            dir.display(),
            &rec[2]
        );
    }
}

/// Records per facility and interface for 2026-10, as `lifeline metrics` reads the ledger.
fn ledger_records(ledger: &Path) -> BTreeMap<String, BTreeMap<String, u64>> {
    let o = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(["metrics", "--format", "json", "--ledger"])
        .arg(ledger)
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let m: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    let mut out = BTreeMap::new();
    for row in m["rows"].as_array().unwrap() {
        let facility = row["facility"].as_str().unwrap();
        if facility == "ALL" {
            continue;
        }
        let by: BTreeMap<String, u64> = row["records_by_interface"]
            .as_object()
            .map(|o| {
                o.iter()
                    .map(|(k, v)| (k.clone(), v.as_u64().unwrap()))
                    .collect()
            })
            .unwrap_or_default();
        out.insert(facility.to_string(), by);
    }
    out
}
