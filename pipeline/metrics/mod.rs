//! Document-reduction and productivity metrics: counts come from what the pipeline moved (the
//! runs the ledger kept), conversion factors from a baseline inventory the office declares.
//! Every derived number names its assumptions; nothing here is about a person.
//!
//! `stats` is what a run leaves in the ledger ([`RunStats`]), `baseline` reads the inventory,
//! `compute` turns ledger runs into one [`Row`] per facility × month (and per month for the
//! whole corporation), `tables` writes CSV, Parquet and JSON, `html` the self-contained report.

pub mod baseline;
pub mod compute;
pub mod html;
mod stats;
pub mod tables;

use std::collections::BTreeMap;

use serde::Serialize;

pub use baseline::{Baseline, BaselineError, Channel, Form, Unit};
pub use compute::compute;
pub use stats::{DueStats, Fixes, InterfaceStats, RunStats, ServedStats};

/// The half-reduction line of the ICT subsidy (文書量半減).
pub const HALF: f64 = 0.5;

/// The facility column of the corporation-wide rows.
pub const ALL: &str = "ALL";

/// The metrics of one facility (or [`ALL`]) in one month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Row {
    pub facility: String,
    /// `YYYY-MM`.
    pub month: String,
    /// Facilities counted (1 for a facility row).
    pub facilities: u64,

    // M1: forms produced electronically, and form types digitized.
    /// LIFE records valid this month, all interfaces.
    pub life_records: u64,
    /// LIFE records by interface.
    pub records_by_interface: BTreeMap<String, u64>,
    /// Baseline forms with at least one electronic instance this month.
    pub forms_digitized: u64,
    /// Baseline forms in the inventory (for ALL: office × form pairs, as forms_digitized).
    pub forms_total: u64,

    // M2, M3: paper.
    /// Sheets a month before ICT (declared or assumed volume × pages × copies).
    pub sheets_baseline: f64,
    /// Sheets not printed this month because the form was produced electronically.
    pub sheets_avoided: f64,
    /// Of those, sheets that went by FAX or post before.
    pub sheets_avoided_fax_post: f64,
    /// sheets_avoided / sheets_baseline (None without a baseline volume).
    pub reduction_ratio: Option<f64>,
    /// reduction_ratio ≥ 50 % (for ALL: facilities that meet it).
    pub half_met: Option<bool>,
    /// For ALL rows: facilities meeting 半減.
    pub facilities_half_met: u64,

    // M4: re-keying.
    /// Values filled from vendor data into the LIFE records of baseline forms (capped at the
    /// form's fields per unit).
    pub fields_filled: u64,
    /// fields_filled × re-keying steps before.
    pub rekeying_avoided: u64,

    // M6: time (estimates from declared minutes).
    pub minutes_saved_low: f64,
    pub minutes_saved_high: f64,

    // M7: LIFE coverage.
    /// Users in service with a record this month / due without one, under each rule of the
    /// due calendar (a user under two add-ons counts under each).
    pub users_submitted: u64,
    pub users_due_missing: u64,
    /// users_submitted / (users_submitted + users_due_missing).
    pub coverage: Option<f64>,
    /// Users the month's 第6表 実績 says were served (a `careplan` source), and of them those
    /// with a LIFE record in the run or sent in the two months before.
    pub served_users: u64,
    pub served_in_life: u64,
    /// served_in_life / served_users: LIFE coverage of served users.
    pub served_coverage: Option<f64>,
    /// Vendor rows read at the month's first run (dummy rows left out), and of those not sent.
    pub first_pass_rows: u64,
    pub first_pass_rejected: u64,
    /// first_pass_rejected / first_pass_rows.
    pub first_pass_rejection_rate: Option<f64>,
    /// The same at the month's last run.
    pub final_rows: u64,
    pub final_rejected: u64,
    pub final_rejection_rate: Option<f64>,
    /// Rows withheld at the first run, by rule.
    pub first_pass_rejected_by_rule: BTreeMap<String, u64>,
    /// Days from the month's last day to the first run with no error (None: not ready yet;
    /// for ALL: the latest facility).
    pub days_to_ready: Option<i64>,
    /// Runs of this month.
    pub runs: u64,

    // M8: repairs made automatically.
    pub files_from_cp932: u64,
    pub era_dates_converted: u64,
    pub full_width_normalized: u64,
    pub kana_converted: u64,
    pub labels_coded: u64,
    pub check_digit_warnings: u64,
    pub dummy_rows_dropped: u64,

    /// Ids of the [`Assumption`]s behind this row's derived numbers.
    pub assumptions: Vec<String>,
    /// The forms of the inventory, one by one.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub forms: Vec<FormRow>,
}

/// One baseline form in one facility-month.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct FormRow {
    pub form_id: String,
    pub name: String,
    /// The interface counted (the one with most instances), if any.
    pub counted_as: Option<String>,
    /// Electronic instances this month, in the form's unit.
    pub instances: u64,
    /// Units a month before ICT (declared, or this month's instances).
    pub units_baseline: f64,
    pub sheets_baseline: f64,
    pub sheets_avoided: f64,
    pub reduction_ratio: Option<f64>,
    pub fields_filled: u64,
    pub rekeying_avoided: u64,
    pub minutes_saved_low: f64,
    pub minutes_saved_high: f64,
}

/// A premise a number rests on, stated once and referred to by id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Assumption {
    pub id: String,
    pub text_ja: String,
    pub text_en: String,
}

/// Everything `lifeline metrics` produces.
#[derive(Debug, Clone, Serialize)]
pub struct Metrics {
    pub tool: String,
    pub baseline: Option<BaselineInfo>,
    /// `YYYY-MM` of the first and last month in the rows.
    pub from: Option<String>,
    pub to: Option<String>,
    /// Facility rows, then ALL rows, by month.
    pub rows: Vec<Row>,
    pub assumptions: Vec<Assumption>,
}

/// Where the baseline came from, as the office declared it.
#[derive(Debug, Clone, Serialize)]
pub struct BaselineInfo {
    pub name: String,
    pub source: String,
    pub path: String,
}
