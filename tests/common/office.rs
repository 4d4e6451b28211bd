//! The guarantees every office folder a run or an ingest writes must keep, as one check that
//! any test (and the property test over messy exports) can call on a folder.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use lifeline::validate::{Context, Severity, SpecChoice, validate_bytes};
use sha2::{Digest, Sha256};

/// The rows of a CSV file with a BOM (findings.csv, quarantine.csv), header left out.
fn csv_rows(path: &Path) -> Vec<Vec<String>> {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let text = String::from_utf8(bytes).unwrap();
    let mut r = csv::ReaderBuilder::new()
        .flexible(true)
        .from_reader(text.trim_start_matches('\u{FEFF}').as_bytes());
    r.records()
        .map(|x| x.unwrap().iter().map(str::to_string).collect())
        .collect()
}

/// Checks an office folder against its manifest.json, re-reading every file on disk:
/// - per interface, read = emitted + unchanged + quarantined;
/// - every LIFE file validates with 0 errors (the validator of `lifeline validate`), its rows
///   are the interface's `emitted`, and an interface that emits nothing has no file;
/// - every output the manifest lists is there with its SHA-256, and no other file is;
/// - every row of quarantine.csv has a finding on its vendor file and line.
///
/// Returns the rows emitted per data type.
pub fn check_office(dir: &Path) -> BTreeMap<String, usize> {
    let registry = super::registry();
    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.join("manifest.json")).unwrap()).unwrap();
    let mut emitted = BTreeMap::new();
    for a in manifest["accounting"].as_array().unwrap() {
        let n = |k: &str| a[k].as_u64().unwrap() as usize;
        let dt = a["data_type"].as_str().unwrap().to_string();
        assert_eq!(
            n("read"),
            n("emitted") + n("unchanged") + n("quarantined"),
            "{}: {dt} does not balance: {a}",
            dir.display()
        );
        emitted.insert(dt, n("emitted"));
    }
    let mut listed = BTreeSet::from(["manifest.json".to_string()]);
    for o in manifest["outputs"].as_array().unwrap() {
        let name = o["path"].as_str().unwrap();
        let bytes = std::fs::read(dir.join(name)).unwrap();
        let sha: String = Sha256::digest(&bytes)
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        assert_eq!(o["sha256"].as_str().unwrap(), sha, "{name}");
        listed.insert(name.to_string());
    }
    let mut in_files: BTreeMap<String, usize> = BTreeMap::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let parquet = name.ends_with(".parquet");
        assert!(
            listed.contains(&name) || parquet,
            "{}: {name} is not in the manifest",
            dir.display()
        );
        if !name.ends_with(".csv") || name == "findings.csv" || name == "quarantine.csv" {
            continue;
        }
        let bytes = std::fs::read(&path).unwrap();
        let r = validate_bytes(
            &name,
            &bytes,
            registry,
            &SpecChoice::Auto,
            &Context::default(),
        );
        let errors: Vec<_> = r
            .findings
            .findings
            .iter()
            .filter(|f| r.findings.checks[f.check as usize].severity == Severity::Error)
            .map(|f| {
                let c = &r.findings.checks[f.check as usize];
                (f.line, c.rule, c.message_en.clone())
            })
            .collect();
        assert!(errors.is_empty(), "{}: {errors:?}", path.display());
        let dt = r.data_type.clone().unwrap();
        *in_files.entry(dt).or_default() += r.rows;
    }
    let wanted: BTreeMap<String, usize> = emitted
        .iter()
        .filter(|(_, n)| **n > 0)
        .map(|(d, n)| (d.clone(), *n))
        .collect();
    assert_eq!(
        in_files,
        wanted,
        "{}: rows in the LIFE files",
        dir.display()
    );

    // Every quarantined row has a finding on its file and line.
    let found: BTreeSet<(String, String)> = csv_rows(&dir.join("findings.csv"))
        .into_iter()
        .map(|r| (r[0].clone(), r[1].clone()))
        .collect();
    // Every row counted as quarantined is in quarantine.csv: an interface's count is at least
    // its own rows there (reason `<DATA_TYPE>: …`) and at most those plus the rows the reader
    // left out (no interface named: they count for every interface their file feeds).
    let rows = csv_rows(&dir.join("quarantine.csv"));
    let mut own: BTreeMap<&str, BTreeSet<(&str, &str)>> = BTreeMap::new();
    let mut reader_rows = BTreeSet::new();
    for q in &rows {
        let at = (q[0].as_str(), q[1].as_str());
        match q[2]
            .split_once(": ")
            .filter(|(dt, _)| emitted.contains_key(*dt))
        {
            Some((dt, _)) => {
                own.entry(dt).or_default().insert(at);
            }
            None => {
                reader_rows.insert(at);
            }
        }
    }
    for a in manifest["accounting"].as_array().unwrap() {
        let dt = a["data_type"].as_str().unwrap();
        let quarantined = a["quarantined"].as_u64().unwrap() as usize;
        let listed = own.get(dt).map_or(0, BTreeSet::len);
        assert!(
            listed <= quarantined && quarantined <= listed + reader_rows.len(),
            "{}: {dt} counts {quarantined} quarantined, quarantine.csv lists {listed} of its \
             own and {} of the reader's",
            dir.display(),
            reader_rows.len()
        );
    }
    for q in rows {
        let at = (q[0].clone(), q[1].clone());
        let at = if at.1 == "0" {
            (at.0, String::new())
        } else {
            at
        };
        assert!(
            found.contains(&at),
            "{}: quarantined without a finding: {q:?}",
            dir.display()
        );
    }
    emitted
}
