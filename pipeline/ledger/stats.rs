//! What one run did for one facility and month, kept in the ledger for the metrics: counts
//! only. Nothing here names or identifies a person.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

pub use crate::normalize::ingest::Fixes;

/// One facility's run of one month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
}

/// One LIFE interface of the facility's month.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
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
pub struct DueStats {
    /// The add-on, e.g. 科学的介護推進体制加算.
    pub name: String,
    /// Users in service this month who have a record of the rule's interfaces in this run.
    pub submitted: u64,
    /// Users due this month without one (`due.missing`).
    pub missing: u64,
}

/// A run as the ledger keeps it.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub facility: String,
    /// `YYYYMM`.
    pub month: String,
    /// Local time in Japan, `YYYY-MM-DDTHH:MM:SS+09:00`.
    pub run_at: String,
    pub stats: RunStats,
}
