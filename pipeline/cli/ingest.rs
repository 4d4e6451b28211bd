//! `lifeline ingest`: vendor exports → frames (Parquet), LIFE import files, findings,
//! quarantine and a manifest, under `--out`.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use lifeline::emit::files::{write_parquet, write_private};
use lifeline::emit::{OutputEncoding, report, write_life_file};
use lifeline::map::Profile;
use lifeline::normalize::ingest::{FileIngest, ingest_file};
use lifeline::spec::Registry;
use lifeline::validate::{Context, FileReport};
use polars::prelude::*;
use rayon::prelude::*;
use serde_json::json;

use crate::Format;

pub struct Args {
    pub profile: PathBuf,
    pub facility: Option<String>,
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
    pub cp932: bool,
    pub format: Format,
}

pub fn run(registry: &Registry, args: Args, out: &mut impl Write) -> Result<ExitCode> {
    let profile = Profile::load(&args.profile, registry)?;
    let files = crate::cli::validate::expand(&args.files, &["csv", "tsv", "txt"])?;
    let ctx = Context::default();
    // Read, normalise and validate every file in parallel; each keeps its own findings, so a
    // finding names the vendor file and line.
    let ingested: Vec<(PathBuf, std::io::Result<FileIngest>)> = files
        .par_iter()
        .map(|p| {
            let r = std::fs::read(p).map(|bytes| {
                let mut f = ingest_file(
                    &p.display().to_string(),
                    &bytes,
                    &profile,
                    registry,
                    args.facility.as_deref(),
                );
                f.validate(registry, &ctx);
                f
            });
            (p.clone(), r)
        })
        .collect();
    let mut unreadable = 0;
    let mut done = Vec::new();
    for (p, r) in ingested {
        match r {
            Ok(f) => done.push(f),
            Err(e) => {
                eprintln!("lifeline: error: cannot read {}: {e}", p.display());
                unreadable += 1;
            }
        }
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let outputs = write_outputs(registry, &done, &args)?;

    let reports: Vec<FileReport> = done.iter_mut().map(FileIngest::take_report).collect();
    let mut findings_json = Vec::new();
    report::write_json(&reports, &mut findings_json)?;
    write_private(&args.out.join("findings.json"), &findings_json)?;
    let manifest = json!({
        "profile": profile.name,
        "files": done.iter().zip(&reports).map(|(f, r)| json!({
            "path": f.path,
            "encoding": f.encoding.map(|e| e.to_string()),
            "rows_read": f.rows_read,
            "rows_in_frames": f.rows_kept,
            "rows_quarantined": f.quarantine.len(),
            "errors": r.errors(),
            "warnings": r.warnings(),
        })).collect::<Vec<_>>(),
        "outputs": outputs,
    });
    write_private(
        &args.out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;

    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&manifest)?)?,
        Format::Text => {
            report::write_text(&reports, out)?;
            for f in &done {
                writeln!(
                    out,
                    "{}: {} rows read = {} in frames + {} quarantined",
                    f.path,
                    f.rows_read,
                    f.rows_kept,
                    f.quarantine.len()
                )?;
            }
            writeln!(
                out,
                "wrote {} (findings.json, manifest.json, quarantine.csv, <facility>/…)",
                args.out.display()
            )?;
        }
    }
    out.flush()?;
    if unreadable > 0 {
        return Ok(ExitCode::from(2));
    }
    let not_written = outputs.iter().any(|o| o["life_file"].is_null());
    let errors = not_written || reports.iter().any(|r| r.errors() > 0);
    Ok(ExitCode::from(u8::from(errors)))
}

/// One Parquet and one LIFE file per (facility, interface), the parts of all files stacked;
/// and the quarantine. Returns the manifest's `outputs`.
fn write_outputs(
    registry: &Registry,
    done: &[FileIngest],
    args: &Args,
) -> Result<Vec<serde_json::Value>> {
    let mut groups: BTreeMap<(String, String, String), Vec<&DataFrame>> = BTreeMap::new();
    for f in done {
        for p in &f.parts {
            groups
                .entry((p.facility.clone(), p.data_type.clone(), p.spec.clone()))
                .or_default()
                .push(&p.frame);
        }
    }
    let mut outputs = Vec::new();
    for ((facility, data_type, spec), frames) in groups {
        let mut frame = frames[0].clone();
        for f in &frames[1..] {
            frame
                .vstack_mut(f)
                .map_err(|e| anyhow::anyhow!("stacking frames: {e}"))?;
        }
        let dir = args.out.join(safe(&facility));
        std::fs::create_dir_all(&dir)
            .with_context(|| format!("cannot create {}", dir.display()))?;
        let parquet = dir.join(format!("{data_type}.parquet"));
        write_parquet(&parquet, &frame)
            .with_context(|| format!("cannot write {}", parquet.display()))?;
        let schema = registry
            .spec(&spec)
            .and_then(|s| s.schema(&data_type))
            .expect("profile checked against the registry");
        let encoding = if args.cp932 {
            OutputEncoding::Cp932
        } else {
            OutputEncoding::Utf8Bom
        };
        let life = dir.join(format!("{data_type}_{}.csv", safe(&facility)));
        let life_file = match write_life_file(schema, &frame, encoding) {
            Ok(bytes) => {
                write_private(&life, &bytes)
                    .with_context(|| format!("cannot write {}", life.display()))?;
                Some(life.display().to_string())
            }
            Err(e) => {
                // A data problem (e.g. a character CP932 cannot hold): reported, run fails.
                eprintln!("lifeline: error: {}: not written: {e}", life.display());
                None
            }
        };
        outputs.push(json!({
            "facility": facility, "data_type": data_type, "spec": spec, "rows": frame.height(),
            "parquet": parquet.display().to_string(), "life_file": life_file,
        }));
    }
    let rows: Vec<(String, u64, String, Vec<String>)> = done
        .iter()
        .flat_map(|f| {
            f.quarantine
                .iter()
                .map(|q| (f.path.clone(), q.line, q.reason.clone(), q.fields.clone()))
        })
        .collect();
    write_private(
        &args.out.join("quarantine.csv"),
        &report::quarantine_csv(&rows),
    )?;
    Ok(outputs)
}

/// A facility number as a folder name: anything but ASCII letters and digits becomes `_`.
fn safe(s: &str) -> String {
    let t: String = s
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    if t.is_empty() { "_".into() } else { t }
}
