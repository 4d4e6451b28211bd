//! Identifiers with valid check digits (vendor-exports-and-metrics.md §3.1, §3.2).

/// The mod-10 check digit used by both 保険者番号 and 事業所番号: weights 2, 1, 2, … from the
/// right, products of 10 or more summed digit-wise, cd = (10 − sum mod 10) mod 10.
fn check_digit(values: &[u32]) -> u32 {
    let sum: u32 = values
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &v)| {
            let p = v * if i % 2 == 0 { 2 } else { 1 };
            p / 10 + p % 10
        })
        .sum();
    (10 - sum % 10) % 10
}

fn digits_of(s: &str) -> Vec<u32> {
    s.chars().filter_map(|c| c.to_digit(10)).collect()
}

/// 保険者番号: the 5-digit municipality code (prefecture 2 + municipality 3) and its check
/// digit.
pub(super) fn insurer_no(prefecture: u32, municipality: u32) -> String {
    let body = format!("{:02}{:03}", prefecture % 100, municipality % 1000);
    format!("{body}{}", check_digit(&digits_of(&body)))
}

/// 事業所番号: prefecture 2 + 区分 `7` (指定) + 郡市区 2 + serial 4 + check digit.
pub(super) fn care_facility_id(prefecture: u32, district: u32, serial: u32) -> String {
    let body = format!(
        "{:02}7{:02}{:04}",
        prefecture % 100,
        district % 100,
        serial % 10_000
    );
    format!("{body}{}", check_digit(&digits_of(&body)))
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
