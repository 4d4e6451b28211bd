//! Identifiers with valid check digits (vendor-exports-and-metrics.md §3.1, §3.2).

use crate::validate::values::mod10_check_digit;

/// `body` followed by its check digit.
fn with_check_digit(body: String) -> String {
    let cd = mod10_check_digit(body.chars().filter_map(|c| c.to_digit(10)));
    format!("{body}{cd}")
}

/// 保険者番号: the 5-digit municipality code (prefecture 2 + municipality 3) and its check
/// digit.
pub(super) fn insurer_no(prefecture: u32, municipality: u32) -> String {
    let body = format!("{:02}{:03}", prefecture % 100, municipality % 1000);
    with_check_digit(body)
}

/// 事業所番号: prefecture 2 + 区分 `7` (指定) + 郡市区 2 + serial 4 + check digit.
pub(super) fn care_facility_id(prefecture: u32, district: u32, serial: u32) -> String {
    let body = format!(
        "{:02}7{:02}{:04}",
        prefecture % 100,
        district % 100,
        serial % 10_000
    );
    with_check_digit(body)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_numbers() {
        // Hand-checked in the domain notes.
        assert_eq!(insurer_no(13, 101), "131011");
        assert_eq!(insurer_no(14, 100), "141002");
        assert_eq!(insurer_no(12, 219), "122192");
        assert_eq!(insurer_no(1, 100), "011007");
        assert_eq!(care_facility_id(13, 0, 1), "1370000018");
    }
}
