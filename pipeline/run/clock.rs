//! The time of a run, in Japan (JST, UTC+9, no daylight saving time): LIFE's deadlines are
//! Japanese calendar days. The environment variable `LIFELINE_NOW=YYYY-MM-DDTHH:MM:SS` (Japan
//! time) fixes it, for reproducible reports, tests and back-filled months.

use super::days_from_civil;

/// A moment of a run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunTime {
    /// Days since 1970-01-01 of the date in Japan.
    pub day: i64,
    /// `YYYY-MM-DDTHH:MM:SS+09:00`.
    pub text: String,
}

impl RunTime {
    /// Now, or `LIFELINE_NOW`.
    pub fn now() -> Result<Self, String> {
        match std::env::var("LIFELINE_NOW") {
            Ok(v) => Self::parse(&v).ok_or_else(|| {
                format!("LIFELINE_NOW=`{v}` is not a time such as 2026-11-05T09:30:00")
            }),
            Err(_) => {
                let secs = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .map_or(0, |d| d.as_secs() as i64);
                Ok(Self::from_seconds(secs + 9 * 3600))
            }
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
        if !(1..=12).contains(&m) || !(1..=31).contains(&dd) || hh > 23 || mm > 59 || ss > 59 {
            return None;
        }
        let day = days_from_civil(y as i32, m, dd);
        let back = civil_from_days(day);
        (back == (y as i32, m, dd))
            .then(|| Self::from_seconds(day * 86_400 + (hh * 3600 + mm * 60 + ss) as i64))
    }

    /// From seconds since 1970-01-01T00:00:00 of Japan's local time.
    fn from_seconds(local: i64) -> Self {
        let day = local.div_euclid(86_400);
        let sec = local.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(day);
        RunTime {
            day,
            text: format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}+09:00",
                sec / 3600,
                sec % 3600 / 60,
                sec % 60
            ),
        }
    }
}

/// The civil date of a day number (days since 1970-01-01), proleptic Gregorian.
pub fn civil_from_days(z: i64) -> (i32, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y as i32, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_round_trip_and_times_parse() {
        for day in [-1, 0, 1, 10_957, 20_000, 20_759, 30_000] {
            let (y, m, d) = civil_from_days(day);
            assert_eq!(days_from_civil(y, m, d), day);
        }
        let t = RunTime::parse("2026-11-05T09:30:00").unwrap();
        assert_eq!(t.text, "2026-11-05T09:30:00+09:00");
        assert_eq!(t.day, days_from_civil(2026, 11, 5));
        assert_eq!(
            RunTime::parse("2026-11-05").unwrap().text,
            "2026-11-05T00:00:00+09:00"
        );
        assert_eq!(RunTime::parse("2026-02-30T00:00:00"), None);
        assert_eq!(RunTime::parse("2026-11-05T24:00:00"), None);
        assert_eq!(RunTime::parse("soon"), None);
    }
}
