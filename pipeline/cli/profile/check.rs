//! `lifeline profile check P.toml [EXPORT…]`: what a profile feeds, and how it reads exports.
//! The header is found and resolved as ingest finds it (`Profile::header_score`,
//! `Target::resolve`); the preview is what `ingest_file` makes of the first rows, personal data
//! masked.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use anyhow::Result;
use lifeline::decode::Table;
use lifeline::decode::text::label_key;
use lifeline::map::{Cell, FILLED_BY_THE_TOOL, Facility, HeaderKeys, Profile, Target};
use lifeline::normalize::ingest::{FileIngest, delimiter, ingest_file};
use lifeline::spec::{Registry, Req, Schema};
use lifeline::validate::MASK;
use serde::Serialize;

pub struct Args<'a> {
    pub profile: &'a Path,
    pub exports: &'a [PathBuf],
    pub facility: Option<&'a str>,
    pub rows: usize,
}

#[derive(Serialize)]
pub(super) struct Report {
    pub(super) profile: String,
    pub(super) name: String,
    pub(super) targets: Vec<TargetReport>,
    pub(super) exports: Vec<ExportReport>,
    pub(super) ok: bool,
}

#[derive(Serialize)]
pub(super) struct TargetReport {
    pub(super) data_type: String,
    pub(super) spec: String,
    pub(super) columns: usize,
    pub(super) constants: Vec<(String, String)>,
    /// ◎ and ○ items with no column, no constant, and not filled by the tool.
    pub(super) unmapped: Vec<Unmapped>,
}

#[derive(Serialize)]
pub(super) struct Unmapped {
    pub(super) item: String,
    pub(super) name: String,
    pub(super) req: &'static str,
}

#[derive(Serialize, Default)]
pub(super) struct ExportReport {
    pub(super) path: String,
    pub(super) encoding: Option<String>,
    /// Why the file could not be decoded.
    pub(super) error: Option<String>,
    /// The physical line of the header, when found.
    pub(super) header_line: Option<u64>,
    pub(super) facility: Option<String>,
    pub(super) matched: Vec<Matched>,
    pub(super) keys: Vec<Matched>,
    /// Profile columns and key columns whose aliases match no header column.
    pub(super) unmatched: Vec<Unmatched>,
    /// Header columns no alias names.
    pub(super) unused: Vec<String>,
    pub(super) rows_read: usize,
    pub(super) rows_kept: usize,
    pub(super) rows_quarantined: usize,
    /// File-level findings of the ingest (missing key column, no 事業所番号 …).
    pub(super) problems: Vec<String>,
    pub(super) preview: Vec<Preview>,
}

#[derive(Serialize)]
pub(super) struct Matched {
    pub(super) data_type: String,
    pub(super) item: String,
    pub(super) alias: String,
    pub(super) column: String,
    /// 1-based position in the header.
    pub(super) index: usize,
}

#[derive(Serialize)]
pub(super) struct Unmatched {
    pub(super) data_type: String,
    pub(super) item: String,
    pub(super) aliases: Vec<String>,
}

#[derive(Serialize)]
pub(super) struct Preview {
    pub(super) data_type: String,
    pub(super) rows: Vec<PreviewRow>,
}

#[derive(Serialize)]
pub(super) struct PreviewRow {
    pub(super) line: u64,
    pub(super) facility: String,
    pub(super) external_system_management_number: Option<String>,
    pub(super) values: Vec<PreviewValue>,
}

#[derive(Serialize)]
pub(super) struct PreviewValue {
    pub(super) item: String,
    pub(super) column: String,
    pub(super) raw: Option<String>,
    pub(super) value: Option<String>,
    pub(super) finding: Option<String>,
}

/// The report of a profile and its exports; the caller writes it.
pub(super) fn run(registry: &Registry, args: &Args<'_>) -> Result<Report> {
    let profile = Profile::load(args.profile, registry)?;
    let targets: Vec<TargetReport> = profile
        .targets
        .iter()
        .map(|t| target_report(t, registry))
        .collect();
    let mut exports = Vec::new();
    for p in args.exports {
        exports.push(export_report(&profile, registry, p, args)?);
    }
    let fed = targets
        .iter()
        .all(|t| t.unmapped.iter().all(|u| u.req != "◎"));
    let ok = fed && exports.iter().all(|e| e.header_line.is_some());
    Ok(Report {
        profile: args.profile.display().to_string(),
        name: profile.name.clone(),
        targets,
        exports,
        ok,
    })
}

fn schema<'r>(t: &Target, registry: &'r Registry) -> Option<&'r Schema> {
    registry.spec(&t.spec)?.schema(&t.data_type)
}

fn target_report(t: &Target, registry: &Registry) -> TargetReport {
    // A 3.10 target's `version` is a constant the loader adds.
    let fed = |id: &str| FILLED_BY_THE_TOOL.contains(&id) || t.feeds(id);
    let unmapped = schema(t, registry)
        .map(|s| {
            s.items
                .iter()
                .filter(|i| matches!(i.req, Req::Always | Req::Confirmed) && !fed(&i.id))
                .map(|i| Unmapped {
                    item: i.id.clone(),
                    name: i.name.clone(),
                    req: i.req_mark(),
                })
                .collect()
        })
        .unwrap_or_default();
    TargetReport {
        data_type: t.data_type.clone(),
        spec: t.spec.clone(),
        columns: t.columns.len(),
        constants: t.constants.clone(),
        unmapped,
    }
}

fn export_report(
    profile: &Profile,
    registry: &Registry,
    path: &Path,
    args: &Args<'_>,
) -> Result<ExportReport> {
    let shown = path.display().to_string();
    let mut rep = ExportReport {
        path: shown.clone(),
        ..ExportReport::default()
    };
    let bytes = lifeline::decode::file::open_regular(path)
        .and_then(|(f, len)| lifeline::decode::file::read_text(f, len))
        .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
    let table = match lifeline::decode::read_table(&bytes, delimiter(profile, &shown)) {
        Ok(t) => t,
        Err(e) => {
            rep.error = Some(e.to_string());
            return Ok(rep);
        }
    };
    rep.encoding = Some(table.encoding.to_string());
    // The header as ingest finds it (one line, or Excel's two).
    let Some((h, keys)) = profile.find_header(&table, None) else {
        return Ok(rep);
    };
    let header = table.record(h);
    rep.header_line = Some(header.line);
    // A two-line header's column merged down over both lines is named by its upper cell.
    let upper: Vec<&str> = match (profile.read.header_rows, h) {
        (2, 1..) => table.record(h - 1).iter().collect(),
        _ => Vec::new(),
    };
    // One name per column of either line (a ragged row is shorter than the other).
    let lower: Vec<&str> = header.iter().collect();
    let names: Vec<&str> = (0..keys.len().max(lower.len()).max(upper.len()))
        .map(|i| match (lower.get(i).copied(), upper.get(i).copied()) {
            (Some(n), Some(u)) if n.trim().is_empty() => u,
            (Some(n), _) => n,
            (None, u) => u.unwrap_or(""),
        })
        .collect();
    let mut used = vec![false; names.len()];
    let mut mark = |aliases: &[String]| {
        let at = keys.find(aliases);
        if let Some(i) = at {
            used[i] = true;
        }
        at
    };
    rep.facility = Some(match &profile.facility {
        Facility::Column { alias_keys, name } => match mark(alias_keys) {
            Some(i) => format!("column {} `{}`", i + 1, names[i].trim()),
            None => format!("column `{name}`: not in this file"),
        },
        Facility::Preamble(Cell::At { line, field }) => {
            format!("preamble line {line}, field {field}")
        }
        Facility::Preamble(Cell::Label { label, .. }) => format!("the preamble cell `{label}`"),
        Facility::Given => match args.facility {
            Some(f) => format!("given: {f}"),
            None => "not in the file: pass --facility".into(),
        },
    });
    for s in &profile.read.skip {
        mark(&[label_key(&s.column)]);
    }
    for t in &profile.targets {
        let resolved = t.resolve(&keys);
        for (c, idx) in t.columns.iter().zip(&resolved.columns) {
            mark(&c.alias_keys);
            match idx {
                Some(i) => rep.matched.push(Matched {
                    data_type: t.data_type.clone(),
                    item: c.item.clone(),
                    alias: alias_of(&c.aliases, &c.alias_keys, &keys, *i),
                    column: names[*i].trim().to_string(),
                    index: i + 1,
                }),
                None => rep.unmatched.push(Unmatched {
                    data_type: t.data_type.clone(),
                    item: c.item.clone(),
                    aliases: c.aliases.clone(),
                }),
            }
        }
        for ((k, kk), idx) in t.key.iter().zip(&t.key_keys).zip(&resolved.key) {
            mark(std::slice::from_ref(kk));
            match idx {
                Some(i) => rep.keys.push(Matched {
                    data_type: t.data_type.clone(),
                    item: "external_system_management_number".into(),
                    alias: k.clone(),
                    column: names[*i].trim().to_string(),
                    index: i + 1,
                }),
                None => rep.unmatched.push(Unmatched {
                    data_type: t.data_type.clone(),
                    item: "external_system_management_number (key)".into(),
                    aliases: vec![k.clone()],
                }),
            }
        }
    }
    rep.unused = names
        .iter()
        .zip(&used)
        .filter(|(n, u)| !**u && !n.trim().is_empty())
        .map(|(n, _)| n.trim().to_string())
        .collect();
    let facility = match profile.facility {
        Facility::Given => args.facility,
        _ => None,
    };
    let ingested = ingest_file(&shown, &bytes, profile, registry, facility);
    rep.rows_read = ingested.rows_read;
    rep.rows_kept = ingested.rows_kept;
    rep.rows_quarantined = ingested.quarantine.len();
    rep.problems = file_problems(&ingested);
    rep.preview = preview(
        profile,
        registry,
        &table,
        (&names, &keys),
        &ingested,
        args.rows,
    );
    Ok(rep)
}

/// The alias (as written) that names column `i`.
fn alias_of(aliases: &[String], alias_keys: &[String], keys: &HeaderKeys, i: usize) -> String {
    aliases
        .iter()
        .zip(alias_keys)
        .find(|(_, k)| keys.position(k) == Some(i))
        .map_or_else(String::new, |(a, _)| a.clone())
}

/// Errors about the file as a whole or its header (not about one value).
fn file_problems(f: &FileIngest) -> Vec<String> {
    let mut seen = Vec::new();
    for x in &f.findings.findings {
        let c = &f.findings.checks[x.check as usize];
        let about_file = matches!(
            c.rule,
            "ingest.no_facility"
                | "ingest.missing_key"
                | "ingest.no_columns"
                | "ingest.facility"
                | "ingest.facility_mismatch"
        );
        let s = format!("{}: {}", c.rule, c.message_en);
        if about_file && !seen.contains(&s) {
            seen.push(s);
        }
    }
    seen
}

fn preview(
    profile: &Profile,
    registry: &Registry,
    table: &Table,
    (names, keys): (&[&str], &HeaderKeys),
    f: &FileIngest,
    rows: usize,
) -> Vec<Preview> {
    let by_line: HashMap<u64, usize> = table
        .records()
        .enumerate()
        .map(|(i, r)| (r.line, i))
        .collect();
    let mut out: Vec<Preview> = Vec::new();
    for part in &f.parts {
        let Some(t) = profile.targets.get(part.plan) else {
            continue;
        };
        let Some(schema) = schema(t, registry) else {
            continue;
        };
        let resolved = t.resolve(keys);
        let at = match out.iter().position(|p| p.data_type == t.data_type) {
            Some(i) => i,
            None => {
                out.push(Preview {
                    data_type: t.data_type.clone(),
                    rows: Vec::new(),
                });
                out.len() - 1
            }
        };
        // The 外部システム管理番号 holds the key values as written: masked when a key column
        // is one that feeds personal data (a profile keyed on 被保険者番号).
        let private_key = t.key_keys.iter().any(|k| {
            t.columns.iter().any(|c| {
                c.alias_keys.contains(k) && schema.item(&c.item).is_some_and(|it| it.sensitive)
            })
        });
        let frame = &part.frame;
        let text = |name: &str, i: usize| -> Option<String> {
            frame
                .column(name)
                .ok()?
                .str()
                .ok()?
                .get(i)
                .map(str::to_string)
        };
        let lines = frame
            .column(lifeline::decode::LINE)
            .ok()
            .and_then(|c| c.u64().ok().cloned());
        for i in 0..frame.height() {
            if out[at].rows.len() >= rows {
                break;
            }
            let Some(line) = lines.as_ref().and_then(|l| l.get(i)) else {
                continue;
            };
            let rec = by_line.get(&line).map(|&r| table.record(r));
            let mut values = Vec::new();
            for (c, idx) in t.columns.iter().zip(&resolved.columns) {
                let sensitive = schema.item(&c.item).is_some_and(|it| it.sensitive);
                let masked = |v: Option<String>| v.map(|v| if sensitive { MASK.into() } else { v });
                let raw = idx
                    .and_then(|x| rec.and_then(|r| r.get(x)))
                    .map(|v| v.trim_matches([' ', '\t', '\u{3000}']).to_string())
                    .filter(|v| !v.is_empty());
                values.push(PreviewValue {
                    item: c.item.clone(),
                    column: idx.map_or_else(|| "(missing)".into(), |x| names[x].trim().into()),
                    raw: masked(raw),
                    value: masked(text(&c.item, i)),
                    finding: value_finding(f, line, &c.item),
                });
            }
            out[at].rows.push(PreviewRow {
                line,
                facility: part.facility.clone(),
                external_system_management_number: match private_key {
                    true => Some(MASK.to_string()),
                    false => text("external_system_management_number", i),
                },
                values,
            });
        }
    }
    out
}

/// The conversion finding of one value (`ingest.*` on that line and item), already masked by
/// ingest where the item is personal data; the message names the vendor column, not the value.
fn value_finding(f: &FileIngest, line: u64, item: &str) -> Option<String> {
    f.findings.findings.iter().find_map(|x| {
        let c = &f.findings.checks[x.check as usize];
        (x.line == line && c.column.as_deref() == Some(item) && c.rule.starts_with("ingest."))
            .then(|| format!("{} {}: {}", c.severity_word(), c.rule, c.message_en))
    })
}

trait SeverityWord {
    fn severity_word(&self) -> &'static str;
}

impl SeverityWord for lifeline::validate::Check {
    fn severity_word(&self) -> &'static str {
        match self.severity {
            lifeline::validate::Severity::Error => "error",
            _ => "warning",
        }
    }
}
