//! The external_system_management_number of a vendor record.

/// external_system_management_number from the vendor's record key, the same every month:
/// `<key_prefix>-<key values joined by "-">` when every key value is ASCII letters, digits,
/// `-` or `_`; otherwise `<key_prefix>-h<16 hex digits>`, the FNV-1a 64 hash of the joined key
/// (stable across runs and machines). Never longer than 150 characters. `joined` is the key
/// values joined by `-`.
pub fn management_number(prefix: &str, joined: &str) -> String {
    let plain = joined
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if plain && prefix.len() + 1 + joined.len() <= 150 {
        let mut out = String::with_capacity(prefix.len() + 1 + joined.len());
        out.push_str(prefix);
        out.push('-');
        out.push_str(joined);
        return out;
    }
    // FNV-1a by hand: four lines, and the numbers LIFE already holds depend on these exact
    // values forever; a hashing crate may change its output between releases.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in joined.bytes() {
        h ^= b as u64;
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    format!("{prefix}-h{h:016x}")
}

#[cfg(test)]
mod tests {
    use super::management_number;

    #[test]
    fn management_numbers_are_stable() {
        assert_eq!(management_number("U", "000123"), "U-000123");
        assert_eq!(
            management_number("K", "000123-20260401"),
            "K-000123-20260401"
        );
        let h = management_number("U", "見本");
        assert_eq!(h, management_number("U", "見本"));
        assert!(h.starts_with("U-h") && h.len() == 19, "{h}");
        // FNV-1a 64 of the joined key: fixed values, so numbers stay the same across versions
        // (a key too long for the plain form is hashed too).
        assert_eq!(h, "U-h7e92b3f3c7e2e8fa");
        assert_eq!(
            management_number("U", &"1".repeat(150)),
            "U-h19410dfcc31fc15b"
        );
    }
}
