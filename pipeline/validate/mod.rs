//! The validation engine. It works on frames — string columns named by ファイル項目ID plus the
//! `__line` lineage column — so LIFE files on disk and frames built from vendor exports are
//! checked by the same code. Checks run column by column, in parallel across columns.

pub mod across;
pub mod careplan;
mod fields;
mod file;
pub mod finding;
mod head;
pub mod log;
#[cfg(test)]
mod parts;
mod rules;
pub mod values;
mod version;

use polars::prelude::*;
use rayon::prelude::*;

pub use across::{FileKeys, cross_file_checks};
pub use file::{validate_bytes, validate_path, validate_path_logged};
pub use finding::{Check, Finding, Findings, MASK, Severity};
pub use log::Log;

use crate::decode::{LINE, TextEncoding};
use crate::spec::rules::Rule;
use crate::spec::{CodeSheets, Req, Schema};
use fields::ColumnPlan;

/// Facts about the office that a file cannot tell (e.g. which add-ons it claims).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Names used by `claim` conditions in the rules files.
    pub claims: Vec<String>,
}

/// Which spec version to validate against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecChoice {
    /// From the data type (`FORM_xxxx_2021` is 2021, `*_2024` is 3.x) and, for
    /// SERVICE_USER_INFO, from the presence of the `version` column.
    Auto,
    Version(String),
}

/// Everything found about one file: its findings in memory (`findings`), or, as `lifeline
/// validate` keeps them, in a [`Log`] (`log`), then in memory only those of the rules across
/// files. [`FileReport::each`] gives both in order.
#[derive(Debug)]
pub struct FileReport {
    pub path: String,
    pub data_type: Option<String>,
    pub spec: Option<String>,
    pub encoding: Option<TextEncoding>,
    pub rows: usize,
    pub findings: Findings,
    pub log: Log,
}

impl FileReport {
    fn of(path: &str, encoding: Option<TextEncoding>) -> Self {
        FileReport {
            path: path.to_string(),
            data_type: None,
            spec: None,
            encoding,
            rows: 0,
            findings: Findings::default(),
            log: Log::default(),
        }
    }

    pub fn errors(&self) -> usize {
        self.findings.count(Severity::Error) + self.log.count(Severity::Error)
    }
    pub fn warnings(&self) -> usize {
        self.findings.count(Severity::Warning) + self.log.count(Severity::Warning)
    }
    /// Whether the file could not be checked: its interface's items are not bundled.
    pub fn not_bundled(&self) -> bool {
        let logged = self.log.checks.iter().any(|c| c.rule == NOT_BUNDLED);
        logged
            || self
                .findings
                .findings
                .iter()
                .any(|f| self.findings.checks[f.check as usize].rule == NOT_BUNDLED)
    }

    /// The checks `each` names by index: the log's, then those in memory.
    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.log.checks.iter().chain(&self.findings.checks)
    }

    /// Calls `f(line, check, value)` for every finding, in order of line, the log's first on
    /// one line (a rule across files comes after the file's own checks); `check` indexes
    /// [`FileReport::checks`]. Stops at the first `Err`, of `f` or of reading the log back.
    pub fn each(
        &self,
        mut f: impl FnMut(u64, usize, Option<&str>) -> std::io::Result<()>,
    ) -> std::io::Result<()> {
        let base = self.log.checks.len();
        let mut mem = self.findings.findings.iter().peekable();
        let at = |m: &Finding| (m.line, base + m.check as usize);
        self.log.walk(|line, c, v| {
            while let Some(m) = mem.next_if(|m| m.line < line) {
                let (l, k) = at(m);
                f(l, k, m.value.as_deref())?;
            }
            f(line, c as usize, v)
        })?;
        for m in mem {
            let (l, k) = at(m);
            f(l, k, m.value.as_deref())?;
        }
        Ok(())
    }
}

/// The rule of a file whose interface is one of the spec's but whose items are not bundled.
pub const NOT_BUNDLED: &str = "schema.not_bundled";

/// The physical line of each row of a frame: its `__line` column, or counted from line 3.
fn frame_lines(frame: &DataFrame) -> Vec<u64> {
    match frame.column(LINE).ok().and_then(|c| c.u64().ok()) {
        Some(ca) => ca.iter().map(|l| l.unwrap_or(0)).collect(),
        None => (0..frame.height() as u64).map(|i| i + 3).collect(),
    }
}

/// Files larger than this are reported, not read (LIFE files are a few MB).
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// What a rule must remember from one part of a file to the next: the keys seen so far, for
/// `key.duplicate` across parts.
#[derive(Default)]
pub struct Carry {
    seen: Vec<rules::Seen>,
}

/// `value.version` on every row of a frame whose `version` is not a value LIFE accepts, as
/// `lifeline validate` checks a file's rows (the one check of a row that is not an item check or
/// a rule: it needs the catalogue of versions).
pub fn check_versions(
    frame: &DataFrame,
    schema: &Schema,
    catalogue: &crate::spec::catalogue::Catalogue,
    out: &mut Findings,
) {
    if schema.item(version::COLUMN).is_some() {
        version::check_values(frame, &frame_lines(frame), schema, catalogue, out);
    }
}

/// The item checks of an interface for the columns of a frame, made once for every part of a
/// file (their messages, code sets and limits) and registered in each part's findings by
/// [`validate_planned`].
pub(crate) struct ItemPlans<'s> {
    plans: Vec<(ColumnPlan<'s>, &'s str)>,
    checks: Vec<Check>,
}

impl<'s> ItemPlans<'s> {
    pub(crate) fn new(
        frame: &DataFrame,
        schema: &'s Schema,
        sheets: Option<&'s CodeSheets>,
    ) -> Self {
        let mut checks = Findings::default();
        let plans = schema
            .items
            .iter()
            .filter(|i| i.ty != crate::spec::ItemType::Unknown || i.req != Req::Unknown)
            .filter(|item| frame.column(&item.id).is_ok_and(|c| c.str().is_ok()))
            .map(|item| (ColumnPlan::new(item, sheets, &mut checks), item.id.as_str()))
            .collect();
        ItemPlans {
            plans,
            checks: checks.checks,
        }
    }
}

/// Validates a frame against an interface: every item check on every row (`plans`, made for
/// the frame's columns), then every rule. A file read in parts is validated part after part
/// with one `carry`, which takes what the rules remember from the parts before (the keys
/// seen), so the findings are those of the whole file; a frame on its own takes
/// `&mut Carry::default()`.
pub(crate) fn validate_planned(
    frame: &DataFrame,
    plans: &ItemPlans<'_>,
    schema: &Schema,
    rules: &[Rule],
    ctx: &Context,
    out: &mut Findings,
    carry: &mut Carry,
) {
    let lines = frame_lines(frame);
    let base = out.checks.len() as u32;
    out.checks.extend(plans.checks.iter().cloned());
    let columns: Vec<(&ColumnPlan<'_>, &StringChunked)> = plans
        .plans
        .iter()
        .filter_map(|(plan, id)| Some((plan, frame.column(id).ok()?.str().ok()?)))
        .collect();
    let found: Vec<Vec<Finding>> = columns
        .par_iter()
        .map(|(plan, ca)| plan.run(ca, &lines))
        .collect();
    out.findings.reserve(found.iter().map(Vec::len).sum());
    for f in found {
        out.findings.extend(f.into_iter().map(|mut f| {
            f.check += base;
            f
        }));
    }
    let rows = rules::Rows {
        frame,
        lines: &lines,
        claims: &ctx.claims,
        schema,
    };
    // The rules apart from one another, in parallel, each into findings of its own, merged in
    // the rules' order: the same findings as one after another.
    carry.seen.resize_with(rules.len(), Default::default);
    let parts: Vec<Findings> = rules
        .par_iter()
        .zip(carry.seen.par_iter_mut())
        .map(|(rule, seen)| {
            let mut f = Findings::default();
            rows.run(rule, &mut f, seen);
            f
        })
        .collect();
    for p in parts {
        out.append(p);
    }
}
