//! Rules across the files of one facility and across months: users and parents that must
//! exist (in this run or, per the ledger, an earlier month), keys unique across files, and the
//! due calendar.

use std::collections::{BTreeSet, HashSet};

use foldhash::{HashMap as FastMap, HashSet as Fast};

use super::Month;
use super::error::RunError;
use super::rows::{Emitted, Users, month_index, month_number};
use super::scope::{Scope, Scopes};
use crate::ledger::Ledger;
use crate::metrics::DueStats;
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
    /// `batch.number_reused`: a LIFE file's own 外部システム管理番号 that an earlier month's
    /// submission (ledger) gave another user.
    Reused(&'a DataType),
}

/// Cross-file rules within a facility: a form row's user must be in this batch's
/// SERVICE_USER_INFO or one sent in an earlier month (ledger); 外部システム管理番号 must be
/// unique per interface across the facility's files (within a file, `key.duplicate` says it);
/// a number kept from a LIFE file (`life`, by source) must not be another user's in the ledger.
#[allow(clippy::too_many_arguments)]
pub(super) fn cross_file_checks(
    files: &mut [(usize, FileIngest)],
    life: &[bool],
    emitted: &[Emitted],
    users: &Users,
    facility: &FacilityId,
    month: Month,
    ledger: Option<&Ledger>,
    parents: &[crate::spec::ParentRule],
    scopes: &mut Scopes,
) -> Result<(), RunError> {
    let (facility, month) = (facility.as_str(), month.compact());
    let before: HashSet<String> = match ledger {
        Some(l) => l.known_users(facility, &month)?,
        None => HashSet::new(),
    };
    let here: Fast<u32> = emitted
        .iter()
        .filter(|e| e.data_type.is_service_user_info())
        .flat_map(|e| e.user_ids().flatten())
        .collect();
    let known = |u: u32| here.contains(&u) || before.contains(users.key(u));
    // The numbers of every parent interface in this run.
    let mut parent_numbers: FastMap<&str, Fast<&str>> = FastMap::default();
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
    let mut first_seen: FastMap<(&str, &str), usize> = FastMap::default();
    for e in emitted {
        let fi = e.file;
        for (number, &line) in e.numbers().zip(&e.lines) {
            let Some(number) = number else { continue };
            match first_seen.get(&(e.data_type.as_str(), number)) {
                Some(&other) if other != fi => {
                    misses.push((fi, line, Miss::Duplicate(&e.data_type)))
                }
                Some(_) => {}
                None => {
                    first_seen.insert((e.data_type.as_str(), number), fi);
                }
            }
        }
        if let Some(l) = ledger
            && life.get(files[fi].0).copied().unwrap_or(false)
        {
            for ((number, user), &line) in e.numbers().zip(e.user_ids()).zip(&e.lines) {
                let (Some(number), Some(user)) = (number, user) else {
                    continue;
                };
                let owner = l.owner(facility, e.data_type.as_str(), number, &month)?;
                if owner.is_some_and(|k| k != users.key(user)) {
                    misses.push((fi, line, Miss::Reused(&e.data_type)));
                }
            }
        }
        if let Some(rule) = parents.iter().find(|r| r.child == e.data_type.as_str()) {
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
        let (rule, column, ja, en, data_type) = match miss {
            Miss::Parent(child, parent) => (
                "batch.parent_missing",
                "external_system_management_number",
                format!("{child} → {parent}：親の記録が今回のデータにも過去の提出にもありません"),
                format!(
                    "{child} → {parent}: the parent record is in neither this run nor an earlier month"
                ),
                child,
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
                data_type,
            ),
            Miss::Reused(data_type) => (
                "batch.number_reused",
                "external_system_management_number",
                format!(
                    "{data_type}の外部システム管理番号は、過去の提出で別の利用者の記録に使われています（番号は変えずにそのまま送りません）"
                ),
                format!(
                    "{data_type}: this 外部システム管理番号 was another user's record in an earlier month's submission (not renumbered: withheld)"
                ),
                data_type,
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
                data_type,
            ),
        };
        scopes.note(
            &mut files[fi].1,
            fi,
            line,
            Severity::Error,
            rule,
            Some(column),
            (ja, en),
            Scope::Interface(data_type.clone()),
        );
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
        let present: Fast<u32> = emitted
            .iter()
            .filter(|e| rule.data_types.iter().any(|d| d == e.data_type.as_str()))
            .flat_map(|e| e.user_ids().flatten())
            .collect();
        let mut due = DueStats {
            name: rule.name.clone(),
            ..DueStats::default()
        };
        let mut in_service = BTreeSet::new();
        for e in emitted
            .iter()
            .filter(|e| e.data_type.is_service_user_info())
        {
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
        let c = findings.check_once(
            "due.missing",
            Severity::Warning,
            None,
            format!("{name}：この利用者は今月提出が必要です（{why}）が、今回のデータにありません"),
            en,
        );
        findings.push(line, c, None);
    }
    for (_, f) in files.iter_mut() {
        f.findings.sort();
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Submitted;
    use crate::run::rows::tests::{Row, emitted};
    use crate::spec::ParentRule;

    const USERS: &str = "SERVICE_USER_INFO";
    const FORM: &str = "FORM_0000_2021";

    fn office() -> FacilityId {
        FacilityId::new("0000000001")
    }

    fn october() -> Month {
        Month::parse("2026-10").unwrap()
    }

    fn files(n: usize) -> Vec<(usize, FileIngest)> {
        (0..n)
            .map(|i| {
                let f = FileIngest::empty(&format!("file{i}.csv"));
                (0, f)
            })
            .collect()
    }

    /// Every finding: (file, line, rule, English message).
    fn found(files: &[(usize, FileIngest)]) -> Vec<(usize, u64, &'static str, String)> {
        let mut out = Vec::new();
        for (fi, (_, f)) in files.iter().enumerate() {
            for x in &f.findings.findings {
                let c = &f.findings.checks[x.check as usize];
                out.push((fi, x.line, c.rule, c.message_en.clone()));
            }
        }
        out
    }

    fn user(line: u64, number: &'static str, insured: &'static str) -> Row {
        (line, number, Some(insured), None, None)
    }

    /// A ledger that was sent `rows` of `data_type` in `month`.
    fn sent(ledger: &Ledger, data_type: &str, month: &str, rows: &[(&str, &str)]) {
        let keys: Vec<(String, &str)> = rows
            .iter()
            .map(|(number, insured)| (ledger.user_key("999999", insured), *number))
            .collect();
        let rows = keys.iter().map(|(key, number)| {
            Ok(Submitted {
                number,
                content_hash: [0; 32],
                user_key: key,
            })
        });
        ledger
            .record(office().as_str(), month, [(data_type, rows)])
            .unwrap();
    }

    #[test]
    fn a_form_rows_user_must_be_in_this_runs_or_an_earlier_users() {
        let mut users = Users::default();
        let parts = vec![
            emitted(0, USERS, &[user(2, "U1", "1001")], &mut users, None),
            emitted(
                1,
                FORM,
                &[user(2, "K1", "1001"), user(3, "K2", "1002")],
                &mut users,
                None,
            ),
        ];
        let mut fs = files(2);
        cross_file_checks(
            &mut fs,
            &[],
            &parts,
            &users,
            &office(),
            october(),
            None,
            &[],
            &mut Scopes::default(),
        )
        .unwrap();
        assert_eq!(
            found(&fs),
            [(
                1,
                3,
                "batch.user_missing",
                format!(
                    "{FORM}: the user is in no SERVICE_USER_INFO of this batch or of an earlier month"
                )
            )]
        );

        // Sent in September: known.
        let tmp = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&tmp.path().join("ledger.sqlite")).unwrap();
        sent(&ledger, USERS, "202609", &[("U2", "1002")]);
        let mut users = Users::default();
        let parts = vec![emitted(
            1,
            FORM,
            &[user(3, "K2", "1002"), user(4, "K3", "1003")],
            &mut users,
            Some(&ledger),
        )];
        let mut fs = files(2);
        let month = october();
        cross_file_checks(
            &mut fs,
            &[],
            &parts,
            &users,
            &office(),
            month,
            Some(&ledger),
            &[],
            &mut Scopes::default(),
        )
        .unwrap();
        let lines: Vec<u64> = found(&fs).iter().map(|f| f.1).collect();
        assert_eq!(lines, [4], "only the user the ledger has never seen");
    }

    #[test]
    fn a_number_from_two_files_is_a_duplicate_in_one_file_it_is_not() {
        let mut users = Users::default();
        let k = |line, number| (line, number, None, None, None);
        let parts = vec![
            emitted(0, FORM, &[k(2, "K1"), k(3, "K1")], &mut users, None),
            emitted(1, FORM, &[k(2, "K2"), k(5, "K1")], &mut users, None),
            // Another interface may use the same number.
            emitted(1, "FORM_0001_2021", &[k(6, "K1")], &mut users, None),
        ];
        let mut fs = files(2);
        cross_file_checks(
            &mut fs,
            &[],
            &parts,
            &users,
            &office(),
            october(),
            None,
            &[],
            &mut Scopes::default(),
        )
        .unwrap();
        let found: Vec<(usize, u64, &str)> = found(&fs)
            .into_iter()
            .map(|(fi, line, rule, _)| (fi, line, rule))
            .collect();
        assert_eq!(found, [(1, 5, "batch.duplicate_key")]);
    }

    #[test]
    fn a_childs_parent_must_be_in_this_run_or_sent_before() {
        let parents = [ParentRule {
            child: "FORM_CHILD".into(),
            parent: "FORM_PARENT".into(),
        }];
        let k = |line, number| (line, number, None, None, None);
        let tmp = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&tmp.path().join("ledger.sqlite")).unwrap();
        sent(&ledger, "FORM_PARENT", "202609", &[("P3", "1003")]);
        let mut users = Users::default();
        let parts = vec![
            emitted(0, "FORM_PARENT", &[k(2, "P1")], &mut users, None),
            emitted(
                1,
                "FORM_CHILD",
                &[k(2, "P1"), k(3, "P2"), k(4, "P3")],
                &mut users,
                None,
            ),
        ];
        let mut fs = files(2);
        let (fac, month) = (office(), october());
        cross_file_checks(
            &mut fs,
            &[],
            &parts,
            &users,
            &fac,
            month,
            Some(&ledger),
            &parents,
            &mut Scopes::default(),
        )
        .unwrap();
        assert_eq!(
            found(&fs),
            [(
                1,
                3,
                "batch.parent_missing",
                "FORM_CHILD → FORM_PARENT: the parent record is in neither this run nor an earlier month".to_string()
            )]
        );
    }

    #[test]
    fn a_ledger_that_cannot_answer_fails_the_office() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("ledger.sqlite");
        let ledger = Ledger::open(&path).unwrap();
        rusqlite::Connection::open(&path)
            .unwrap()
            .execute("DROP TABLE months", [])
            .unwrap();
        let mut fs = files(1);
        let e = cross_file_checks(
            &mut fs,
            &[],
            &[],
            &Users::default(),
            &office(),
            october(),
            Some(&ledger),
            &[],
            &mut Scopes::default(),
        )
        .unwrap_err();
        assert!(matches!(e, RunError::Ledger(_)), "{e:?}");
        assert!(e.to_string().contains("ledger.sqlite"), "{e}");
    }

    /// A rule whose interface is `FORM`.
    fn rule() -> crate::spec::DueRule {
        crate::spec::DueRule {
            name: "テスト加算".into(),
            data_types: vec![FORM.into()],
            titles: Vec::new(),
            every_months: Some(6),
            at_start: true,
            at_end: true,
            after_first_months: vec![3],
        }
    }

    #[test]
    fn users_due_this_month_without_an_assessment_are_warned() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&tmp.path().join("ledger.sqlite")).unwrap();
        sent(&ledger, FORM, "202604", &[("K4", "1004")]); // 6 months ago
        sent(&ledger, FORM, "202607", &[("K5", "1005"), ("K6", "1006")]); // 3 months ago
        sent(&ledger, FORM, "202605", &[("K6", "1006")]); // … but first in May
        let mut users = Users::default();
        let l = Some(&ledger);
        let s = |line, insured, start, end| (line, "U", Some(insured), start, end);
        let service = [
            s(2, "1001", Some("20261015"), None),             // starts: due
            s(3, "1002", Some("20261001"), None),             // starts, but assessed in this run
            s(4, "1003", Some("20260101"), Some("20260930")), // ended: not in service
            s(5, "1004", Some("20250101"), None),             // 6 months since the last one: due
            s(6, "1005", Some("20250101"), None),             // 3 months after the first: due
            s(7, "1006", Some("20250101"), None),             // first 5 months ago, last 3: not due
            s(8, "1007", Some("20250101"), Some("20261031")), // ends: due
            s(9, "1001", Some("20261015"), None),             // the first user again: once
            s(10, "1008", Some("20250101"), None),            // never sent: the tool cannot tell
        ];
        let parts = vec![
            emitted(0, USERS, &service, &mut users, l),
            emitted(1, FORM, &[user(2, "K2", "1002")], &mut users, l),
        ];
        let mut fs = files(2);
        let fed = BTreeSet::from([FORM]);
        let (fac, month) = (office(), october());
        let counts = due_checks(
            &mut fs,
            &parts,
            &users,
            &fac,
            month,
            &[rule()],
            &fed,
            &ledger,
        )
        .unwrap();
        assert_eq!(
            counts,
            [DueStats {
                name: "テスト加算".into(),
                submitted: 1,
                missing: 4,
            }]
        );
        let found = found(&fs);
        let lines: Vec<u64> = found.iter().map(|f| f.1).collect();
        assert_eq!(lines, [2, 5, 6, 8]);
        assert!(found.iter().all(|f| f.0 == 0 && f.2 == "due.missing"));
        for (line, why) in [
            (2, "service starts this month"),
            (5, "last sent 6 months ago (at least every 6)"),
            (6, "3 months after the evaluation start"),
            (8, "service ends this month"),
        ] {
            let f = found.iter().find(|f| f.1 == line).unwrap();
            assert!(f.3.contains(why), "{line}: {}", f.3);
        }
    }

    #[test]
    fn rules_of_interfaces_the_office_does_not_feed_are_not_checked() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&tmp.path().join("ledger.sqlite")).unwrap();
        let mut users = Users::default();
        let service = [(2, "U", Some("1001"), Some("20261001"), None)];
        let parts = vec![emitted(0, USERS, &service, &mut users, Some(&ledger))];
        let mut fs = files(1);
        let fed = BTreeSet::from(["FORM_0001_2021"]);
        let (fac, month) = (office(), october());
        let counts = due_checks(
            &mut fs,
            &parts,
            &users,
            &fac,
            month,
            &[rule()],
            &fed,
            &ledger,
        )
        .unwrap();
        assert!(counts.is_empty());
        assert!(found(&fs).is_empty());
    }
}
