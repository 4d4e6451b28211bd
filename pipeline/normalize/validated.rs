//! The validation engine on the frames of a vendor file: its findings join the file's own, so
//! they name vendor lines, without repeating a value that could not be converted as missing.

use super::file::{FileIngest, Part};
use crate::spec::Registry;
use crate::validate::{Check, Finding, Findings, Severity};

impl FileIngest {
    /// Runs the validation engine on every frame of this file; its findings join the file's
    /// own, so they name vendor lines.
    pub fn validate(&mut self, registry: &Registry, ctx: &crate::validate::Context) {
        let unconverted = unconverted(&self.findings.checks, &self.findings.findings);
        let blocks: Vec<Validated> = self
            .parts
            .iter()
            .map(|part| {
                let mut v = Validated::default();
                v.check(part, registry, ctx, &unconverted);
                v
            })
            .collect();
        drop(unconverted);
        append(&mut self.findings, blocks);
        self.findings.sort();
    }
}

/// The (line, item) of every value that could not be converted. One finding per root cause: a
/// value that could not be converted is already an error on its line and item, so the item
/// left empty is not reported again as missing.
pub(super) fn unconverted<'f>(checks: &'f [Check], findings: &[Finding]) -> Unconverted<'f> {
    findings
        .iter()
        .filter_map(|f| {
            let c = &checks[f.check as usize];
            let converting = c.rule.starts_with("ingest.") && c.severity == Severity::Error;
            converting.then_some((f.line, c.column.as_deref()?))
        })
        .collect()
}

pub(super) type Unconverted<'f> =
    std::collections::HashSet<(u64, &'f str), foldhash::fast::FixedState>;

/// The validation engine's findings on the frames of one (interface, facility) of a file, part
/// after part: every part registers the same checks, kept once, and is checked with the item
/// checks made for the first.
#[derive(Default)]
pub(super) struct Validated<'r> {
    plans: Option<crate::validate::ItemPlans<'r>>,
    checks: Vec<Check>,
    findings: Vec<Finding>,
    carry: crate::validate::Carry,
    /// The `value.version` check, among `checks` once a part has needed it.
    version: Option<u32>,
}

impl<'r> Validated<'r> {
    /// How many checks it registered (they join a file's checks in one block).
    pub(super) fn checks_len(&self) -> usize {
        self.checks.len()
    }

    pub(super) fn check(
        &mut self,
        part: &Part,
        registry: &'r Registry,
        ctx: &crate::validate::Context,
        unconverted: &Unconverted<'_>,
    ) {
        let Some(spec) = registry.spec(&part.spec) else {
            return;
        };
        let Some(schema) = spec.schema(&part.data_type) else {
            return;
        };
        let mut versions = Findings::default();
        crate::validate::check_versions(&part.frame, schema, &registry.catalogue, &mut versions);
        let sheets = spec.code_sheets.as_ref();
        let plans = self
            .plans
            .get_or_insert_with(|| crate::validate::ItemPlans::new(&part.frame, schema, sheets));
        let mut found = Findings::default();
        let rules = spec.rules(&part.data_type);
        crate::validate::validate_planned(
            &part.frame,
            plans,
            schema,
            rules,
            ctx,
            &mut found,
            &mut self.carry,
        );
        let missing = |c: &Check| {
            matches!(
                c.rule,
                "value.required" | "value.recommended" | "cond.required"
            )
        };
        for f in found.findings {
            let c = &found.checks[f.check as usize];
            let repeat = missing(c)
                && c.column
                    .as_deref()
                    .is_some_and(|col| unconverted.contains(&(f.line, col)));
            if !repeat {
                self.findings.push(f);
            }
        }
        if self.checks.is_empty() && self.version.is_none() {
            self.checks = found.checks;
        } else {
            let n = found.checks.len();
            debug_assert_eq!(
                self.checks[..n],
                found.checks,
                "a part's checks are its frame's"
            );
        }
        // The version check is made only where a value is wrong: it goes after the others.
        if let Some(c) = versions.checks.pop() {
            let checks = &mut self.checks;
            let at = *self.version.get_or_insert_with(|| {
                checks.push(c);
                checks.len() as u32 - 1
            });
            let found = versions.findings.into_iter();
            self.findings
                .extend(found.map(|f| Finding { check: at, ..f }));
        }
    }
}

/// The validation findings, block after block, join a file's own.
pub(super) fn append<'r>(findings: &mut Findings, blocks: impl IntoIterator<Item = Validated<'r>>) {
    for v in blocks {
        let offset = findings.checks.len() as u32;
        findings
            .findings
            .extend(v.findings.into_iter().map(|f| Finding {
                check: f.check + offset,
                ..f
            }));
        findings.checks.extend(v.checks);
    }
}
