//! `lifeline ingest`: vendor exports → one office folder `<out>/<facility>/` per office whose
//! rows the files hold (LIFE import files, Parquet frames of them, findings, quarantine and a
//! manifest), through the batch's own driver (`run::ingest`): every guarantee of `run` holds.
//! `<out>/manifest.json` lists the offices.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use chrono::Datelike;
use lifeline::emit::files::write_private;
use lifeline::emit::{OutputEncoding, report};
use lifeline::map::Profile;
use lifeline::run::{Month, RunTime};
use lifeline::spec::Registry;
use serde_json::json;

use crate::Format;

pub struct Args {
    pub profile: PathBuf,
    pub facility: Option<String>,
    pub files: Vec<PathBuf>,
    pub out: PathBuf,
    pub cp932: bool,
    /// The spec version to emit: `auto`, or a version (`2021`, `3.10`).
    pub spec: String,
    pub format: Format,
}

pub fn run(registry: &Registry, args: Args, out: &mut impl Write) -> Result<ExitCode> {
    if args.spec != "auto" && registry.spec(&args.spec).is_none() {
        let known: Vec<&str> = registry.specs.iter().map(|s| s.version.as_str()).collect();
        anyhow::bail!(
            "--spec {}: unknown spec version (auto, {})",
            args.spec,
            known.join(", ")
        );
    }
    // As in a job: each target in the version asked for, the newest by default.
    let mut profile = Profile::load(&args.profile, registry)?;
    profile.retarget(registry, Some(&args.spec));
    profile.check_fed(registry, &[])?;
    let files: Vec<(String, PathBuf)> =
        crate::cli::validate::expand(&args.files, &["csv", "tsv", "txt"])?
            .into_iter()
            .map(|p| (p.display().to_string(), p))
            .collect();
    let encoding = if args.cp932 {
        OutputEncoding::Cp932
    } else {
        OutputEncoding::Utf8Bom
    };
    let today = RunTime::now()?.date;
    let month = Month {
        year: today.year(),
        month: today.month(),
    };
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("cannot create {}", args.out.display()))?;
    let (results, reports) = lifeline::run::ingest(
        registry,
        &profile,
        &files,
        args.facility.as_deref(),
        encoding,
        &args.out,
        month,
    )?;
    // No office at all (no header, no 事業所番号 …): the files' findings, at the top.
    if results.is_empty() {
        let mut bytes = Vec::new();
        report::write_json(&reports, &mut bytes)?;
        write_private(&args.out.join("findings.json"), &bytes)?;
    }
    let manifest = json!({
        "profile": profile.name,
        "offices": results.iter().map(|r| json!({
            "facility": r.facility,
            "folder": r.facility,
            "failed": r.failed.as_ref().map(ToString::to_string),
            "errors": r.errors,
            "warnings": r.warnings,
            "accounting": r.accounting,
            "outputs": r.outputs,
        })).collect::<Vec<_>>(),
    });
    write_private(
        &args.out.join("manifest.json"),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
    )?;

    match args.format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&manifest)?)?,
        Format::Text => {
            if results.is_empty() {
                report::write_text(&reports, out)?;
                writeln!(
                    out,
                    "no office's rows found: nothing written but findings.json"
                )?;
            }
            for r in &results {
                let status = match (&r.failed, r.errors) {
                    (Some(why), _) => format!("could not run: {why}"),
                    (None, 0) => format!("clean ({} warnings)", r.warnings),
                    (None, e) => format!("{e} errors, {} warnings", r.warnings),
                };
                writeln!(out, "{}  {status}", r.facility)?;
                for a in &r.accounting {
                    writeln!(
                        out,
                        "    {:<66} read {:>5} = emitted {:>5} + quarantined {:>5}",
                        a.data_type, a.read, a.emitted, a.quarantined
                    )?;
                }
            }
            writeln!(
                out,
                "wrote {} (manifest.json; per office <facility>/: LIFE files, Parquet, findings, quarantine.csv, manifest.json)",
                args.out.display()
            )?;
        }
    }
    out.flush()?;
    if results.iter().any(|r| r.failed.is_some()) {
        return Ok(ExitCode::from(2));
    }
    let errors = results.is_empty() || results.iter().any(|r| r.errors > 0);
    Ok(ExitCode::from(u8::from(errors)))
}
