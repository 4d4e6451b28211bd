//! The one driver of an office, for `run` and `ingest` alike, stage after stage:
//! read (files a table at a time into spills, `read`) → checks (cross-file, due, what the
//! output encoding cannot hold) → selection (records withheld per interface, no orphans,
//! `select`) → emit (LIFE files written and validated, `write`) → reports → commit (the office
//! folder as a whole, `stage`) → ledger.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use super::copied::{self, FromLife, Input};
use super::error::RunError;
use super::manifest::{Accounting, FileEntry, Manifest, put};
use super::read::{Office as ReadOffice, Reading, mapped_items};
use super::rows::{rows_of, sent_rows};
use super::select::{self, Office};
use super::served::{self, For};
use super::stage::Stage;
use super::write::{Layout, interface};
use super::{FacilityResult, checks, retired};
use crate::decode::file::open_regular;
use crate::emit::report;
use crate::map::Profile;
use crate::normalize::ingest::FileIngest;
use crate::spec::ids::FacilityId;
use crate::validate::{Context, Severity};

/// An office's inputs: per source, its profile and its files (as shown, path), and whether
/// they are LIFE files the office's software wrote (a profile made by `life`).
#[derive(Default)]
pub(super) struct Sources {
    pub profiles: Vec<Profile>,
    pub inputs: Vec<Vec<(String, PathBuf)>>,
    pub life: Vec<bool>,
    /// ケアプランデータ連携 files (as shown, path).
    pub careplan: Vec<(String, PathBuf)>,
}

/// Who the office is.
pub(super) struct Who<'a> {
    pub facility: &'a FacilityId,
    /// The 事業所番号 of rows of a file that does not carry one.
    pub given: Option<&'a str>,
    pub service_code: Option<&'a str>,
}

/// Runs an office into `layout.parent/<facility>/`; the other offices whose rows were met.
pub(super) fn run(
    src: &Sources,
    who: &Who<'_>,
    layout: &Layout<'_>,
    result: &mut FacilityResult,
) -> Result<BTreeSet<String>, RunError> {
    let (registry, ledger, month) = (layout.registry, layout.ledger, layout.month);
    let facility = who.facility;
    let stage = Stage::new(&layout.parent, facility.as_str())?;

    // Read.
    let mut read = Reading::new(ReadOffice {
        facility,
        given: who.given,
        service_code: who.service_code,
        registry,
        ledger,
        dir: stage.path(),
        encoding: layout.encoding,
        mapped: mapped_items(&src.profiles),
        ctx: Context::default(),
    });
    read_all(&mut read, src)?;
    let Reading {
        mut files,
        emitted,
        spills,
        users,
        others,
        mut quarantine,
        other_ids,
        mut input_entries,
        mut scopes,
        ..
    } = read;

    // Checks: the 1.00 interfaces asked for (a warning each), then the cross-file ones.
    retired::warn(&mut files, &src.profiles, registry, &mut scopes);
    checks::cross_file_checks(
        &mut files,
        &src.life,
        &emitted,
        &users,
        facility,
        month,
        ledger,
        &registry.parents,
        &mut scopes,
    )?;
    if let Some(l) = ledger {
        let fed: BTreeSet<&str> = src
            .profiles
            .iter()
            .flat_map(|p| p.targets.iter().map(|t| t.data_type.as_str()))
            .collect();
        result.stats.due = checks::due_checks(
            &mut files,
            &emitted,
            &users,
            facility,
            month,
            &registry.due,
            &fed,
            l,
        )?;
    }

    // The care-plan files, and the users their 実績 says were served.
    let at = For {
        facility,
        month,
        registry,
        ledger,
    };
    let mut careplan = served::read(&src.careplan, &at)?;
    input_entries.extend(std::mem::take(&mut careplan.inputs));

    // Selection, then emit, until every file written validates.
    let mut sel = Office {
        files: &mut files,
        profiles: &src.profiles,
        emitted: &emitted,
        others: &others,
        scopes: &mut scopes,
    };
    sel.unwritable(&spills, registry);
    let mut ifaces = sel.interfaces();
    let known = select::known_users(ledger, facility.as_str(), &month.compact())?;
    let sent_before = |parent: &str, number: &str| match ledger {
        Some(l) => Ok(l.was_sent(facility.as_str(), parent, number, &month.compact())?),
        None => Ok(false),
    };
    let mut sent = Vec::new();
    let mut written: Vec<(String, Option<FileEntry>, Accounting)> = Vec::new();
    loop {
        sel.withhold(&mut ifaces, &users, &known, registry, &sent_before)?;
        result.accounting.clear();
        result.outputs.clear();
        result.stats.interfaces.clear();
        sent.clear();
        written.clear();
        let mut again = false;
        for i in ifaces.iter_mut() {
            let w = interface(&mut sel, i, &spills, &users, layout, facility, stage.path())?;
            again |= w.withheld;
            written.push((
                i.interface.0.as_str().to_string(),
                w.output.clone(),
                w.accounting.clone(),
            ));
            result.accounting.push(w.accounting);
            result.outputs.extend(w.output);
            result.stats.interfaces.extend(w.stats);
            if !w.sent.is_empty() {
                sent.push((i.interface.0.clone(), i.parts.clone(), w.sent));
            }
        }
        if !again {
            break;
        }
    }
    // Served users against the LIFE records kept (emitted, or unchanged with `--delta`).
    let kept: std::collections::HashSet<u32> = ifaces
        .iter()
        .flat_map(|i| rows_of(&i.parts).zip(&i.keep))
        .filter(|(_, k)| **k)
        .filter_map(|((e, r), _)| e.user(r))
        .collect();
    served::match_users(&mut careplan, &at, &kept, &users)?;
    result.stats.served = careplan.stats.clone();
    sel.quarantine(&ifaces, &mut quarantine);
    // The rows the reader left out (dummy users, empty rows, rows without a key), with their
    // fields.
    for (_, f) in sel.files.iter() {
        quarantine.extend(
            f.quarantine
                .iter()
                .map(|q| (f.path.clone(), q.line, q.reason.clone(), q.fields.clone())),
        );
    }
    let rejected = sel.rejected(&ifaces);

    // Reports.
    count(&files, &careplan.reports, &others, &rejected, result);
    let mut reports: Vec<_> = files.iter_mut().map(|(_, f)| f.take_report()).collect();
    reports.extend(careplan.reports);
    let dir = stage.path();
    put(dir, "findings.json", &mut result.outputs, |w| {
        report::write_json(&reports, w)
    })?;
    put(dir, "findings.csv", &mut result.outputs, |w| {
        report::write_csv(&reports, w)
    })?;
    quarantine.sort_by(|a, b| (&a.0, a.1, &a.2).cmp(&(&b.0, b.1, &b.2)));
    let quarantine = report::quarantine_csv(&quarantine);
    put(dir, "quarantine.csv", &mut result.outputs, |w| {
        w.write_all(&quarantine)
    })?;
    let specs: BTreeSet<String> = ifaces.iter().map(|i| i.interface.1.clone()).collect();
    Manifest {
        tool: format!("lifeline {}", env!("CARGO_PKG_VERSION")),
        facility: facility.as_str(),
        month: month.compact(),
        profiles: src.profiles.iter().map(|p| p.name.clone()).collect(),
        specs: specs.into_iter().collect(),
        from_life: from_life(src, &files, &input_entries, &written, layout.encoding),
        inputs: input_entries,
        outputs: &result.outputs,
        accounting: &result.accounting,
    }
    .write(dir)?;

    // Commit, then the ledger: a ledger that fails after the files are in place only makes
    // the next `--delta` send them again, never leaves a month recorded as sent that is not.
    stage.commit()?;
    if let Some(l) = ledger {
        let rows: Vec<_> = sent
            .iter()
            .map(|(dt, parts, flags)| {
                (
                    dt.as_str(),
                    sent_rows(parts, flags, &spills, &users, ledger),
                )
            })
            .collect();
        l.record(facility.as_str(), &month.compact(), rows)?;
    }
    Ok(other_ids)
}

/// What became of each interface's LIFE files (`life` sources), for the manifest.
fn from_life(
    src: &Sources,
    files: &[(usize, FileIngest)],
    inputs: &[FileEntry],
    written: &[(String, Option<FileEntry>, Accounting)],
    encoding: crate::emit::OutputEncoding,
) -> Vec<FromLife> {
    let feeds = |k: usize, dt: &str| src.profiles[k].targets.iter().any(|t| t.data_type == dt);
    let mut out = Vec::new();
    for (dt, output, accounting) in written {
        let life: Vec<Input<'_>> = (0..src.profiles.len())
            .filter(|&k| src.life[k] && feeds(k, dt))
            .flat_map(|k| &src.inputs[k])
            .map(|(shown, _)| Input {
                shown,
                sha256: inputs
                    .iter()
                    .find(|e| e.path == *shown)
                    .map_or("", |e| e.sha256.as_str()),
                encoding: files
                    .iter()
                    .find(|(_, f)| f.path == *shown)
                    .and_then(|(_, f)| f.encoding),
            })
            .collect();
        if life.is_empty() {
            continue;
        }
        let profiled = (0..src.profiles.len()).any(|k| !src.life[k] && feeds(k, dt));
        let written = copied::Output {
            file: output
                .as_ref()
                .map(|o| (o.path.as_str(), o.sha256.as_str())),
            quarantined: accounting.quarantined,
            unchanged: accounting.unchanged,
        };
        out.push(copied::describe(dt, &life, profiled, &written, encoding));
    }
    out
}

/// The office's findings per rule (its vendor files' and, `apart`, those of the files read apart
/// from them: care-plan files), its row counts, rejections by rule and repairs.
fn count(
    files: &[(usize, FileIngest)],
    apart: &[crate::validate::FileReport],
    others: &[BTreeMap<usize, Vec<u64>>],
    rejected: &BTreeMap<(usize, u64), BTreeSet<&'static str>>,
    result: &mut FacilityResult,
) {
    let findings = files
        .iter()
        .map(|(_, f)| &f.findings)
        .chain(apart.iter().map(|r| &r.findings));
    for found in findings {
        let mut per_check = vec![0usize; found.checks.len()];
        for x in &found.findings {
            per_check[x.check as usize] += 1;
        }
        for (c, n) in found.checks.iter().zip(per_check) {
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
    let stats = &mut result.stats;
    stats.errors = result.errors as u64;
    stats.warnings = result.warnings as u64;
    stats.findings_by_rule = result
        .per_rule
        .iter()
        .map(|(r, n)| (r.clone(), *n as u64))
        .collect();
    for ((_, f), other) in files.iter().zip(others) {
        // A row goes into one frame per interface: rows of other offices by line.
        let other: BTreeSet<u64> = other.values().flatten().copied().collect();
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

/// The offices whose rows the files hold (a reading that keeps no row: `nobody` is no office),
/// and the files' findings, for when there is none.
pub(super) fn discover(
    src: &Sources,
    nobody: &FacilityId,
    given: Option<&str>,
    registry: &crate::spec::Registry,
) -> Result<(BTreeSet<String>, Vec<crate::validate::FileReport>), RunError> {
    let tmp = std::env::temp_dir();
    let mut read = Reading::new(ReadOffice {
        facility: nobody,
        given,
        service_code: None,
        registry,
        ledger: None,
        dir: &tmp,
        encoding: crate::emit::OutputEncoding::Utf8Bom,
        mapped: BTreeMap::new(),
        ctx: Context::default(),
    });
    read_all(&mut read, src)?;
    let reports = read
        .files
        .iter_mut()
        .map(|(_, f)| f.take_report())
        .collect();
    Ok((std::mem::take(&mut read.other_ids), reports))
}

/// Every input of every source, in order, into the reading.
fn read_all(read: &mut Reading<'_>, src: &Sources) -> Result<(), RunError> {
    for (pi, (inputs, profile)) in src.inputs.iter().zip(&src.profiles).enumerate() {
        for (shown, path) in inputs {
            let (file, _) = open_regular(path).map_err(|source| RunError::Read {
                path: shown.into(),
                source,
            })?;
            read.file(shown, file, pi, profile)?;
        }
    }
    Ok(())
}
