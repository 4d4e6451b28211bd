//! What one run did for one facility and month, kept in the ledger for the metrics: counts
//! only. Nothing here names or identifies a person.
//!
//! Every field has a default, so a run recorded before a field existed still reads.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::normalize::ingest::Fixes;

/// One facility's run of one month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct RunStats {
    /// The facility could not run at all (bad profile, unreadable inputs).
    pub failed: bool,
    /// Vendor data rows of this facility read (rows of other facilities in shared files not
    /// counted).
    pub rows_read: u64,
    /// Rows a profile `skip` rule left out on purpose (dummy and test users).
    pub rows_dropped: u64,
    /// Rows not sent: unusable (no key, no 事業所番号, empty) or withheld for an error finding.
    pub rows_rejected: u64,
    pub errors: u64,
    pub warnings: u64,
    /// Rows withheld, by the rule of the error that withheld them (a row withheld by two rules
    /// counts under both).
    pub rejected_by_rule: BTreeMap<String, u64>,
    /// Findings, by rule (errors and warnings).
    pub findings_by_rule: BTreeMap<String, u64>,
    pub interfaces: Vec<InterfaceStats>,
    /// The due calendar (schemas/due.toml) for this month.
    pub due: Vec<DueStats>,
    pub fixes: Fixes,
    /// Users served this month by the 第6表 実績 (UPJSK) of a `careplan` source, and whether
    /// LIFE has them.
    pub served: ServedStats,
}

/// The users a month's 第6表 実績 says the office served, against its LIFE data.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ServedStats {
    /// Distinct users (保険者番号 + 被保険者番号) in the office's 実績 of the month.
    pub users: u64,
    /// Of them, users with a LIFE record in this run.
    pub in_run: u64,
    /// Users with none in this run but one sent in one of the two months before (the ledger:
    /// SERVICE_USER_INFO or an interface of the due calendar): within the 3-month cycle of
    /// every LIFE add-on.
    pub sent_before: u64,
    /// Users with neither (`due.missing` on their first 実績 line).
    pub missing: u64,
}

/// One LIFE interface of the facility's month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct InterfaceStats {
    pub data_type: String,
    /// Records valid this month: emitted now, or unchanged since sent before (`--delta`).
    pub records: u64,
    pub emitted: u64,
    pub unchanged: u64,
    /// Distinct users with a record.
    pub users: u64,
    /// Values in those records filled from vendor data (not constants, not generated keys).
    pub filled_fields: u64,
}

/// Users due under one rule of the due calendar.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct DueStats {
    /// The add-on, e.g. 科学的介護推進体制加算.
    pub name: String,
    /// Users in service this month who have a record of the rule's interfaces in this run.
    pub submitted: u64,
    /// Users due this month without one (`due.missing`).
    pub missing: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_run_recorded_before_a_field_existed_reads_with_its_default() {
        let old = r#"{"rows_read":7,"interfaces":[{"data_type":"SERVICE_USER_INFO","records":3}]}"#;
        let s: RunStats = serde_json::from_str(old).unwrap();
        assert_eq!(s.rows_read, 7);
        assert_eq!(s.errors, 0);
        assert_eq!(s.interfaces[0].records, 3);
        assert_eq!(s.interfaces[0].filled_fields, 0);
        // A field that is there is read, not defaulted.
        let full = RunStats {
            errors: 2,
            interfaces: vec![InterfaceStats {
                filled_fields: 5,
                ..InterfaceStats::default()
            }],
            ..RunStats::default()
        };
        let back: RunStats = serde_json::from_str(&serde_json::to_string(&full).unwrap()).unwrap();
        assert_eq!(back, full);
    }
}
