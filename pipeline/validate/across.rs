//! Rules across the LIFE files `validate` is given (a folder, or several paths), by office
//! (`care_facility_id` of the rows): a form row's user must be in a SERVICE_USER_INFO row,
//! a child row's parent in a parent file (`schemas/parents.toml`), and a record's key must
//! not come from two files. The rule ids are those of `lifeline run` (`batch.*`); a file knows
//! only what is in the files given, not what was sent in earlier months.
//!
//! Each file gives only hashes of its rows' keys ([`FileKeys`]), never rows or values, so a
//! folder of any size costs a few dozen bytes per row.

use std::collections::{HashMap, HashSet};
use std::hash::BuildHasher;

use polars::prelude::*;

use super::rules::{key_bytes, key_columns};
use super::{FileReport, Findings, Severity};
use crate::spec::rules::Rule;
use crate::spec::{ParentRule, Schema};

const USERS: &str = "SERVICE_USER_INFO";
const NUMBER: &str = "external_system_management_number";
const OFFICE: &str = "care_facility_id";
const INSURER: &str = "insurer_no";
const INSURED: &str = "insured_no";

/// What the cross-file rules need of one file: per row, hashes of its office with its user,
/// its key and its management number.
#[derive(Debug, Clone, Default)]
pub struct FileKeys {
    data_type: String,
    /// Whether the file has the user columns (insurer_no and insured_no).
    has_users: bool,
    rows: Vec<RowKeys>,
}

#[derive(Debug, Clone, Copy)]
struct RowKeys {
    line: u64,
    /// (office, insurer_no, insured_no), when insured_no is filled.
    user: Option<u64>,
    /// The key of the interface's `unique` rule (the one `key.duplicate` checks in a file),
    /// which holds the office.
    key: Option<u64>,
    /// (office, external_system_management_number): what a child names its parent by.
    number: Option<u64>,
}

/// A value that counts as filled: not empty and not the single-space clear marker.
fn filled(v: Option<&str>) -> Option<&str> {
    v.filter(|s| !s.is_empty() && *s != " ")
}

fn hash(parts: &[Option<&str>]) -> u64 {
    let mut bytes = Vec::new();
    for p in parts {
        match p {
            None => bytes.push(0xFE),
            Some(s) => bytes.extend_from_slice(s.as_bytes()),
        }
        bytes.push(0xFF);
    }
    foldhash::fast::FixedState::default().hash_one(&bytes)
}

/// The values of a column of the interface, or all `None` when the file lacks it.
fn column<'f>(frame: &'f DataFrame, schema: &Schema, name: &str, n: usize) -> Vec<Option<&'f str>> {
    match frame.column(name).ok().and_then(|c| c.str().ok()) {
        Some(ca) if schema.item(name).is_some() => ca.iter().collect(),
        _ => vec![None; n],
    }
}

impl FileKeys {
    /// The keys of a validated frame of `data_type` (`lines`: each row's line).
    pub fn of(
        frame: &DataFrame,
        lines: &[u64],
        data_type: &str,
        schema: &Schema,
        rules: &[Rule],
    ) -> FileKeys {
        let column = |name: &str| column(frame, schema, name, lines.len());
        let present = |name: &str| {
            schema.item(name).is_some() && frame.column(name).is_ok_and(|c| c.str().is_ok())
        };
        let has_users = present(INSURER) && present(INSURED);
        let (office, insurer, insured, number) = (
            column(OFFICE),
            column(INSURER),
            column(INSURED),
            column(NUMBER),
        );
        let key_cols = rules.iter().find_map(|r| match r {
            Rule::Unique { columns, .. } => key_columns(columns, schema, frame),
            _ => None,
        });
        let key_values: Vec<Vec<Option<&str>>> = key_cols
            .iter()
            .flatten()
            .map(|c| column(c.as_str()))
            .collect();
        let mut key = Vec::new();
        let rows = lines
            .iter()
            .enumerate()
            .map(|(i, &line)| {
                let o = filled(office[i]);
                RowKeys {
                    line,
                    user: (has_users && filled(insured[i]).is_some())
                        .then(|| hash(&[o, filled(insurer[i]), filled(insured[i])])),
                    key: (key_cols.is_some() && key_bytes(&key_values, i, &mut key))
                        .then(|| foldhash::fast::FixedState::default().hash_one(&key)),
                    number: filled(number[i]).map(|n| hash(&[o, Some(n)])),
                }
            })
            .collect();
        FileKeys {
            data_type: data_type.to_string(),
            has_users,
            rows,
        }
    }

    /// Adds the keys of the rows after these (the next part of the same file).
    pub fn append(&mut self, after: FileKeys) {
        self.rows.extend(after.rows);
    }

    fn is_users(&self) -> bool {
        self.data_type == USERS
    }

    fn is_form(&self) -> bool {
        !self.is_users() && self.has_users
    }
}

/// Registers a check once per file (by rule and English message) and gives its index.
fn check(
    f: &mut Findings,
    rule: &'static str,
    severity: Severity,
    column: Option<&str>,
    (ja, en): (String, String),
) -> u32 {
    match f
        .checks
        .iter()
        .position(|c| c.rule == rule && c.message_en == en)
    {
        Some(i) => i as u32,
        None => f.check(rule, severity, column, ja, en),
    }
}

/// The cross-file rules over `reports`; `keys[i]` are the keys of `reports[i]` (`None`: a file
/// whose interface is not known, which no rule can use). Findings go into the report of the
/// file they are about.
pub fn cross_file_checks(
    reports: &mut [FileReport],
    keys: &[Option<FileKeys>],
    parents: &[ParentRule],
) {
    let files: Vec<(usize, &FileKeys)> = keys
        .iter()
        .enumerate()
        .filter_map(|(i, k)| k.as_ref().map(|k| (i, k)))
        .collect();
    duplicates(reports, &files);
    missing_parents(reports, &files, parents);
    missing_users(reports, &files);
    for r in reports.iter_mut() {
        r.findings.sort();
    }
}

/// `batch.duplicate_key`: a key of an interface that an earlier file has too, on the first row
/// of each later file that has it (a repeat inside one file is `key.duplicate`'s).
fn duplicates(reports: &mut [FileReport], files: &[(usize, &FileKeys)]) {
    let mut first: HashMap<(&str, u64), (usize, u64)> = HashMap::new();
    let mut found = Vec::new();
    for &(fi, k) in files {
        let mut here = HashSet::new();
        for row in &k.rows {
            let Some(key) = row.key else { continue };
            if !here.insert(key) {
                continue;
            }
            match first.get(&(k.data_type.as_str(), key)) {
                Some(&(other, line)) => found.push((fi, row.line, &k.data_type, other, line)),
                None => {
                    first.insert((k.data_type.as_str(), key), (fi, row.line));
                }
            }
        }
    }
    for (fi, line, data_type, other, other_line) in found {
        let value = format!("first in {}, line {other_line}", reports[other].path);
        let f = &mut reports[fi].findings;
        let c = check(
            f,
            "batch.duplicate_key",
            Severity::Error,
            Some(NUMBER),
            (
                format!(
                    "{data_type}の外部システム管理番号が同じ事業所の別のファイルと重複しています"
                ),
                format!(
                    "{data_type}: the same 外部システム管理番号 comes from another file of this facility"
                ),
            ),
        );
        f.push(line, c, Some(&value));
    }
}

/// `batch.parent_missing`: a child row whose number is in no row of its parent's files, when
/// a file of the parent interface is among those given.
fn missing_parents<'a>(
    reports: &mut [FileReport],
    files: &[(usize, &FileKeys)],
    parents: &'a [ParentRule],
) {
    for rule in parents {
        let of = |dt: &'a str| files.iter().filter(move |(_, k)| k.data_type == dt);
        if of(&rule.parent).next().is_none() {
            continue;
        }
        let numbers: HashSet<u64> = of(&rule.parent)
            .flat_map(|(_, k)| k.rows.iter().filter_map(|r| r.number))
            .collect();
        for &(fi, k) in of(&rule.child) {
            let f = &mut reports[fi].findings;
            for row in &k.rows {
                let Some(n) = row.number else { continue };
                if numbers.contains(&n) {
                    continue;
                }
                let (child, parent) = (&rule.child, &rule.parent);
                let c = check(
                    f,
                    "batch.parent_missing",
                    Severity::Error,
                    Some(NUMBER),
                    (
                        format!("{child} → {parent}：親の記録が指定されたファイルにありません"),
                        format!(
                            "{child} → {parent}: the parent record is in none of the files given"
                        ),
                    ),
                );
                f.push(row.line, c, None);
            }
        }
    }
}

/// `batch.user_missing`: a form row whose user is in no SERVICE_USER_INFO row of its office;
/// without a SERVICE_USER_INFO file among those given, `batch.users_unchecked` once per form
/// file instead.
fn missing_users(reports: &mut [FileReport], files: &[(usize, &FileKeys)]) {
    let given = files.iter().any(|(_, k)| k.is_users() && k.has_users);
    let users: HashSet<u64> = files
        .iter()
        .filter(|(_, k)| k.is_users())
        .flat_map(|(_, k)| k.rows.iter().filter_map(|r| r.user))
        .collect();
    for &(fi, k) in files.iter().filter(|(_, k)| k.is_form()) {
        let f = &mut reports[fi].findings;
        let dt = &k.data_type;
        if !given {
            let c = check(
                f,
                "batch.users_unchecked",
                Severity::Warning,
                None,
                (
                    format!(
                        "{dt}の利用者を確認できません：指定されたファイルに利用者情報（SERVICE_USER_INFO）がありません"
                    ),
                    format!(
                        "{dt}: its users were not checked: no SERVICE_USER_INFO file is among the files given"
                    ),
                ),
            );
            f.push(0, c, None);
            continue;
        }
        for row in &k.rows {
            let Some(u) = row.user else { continue };
            if users.contains(&u) {
                continue;
            }
            let c = check(
                f,
                "batch.user_missing",
                Severity::Error,
                Some(INSURED),
                (
                    format!(
                        "{dt}の利用者が、指定されたファイルの同じ事業所の利用者情報（SERVICE_USER_INFO）にありません"
                    ),
                    format!(
                        "{dt}: the user is in no SERVICE_USER_INFO row of this facility in the files given"
                    ),
                ),
            );
            f.push(row.line, c, None);
        }
    }
}
