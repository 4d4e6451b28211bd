//! The ledger: an embedded SQLite file recording, per facility, interface and month, which
//! records were submitted (by 外部システム管理番号) with a content hash, and which users. It
//! answers cross-month questions: was this user registered before (a form row needs its user),
//! and did this record change since it was last sent (`--delta`). No names are stored;
//! 被保険者番号 only as a keyed hash (HMAC-SHA256 with a random key kept in the ledger itself).
//! Every run also leaves its counts per facility and month for the metrics, kept as JSON: the
//! ledger is a store and knows no other stage's types.
//!
//! The file's schema version is SQLite's `user_version`. Opening migrates an older file and
//! refuses a newer one; to change the schema, append a migration in `schema.rs`, never edit one
//! that has shipped. Inside, a facility's month of an interface is one row, its records in two
//! blobs (`blob.rs`); facilities and interfaces are integer ids, hashes and users' keys bytes
//! (`keys.rs`). `write.rs` records a month; `history.rs` reads a facility's months once for
//! the questions of its run.

mod blob;
mod history;
mod keys;
mod schema;
mod write;

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::sync::{Arc, Mutex};

use hmac::{Hmac, KeyInit, Mac};
use rusqlite::{Connection, params};
use serde::Serialize;
use serde::de::DeserializeOwned;
use sha2::Sha256;

use history::History;
pub use schema::VERSION;

/// How many facilities' histories a ledger keeps at most (see `Ledger::history`).
const HISTORIES: usize = 64;

#[derive(Debug, thiserror::Error)]
#[error("ledger {path}: {message}")]
pub struct LedgerError {
    pub path: String,
    pub message: String,
}

pub struct Ledger {
    path: String,
    conn: Mutex<Connection>,
    /// HMAC-SHA256 with the ledger's key, cloned per signature: its padded key blocks are
    /// hashed once, here.
    mac: Hmac<Sha256>,
    /// Per facility and month asked about: what the ledger holds before it.
    histories: Mutex<HashMap<(String, i64), Arc<History>>>,
}

/// One submitted record, borrowed from what the run keeps of it.
pub struct Submitted<'a> {
    pub number: &'a str,
    /// SHA-256 of the record's values; stored as its bytes, answered as hex.
    pub content_hash: [u8; 32],
    /// Keyed hash of (保険者番号, 被保険者番号); empty when the row has none.
    pub user_key: &'a str,
}

/// A run as the ledger keeps it; `stats` is whatever the caller recorded.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord<T> {
    pub facility: String,
    /// `YYYYMM`.
    pub month: String,
    /// Local time in Japan, `YYYY-MM-DDTHH:MM:SS+09:00`.
    pub run_at: String,
    pub stats: T,
}

impl Ledger {
    /// Opens (or creates) a ledger file and brings it to this build's [`VERSION`]; a file of a
    /// newer version is refused and left as it was.
    pub fn open(path: &Path) -> Result<Self, LedgerError> {
        let shown = path.display().to_string();
        let err = |e: &dyn std::fmt::Display| LedgerError {
            path: shown.clone(),
            message: e.to_string(),
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| err(&e))?;
        }
        let mut conn = Connection::open(path).map_err(|e| err(&e))?;
        // Before anything writes: a file of a newer version is left as it was.
        schema::check(&conn).map_err(|e| err(&e))?;
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))
                .map_err(|e| err(&e))?;
        }
        // Write-ahead log, synced at checkpoints: a commit no longer waits for its own fsync
        // (one per facility and interface made the run wait on the disk). Still crash-safe:
        // a power cut can lose the last commits, never corrupt the file, and re-running a
        // month records it again (idempotent).
        // SQLite's own page cache (2 MiB): since version 4 an office's month is one row of
        // blobs, read once a run, and a larger cache only held the ledger's pages in memory
        // (64 MiB made the run's peak grow with the ledger: 114 against 48 MB on 100 offices
        // of 2000 users, and slower, benches/README.md, "Issue 19"). A checkpoint every 32 MiB
        // of log instead of 4 (each one syncs the log and the file, while the other offices
        // wait for the ledger).
        conn.execute_batch(
            "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL; \
             PRAGMA wal_autocheckpoint = 8192;",
        )
        .map_err(|e| err(&e))?;
        // Every statement of the ledger stays prepared (the default keeps 16).
        conn.set_prepared_statement_cache_capacity(32);
        schema::migrate(&mut conn).map_err(|e| err(&e))?;
        // A new ledger's key: offered once, kept by whichever of two runs opening the same
        // new file at once inserts first; both read back the one kept.
        let mut k = [0u8; 32];
        getrandom::fill(&mut k).map_err(|e| err(&e))?;
        conn.execute(
            "INSERT OR IGNORE INTO meta (name, value) VALUES ('user_key', ?1)",
            params![k.as_slice()],
        )
        .map_err(|e| err(&e))?;
        let key: Vec<u8> = conn
            .query_row("SELECT value FROM meta WHERE name = 'user_key'", [], |r| {
                r.get(0)
            })
            .map_err(|e| err(&e))?;
        let mac = Hmac::new_from_slice(&key).map_err(|e| err(&e))?;
        Ok(Ledger {
            path: shown,
            conn: Mutex::new(conn),
            mac,
            histories: Mutex::default(),
        })
    }

    fn err(&self, e: impl std::fmt::Display) -> LedgerError {
        LedgerError {
            path: self.path.clone(),
            message: e.to_string(),
        }
    }

    /// The keyed hash that stands for a person: HMAC-SHA256(key, 保険者番号 "/" 被保険者番号).
    pub fn user_key(&self, insurer_no: &str, insured_no: &str) -> String {
        let mac = sign(
            &self.mac,
            &[insurer_no.as_bytes(), b"/", insured_no.as_bytes()],
        );
        hex(&mac[..16])
    }

    /// A month as the ledger keeps it; a month that is not `YYYYMM` is refused.
    fn month(&self, month: &str) -> Result<i64, LedgerError> {
        keys::month(month).ok_or_else(|| self.err(format!("month {month:?} is not YYYYMM")))
    }

    /// What the ledger holds of `facility` before `month`, kept while the facility's
    /// questions go on: recording the facility's month lets it go. At most [`HISTORIES`] are
    /// kept (about one per office in flight); past that, all are let go.
    fn history(&self, facility: &str, month: &str) -> Result<Arc<History>, LedgerError> {
        let month = self.month(month)?;
        let mut kept = self.histories.lock().map_err(|e| self.err(e))?;
        if let Some(h) = kept.get(&(facility.to_owned(), month)) {
            return Ok(h.clone());
        }
        if kept.len() >= HISTORIES {
            kept.clear();
        }
        let h = Arc::new(History::new(facility, month));
        kept.insert((facility.to_owned(), month), h.clone());
        Ok(h)
    }

    /// Lets the kept histories of `facility` go (its months changed).
    fn forget(&self, facility: &str) {
        if let Ok(mut kept) = self.histories.lock() {
            kept.retain(|(f, _), _| f != facility);
        }
    }

    /// Users of a facility submitted in SERVICE_USER_INFO in any month before `month`.
    pub fn known_users(&self, facility: &str, month: &str) -> Result<HashSet<String>, LedgerError> {
        let h = self.history(facility, month)?;
        let spans = h
            .spans(&self.conn, "SERVICE_USER_INFO")
            .map_err(|e| self.err(e))?;
        Ok(spans.keys().cloned().collect())
    }

    /// The user (keyed hash) of the latest record of an interface under a 外部システム管理番号
    /// sent in a month before `month`.
    pub fn owner(
        &self,
        facility: &str,
        data_type: &str,
        number: &str,
        month: &str,
    ) -> Result<Option<String>, LedgerError> {
        let h = self.history(facility, month)?;
        let latest = h.latest(&self.conn, data_type).map_err(|e| self.err(e))?;
        Ok(latest
            .numbers
            .get(number)
            .map(|&(_, _, u)| latest.users[u].clone()))
    }

    /// Whether a record of an interface was sent in a month before `month`.
    pub fn was_sent(
        &self,
        facility: &str,
        data_type: &str,
        number: &str,
        month: &str,
    ) -> Result<bool, LedgerError> {
        let h = self.history(facility, month)?;
        let latest = h.latest(&self.conn, data_type).map_err(|e| self.err(e))?;
        Ok(latest.numbers.contains_key(number))
    }

    /// The latest content hash of each record of an interface sent before `month`.
    pub fn latest_hashes(
        &self,
        facility: &str,
        data_type: &str,
        month: &str,
    ) -> Result<HashMap<String, String>, LedgerError> {
        let h = self.history(facility, month)?;
        let latest = h.latest(&self.conn, data_type).map_err(|e| self.err(e))?;
        Ok(latest
            .numbers
            .iter()
            .map(|(n, (_, hash, _))| (n.clone(), hash.answer()))
            .collect())
    }

    /// The first and last month before `month` in which a user had a record of these
    /// interfaces, as `YYYYMM`.
    pub fn user_months(
        &self,
        facility: &str,
        data_types: &[String],
        user_key: &str,
        month: &str,
    ) -> Result<Option<(String, String)>, LedgerError> {
        let h = self.history(facility, month)?;
        let mut first_last: Option<(i64, i64)> = None;
        for dt in data_types {
            let spans = h.spans(&self.conn, dt).map_err(|e| self.err(e))?;
            if let Some(&(lo, hi)) = spans.get(user_key) {
                first_last = Some(match first_last {
                    Some((a, b)) => (a.min(lo), b.max(hi)),
                    None => (lo, hi),
                });
            }
        }
        Ok(first_last.map(|(a, b)| (keys::month_text(a), keys::month_text(b))))
    }
}

impl Ledger {
    /// Keeps the counts of one facility's run of a month, as JSON (every run is kept: the
    /// first one of a month is the first pass, the last one the month's final state).
    pub fn record_run<T: Serialize + ?Sized>(
        &self,
        facility: &str,
        month: &str,
        run_at: &str,
        stats: &T,
    ) -> Result<(), LedgerError> {
        let json = serde_json::to_string(stats).map_err(|e| self.err(e))?;
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        conn.execute(
            "INSERT INTO runs (facility, month, run_at, stats) VALUES (?1, ?2, ?3, ?4)",
            params![facility, month, run_at, json],
        )
        .map_err(|e| self.err(e))?;
        Ok(())
    }

    /// Every run of the months `from..=to` (`YYYYMM`; None: no bound), in the order they ran,
    /// its counts read back as `T`.
    pub fn runs<T: DeserializeOwned>(
        &self,
        from: Option<&str>,
        to: Option<&str>,
    ) -> Result<Vec<RunRecord<T>>, LedgerError> {
        let conn = self.conn.lock().map_err(|e| self.err(e))?;
        let mut st = conn
            .prepare_cached(
                "SELECT facility, month, run_at, stats FROM runs \
                 WHERE month >= ?1 AND month <= ?2 ORDER BY month, facility, run_at, id",
            )
            .map_err(|e| self.err(e))?;
        let rows = st
            .query_map(params![from.unwrap_or(""), to.unwrap_or("999999")], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get::<_, String>(3)?))
            })
            .map_err(|e| self.err(e))?;
        let mut out = Vec::new();
        for row in rows {
            let (facility, month, run_at, json): (String, String, String, String) =
                row.map_err(|e| self.err(e))?;
            let stats = serde_json::from_str(&json)
                .map_err(|e| self.err(format!("run of {facility} {month} at {run_at}: {e}")))?;
            out.push(RunRecord {
                facility,
                month,
                run_at,
                stats,
            });
        }
        Ok(out)
    }
}

/// The HMAC of the concatenated parts, from a copy of the keyed `mac`.
fn sign(mac: &Hmac<Sha256>, parts: &[&[u8]]) -> [u8; 32] {
    let mut m = mac.clone();
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().into()
}

/// Lower-case hexadecimal (by hand: the `hex` crate is no dependency of ours, and this is all
/// of it we would use).
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        out.push(DIGITS[(b >> 4) as usize] as char);
        out.push(DIGITS[(b & 15) as usize] as char);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hmac_matches_rfc_4231_case_2() {
        let key = Hmac::new_from_slice(b"Jefe").unwrap();
        let mac = sign(&key, &[b"what do ya ", b"want for nothing?"]);
        assert_eq!(
            hex(&mac),
            "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
        );
    }

    #[test]
    fn records_replace_a_month_and_answer_later_months() {
        let tmp = tempfile::tempdir().unwrap();
        let l = Ledger::open(&tmp.path().join("l.sqlite")).unwrap();
        let u = l.user_key("131011", "9900000001");
        assert_eq!(u, l.user_key("131011", "9900000001"));
        assert!(!u.contains("9900000001"));
        let row = |n: &'static str, h: u8| Submitted {
            number: n,
            content_hash: [h; 32],
            user_key: &u,
        };
        fn sui(rows: Vec<Submitted<'_>>) -> [(&str, Vec<std::io::Result<Submitted<'_>>>); 1] {
            [("SERVICE_USER_INFO", rows.into_iter().map(Ok).collect())]
        }
        l.record("F", "202610", sui(vec![row("U-1", 1), row("U-2", 2)]))
            .unwrap();
        l.record("F", "202610", sui(vec![row("U-1", 3)])).unwrap();
        let latest = l.latest_hashes("F", "SERVICE_USER_INFO", "202611").unwrap();
        assert_eq!(latest.len(), 1);
        assert_eq!(latest["U-1"], hex(&[3; 32]));
        assert!(
            l.latest_hashes("F", "SERVICE_USER_INFO", "202610")
                .unwrap()
                .is_empty()
        );
        assert!(l.known_users("F", "202611").unwrap().contains(&u));
        // The key survives reopening: the same person gets the same key.
        drop(l);
        let l = Ledger::open(&tmp.path().join("l.sqlite")).unwrap();
        assert_eq!(l.user_key("131011", "9900000001"), u);
    }
}
