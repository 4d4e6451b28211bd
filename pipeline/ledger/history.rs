//! What the ledger knows of one facility before a month, read from its months when first
//! asked and kept for the rest of the office's run: a run asks about every row, and each
//! question must not read the months again. Per interface, two views, each read on its own:
//! the users of each month (who was sent when: `known_users`, `user_months`), and the latest
//! record of each number (`owner`, `was_sent`, `latest_hashes`), which needs the records.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use rusqlite::{Connection, params};

use super::blob;

type Map<K, V> = HashMap<K, V, foldhash::fast::RandomState>;

/// Per user (as answered): the first and last month with a record of the interface.
pub type Spans = Map<String, (i64, i64)>;

/// Per number: the latest record's month, hash (as answered) and user (index into `users`).
pub struct Latest {
    pub users: Vec<String>,
    pub numbers: Map<String, (i64, Hash, usize)>,
}

/// A record's hash: the 32 bytes the ledger writes, or the text an old file kept.
#[derive(Clone, PartialEq, Eq, Debug)]
pub enum Hash {
    Sha256([u8; 32]),
    Other(String),
}

impl Hash {
    pub fn answer(&self) -> String {
        match self {
            Hash::Sha256(b) => super::hex(b),
            Hash::Other(s) => s.clone(),
        }
    }
}

/// One facility's months before `month`, as far as they were asked for.
pub struct History {
    facility: String,
    month: i64,
    spans: Mutex<Map<String, Arc<Spans>>>,
    latest: Mutex<Map<String, Arc<Latest>>>,
}

/// The rows of `months` of a facility and interface before a month, oldest first.
const MONTHS: &str = "SELECT month, users, records FROM months \
     WHERE facility = (SELECT id FROM facilities WHERE name = ?1) \
     AND data_type = (SELECT id FROM data_types WHERE name = ?2) AND month < ?3 ORDER BY month";

/// The same, users only.
const USERS: &str = "SELECT month, users FROM months \
     WHERE facility = (SELECT id FROM facilities WHERE name = ?1) \
     AND data_type = (SELECT id FROM data_types WHERE name = ?2) AND month < ?3 ORDER BY month";

/// A month's row: its month and blobs (the records empty when not read).
type Row = (i64, Vec<u8>, Vec<u8>);

impl History {
    pub fn new(facility: &str, month: i64) -> Self {
        History {
            facility: facility.to_owned(),
            month,
            spans: Mutex::default(),
            latest: Mutex::default(),
        }
    }

    /// The months' rows of `data_type`, read under the connection's lock.
    fn rows(
        &self,
        conn: &Mutex<Connection>,
        data_type: &str,
        records: bool,
    ) -> Result<Vec<Row>, String> {
        let conn = conn.lock().map_err(|e| e.to_string())?;
        let mut st = conn
            .prepare_cached(if records { MONTHS } else { USERS })
            .map_err(|e| e.to_string())?;
        let rows = st
            .query_map(params![self.facility, data_type, self.month], |r| {
                Ok((
                    r.get(0)?,
                    r.get(1)?,
                    if records { r.get(2)? } else { Vec::new() },
                ))
            })
            .map_err(|e| e.to_string())?;
        rows.collect::<Result<_, _>>().map_err(|e| e.to_string())
    }

    /// Who had a record of `data_type` in which months.
    pub fn spans(&self, conn: &Mutex<Connection>, data_type: &str) -> Result<Arc<Spans>, String> {
        if let Some(s) = self.spans.lock().map_err(|e| e.to_string())?.get(data_type) {
            return Ok(s.clone());
        }
        let mut spans = Spans::default();
        for (month, users, _) in self.rows(conn, data_type, false)? {
            for u in blob::users(&users).map_err(|e| e.to_string())? {
                let u = u.answer().map_err(|e| e.to_string())?;
                // Oldest month first: the first is set once, the last each time.
                spans.entry(u).or_insert((month, month)).1 = month;
            }
        }
        let spans = Arc::new(spans);
        let mut cache = self.spans.lock().map_err(|e| e.to_string())?;
        Ok(cache.entry(data_type.to_owned()).or_insert(spans).clone())
    }

    /// The latest record of each number of `data_type`.
    pub fn latest(&self, conn: &Mutex<Connection>, data_type: &str) -> Result<Arc<Latest>, String> {
        if let Some(l) = self
            .latest
            .lock()
            .map_err(|e| e.to_string())?
            .get(data_type)
        {
            return Ok(l.clone());
        }
        let mut latest = Latest {
            users: Vec::new(),
            numbers: Map::default(),
        };
        let mut user_index: Map<String, usize> = Map::default();
        for (month, users, records) in self.rows(conn, data_type, true)? {
            let mut here = Vec::new();
            for u in blob::users(&users).map_err(|e| e.to_string())? {
                let u = u.answer().map_err(|e| e.to_string())?;
                let next = latest.users.len();
                let i = *user_index.entry(u.clone()).or_insert(next);
                if i == next {
                    latest.users.push(u);
                }
                here.push(i);
            }
            let mut bad = None;
            blob::records(&records, |number, hash, user| {
                let hash = match (hash.text, <[u8; 32]>::try_from(hash.bytes)) {
                    (false, Ok(b)) => Ok(Hash::Sha256(b)),
                    _ => hash.answer().map(Hash::Other),
                };
                match (hash, here.get(user)) {
                    (Ok(h), Some(&u)) => {
                        // Oldest month first: a later month's record replaces an earlier one.
                        latest.numbers.insert(number.to_owned(), (month, h, u));
                    }
                    (Err(e), _) => bad = Some(e.to_string()),
                    (_, None) => bad = Some("a record names a user the month has not".into()),
                }
            })
            .map_err(|e| e.to_string())?;
            if let Some(e) = bad {
                return Err(e);
            }
        }
        let latest = Arc::new(latest);
        let mut cache = self.latest.lock().map_err(|e| e.to_string())?;
        Ok(cache.entry(data_type.to_owned()).or_insert(latest).clone())
    }
}
