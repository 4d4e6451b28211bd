//! Calendar dates for the generator, and the ways vendors write them: Western forms, kanji
//! and letter eras, numeric era codes.

use chrono::{Datelike, NaiveDate, TimeDelta};

/// A proleptic Gregorian date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Date {
    pub(super) y: i64,
    pub(super) m: i64,
    pub(super) d: i64,
}

/// One Japanese era: kanji name, initial, numeric code, first day, western year of 元年.
struct Era {
    kanji: &'static str,
    letter: char,
    code: char,
    start: (i64, i64, i64),
    first_year: i64,
}

/// Newest first.
const ERAS: [Era; 5] = [
    Era {
        kanji: "令和",
        letter: 'R',
        code: '5',
        start: (2019, 5, 1),
        first_year: 2019,
    },
    Era {
        kanji: "平成",
        letter: 'H',
        code: '4',
        start: (1989, 1, 8),
        first_year: 1989,
    },
    Era {
        kanji: "昭和",
        letter: 'S',
        code: '3',
        start: (1926, 12, 25),
        first_year: 1926,
    },
    Era {
        kanji: "大正",
        letter: 'T',
        code: '2',
        start: (1912, 7, 30),
        first_year: 1912,
    },
    Era {
        kanji: "明治",
        letter: 'M',
        code: '1',
        start: (1868, 1, 25),
        first_year: 1868,
    },
];

impl Date {
    pub(super) const fn new(y: i64, m: i64, d: i64) -> Self {
        Date { y, m, d }
    }

    /// The date `days` days later (earlier when negative).
    pub(super) fn plus(self, days: i64) -> Self {
        let date = i32::try_from(self.y)
            .ok()
            .and_then(|y| NaiveDate::from_ymd_opt(y, self.m as u32, self.d as u32))
            .and_then(|d| d.checked_add_signed(TimeDelta::try_days(days)?))
            .expect("the generator's dates are calendar days within chrono's years");
        Date::new(date.year().into(), date.month().into(), date.day().into())
    }

    /// `20260401`
    pub(super) fn compact(self) -> String {
        format!("{:04}{:02}{:02}", self.y, self.m, self.d)
    }

    /// `2026/4/1`
    pub(super) fn slash(self) -> String {
        format!("{}/{}/{}", self.y, self.m, self.d)
    }

    /// `2026/04/01`
    pub(super) fn slash0(self) -> String {
        format!("{:04}/{:02}/{:02}", self.y, self.m, self.d)
    }

    /// `2026-04-01`
    pub(super) fn dashed(self) -> String {
        format!("{:04}-{:02}-{:02}", self.y, self.m, self.d)
    }

    fn era(self) -> Option<(&'static Era, i64)> {
        let t = (self.y, self.m, self.d);
        ERAS.iter()
            .find(|e| t >= e.start)
            .map(|e| (e, self.y - e.first_year + 1))
    }

    /// `令和8年4月1日`, `令和元年5月1日`; Western `2026年4月1日` before 明治.
    pub(super) fn kanji(self) -> String {
        match self.era() {
            Some((e, 1)) => format!("{}元年{}月{}日", e.kanji, self.m, self.d),
            Some((e, n)) => format!("{}{n}年{}月{}日", e.kanji, self.m, self.d),
            None => format!("{}年{}月{}日", self.y, self.m, self.d),
        }
    }

    /// `R8.04.01`
    pub(super) fn letter_dot(self) -> String {
        match self.era() {
            Some((e, n)) => format!("{}{n}.{:02}.{:02}", e.letter, self.m, self.d),
            None => self.slash(),
        }
    }

    /// `S15/4/1`
    pub(super) fn letter_slash(self) -> String {
        match self.era() {
            Some((e, n)) => format!("{}{n}/{}/{}", e.letter, self.m, self.d),
            None => self.slash(),
        }
    }

    /// `S 15/ 4/ 1` (space-padded, as printed on 受給者証)
    pub(super) fn letter_spaced(self) -> String {
        match self.era() {
            Some((e, n)) => format!("{}{n:>3}/{:>2}/{:>2}", e.letter, self.m, self.d),
            None => self.slash(),
        }
    }

    /// `5080401` (元号1桁 + YYMMDD)
    pub(super) fn era_code(self) -> String {
        match self.era() {
            Some((e, n)) => format!("{}{n:02}{:02}{:02}", e.code, self.m, self.d),
            None => self.compact(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Date;

    #[test]
    fn days_added() {
        assert_eq!(Date::new(2024, 2, 28).plus(1), Date::new(2024, 2, 29));
        assert_eq!(Date::new(2025, 2, 28).plus(1), Date::new(2025, 3, 1));
        assert_eq!(Date::new(2100, 2, 28).plus(1), Date::new(2100, 3, 1));
        assert_eq!(Date::new(2024, 12, 31).plus(1), Date::new(2025, 1, 1));
        assert_eq!(Date::new(2025, 1, 1).plus(-1), Date::new(2024, 12, 31));
        assert_eq!(
            Date::new(1928, 1, 1).plus(365 * 24),
            Date::new(1951, 12, 26)
        );
        assert_eq!(Date::new(2026, 10, 15).plus(0), Date::new(2026, 10, 15));
    }

    #[test]
    fn forms() {
        let d = Date::new(1940, 4, 1);
        assert_eq!(d.slash(), "1940/4/1");
        assert_eq!(d.compact(), "19400401");
        assert_eq!(d.letter_slash(), "S15/4/1");
        assert_eq!(d.kanji(), "昭和15年4月1日");
        assert_eq!(d.letter_spaced(), "S 15/ 4/ 1");
        assert_eq!(d.era_code(), "3150401");
        let r = Date::new(2026, 10, 15);
        assert_eq!(r.kanji(), "令和8年10月15日");
        assert_eq!(r.letter_dot(), "R8.10.15");
        assert_eq!(r.slash0(), "2026/10/15");
        assert_eq!(r.dashed(), "2026-10-15");
        assert_eq!(Date::new(2019, 5, 1).kanji(), "令和元年5月1日");
        assert_eq!(Date::new(2019, 4, 30).kanji(), "平成31年4月30日");
        assert_eq!(Date::new(1989, 1, 7).kanji(), "昭和64年1月7日");
        assert_eq!(Date::new(1989, 1, 8).kanji(), "平成元年1月8日");
    }
}
