//! The column pass: each frame column filled from its vendor column, through that column's
//! memo.

use std::collections::BTreeMap;

use polars::prelude::*;

use super::rows::Rows;
use super::{Ingest, Source, clean, fold};
use crate::decode::{LINE, Table};
use crate::map::Transform;
use crate::normalize::file::{Fixes, Part, SOURCE_FILE};
use crate::normalize::sink::Sink;
use crate::normalize::transform::{Fix, Memo, Problem};
use crate::validate::{MASK, Severity};

impl Ingest<'_> {
    /// Column pass: each frame column filled from its vendor column, row after row of one
    /// facility, through that column's memo (one hot hash table and builder at a time).
    pub(super) fn column_pass(&mut self, table: &Table, rows: BTreeMap<String, Rows>) -> Vec<Part> {
        let Some(hd) = self.header.as_mut() else {
            return Vec::new();
        };
        let path = self.out.path.clone();
        let (out, sink) = (&mut self.out, &mut self.sink);
        let plans = &hd.plans;
        let mut parts: Vec<Vec<Part>> = plans.iter().map(|_| Vec::new()).collect();
        for (fac, Rows { recs, lines, keys }) in rows {
            let height = recs.len();
            // A vendor column that feeds several interfaces the same way (same transform, map
            // and LIFE item) is converted once: later frames share the column, and count its
            // repairs again. Its findings would be exact repeats, which are dropped anyway.
            let mut built: Vec<Built<'_>> = Vec::new();
            for ((p, plan), key) in plans.iter().enumerate().zip(keys) {
                if !plan.live {
                    continue;
                }
                let t = plan.target;
                let mut key = Some(key);
                let mut columns: Vec<Column> = Vec::with_capacity(plan.sources.len() + 2);
                for (s, (id, src)) in plan.sources.iter().enumerate() {
                    let name: PlSmallStr = id.as_str().into();
                    let column = match src {
                        Source::Facility => StringChunked::full(name, &fac, height).into_column(),
                        Source::Fixed(Some(v)) => {
                            StringChunked::full(name, v, height).into_column()
                        }
                        Source::Fixed(None) => StringChunked::full_null(name, height).into_column(),
                        Source::Key => match key.take() {
                            Some(k) => k.finish().with_name(name).into_column(),
                            None => StringChunked::full_null(name, height).into_column(),
                        },
                        Source::Column(i, item) => {
                            let (col, vendor) = (&t.columns[*i], plan.resolved.columns[*i]);
                            let shared = built.iter().find(|b| {
                                Some(b.vendor) == vendor
                                    && b.map == col
                                    && converts_alike(b.item, item)
                            });
                            match (vendor, shared) {
                                (None, _) => StringChunked::full_null(name, height).into_column(),
                                (Some(_), Some(b)) => {
                                    out.fixes.add(&b.fixes);
                                    b.column.clone()
                                }
                                (Some(x), None) => {
                                    let cells = Cells {
                                        table,
                                        vendor: x,
                                        recs: &recs,
                                        lines: &lines,
                                        placeholders: &self.placeholders,
                                        at: (&fac, p as u32, s as u32),
                                    };
                                    let memo = &mut hd.memos[p][*i];
                                    let (column, fixes) =
                                        cells.convert(name, col, item, memo, sink);
                                    out.fixes.add(&fixes);
                                    built.push(Built {
                                        vendor: x,
                                        map: col,
                                        item,
                                        column: column.clone(),
                                        fixes,
                                    });
                                    column
                                }
                            }
                        }
                    };
                    columns.push(column);
                }
                columns.push(StringChunked::full(SOURCE_FILE.into(), &path, height).into_column());
                columns.push(UInt64Chunked::from_slice(LINE.into(), &lines).into_column());
                let frame =
                    DataFrame::new(height, columns).expect("one value per row in every column");
                parts[p].push(Part {
                    facility: fac.clone(),
                    plan: p,
                    data_type: t.data_type.clone(),
                    spec: t.spec.clone(),
                    frame,
                });
            }
        }
        parts.into_iter().flatten().collect()
    }
}

/// A frame column converted from a vendor column for one facility, kept for the frames of
/// other interfaces that read the vendor column the same way.
struct Built<'a> {
    vendor: usize,
    map: &'a crate::map::ColumnMap,
    item: &'a crate::spec::Item,
    column: Column,
    fixes: Fixes,
}

/// One vendor column over one facility's rows.
struct Cells<'a> {
    table: &'a Table,
    vendor: usize,
    /// The facility's rows: index in the table and physical line.
    recs: &'a [usize],
    lines: &'a [u64],
    placeholders: &'a [&'a str],
    /// The facility, frame and column, for where checks are met.
    at: (&'a str, u32, u32),
}

impl Cells<'_> {
    /// The frame column `name`: each value converted through the column's memo, each problem
    /// a finding in the sink (masked for personal data); with the repairs made.
    fn convert(
        &self,
        name: PlSmallStr,
        col: &crate::map::ColumnMap,
        item: &crate::spec::Item,
        memo: &mut Memo,
        sink: &mut Sink,
    ) -> (Column, Fixes) {
        let mut fixes = Fixes::default();
        let mut b = StringChunkedBuilder::new(name.clone(), self.recs.len());
        for (&rec, &line) in self.recs.iter().zip(self.lines) {
            let raw = self.table.field(rec, self.vendor);
            let Some(mut raw) = raw.and_then(|v| clean(v, self.placeholders)) else {
                b.append_null();
                continue;
            };
            // A line break (a quoted remark) is folded to a space: one repair finding, never a
            // file that cannot be written.
            let folded;
            if memchr::memchr2(b'\n', b'\r', raw.as_bytes()).is_some() {
                folded = fold(raw);
                let (fac, plan, column) = self.at;
                let p = Problem {
                    rule: "ingest.folded",
                    kept: true,
                    message_ja: format!("列「{}」の値の改行を空白にしました", col.aliases[0]),
                    message_en: format!(
                        "vendor column `{}`: line breaks folded to spaces",
                        col.aliases[0]
                    ),
                };
                let c = sink.check(
                    Some(&name),
                    Severity::Warning,
                    &p,
                    (1, fac, plan, column, line),
                );
                let shown = if item.sensitive {
                    MASK
                } else {
                    folded.as_str()
                };
                sink.findings.push(line, c, Some(shown));
                raw = folded.as_str();
            }
            if col.transform == Transform::Text && col.steps.is_empty() {
                b.append_value(raw);
                continue;
            }
            let o = memo.convert(col, item, raw);
            if let Some(pr) = &o.problem {
                let sev = if pr.kept {
                    Severity::Warning
                } else {
                    Severity::Error
                };
                let (fac, plan, column) = self.at;
                let at = (1, fac, plan, column, line);
                // A check the memo remembers is met here too: its first place must be the
                // earliest in a whole-file reading, whichever table came first.
                let c = match o.check {
                    Some(c) => {
                        sink.meet(c, at);
                        c
                    }
                    None => *o.check.insert(sink.check(Some(&name), sev, pr, at)),
                };
                let shown = if item.sensitive { MASK } else { raw };
                sink.findings.push(line, c, Some(shown));
            }
            match o.fix {
                Some(Fix::EraDate) => fixes.era_dates += 1,
                Some(Fix::FullWidth) => fixes.full_width += 1,
                Some(Fix::Kana) => fixes.kana += 1,
                Some(Fix::Coded) => fixes.coded += 1,
                None => {}
            }
            b.append_option(o.value.as_deref());
        }
        (b.finish().into_column(), fixes)
    }
}

/// Whether two spec items make the same LIFE values, findings and masks of a vendor value:
/// the same id, name, codes and sensitivity (their place in their interfaces may differ).
fn converts_alike(a: &crate::spec::Item, b: &crate::spec::Item) -> bool {
    a.id == b.id && a.name == b.name && a.codes == b.codes && a.sensitive == b.sensitive
}
