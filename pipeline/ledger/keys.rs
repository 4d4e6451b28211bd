//! How the ledger's values are stored: a month as the integer `yyyymm`, a hash or a user's key
//! as its bytes (`blob::Value`). The questions and answers of [`super::Ledger`] stay text; these turn one into
//! the other, both ways, so every answer reads back exactly as it was recorded.

use rusqlite::types::{FromSqlError, ValueRef};

use super::blob::{Value, put_value};

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

/// Writes a user's key as stored (`blob::Value`): its bytes when it is lower-case
/// hexadecimal (what the ledger writes), else the text itself, marked as text, so nothing is
/// lost or confused and it answers as it was recorded.
pub fn put_key(buf: &mut Vec<u8>, text: &str) {
    let bytes = unhex(text);
    let v = match &bytes {
        Some(b) => Value {
            text: false,
            bytes: b,
        },
        None => Value {
            text: true,
            bytes: text.as_bytes(),
        },
    };
    put_value(buf, v);
}

/// A value of an older file's column (a BLOB or a TEXT) as stored in a month.
pub fn stored(v: ValueRef<'_>) -> Result<Value<'_>, FromSqlError> {
    match v {
        ValueRef::Blob(bytes) => Ok(Value { text: false, bytes }),
        ValueRef::Text(bytes) => Ok(Value { text: true, bytes }),
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
    use super::super::blob::users;
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
        let stored = |s: &str| {
            let mut buf = Vec::new();
            put_key(&mut buf, s);
            buf
        };
        let back = |s: &str| users(&stored(s)).unwrap()[0].answer().unwrap();
        assert_eq!(
            users(&stored("0aff")).unwrap()[0],
            Value {
                text: false,
                bytes: &[10, 255]
            }
        );
        assert_eq!(
            users(&stored("")).unwrap()[0],
            Value {
                text: false,
                bytes: &[]
            }
        );
        for s in ["0aff", "", "0AFF", "abc", "zz", "鍵"] {
            assert_eq!(back(s), s);
        }
        assert!(users(&stored("0AFF")).unwrap()[0].text);
    }
}
