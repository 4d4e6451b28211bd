//! Rules across the files of one facility and across months: users and parents that must
//! exist (in this run or, per the ledger, an earlier month), keys unique across files, and the
//! due calendar.

use std::collections::{BTreeSet, HashMap};

use polars::prelude::*;

use super::{Month, lines};
use crate::ledger::{DueStats, Ledger};
use crate::normalize::ingest::FileIngest;
use crate::validate::Severity;

/// Cross-file rules within a facility: a form row's user must be in this batch's
/// SERVICE_USER_INFO or one sent in an earlier month (ledger); 外部システム管理番号 must be
/// unique per interface across the facility's files (within a file, `key.duplicate` says it).
pub(super) fn cross_file_checks(
    files: &mut [(usize, FileIngest)],
    facility: &str,
    month: Month,
    ledger: Option<&Ledger>,
    parents: &[crate::spec::ParentRule],
) -> Result<(), String> {
    let user = |a: &str, b: &str| match ledger {
        Some(l) => l.user_key(a, b),
        None => format!("{a}/{b}"),
    };
    let mut known: BTreeSet<String> = match ledger {
        Some(l) => l
            .known_users(facility, &month.compact())
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect(),
        None => BTreeSet::new(),
    };
    for (_, f) in files.iter() {
        for p in f
            .parts
            .iter()
            .filter(|p| p.facility == facility && p.data_type == "SERVICE_USER_INFO")
        {
            let (a, b) = (p.frame.column("insurer_no"), p.frame.column("insured_no"));
            if let (Ok(a), Ok(b)) = (a, b)
                && let (Ok(a), Ok(b)) = (a.str(), b.str())
            {
                known.extend(
                    a.iter()
                        .zip(b.iter())
                        .filter_map(|(a, b)| Some(user(a?, b?))),
                );
            }
        }
    }
    // The numbers of every parent interface in this run.
    let mut parent_numbers: HashMap<String, BTreeSet<String>> = HashMap::new();
    for rule in parents {
        let set = parent_numbers.entry(rule.parent.clone()).or_default();
        for (_, f) in files.iter() {
            for p in f
                .parts
                .iter()
                .filter(|p| p.facility == facility && p.data_type == rule.parent)
            {
                if let Ok(c) = p.frame.column("external_system_management_number")
                    && let Ok(c) = c.str()
                {
                    set.extend(c.iter().flatten().map(str::to_string));
                }
            }
        }
    }
    // (file index, line, rule, data type) of each miss, then the findings.
    let mut misses: Vec<(usize, u64, &'static str, String)> = Vec::new();
    let mut first_seen: HashMap<(String, String), (usize, u64)> = HashMap::new();
    for (fi, (_, f)) in files.iter().enumerate() {
        for p in f.parts.iter().filter(|p| p.facility == facility) {
            let col = |n: &str| p.frame.column(n).ok().and_then(|c| c.str().ok());
            let lines = lines(&p.frame);
            if let Some(numbers) = col("external_system_management_number") {
                for (number, &line) in numbers.iter().zip(&lines) {
                    let Some(number) = number else { continue };
                    let key = (p.data_type.clone(), number.to_string());
                    match first_seen.get(&key) {
                        Some(&(other, _)) if other != fi => {
                            misses.push((fi, line, "batch.duplicate_key", p.data_type.clone()))
                        }
                        Some(_) => {}
                        None => {
                            first_seen.insert(key, (fi, line));
                        }
                    }
                }
            }
            if let Some(rule) = parents.iter().find(|r| r.child == p.data_type)
                && let Some(numbers) = col("external_system_management_number")
            {
                for (number, &line) in numbers.iter().zip(&lines) {
                    let Some(number) = number else { continue };
                    let here = parent_numbers
                        .get(&rule.parent)
                        .is_some_and(|s| s.contains(number));
                    // The ledger is asked only about parents not in this month's files.
                    let before = match ledger {
                        Some(l) if !here => l
                            .was_sent(facility, &rule.parent, number, &month.compact())
                            .map_err(|e| e.to_string())?,
                        _ => false,
                    };
                    if !here && !before {
                        misses.push((
                            fi,
                            line,
                            "batch.parent_missing",
                            format!("{} → {}", p.data_type, rule.parent),
                        ));
                    }
                }
            }
            if p.data_type == "SERVICE_USER_INFO" {
                continue;
            }
            if let (Some(a), Some(b)) = (col("insurer_no"), col("insured_no")) {
                for ((a, b), &line) in a.iter().zip(b.iter()).zip(&lines) {
                    if let (Some(a), Some(b)) = (a, b)
                        && !known.contains(&user(a, b))
                    {
                        misses.push((fi, line, "batch.user_missing", p.data_type.clone()));
                    }
                }
            }
        }
    }
    for (fi, line, rule, data_type) in misses {
        let findings = &mut files[fi].1.findings;
        let (column, ja, en) = match rule {
            "batch.parent_missing" => (
                "external_system_management_number",
                format!("{data_type}：親の記録が今回のデータにも過去の提出にもありません"),
                format!(
                    "{data_type}: the parent record is in neither this run nor an earlier month"
                ),
            ),
            "batch.user_missing" => (
                "insured_no",
                format!(
                    "{data_type}の利用者が利用者情報（SERVICE_USER_INFO）にありません（今回も過去の提出にも）"
                ),
                format!(
                    "{data_type}: the user is in no SERVICE_USER_INFO of this batch or of an earlier month"
                ),
            ),
            _ => (
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

/// Months since year 0 of a `YYYYMMDD` or `YYYYMM` value.
fn month_number(s: &str) -> Option<i64> {
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: i64 = s.get(4..6)?.parse().ok()?;
    (1..=12).contains(&m).then_some(y * 12 + m - 1)
}

/// The due calendar: a user of this month's SERVICE_USER_INFO who is due for an add-on's
/// submission (schemas/due.toml) without a row of its interfaces in this run gets a
/// `due.missing` warning on the user's row. Only rules whose interfaces the facility's
/// profiles feed are checked; "every N months" counts from the ledger's last submission (a user
/// the ledger has never seen is not called due by it: the tool cannot know what was sent before).
pub(super) fn due_checks(
    files: &mut [(usize, FileIngest)],
    facility: &str,
    month: Month,
    rules: &[crate::spec::DueRule],
    fed: &BTreeSet<&str>,
    ledger: &Ledger,
) -> Result<Vec<DueStats>, String> {
    let target = (month.year as i64) * 12 + month.month as i64 - 1;
    let rules: Vec<&crate::spec::DueRule> = rules
        .iter()
        .filter(|r| r.data_types.iter().any(|d| fed.contains(d.as_str())))
        .collect();
    if rules.is_empty() {
        return Ok(Vec::new());
    }
    let mut counts = Vec::new();
    let user_of = |frame: &DataFrame, i: usize| -> Option<String> {
        let a = frame.column("insurer_no").ok()?.str().ok()?.get(i)?;
        let b = frame.column("insured_no").ok()?.str().ok()?.get(i)?;
        Some(ledger.user_key(a, b))
    };
    let mut notes: Vec<(usize, u64, String, String)> = Vec::new();
    for rule in rules {
        let present: BTreeSet<String> = files
            .iter()
            .flat_map(|(_, f)| f.parts.iter())
            .filter(|p| p.facility == facility && rule.data_types.contains(&p.data_type))
            .flat_map(|p| {
                (0..p.frame.height())
                    .filter_map(|i| user_of(&p.frame, i))
                    .collect::<Vec<_>>()
            })
            .collect();
        let mut due = DueStats {
            name: rule.name.clone(),
            ..DueStats::default()
        };
        let mut in_service = BTreeSet::new();
        for (fi, (_, f)) in files.iter().enumerate() {
            for p in f
                .parts
                .iter()
                .filter(|p| p.facility == facility && p.data_type == "SERVICE_USER_INFO")
            {
                let date = |name: &str, i: usize| {
                    p.frame
                        .column(name)
                        .ok()
                        .and_then(|c| c.str().ok())
                        .and_then(|c| c.get(i))
                        .and_then(month_number)
                };
                for (i, line) in lines(&p.frame).into_iter().enumerate() {
                    let (start, end) = (date("start_date", i), date("end_date", i));
                    if start.is_some_and(|s| s > target) || end.is_some_and(|e| e < target) {
                        continue; // not in service this month
                    }
                    let Some(user) = user_of(&p.frame, i) else {
                        continue;
                    };
                    if !in_service.insert(user.clone()) {
                        continue; // the same user on two rows: counted once
                    }
                    if present.contains(&user) {
                        due.submitted += 1;
                        continue;
                    }
                    let history = ledger
                        .user_months(facility, &rule.data_types, &user, &month.compact())
                        .map_err(|e| e.to_string())?;
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
