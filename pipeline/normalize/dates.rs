//! Dates in vendor exports → LIFE `YYYYMMDD`.
//!
//! Western forms (`YYYYMMDD`, `YYYY/M/D`, `YYYY-MM-DD`, `YYYY.M.D`, `YYYY年M月D日`) and Japanese
//! eras: kanji (`令和6年4月1日`, `令和元年5月1日`), letters (`R6.04.01`, `S 12/ 3/ 4`, `h31/4/30`)
//! and numeric era codes (`5060401`, 元号1桁 + YYMMDD). Input is NFKC-normalised first, so
//! full-width digits, letters and punctuation (and the squared era signs such as `㍻`) work too.
//!
//! Era dates are checked against the exact era boundaries: a date before its era began is an
//! error; a date after its era ended converts with a note (some systems kept writing 平成 after
//! April 2019).

use crate::spec::calendar;

/// The note on a date converted from an era date past the end of its era.
pub const NOTE_AFTER_ERA_END: &str = "the date is after the end of its era";

/// A date recognised in a vendor value, as LIFE writes it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParsedDate {
    /// `YYYYMMDD`.
    pub ymd: String,
    /// Set when the value was converted but looks suspicious, e.g. an era date past the end of
    /// its era (平成31年5月1日 → 20190501, some systems kept writing 平成 after April 2019).
    pub note: Option<&'static str>,
}

/// Why a value is not a date. The messages are short and carry no part of the value itself.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DateError {
    /// Nothing but white space.
    #[error("empty value")]
    Empty,
    /// Not one of the accepted shapes.
    #[error("not a date form we know")]
    UnknownForm,
    /// A year and month with no day (`2024/04`, `202404`, `令和08年03月`).
    #[error("year and month only, no day")]
    YearMonthOnly,
    /// The parts are numbers but name no calendar day (`2023-02-29`, `4月31日`, `00000000`).
    #[error("no such calendar day")]
    NoSuchDay,
    /// An era year of 0 (`R0.4.1`, `5000401`).
    #[error("era year 0")]
    EraYearZero,
    /// A numeric era code other than 1 (明治) … 5 (令和).
    #[error("unknown era code {0}")]
    UnknownEraCode(char),
    /// A date before its era began (`令和元年4月30日`, `平成元年1月7日`).
    #[error("before {era} began ({starts})")]
    BeforeEraStart {
        /// The era's name in kanji.
        era: &'static str,
        /// The era's first day, `YYYY-MM-DD`.
        starts: &'static str,
    },
}

/// (year, month, day); tuples compare in calendar order.
type Ymd = (u32, u32, u32);

/// One Japanese era.
#[derive(Debug)]
struct Era {
    /// Kanji name.
    name: &'static str,
    /// Upper-case initial.
    letter: char,
    /// Digit in the 元号1桁 + YYMMDD codes.
    code: char,
    /// Western year of the era's year 1 (元年).
    first_year: u32,
    /// First day.
    start: Ymd,
    /// `start` as text, for messages.
    starts: &'static str,
    /// Last day, `None` for the current era.
    end: Option<Ymd>,
}

/// The eras LIFE data can hold, oldest first. 明治 is treated as starting on 1 January 1868:
/// the era name applied to the whole of that year, and dates before 明治6年 (1873, the switch
/// to the Gregorian calendar) are converted as if they were Gregorian.
static ERAS: [Era; 5] = [
    Era {
        name: "明治",
        letter: 'M',
        code: '1',
        first_year: 1868,
        start: (1868, 1, 1),
        starts: "1868-01-01",
        end: Some((1912, 7, 29)),
    },
    Era {
        name: "大正",
        letter: 'T',
        code: '2',
        first_year: 1912,
        start: (1912, 7, 30),
        starts: "1912-07-30",
        end: Some((1926, 12, 24)),
    },
    Era {
        name: "昭和",
        letter: 'S',
        code: '3',
        first_year: 1926,
        start: (1926, 12, 25),
        starts: "1926-12-25",
        end: Some((1989, 1, 7)),
    },
    Era {
        name: "平成",
        letter: 'H',
        code: '4',
        first_year: 1989,
        start: (1989, 1, 8),
        starts: "1989-01-08",
        end: Some((2019, 4, 30)),
    },
    Era {
        name: "令和",
        letter: 'R',
        code: '5',
        first_year: 2019,
        start: (2019, 5, 1),
        starts: "2019-05-01",
        end: None,
    },
];

/// Parses a vendor date value into LIFE's `YYYYMMDD`.
///
/// Leading and trailing half- and full-width spaces are ignored, and so are spaces between the
/// parts (`S 12/ 3/ 4`, `令和 6年 4月 1日`). The separators of one value must agree (`/`, `-`
/// or `.` throughout, or 年 月 日). Western years have four digits, era years one or two (or
/// 元). Year-month values are rejected with [`DateError::YearMonthOnly`].
pub fn parse_date(s: &str) -> Result<ParsedDate, DateError> {
    let norm = crate::decode::text::nfkc(s);
    let t = norm.trim_matches(char::is_whitespace);
    if t.is_empty() {
        return Err(DateError::Empty);
    }
    if t.bytes().all(|b| b.is_ascii_digit()) {
        return parse_all_digits(t);
    }
    let (era, rest) = strip_era(t)?;
    let mut cur = Cursor { rest };

    cur.skip_spaces();
    let year = match era {
        Some(_) if cur.eat('元') => 1,
        Some(_) => cur.number(1, 2)?,
        None => cur.number(4, 4)?,
    };
    cur.skip_spaces();
    let (sep2, end_mark) = match cur.bump() {
        Some('年') => ('月', Some('日')),
        Some(sep @ ('/' | '-' | '.')) => (sep, None),
        _ => return Err(DateError::UnknownForm),
    };
    cur.skip_spaces();
    let month = cur.number(1, 2)?;
    cur.skip_spaces();
    if cur.is_empty() {
        return Err(DateError::YearMonthOnly);
    }
    if !cur.eat(sep2) {
        return Err(DateError::UnknownForm);
    }
    cur.skip_spaces();
    if cur.is_empty() {
        return Err(DateError::YearMonthOnly);
    }
    let day = cur.number(1, 2)?;
    cur.skip_spaces();
    if let Some(mark) = end_mark {
        if !cur.eat(mark) {
            return Err(DateError::UnknownForm);
        }
        cur.skip_spaces();
    }
    // A timestamp used as a date: a Western date with its time (`2026-03-25 00:00:00`,
    // `2026-09-01T00:00:00+09:00`) is the date as written.
    let timestamp = era.is_none() && end_mark.is_none() && is_time(cur.rest);
    if !cur.is_empty() && !timestamp {
        return Err(DateError::UnknownForm);
    }
    match era {
        Some(era) => era_date(era, year, month, day),
        None => western(year, month, day),
    }
}

/// The time part of a timestamp after its date: `T` or a space, `H:MM` or `HH:MM`, optionally
/// `:SS` and a fraction, then optionally `Z` or an offset `±HH:MM` / `±HHMM`.
fn is_time(s: &str) -> bool {
    let s = match s.strip_prefix('T') {
        Some(rest) => rest,
        None => s.trim_start_matches(char::is_whitespace),
    };
    let digits = |p: &str, min: usize, max: usize| {
        (min..=max).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit())
    };
    let (clock, zone) = match s.find(['Z', '+', '-']) {
        Some(i) => s.split_at(i),
        None => (s, ""),
    };
    let zone_ok = match zone.as_bytes().first() {
        None => true,
        Some(b'Z') => zone.len() == 1,
        Some(_) => {
            let z = &zone[1..];
            match z.split_once(':') {
                Some((h, m)) => digits(h, 2, 2) && digits(m, 2, 2),
                None => digits(z, 4, 4) || digits(z, 2, 2),
            }
        }
    };
    let mut parts = clock.split(':');
    let (Some(h), Some(m)) = (parts.next(), parts.next()) else {
        return false;
    };
    let sec_ok = match parts.next() {
        None => true,
        Some(sec) => {
            let (whole, frac) = sec.split_once('.').unwrap_or((sec, "0"));
            digits(whole, 2, 2) && digits(frac, 1, 9)
        }
    };
    zone_ok && sec_ok && parts.next().is_none() && digits(h, 1, 2) && digits(m, 2, 2)
}

/// `YYYYMMDD`, the numeric era code `GYYMMDD`, or `YYYYMM` (rejected as year-month when the
/// year is 1868–2199 and the month 1–12; other six-digit values, such as `YYMMDD`, are simply
/// not a known form).
fn parse_all_digits(t: &str) -> Result<ParsedDate, DateError> {
    let part = |range: std::ops::Range<usize>| -> Result<u32, DateError> {
        t.get(range)
            .and_then(|p| p.parse().ok())
            .ok_or(DateError::UnknownForm)
    };
    match t.len() {
        8 => western(part(0..4)?, part(4..6)?, part(6..8)?),
        7 => {
            let code = t.chars().next().ok_or(DateError::UnknownForm)?;
            let era = ERAS
                .iter()
                .find(|e| e.code == code)
                .ok_or(DateError::UnknownEraCode(code))?;
            era_date(era, part(1..3)?, part(3..5)?, part(5..7)?)
        }
        6 if (1868..=2199).contains(&part(0..4)?) && (1..=12).contains(&part(4..6)?) => {
            Err(DateError::YearMonthOnly)
        }
        _ => Err(DateError::UnknownForm),
    }
}

/// Splits off a leading era name (kanji) or era letter (either case).
fn strip_era(t: &str) -> Result<(Option<&'static Era>, &str), DateError> {
    if let Some((era, rest)) = ERAS
        .iter()
        .find_map(|e| t.strip_prefix(e.name).map(|rest| (e, rest)))
    {
        return Ok((Some(era), rest));
    }
    let mut chars = t.chars();
    match chars.next() {
        Some(c) if c.is_ascii_alphabetic() => {
            let letter = c.to_ascii_uppercase();
            let era = ERAS
                .iter()
                .find(|e| e.letter == letter)
                .ok_or(DateError::UnknownForm)?;
            Ok((Some(era), chars.as_str()))
        }
        _ => Ok((None, t)),
    }
}

/// A Western date after its calendar check.
fn western(year: u32, month: u32, day: u32) -> Result<ParsedDate, DateError> {
    if !is_calendar_day(year, month, day) {
        return Err(DateError::NoSuchDay);
    }
    Ok(ParsedDate {
        ymd: ymd_string(year, month, day),
        note: None,
    })
}

/// Year `n` of `era`, checked against the calendar and the era's boundaries.
fn era_date(era: &Era, n: u32, month: u32, day: u32) -> Result<ParsedDate, DateError> {
    if n == 0 {
        return Err(DateError::EraYearZero);
    }
    let year = era.first_year + n - 1;
    if !is_calendar_day(year, month, day) {
        return Err(DateError::NoSuchDay);
    }
    let date = (year, month, day);
    if date < era.start {
        return Err(DateError::BeforeEraStart {
            era: era.name,
            starts: era.starts,
        });
    }
    let note = match era.end {
        Some(end) if date > end => Some(NOTE_AFTER_ERA_END),
        _ => None,
    };
    Ok(ParsedDate {
        ymd: ymd_string(year, month, day),
        note,
    })
}

fn ymd_string(year: u32, month: u32, day: u32) -> String {
    // Digits written by hand: this runs once per date cell of columns whose dates differ.
    if year > 9999 || month > 99 || day > 99 {
        return format!("{year:04}{month:02}{day:02}");
    }
    let d = |n: u32| b'0' + n as u8;
    let ymd = [
        d(year / 1000),
        d(year / 100 % 10),
        d(year / 10 % 10),
        d(year % 10),
        d(month / 10),
        d(month % 10),
        d(day / 10),
        d(day % 10),
    ];
    ymd.iter().map(|&b| char::from(b)).collect()
}

/// A calendar day of the years 1–9999 (LIFE writes four-digit years).
fn is_calendar_day(year: u32, month: u32, day: u32) -> bool {
    (1..=9999).contains(&year) && calendar::is_calendar_day(year as i32, month, day)
}

/// A read position in an (already normalised) value.
struct Cursor<'a> {
    rest: &'a str,
}

impl<'a> Cursor<'a> {
    fn is_empty(&self) -> bool {
        self.rest.is_empty()
    }

    fn skip_spaces(&mut self) {
        self.rest = self.rest.trim_start_matches(char::is_whitespace);
    }

    /// Consumes `c` if it comes next.
    fn eat(&mut self, c: char) -> bool {
        match self.rest.strip_prefix(c) {
            Some(rest) => {
                self.rest = rest;
                true
            }
            None => false,
        }
    }

    /// Consumes and returns the next character.
    fn bump(&mut self) -> Option<char> {
        let mut chars = self.rest.chars();
        let c = chars.next()?;
        self.rest = chars.as_str();
        Some(c)
    }

    /// Consumes a run of ASCII digits whose length must be within `min..=max`.
    fn number(&mut self, min: usize, max: usize) -> Result<u32, DateError> {
        let end = self
            .rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(self.rest.len());
        let (digits, rest): (&'a str, &'a str) = self
            .rest
            .split_at_checked(end)
            .ok_or(DateError::UnknownForm)?;
        if digits.len() < min || digits.len() > max {
            return Err(DateError::UnknownForm);
        }
        self.rest = rest;
        digits.parse().map_err(|_| DateError::UnknownForm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Digits written by hand are `format!`'s zero-padded ones, past four digits too.
    #[test]
    fn ymd_strings_are_zero_padded() {
        for (y, m, d) in [(1, 1, 1), (2026, 10, 15), (999, 12, 31), (12345, 0, 100)] {
            assert_eq!(ymd_string(y, m, d), format!("{y:04}{m:02}{d:02}"));
        }
    }

    /// Parses and expects a date with no note.
    fn ok(s: &str) -> String {
        match parse_date(s) {
            Ok(ParsedDate { ymd, note: None }) => ymd,
            other => panic!("{s:?}: expected a plain date, got {other:?}"),
        }
    }

    /// Parses and expects a date with the after-the-end note.
    fn noted(s: &str) -> String {
        match parse_date(s) {
            Ok(ParsedDate {
                ymd,
                note: Some(NOTE_AFTER_ERA_END),
            }) => ymd,
            other => panic!("{s:?}: expected a noted date, got {other:?}"),
        }
    }

    fn err(s: &str) -> DateError {
        match parse_date(s) {
            Err(e) => e,
            Ok(d) => panic!("{s:?}: expected an error, got {d:?}"),
        }
    }

    fn before(era: &'static str, starts: &'static str) -> DateError {
        DateError::BeforeEraStart { era, starts }
    }

    #[test]
    fn timestamps_are_their_dates() {
        for v in [
            "2026-03-25 00:00:00",
            "2026-03-25T00:00:00",
            "2026-03-25T00:00:00+09:00",
            "2026-03-25T00:00:00.000Z",
            "2026/3/25 0:00",
            "2026/03/25 09:30:15+0900",
        ] {
            assert_eq!(parse_date(v).map(|d| d.ymd), Ok("20260325".into()), "{v}");
        }
        for v in [
            "2026-03-25 25",
            "2026-03-25 00:00:00 extra",
            "2026-03-25T",
            "令和8年3月25日 00:00",
            "R8.3.25 00:00",
            "2026-03-25 00:00:00+9",
        ] {
            assert_eq!(parse_date(v), Err(DateError::UnknownForm), "{v}");
        }
    }

    #[test]
    fn western_forms() {
        let cases = [
            ("20240401", "20240401"),
            ("2024/4/1", "20240401"),
            ("2024/04/01", "20240401"),
            ("2024-04-01", "20240401"),
            ("2024-4-1", "20240401"),
            ("2024.4.1", "20240401"),
            ("2024.04.01", "20240401"),
            ("2024年4月1日", "20240401"),
            ("2024年04月01日", "20240401"),
            ("2024年 4月 1日", "20240401"),
            ("2024/12/31", "20241231"),
            ("1926/12/25", "19261225"),
            ("2024/2/29", "20240229"),
            ("2000/2/29", "20000229"),
            ("0001/01/01", "00010101"),
        ];
        for (input, want) in cases {
            assert_eq!(ok(input), want, "{input:?}");
        }
    }

    #[test]
    fn trims_half_and_full_width_spaces() {
        assert_eq!(ok("  2024/4/1  "), "20240401");
        assert_eq!(ok("\u{3000}2024/4/1\u{3000}"), "20240401");
        assert_eq!(ok("\t20240401\r\n"), "20240401");
        assert_eq!(ok("\u{3000}令和6年4月1日 "), "20240401");
    }

    #[test]
    fn full_width_input() {
        assert_eq!(ok("２０２４／４／１"), "20240401");
        assert_eq!(ok("２０２４０４０１"), "20240401");
        assert_eq!(ok("２０２４－０４－０１"), "20240401");
        assert_eq!(ok("２０２４．４．１"), "20240401");
        assert_eq!(ok("２０２４年４月１日"), "20240401");
        assert_eq!(ok("令和６年４月１日"), "20240401");
        assert_eq!(ok("Ｒ６．４．１"), "20240401");
        assert_eq!(ok("ｒ０６／４／１"), "20240401");
        assert_eq!(ok("Ｓ　１２／　３／　４"), "19370304");
        assert_eq!(ok("５０６０４０１"), "20240401");
    }

    #[test]
    fn squared_era_signs() {
        // NFKC spells the one-character era signs out.
        assert_eq!(ok("㍻30年1月5日"), "20180105");
        assert_eq!(ok("㋿6年4月1日"), "20240401");
        assert_eq!(ok("㍼64年1月7日"), "19890107");
    }

    #[test]
    fn kanji_eras() {
        let cases = [
            ("令和6年4月1日", "20240401"),
            ("令和06年04月01日", "20240401"),
            ("令和 6年 4月 1日", "20240401"),
            ("令和元年5月1日", "20190501"),
            ("令和元年12月31日", "20191231"),
            ("令和2年1月1日", "20200101"),
            ("平成31年4月30日", "20190430"),
            ("平成30年1月5日", "20180105"),
            ("平成元年1月8日", "19890108"),
            ("昭和64年1月7日", "19890107"),
            ("昭和12年3月4日", "19370304"),
            ("昭和元年12月25日", "19261225"),
            ("大正15年12月24日", "19261224"),
            ("大正元年7月30日", "19120730"),
            ("大正2年1月1日", "19130101"),
            ("明治45年7月29日", "19120729"),
            ("明治元年1月1日", "18680101"),
            ("明治33年5月10日", "19000510"),
            // Separators other than 年月日 after a kanji era.
            ("令和6/4/1", "20240401"),
            ("平成31.4.30", "20190430"),
        ];
        for (input, want) in cases {
            assert_eq!(ok(input), want, "{input:?}");
        }
    }

    #[test]
    fn era_letters() {
        let cases = [
            ("R6.04.01", "20240401"),
            ("R06/4/1", "20240401"),
            ("R6-4-1", "20240401"),
            ("R6年4月1日", "20240401"),
            ("R元.5.1", "20190501"),
            ("H31/4/30", "20190430"),
            ("H30.1.5", "20180105"),
            ("H1.1.8", "19890108"),
            ("S12/3/4", "19370304"),
            ("S 12/ 3/ 4", "19370304"),
            ("S64.1.7", "19890107"),
            ("S1.12.25", "19261225"),
            ("T15.12.24", "19261224"),
            ("T1.7.30", "19120730"),
            ("M45.7.29", "19120729"),
            ("M1.1.1", "18680101"),
            // Lower case.
            ("r6.04.01", "20240401"),
            ("h31/4/30", "20190430"),
            ("s 12/ 3/ 4", "19370304"),
            ("t15.12.24", "19261224"),
            ("m45.7.29", "19120729"),
        ];
        for (input, want) in cases {
            assert_eq!(ok(input), want, "{input:?}");
        }
    }

    #[test]
    fn numeric_era_codes() {
        let cases = [
            ("5060401", "20240401"),
            ("5010501", "20190501"),
            ("4310430", "20190430"),
            ("4010108", "19890108"),
            ("3640107", "19890107"),
            ("3011225", "19261225"),
            ("3120304", "19370304"),
            ("2151224", "19261224"),
            ("2010730", "19120730"),
            ("1450729", "19120729"),
            ("1330510", "19000510"),
        ];
        for (input, want) in cases {
            assert_eq!(ok(input), want, "{input:?}");
        }
        assert_eq!(noted("4310501"), "20190501");
        assert_eq!(err("4010107"), before("平成", "1989-01-08"));
        assert_eq!(err("5000401"), DateError::EraYearZero);
        assert_eq!(err("0060401"), DateError::UnknownEraCode('0'));
        assert_eq!(err("6060401"), DateError::UnknownEraCode('6'));
        assert_eq!(err("9999999"), DateError::UnknownEraCode('9'));
        assert_eq!(err("5060431"), DateError::NoSuchDay);
        assert_eq!(err("5061301"), DateError::NoSuchDay);
        // Seven digits are always an era code, even when they look like a short Western date.
        assert_eq!(err("2024040"), DateError::NoSuchDay);
    }

    /// Each boundary from both sides: the last day of the older era, the first day of the newer
    /// one, the newer era's name one day early (error) and the older era's name one day late
    /// (converted with a note).
    #[test]
    fn era_boundaries_both_directions() {
        // 明治 → 大正
        assert_eq!(ok("明治45年7月29日"), "19120729");
        assert_eq!(ok("大正元年7月30日"), "19120730");
        assert_eq!(err("大正元年7月29日"), before("大正", "1912-07-30"));
        assert_eq!(noted("明治45年7月30日"), "19120730");
        // 大正 → 昭和
        assert_eq!(ok("大正15年12月24日"), "19261224");
        assert_eq!(ok("昭和元年12月25日"), "19261225");
        assert_eq!(err("昭和元年12月24日"), before("昭和", "1926-12-25"));
        assert_eq!(noted("大正15年12月25日"), "19261225");
        // 昭和 → 平成
        assert_eq!(ok("昭和64年1月7日"), "19890107");
        assert_eq!(ok("平成元年1月8日"), "19890108");
        assert_eq!(err("平成元年1月7日"), before("平成", "1989-01-08"));
        assert_eq!(noted("昭和64年1月8日"), "19890108");
        // 平成 → 令和
        assert_eq!(ok("平成31年4月30日"), "20190430");
        assert_eq!(ok("令和元年5月1日"), "20190501");
        assert_eq!(err("令和元年4月30日"), before("令和", "2019-05-01"));
        assert_eq!(noted("平成31年5月1日"), "20190501");
        // The same with letters and codes.
        assert_eq!(err("R1.4.30"), before("令和", "2019-05-01"));
        assert_eq!(noted("H31.5.1"), "20190501");
        assert_eq!(noted("h32/1/1"), "20200101");
        assert_eq!(err("H1.1.7"), before("平成", "1989-01-08"));
        assert_eq!(noted("S64.1.8"), "19890108");
        assert_eq!(err("S1.12.24"), before("昭和", "1926-12-25"));
        assert_eq!(noted("T15.12.25"), "19261225");
        assert_eq!(err("T1.7.29"), before("大正", "1912-07-30"));
        assert_eq!(noted("M45.7.30"), "19120730");
        assert_eq!(err("2010729"), before("大正", "1912-07-30"));
        assert_eq!(noted("1450730"), "19120730");
        // Well past the end still converts, with the note.
        assert_eq!(noted("昭和65年1月1日"), "19900101");
        assert_eq!(noted("平成35年3月31日"), "20230331");
    }

    #[test]
    fn every_era_day_one_and_the_day_before() {
        for (i, era) in ERAS.iter().enumerate() {
            let (y, m, d) = era.start;
            assert_eq!(y, era.first_year, "{}: starts in its year 1", era.name);
            let day_one = format!("{}元年{m}月{d}日", era.name);
            assert_eq!(ok(&day_one), format!("{y:04}{m:02}{d:02}"));
            if let Some(prev) = i.checked_sub(1).and_then(|p| ERAS.get(p)) {
                let date = |(y, m, d): Ymd| chrono::NaiveDate::from_ymd_opt(y as i32, m, d);
                // The previous era's last day is the day before this era's first.
                let next_day = prev.end.and_then(date).and_then(|d| d.succ_opt());
                assert_eq!(next_day, date(era.start), "{} → {}", prev.name, era.name);
                assert!(next_day.is_some());
            }
        }
    }

    #[test]
    fn invalid_calendar_days() {
        assert_eq!(err("2023-02-29"), DateError::NoSuchDay);
        assert_eq!(err("20230229"), DateError::NoSuchDay);
        assert_eq!(err("1900/2/29"), DateError::NoSuchDay);
        assert_eq!(err("2024/4/31"), DateError::NoSuchDay);
        assert_eq!(err("2024年4月31日"), DateError::NoSuchDay);
        assert_eq!(err("令和6年4月31日"), DateError::NoSuchDay);
        assert_eq!(err("令和5年2月29日"), DateError::NoSuchDay);
        assert_eq!(err("2024/13/1"), DateError::NoSuchDay);
        assert_eq!(err("2024/0/1"), DateError::NoSuchDay);
        assert_eq!(err("2024/1/0"), DateError::NoSuchDay);
        assert_eq!(err("2024/1/32"), DateError::NoSuchDay);
        assert_eq!(err("00000000"), DateError::NoSuchDay);
        assert_eq!(err("0000/00/00"), DateError::NoSuchDay);
        assert_eq!(err("20240000"), DateError::NoSuchDay);
        assert_eq!(err("H31.2.29"), DateError::NoSuchDay);
        assert_eq!(ok("令和6年2月29日"), "20240229");
    }

    #[test]
    fn era_year_zero() {
        assert_eq!(err("令和0年5月1日"), DateError::EraYearZero);
        assert_eq!(err("R0.5.1"), DateError::EraYearZero);
        assert_eq!(err("H00/1/8"), DateError::EraYearZero);
    }

    #[test]
    fn year_month_only() {
        for s in [
            "2024/04",
            "2024/4",
            "2024-04",
            "2024.4",
            "202404",
            "2024年4月",
            "令和08年03月",
            "R8-08",
            "r6.4",
            "H31/4/",
            "２０２４／０４",
        ] {
            assert_eq!(err(s), DateError::YearMonthOnly, "{s:?}");
        }
    }

    #[test]
    fn unknown_forms() {
        for s in [
            "2024",
            "240401",
            "202413",
            "12345",
            "202404011",
            "24/4/1",
            "02024/4/1",
            "2024/004/01",
            "2024/4/001",
            "2024/4-1",
            "2024-4/1",
            "2024.4/1",
            "2024年4月1",
            "2024年4/1日",
            "2024 04 01",
            "2 024/4/1",
            "2024/4/1(月)",
            "令和",
            "令和6",
            "令和6年",
            "令和006年4月1日",
            "元年5月1日",
            "2019元年5月1日",
            "X6.4.1",
            "Reiwa 6.4.1",
            "R",
            "R6",
            "RR6.4.1",
            "null",
            "--",
            "/",
            "令和6年4月1日日",
            "令和6年4月1日x",
            "H3１.4.30x",
            "4月1日",
            "+2024/4/1",
            "2024/+4/1",
        ] {
            assert_eq!(err(s), DateError::UnknownForm, "{s:?}");
        }
    }

    #[test]
    fn empty() {
        assert_eq!(err(""), DateError::Empty);
        assert_eq!(err("   "), DateError::Empty);
        assert_eq!(err("\u{3000}\u{3000}"), DateError::Empty);
    }

    #[test]
    fn messages() {
        assert_eq!(
            DateError::UnknownForm.to_string(),
            "not a date form we know"
        );
        assert_eq!(DateError::NoSuchDay.to_string(), "no such calendar day");
        assert_eq!(DateError::EraYearZero.to_string(), "era year 0");
        assert_eq!(
            DateError::UnknownEraCode('7').to_string(),
            "unknown era code 7"
        );
        assert_eq!(
            err("令和元年4月30日").to_string(),
            "before 令和 began (2019-05-01)"
        );
    }

    #[test]
    fn odd_input_does_not_panic() {
        for s in [
            "\u{0}",
            "🙂",
            "令",
            "R🙂",
            "2024/🙂/1",
            "９９９９９９９９９９９９９９９９９９９",
            "99999999",
            "R99.12.31",
            "M99/12/31",
            "\u{FEFF}2024/4/1",
            "ｶﾞ",
            "2024/4/1\u{0301}",
        ] {
            let _ = parse_date(s);
        }
        assert_eq!(ok("99991231"), "99991231");
        assert_eq!(ok("R99.12.31"), "21171231");
        assert_eq!(noted("M99/12/31"), "19661231");
    }
}
