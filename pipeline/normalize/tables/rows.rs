//! The row pass: which rows of a table go into the frames (their office and record key), and
//! which are quarantined.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::{Ingest, clean};
use crate::decode::text::{code, code_cow};
use crate::decode::{Record, Table};
use crate::normalize::file::{FileIngest, Quarantined};
use crate::normalize::key::management_number;
use crate::validate::Severity;

impl Ingest<'_> {
    /// Row pass: which rows of the table (from `start`) go into the frames (facility, key),
    /// and which are quarantined.
    pub(super) fn row_pass(&mut self, table: &Table, start: usize) -> BTreeMap<String, Rows> {
        let Some(hd) = self.header.as_mut() else {
            return BTreeMap::new();
        };
        let (profile, out, sink) = (self.profile, &mut self.out, &mut self.sink);
        let placeholders = &self.placeholders;
        let clean = |v| clean(v, placeholders);
        let mut rows: BTreeMap<String, Rows> = BTreeMap::new();
        // A row's key values joined by `-`, rebuilt for each row and target.
        let mut joined = String::new();
        for rec_index in start..table.len() {
            let rec = table.record(rec_index);
            let line = &rec.line;
            let first = rec.iter().map(str::trim).find(|f| !f.is_empty());
            let Some(first) = first else {
                out.rows_read += 1;
                quarantine(out, *line, rec, "empty row".into(), false);
                continue;
            };
            if profile
                .read
                .trailer_prefixes
                .iter()
                .any(|p| first.starts_with(p.as_str()))
            {
                self.ended = true;
                break;
            }
            out.rows_read += 1;
            if let Some((_, s)) = hd.skip_cols.iter().find(|(i, s)| {
                i.and_then(|i| rec.get(i))
                    .is_some_and(|v| s.prefixes.iter().any(|p| v.trim().starts_with(p.as_str())))
            }) {
                quarantine(out, *line, rec, s.reason.clone(), true);
                continue;
            }
            let fac: Option<&str> = match hd.facility_col {
                // Consecutive rows carry the same 事業所番号: normalised once per run of it.
                Some(i) => match rec.get(i).and_then(clean) {
                    Some(raw) => {
                        if hd.last_facility.0 != raw {
                            hd.last_facility = (raw.to_string(), code(raw));
                        }
                        Some(hd.last_facility.1.as_str())
                    }
                    None => None,
                },
                None => hd.fixed_facility.as_deref(),
            };
            let Some(fac) = fac else {
                quarantine(out, *line, rec, "no 事業所番号".into(), false);
                continue;
            };
            // Every target needs its key; a row without one cannot be uploaded.
            let mut keyed = Vec::with_capacity(hd.plans.len());
            for (p, plan) in hd.plans.iter().enumerate() {
                if !plan.live {
                    keyed.push(None);
                    continue;
                }
                joined.clear();
                let mut parts = 0;
                for (i, mapped) in plan.resolved.key.iter().zip(&plan.key_columns) {
                    let Some(raw) = i.and_then(|i| rec.get(i)).and_then(clean) else {
                        continue;
                    };
                    let converted = mapped.and_then(|m| {
                        let col = &plan.target.columns[m];
                        let item = plan.schema.item(&col.item)?;
                        hd.memos[p][m].convert(col, item, raw).value.as_deref()
                    });
                    if parts > 0 {
                        joined.push('-');
                    }
                    match converted {
                        Some(v) => joined.push_str(v),
                        None => joined.push_str(&code_cow(raw)),
                    }
                    parts += 1;
                }
                let t = plan.target;
                keyed.push(
                    (parts == t.key.len()).then(|| management_number(&t.key_prefix, &joined)),
                );
            }
            // A row without the key of one target is withheld from that target's interface
            // only (its empty 外部システム管理番号 is a ◎ value missing); without any key it is
            // no record at all.
            let unkeyed = |i: &usize| hd.plans[*i].live && keyed[*i].is_none();
            let live = hd.plans.iter().filter(|p| p.live).count();
            let missing: Vec<usize> = (0..keyed.len()).filter(unkeyed).collect();
            if live > 0 && missing.len() == live {
                let why = format!(
                    "no record key ({})",
                    hd.plans[missing[0]].target.key.join(", ")
                );
                quarantine(out, *line, rec, why, false);
                continue;
            }
            for &i in &missing {
                let t = hd.plans[i].target;
                let key = t.key.join("、");
                sink.note(
                    2,
                    *line,
                    Some("external_system_management_number"),
                    Severity::Warning,
                    "ingest.no_key",
                    format!(
                        "キーの列（{key}）が空のため、この行の{}は作れません",
                        t.data_type
                    ),
                    format!(
                        "a key column ({}) is empty: no {} record of this row (the row's other \
                         records go on)",
                        t.key.join(", "),
                        t.data_type
                    ),
                );
            }
            if !hd.plans.iter().any(|p| p.live) {
                let why = "no target of the profile has a column in this file".to_string();
                quarantine(out, *line, rec, why, false);
                continue;
            }
            out.rows_kept += 1;
            if !rows.contains_key(fac) {
                // The first facility of a table (usually its only one) gets room for every row
                // left; later ones start small.
                let cap = if rows.is_empty() {
                    table.len() - rec_index
                } else {
                    64
                };
                let r = Rows {
                    recs: Vec::with_capacity(cap),
                    lines: Vec::with_capacity(cap),
                    keys: hd
                        .plans
                        .iter()
                        .map(|_| StringChunkedBuilder::new(PlSmallStr::EMPTY, cap))
                        .collect(),
                };
                rows.insert(fac.to_string(), r);
            }
            let r = rows.get_mut(fac).expect("inserted just above");
            r.recs.push(rec_index);
            r.lines.push(*line);
            for (b, k) in r.keys.iter_mut().zip(&keyed) {
                b.append_option(k.as_deref());
            }
        }
        rows
    }
}

/// The rows of one facility that go into the frames, found by the row pass and read column
/// after column by the column pass.
pub(super) struct Rows {
    /// Index of each row in the table, and its physical line.
    pub(super) recs: Vec<usize>,
    pub(super) lines: Vec<u64>,
    /// Each plan's external_system_management_number of each row.
    pub(super) keys: Vec<StringChunkedBuilder>,
}

fn quarantine(out: &mut FileIngest, line: u64, rec: Record<'_>, reason: String, deliberate: bool) {
    out.quarantine.push(Quarantined {
        line,
        reason,
        fields: rec.iter().map(str::to_string).collect(),
        deliberate,
    });
}
