//! Which records of an office go out: per interface, its records (file after file, target after
//! target) minus those an error is about ([`super::scope`]). A record is withheld, never a
//! vendor row as a whole; and a form record whose user's (or parent's) record is withheld goes
//! with it (`batch.user_withheld`, `batch.parent_withheld`): no orphans.
//!
//! Every row read for an interface is accounted for: in a record, or quarantined with a finding
//! (rows in no frame, rows of another office, rows whose target gave no record, withheld).

use std::collections::{BTreeMap, BTreeSet, HashSet};

use foldhash::HashSet as Fast;

use super::error::RunError;
use super::read::QuarantineLine;
use super::rows::{Emitted, NO_USER, Users, lines_of_file};
use super::scope::{Scope, Scopes, concerns};
use crate::emit::spill::Spill;
use crate::ledger::Ledger;
use crate::map::Profile;
use crate::normalize::ingest::FileIngest;
use crate::spec::Registry;
use crate::spec::ids::DataType;
use crate::validate::Severity;

/// A LIFE interface: (data type, spec version).
pub(super) type Interface = (DataType, String);

/// One interface of the office.
pub(super) struct Iface<'e> {
    pub interface: Interface,
    /// Its records, part after part (see `rows::rows_of`).
    pub parts: Vec<&'e Emitted>,
    /// Per record: not withheld.
    pub keep: Vec<bool>,
    /// Rows read for it: every row of every file whose profile feeds it, once per target.
    pub read: usize,
    /// Rows read for it that gave no record (quarantined with their findings): (file, line).
    pub lost: Vec<(usize, u64)>,
    /// Rows read for it in no record: left out by the reading, or another office's (each
    /// quarantined with a finding by the reading).
    pub left_out: usize,
    /// With `--delta`, per record: new or changed since the ledger's last month (empty until
    /// the emit stage asks).
    pub new: Vec<bool>,
}

/// What the selection works on: the office's files, what was read and the findings' scopes.
pub(super) struct Office<'a, 'e> {
    pub files: &'a mut [(usize, FileIngest)],
    pub profiles: &'a [Profile],
    pub emitted: &'e [Emitted],
    pub others: &'a [BTreeMap<usize, Vec<u64>>],
    pub scopes: &'a mut Scopes,
}

/// Error findings by (file, line): the checks.
type Index = foldhash::HashMap<(usize, u64), Vec<u32>>;

impl<'e> Office<'_, 'e> {
    fn index(&self) -> Index {
        let mut out: Index = Index::default();
        for (fi, (_, f)) in self.files.iter().enumerate() {
            for x in &f.findings.findings {
                let c = &f.findings.checks[x.check as usize];
                if c.severity == Severity::Error && x.line > 0 {
                    out.entry((fi, x.line)).or_default().push(x.check);
                }
            }
        }
        out
    }

    /// The checks withholding record `i` of part `e`.
    pub(super) fn reasons(&self, index: &Index, e: &Emitted, line: u64) -> Vec<u32> {
        let (pi, f) = (&self.files[e.file].0, &self.files[e.file].1);
        let Some(checks) = index.get(&(e.file, line)) else {
            return Vec::new();
        };
        checks
            .iter()
            .copied()
            .filter(|&c| {
                let scope = self.scopes.of(e.file, c, f);
                concerns(&scope, &self.profiles[*pi], e.plan, &e.data_type)
            })
            .collect()
    }

    /// Which records of `parts` are kept.
    fn keep(&self, index: &Index, parts: &[&Emitted]) -> Vec<bool> {
        parts
            .iter()
            .flat_map(|e| {
                e.lines
                    .iter()
                    .map(|&l| self.reasons(index, e, l).is_empty())
            })
            .collect()
    }

    /// The office's interfaces, each with the rows read for it; the rows of a target that gave
    /// no record get a finding (`batch.no_record`).
    pub(super) fn interfaces(&mut self) -> Vec<Iface<'e>> {
        let targets: BTreeSet<Interface> = self
            .profiles
            .iter()
            .flat_map(|p| {
                p.targets
                    .iter()
                    .map(|t| (DataType::new(t.data_type.as_str()), t.spec.clone()))
            })
            .collect();
        let emitted = self.emitted;
        let mut out = Vec::new();
        for interface in targets {
            let parts: Vec<&Emitted> = emitted
                .iter()
                .filter(|e| e.data_type == interface.0 && e.spec == interface.1)
                .collect();
            let (mut read, mut lost, mut left_out) = (0, Vec::new(), 0);
            for fi in 0..self.files.len() {
                let profile = &self.profiles[self.files[fi].0];
                for (plan, t) in profile.targets.iter().enumerate() {
                    if t.data_type != interface.0.as_str() || t.spec != interface.1 {
                        continue;
                    }
                    read += self.files[fi].1.rows_read;
                    left_out += self.files[fi].1.quarantine.len()
                        + self.others[fi].get(&plan).map_or(0, Vec::len);
                    lost.extend(self.rows_of_target(fi, plan, &interface.0));
                }
            }
            out.push(Iface {
                interface,
                keep: Vec::new(),
                parts,
                read,
                lost,
                left_out,
                new: Vec::new(),
            });
        }
        out
    }

    /// The rows of file `fi` that gave target `plan` no record (neither a record nor
    /// quarantined by the reading nor another office's), by line; each gets a `batch.no_record`
    /// finding. Rows whose line is not known (no target gave a record) are at line 0.
    fn rows_of_target(
        &mut self,
        fi: usize,
        plan: usize,
        data_type: &DataType,
    ) -> Vec<(usize, u64)> {
        let emitted = self.emitted;
        let f = &self.files[fi].1;
        let mine: BTreeSet<u64> = emitted
            .iter()
            .filter(|e| e.file == fi && e.plan == plan)
            .flat_map(|e| e.lines.iter().copied())
            .collect();
        let others = self.others[fi].get(&plan).map_or(&[][..], Vec::as_slice);
        let in_frames = f.rows_read - f.quarantine.len();
        let lost = in_frames.saturating_sub(mine.len() + others.len());
        let mut out = Vec::new();
        if lost > 0 {
            let seen: BTreeSet<u64> = others.iter().copied().collect();
            let missing: Vec<u64> = lines_of_file(emitted, fi, &self.others[fi])
                .filter(|l| !mine.contains(l) && !seen.contains(l))
                .collect();
            let (ja, en) = (
                format!("{data_type}の記録ができませんでした（ファイルの指摘を参照）"),
                format!("{data_type}: this row gave no record (see the file's findings)"),
            );
            let f = &mut self.files[fi].1;
            let unknown = lost.saturating_sub(missing.len());
            for line in missing.into_iter().chain(std::iter::repeat_n(0, unknown)) {
                out.push((fi, line));
                self.scopes.note(
                    f,
                    fi,
                    line,
                    Severity::Error,
                    "batch.no_record",
                    None,
                    (ja.clone(), en.clone()),
                    Scope::Plan(plan),
                );
            }
            f.findings.sort();
        }
        out
    }

    /// Sets every interface's kept records: withheld those an error is about, then, until
    /// nothing changes, the records of users and parents withheld this run.
    pub(super) fn withhold(
        &mut self,
        ifaces: &mut [Iface<'e>],
        users: &Users,
        known_users: &HashSet<String>,
        registry: &Registry,
        sent_before: &dyn Fn(&str, &str) -> Result<bool, RunError>,
    ) -> Result<(), RunError> {
        loop {
            let index = self.index();
            for i in ifaces.iter_mut() {
                i.keep = self.keep(&index, &i.parts);
            }
            if self.orphans(ifaces, users, known_users, registry, sent_before)? == 0 {
                return Ok(());
            }
        }
    }

    /// Notes the kept form records whose user's SERVICE_USER_INFO record, or whose parent
    /// record, is withheld (and not sent in an earlier month); how many.
    fn orphans(
        &mut self,
        ifaces: &[Iface<'e>],
        users: &Users,
        known_users: &HashSet<String>,
        registry: &Registry,
        sent_before: &dyn Fn(&str, &str) -> Result<bool, RunError>,
    ) -> Result<usize, RunError> {
        // Users and numbers with a withheld record and no kept one, per interface.
        let mut kept_users = foldhash::HashSet::default();
        let mut lost_users = foldhash::HashSet::default();
        let mut numbers: foldhash::HashMap<&str, (Fast<&str>, Fast<&str>)> = Default::default();
        for i in ifaces {
            let sui = i.interface.0.is_service_user_info();
            let is_parent = registry
                .parents
                .iter()
                .any(|r| r.parent == i.interface.0.as_str());
            let mut k = i.keep.iter();
            for e in &i.parts {
                for row in 0..e.len() {
                    let kept = *k.next().unwrap_or(&true);
                    if sui && e.users[row] != NO_USER {
                        let set = if kept {
                            &mut kept_users
                        } else {
                            &mut lost_users
                        };
                        set.insert(e.users[row]);
                    }
                    if is_parent && let Some(n) = e.number(row) {
                        let (kept_n, lost_n) = numbers.entry(i.interface.0.as_str()).or_default();
                        if kept { kept_n } else { lost_n }.insert(n);
                    }
                }
            }
        }
        let lost_user = |u: u32| {
            u != NO_USER
                && lost_users.contains(&u)
                && !kept_users.contains(&u)
                && !known_users.contains(users.key(u))
        };
        let mut notes: Vec<(usize, u64, (String, String), Interface)> = Vec::new();
        for i in ifaces {
            let dt = &i.interface.0;
            let parent = registry.parents.iter().find(|r| r.child == dt.as_str());
            let mut k = i.keep.iter();
            for e in &i.parts {
                for row in 0..e.len() {
                    if !*k.next().unwrap_or(&true) {
                        continue;
                    }
                    let line = e.lines[row];
                    if !dt.is_service_user_info() && lost_user(e.users[row]) {
                        notes.push((
                            e.file,
                            line,
                            (
                                format!("{dt}の利用者の利用者情報（SERVICE_USER_INFO）の行が今回エラーで保留されたため、この行も保留しました"),
                                format!("{dt}: the user's SERVICE_USER_INFO record is withheld this run (see its findings), so this record is too"),
                            ),
                            i.interface.clone(),
                        ));
                        continue;
                    }
                    let (Some(rule), Some(n)) = (parent, e.number(row)) else {
                        continue;
                    };
                    let Some((kept_n, lost_n)) = numbers.get(rule.parent.as_str()) else {
                        continue;
                    };
                    if lost_n.contains(n) && !kept_n.contains(n) && !sent_before(&rule.parent, n)? {
                        let p = &rule.parent;
                        notes.push((
                            e.file,
                            line,
                            (
                                format!("{dt} → {p}：親の記録が今回エラーで保留されたため、この行も保留しました"),
                                format!("{dt} → {p}: the parent record is withheld this run (see its findings), so this record is too"),
                            ),
                            i.interface.clone(),
                        ));
                    }
                }
            }
        }
        let n = notes.len();
        for (fi, line, text, interface) in notes {
            let rule = if text.1.contains(" → ") {
                "batch.parent_withheld"
            } else {
                "batch.user_withheld"
            };
            let column = if rule == "batch.user_withheld" {
                "insured_no"
            } else {
                "external_system_management_number"
            };
            self.scopes.note(
                &mut self.files[fi].1,
                fi,
                line,
                Severity::Error,
                rule,
                Some(column),
                text,
                Scope::Interface(interface.0),
            );
        }
        for (_, f) in self.files.iter_mut() {
            f.findings.sort();
        }
        Ok(n)
    }

    /// Notes every record its spill could not write in the output encoding (a character CP932
    /// cannot hold, a line break) as an error of its row: it is withheld, never a writer error.
    pub(super) fn unwritable(
        &mut self,
        spills: &BTreeMap<super::rows::SpillKey, Spill>,
        registry: &Registry,
    ) {
        for e in self.emitted {
            let Some(spill) = spills.get(&e.key()) else {
                continue;
            };
            let schema = registry
                .spec(&e.spec)
                .and_then(|s| s.schema(e.data_type.as_str()));
            for (row, err) in spill.errors_in(e.first_row, e.len()) {
                let (rule, column) = match err {
                    crate::emit::WriteError::Unencodable { column, .. } => {
                        ("emit.unencodable", column)
                    }
                    crate::emit::WriteError::LineBreak { column, .. } => {
                        ("emit.line_break", column)
                    }
                    _ => ("emit.unwritable", &String::new()),
                };
                let sensitive = schema
                    .and_then(|s| s.item(column))
                    .is_some_and(|i| i.sensitive);
                let (ja, en) = match err {
                    crate::emit::WriteError::Unencodable { ch, .. } if !sensitive => (
                        format!(
                            "{}：「{ch}」（U+{:04X}）は出力の文字コード（CP932）で書けません",
                            e.data_type, *ch as u32
                        ),
                        format!(
                            "{}: {ch:?} (U+{:04X}) cannot be written in CP932, the job's output encoding",
                            e.data_type, *ch as u32
                        ),
                    ),
                    crate::emit::WriteError::Unencodable { .. } => (
                        format!(
                            "{}：出力の文字コード（CP932）で書けない文字があります",
                            e.data_type
                        ),
                        format!(
                            "{}: a character CP932, the job's output encoding, cannot hold",
                            e.data_type
                        ),
                    ),
                    crate::emit::WriteError::LineBreak { .. } => (
                        format!(
                            "{}：値の中に改行があります（LIFEは改行で行を区切ります）",
                            e.data_type
                        ),
                        format!(
                            "{}: a line break inside a value (LIFE ends records at CR)",
                            e.data_type
                        ),
                    ),
                    other => (other.to_string(), other.to_string()),
                };
                let column = (!column.is_empty()).then_some(column.as_str());
                self.scopes.note(
                    &mut self.files[e.file].1,
                    e.file,
                    e.lines[row],
                    Severity::Error,
                    rule,
                    column,
                    (ja, en),
                    Scope::Plan(e.plan),
                );
            }
        }
        for (_, f) in self.files.iter_mut() {
            f.findings.sort();
        }
    }

    /// Withholds the kept records at `rows` (indexes into `iface`'s records) with `finding`:
    /// what the LIFE file written from them showed wrong.
    pub(super) fn withhold_written(
        &mut self,
        iface: &mut Iface<'e>,
        rows: &[usize],
        rule: &'static str,
        text: &dyn Fn() -> (String, String),
    ) {
        let mut at = Vec::new();
        let mut start = 0;
        for e in &iface.parts {
            for &r in rows {
                if (start..start + e.len()).contains(&r) {
                    at.push((e.file, e.lines[r - start], e.plan));
                }
            }
            start += e.len();
        }
        for &r in rows {
            iface.keep[r] = false;
        }
        for (fi, line, plan) in at {
            self.scopes.note(
                &mut self.files[fi].1,
                fi,
                line,
                Severity::Error,
                rule,
                None,
                text(),
                Scope::Plan(plan),
            );
        }
        for (_, f) in self.files.iter_mut() {
            f.findings.sort();
        }
    }

    /// Vendor rows with a record withheld, by the rules withholding them (for the metrics).
    pub(super) fn rejected(
        &self,
        ifaces: &[Iface<'e>],
    ) -> BTreeMap<(usize, u64), BTreeSet<&'static str>> {
        let index = self.index();
        let mut out: BTreeMap<(usize, u64), BTreeSet<&'static str>> = BTreeMap::new();
        for i in ifaces {
            let mut k = i.keep.iter();
            for e in &i.parts {
                let checks = &self.files[e.file].1.findings.checks;
                for &line in &e.lines {
                    if *k.next().unwrap_or(&true) {
                        continue;
                    }
                    let rules = self.reasons(&index, e, line).into_iter();
                    out.entry((e.file, line))
                        .or_default()
                        .extend(rules.map(|c| checks[c as usize].rule));
                }
            }
        }
        out
    }

    /// quarantine.csv's lines for the records withheld (each with the checks that withheld
    /// it, rule and item) and the rows that gave no record.
    pub(super) fn quarantine(&self, ifaces: &[Iface<'e>], out: &mut Vec<QuarantineLine>) {
        let index = self.index();
        for i in ifaces {
            let dt = &i.interface.0;
            let mut k = i.keep.iter();
            for e in &i.parts {
                let f = &self.files[e.file].1;
                for &line in &e.lines {
                    if *k.next().unwrap_or(&true) {
                        continue;
                    }
                    let mut text: Vec<String> = Vec::new();
                    for c in self.reasons(&index, e, line) {
                        let c = &f.findings.checks[c as usize];
                        let w = match &c.column {
                            Some(col) => format!("{} {col}", c.rule),
                            None => c.rule.to_string(),
                        };
                        if !text.contains(&w) {
                            text.push(w);
                        }
                    }
                    out.push((
                        f.path.clone(),
                        line,
                        format!("{dt}: {}", text.join("; ")),
                        Vec::new(),
                    ));
                }
            }
            // Rows that gave it no record.
            for &(fi, line) in &i.lost {
                let path = self.files[fi].1.path.clone();
                out.push((path, line, format!("{dt}: batch.no_record"), Vec::new()));
            }
        }
    }
}

/// The users the ledger knows from earlier months (none without a ledger).
pub(super) fn known_users(
    ledger: Option<&Ledger>,
    facility: &str,
    month: &str,
) -> Result<HashSet<String>, RunError> {
    Ok(match ledger {
        Some(l) => l.known_users(facility, month)?,
        None => HashSet::new(),
    })
}
