//! The monthly batch: every facility of a job through ingest → normalize → validate → emit,
//! each on its own (one facility's bad data never stops another's), in parallel. A row with an
//! error is not emitted but quarantined with its reasons; every facility gets a manifest whose
//! row accounting `read = emitted + quarantined` balances per interface.

mod checks;
mod clock;
pub mod job;
mod lock;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};

use polars::prelude::*;
use serde::Serialize;
use sha2::{Digest, Sha256};

pub use clock::{RunTime, civil_from_days};
pub use job::{Encoding, FacilityJob, Job, Month, SourceJob, days_from_civil};
pub use lock::{Lock, LockError};

use crate::decode::{LINE, read_table_owned};
use crate::emit::files::write_private;
use crate::emit::{OutputEncoding, report, write_life_file};
use crate::ledger::{InterfaceStats, Ledger, RunStats, Submitted, hex};
use crate::map::Profile;
use crate::normalize::ingest::{FileIngest, SOURCE_FILE, delimiter, ingest_table, unreadable};
use crate::spec::Registry;
use crate::validate::{Context, Severity};

/// Row accounting of one interface of one facility.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Accounting {
    pub data_type: String,
    pub read: usize,
    pub emitted: usize,
    /// With `--delta`: rows the ledger says were sent before with the same content.
    pub unchanged: usize,
    pub quarantined: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
}

/// What one facility's run gave.
#[derive(Debug, Clone, Serialize)]
pub struct FacilityResult {
    pub facility: String,
    /// Why the facility could not run at all (bad profile, no or unreadable inputs).
    pub failed: Option<String>,
    pub errors: usize,
    pub warnings: usize,
    pub per_rule: BTreeMap<String, usize>,
    pub accounting: Vec<Accounting>,
    pub outputs: Vec<FileEntry>,
    /// The counts the ledger keeps for the metrics (not in the run's own report).
    #[serde(skip)]
    pub stats: RunStats,
}

#[derive(Serialize)]
struct Manifest<'a> {
    tool: String,
    facility: &'a str,
    month: String,
    profiles: Vec<String>,
    specs: Vec<String>,
    inputs: Vec<FileEntry>,
    outputs: &'a [FileEntry],
    accounting: &'a [Accounting],
}

fn sha256(bytes: &[u8]) -> String {
    hex(&Sha256::digest(bytes))
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
) -> Result<(), String> {
    let Batch {
        month,
        registry,
        out,
        ledger,
        delta,
    } = *batch;
    let ctx = Context::default();
    let mut profiles = Vec::new();
    // Each file with the index of the profile it was read through.
    let mut files: Vec<(usize, FileIngest)> = Vec::new();
    let mut input_entries = Vec::new();
    for source in &fac.sources {
        let profile = job.profiles.get(
            &job.dir.join(&source.profile),
            registry,
            job.spec.as_deref(),
        )?;
        for (shown, path) in expand_inputs(&job.dir, &source.inputs)? {
            let bytes = std::fs::read(&path).map_err(|e| format!("cannot read {shown}: {e}"))?;
            input_entries.push(FileEntry {
                path: shown.clone(),
                sha256: sha256(&bytes),
            });
            // The file's bytes go as soon as they are decoded: memory holds at most two
            // copies of a file at a time (bytes and text, then text and table).
            let mut f = match read_table_owned(bytes, delimiter(&profile, &shown)) {
                Ok(table) => ingest_table(&shown, &table, &profile, registry, Some(&fac.id)),
                Err(e) => unreadable(&shown, &e),
            };
            if let Some(code) = &fac.service_code {
                for part in &mut f.parts {
                    let n = part.frame.height();
                    part.frame
                        .with_column(
                            StringChunked::full("service_code".into(), code, n).into_column(),
                        )
                        .map_err(|e| e.to_string())?;
                }
            }
            f.validate(registry, &ctx);
            files.push((profiles.len(), f));
        }
        profiles.push(profile);
    }
    checks::cross_file_checks(&mut files, &fac.id, month, ledger, &registry.parents)?;
    if let Some(l) = ledger {
        let fed: BTreeSet<&str> = profiles
            .iter()
            .flat_map(|p| p.targets.iter().map(|t| t.data_type.as_str()))
            .collect();
        result.stats.due = checks::due_checks(&mut files, &fac.id, month, &registry.due, &fed, l)?;
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
    let file_index: HashMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(i, (_, f))| (f.path.as_str(), i))
        .collect();

    let dir = out.join(month.compact()).join(&fac.id);
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    remove_leftover_temporaries(&dir);
    let mut quarantine: Vec<(String, u64, String, Vec<String>)> = files
        .iter()
        .flat_map(|(_, f)| {
            f.quarantine
                .iter()
                .map(|q| (f.path.clone(), q.line, q.reason.clone(), q.fields.clone()))
        })
        .collect();

    // Per interface: this facility's rows, minus the withheld ones. Vendor rows withheld from
    // any interface, and the rules that withheld them, are counted for the metrics.
    let mut rejected: BTreeMap<(usize, u64), BTreeSet<&'static str>> = BTreeMap::new();
    let mut specs = BTreeSet::new();
    let mut by_type: BTreeMap<(String, String), Vec<&DataFrame>> = BTreeMap::new();
    let mut other_facility: BTreeMap<String, usize> = BTreeMap::new();
    for (_, f) in &files {
        for p in &f.parts {
            if p.facility == fac.id {
                by_type
                    .entry((p.data_type.clone(), p.spec.clone()))
                    .or_default()
                    .push(&p.frame);
            } else {
                *other_facility.entry(p.data_type.clone()).or_default() += p.frame.height();
                for line in lines(&p.frame) {
                    quarantine.push((
                        f.path.clone(),
                        line,
                        format!("a row of facility {}", p.facility),
                        Vec::new(),
                    ));
                }
            }
        }
    }
    let encoding = match job.encoding {
        Encoding::Utf8 => OutputEncoding::Utf8Bom,
        Encoding::Cp932 => OutputEncoding::Cp932,
    };
    let targets: BTreeSet<(String, String)> = profiles
        .iter()
        .flat_map(|p| {
            p.targets
                .iter()
                .map(|t| (t.data_type.clone(), t.spec.clone()))
        })
        .collect();
    let mut sent_by_type: Vec<(String, Vec<Submitted>)> = Vec::new();
    for (data_type, spec) in &targets {
        // The rows read for this interface: those of the files whose profile feeds it.
        let feeds = |i: usize| {
            profiles[i]
                .targets
                .iter()
                .any(|t| &t.data_type == data_type && &t.spec == spec)
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
        let key = (data_type.clone(), spec.clone());
        let frames = by_type.get(&key).cloned().unwrap_or_default();
        let schema = registry.spec(spec).and_then(|s| s.schema(data_type));
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
        let mut emitted = 0;
        let mut withheld_rows = 0;
        let mut kept_frames = Vec::new();
        for frame in frames {
            let files_col = frame
                .column(SOURCE_FILE)
                .and_then(|c| c.str().cloned())
                .map_err(|e| e.to_string())?;
            let frame_lines = lines(frame);
            let mut mask = Vec::with_capacity(frame_lines.len());
            for (file, &line) in files_col.iter().zip(&frame_lines) {
                let file = file.unwrap_or("");
                let Some(&fi) = file_index.get(file) else {
                    mask.push(true);
                    continue;
                };
                let checks = reasons(fi, line);
                mask.push(checks.is_empty());
                if !checks.is_empty() {
                    // Two checks of one rule and item (other messages) are named once.
                    let mut text: Vec<&str> = Vec::with_capacity(checks.len());
                    for &c in &checks {
                        let w = why[fi][c as usize].as_str();
                        if !text.contains(&w) {
                            text.push(w);
                        }
                    }
                    quarantine.push((
                        file.to_string(),
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
            let kept = if mask.iter().all(|k| *k) {
                frame.clone() // shares the columns: no copy
            } else {
                frame
                    .filter_seq(&BooleanChunked::from_slice("keep".into(), &mask))
                    .map_err(|e| e.to_string())?
            };
            emitted += kept.height();
            kept_frames.push(kept);
        }
        let quarantined = ingest_quarantined
            + withheld_rows
            + other_facility.get(data_type).copied().unwrap_or(0);
        specs.insert(spec.clone());
        let mut stacked = match (schema, kept_frames.first()) {
            (Some(_), Some(f)) => f.clone(),
            _ => {
                result.accounting.push(Accounting {
                    data_type: data_type.clone(),
                    read,
                    emitted,
                    unchanged: 0,
                    quarantined,
                });
                continue;
            }
        };
        if kept_frames.len() > 1 {
            for f in &kept_frames[1..] {
                stacked.vstack_mut(f).map_err(|e| e.to_string())?;
            }
            stacked.rechunk_mut();
        }
        drop(kept_frames);
        let filled_fields = filled_fields(&stacked, &profiles, data_type);
        let submitted = submissions(&stacked, ledger);
        let users = submitted
            .iter()
            .map(|s| s.user_key.as_str())
            .filter(|u| !u.is_empty())
            .collect::<BTreeSet<_>>()
            .len() as u64;
        let mut unchanged = 0;
        if let (true, Some(l)) = (delta, ledger) {
            let before = l
                .latest_hashes(&fac.id, data_type, &month.compact())
                .map_err(|e| e.to_string())?;
            let mask: Vec<bool> = submitted
                .iter()
                .map(|s| before.get(&s.number) != Some(&s.content_hash))
                .collect();
            unchanged = mask.iter().filter(|k| !**k).count();
            stacked = stacked
                .filter_seq(&BooleanChunked::from_slice("new".into(), &mask))
                .map_err(|e| e.to_string())?;
            emitted -= unchanged;
        }
        result.accounting.push(Accounting {
            data_type: data_type.clone(),
            read,
            emitted,
            unchanged,
            quarantined,
        });
        result.stats.interfaces.push(InterfaceStats {
            data_type: data_type.clone(),
            records: (emitted + unchanged) as u64,
            emitted: emitted as u64,
            unchanged: unchanged as u64,
            users,
            filled_fields,
        });
        if ledger.is_some() {
            // Unchanged records were sent in an earlier month; what is sent now is this month's.
            let sent = if delta {
                filter_sent(submitted, &stacked)
            } else {
                submitted
            };
            sent_by_type.push((data_type.clone(), sent));
        }
        let Some(schema) = schema else { continue };
        if stacked.height() == 0 {
            continue;
        }
        let name = format!("{data_type}_{}_{}.csv", fac.id, month.compact());
        let bytes =
            write_life_file(schema, &stacked, encoding).map_err(|e| format!("{name}: {e}"))?;
        put(&dir, &name, &bytes, &mut result.outputs)?;
    }

    // One transaction for the facility's month: the ledger is shared by every facility in
    // flight, so it is taken once, after the LIFE files are in place.
    if let Some(l) = ledger {
        l.record(&fac.id, &month.compact(), &sent_by_type)
            .map_err(|e| e.to_string())?;
    }
    drop(sent_by_type);

    count_rows(&files, &fac.id, &rejected, result);

    // Findings (JSON and a CSV Excel opens), quarantine, manifest.
    let reports: Vec<_> = files.iter_mut().map(|(_, f)| f.take_report()).collect();
    let mut json = Vec::new();
    report::write_json(&reports, &mut json).map_err(|e| e.to_string())?;
    put(&dir, "findings.json", &json, &mut result.outputs)?;
    put(
        &dir,
        "findings.csv",
        &report::csv_bytes(&reports),
        &mut result.outputs,
    )?;
    quarantine.sort_by(|a, b| (&a.0, a.1, &a.2).cmp(&(&b.0, b.1, &b.2)));
    put(
        &dir,
        "quarantine.csv",
        &report::quarantine_csv(&quarantine),
        &mut result.outputs,
    )?;
    let manifest = Manifest {
        tool: format!("lifeline {}", env!("CARGO_PKG_VERSION")),
        facility: &fac.id,
        month: month.compact(),
        profiles: profiles.iter().map(|p| p.name.clone()).collect(),
        specs: specs.into_iter().collect(),
        inputs: input_entries,
        outputs: &result.outputs,
        accounting: &result.accounting,
    };
    let text = serde_json::to_string_pretty(&manifest).map_err(|e| e.to_string())? + "\n";
    write_private(&dir.join("manifest.json"), text.as_bytes()).map_err(|e| e.to_string())?;
    Ok(())
}

/// The facility's row counts, rejections by rule and repairs, for the metrics.
fn count_rows(
    files: &[(usize, FileIngest)],
    facility: &str,
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
    for (_, f) in files {
        // A row goes into one frame per interface: rows of other facilities by line.
        let other: BTreeSet<u64> = f
            .parts
            .iter()
            .filter(|p| p.facility != facility)
            .flat_map(|p| lines(&p.frame))
            .collect();
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

/// Values of a frame filled from vendor data: non-null cells of the columns the profiles map
/// from a vendor column for this interface (constants and generated keys left out).
fn filled_fields(frame: &DataFrame, profiles: &[Profile], data_type: &str) -> u64 {
    let mapped: BTreeSet<&str> = profiles
        .iter()
        .flat_map(|p| &p.targets)
        .filter(|t| t.data_type == data_type)
        .flat_map(|t| t.columns.iter().map(|c| c.item.as_str()))
        .collect();
    frame
        .columns()
        .iter()
        .filter(|c| mapped.contains(c.name().as_str()))
        .map(|c| (c.len() - c.null_count()) as u64)
        .sum()
}

/// One row per record of a stacked frame: its number, content hash and user key.
fn submissions(frame: &DataFrame, ledger: Option<&Ledger>) -> Vec<Submitted> {
    let str_col = |name: &str| frame.column(name).ok().and_then(|c| c.str().ok());
    let number = str_col("external_system_management_number");
    let (insurer, insured) = (str_col("insurer_no"), str_col("insured_no"));
    let content: Vec<&StringChunked> = frame
        .columns()
        .iter()
        .filter(|c| !c.name().starts_with("__"))
        .filter_map(|c| c.str().ok())
        .collect();
    // Column after column into one hasher per row: each column is read once, in order.
    let mut hashers = vec![Sha256::new(); frame.height()];
    for ca in &content {
        for (h, v) in hashers.iter_mut().zip(ca.iter()) {
            h.update(v.unwrap_or("").as_bytes());
            h.update([0x1f]);
        }
    }
    let n = frame.height();
    let (number, insurer, insured) = (column(number, n), column(insurer, n), column(insured, n));
    hashers
        .into_iter()
        .enumerate()
        .map(|(i, h)| {
            let user_key = match (ledger, insurer[i], insured[i]) {
                (Some(l), Some(a), Some(b)) => l.user_key(a, b),
                _ => String::new(),
            };
            Submitted {
                number: number[i].unwrap_or("").to_string(),
                content_hash: hex(&h.finalize()),
                user_key,
            }
        })
        .collect()
}

/// The values of a string column, or `n` nulls when there is none.
fn column(c: Option<&StringChunked>, n: usize) -> Vec<Option<&str>> {
    c.map_or_else(|| vec![None; n], |c| c.iter().collect())
}

/// The submissions whose numbers are in the (delta-filtered) frame.
fn filter_sent(sent: Vec<Submitted>, frame: &DataFrame) -> Vec<Submitted> {
    let numbers: BTreeSet<&str> = frame
        .column("external_system_management_number")
        .ok()
        .and_then(|c| c.str().ok())
        .map(|ca| ca.iter().flatten().collect())
        .unwrap_or_default();
    sent.into_iter()
        .filter(|s| numbers.contains(s.number.as_str()))
        .collect()
}

/// Temporary files of a run that was killed (`.<name>.tmp-<pid>`): never outputs, removed.
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

pub(crate) fn lines(frame: &DataFrame) -> Vec<u64> {
    frame
        .column(LINE)
        .ok()
        .and_then(|c| c.u64().ok())
        .map(|ca| ca.iter().map(|l| l.unwrap_or(0)).collect())
        .unwrap_or_default()
}

fn put(dir: &Path, name: &str, bytes: &[u8], outputs: &mut Vec<FileEntry>) -> Result<(), String> {
    let path = dir.join(name);
    write_private(&path, bytes).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    outputs.push(FileEntry {
        path: name.to_string(),
        sha256: sha256(bytes),
    });
    Ok(())
}

/// Input patterns relative to the job folder → (as shown, path), sorted, deduplicated.
fn expand_inputs(dir: &Path, patterns: &[String]) -> Result<Vec<(String, PathBuf)>, String> {
    let mut out = BTreeMap::new();
    for p in patterns {
        let full = dir.join(p);
        let pattern = full.to_string_lossy().into_owned();
        let paths = glob::glob(&pattern).map_err(|e| format!("bad input pattern `{p}`: {e}"))?;
        let mut any = false;
        for path in paths {
            let path = path.map_err(|e| format!("cannot read {}: {e}", e.path().display()))?;
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
            return Err(format!("no input file matches `{p}`"));
        }
    }
    Ok(out.into_iter().collect())
}
