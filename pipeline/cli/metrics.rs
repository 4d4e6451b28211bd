//! `lifeline metrics`: the ledger's runs + a declared baseline → document-reduction and
//! productivity metrics per facility and month (text or JSON on stdout; with `--out`, CSV,
//! Parquet, JSON and an HTML report).

use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

use anyhow::{Result, bail};
use lifeline::ledger::Ledger;
use lifeline::metrics::{self, ALL, Baseline, Metrics};
use lifeline::spec::Registry;
use lifeline::spec::calendar::Month;

use crate::Format;

pub struct Args<'a> {
    pub ledger: &'a Path,
    pub baseline: Option<&'a Path>,
    pub from: Option<&'a str>,
    pub to: Option<&'a str>,
    pub out: Option<&'a Path>,
    pub format: Format,
}

fn month(arg: &str, v: Option<&str>) -> Result<Option<String>> {
    match v {
        None => Ok(None),
        Some(v) => match Month::parse(v) {
            Some(m) => Ok(Some(m.compact())),
            None => bail!("{arg} `{v}` is not a month (YYYY-MM)"),
        },
    }
}

pub fn run(registry: &Registry, args: Args<'_>, out: &mut impl Write) -> Result<ExitCode> {
    let (from, to) = (month("--from", args.from)?, month("--to", args.to)?);
    if let (Some(a), Some(b)) = (&from, &to)
        && a > b
    {
        bail!("--from {a} is after --to {b}");
    }
    let baseline = args
        .baseline
        .map(|p| Baseline::load(p, registry))
        .transpose()?;
    if !args.ledger.is_file() {
        bail!(
            "no ledger at {}: `lifeline run` writes one (or give --ledger PATH)",
            args.ledger.display()
        );
    }
    let ledger = Ledger::open(args.ledger)?;
    let runs = ledger.runs(from.as_deref(), to.as_deref())?;
    let m = metrics::compute(&runs, baseline.as_ref());
    if let Some(dir) = args.out {
        for p in metrics::tables::write_all(&m, dir)? {
            eprintln!("wrote {}", p.display());
        }
    }
    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&m)?)?,
        Format::Text => write_text(&m, out)?,
    }
    out.flush()?;
    Ok(ExitCode::SUCCESS)
}

fn pct(v: Option<f64>) -> String {
    v.map_or("—".into(), |r| format!("{:.1}%", r * 100.0))
}

/// A short table: one line per facility-month, the corporation's month last.
pub fn write_text(m: &Metrics, out: &mut impl Write) -> std::io::Result<()> {
    let period = match (&m.from, &m.to) {
        (Some(a), Some(b)) => format!("{a} … {b}"),
        _ => "no runs in the ledger for this period".into(),
    };
    let base = m.baseline.as_ref().map_or(
        "no baseline: paper, re-keying and time not computed".to_string(),
        |b| format!("baseline: {} ({})", b.name, b.path),
    );
    writeln!(out, "LIFE metrics {period}; {base}")?;
    writeln!(
        out,
        "{:<8} {:<10} {:>7} {:>9} {:>9} {:>7} {:<5} {:>9} {:>15} {:>8} {:>13} {:>7}",
        "month",
        "facility",
        "records",
        "sheets",
        "avoided",
        "ratio",
        "half",
        "re-keying",
        "minutes (est.)",
        "coverage",
        "1st-pass rej.",
        "ready"
    )?;
    let mut rows: Vec<&metrics::Row> = m.rows.iter().collect();
    rows.sort_by(|a, b| (&a.month, a.facility == ALL).cmp(&(&b.month, b.facility == ALL)));
    for r in rows {
        let half = match r.half_met {
            Some(true) => "pass",
            Some(false) => "fail",
            None => "—",
        };
        let ready = r
            .days_to_ready
            .map_or("not yet".into(), |d| format!("{d} d"));
        writeln!(
            out,
            "{:<8} {:<10} {:>7} {:>9.0} {:>9.0} {:>7} {:<5} {:>9} {:>15} {:>8} {:>13} {:>7}",
            r.month,
            r.facility,
            r.life_records,
            r.sheets_baseline,
            r.sheets_avoided,
            pct(r.reduction_ratio),
            half,
            r.rekeying_avoided,
            format!("{:.0}–{:.0}", r.minutes_saved_low, r.minutes_saved_high),
            pct(r.coverage),
            pct(r.first_pass_rejection_rate),
            ready
        )?;
    }
    if !m.assumptions.is_empty() {
        writeln!(out, "assumptions:")?;
        for a in &m.assumptions {
            writeln!(out, "  [{}] {}", a.id, a.text_en)?;
        }
    }
    Ok(())
}
