//! The job file (TOML): which facilities, through which vendor profile, from which inputs.

use std::path::{Path, PathBuf};

use serde::Deserialize;

#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct JobError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 with a byte-order mark.
    #[default]
    Utf8,
    Cp932,
}

/// One office of the batch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityJob {
    /// 事業所番号.
    pub id: String,
    /// サービス種類コード: when given, every interface of this office gets it (overriding what
    /// the profiles say).
    #[serde(default)]
    pub service_code: Option<String>,
    /// Its exports: each through a vendor profile (a user master, an assessment export …).
    #[serde(rename = "source")]
    pub sources: Vec<SourceJob>,
}

/// Some exports of one layout.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceJob {
    /// The vendor profile, relative to the job file.
    pub profile: PathBuf,
    /// Input files or globs (`*`, `?`, `[…]`), relative to the job file.
    pub inputs: Vec<String>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// The default target month, `YYYY-MM` (`--month` overrides).
    #[serde(default)]
    pub month: Option<String>,
    /// Encoding of the LIFE files written.
    #[serde(default)]
    pub encoding: Encoding,
    /// The spec version to emit: `auto` (default) is the newest version that has the interface
    /// (3.10 where its schemas exist, otherwise 2021); or a version such as `2021`.
    #[serde(default)]
    pub spec: Option<String>,
    /// The baseline inventory (TOML, relative to the job file): when given, the run also
    /// writes the metrics up to its month.
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    #[serde(rename = "facility")]
    pub facilities: Vec<FacilityJob>,
    /// The folder the job file is in: relative paths start there.
    #[serde(skip)]
    pub dir: PathBuf,
}

impl Job {
    pub fn load(path: &Path) -> Result<Self, JobError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| JobError {
            path: shown.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let mut job: Job = toml::from_str(&text).map_err(|e| JobError {
            path: shown.clone(),
            line: e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            }),
            message: e.message().to_string(),
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for f in &job.facilities {
            if !seen.insert(f.id.clone()) {
                return Err(JobError {
                    path: shown,
                    line: 0,
                    message: format!("facility {} is listed twice", f.id),
                });
            }
        }
        job.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(job)
    }
}

/// A target month: `YYYY-MM` (or `YYYYMM`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Month {
    pub year: i32,
    pub month: u32,
}

impl Month {
    pub fn parse(s: &str) -> Option<Self> {
        let t = s.trim();
        let (y, m) = t
            .split_once('-')
            .or_else(|| (t.len() == 6).then(|| t.split_at(4)))?;
        let (year, month) = (y.parse().ok()?, m.parse().ok()?);
        ((1..=12).contains(&month) && (2000..=2999).contains(&year))
            .then_some(Month { year, month })
    }

    /// `YYYYMM`, as in output file names.
    pub fn compact(&self) -> String {
        format!("{:04}{:02}", self.year, self.month)
    }

    /// The submission deadline: the 10th of the following month (翌月10日).
    pub fn deadline(&self) -> (i32, u32, u32) {
        if self.month == 12 {
            (self.year + 1, 1, 10)
        } else {
            (self.year, self.month + 1, 10)
        }
    }
}

/// Days since 1970-01-01 of a civil date (proleptic Gregorian).
pub fn days_from_civil(y: i32, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y } as i64;
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = m as i64;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_and_deadlines() {
        assert_eq!(
            Month::parse("2026-10"),
            Some(Month {
                year: 2026,
                month: 10
            })
        );
        assert_eq!(Month::parse("202612").unwrap().deadline(), (2027, 1, 10));
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("26-10"), None);
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            days_from_civil(2026, 11, 10) - days_from_civil(2026, 11, 1),
            9
        );
        assert_eq!(
            days_from_civil(2000, 3, 1) - days_from_civil(2000, 2, 28),
            2
        );
    }
}
