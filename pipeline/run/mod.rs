//! The monthly batch: every facility of a job through ingest → normalize → validate → emit,
//! each on its own (one facility's bad data never stops another's), in parallel. A row with an
//! error is not emitted but quarantined with its reasons; every facility gets a manifest whose
//! row accounting `read = emitted + quarantined` balances per interface.
//!
//! An office's files stream through: a table of records at a time (`decode::Chunks`) is
//! normalized and validated, and its rows' LIFE lines go straight to a spill per interface and target
//! (`emit::spill`). What must wait for the whole office — the cross-file and due checks, the
//! rows held back, the ledger — works on a small summary per row (`rows`). Memory follows the
//! table being read and those summaries, not the office's files.

mod checks;
mod error;
pub mod job;
mod lock;
mod manifest;
mod read;
mod rows;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fs::File;
use std::path::{Path, PathBuf};

use serde::Serialize;

pub use crate::spec::calendar::{Month, RunTime};
pub use error::RunError;
pub use job::{Encoding, FacilityJob, Job, SourceJob};
pub use lock::{Lock, LockError};
pub use manifest::{Accounting, FileEntry};

use crate::emit::spill::{Segment, SpillError, write_life};
use crate::emit::{OutputEncoding, report};
use crate::ledger::{Ledger, hex};
use crate::metrics::{InterfaceStats, RunStats};
use crate::normalize::ingest::FileIngest;
use crate::spec::Registry;
use crate::spec::ids::{DataType, FacilityId};
use crate::validate::{Context, Severity};
use manifest::{Manifest, put};
use read::{Office, Reading, mapped_items};
use rows::{Emitted, per_part, rows_of, sent_rows, user_key};

/// A LIFE interface: (data type, spec version).
type Interface = (DataType, String);

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
    let mut result = FacilityResult {
        facility: fac.id.clone(),
        failed: None,
        errors: 0,
        warnings: 0,
        per_rule: BTreeMap::new(),
        accounting: Vec::new(),
        outputs: Vec::new(),
        stats: RunStats::default(),
    };
    let batch = Batch {
        month,
        registry,
        out,
        ledger,
        delta,
    };
    match facility(job, fac, &batch, &mut result) {
        Ok(()) => {}
        Err(e) => {
            result.failed = Some(e);
            result.stats.failed = true;
        }
    }
    release_free_memory();
    result
}

/// Makes every buffer of 128 KiB or more a mapping of its own, handed back to the system when
/// freed. Left to itself, glibc raises that threshold each time such a buffer is freed, until
/// the tables and frames of every office in flight stay in its heaps after use: with two
/// offices of 30 MB at a time, 72–79 MB at the peak instead of 63–64 MB, at the same speed.
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
            mallopt(M_MMAP_THRESHOLD, 128 * 1024);
        }
    }
}

/// Hands memory freed by a finished facility back to the system. glibc keeps freed memory in
/// per-thread arenas; without this the run's resident size creeps up with every facility.
fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    {
        unsafe extern "C" {
            fn malloc_trim(pad: usize) -> std::ffi::c_int;
        }
        // SAFETY: malloc_trim only releases free pages of glibc's own heaps; it has no
        // preconditions and is thread-safe.
        unsafe {
            malloc_trim(0);
        }
    }
}

/// What every facility of a run shares.
struct Batch<'a> {
    month: Month,
    registry: &'a Registry,
    out: &'a Path,
    ledger: Option<&'a Ledger>,
    delta: bool,
}

fn facility(
    job: &Job,
    fac: &FacilityJob,
    batch: &Batch<'_>,
    result: &mut FacilityResult,
) -> Result<(), RunError> {
    let Batch {
        month,
        registry,
        out,
        ledger,
        delta,
    } = *batch;
    // Profiles and inputs first, source after source: a facility that cannot run leaves no
    // folder behind.
    let (mut profiles, mut inputs) = (Vec::new(), Vec::new());
    for s in &fac.sources {
        let dir = &job.dir;
        profiles.push(
            job.profiles
                .get(&dir.join(&s.profile), registry, job.spec.as_deref())
                .map_err(RunError::Profile)?,
        );
        inputs.push(expand_inputs(dir, &s.inputs)?);
    }
    let facility = FacilityId::new(fac.id.as_str());
    let month_dir = out.join(month.compact());
    let dir = month_dir.join(facility.as_str());
    let made = [&month_dir, &dir].map(|d| !d.exists());
    std::fs::create_dir_all(&dir).map_err(|source| RunError::CreateDir {
        path: dir.clone(),
        source,
    })?;
    remove_leftover_temporaries(&dir);
    let encoding = match job.encoding {
        Encoding::Utf8 => OutputEncoding::Utf8Bom,
        Encoding::Cp932 => OutputEncoding::Cp932,
    };

    // Every file, a table of records at a time, through normalize and validate; each table's
    // rows of this facility are written to their spill at once, and only a summary
    // of each row stays (see `rows`). Memory follows a table, not the facility.
    let mut read = Reading::new(Office {
        facility: &facility,
        service_code: fac.service_code.as_deref(),
        registry,
        ledger,
        dir: &dir,
        encoding,
        mapped: mapped_items(&profiles),
        ctx: Context::default(),
    });
    let reading = (|| {
        for (pi, (inputs, profile)) in inputs.iter().zip(&profiles).enumerate() {
            for (shown, path) in inputs {
                let file = File::open(path).map_err(|source| RunError::Read {
                    path: shown.into(),
                    source,
                })?;
                read.file(shown, file, pi, profile)?;
            }
        }
        Ok::<(), RunError>(())
    })();
    if let Err(e) = reading {
        // Nothing was written yet (spills are unnamed): the folders this run made go.
        drop(read);
        for (d, made) in [&dir, &month_dir].into_iter().zip([made[1], made[0]]) {
            if made {
                let _ = std::fs::remove_dir(d);
            }
        }
        return Err(e);
    }
    let Reading {
        office: _,
        mut files,
        emitted,
        spills,
        users,
        other_lines,
        mut quarantine,
        other_facility,
        input_entries,
    } = read;
    checks::cross_file_checks(
        &mut files,
        &emitted,
        &users,
        &facility,
        month,
        ledger,
        &registry.parents,
    )?;
    if let Some(l) = ledger {
        let fed: BTreeSet<&str> = profiles
            .iter()
            .flat_map(|p| p.targets.iter().map(|t| t.data_type.as_str()))
            .collect();
        result.stats.due = checks::due_checks(
            &mut files,
            &emitted,
            &users,
            &facility,
            month,
            &registry.due,
            &fed,
            l,
        )?;
    }

    // Rows (file, line) with an error finding are withheld, with the checks that withheld them;
    // an interface withholds a row for the checks on its items (a check without an item: for
    // every interface). Counted per check, then per rule: no work per finding beyond a count.
    let mut withheld: HashMap<(usize, u64), Vec<u32>> = HashMap::new();
    for (fi, (_, f)) in files.iter().enumerate() {
        let mut per_check = vec![0usize; f.findings.checks.len()];
        for x in &f.findings.findings {
            per_check[x.check as usize] += 1;
            let c = &f.findings.checks[x.check as usize];
            if c.severity == Severity::Error && x.line > 0 {
                withheld.entry((fi, x.line)).or_default().push(x.check);
            }
        }
        for (c, n) in f.findings.checks.iter().zip(per_check) {
            if n == 0 {
                continue;
            }
            *result.per_rule.entry(c.rule.to_string()).or_default() += n;
            match c.severity {
                Severity::Error => result.errors += n,
                Severity::Warning => result.warnings += n,
            }
        }
    }
    // Each check as quarantine.csv names it, rule and item: what it says is in the findings at
    // the same file and line, not written a second time.
    let why: Vec<Vec<String>> = files
        .iter()
        .map(|(_, f)| {
            f.findings
                .checks
                .iter()
                .map(|c| match &c.column {
                    Some(col) => format!("{} {col}", c.rule),
                    None => c.rule.to_string(),
                })
                .collect()
        })
        .collect();
    for (_, f) in &files {
        quarantine.extend(
            f.quarantine
                .iter()
                .map(|q| (f.path.clone(), q.line, q.reason.clone(), q.fields.clone())),
        );
    }

    // Per interface: this facility's rows, minus the withheld ones. Vendor rows withheld from
    // any interface, and the rules that withheld them, are counted for the metrics.
    let mut rejected: BTreeMap<(usize, u64), BTreeSet<&'static str>> = BTreeMap::new();
    let mut specs = BTreeSet::new();
    let targets: BTreeSet<Interface> = profiles
        .iter()
        .flat_map(|p| {
            p.targets
                .iter()
                .map(|t| (DataType::new(t.data_type.as_str()), t.spec.clone()))
        })
        .collect();
    // Per interface: its rows and which of them were sent.
    let mut sent_by_type: Vec<(&Interface, Vec<&Emitted>, Vec<bool>)> = Vec::new();
    for interface in &targets {
        let (data_type, spec) = interface;
        // The rows read for this interface: those of the files whose profile feeds it.
        let feeds = |i: usize| {
            profiles[i]
                .targets
                .iter()
                .any(|t| t.data_type == data_type.as_str() && &t.spec == spec)
        };
        let read: usize = files
            .iter()
            .filter(|(i, _)| feeds(*i))
            .map(|(_, f)| f.rows_read)
            .sum();
        let ingest_quarantined: usize = files
            .iter()
            .filter(|(i, _)| feeds(*i))
            .map(|(_, f)| f.quarantine.len())
            .sum();
        let parts: Vec<&Emitted> = emitted
            .iter()
            .filter(|e| &e.data_type == data_type && &e.spec == spec)
            .collect();
        let schema = registry
            .spec(spec)
            .and_then(|s| s.schema(data_type.as_str()));
        // The checks withholding a row from this interface.
        let reasons = |fi: usize, line: u64| -> Vec<u32> {
            let checks = &files[fi].1.findings.checks;
            withheld
                .get(&(fi, line))
                .map(|w| {
                    w.iter()
                        .copied()
                        .filter(|&c| {
                            checks[c as usize]
                                .column
                                .as_deref()
                                .is_none_or(|c| schema.is_some_and(|s| s.item(c).is_some()))
                        })
                        .collect()
                })
                .unwrap_or_default()
        };
        // Which of the spill's rows are kept, in its order.
        let mut keep: Vec<bool> = Vec::new();
        let mut withheld_rows = 0;
        for e in &parts {
            let fi = e.file;
            for &line in &e.lines {
                let checks = reasons(fi, line);
                keep.push(checks.is_empty());
                if checks.is_empty() {
                    continue;
                }
                // Two checks of one rule and item (other messages) are named once.
                let mut text: Vec<&str> = Vec::with_capacity(checks.len());
                for &c in &checks {
                    let w = why[fi][c as usize].as_str();
                    if !text.contains(&w) {
                        text.push(w);
                    }
                }
                quarantine.push((
                    files[fi].1.path.clone(),
                    line,
                    format!("{data_type}: {}", text.join("; ")),
                    Vec::new(),
                ));
                let all = &files[fi].1.findings.checks;
                rejected
                    .entry((fi, line))
                    .or_default()
                    .extend(checks.iter().map(|&c| all[c as usize].rule));
                withheld_rows += 1;
            }
        }
        let mut emitted_rows = keep.iter().filter(|k| **k).count();
        let quarantined = ingest_quarantined
            + withheld_rows
            + other_facility.get(data_type).copied().unwrap_or(0);
        specs.insert(spec.clone());
        if schema.is_none() || parts.is_empty() {
            result.accounting.push(Accounting {
                data_type: data_type.clone(),
                read,
                emitted: emitted_rows,
                unchanged: 0,
                quarantined,
            });
            continue;
        }
        // The kept rows, in order.
        let kept = rows_of(&parts)
            .zip(&keep)
            .filter(|(_, k)| **k)
            .map(|(row, _)| row);
        let filled_fields: u64 = kept.clone().map(|(e, i)| e.filled[i] as u64).sum();
        let users_count = kept
            .clone()
            .map(|(e, i)| user_key(e, i, &users, ledger))
            .filter(|u| !u.is_empty())
            .collect::<BTreeSet<_>>()
            .len() as u64;
        let mut unchanged = 0;
        // What the ledger records as sent this month: the kept rows (see `delta` below).
        let mut sent = keep.clone();
        if let (true, Some(l)) = (delta, ledger) {
            let before =
                l.latest_hashes(facility.as_str(), data_type.as_str(), &month.compact())?;
            let mut new: Vec<bool> = Vec::new();
            for (e, keep) in per_part(&parts, &keep) {
                let hashes = e
                    .hashes(&spills)
                    .map_err(|x| RunError::spill(&e.data_type, x))?;
                for i in (0..e.len()).filter(|&i| keep[i]) {
                    let number = e.number(i).unwrap_or("");
                    new.push(before.get(number) != Some(&hex(&hashes[i])));
                }
            }
            unchanged = new.iter().filter(|k| !**k).count();
            // Unchanged records were sent in an earlier month; what is sent now is this
            // month's: the kept rows with the numbers of the new or changed ones.
            let numbers: BTreeSet<&str> = kept
                .clone()
                .zip(&new)
                .filter(|(_, n)| **n)
                .map(|((e, i), _)| e.number(i).unwrap_or(""))
                .collect();
            for ((e, i), s) in rows_of(&parts).zip(sent.iter_mut()) {
                *s = *s && numbers.contains(e.number(i).unwrap_or(""));
            }
            let mut new_rows = new.iter();
            for k in keep.iter_mut().filter(|k| **k) {
                *k = *new_rows.next().unwrap_or(&true);
            }
            emitted_rows -= unchanged;
        }
        result.accounting.push(Accounting {
            data_type: data_type.clone(),
            read,
            emitted: emitted_rows,
            unchanged,
            quarantined,
        });
        result.stats.interfaces.push(InterfaceStats {
            data_type: data_type.to_string(),
            records: (emitted_rows + unchanged) as u64,
            emitted: emitted_rows as u64,
            unchanged: unchanged as u64,
            users: users_count,
            filled_fields,
        });
        if ledger.is_some() {
            sent_by_type.push((interface, parts.clone(), sent));
        }
        if emitted_rows == 0 {
            continue;
        }
        // The kept rows, part after part (file after file, a file's targets in order).
        let segments = per_part(&parts, &keep)
            .into_iter()
            .map(|(e, keep)| {
                let spill = e
                    .spill(&spills)
                    .map_err(|x| RunError::spill(&e.data_type, x))?;
                Ok(Segment {
                    spill,
                    first: e.first_row,
                    keep,
                })
            })
            .collect::<Result<Vec<_>, RunError>>()?;
        let name = format!("{data_type}_{facility}_{}.csv", month.compact());
        let path = dir.join(&name);
        let sha = write_life(&path, data_type.as_str(), &segments).map_err(|e| match e {
            SpillError::Io(source) => RunError::Write {
                path: path.clone(),
                source,
            },
            source => RunError::LifeFile {
                name: name.clone(),
                source,
            },
        })?;
        result.outputs.push(FileEntry {
            path: name,
            sha256: hex(&sha),
        });
    }

    // One transaction for the facility's month: the ledger is shared by every facility in
    // flight, so it is taken once, after the LIFE files are in place.
    if let Some(l) = ledger {
        let mut sent = Vec::new();
        for (key, parts, flags) in &sent_by_type {
            let rows = sent_rows(parts, flags, &spills, &users, ledger);
            sent.push((key.0.as_str(), rows));
        }
        l.record(facility.as_str(), &month.compact(), sent)?;
    }
    drop(sent_by_type);
    drop(spills);

    count_rows(&files, &other_lines, &rejected, result);

    // Findings (JSON and a CSV Excel opens), quarantine, manifest.
    let reports: Vec<_> = files.iter_mut().map(|(_, f)| f.take_report()).collect();
    put(&dir, "findings.json", &mut result.outputs, |w| {
        report::write_json(&reports, w)
    })?;
    put(&dir, "findings.csv", &mut result.outputs, |w| {
        report::write_csv(&reports, w)
    })?;
    quarantine.sort_by(|a, b| (&a.0, a.1, &a.2).cmp(&(&b.0, b.1, &b.2)));
    let quarantine = report::quarantine_csv(&quarantine);
    put(&dir, "quarantine.csv", &mut result.outputs, |w| {
        w.write_all(&quarantine)
    })?;
    Manifest {
        tool: format!("lifeline {}", env!("CARGO_PKG_VERSION")),
        facility: facility.as_str(),
        month: month.compact(),
        profiles: profiles.iter().map(|p| p.name.clone()).collect(),
        specs: specs.into_iter().collect(),
        inputs: input_entries,
        outputs: &result.outputs,
        accounting: &result.accounting,
    }
    .write(&dir)
}

/// The facility's row counts, rejections by rule and repairs, for the metrics.
fn count_rows(
    files: &[(usize, FileIngest)],
    other_lines: &[BTreeSet<u64>],
    rejected: &BTreeMap<(usize, u64), BTreeSet<&'static str>>,
    result: &mut FacilityResult,
) {
    let stats = &mut result.stats;
    stats.errors = result.errors as u64;
    stats.warnings = result.warnings as u64;
    stats.findings_by_rule = result
        .per_rule
        .iter()
        .map(|(r, n)| (r.clone(), *n as u64))
        .collect();
    for ((_, f), other) in files.iter().zip(other_lines) {
        // A row goes into one frame per interface: rows of other facilities by line.
        stats.rows_read += (f.rows_read - other.len()) as u64;
        for q in &f.quarantine {
            if q.deliberate {
                stats.rows_dropped += 1;
            } else {
                stats.rows_rejected += 1;
            }
        }
        stats.fixes.add(&f.fixes);
    }
    stats.rows_rejected += rejected.len() as u64;
    for rules in rejected.values() {
        for rule in rules {
            *stats.rejected_by_rule.entry(rule.to_string()).or_default() += 1;
        }
    }
}

/// Temporary files of a run that was killed (`.<name>.tmp-<random>`): never outputs, removed.
fn remove_leftover_temporaries(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') && name.contains(".tmp-") {
            let _ = std::fs::remove_file(e.path());
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
            if path.is_file() {
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

#[cfg(test)]
mod tests {
    use super::*;

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
