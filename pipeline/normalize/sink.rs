//! Findings made while reading a vendor file: each check registered once per (rule, item,
//! message), and numbered in the order a reading of the whole file at once meets them.

use std::collections::HashMap;

use super::transform::Problem;
use crate::validate::{Check, Findings, Severity};

/// Findings registered once per (rule, item, message).
#[derive(Default)]
pub(super) struct Sink {
    pub(super) findings: Findings,
    /// Checks by the hash of (rule, item, English message): looked up without building a key.
    checks: HashMap<u64, Vec<u32>, foldhash::fast::FixedState>,
    /// Where each check was first met, in the order of reading the whole file at once.
    met: Vec<Met>,
}

/// Where a check is met: (phase, facility, frame, column, line), phase 0 for the header's
/// notes, 1 for values, 2 for the rows left out. Reading a whole file at once meets checks in
/// this order; [`Sink::finish`] numbers them in it, so findings on one line come in the same
/// order however the file was cut into tables.
type Met = (u8, String, u32, u32, u64);

impl Sink {
    /// The check of a problem: registered on first sight.
    pub(super) fn check(
        &mut self,
        item: Option<&str>,
        severity: Severity,
        p: &Problem,
        at: (u8, &str, u32, u32, u64),
    ) -> u32 {
        use std::hash::BuildHasher;
        let item = item.unwrap_or("");
        let hash =
            foldhash::fast::FixedState::default().hash_one((p.rule, item, p.message_en.as_str()));
        let same = |c: &Check| {
            c.rule == p.rule
                && c.column.as_deref().unwrap_or("") == item
                && c.message_en == p.message_en
        };
        let ids = self.checks.entry(hash).or_default();
        if let Some(&id) = ids
            .iter()
            .find(|&&id| same(&self.findings.checks[id as usize]))
        {
            self.meet(id, at);
            return id;
        }
        let id = self.findings.check(
            p.rule,
            severity,
            (!item.is_empty()).then_some(item),
            p.message_ja.clone(),
            p.message_en.clone(),
        );
        ids.push(id);
        self.met.push((at.0, at.1.to_string(), at.2, at.3, at.4));
        id
    }

    /// Check `id` is met (again) at `at`: its first place is the earliest of all.
    pub(super) fn meet(&mut self, id: u32, at: (u8, &str, u32, u32, u64)) {
        let m = &mut self.met[id as usize];
        if at < (m.0, m.1.as_str(), m.2, m.3, m.4) {
            *m = (at.0, at.1.to_string(), at.2, at.3, at.4);
        }
    }

    /// The findings, their checks numbered in the order a whole-file reading meets them.
    pub(super) fn finish(self) -> Findings {
        let Sink { findings, met, .. } = self;
        let mut order: Vec<usize> = (0..met.len()).collect();
        order.sort_by(|&a, &b| met[a].cmp(&met[b]));
        let mut new = vec![0u32; order.len()];
        for (n, &old) in order.iter().enumerate() {
            new[old] = n as u32;
        }
        let mut checks: Vec<Option<Check>> = findings.checks.into_iter().map(Some).collect();
        let mut out = Findings {
            checks: order.iter().filter_map(|&i| checks[i].take()).collect(),
            findings: findings.findings,
        };
        for f in &mut out.findings {
            f.check = new[f.check as usize];
        }
        out.sort();
        out
    }

    /// A finding about a row or the file, not a value: met in `phase` (0 or 2), in the order
    /// notes are made.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn note(
        &mut self,
        phase: u8,
        line: u64,
        item: Option<&str>,
        severity: Severity,
        rule: &'static str,
        ja: String,
        en: String,
    ) {
        let p = Problem {
            rule,
            kept: false,
            message_ja: ja,
            message_en: en,
        };
        let seq = self.met.len() as u64;
        let c = self.check(item, severity, &p, (phase, "", 0, 0, seq));
        self.findings.push(line, c, None);
    }
}
