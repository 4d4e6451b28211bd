//! The calendar, in one place: which y/m/d are days, the target month and its deadline, and
//! the time of a run in Japan (JST, UTC+9, no daylight saving time: LIFE's deadlines are
//! Japanese calendar days). Day arithmetic is `chrono::NaiveDate`'s: subtract two dates.
//!
//! On chrono because it is already in the dependency tree (through polars); Japan is the fixed
//! offset +09:00, so no time-zone database is needed.

use chrono::{Datelike, FixedOffset, NaiveDate, NaiveDateTime, Timelike, Utc};

/// Japan's offset from UTC, the same all year.
const JAPAN: FixedOffset = match FixedOffset::east_opt(9 * 3600) {
    Some(offset) => offset,
    None => panic!("+09:00 is an offset"),
};

/// Whether y/m/d is a day of the (proleptic Gregorian) calendar: `2024-02-29` is,
/// `2025-02-29`, `2100-02-29` and `2024-04-31` are not.
pub fn is_calendar_day(year: i32, month: u32, day: u32) -> bool {
    NaiveDate::from_ymd_opt(year, month, day).is_some()
}

/// Errors of the calendar.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CalendarError {
    /// `LIFELINE_NOW` is set but is not a time.
    #[error("LIFELINE_NOW=`{value}` is not a time such as 2026-11-05T09:30:00")]
    BadNow { value: String },
}

/// A target month: `YYYY-MM` (or `YYYYMM`), 2000-01 … 2999-12.
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
    pub fn deadline(&self) -> NaiveDate {
        self.next_month(10)
    }

    /// The month's last day.
    pub fn last_day(&self) -> NaiveDate {
        self.next_month(1) - chrono::Days::new(1)
    }

    /// Day `day` (1–28) of the following month.
    fn next_month(&self, day: u32) -> NaiveDate {
        let (y, m) = match self.month {
            12 => (self.year + 1, 1),
            m => (self.year, m + 1),
        };
        NaiveDate::from_ymd_opt(y, m, day).expect("parse keeps a month within 2000-01 … 2999-12")
    }
}

/// A moment of a run, in Japan. The environment variable `LIFELINE_NOW=YYYY-MM-DDTHH:MM:SS`
/// (Japan time) fixes it, for reproducible reports, tests and back-filled months.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTime {
    /// The date in Japan.
    pub date: NaiveDate,
    /// `YYYY-MM-DDTHH:MM:SS+09:00`.
    pub text: String,
}

impl RunTime {
    /// Now, or `LIFELINE_NOW`.
    pub fn now() -> Result<Self, CalendarError> {
        Self::now_or(std::env::var("LIFELINE_NOW").ok())
    }

    /// The time `value` names, or the system clock's when there is none.
    fn now_or(value: Option<String>) -> Result<Self, CalendarError> {
        match value {
            Some(value) => Self::parse(&value).ok_or(CalendarError::BadNow { value }),
            None => Ok(Self::at(Utc::now().with_timezone(&JAPAN).naive_local())),
        }
    }

    /// `YYYY-MM-DDTHH:MM:SS` (or just `YYYY-MM-DD`), Japan time.
    pub fn parse(s: &str) -> Option<Self> {
        let s = s.trim();
        let (date, time) = s.split_once('T').unwrap_or((s, "00:00:00"));
        let mut d = date.splitn(3, '-').map(|p| p.parse::<u32>().ok());
        let (y, m, dd) = (d.next()??, d.next()??, d.next()??);
        let mut t = time.splitn(3, ':').map(|p| p.parse::<u32>().ok());
        let (hh, mm, ss) = (t.next()??, t.next()??, t.next()??);
        let at = NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, dd)?.and_hms_opt(hh, mm, ss)?;
        Some(Self::at(at))
    }

    /// From Japan's local time.
    fn at(t: NaiveDateTime) -> Self {
        RunTime {
            date: t.date(),
            text: format!(
                "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}+09:00",
                t.year(),
                t.month(),
                t.day(),
                t.hour(),
                t.minute(),
                t.second()
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date(y: i32, m: u32, d: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, d).unwrap()
    }

    #[test]
    fn calendar_days() {
        assert!(is_calendar_day(2024, 2, 29));
        assert!(is_calendar_day(2000, 2, 29));
        assert!(!is_calendar_day(2025, 2, 29));
        assert!(!is_calendar_day(2100, 2, 29));
        assert!(!is_calendar_day(1900, 2, 29));
        assert!(is_calendar_day(2024, 4, 30));
        assert!(!is_calendar_day(2024, 4, 31));
        assert!(is_calendar_day(2024, 12, 31));
        assert!(!is_calendar_day(2024, 13, 1));
        assert!(!is_calendar_day(2024, 0, 1));
        assert!(!is_calendar_day(2024, 1, 0));
        assert!(!is_calendar_day(2024, 1, 32));
    }

    #[test]
    fn months_parse() {
        let october = Month {
            year: 2026,
            month: 10,
        };
        assert_eq!(Month::parse("2026-10"), Some(october));
        assert_eq!(Month::parse(" 202610 "), Some(october));
        assert_eq!(october.compact(), "202610");
        assert_eq!(Month::parse("2026-13"), None);
        assert_eq!(Month::parse("202600"), None);
        assert_eq!(Month::parse("26-10"), None);
        assert_eq!(Month::parse("1999-12"), None);
        assert_eq!(Month::parse("3000-01"), None);
        assert!(Month::parse("2999-12").is_some());
        assert!(Month::parse("2000-01").is_some());
    }

    #[test]
    fn deadlines_and_last_days() {
        let month = |s| Month::parse(s).unwrap();
        assert_eq!(month("2026-10").deadline(), date(2026, 11, 10));
        assert_eq!(month("202612").deadline(), date(2027, 1, 10));
        assert_eq!(month("2999-12").deadline(), date(3000, 1, 10));
        assert_eq!(month("2026-10").deadline().to_string(), "2026-11-10");
        assert_eq!(month("2024-02").last_day(), date(2024, 2, 29));
        assert_eq!(month("2025-02").last_day(), date(2025, 2, 28));
        assert_eq!(month("2100-02").last_day(), date(2100, 2, 28));
        assert_eq!(month("2026-04").last_day(), date(2026, 4, 30));
        assert_eq!(month("2026-12").last_day(), date(2026, 12, 31));
        let days = |a: NaiveDate, b: NaiveDate| (a - b).num_days();
        assert_eq!(days(date(2026, 11, 10), date(2026, 11, 1)), 9);
        assert_eq!(days(date(2000, 3, 1), date(2000, 2, 28)), 2);
        assert_eq!(days(date(2100, 3, 1), date(2100, 2, 28)), 1);
    }

    #[test]
    fn times_parse() {
        let t = RunTime::parse("2026-11-05T09:30:00").unwrap();
        assert_eq!(t.text, "2026-11-05T09:30:00+09:00");
        assert_eq!(t.date, date(2026, 11, 5));
        assert_eq!(
            RunTime::parse(" 2026-11-05 ").unwrap().text,
            "2026-11-05T00:00:00+09:00"
        );
        assert_eq!(
            RunTime::parse("2024-02-29T23:59:59").unwrap().text,
            "2024-02-29T23:59:59+09:00"
        );
        assert_eq!(RunTime::parse("2026-02-30T00:00:00"), None);
        assert_eq!(RunTime::parse("2025-02-29"), None);
        assert_eq!(RunTime::parse("2026-11-05T24:00:00"), None);
        assert_eq!(RunTime::parse("2026-11-05T23:60:00"), None);
        assert_eq!(RunTime::parse("2026-11-05T23:59:60"), None);
        assert_eq!(RunTime::parse("2026-11-05T09:30"), None);
        assert_eq!(RunTime::parse("soon"), None);
    }

    /// `LIFELINE_NOW` fixes the clock; a value that is not a time is an error that names it.
    #[test]
    fn now_honours_lifeline_now() {
        let fixed = RunTime::now_or(Some("2026-11-05T09:30:00".into())).unwrap();
        assert_eq!(fixed, RunTime::parse("2026-11-05T09:30:00").unwrap());
        let e = RunTime::now_or(Some("tomorrow".into())).unwrap_err();
        assert_eq!(
            e,
            CalendarError::BadNow {
                value: "tomorrow".into()
            }
        );
        assert_eq!(
            e.to_string(),
            "LIFELINE_NOW=`tomorrow` is not a time such as 2026-11-05T09:30:00"
        );
    }

    /// Without `LIFELINE_NOW` it is the system clock's time in Japan: nine hours ahead of UTC.
    #[test]
    fn now_is_japan_time() {
        let before = Utc::now().naive_utc() + chrono::TimeDelta::hours(9);
        let now = RunTime::now_or(None).unwrap();
        let after = Utc::now().naive_utc() + chrono::TimeDelta::hours(9);
        let shown = now.text.strip_suffix("+09:00").unwrap();
        let at = NaiveDateTime::parse_from_str(shown, "%Y-%m-%dT%H:%M:%S").unwrap();
        let second = |t: NaiveDateTime| t.with_nanosecond(0).unwrap();
        assert!(second(before) <= at && at <= second(after), "{now:?}");
        assert_eq!(now.date, at.date());
    }
}
