//! Rules across the files of one facility and across months: users and parents that must
//! exist (in this run or, per the ledger, an earlier month), keys unique across files, and the
//! due calendar.

use std::collections::{BTreeSet, HashMap, HashSet};

use super::Month;
use super::error::RunError;
use super::rows::{Emitted, Users, month_index, month_number};
use crate::ledger::{DueStats, Ledger};
use crate::normalize::ingest::FileIngest;
use crate::spec::ids::{DataType, FacilityId};
use crate::validate::Severity;

/// A row a cross-file rule finds wrong, by the interface it is of.
enum Miss<'a> {
    /// `batch.duplicate_key`: its 外部システム管理番号 came from another file first.
    Duplicate(&'a DataType),
    /// `batch.parent_missing`: (child, parent).
    Parent(&'a DataType, &'a str),
    /// `batch.user_missing`.
    User(&'a DataType),
}

/// Cross-file rules within a facility: a form row's user must be in this batch's
/// SERVICE_USER_INFO or one sent in an earlier month (ledger); 外部システム管理番号 must be
/// unique per interface across the facility's files (within a file, `key.duplicate` says it).
pub(super) fn cross_file_checks(
    files: &mut [(usize, FileIngest)],
    emitted: &[Emitted],
    users: &Users,
    facility: &FacilityId,
    month: Month,
    ledger: Option<&Ledger>,
    parents: &[crate::spec::ParentRule],
) -> Result<(), RunError> {
    let (facility, month) = (facility.as_str(), month.compact());
    let before: HashSet<String> = match ledger {
        Some(l) => l.known_users(facility, &month)?,
        None => HashSet::new(),
    };
    let here: HashSet<u32> = emitted
        .iter()
        .filter(|e| e.data_type.is_service_user_info())
        .flat_map(|e| e.user_ids().flatten())
        .collect();
    let known = |u: u32| here.contains(&u) || before.contains(users.key(u));
    // The numbers of every parent interface in this run.
    let mut parent_numbers: HashMap<&str, HashSet<&str>> = HashMap::new();
    for rule in parents {
        let set = parent_numbers.entry(rule.parent.as_str()).or_default();
        for e in emitted
            .iter()
            .filter(|e| e.data_type.as_str() == rule.parent)
        {
            set.extend(e.numbers().flatten());
        }
    }
    // (file index, line) of each miss, then the findings.
    let mut misses: Vec<(usize, u64, Miss)> = Vec::new();
    let mut first_seen: HashMap<(&str, &str), usize> = HashMap::new();
    for e in emitted {
        let fi = e.file;
        for (number, &line) in e.numbers().zip(&e.lines) {
            let Some(number) = number else { continue };
            match first_seen.get(&(e.data_type.as_str(), number)) {
                Some(&other) if other != fi => misses.push((fi, line, Miss::Duplicate(&e.data_type))),
                Some(_) => {}
                None => {
                    first_seen.insert((e.data_type.as_str(), number), fi);
                }
            }
        }
        if let Some(rule) = parents
            .iter()
            .find(|r| r.child == e.data_type.as_str())
        {
            for (number, &line) in e.numbers().zip(&e.lines) {
                let Some(number) = number else { continue };
                let here = parent_numbers
                    .get(rule.parent.as_str())
                    .is_some_and(|s| s.contains(number));
                // The ledger is asked only about parents not in this month's files.
                let before = match ledger {
                    Some(l) if !here => l.was_sent(facility, &rule.parent, number, &month)?,
                    _ => false,
                };
                if !here && !before {
                    misses.push((fi, line, Miss::Parent(&e.data_type, &rule.parent)));
                }
            }
        }
        if e.data_type.is_service_user_info() {
            continue;
        }
        for (user, &line) in e.user_ids().zip(&e.lines) {
            if let Some(u) = user
                && !known(u)
            {
                misses.push((fi, line, Miss::User(&e.data_type)));
            }
        }
    }
    for (fi, line, miss) in misses {
        let findings = &mut files[fi].1.findings;
        let (rule, column, ja, en) = match miss {
            Miss::Parent(child, parent) => (
                "batch.parent_missing",
                "external_system_management_number",
                format!("{child} → {parent}：親の記録が今回のデータにも過去の提出にもありません"),
                format!(
                    "{child} → {parent}: the parent record is in neither this run nor an earlier month"
                ),
            ),
            Miss::User(data_type) => (
                "batch.user_missing",
                "insured_no",
                format!(
                    "{data_type}の利用者が利用者情報（SERVICE_USER_INFO）にありません（今回も過去の提出にも）"
                ),
                format!(
                    "{data_type}: the user is in no SERVICE_USER_INFO of this batch or of an earlier month"
                ),
            ),
            Miss::Duplicate(data_type) => (
                "batch.duplicate_key",
                "external_system_management_number",
                format!(
                    "{data_type}の外部システム管理番号が同じ事業所の別のファイルと重複しています"
                ),
                format!(
                    "{data_type}: the same 外部システム管理番号 comes from another file of this facility"
                ),
            ),
        };
        let c = match findings
            .checks
            .iter()
            .position(|c| c.rule == rule && c.message_en == en)
        {
            Some(i) => i as u32,
            None => findings.check(rule, Severity::Error, Some(column), ja, en),
        };
        findings.push(line, c, None);
    }
    for (_, f) in files.iter_mut() {
        f.findings.sort();
    }
    Ok(())
}

/// The due calendar: a user of this month's SERVICE_USER_INFO who is due for an add-on's
/// submission (schemas/due.toml) without a row of its interfaces in this run gets a
/// `due.missing` warning on the user's row. Only rules whose interfaces the facility's
/// profiles feed are checked; "every N months" counts from the ledger's last submission (a user
/// the ledger has never seen is not called due by it: the tool cannot know what was sent before).
#[allow(clippy::too_many_arguments)]
pub(super) fn due_checks(
    files: &mut [(usize, FileIngest)],
    emitted: &[Emitted],
    users: &Users,
    facility: &FacilityId,
    month: Month,
    rules: &[crate::spec::DueRule],
    fed: &BTreeSet<&str>,
    ledger: &Ledger,
) -> Result<Vec<DueStats>, RunError> {
    let target = month_index(month.year.into(), month.month.into());
    let (facility, month) = (facility.as_str(), month.compact());
    let rules: Vec<&crate::spec::DueRule> = rules
        .iter()
        .filter(|r| r.data_types.iter().any(|d| fed.contains(d.as_str())))
        .collect();
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut counts = Vec::new();
    let mut notes: Vec<(usize, u64, String, String)> = Vec::new();
    for rule in rules {
        let present: HashSet<u32> = emitted
            .iter()
            .filter(|e| rule.data_types.iter().any(|d| d == e.data_type.as_str()))
            .flat_map(|e| e.user_ids().flatten())
            .collect();
        let mut due = DueStats {
            name: rule.name.clone(),
            ..DueStats::default()
        };
        let mut in_service = BTreeSet::new();
        for e in emitted.iter().filter(|e| e.data_type.is_service_user_info()) {
            let fi = e.file;
            for ((&line, &(start, end)), user) in e.lines.iter().zip(&e.service).zip(e.user_ids()) {
                if start.is_some_and(|s| s > target) || end.is_some_and(|e| e < target) {
                    continue; // not in service this month
                }
                let Some(user) = user else {
                    continue;
                };
                if !in_service.insert(user) {
                    continue; // the same user on two rows: counted once
                }
                if present.contains(&user) {
                    due.submitted += 1;
                    continue;
                }
                let user = users.key(user);
                let history = ledger.user_months(facility, &rule.data_types, user, &month)?;
                let (first, last) = match &history {
                    Some((a, b)) => (month_number(a), month_number(b)),
                    None => (None, None),
                };
                let mut why = Vec::new();
                if rule.at_start && start == Some(target) {
                    why.push("service starts this month".to_string());
                }
                if rule.at_end && end == Some(target) {
                    why.push("service ends this month".to_string());
                }
                if let (Some(n), Some(last)) = (rule.every_months, last)
                    && target - last >= n as i64
                {
                    why.push(format!(
                        "last sent {} months ago (at least every {n})",
                        target - last
                    ));
                }
                if let Some(first) = first
                    && rule
                        .after_first_months
                        .iter()
                        .any(|n| target - first == *n as i64)
                {
                    why.push(format!(
                        "{} months after the evaluation start",
                        target - first
                    ));
                }
                if !why.is_empty() {
                    due.missing += 1;
                    notes.push((fi, line, rule.name.clone(), why.join("; ")));
                }
            }
        }
        counts.push(due);
    }
    for (fi, line, name, why) in notes {
        let findings = &mut files[fi].1.findings;
        let en = format!(
            "{name}: this user is due this month ({why}) but has no assessment in this run"
        );
        let c = match findings
            .checks
            .iter()
            .position(|c| c.rule == "due.missing" && c.message_en == en)
        {
            Some(i) => i as u32,
            None => findings.check(
                "due.missing",
                Severity::Warning,
                None,
                format!(
                    "{name}：この利用者は今月提出が必要です（{why}）が、今回のデータにありません"
                ),
                en,
            ),
        };
        findings.push(line, c, None);
    }
    for (_, f) in files.iter_mut() {
        f.findings.sort();
    }
    Ok(counts)
}
