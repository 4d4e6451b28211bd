//! How the ledger's values are stored: a month as the integer `yyyymm`, a hash or a user's key
//! as its bytes. The questions and answers of [`super::Ledger`] stay text; these turn one into
//! the other, both ways, so every answer reads back exactly as it was recorded.

use rusqlite::types::{FromSqlError, ToSqlOutput, Value, ValueRef};

/// A month `YYYYMM` as stored; None when it is not six ASCII digits.
pub fn month(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 6 || !b.iter().all(u8::is_ascii_digit) {
        return None;
    }
    Some(b.iter().fold(0, |n, d| n * 10 + i64::from(d - b'0')))
}

/// A stored month as `YYYYMM` (every stored month came from six digits).
pub fn month_text(n: i64) -> String {
    format!("{n:06}")
}

/// A hash or a user's key as stored: its bytes when it is lower-case hexadecimal (what the
/// ledger writes), else the text itself, kept apart from any bytes (SQLite compares a TEXT
/// value and a BLOB as different), so nothing is lost or confused.
pub fn key(text: &str) -> ToSqlOutput<'_> {
    match unhex(text) {
        Some(bytes) => ToSqlOutput::Owned(Value::Blob(bytes)),
        None => ToSqlOutput::Borrowed(ValueRef::Text(text.as_bytes())),
    }
}

/// A stored hash or key as the text it was recorded as.
pub fn key_text(v: ValueRef<'_>) -> Result<String, FromSqlError> {
    match v {
        ValueRef::Blob(b) => Ok(super::hex(b)),
        ValueRef::Text(t) => std::str::from_utf8(t)
            .map(str::to_owned)
            .map_err(|e| FromSqlError::Other(Box::new(e))),
        _ => Err(FromSqlError::InvalidType),
    }
}

/// The bytes of lower-case hexadecimal of even length; None for anything else.
fn unhex(text: &str) -> Option<Vec<u8>> {
    let b = text.as_bytes();
    if !b.len().is_multiple_of(2) {
        return None;
    }
    let digit = |c: u8| match c {
        b'0'..=b'9' => Some(c - b'0'),
        b'a'..=b'f' => Some(c - b'a' + 10),
        _ => None,
    };
    b.chunks_exact(2)
        .map(|p| Some(digit(p[0])? << 4 | digit(p[1])?))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn months_are_six_digits_and_read_back_with_their_zeros() {
        assert_eq!(month("202610"), Some(202610));
        assert_eq!(month_text(202610), "202610");
        assert_eq!(month("000101").map(month_text).as_deref(), Some("000101"));
        for bad in ["2026-10", "20261", "2026100", "20261x", "", "２０２６１０"] {
            assert_eq!(month(bad), None, "{bad}");
        }
    }

    #[test]
    fn lower_case_hex_is_stored_as_bytes_anything_else_as_text() {
        let back = |s: &str| match key(s) {
            ToSqlOutput::Owned(Value::Blob(b)) => key_text(ValueRef::Blob(&b)).unwrap(),
            ToSqlOutput::Borrowed(v @ ValueRef::Text(_)) => key_text(v).unwrap(),
            _ => panic!("neither bytes nor text"),
        };
        assert!(matches!(key("0aff"), ToSqlOutput::Owned(Value::Blob(ref b)) if b == &[10, 255]));
        assert!(matches!(key(""), ToSqlOutput::Owned(Value::Blob(ref b)) if b.is_empty()));
        for s in ["0aff", "", "0AFF", "abc", "zz", "鍵"] {
            assert_eq!(back(s), s);
        }
        assert!(matches!(
            key("0AFF"),
            ToSqlOutput::Borrowed(ValueRef::Text(_))
        ));
    }
}
