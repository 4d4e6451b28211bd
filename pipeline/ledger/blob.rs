//! One facility's month of one interface as the ledger keeps it: a row of `months` whose
//! records are two blobs, written and read whole (a month is recorded and replaced as one).
//!
//! - `users`: each user the month's records name, once, in the order they first name them, as
//!   a value.
//! - `records`: the records sorted by 外部システム管理番号, each number once: the length of the
//!   prefix it shares with the number before, the length and bytes of the rest, its content hash
//!   (a value) and its user (index into `users`).
//!
//! A value is a varint, its length × 2 (+ 1 when it is text), then its bytes: a hash or user's
//! key is its bytes (answered as lower-case hex); one kept from an old file that was not hex
//! stays text, so every answer reads back as it was recorded. Lengths and indexes are LEB128
//! varints (`decode::store`).

use std::collections::HashMap;
use std::hash::Hash;
use std::io;

use crate::decode::store::{get_varint, put_varint};

/// A stored hash or user's key.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Value<'a> {
    pub text: bool,
    pub bytes: &'a [u8],
}

impl Value<'_> {
    /// The text it was recorded as: hex of bytes, or the text itself.
    pub fn answer(&self) -> io::Result<String> {
        match self.text {
            false => Ok(super::hex(self.bytes)),
            true => String::from_utf8(self.bytes.to_vec()).map_err(damaged),
        }
    }
}

/// One record to keep; `user` is whatever stands for its user until the month is written.
pub struct Rec<'a, U> {
    pub number: &'a str,
    pub hash: Value<'a>,
    pub user: U,
}

/// A month's blobs, and how many records they hold.
#[derive(PartialEq, Eq)]
pub struct Month {
    pub count: usize,
    pub users: Vec<u8>,
    pub records: Vec<u8>,
}

pub fn put_value(buf: &mut Vec<u8>, v: Value<'_>) {
    put_varint(buf, (v.bytes.len() as u64) << 1 | u64::from(v.text));
    buf.extend_from_slice(v.bytes);
}

/// The month of `recs`: a number given twice keeps its last record. `user` writes a user's
/// value (asked once per user).
pub fn encode<U: Copy + Eq + Hash>(
    mut recs: Vec<Rec<'_, U>>,
    mut user: impl FnMut(U, &mut Vec<u8>),
) -> Month {
    recs.sort_by(|a, b| a.number.cmp(b.number)); // stable: of equal numbers, the last is last
    let mut m = Month {
        count: 0,
        users: Vec::new(),
        records: Vec::with_capacity(recs.len() * 48),
    };
    let mut index: HashMap<U, u64, foldhash::fast::RandomState> = HashMap::default();
    let mut prev: &[u8] = b"";
    for (i, r) in recs.iter().enumerate() {
        if recs.get(i + 1).is_some_and(|n| n.number == r.number) {
            continue;
        }
        let n = r.number.as_bytes();
        let shared = n.iter().zip(prev).take_while(|(a, b)| a == b).count();
        put_varint(&mut m.records, shared as u64);
        put_varint(&mut m.records, (n.len() - shared) as u64);
        m.records.extend_from_slice(&n[shared..]);
        put_value(&mut m.records, r.hash);
        let next = index.len() as u64;
        let u = *index.entry(r.user).or_insert_with(|| {
            user(r.user, &mut m.users);
            next
        });
        put_varint(&mut m.records, u);
        prev = n;
        m.count += 1;
    }
    m
}

fn damaged(e: impl std::fmt::Display) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidData,
        format!("a recorded month is damaged: {e}"),
    )
}

fn value<'a>(r: &mut &'a [u8]) -> io::Result<Value<'a>> {
    let tag = get_varint(r)?;
    let len = usize::try_from(tag >> 1).map_err(damaged)?;
    if len > r.len() {
        return Err(damaged("a value runs past its end"));
    }
    let (bytes, rest) = r.split_at(len);
    *r = rest;
    Ok(Value {
        text: tag & 1 == 1,
        bytes,
    })
}

/// The users of a month's `users` blob, in order.
pub fn users(mut blob: &[u8]) -> io::Result<Vec<Value<'_>>> {
    let mut out = Vec::new();
    while !blob.is_empty() {
        out.push(value(&mut blob)?);
    }
    Ok(out)
}

/// Each record of a month's `records` blob, in order: its number, hash and user's index.
pub fn records(mut blob: &[u8], mut each: impl FnMut(&str, Value<'_>, usize)) -> io::Result<()> {
    let mut number: Vec<u8> = Vec::new();
    while !blob.is_empty() {
        let shared = usize::try_from(get_varint(&mut blob)?).map_err(damaged)?;
        let rest = usize::try_from(get_varint(&mut blob)?).map_err(damaged)?;
        if shared > number.len() || rest > blob.len() {
            return Err(damaged("a number runs past its end"));
        }
        number.truncate(shared);
        number.extend_from_slice(&blob[..rest]);
        blob = &blob[rest..];
        let hash = value(&mut blob)?;
        let user = usize::try_from(get_varint(&mut blob)?).map_err(damaged)?;
        each(std::str::from_utf8(&number).map_err(damaged)?, hash, user);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn text(s: &str) -> Value<'_> {
        Value {
            text: true,
            bytes: s.as_bytes(),
        }
    }

    proptest! {
        /// What is encoded reads back: each number once (its last record), sorted, with its
        /// hash and user, whatever the numbers share or hold (UTF-8 cut inside a character).
        #[test]
        fn a_month_reads_back_as_recorded(
            rows in prop::collection::vec(("[A-Kあ-う]{0,6}", prop::collection::vec(any::<u8>(), 0..40), any::<bool>(), 0..5u8), 0..40)
        ) {
            let recs: Vec<Rec<'_, u8>> = rows
                .iter()
                .map(|(n, h, t, u)| Rec { number: n, hash: Value { text: *t, bytes: h }, user: *u })
                .collect();
            let mut expected: std::collections::BTreeMap<&str, (Value<'_>, u8)> = Default::default();
            for r in &recs {
                expected.insert(r.number, (r.hash, r.user));
            }
            let names = ["u0", "u1", "u2", "u3", "u4"];
            let m = encode(recs, |u, buf| put_value(buf, text(names[u as usize])));
            prop_assert_eq!(m.count, expected.len());
            let users = users(&m.users).unwrap();
            let mut got = Vec::new();
            records(&m.records, |n, h, u| {
                let name = users[u].answer().unwrap();
                got.push((n.to_string(), h.text, h.bytes.to_vec(), name));
            })
            .unwrap();
            let want: Vec<_> = expected
                .iter()
                .map(|(n, (h, u))| (n.to_string(), h.text, h.bytes.to_vec(), names[*u as usize].to_string()))
                .collect();
            prop_assert_eq!(got, want);
        }

        /// A damaged blob is an error, never a panic.
        #[test]
        fn a_damaged_month_is_an_error(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
            let _ = users(&bytes);
            let _ = records(&bytes, |_, _, _| {});
        }
    }

    #[test]
    fn a_value_answers_as_recorded() {
        let b = Value {
            text: false,
            bytes: &[0xab, 0x01],
        };
        assert_eq!(b.answer().unwrap(), "ab01");
        assert_eq!(text("legacy").answer().unwrap(), "legacy");
        assert!(
            records(&[0, 5, b'a'], |_, _, _| {}).is_err(),
            "a number past the end"
        );
    }
}
