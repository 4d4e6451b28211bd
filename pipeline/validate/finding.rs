//! Findings are values, not errors. A finding is small (line, check, value); what it means —
//! rule, severity, column, messages — is stored once per check, so a file in which every row is
//! wrong costs little more than a clean one.

use polars::prelude::PlSmallStr;

pub use crate::spec::rules::Severity;

/// What is checked, once per (rule, column, condition).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Check {
    /// Stable rule identifier, documented in README.md (e.g. `value.code`).
    pub rule: &'static str,
    pub severity: Severity,
    /// The ファイル項目ID the check is about, if any.
    pub column: Option<String>,
    pub message_ja: String,
    pub message_en: String,
}

/// One place where a check failed.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Physical 1-based line in the file; 0 for the file as a whole.
    pub line: u64,
    /// Index into [`Findings::checks`].
    pub check: u32,
    /// The offending value (masked for personal data), if the finding is about one; held in
    /// place up to 24 bytes (most values are codes, dates, numbers), so a finding costs no
    /// allocation of its own.
    pub value: Option<PlSmallStr>,
}

/// The checks and findings of one file.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub checks: Vec<Check>,
    pub findings: Vec<Finding>,
}

/// What reports show instead of personal data (names, 被保険者番号, birthdays, encrypted text).
pub const MASK: &str = "***";

impl Findings {
    /// Registers a check and returns its index.
    pub fn check(
        &mut self,
        rule: &'static str,
        severity: Severity,
        column: Option<&str>,
        message_ja: String,
        message_en: String,
    ) -> u32 {
        self.checks.push(Check {
            rule,
            severity,
            column: column.map(str::to_string),
            message_ja,
            message_en,
        });
        (self.checks.len() - 1) as u32
    }

    /// The check of `rule` on `column` saying `message_en`, registered the first time it is
    /// asked for: findings made one at a time share one check per message.
    pub fn check_once(
        &mut self,
        rule: &'static str,
        severity: Severity,
        column: Option<&str>,
        message_ja: String,
        message_en: String,
    ) -> u32 {
        let found = self.checks.iter().position(|c| {
            c.rule == rule && c.message_en == message_en && c.column.as_deref() == column
        });
        match found {
            Some(i) => i as u32,
            None => self.check(rule, severity, column, message_ja, message_en),
        }
    }

    pub fn push(&mut self, line: u64, check: u32, value: Option<&str>) {
        self.findings.push(Finding {
            line,
            check,
            value: value.map(Into::into),
        });
    }

    /// Adds another set's checks after these, and its findings: the same as if its checks had
    /// been registered and its findings pushed here (so findings made apart, in parallel,
    /// merge in the order they would have had).
    pub fn append(&mut self, other: Findings) {
        let base = self.checks.len() as u32;
        self.checks.extend(other.checks);
        self.findings
            .extend(other.findings.into_iter().map(|mut f| {
                f.check += base;
                f
            }));
    }

    pub fn count(&self, severity: Severity) -> usize {
        self.findings
            .iter()
            .filter(|f| self.checks[f.check as usize].severity == severity)
            .count()
    }

    /// Orders findings by line, then by the order checks were registered (the spec's column
    /// order for value checks), and drops exact repeats: a vendor value that feeds two
    /// interfaces is checked for each, but is one finding.
    pub fn sort(&mut self) {
        use rayon::slice::ParallelSliceMut;
        self.findings.par_sort_by_key(|f| (f.line, f.check));
        self.findings.dedup();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn findings_made_apart_append_as_if_made_in_one() {
        let make = |f: &mut Findings, rule: &'static str, line: u64| {
            let c = f.check(rule, Severity::Error, None, String::new(), String::new());
            f.push(line, c, Some("v"));
        };
        let mut one = Findings::default();
        make(&mut one, "a", 5);
        make(&mut one, "b", 3);
        let (mut first, mut second) = (Findings::default(), Findings::default());
        make(&mut first, "a", 5);
        make(&mut second, "b", 3);
        first.append(second);
        assert_eq!(first.checks, one.checks);
        assert_eq!(first.findings, one.findings);
    }
}
