//! One value of a care-plan column against the layout: requirement, length, attr, codes.

use crate::spec::careplan::{Attr, Column, Need};
use crate::validate::values::is_date;

/// What is wrong with a value: the rule, and (Japanese, English) of what the rule wants.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub rule: &'static str,
    pub ja: String,
    pub en: String,
}

fn problem(rule: &'static str, ja: String, en: String) -> Option<Problem> {
    Some(Problem { rule, ja, en })
}

/// The first thing wrong with `v` in `col`, if any. `zeros`: all zeros is allowed for a date
/// or month not used in this linkage (補足 No.4/No.63).
pub fn check(col: &Column, v: &str, zeros: bool) -> Option<Problem> {
    let name = &col.name;
    if v.is_empty() {
        return (col.need == Need::Required).then(|| Problem {
            rule: "value.required",
            ja: format!("必須項目（○）「{name}」が未入力です"),
            en: format!("required item (○) {name} is empty"),
        });
    }
    if col.attr == Attr::Unused {
        return problem(
            "value.unused",
            format!("「{name}」は使用しない項目です。空にしてください"),
            format!("{name} is not used (※使用しない); leave it empty"),
        );
    }
    if zeros && v.bytes().all(|b| b == b'0') && Some(v.len()) == col.max_len {
        return None;
    }
    let chars = v.chars().count();
    let exact = matches!(
        col.attr,
        Attr::Number | Attr::YearMonth | Attr::Date | Attr::Time
    );
    if let Some(len) = col.max_len {
        let insured_h = col.insured && v.starts_with('H') && chars == 10;
        if (exact && chars != len && !insured_h) || chars > len {
            let (ja, en) = if exact {
                ("桁", "exactly")
            } else {
                ("桁以内", "at most")
            };
            return problem(
                "value.length",
                format!("「{name}」は{len}{ja}です"),
                format!("{name} must be {en} {len} characters"),
            );
        }
    }
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    match col.attr {
        Attr::YearMonth if !is_month(v) => problem(
            "value.date",
            format!("「{name}」がYYYYMMの年月ではありません"),
            format!("{name} is not a YYYYMM month"),
        ),
        Attr::Date if !is_date(v) => problem(
            "value.date",
            format!("「{name}」がYYYYMMDDの日付ではありません"),
            format!("{name} is not a YYYYMMDD date"),
        ),
        Attr::Time if !(is_hhmm(v) || col.no_time && v == "9999") => problem(
            "value.time",
            format!("「{name}」がHHMMの時刻（0000〜2359）ではありません"),
            format!("{name} is not an HHMM time (0000–2359)"),
        ),
        Attr::Number if !(digits(v) || col.insured && is_seiho_number(v)) => problem(
            "value.digits",
            format!("「{name}」が半角数字ではありません"),
            format!("{name} is not ASCII digits"),
        ),
        Attr::Integer if !digits(v.strip_prefix('-').unwrap_or(v)) => problem(
            "value.number",
            format!("「{name}」が半角の整数ではありません"),
            format!("{name} is not an integer in ASCII digits"),
        ),
        Attr::Decimal if !is_decimal(v) => problem(
            "value.number",
            format!("「{name}」が99.99の形の数ではありません"),
            format!("{name} is not a number of the form 99.99"),
        ),
        Attr::Postal if !is_postcode(v) => problem(
            "value.format",
            format!("「{name}」がXXX-XXXXの郵便番号ではありません"),
            format!("{name} is not a postcode XXX-XXXX"),
        ),
        Attr::Flags if v.len() != 31 || !v.bytes().all(|b| b == b'0' || b == b'1') => problem(
            "value.format",
            format!("「{name}」が0と1の31文字ではありません"),
            format!("{name} is not 31 characters of 0 and 1"),
        ),
        Attr::Code if !col.codes.is_empty() && !col.codes.iter().any(|(c, _)| c == v) => {
            let list: Vec<String> = col.codes.iter().map(|(c, l)| format!("{c} {l}")).collect();
            problem(
                "value.code",
                format!("「{name}」のコードが定義外です（{}）", list.join("、")),
                format!("{name} is not one of its codes ({})", list.join(", ")),
            )
        }
        _ => None,
    }
}

/// `YYYYMM`, a month of the years 1000–9999.
pub fn is_month(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 6
        && b.iter().all(u8::is_ascii_digit)
        && b[0] != b'0'
        && matches!((b[4] - b'0') * 10 + (b[5] - b'0'), 1..=12)
}

/// 生保単独: `H` and 9 digits.
fn is_seiho_number(v: &str) -> bool {
    v.len() == 10 && v.starts_with('H') && v[1..].bytes().all(|b| b.is_ascii_digit())
}

fn is_hhmm(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 4
        && b.iter().all(u8::is_ascii_digit)
        && (b[0] - b'0') * 10 + (b[1] - b'0') < 24
        && (b[2] - b'0') * 10 + (b[3] - b'0') < 60
}

fn is_decimal(v: &str) -> bool {
    let (i, f) = v.split_once('.').unwrap_or((v, "1"));
    let d = |s: &str, n: usize| (1..=n).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit());
    d(i, 2) && d(f, 2)
}

fn is_postcode(v: &str) -> bool {
    let b = v.as_bytes();
    b.len() == 8 && b[3] == b'-' && b[..3].iter().chain(&b[4..]).all(u8::is_ascii_digit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(attr: Attr, len: Option<usize>, need: Need) -> Column {
        Column {
            no: 1,
            name: "項目".into(),
            attr,
            attr_inferred: false,
            max_len: len,
            need,
            codes: Vec::new(),
            note: String::new(),
            low: false,
            basis: String::new(),
            insured: false,
            no_time: false,
        }
    }

    fn rule(c: &Column, v: &str) -> Option<&'static str> {
        check(c, v, false).map(|p| p.rule)
    }

    #[test]
    fn one_passing_and_one_failing_value_per_check() {
        let req = col(Attr::Text, None, Need::Required);
        assert_eq!(rule(&req, ""), Some("value.required"));
        assert_eq!(rule(&req, "あ"), None);
        assert_eq!(rule(&col(Attr::Text, None, Need::Optional), ""), None);
        let text = col(Attr::Text, Some(3), Need::Optional);
        assert_eq!(rule(&text, "あいう"), None);
        assert_eq!(rule(&text, "あいうえ"), Some("value.length"));
        let ym = col(Attr::YearMonth, Some(6), Need::Required);
        assert_eq!(rule(&ym, "202610"), None);
        assert_eq!(rule(&ym, "202613"), Some("value.date"));
        assert_eq!(rule(&ym, "20261"), Some("value.length"));
        let date = col(Attr::Date, Some(8), Need::Optional);
        assert_eq!(rule(&date, "20261031"), None);
        assert_eq!(rule(&date, "20261131"), Some("value.date"));
        let time = col(Attr::Time, Some(4), Need::Required);
        assert_eq!(rule(&time, "2359"), None);
        assert_eq!(rule(&time, "2400"), Some("value.time"));
        assert_eq!(rule(&time, "9999"), Some("value.time"));
        let mut no_time = time.clone();
        no_time.no_time = true;
        assert_eq!(check(&no_time, "9999", false), None);
        let num = col(Attr::Number, Some(6), Need::Required);
        assert_eq!(rule(&num, "131011"), None);
        assert_eq!(rule(&num, "13101A"), Some("value.digits"));
        assert_eq!(rule(&num, "１３１０１１"), Some("value.digits"));
        let mut insured = col(Attr::Number, Some(10), Need::Required);
        insured.insured = true;
        assert_eq!(rule(&insured, "H123456789"), None);
        assert_eq!(rule(&insured, "X123456789"), Some("value.digits"));
        let int = col(Attr::Integer, Some(6), Need::Optional);
        assert_eq!(rule(&int, "-120"), None);
        assert_eq!(rule(&int, "12.5"), Some("value.number"));
        let dec = col(Attr::Decimal, Some(5), Need::Optional);
        assert_eq!(rule(&dec, "10.72"), None);
        assert_eq!(rule(&dec, "100.7"), Some("value.number"));
        let post = col(Attr::Postal, Some(8), Need::Optional);
        assert_eq!(rule(&post, "100-0001"), None);
        assert_eq!(rule(&post, "1000001"), Some("value.format"));
        let flags = col(Attr::Flags, Some(31), Need::Conditional);
        assert_eq!(rule(&flags, &"1".repeat(31)), None);
        assert_eq!(rule(&flags, &"2".repeat(31)), Some("value.format"));
        let mut code = col(Attr::Code, Some(1), Need::Required);
        code.codes = vec![("1".into(), "該当".into()), ("0".into(), "非該当".into())];
        assert_eq!(rule(&code, "0"), None);
        assert_eq!(rule(&code, "2"), Some("value.code"));
        let unused = col(Attr::Unused, Some(1), Need::Optional);
        assert_eq!(rule(&unused, ""), None);
        assert_eq!(rule(&unused, "1"), Some("value.unused"));
        assert_eq!(check(&date, "00000000", true), None);
        assert_eq!(rule(&ym, "000000"), Some("value.date"));
        assert_eq!(rule(&ym, "202600"), Some("value.date"));
        assert_eq!(rule(&date, "00000000"), Some("value.date"));
    }
}
