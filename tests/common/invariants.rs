//! The promises of a whole run, checked on what it left on disk: each office folder's (see
//! `office`), and the summary's and the ledger's counts, which must be the manifests'.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::Command;

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

/// One office: its folder's guarantees (`office::check_office`) and the summary's counts, which
/// must be the manifest's. Returns the records sent per interface (emitted + unchanged).
fn check_office(dir: &Path, result: &serde_json::Value) -> BTreeMap<String, u64> {
    super::office::check_office(dir);
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    assert_eq!(
        manifest["accounting"],
        result["accounting"],
        "{}: summary ≠ manifest",
        dir.display()
    );
    manifest["accounting"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let n = |k: &str| a[k].as_u64().unwrap();
            let dt = a["data_type"].as_str().unwrap().to_string();
            (dt, n("emitted") + n("unchanged"))
        })
        .collect()
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
