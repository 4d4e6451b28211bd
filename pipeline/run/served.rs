//! A `careplan` source: the office's ケアプランデータ連携 files, each validated into the office's
//! findings, and from its 第6表 実績 (UPJSK) of the month the users it served. A served user
//! with no LIFE record in this run, and none sent in the two months before (the ledger), is a
//! `due.missing` warning on their first 実績 line: LIFE's add-ons want every user's data at
//! least every 3 months. Users are matched by 保険者番号 + 被保険者番号 through the same keys as
//! the LIFE rows (the ledger's keyed hash), never kept in clear.

use std::collections::HashSet;
use std::path::PathBuf;

use sha2::{Digest, Sha256};

use super::Month;
use super::error::RunError;
use super::manifest::FileEntry;
use super::rows::{Users, month_index, month_number};
use crate::decode::file::{open_regular, read_text};
use crate::ledger::{Ledger, hex};
use crate::metrics::ServedStats;
use crate::spec::Registry;
use crate::spec::ids::FacilityId;
use crate::validate::careplan::{CareplanKeys, validate_careplan_bytes, validate_careplan_path};
use crate::validate::{FileReport, MAX_FILE_BYTES, Severity};

/// What the office's care-plan files gave.
#[derive(Default)]
pub(super) struct Served {
    pub reports: Vec<FileReport>,
    pub inputs: Vec<FileEntry>,
    pub stats: ServedStats,
    /// The first 実績 line of each served user: (report, line, 保険者番号, 被保険者番号).
    users: Vec<(usize, u64, String, String)>,
}

/// The office and month the 実績 is read for.
pub(super) struct For<'a> {
    pub facility: &'a FacilityId,
    pub month: Month,
    pub registry: &'a Registry,
    pub ledger: Option<&'a Ledger>,
}

/// Validates `files`, and takes from their 実績 the users served.
pub(super) fn read(files: &[(String, PathBuf)], at: &For<'_>) -> Result<Served, RunError> {
    let mut out = Served::default();
    let mut seen = HashSet::new();
    for (shown, path) in files {
        let cannot_read = |source| RunError::Read {
            path: path.clone(),
            source,
        };
        let (mut file, len) = open_regular(path).map_err(cannot_read)?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
        let (mut report, keys) = if len > MAX_FILE_BYTES {
            // Reported as too large without being read, as `validate` does; hashed as it streams.
            let mut hash = Sha256::new();
            let mut block = vec![0u8; 1 << 20];
            loop {
                let n = std::io::Read::read(&mut file, &mut block).map_err(cannot_read)?;
                if n == 0 {
                    break;
                }
                hash.update(&block[..n]);
            }
            out.inputs.push(FileEntry {
                path: shown.clone(),
                sha256: hex(&hash.finalize()),
            });
            let (mut r, k) =
                validate_careplan_path(path, &at.registry.careplan).map_err(cannot_read)?;
            r.path = shown.clone();
            (r, k)
        } else {
            let bytes = read_text(file, len).map_err(cannot_read)?;
            out.inputs.push(FileEntry {
                path: shown.clone(),
                sha256: hex(&Sha256::digest(&bytes)),
            });
            validate_careplan_bytes(shown, name, &bytes, &at.registry.careplan)
        };
        if let Some(why) = not_used(&keys, at) {
            note(&mut report, 0, "careplan.not_used", why);
        } else {
            for (a, b, line) in keys.users {
                if seen.insert((a.clone(), b.clone())) {
                    out.users.push((out.reports.len(), line, a, b));
                }
            }
        }
        out.reports.push(report);
    }
    Ok(out)
}

/// Matches the served users against the users of the LIFE records this run keeps (`kept`:
/// emitted, or unchanged with `--delta`; not those withheld) and the ledger's two months
/// before; a user with neither is `due.missing` on their first 実績 line.
pub(super) fn match_users(
    out: &mut Served,
    at: &For<'_>,
    kept: &HashSet<u32>,
    users: &Users,
) -> Result<(), RunError> {
    let served = std::mem::take(&mut out.users);
    let target = month_index(at.month.year.into(), at.month.month.into());
    let data_types: Vec<String> = std::iter::once("SERVICE_USER_INFO".to_string())
        .chain(
            at.registry
                .due
                .iter()
                .flat_map(|d| d.data_types.iter().cloned()),
        )
        .collect();
    for (r, line, a, b) in served {
        out.stats.users += 1;
        if users.find(&a, &b).is_some_and(|u| kept.contains(&u)) {
            out.stats.in_run += 1;
            continue;
        }
        if let Some(l) = at.ledger {
            let key = l.user_key(&a, &b);
            let months =
                l.user_months(at.facility.as_str(), &data_types, &key, &at.month.compact())?;
            let last = months.and_then(|(_, last)| month_number(&last));
            if last.is_some_and(|m| target - m <= 2) {
                out.stats.sent_before += 1;
                continue;
            }
        }
        out.stats.missing += 1;
        let report = &mut out.reports[r];
        let why = (
            "第6表実績ではこの月にサービスを受けた利用者ですが、LIFEの記録が今回のデータにも過去2か月の提出にもありません".to_string(),
            "this user was served this month (第6表 実績) but has no LIFE record in this run, nor one sent in the two months before".to_string(),
        );
        note(report, line, "due.missing", why);
    }
    for r in &mut out.reports {
        r.findings.sort();
    }
    Ok(())
}

/// Why a care-plan file gives no served users for this office and month, if it does not: it
/// is not a 実績, its name cannot be read, or it is another office's or month's.
fn not_used(keys: &CareplanKeys, at: &For<'_>) -> Option<(String, String)> {
    if keys.kind != "UPJSK" {
        return Some((
            format!(
                "{}は第6表実績ではないため、利用者の突き合わせには使いません",
                keys.kind
            ),
            format!(
                "a {} file is not a 第6表 実績 (UPJSK): checked, not used to find served users",
                keys.kind
            ),
        ));
    }
    let Some(name) = keys.name.as_ref() else {
        return Some((
            "ファイル名が読めないため、どの事業所・月の実績かわからず、利用者の突き合わせには使いません".into(),
            "the name cannot be read (see careplan.name), so whose 実績 of which month it is is unknown: not used".into(),
        ));
    };
    if name.sender != at.facility.as_str() {
        return Some((
            format!(
                "送信元の事業所番号（{}）がこの事業所ではありません",
                name.sender
            ),
            format!(
                "the 実績 was sent by office {}, not this one: not used",
                name.sender
            ),
        ));
    }
    let month = at.month.compact();
    if name.month.as_deref() != Some(month.as_str()) {
        return Some((
            format!("対象年月がこの実行の月（{month}）ではありません"),
            format!("the 実績 is of another month than this run's ({month}): not used"),
        ));
    }
    None
}

/// A warning of `rule` on `line`, its check registered once per message.
fn note(report: &mut FileReport, line: u64, rule: &'static str, (ja, en): (String, String)) {
    let f = &mut report.findings;
    let c = f.check_once(rule, Severity::Warning, None, ja, en);
    f.push(line, c, None);
}
