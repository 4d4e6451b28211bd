//! `lifeline validate`: LIFE files and ケアプランデータ連携 files (told by their names) →
//! findings, exit 0/1/2/3.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use lifeline::emit::report;
use lifeline::spec::Registry;
use lifeline::validate::careplan::{self, CareplanKeys};
use lifeline::validate::{self, Context, FileKeys, FileReport, SpecChoice};
use rayon::prelude::*;

use crate::Format;

/// A file's report and, for the rules across files, its keys: a LIFE file's or a care-plan
/// file's.
type Validated = (FileReport, Option<FileKeys>, Option<CareplanKeys>);

pub fn run(
    registry: &Registry,
    spec: &str,
    format: Format,
    claims: Vec<String>,
    files: &[PathBuf],
    out: &mut impl Write,
) -> Result<ExitCode> {
    let choice = match spec {
        "auto" => SpecChoice::Auto,
        v if registry.spec(v).is_some() => SpecChoice::Version(v.to_string()),
        v => {
            let known: Vec<&str> = registry.specs.iter().map(|s| s.version.as_str()).collect();
            bail!("unknown spec `{v}`; known: auto, {}", known.join(", "))
        }
    };
    let known = registry.claims();
    if let Some(bad) = claims.iter().find(|c| !known.contains(c.as_str())) {
        let known: Vec<&str> = known.into_iter().collect();
        bail!(
            "unknown --claim `{bad}`; the rules know: {}",
            known.join(", ")
        )
    }
    let paths = life_files(files)?;
    let ctx = Context { claims };
    // A folder, or several files: the rules across them too (users, parents, keys).
    let across = paths.len() > 1 || files.iter().any(|p| p.is_dir());
    let layout = &registry.careplan;
    let results: Vec<(&PathBuf, std::io::Result<Validated>)> = paths
        .par_iter()
        .map(|p| {
            let name = p.file_name().and_then(|n| n.to_str()).unwrap_or("");
            let r = if careplan::is_careplan(layout, name) {
                careplan::validate_careplan_path(p, layout).map(|(r, k)| (r, None, Some(k)))
            } else {
                validate::validate_path_logged(p, registry, &choice, &ctx, across)
                    .map(|(r, k)| (r, k, None))
            };
            (p, r)
        })
        .collect();
    // Report every file that could be read; an unreadable one still makes the run fail.
    let (mut reports, mut keys, mut plans) = (Vec::new(), Vec::new(), Vec::new());
    let mut unreadable = 0;
    for (p, r) in results {
        match r {
            Ok((r, k, c)) => {
                reports.push(r);
                keys.push(k);
                plans.push(c);
            }
            Err(e) => {
                eprintln!("lifeline: error: cannot read {}: {e}", p.display());
                unreadable += 1;
            }
        }
    }
    if across {
        validate::cross_file_checks(&mut reports, &keys, &registry.parents);
        careplan::send_unit_checks(&mut reports, &plans, layout);
    }
    match format {
        Format::Json => report::write_json(&reports, out)?,
        Format::Text => report::write_text(&reports, out)?,
    }
    out.flush()?;
    if unreadable > 0 {
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::from(exit_code(&reports)))
}

/// 1: an error finding; 3: no errors, but a file whose interface's items are not bundled went
/// unchecked (`schema.not_bundled`); 0: neither. (2, could not run, is decided before.)
fn exit_code(reports: &[FileReport]) -> u8 {
    if reports.iter().any(|r| r.errors() > 0) {
        1
    } else if reports.iter().any(FileReport::not_bundled) {
        3
    } else {
        0
    }
}

/// The reports lifeline writes beside the LIFE files of an office folder: CSV, but not LIFE files.
const REPORTS: [&str; 2] = ["findings.csv", "quarantine.csv"];

/// Files as given; a directory gives its `*.csv` files but the reports lifeline writes there, so
/// `lifeline validate out/202610/1370099010` checks the office's LIFE files only.
fn life_files(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        let found = expand(std::slice::from_ref(p), &["csv"])?;
        if !p.is_dir() {
            out.extend(found);
            continue;
        }
        let life: Vec<PathBuf> = found
            .into_iter()
            .filter(|f| {
                let name = f.file_name().and_then(|n| n.to_str()).unwrap_or("");
                !REPORTS.iter().any(|r| name.eq_ignore_ascii_case(r))
            })
            .collect();
        if life.is_empty() {
            bail!("no LIFE .csv files in {}", p.display());
        }
        out.extend(life);
    }
    Ok(out)
}

/// Files as given; directories contribute their files with these extensions (not recursive),
/// sorted.
pub fn expand(paths: &[PathBuf], extensions: &[&str]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                // Not directories; a FIFO or device named *.csv is kept, to be refused when read.
                .filter(|f| {
                    !f.is_dir()
                        && f.extension()
                            .and_then(|e| e.to_str())
                            .is_some_and(|e| extensions.iter().any(|x| e.eq_ignore_ascii_case(x)))
                })
                .collect();
            if found.is_empty() {
                bail!("no .{} files in {}", extensions.join("/."), p.display());
            }
            found.sort();
            out.extend(found);
        } else {
            // Unreadable files are reported when they are read, beside the others' reports.
            out.push(p.clone());
        }
    }
    Ok(out)
}
