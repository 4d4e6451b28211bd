//! Value predicates: calendar dates, times, numbers, identifier check digits. Pure functions on
//! `&str`, no allocation.

use crate::spec::calendar;
use crate::spec::rules::CheckScheme;

/// `YYYYMMDD` that is a real calendar date (Gregorian, years 1000–9999).
pub fn is_date(s: &str) -> bool {
    parse_date(s).is_some()
}

/// `YYYYMMDD` whose day may be `00` (unknown day), where the spec allows it.
pub fn is_date_or_unknown_day(s: &str) -> bool {
    // Day 00 stands for a day of the month: the month exists when its first day does.
    digits(s).is_some_and(|(y, m, d)| ordered(y, m, d.max(1)).is_some())
}

/// `YYYYMMDD` → a number that orders like the date.
pub fn parse_date(s: &str) -> Option<u32> {
    digits(s).and_then(|(y, m, d)| ordered(y, m, d))
}

/// Year, month and day of eight ASCII digits.
fn digits(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 8 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| b[r].iter().fold(0u32, |n, d| n * 10 + (d - b'0') as u32);
    Some((num(0..4), num(4..6), num(6..8)))
}

/// `YYYYMMDD` as a number, for a calendar day of the years 1000–9999.
fn ordered(y: u32, m: u32, d: u32) -> Option<u32> {
    (y >= 1000 && calendar::is_calendar_day(y as i32, m, d)).then_some(y * 10000 + m * 100 + d)
}

/// Times by 書式: `HHmm` (0000–2359), `HH` (00–23), `mm` (00–59). Unknown formats pass.
pub fn is_time(fmt: &str, s: &str) -> bool {
    let b = s.as_bytes();
    let two = |i: usize| (b[i] - b'0') as u32 * 10 + (b[i + 1] - b'0') as u32;
    let digits = b.iter().all(u8::is_ascii_digit);
    match fmt {
        "HHmm" => digits && b.len() == 4 && two(0) < 24 && two(2) < 60,
        "HH" => digits && (1..=2).contains(&b.len()) && s.parse::<u32>().is_ok_and(|h| h < 24),
        "mm" => digits && (1..=2).contains(&b.len()) && s.parse::<u32>().is_ok_and(|m| m < 60),
        _ => true,
    }
}

/// The shape of a LIFE number: ASCII digits with an optional `.` and decimals; no sign, no
/// thousands separator. Returns (integer digits, decimal digits).
pub fn number_shape(s: &str) -> Option<(usize, usize)> {
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i, Some(f)),
        None => (s, None),
    };
    let ok = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    if !ok(int) || frac.is_some_and(|f| !ok(f)) {
        return None;
    }
    // Leading zeros do not count as integer digits ("007" has one).
    let int_digits = int.trim_start_matches('0').len().max(1);
    Some((int_digits, frac.map_or(0, str::len)))
}

/// Checks an identifier's check digit. `None` means the check digit matches; `Some(reason)`
/// says why not.
pub fn check_digit(scheme: CheckScheme, s: &str) -> Option<&'static str> {
    match scheme {
        CheckScheme::InsurerNo => insurer_no(s),
        CheckScheme::CareFacilityId => care_facility_id(s),
    }
}

/// 保険者番号: 5 digits and a check digit; weights 2,1,2,1,2, products ≥ 10 summed digit-wise,
/// cd = (10 − sum mod 10) mod 10.
fn insurer_no(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return Some("not 6 digits");
    }
    let cd = mod10_check_digit(b[..5].iter().map(|d| (d - b'0') as u32));
    (cd != (b[5] - b'0') as u32).then_some("check digit does not match")
}

/// The mod-10 check digit of 保険者番号 and 事業所番号 over the values before it: weights 2, 1,
/// 2, … from the right, products of 10 or more summed digit-wise (tens + units),
/// cd = (10 − sum mod 10) mod 10. The one implementation, for checking and for making numbers.
pub fn mod10_check_digit(values: impl DoubleEndedIterator<Item = u32>) -> u32 {
    let sum: u32 = values
        .rev()
        .enumerate()
        .map(|(i, v)| {
            let p = v * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

/// 事業所番号: prefecture 01–47, a class character (digit, or A–Z without I, O, Q, counted as
/// 10–32), 7 more digits of which the last is a mod-10 check digit over the first nine,
/// weights 2,1 from the right (a letter's value is used as is).
fn care_facility_id(s: &str) -> Option<&'static str> {
    let b = s.as_bytes();
    let class_ok = |c: u8| c.is_ascii_digit() || (c.is_ascii_uppercase() && !b"IOQ".contains(&c));
    if b.len() != 10
        || !b[..2].iter().all(u8::is_ascii_digit)
        || !class_ok(b[2])
        || !b[3..].iter().all(u8::is_ascii_digit)
    {
        return Some("not 2 digits, a class character and 7 digits");
    }
    let pref = (b[0] - b'0') as u32 * 10 + (b[1] - b'0') as u32;
    if !(1..=47).contains(&pref) {
        return Some("prefecture code is not 01–47");
    }
    let value = |c: u8| -> u32 {
        if c.is_ascii_digit() {
            (c - b'0') as u32
        } else {
            // A = 10 … Z = 35 minus the skipped I, O, Q before it: A=10 … Z=32.
            let skipped = b"IOQ".iter().filter(|&&x| x < c).count() as u32;
            (c - b'A') as u32 + 10 - skipped
        }
    };
    let cd = mod10_check_digit(b[..9].iter().map(|&c| value(c)));
    (cd != (b[9] - b'0') as u32).then_some("check digit does not match")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert!(is_date("20240229"));
        assert!(!is_date("20230229"));
        assert!(!is_date("19000229"));
        assert!(is_date("20000229"));
        assert!(!is_date("20240431"));
        assert!(!is_date("2024-4-1"));
        assert!(!is_date("２０２４０４０１"));
        assert!(parse_date("20240101") < parse_date("20241231"));
        assert!(!is_date("21000229"));
        assert!(!is_date("09991231"), "years before 1000");
        assert!(is_date("99991231"));
        assert_eq!(parse_date("20240229"), Some(20240229));
        assert_eq!(parse_date("20250229"), None);
        assert!(is_date_or_unknown_day("20240100"));
        assert!(is_date_or_unknown_day("20240229"));
        assert!(!is_date_or_unknown_day("20250229"));
        assert!(!is_date_or_unknown_day("20241300"));
        assert!(!is_date_or_unknown_day("20240000"));
        assert!(!is_date_or_unknown_day("09990100"));
        assert!(!is_date_or_unknown_day("2024010"));
        assert!(!is_date_or_unknown_day("202401000"));
        assert!(!is_date("20240100"));
    }

    #[test]
    fn times() {
        assert!(is_time("HHmm", "2359"));
        assert!(!is_time("HHmm", "2400"));
        assert!(!is_time("HHmm", "1260"));
        assert!(is_time("HH", "7"));
        assert!(!is_time("mm", "60"));
    }

    #[test]
    fn numbers() {
        assert_eq!(number_shape("148.5"), Some((3, 1)));
        assert_eq!(number_shape("0.5"), Some((1, 1)));
        assert_eq!(number_shape("1000"), Some((4, 0)));
        assert_eq!(number_shape("-1"), None);
        assert_eq!(number_shape("1,000"), None);
        assert_eq!(number_shape("1."), None);
        assert_eq!(number_shape(".5"), None);
    }

    #[test]
    fn insurer_numbers() {
        // Verified by hand in the domain notes.
        for ok in ["131011", "141002", "122192", "122069", "011007"] {
            assert_eq!(insurer_no(ok), None, "{ok}");
        }
        assert!(insurer_no("131012").is_some());
        assert!(insurer_no("001220").is_some());
        assert!(insurer_no("13101").is_some());
    }

    #[test]
    fn facility_ids() {
        // 137000001, weights 2,1,2,… from the right: products 2,0,0,0,0,0,14,3,2;
        // digit sums 2+5+3+2 = 12 → cd (10 − 2) mod 10 = 8.
        assert_eq!(care_facility_id("1370000018"), None);
        assert!(care_facility_id("1370000019").is_some());
        // A class letter counts as its value (A = 10): 13A000001 → cd 1.
        assert_eq!(care_facility_id("13A0000011"), None);
        assert!(care_facility_id("4870000011").is_some(), "prefecture 48");
        assert!(
            care_facility_id("13I0000001").is_some(),
            "I is not a class letter"
        );
        assert!(care_facility_id("137000001").is_some());
    }
}
