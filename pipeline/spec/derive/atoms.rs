//! Rules compared per atom: one check on one column under one condition. A rule over five
//! columns is five atoms; conditions are compared in a normal form (operands of and/or sorted
//! and flattened, codes sorted); the allowed-if rules of one column hold together, so they are
//! one atom over the conjunction of their conditions.

use std::collections::{BTreeMap, BTreeSet};

use crate::spec::rules::{Condition, Rule, Severity};

/// (kind, column, condition in normal form).
pub type Atom = (String, String, String);

/// A condition in normal form.
pub fn normal(c: &Condition) -> String {
    fn flat(op: &str, v: &[Condition], out: &mut Vec<String>) {
        for c in v {
            match (op, c) {
                ("all", Condition::All(w)) | ("any", Condition::Any(w)) => flat(op, w, out),
                _ => out.push(normal(c)),
            }
        }
    }
    match c {
        Condition::In { column, values } => {
            let mut v = values.clone();
            v.sort();
            v.dedup();
            format!("{column}∈{{{}}}", v.join(","))
        }
        Condition::Present { column } => format!("{column}:filled"),
        Condition::Absent { column } => format!("{column}:empty"),
        Condition::All(v) | Condition::Any(v) => {
            let op = if matches!(c, Condition::All(_)) {
                "all"
            } else {
                "any"
            };
            let mut parts = Vec::new();
            flat(op, v, &mut parts);
            parts.sort();
            parts.dedup();
            if parts.len() == 1 {
                parts.remove(0)
            } else {
                format!("{op}({})", parts.join(";"))
            }
        }
        Condition::Not(c) => format!("not({})", normal(c)),
        Condition::Claim(n) => format!("claim:{n}"),
    }
}

fn sev(s: &Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

/// The atoms of a set of rules.
pub fn atoms<'a>(rules: impl IntoIterator<Item = &'a Rule>) -> BTreeSet<Atom> {
    let mut out = BTreeSet::new();
    let mut allowed: BTreeMap<&str, Vec<Condition>> = BTreeMap::new();
    for r in rules {
        match r {
            Rule::RequiredIf { columns, when, .. } => {
                for c in columns {
                    out.insert(("required_if".into(), c.clone(), normal(when)));
                }
            }
            Rule::AllowedIf { columns, when, .. } => {
                for c in columns {
                    allowed.entry(c).or_default().push(when.clone());
                }
            }
            Rule::Implies {
                when,
                then,
                severity,
                ..
            } => {
                out.insert((
                    format!("implies/{}", sev(severity)),
                    normal(then),
                    normal(when),
                ));
            }
            Rule::DateOrder {
                earlier,
                later,
                severity,
                ..
            } => {
                out.insert((
                    format!("date_order/{}", sev(severity)),
                    format!("{earlier}≤{later}"),
                    String::new(),
                ));
            }
            other => {
                out.insert((
                    other.kind().to_string(),
                    format!("{other:?}"),
                    String::new(),
                ));
            }
        }
    }
    for (c, conds) in allowed {
        out.insert((
            "allowed_if".into(),
            c.to_string(),
            normal(&Condition::All(conds)),
        ));
    }
    out
}

/// How a derived set of atoms compares with the truth.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    pub truth: usize,
    pub derived: usize,
    pub found: usize,
    /// Derived atoms for a kind and column the truth has, none of them under this condition.
    pub contradictions: Vec<Atom>,
    pub missed: Vec<Atom>,
    pub extra: Vec<Atom>,
}

impl Score {
    pub fn recall(&self) -> f64 {
        if self.truth == 0 {
            1.0
        } else {
            self.found as f64 / self.truth as f64
        }
    }
    pub fn precision(&self) -> f64 {
        if self.derived == 0 {
            1.0
        } else {
            self.found as f64 / self.derived as f64
        }
    }
    pub fn add(&mut self, other: Score) {
        self.truth += other.truth;
        self.derived += other.derived;
        self.found += other.found;
        self.contradictions.extend(other.contradictions);
        self.missed.extend(other.missed);
        self.extra.extend(other.extra);
    }
}

/// Scores `derived` against `truth`.
pub fn score(truth: &BTreeSet<Atom>, derived: &BTreeSet<Atom>) -> Score {
    let found = truth.intersection(derived).count();
    let extra: Vec<Atom> = derived.difference(truth).cloned().collect();
    let contradictions = extra
        .iter()
        .filter(|(k, c, _)| truth.iter().any(|(k2, c2, _)| k == k2 && c == c2))
        .cloned()
        .collect();
    Score {
        truth: truth.len(),
        derived: derived.len(),
        found,
        contradictions,
        missed: truth.difference(derived).cloned().collect(),
        extra,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::rules::RulesFile;

    fn parse(text: &str) -> Vec<Rule> {
        RulesFile::parse("t", text).unwrap().rule
    }

    #[test]
    fn a_rule_is_one_atom_per_column_and_operand_order_does_not_matter() {
        let a = parse(
            r#"[[rule]]
kind = "required_if"
columns = ["x", "y"]
when = { all = [{ column = "k", in = ["2", "1"] }, { claim = "c" }] }
"#,
        );
        let b = parse(
            r#"[[rule]]
kind = "required_if"
columns = ["y"]
when = { all = [{ claim = "c" }, { column = "k", in = ["1", "2"] }] }
[[rule]]
kind = "required_if"
columns = ["x"]
when = { all = [{ claim = "c" }, { column = "k", in = ["1", "2"] }] }
"#,
        );
        assert_eq!(atoms(&a).len(), 2);
        assert_eq!(atoms(&a), atoms(&b));
    }

    #[test]
    fn allowed_if_rules_of_a_column_are_one_conjunction_and_a_different_condition_contradicts() {
        let two = parse(
            r#"[[rule]]
kind = "allowed_if"
columns = ["x"]
when = { column = "k", in = ["1"] }
[[rule]]
kind = "allowed_if"
columns = ["x"]
when = { column = "f", in = ["1"] }
"#,
        );
        let one = parse(
            r#"[[rule]]
kind = "allowed_if"
columns = ["x"]
when = { all = [{ column = "f", in = ["1"] }, { column = "k", in = ["1"] }] }
"#,
        );
        assert_eq!(atoms(&two), atoms(&one));
        let other = parse(
            r#"[[rule]]
kind = "allowed_if"
columns = ["x"]
when = { column = "k", in = ["2"] }
"#,
        );
        let s = score(&atoms(&one), &atoms(&other));
        assert_eq!((s.found, s.contradictions.len()), (0, 1));
        assert_eq!(score(&atoms(&one), &atoms(&two)).recall(), 1.0);
    }
}
