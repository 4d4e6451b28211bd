//! A file's findings as `lifeline validate` makes them, part after part, kept for the report
//! (which names every check and counts before the first finding) in a compact form: a few
//! bytes and the value per finding, in memory up to [`IN_MEMORY`] and past that in an unnamed
//! temporary file, so a file in which every row is wrong is checked in the memory of a clean
//! one. Each check is kept once, however many parts register it.

use std::collections::HashMap;
use std::io::{self, Read};

use super::finding::{Check, Findings, Severity};
use crate::decode::store::{Store, get_varint, put_varint};

/// What a log keeps in memory before it moves to a file.
pub const IN_MEMORY: usize = 1 << 20;

/// Findings in the order they were added: per finding its line, its check (an index into
/// [`Log::checks`]) and its value.
pub struct Log {
    pub checks: Vec<Check>,
    index: HashMap<Check, u32>,
    store: Store,
    len: usize,
    /// The line of the last finding added, which the next one's is written against.
    last_line: u64,
    errors: usize,
    warnings: usize,
}

impl Default for Log {
    fn default() -> Self {
        Log {
            checks: Vec::new(),
            index: HashMap::new(),
            store: Store::Memory(Vec::new()),
            len: 0,
            last_line: 0,
            errors: 0,
            warnings: 0,
        }
    }
}

impl std::fmt::Debug for Log {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Log")
            .field("checks", &self.checks.len())
            .field("findings", &self.len)
            .finish()
    }
}

// A finding's bytes, each a LEB128 varint (`decode::store::put_varint`): its line's distance
// from the finding's before (zigzag), its check, and its value's length + 1 (0 for none), then
// the value: about five bytes for a finding on a code, against 40 in memory.

fn zigzag(d: i64) -> u64 {
    ((d << 1) ^ (d >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    (v >> 1) as i64 ^ -((v & 1) as i64)
}

impl Log {
    /// Adds a part's findings after those added before.
    pub fn add(&mut self, part: Findings) -> io::Result<()> {
        let at: Vec<u32> = part
            .checks
            .into_iter()
            .map(|c| match self.index.get(&c) {
                Some(&at) => at,
                None => {
                    let at = self.checks.len() as u32;
                    self.index.insert(c.clone(), at);
                    self.checks.push(c);
                    at
                }
            })
            .collect();
        let mut buf = Vec::with_capacity(part.findings.len() * 6);
        for f in &part.findings {
            let check = at[f.check as usize];
            match self.checks[check as usize].severity {
                Severity::Error => self.errors += 1,
                Severity::Warning => self.warnings += 1,
            }
            put_varint(&mut buf, zigzag(f.line.wrapping_sub(self.last_line) as i64));
            self.last_line = f.line;
            put_varint(&mut buf, u64::from(check));
            match &f.value {
                Some(v) => {
                    put_varint(&mut buf, v.len() as u64 + 1);
                    buf.extend_from_slice(v.as_bytes());
                }
                None => put_varint(&mut buf, 0),
            }
        }
        self.len += part.findings.len();
        self.store.append(&std::env::temp_dir(), &buf, IN_MEMORY)
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn count(&self, severity: Severity) -> usize {
        match severity {
            Severity::Error => self.errors,
            Severity::Warning => self.warnings,
        }
    }

    /// Calls `f(line, check, value)` for every finding, in order; stops at the first `Err`.
    pub fn walk(
        &self,
        mut f: impl FnMut(u64, u32, Option<&str>) -> io::Result<()>,
    ) -> io::Result<()> {
        let mut r = self.store.from(0)?;
        let (mut line, mut value) = (0u64, Vec::new());
        for _ in 0..self.len {
            line = line.wrapping_add(unzigzag(get_varint(&mut r)?) as u64);
            let check = get_varint(&mut r)? as u32;
            let len = get_varint(&mut r)?;
            if len == 0 {
                f(line, check, None)?;
                continue;
            }
            value.resize(len as usize - 1, 0);
            r.read_exact(&mut value)?;
            let v = std::str::from_utf8(&value)
                .map_err(|e| io::Error::new(io::ErrorKind::InvalidData, e))?;
            f(line, check, Some(v))?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Past [`IN_MEMORY`] the log is in a file, and walks back the same.
    #[test]
    fn a_log_past_its_memory_walks_back_from_its_file() {
        let mut log = Log::default();
        let n = 400_000u64;
        for part in 0..4 {
            let mut f = Findings::default();
            let c = f.check(
                "value.code",
                Severity::Error,
                Some("x"),
                "ja".into(),
                "en".into(),
            );
            for i in 0..n / 4 {
                let line = 3 + part * (n / 4) + i;
                f.push(
                    line,
                    c,
                    Some(if i.is_multiple_of(2) {
                        "X"
                    } else {
                        "a value longer than 24 bytes"
                    }),
                );
            }
            log.add(f).unwrap();
        }
        assert!(matches!(log.store, Store::File(_)), "moved to a file");
        let mut expect = 3;
        log.walk(|line, c, v| {
            assert_eq!((line, c), (expect, 0));
            let i = line - 3 - (line - 3) / (n / 4) * (n / 4);
            assert_eq!(
                v.map(str::len),
                Some(if i.is_multiple_of(2) { 1 } else { 28 })
            );
            expect += 1;
            Ok(())
        })
        .unwrap();
        assert_eq!(expect, 3 + n);
        assert_eq!(
            (log.len(), log.checks.len(), log.count(Severity::Error)),
            (n as usize, 1, n as usize)
        );
    }

    proptest! {
        /// Parts added (checks repeated across them, values of any text) walk back as the
        /// findings appended into one set, each check kept once.
        #[test]
        fn a_log_walks_back_what_was_added(
            parts in proptest::collection::vec(
                proptest::collection::vec((prop_oneof![0u64..50, Just(u64::MAX), Just(1u64 << 40)], 0u32..3, proptest::option::of(".{0,12}")), 0..200),
                0..6,
            ),
        ) {
            let mut log = Log::default();
            let mut all = Findings::default();
            for part in parts {
                let mut f = Findings::default();
                for i in 0..3 {
                    let sev = if i == 0 { Severity::Warning } else { Severity::Error };
                    f.check("r", sev, None, format!("ja{i}"), format!("en{i}"));
                }
                for (line, check, value) in &part {
                    f.push(*line, *check, value.as_deref());
                }
                all.append(f.clone());
                log.add(f).unwrap();
            }
            let mut back = Vec::new();
            log.walk(|l, c, v| {
                back.push((l, log.checks[c as usize].clone(), v.map(str::to_string)));
                Ok(())
            }).unwrap();
            let want: Vec<_> = all.findings.iter()
                .map(|f| (f.line, all.checks[f.check as usize].clone(), f.value.as_deref().map(str::to_string)))
                .collect();
            prop_assert_eq!(back, want);
            prop_assert!(log.checks.len() <= 3);
            prop_assert_eq!(log.count(Severity::Error), all.count(Severity::Error));
            prop_assert_eq!(log.count(Severity::Warning), all.count(Severity::Warning));
        }
    }
}
