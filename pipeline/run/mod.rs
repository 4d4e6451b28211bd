//! The monthly batch, and `ingest`: every office through one driver (`office`) — read →
//! checks → selection → emit → commit → ledger — each office on its own (one office's bad data
//! never stops another's), in parallel. A record with an error is withheld and quarantined
//! with its reasons, the LIFE files written are checked by the validator, and every office
//! gets a manifest whose accounting `read = emitted + unchanged + quarantined` per interface
//! counts the rows in its files.
//!
//! An office's files stream through: a table of records at a time (`decode::Chunks`) is
//! normalized and validated, and its rows' LIFE lines go straight to a spill per interface and
//! target (`emit::spill`). What must wait for the whole office — the cross-file and due
//! checks, the records withheld, the ledger — works on a small summary per row (`rows`).
//! Memory follows the table being read and those summaries, not the office's files.

mod checks;
mod copied;
mod error;
pub mod job;
mod life;
mod lock;
mod manifest;
mod office;
mod read;
mod retired;
mod rows;
mod scope;
mod select;
mod served;
mod stage;
mod write;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::spec::calendar::{Month, RunTime};
pub use error::RunError;
pub use job::{Encoding, FacilityJob, Job, SourceJob};
pub use lock::{Lock, LockError};
pub use manifest::{Accounting, FileEntry};
pub use retired::is_retired;
pub use write::Layout;

use crate::emit::OutputEncoding;
use crate::ledger::Ledger;
use crate::map::Profile;
use crate::metrics::RunStats;
use crate::spec::Registry;
use crate::spec::ids::FacilityId;
use office::{Sources, Who};

/// What one facility's run gave.
#[derive(Debug, Serialize)]
pub struct FacilityResult {
    pub facility: String,
    /// Why the facility could not run at all (bad profile, no or unreadable inputs); shown as
    /// its message.
    #[serde(serialize_with = "error::as_message")]
    pub failed: Option<RunError>,
    pub errors: usize,
    pub warnings: usize,
    pub per_rule: BTreeMap<String, usize>,
    pub accounting: Vec<Accounting>,
    pub outputs: Vec<FileEntry>,
    /// The counts the ledger keeps for the metrics (not in the run's own report).
    #[serde(skip)]
    pub stats: RunStats,
}

/// Runs one facility into `<out>/<YYYYMM>/<facility>/`.
pub fn run_facility(
    job: &Job,
    fac: &FacilityJob,
    month: Month,
    registry: &Registry,
    out: &Path,
    ledger: Option<&Ledger>,
    delta: bool,
) -> FacilityResult {
    let mut result = FacilityResult::new(&fac.id);
    let layout = Layout {
        parent: out.join(month.compact()),
        suffix: format!("_{}", month.compact()),
        parquet: false,
        encoding: match job.encoding {
            Encoding::Utf8 => OutputEncoding::Utf8Bom,
            Encoding::Cp932 => OutputEncoding::Cp932,
        },
        ledger,
        delta,
        registry,
        month,
    };
    let outcome = (|| {
        // Profiles and inputs first, source after source: a facility that cannot run leaves
        // no folder behind.
        let mut src = Sources::default();
        for s in &fac.sources {
            if !s.careplan.is_empty() {
                src.careplan.extend(expand_inputs(&job.dir, &s.careplan)?);
                continue;
            }
            let Some(profile_path) = &s.profile else {
                let files = expand_inputs(&job.dir, &s.life)?;
                for (profile, files) in life::sources(&files, registry)? {
                    src.profiles.push(profile);
                    src.inputs.push(files);
                    src.life.push(true);
                }
                continue;
            };
            let profile = job
                .profiles
                .get(&job.dir.join(profile_path), registry, job.spec.as_deref())
                .map_err(RunError::Profile)?;
            // Every ◎ item has a source before any data is read; the job's サービス種類コード
            // counts as one.
            let set_by_job: &[&str] = match fac.service_code {
                Some(_) => &["service_code"],
                None => &[],
            };
            profile
                .check_fed(registry, set_by_job)
                .map_err(|e| RunError::Profile(e.to_string()))?;
            src.profiles.push(profile);
            src.inputs.push(expand_inputs(&job.dir, &s.inputs)?);
            src.life.push(false);
        }
        one_spec_per_interface(&src.profiles)?;
        let facility = FacilityId::new(fac.id.as_str());
        let who = Who {
            facility: &facility,
            given: Some(fac.id.as_str()),
            service_code: fac.service_code.as_deref(),
        };
        office::run(&src, &who, &layout, &mut result).map(|_| ())
    })();
    if let Err(e) = outcome {
        result.fail(e);
    }
    result
}

/// `lifeline ingest`: vendor exports read through one profile, one office folder
/// `<out>/<facility>/` per office whose rows the files hold (`given`: the office of files that
/// do not carry a 事業所番号), through the same driver as the batch. The results, by office;
/// no office when no row has one (the files' findings are then in the error-free reading
/// returned beside them).
pub fn ingest(
    registry: &Registry,
    profile: &Profile,
    files: &[(String, PathBuf)],
    given: Option<&str>,
    encoding: OutputEncoding,
    out: &Path,
    month: Month,
) -> Result<(Vec<FacilityResult>, Vec<crate::validate::FileReport>), RunError> {
    let src = Sources {
        profiles: vec![profile.clone()],
        inputs: vec![files.to_vec()],
        life: vec![false],
        careplan: Vec::new(),
    };
    // Which offices: a reading that takes no row as its own.
    let nobody = FacilityId::new("");
    let mut found = office::discover(&src, &nobody, given, registry)?;
    let layout = Layout {
        parent: out.to_path_buf(),
        suffix: String::new(),
        parquet: true,
        encoding,
        ledger: None,
        delta: false,
        registry,
        month,
    };
    let mut results = Vec::new();
    for id in std::mem::take(&mut found.0) {
        let mut result = FacilityResult::new(&id);
        if !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            result.fail(RunError::Profile(format!(
                "事業所番号 `{id}` read from the files is not a number: no folder is made for it"
            )));
            results.push(result);
            continue;
        }
        let facility = FacilityId::new(id.as_str());
        let who = Who {
            facility: &facility,
            given,
            service_code: None,
        };
        if let Err(e) = office::run(&src, &who, &layout, &mut result) {
            result.fail(e);
        }
        results.push(result);
    }
    Ok((results, found.1))
}

impl FacilityResult {
    fn new(facility: &str) -> Self {
        FacilityResult {
            facility: facility.to_string(),
            failed: None,
            errors: 0,
            warnings: 0,
            per_rule: BTreeMap::new(),
            accounting: Vec::new(),
            outputs: Vec::new(),
            stats: RunStats::default(),
        }
    }

    /// The office could not run: nothing of this run is in its folder.
    fn fail(&mut self, e: RunError) {
        self.failed = Some(e);
        self.stats.failed = true;
        self.accounting.clear();
        self.outputs.clear();
    }
}

/// Makes every buffer of 1 MiB or more a mapping of its own, handed back to the system when
/// freed. Left to itself, glibc raises that threshold each time such a buffer is freed, until
/// the tables and frames of every office in flight stay in its heaps after use. Smaller buffers
/// (a table of records, a part's columns) stay in the heaps and are used again by the next
/// table, without a page fault for each: measured on 40 offices of 1.7 MB, 128 KiB and a
/// `malloc_trim` after each office cost 0.4 s of system time in a 1.2 s run; on offices of
/// 35 MB the peak is 10–15 % above what they gave (benches/README.md, "Issue 19").
/// Call once, before the batch.
pub fn hand_back_large_buffers() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn mallopt(param: std::ffi::c_int, value: std::ffi::c_int) -> std::ffi::c_int;
        }
        const M_MMAP_THRESHOLD: std::ffi::c_int = -3;
        // SAFETY: mallopt only changes glibc's allocation policy; it has no preconditions and
        // is thread-safe.
        unsafe {
            mallopt(M_MMAP_THRESHOLD, 1 << 20);
        }
    }
}

/// Input patterns relative to the job folder → (as shown, path), sorted, deduplicated.
fn expand_inputs(dir: &Path, patterns: &[String]) -> Result<Vec<(String, PathBuf)>, RunError> {
    let mut out = BTreeMap::new();
    for p in patterns {
        let full = dir.join(p);
        let pattern = full.to_string_lossy().into_owned();
        let paths = glob::glob(&pattern).map_err(|source| RunError::Pattern {
            pattern: p.clone(),
            source,
        })?;
        let mut any = false;
        for path in paths {
            let path = path.map_err(|e| RunError::Read {
                path: e.path().to_path_buf(),
                source: e.into(),
            })?;
            // Directories are not inputs; a FIFO or device is kept, to be refused when
            // opened (a FIFO would make the run wait forever).
            if !path.is_dir() {
                any = true;
                let shown = path
                    .strip_prefix(dir)
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                out.insert(shown, path);
            }
        }
        if !any {
            return Err(RunError::NoInput(p.clone()));
        }
    }
    Ok(out.into_iter().collect())
}

/// An office's file of an interface is one file of one spec version: two sources whose targets
/// of one interface stay in different versions (one cannot move to the job's) are refused.
fn one_spec_per_interface(profiles: &[Profile]) -> Result<(), RunError> {
    let mut seen: BTreeMap<&str, (&str, &str)> = BTreeMap::new();
    for p in profiles {
        for t in &p.targets {
            match seen.get(t.data_type.as_str()) {
                Some((spec, other)) if *spec != t.spec => {
                    return Err(RunError::Profile(format!(
                        "{}: profile `{other}` gives it in spec {spec}, profile `{}` in spec {} — \
                         one office's file is of one version (set the job's `spec`, or fix the \
                         profile that cannot move)",
                        t.data_type, p.name, t.spec
                    )));
                }
                _ => {
                    seen.insert(&t.data_type, (&t.spec, &p.name));
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_interface_in_two_spec_versions_in_one_office_is_refused() {
        let registry = Registry::embedded().unwrap();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let load = |name: &str, spec: &str| {
            let mut p =
                Profile::load(&root.join("samples/profiles").join(name), &registry).unwrap();
            p.retarget(&registry, Some(spec));
            p
        };
        // Both move to the job's version: one file per interface.
        let both = [
            load("honobono-kaigo.toml", "2021"),
            load("messy-ledger.toml", "2021"),
        ];
        assert!(one_spec_per_interface(&both).is_ok());
        // A 3.10 layout that sets a version of its own (3.00) cannot move to 2021.
        let mut pinned = load("messy-ledger.toml", "3.10");
        for c in &mut pinned.targets[0].constants {
            if c.0 == "version" {
                c.1 = "0300".into();
            }
        }
        pinned.retarget(&registry, Some("2021"));
        let two = [load("honobono-kaigo.toml", "2021"), pinned];
        let e = one_spec_per_interface(&two).unwrap_err().to_string();
        assert!(
            e.contains("SERVICE_USER_INFO") && e.contains("2021") && e.contains("3.10"),
            "{e}"
        );
    }

    #[test]
    fn inputs_are_the_files_their_patterns_match_sorted_once_each() {
        let tmp = tempfile::tempdir().unwrap();
        for name in ["b.csv", "a.csv", "notes.txt"] {
            std::fs::write(tmp.path().join(name), "x").unwrap();
        }
        std::fs::create_dir(tmp.path().join("folder.csv")).unwrap();
        let patterns = ["*.csv".to_string(), "a.csv".to_string()];
        let found = expand_inputs(tmp.path(), &patterns).unwrap();
        let shown: Vec<&str> = found.iter().map(|(s, _)| s.as_str()).collect();
        assert_eq!(shown, ["a.csv", "b.csv"], "files only, each once");
        assert_eq!(found[0].1, tmp.path().join("a.csv"));
    }

    #[test]
    fn a_pattern_that_matches_nothing_or_is_not_one_fails_the_office() {
        let tmp = tempfile::tempdir().unwrap();
        let e = expand_inputs(tmp.path(), &["*.csv".to_string()]).unwrap_err();
        assert!(matches!(&e, RunError::NoInput(p) if p == "*.csv"), "{e:?}");
        assert_eq!(e.to_string(), "no input file matches `*.csv`");
        let e = expand_inputs(tmp.path(), &["[a.csv".to_string()]).unwrap_err();
        assert!(matches!(e, RunError::Pattern { .. }), "{e:?}");
        assert!(
            e.to_string().starts_with("bad input pattern `[a.csv`: "),
            "{e}"
        );
    }
}
