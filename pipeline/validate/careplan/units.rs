//! Send units across the care-plan files of one folder: files sent together share sender,
//! receiver and timestamp (ファイル連番), and a file whose kind must travel with others (1表
//! with its 2表, 3表 and 補足; 6表 予定 with its 7表 and 補足; a 2表 with its 1表 …) is a
//! `careplan.unit` error when one of them is missing from its unit.

use std::collections::{BTreeMap, BTreeSet};

use super::CareplanKeys;
use crate::spec::careplan::Careplan;
use crate::validate::{FileReport, Severity};

/// A send unit: sender, its service type, receiver, its service type, timestamp.
type Unit<'a> = (&'a str, &'a str, &'a str, &'a str, &'a str);

/// Adds `careplan.unit` findings to the reports of care-plan files (`keys[i]` beside
/// `reports[i]`; `None` for files that are not care-plan files).
pub fn send_unit_checks(
    reports: &mut [FileReport],
    keys: &[Option<CareplanKeys>],
    layout: &Careplan,
) {
    // Per unit: the kinds it holds, with their name months.
    let mut units: BTreeMap<Unit<'_>, BTreeSet<(&str, Option<&str>)>> = BTreeMap::new();
    for n in keys.iter().flatten().filter_map(|k| k.name.as_ref()) {
        units
            .entry(n.unit())
            .or_default()
            .insert((n.kind.as_str(), n.month.as_deref()));
    }
    for (report, key) in reports.iter_mut().zip(keys) {
        let Some(n) = key.as_ref().and_then(|k| k.name.as_ref()) else {
            continue;
        };
        let Some(kind) = layout.kind(&n.kind) else {
            continue;
        };
        let held = &units[&n.unit()];
        for partner in &kind.unit_with {
            // A 補足 goes with 1表 under month 000000, with 6表 under the 6表's month.
            let month = match (partner.as_str(), n.kind.as_str()) {
                ("UPHOSOKU", "UP1KYO") => Some(Some("000000")),
                ("UPHOSOKU", _) => Some(n.month.as_deref()),
                _ => None,
            };
            let found = held
                .iter()
                .any(|(k, m)| k == partner && month.is_none_or(|want| *m == want));
            if found {
                continue;
            }
            let f = &mut report.findings;
            let c = f.check(
                "careplan.unit",
                Severity::Error,
                None,
                format!(
                    "同じ送信単位（送信元・送信先・ファイル連番{}）に{}がありません",
                    n.timestamp, partner
                ),
                format!(
                    "{} travels with {partner}, but the folder has no {partner} of the same sender, receiver and timestamp {}",
                    n.kind, n.timestamp
                ),
            );
            f.push(0, c, None);
        }
        report.findings.sort();
    }
}
