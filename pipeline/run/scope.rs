//! Which of a vendor row's records a finding is about. One vendor row feeds a record of every
//! target of its profile (SERVICE_USER_INFO, FORM_0000 …): an error withholds the records it is
//! about, not the row's other records.

use std::collections::HashMap;

use crate::map::Profile;
use crate::normalize::ingest::FileIngest;
use crate::spec::ids::DataType;
use crate::validate::Severity;

/// What a check is about.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Scope {
    /// The row itself: every record it feeds.
    Row,
    /// The record of one target (by index in the file's profile).
    Plan(usize),
    /// The records of one interface.
    Interface(DataType),
    /// The records whose target fills this item from the row (a value that could not be
    /// converted); every record when no target of the profile fills it.
    Item(String),
}

/// The checks the batch registers itself, by (file, check), with what they are about; the
/// others' scope follows from the file (see [`Scopes::of`]).
#[derive(Default)]
pub(super) struct Scopes(HashMap<(usize, u32), Scope>);

impl Scopes {
    /// What check `c` of file `fi` is about.
    pub(super) fn of(&self, fi: usize, c: u32, f: &FileIngest) -> Scope {
        if let Some(s) = self.0.get(&(fi, c)) {
            return s.clone();
        }
        if let Some(Some(p)) = f.check_plans.get(c as usize) {
            return Scope::Plan(*p);
        }
        match &f.findings.checks[c as usize].column {
            Some(item) => Scope::Item(item.clone()),
            None => Scope::Row,
        }
    }

    /// Adds a finding to file `fi` at `line`, its check registered once per (rule, message).
    #[allow(clippy::too_many_arguments)]
    pub(super) fn note(
        &mut self,
        f: &mut FileIngest,
        fi: usize,
        line: u64,
        severity: Severity,
        rule: &'static str,
        column: Option<&str>,
        (ja, en): (String, String),
        scope: Scope,
    ) {
        let findings = &mut f.findings;
        let c = findings.check_once(rule, severity, column, ja, en);
        self.0.insert((fi, c), scope);
        findings.push(line, c, None);
    }
}

/// Whether a check of `scope` is about the record of target `plan` (of interface `data_type`)
/// of a row read through `profile`.
pub(super) fn concerns(
    scope: &Scope,
    profile: &Profile,
    plan: usize,
    data_type: &DataType,
) -> bool {
    match scope {
        Scope::Row => true,
        Scope::Plan(p) => *p == plan,
        Scope::Interface(d) => d == data_type,
        Scope::Item(item) => {
            let fills = |t: &crate::map::Target| t.columns.iter().any(|c| &c.item == item);
            profile.targets.get(plan).is_some_and(fills) || !profile.targets.iter().any(fills)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::Registry;

    #[test]
    fn a_check_withholds_the_records_it_is_about_only() {
        let registry = Registry::embedded().unwrap();
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/profiles/assessment.toml"
        );
        let profile = Profile::load(std::path::Path::new(path), &registry).unwrap();
        let plan = |dt: &str| {
            profile
                .targets
                .iter()
                .position(|t| t.data_type == dt)
                .unwrap()
        };
        let (f0000, f0900) = (plan("FORM_0000_2021"), plan("FORM_0900_2021"));
        let (d0000, d0900) = (
            DataType::new("FORM_0000_2021"),
            DataType::new("FORM_0900_2021"),
        );
        let dup = Scope::Interface(d0900.clone());
        assert!(concerns(&dup, &profile, f0900, &d0900));
        assert!(
            !concerns(&dup, &profile, f0000, &d0000),
            "not FORM_0000's record"
        );
        assert!(concerns(&Scope::Plan(f0900), &profile, f0900, &d0900));
        assert!(!concerns(&Scope::Plan(f0900), &profile, f0000, &d0000));
        assert!(concerns(&Scope::Row, &profile, f0000, &d0000));
        // An item every target fills concerns every record; one no target fills too.
        let insured = Scope::Item("insured_no".into());
        assert!(concerns(&insured, &profile, f0000, &d0000));
        assert!(concerns(&insured, &profile, f0900, &d0900));
        assert!(concerns(
            &Scope::Item("nobody".into()),
            &profile,
            f0000,
            &d0000
        ));
    }
}
