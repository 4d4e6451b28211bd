//! What reading one vendor file gives: its frames (one [`Part`] per facility and interface),
//! the rows left out and why, the repairs counted, and its findings.

use polars::prelude::*;

use crate::decode::TextEncoding;
use crate::validate::Findings;

/// The lineage column naming the vendor file a row came from.
pub const SOURCE_FILE: &str = "__source_file";

/// One frame: the rows of one vendor file for one facility and one interface.
#[derive(Clone)]
pub struct Part {
    pub facility: String,
    /// The profile target (frame) it is for, by index.
    pub plan: usize,
    pub data_type: String,
    pub spec: String,
    pub frame: DataFrame,
}

/// A vendor row that is not in any frame, and why.
#[derive(Debug, Clone)]
pub struct Quarantined {
    pub line: u64,
    pub reason: String,
    pub fields: Vec<String>,
    /// Left out on purpose by a profile `skip` rule (a dummy or test user), not for a fault.
    pub deliberate: bool,
}

/// Repairs made while reading one file, counted for the data-quality metrics (M8). Counts only:
/// never a value.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct Fixes {
    /// Files read as CP932 (Shift_JIS) and turned into UTF-8.
    pub files_from_cp932: u64,
    /// Era dates (令和8年10月15日, R8.10.15) turned into `YYYYMMDD`.
    pub era_dates: u64,
    /// Codes, numbers and dates written with full-width characters, turned into ASCII.
    pub full_width: u64,
    /// Kana turned into half-width katakana.
    pub kana: u64,
    /// Labels and Barthel points turned into LIFE codes.
    pub coded: u64,
}

impl Fixes {
    pub fn add(&mut self, o: &Fixes) {
        self.files_from_cp932 += o.files_from_cp932;
        self.era_dates += o.era_dates;
        self.full_width += o.full_width;
        self.kana += o.kana;
        self.coded += o.coded;
    }
}

/// What one vendor file gave.
#[derive(Clone)]
pub struct FileIngest {
    pub path: String,
    pub encoding: Option<TextEncoding>,
    pub findings: Findings,
    pub parts: Vec<Part>,
    pub quarantine: Vec<Quarantined>,
    /// Data rows between the header and the end (preamble and trailer lines excluded).
    pub rows_read: usize,
    /// Rows that went into the frames (each into every interface the profile feeds).
    pub rows_kept: usize,
    pub fixes: Fixes,
    /// Per check of `findings` (same index): the profile target (plan) whose frame the
    /// validation engine found it on; `None` (or past the end) for checks of the reading
    /// itself, which concern every target fed from the vendor column they name.
    pub check_plans: Vec<Option<usize>>,
}

impl FileIngest {
    /// A file read to nothing yet: no rows, no findings.
    pub fn empty(path: &str) -> FileIngest {
        FileIngest {
            path: path.to_string(),
            encoding: None,
            findings: Findings::default(),
            parts: Vec::new(),
            quarantine: Vec::new(),
            rows_read: 0,
            rows_kept: 0,
            fixes: Fixes::default(),
            check_plans: Vec::new(),
        }
    }

    /// This file's findings as a report (the validate report formats), moved out: the file is
    /// left without findings.
    pub fn take_report(&mut self) -> crate::validate::FileReport {
        crate::validate::FileReport {
            path: self.path.clone(),
            data_type: None,
            spec: None,
            encoding: self.encoding,
            rows: self.rows_read,
            findings: std::mem::take(&mut self.findings),
            log: Default::default(),
        }
    }
}
