//! The emit stage of one interface: its kept records (new or changed ones with `--delta`) from
//! the spills into its LIFE file in the staging folder, each line read back as it is written
//! (`emit::verify`: the values the rows were validated with, in the file's encoding) and the
//! file's first lines checked by the validator `lifeline validate` uses. A record the check
//! finds wrong is withheld with a finding on its vendor row (`emit.invalid`) and the office's
//! files are written again: what is counted is what is in the files, and every file validates.

use std::collections::BTreeSet;
use std::path::Path;

use super::error::RunError;
use super::manifest::{Accounting, FileEntry};
use super::rows::{Users, per_part, rows_of, user_key};
use super::select::{Iface, Office};
use crate::emit::OutputEncoding;
use crate::emit::spill::{Segment, Spill, SpillError, write_life};
use crate::ledger::{Ledger, hex};
use crate::metrics::InterfaceStats;
use crate::spec::Registry;
use crate::spec::ids::FacilityId;
use crate::validate::{Context, Severity, SpecChoice, validate_bytes};

/// Where and how an office's files are written: the seam between the one driver and its two
/// callers (`run`: `<out>/<YYYYMM>/<facility>/`, names ending `_<YYYYMM>`, a ledger; `ingest`:
/// `<out>/<facility>/`, Parquet frames beside the LIFE files).
pub struct Layout<'a> {
    /// The folder the office's folder goes into.
    pub parent: std::path::PathBuf,
    /// What a LIFE file's name ends with before `.csv` (after `<DATA_TYPE>_<facility>`).
    pub suffix: String,
    /// Also `<DATA_TYPE>.parquet`: the LIFE file's rows as a frame (for polars, DuckDB).
    pub parquet: bool,
    pub encoding: OutputEncoding,
    pub ledger: Option<&'a Ledger>,
    pub delta: bool,
    pub registry: &'a Registry,
    pub month: crate::spec::calendar::Month,
}

/// What writing one interface gave.
pub(super) struct Written {
    pub accounting: Accounting,
    pub stats: Option<InterfaceStats>,
    pub output: Option<FileEntry>,
    /// What the ledger records as sent: per record.
    pub sent: Vec<bool>,
    /// Records the check of the written file withheld: the office is written again.
    pub withheld: bool,
}

/// Writes interface `i` of `facility` into `dir`.
#[allow(clippy::too_many_arguments)]
pub(super) fn interface<'e>(
    sel: &mut Office<'_, 'e>,
    i: &mut Iface<'e>,
    spills: &std::collections::BTreeMap<super::rows::SpillKey, Spill>,
    users: &Users,
    layout: &Layout<'_>,
    facility: &FacilityId,
    dir: &Path,
) -> Result<Written, RunError> {
    let (data_type, spec) = i.interface.clone();
    let registry = layout.registry;
    let schema = registry
        .spec(&spec)
        .and_then(|s| s.schema(data_type.as_str()));
    if i.new.len() != i.keep.len() {
        i.new = new_records(i, spills, layout, facility)?;
    }
    let write: Vec<bool> = i.keep.iter().zip(&i.new).map(|(k, n)| *k && *n).collect();
    let emitted = write.iter().filter(|w| **w).count();
    let kept = i.keep.iter().filter(|k| **k).count();
    let withheld_rows = i.keep.len() - kept;
    let accounting = Accounting {
        data_type: data_type.clone(),
        read: i.read,
        emitted,
        unchanged: kept - emitted,
        quarantined: i.left_out + i.lost.len() + withheld_rows,
    };
    let name = format!("{data_type}_{facility}{}.csv", layout.suffix);
    let path = dir.join(&name);
    let mut out = Written {
        accounting,
        stats: None,
        output: None,
        sent: Vec::new(),
        withheld: false,
    };
    // What an earlier pass of this run wrote of the interface goes before anything is
    // decided: an interface that now emits nothing leaves no file in the staged folder.
    let parquet = dir.join(format!("{data_type}.parquet"));
    for p in [&path, &parquet] {
        match std::fs::remove_file(p) {
            Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
                return Err(RunError::Write {
                    path: p.clone(),
                    source: e,
                });
            }
            _ => {}
        }
    }
    if schema.is_none() || i.parts.is_empty() {
        return Ok(out);
    }
    // What the ledger records as sent this month: the kept records, with `--delta` those of
    // the numbers of the new or changed ones (a record's rows go together).
    let numbers: BTreeSet<&str> = rows_of(&i.parts)
        .zip(&write)
        .filter(|(_, w)| **w)
        .map(|((e, r), _)| e.number(r).unwrap_or(""))
        .collect();
    out.sent = rows_of(&i.parts)
        .zip(&i.keep)
        .map(|((e, r), k)| *k && numbers.contains(e.number(r).unwrap_or("")))
        .collect();
    let kept_rows = || {
        rows_of(&i.parts)
            .zip(&i.keep)
            .filter(|(_, k)| **k)
            .map(|(r, _)| r)
    };
    out.stats = Some(InterfaceStats {
        data_type: data_type.to_string(),
        records: kept as u64,
        emitted: emitted as u64,
        unchanged: (kept - emitted) as u64,
        users: kept_rows()
            .map(|(e, r)| user_key(e, r, users, layout.ledger))
            .filter(|u| !u.is_empty())
            .collect::<BTreeSet<_>>()
            .len() as u64,
        filled_fields: kept_rows().map(|(e, r)| e.filled[r] as u64).sum(),
    });
    if emitted == 0 {
        return Ok(out);
    }
    let segments = per_part(&i.parts, &write)
        .into_iter()
        .map(|(e, keep)| {
            let spill = e
                .spill(spills)
                .map_err(|x| RunError::spill(&e.data_type, x))?;
            Ok(Segment {
                spill,
                first: e.first_row,
                keep,
            })
        })
        .collect::<Result<Vec<_>, RunError>>()?;
    let (sha, checked) = write_life(&path, data_type.as_str(), &segments).map_err(|e| match e {
        SpillError::Io(source) => RunError::Write {
            path: path.clone(),
            source,
        },
        source => RunError::LifeFile {
            name: name.clone(),
            source,
        },
    })?;
    // The written records (indexes into the interface's), in the file's order from line 3.
    let written: Vec<usize> = (0..write.len()).filter(|&r| write[r]).collect();
    let mut bad: std::collections::BTreeMap<usize, Vec<String>> = Default::default();
    let mut add = |rows: &[usize], what: String| {
        for &r in rows {
            let w = bad.entry(r).or_default();
            if !w.contains(&what) {
                w.push(what.clone());
            }
        }
    };
    // The rows were validated before they were encoded; each line read back as it was written
    // gave the row's values (`emit::verify`). What is left is the file's first lines, which
    // the validator checks itself; a finding there is on every record.
    let head = validate_bytes(
        &name,
        segments[0].spill.header(),
        registry,
        &SpecChoice::Version(spec.clone()),
        &Context::default(),
    );
    for f in &head.findings.findings {
        let c = &head.findings.checks[f.check as usize];
        if c.severity == Severity::Error {
            match &c.column {
                Some(col) => add(&written, format!("{} {col}", c.rule)),
                None => add(&written, c.rule.to_string()),
            }
        }
    }
    if !checked.encoding_kept {
        let what = format!(
            "the file does not read back as {}",
            layout.encoding.text_encoding()
        );
        add(&written, what);
    }
    for (row, why) in &checked.bad {
        add(&written[*row..=*row], why.text().to_string());
    }
    if !bad.is_empty() {
        for (r, what) in bad {
            let what = what.join("; ");
            let text = || {
                (
                    format!(
                        "{data_type}：書き出したLIFEファイルが検証を通りません（{what}）ので保留しました"
                    ),
                    format!(
                        "{data_type}: the LIFE file written fails `lifeline validate` ({what}): withheld"
                    ),
                )
            };
            sel.withhold_written(i, &[r], "emit.invalid", &text);
        }
        out.withheld = true;
        return Ok(out);
    }
    if layout.parquet {
        let parquet = dir.join(format!("{data_type}.parquet"));
        let bytes = std::fs::read(&path).map_err(|source| RunError::Write {
            path: path.clone(),
            source,
        })?;
        let mut frame = crate::decode::read_life_file(&bytes).frame;
        let _ = frame.drop_in_place(crate::decode::LINE);
        crate::emit::files::write_parquet(&parquet, &frame).map_err(|source| RunError::Write {
            path: parquet,
            source,
        })?;
    }
    out.output = Some(FileEntry {
        path: name,
        sha256: hex(&sha),
    });
    Ok(out)
}

/// Per record of `i`: whether it is new or changed since the ledger's last submission (every
/// record without `--delta`).
fn new_records(
    i: &Iface<'_>,
    spills: &std::collections::BTreeMap<super::rows::SpillKey, Spill>,
    layout: &Layout<'_>,
    facility: &FacilityId,
) -> Result<Vec<bool>, RunError> {
    let (true, Some(l)) = (layout.delta, layout.ledger) else {
        return Ok(vec![true; i.keep.len()]);
    };
    let before = l.latest_hashes(
        facility.as_str(),
        i.interface.0.as_str(),
        &layout.month.compact(),
    )?;
    let mut new = Vec::with_capacity(i.keep.len());
    for e in &i.parts {
        let hashes = e
            .hashes(spills)
            .map_err(|x| RunError::spill(&e.data_type, x))?;
        for (r, h) in hashes.iter().enumerate() {
            let number = e.number(r).unwrap_or("");
            new.push(before.get(number) != Some(&hex(h)));
        }
    }
    Ok(new)
}
