//! `lifeline run`: the monthly batch over every facility of a job file.

use std::io::{IsTerminal, Write};
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use lifeline::ledger::Ledger;
use lifeline::metrics::{self, Baseline};
use lifeline::run::{FacilityResult, Job, Lock, run_facility};
use lifeline::spec::Registry;
use lifeline::spec::calendar::{Month, RunTime};
use rayon::prelude::*;
use serde_json::json;

use crate::Format;

/// How progress is shown on stderr.
#[derive(Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    /// A progress bar on a terminal, JSON lines otherwise.
    Auto,
    /// A progress bar.
    Text,
    /// One JSON object per line (for cron and log collectors).
    Json,
}

pub struct Args<'a> {
    pub log_format: LogFormat,
    pub config: &'a Path,
    pub month: Option<&'a str>,
    pub out_dir: &'a Path,
    pub ledger: Option<&'a Path>,
    pub delta: bool,
    pub format: Format,
}

pub fn run(registry: &Registry, args: Args<'_>, out: &mut impl Write) -> Result<ExitCode> {
    let Args {
        log_format,
        config,
        month,
        out_dir,
        ledger,
        delta,
        format,
    } = args;
    lifeline::run::hand_back_large_buffers();
    let job = Job::load(config)?;
    if let Some(v) = job
        .spec
        .as_deref()
        .filter(|v| *v != "auto" && registry.spec(v).is_none())
    {
        let known: Vec<&str> = registry.specs.iter().map(|s| s.version.as_str()).collect();
        bail!(
            "{}: `spec = \"{v}\"` is not a spec version (auto, {})",
            config.display(),
            known.join(", ")
        );
    }
    let month_text = month
        .or(job.month.as_deref())
        .context("no target month: give --month YYYY-MM or `month` in the job file")?;
    let Some(month) = Month::parse(month_text) else {
        bail!("`{month_text}` is not a month (YYYY-MM)")
    };
    let now = RunTime::now()?;
    let baseline = job
        .baseline
        .as_ref()
        .map(|p| Baseline::load(&job.dir.join(p), registry))
        .transpose()?;
    let _lock = Lock::acquire(out_dir)?;
    let ledger_path = ledger.map_or_else(|| out_dir.join("ledger.sqlite"), Path::to_path_buf);
    let ledger = Ledger::open(&ledger_path)?;
    let json_logs = match log_format {
        LogFormat::Json => true,
        LogFormat::Text => false,
        LogFormat::Auto => !std::io::stderr().is_terminal(),
    };
    let bar = (!json_logs).then(|| {
        let b = indicatif::ProgressBar::new(job.facilities.len() as u64);
        b.set_style(
            indicatif::ProgressStyle::with_template("{bar:40} {pos}/{len} facilities {msg}")
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
        b
    });
    log(
        json_logs,
        json!({"event": "run_start", "month": month.compact(), "facilities": job.facilities.len()}),
    );
    let started = std::time::Instant::now();
    // Facilities in parallel, each on its own: at most one facility per thread is in memory.
    let results: Vec<FacilityResult> = job
        .facilities
        .par_iter()
        .map(|f| {
            let t = std::time::Instant::now();
            let mut r = run_facility(&job, f, month, registry, out_dir, Some(&ledger), delta);
            // Its counts, for `lifeline metrics`.
            if let Err(e) = ledger.record_run(&r.facility, &month.compact(), &now.text, &r.stats) {
                r.failed.get_or_insert(e.into());
            }
            // Facility numbers and counts only: never names or 被保険者番号.
            log(
                json_logs,
                json!({
                    "event": "facility_done", "facility": r.facility, "failed": r.failed.is_some(),
                    "errors": r.errors, "warnings": r.warnings, "ms": t.elapsed().as_millis() as u64,
                }),
            );
            if let Some(b) = &bar {
                b.set_message(r.facility.clone());
                b.inc(1);
            }
            r
        })
        .collect();
    if let Some(b) = &bar {
        b.finish_and_clear();
    }
    log(
        json_logs,
        json!({"event": "run_done", "ms": started.elapsed().as_millis() as u64}),
    );

    // The metrics up to this month, when the job names a baseline.
    let metrics_dir = match &baseline {
        Some(b) => {
            let runs = ledger.runs(None, Some(&month.compact()))?;
            let dir = out_dir.join(month.compact()).join("metrics");
            metrics::tables::write_all(&metrics::compute(&runs, Some(b)), &dir)
                .with_context(|| format!("cannot write metrics into {}", dir.display()))?;
            Some(dir)
        }
        None => None,
    };

    let days_left = (month.deadline() - now.date).num_days();
    let deadline = month.deadline().to_string();
    let failed = results.iter().filter(|r| r.failed.is_some()).count();
    let with_errors = results
        .iter()
        .filter(|r| r.failed.is_none() && r.errors > 0)
        .count();
    let clean = results.len() - failed - with_errors;
    let mut per_rule = std::collections::BTreeMap::<&str, usize>::new();
    for r in &results {
        for (rule, n) in &r.per_rule {
            *per_rule.entry(rule.as_str()).or_default() += n;
        }
    }
    // Due by the calendar but missing; the served users without a LIFE record apart (both are
    // `due.missing` findings, so `per_rule` counts them together).
    let due: u64 = results
        .iter()
        .flat_map(|r| &r.stats.due)
        .map(|d| d.missing)
        .sum();
    let mut served = metrics::ServedStats::default();
    for s in results.iter().map(|r| &r.stats.served) {
        served.users += s.users;
        served.in_run += s.in_run;
        served.sent_before += s.sent_before;
        served.missing += s.missing;
    }
    match format {
        Format::Json => {
            let v = json!({
                "month": month.compact(), "deadline": deadline, "days_left": days_left,
                "facilities": { "clean": clean, "with_errors": with_errors, "could_not_run": failed },
                "due_missing": due,
                "served": served,
                "per_rule": per_rule,
                "metrics": metrics_dir.as_ref().map(|d| d.display().to_string()),
                "results": results,
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&v)?)?;
        }
        Format::Text => {
            let when = if days_left >= 0 {
                format!("{days_left} days left")
            } else {
                format!("overdue by {} days", -days_left)
            };
            writeln!(
                out,
                "LIFE {} — deadline {deadline} ({when})",
                month.compact()
            )?;
            for r in &results {
                let status = match (&r.failed, r.errors) {
                    (Some(why), _) => format!("could not run: {why}"),
                    (None, 0) => format!("clean ({} warnings)", r.warnings),
                    (None, e) => format!("{e} errors, {} warnings", r.warnings),
                };
                writeln!(out, "  {}  {status}", r.facility)?;
                for a in &r.accounting {
                    writeln!(
                        out,
                        "      {:<66} read {:>5} = emitted {:>5} + unchanged {:>5} + quarantined {:>5}",
                        a.data_type, a.read, a.emitted, a.unchanged, a.quarantined
                    )?;
                }
                let s = &r.stats.served;
                if s.users > 0 {
                    writeln!(
                        out,
                        "      served this month (第6表 実績) {:>5} users = in LIFE now {:>5} + sent before {:>5} + no LIFE record {:>5}",
                        s.users, s.in_run, s.sent_before, s.missing
                    )?;
                }
            }
            writeln!(
                out,
                "facilities: {clean} clean, {with_errors} with errors, {failed} could not run"
            )?;
            writeln!(out, "due but missing: {due} users")?;
            if served.users > 0 {
                writeln!(
                    out,
                    "served but not in LIFE: {} of {} users served this month (第6表 実績)",
                    served.missing, served.users
                )?;
            }
            for (rule, n) in &per_rule {
                writeln!(out, "  {rule:<28} {n}")?;
            }
            writeln!(
                out,
                "outputs under {}",
                out_dir.join(month.compact()).display()
            )?;
            if let Some(d) = &metrics_dir {
                writeln!(out, "metrics and report.html in {}", d.display())?;
            }
        }
    }
    out.flush()?;
    Ok(ExitCode::from(if failed > 0 {
        2
    } else {
        u8::from(with_errors > 0)
    }))
}

/// One JSON log line on stderr (JSON mode only).
fn log(json_logs: bool, event: serde_json::Value) {
    if json_logs {
        eprintln!("{event}");
    }
}
