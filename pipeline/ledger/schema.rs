//! The ledger's tables, and how a file of an older version is brought to this one.
//!
//! A file's version is SQLite's `PRAGMA user_version`. `MIGRATIONS[i]` brings a file from
//! version `i` to `i + 1` (statements, or code where SQL cannot say it); `open` applies the ones a file lacks in one transaction, so a file
//! is at one version or the next, never between. A ledger from before versions existed reads 0
//! and already has version 1's tables: version 1 creates them `IF NOT EXISTS` and so adopts it
//! as it is. To change the schema, append a migration; never edit one that has shipped, since
//! ledgers out there have already run it.

use rusqlite::{Connection, Transaction, TransactionBehavior};

use super::blob::{self, Rec, Value};
use super::{keys, write};

/// Version 1: the tables as the first ledgers made them.
const V1: &str = "
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value BLOB NOT NULL);
CREATE TABLE IF NOT EXISTS submissions (
    facility TEXT NOT NULL,
    data_type TEXT NOT NULL,
    month TEXT NOT NULL,
    number TEXT NOT NULL,
    content_hash TEXT NOT NULL,
    user_key TEXT NOT NULL,
    PRIMARY KEY (facility, data_type, month, number)
);
CREATE INDEX IF NOT EXISTS submissions_user ON submissions (facility, data_type, user_key);
CREATE TABLE IF NOT EXISTS runs (
    id INTEGER PRIMARY KEY,
    facility TEXT NOT NULL,
    month TEXT NOT NULL,
    run_at TEXT NOT NULL,
    stats TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS runs_month ON runs (month, facility);
";

/// Version 2: the same facts, keyed by integers. Facilities, interfaces, 外部システム管理番号
/// and users are interned in small tables; a month is the integer `yyyymm`; a content hash and a
/// user's key are bytes (a value that is not lower-case hex, which no release wrote, is kept as
/// its text, so it reads back as it was). `submissions` is WITHOUT ROWID, clustered on
/// (facility, interface, month, number): a month's rows are one range to replace. Two indexes
/// serve the per-number questions (`owner`, `was_sent`, `latest_hashes`) and the per-user ones
/// (`user_months`). The rows of version 1 are copied here and its table dropped; a month that is
/// not six digits makes the copy fail (NOT NULL), and the file stays at version 1.
const V2: &str = "
CREATE TABLE facilities (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE data_types (id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE);
CREATE TABLE numbers (id INTEGER PRIMARY KEY, text TEXT NOT NULL UNIQUE);
CREATE TABLE users (id INTEGER PRIMARY KEY, key BLOB NOT NULL UNIQUE);
CREATE TABLE submissions_v2 (
    facility INTEGER NOT NULL,
    data_type INTEGER NOT NULL,
    month INTEGER NOT NULL,
    number INTEGER NOT NULL,
    content_hash BLOB NOT NULL,
    user INTEGER NOT NULL,
    PRIMARY KEY (facility, data_type, month, number)
) WITHOUT ROWID;
INSERT INTO facilities (name) SELECT DISTINCT facility FROM submissions ORDER BY facility;
INSERT INTO data_types (name) SELECT DISTINCT data_type FROM submissions ORDER BY data_type;
INSERT INTO numbers (text) SELECT DISTINCT number FROM submissions ORDER BY number;
INSERT INTO users (key)
    SELECT DISTINCT CASE WHEN lower(hex(unhex(user_key))) IS user_key THEN unhex(user_key) ELSE user_key END
    FROM submissions;
INSERT INTO submissions_v2
    SELECT f.id, d.id,
        CASE WHEN s.month GLOB '[0-9][0-9][0-9][0-9][0-9][0-9]' THEN CAST(s.month AS INTEGER) END,
        n.id,
        CASE WHEN lower(hex(unhex(s.content_hash))) IS s.content_hash
            THEN unhex(s.content_hash) ELSE s.content_hash END,
        u.id
    FROM submissions s
    JOIN facilities f ON f.name = s.facility
    JOIN data_types d ON d.name = s.data_type
    JOIN numbers n ON n.text = s.number
    JOIN users u ON u.key = CASE WHEN lower(hex(unhex(s.user_key))) IS s.user_key
        THEN unhex(s.user_key) ELSE s.user_key END
    ORDER BY 1, 2, 3, 4;
DROP TABLE submissions;
ALTER TABLE submissions_v2 RENAME TO submissions;
CREATE INDEX submissions_number ON submissions (facility, data_type, number, month);
CREATE INDEX submissions_user ON submissions (facility, data_type, user, month);
";

/// Version 3: a record's 外部システム管理番号 kept as its text in `submissions`, and users interned
/// per facility. In version 2 both were interned in tables shared by every office: a new number
/// cost a statement and two more B-tree inserts (a table and its text index) to save a few
/// bytes a row, and each office's month put its numbers and users' keys all over the shared
/// indexes, so every commit rewrote most of their pages (a run of 40 offices wrote 270 MB of
/// write-ahead log for a 33 MB file). Now an office's users are one range of their index, as its
/// submissions are of theirs. The rows of version 2 are copied here, each user once per office
/// that sent it, and the shared tables dropped.
const V3: &str = "
CREATE TABLE users_v3 (
    id INTEGER PRIMARY KEY,
    facility INTEGER NOT NULL,
    key BLOB NOT NULL,
    UNIQUE (facility, key)
);
INSERT INTO users_v3 (facility, key)
    SELECT DISTINCT s.facility, u.key FROM submissions s JOIN users u ON u.id = s.user
    ORDER BY 1, 2;
CREATE TABLE submissions_v3 (
    facility INTEGER NOT NULL,
    data_type INTEGER NOT NULL,
    month INTEGER NOT NULL,
    number TEXT NOT NULL,
    content_hash BLOB NOT NULL,
    user INTEGER NOT NULL,
    PRIMARY KEY (facility, data_type, month, number)
) WITHOUT ROWID;
INSERT INTO submissions_v3
    SELECT s.facility, s.data_type, s.month, n.text, s.content_hash, u3.id
    FROM submissions s
    JOIN numbers n ON n.id = s.number
    JOIN users u ON u.id = s.user
    JOIN users_v3 u3 ON u3.facility = s.facility AND u3.key = u.key
    ORDER BY 1, 2, 3, 4;
DROP TABLE submissions;
DROP TABLE numbers;
DROP TABLE users;
ALTER TABLE users_v3 RENAME TO users;
ALTER TABLE submissions_v3 RENAME TO submissions;
CREATE INDEX submissions_number ON submissions (facility, data_type, number, month);
CREATE INDEX submissions_user ON submissions (facility, data_type, user, month);
";

/// Version 4: a facility's month of an interface is one row of `months`, its records in two
/// blobs (`blob.rs`: users once each, numbers sorted and prefix-shared, each hash and user's
/// index). In version 3 every record was a row of `submissions` and of its two indexes, and
/// every user one of `users` and its index: four B-tree inserts a record and some 150 bytes on
/// disk (a run of 100 offices × 2,000 users wrote a 186 MB ledger, and recording was a fifth of
/// the run). A month is recorded and replaced whole, and the questions of a run read a
/// facility's months once (`history.rs`). The rows of version 3 are copied into months, then
/// its tables dropped.
const V4_TABLE: &str = "
CREATE TABLE months (
    facility INTEGER NOT NULL,
    data_type INTEGER NOT NULL,
    month INTEGER NOT NULL,
    count INTEGER NOT NULL,
    users BLOB NOT NULL,
    records BLOB NOT NULL,
    PRIMARY KEY (facility, data_type, month)
);
";

/// A record of version 3 being moved: its number, hash and user's key (each: text?, bytes).
type Held = (String, (bool, Vec<u8>), (bool, Vec<u8>));

fn v4(tx: &Transaction<'_>) -> rusqlite::Result<()> {
    tx.execute_batch(V4_TABLE)?;
    let mut st = tx.prepare(
        "SELECT s.facility, s.data_type, s.month, s.number, s.content_hash, u.key \
         FROM submissions s JOIN users u ON u.id = s.user ORDER BY 1, 2, 3, 4",
    )?;
    let mut rows = st.query([])?;
    // One month at a time: its records' values, owned, then encoded.
    let mut month: Option<(i64, i64, i64)> = None;
    let mut held: Vec<Held> = Vec::new();
    let flush = |at: (i64, i64, i64), held: &mut Vec<_>| -> rusqlite::Result<()> {
        let recs = held
            .iter()
            .map(|(n, (ht, h), (ut, u)): &Held| Rec {
                number: n.as_str(),
                hash: Value {
                    text: *ht,
                    bytes: h,
                },
                user: Value {
                    text: *ut,
                    bytes: u,
                },
            })
            .collect();
        let m = blob::encode(recs, |u, buf| blob::put_value(buf, u));
        held.clear();
        write::put_month(tx, at, &m)
    };
    while let Some(r) = rows.next()? {
        let at = (r.get(0)?, r.get(1)?, r.get(2)?);
        if month.is_some_and(|m| m != at) {
            flush(month.unwrap_or(at), &mut held)?;
        }
        month = Some(at);
        let owned = |i: usize| -> rusqlite::Result<(bool, Vec<u8>)> {
            let v = keys::stored(r.get_ref(i)?).map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(
                    i,
                    rusqlite::types::Type::Blob,
                    Box::new(e),
                )
            })?;
            Ok((v.text, v.bytes.to_vec()))
        };
        held.push((r.get(3)?, owned(4)?, owned(5)?));
    }
    if let Some(at) = month {
        flush(at, &mut held)?;
    }
    drop(rows);
    drop(st);
    tx.execute_batch("DROP TABLE submissions; DROP TABLE users;")
}

/// A migration: statements, or code where SQL cannot say it.
enum Migration {
    Sql(&'static str),
    Code(fn(&Transaction<'_>) -> rusqlite::Result<()>),
}

/// Every migration, oldest first.
const MIGRATIONS: &[Migration] = &[
    Migration::Sql(V1),
    Migration::Sql(V2),
    Migration::Sql(V3),
    Migration::Code(v4),
];

/// The version this build writes.
pub const VERSION: u32 = MIGRATIONS.len() as u32;

#[derive(Debug, thiserror::Error)]
pub enum SchemaError {
    #[error(
        "the file is at version {found}, newer than this lifeline knows ({VERSION}); use a newer lifeline (the file was not changed)"
    )]
    Newer { found: u32 },
    #[error(transparent)]
    Sql(#[from] rusqlite::Error),
}

/// The file's version, refused when newer than this build. Reads only: a refused file is left
/// as it was.
pub fn check(conn: &Connection) -> Result<u32, SchemaError> {
    let found: u32 = conn.pragma_query_value(None, "user_version", |r| r.get(0))?;
    if found > VERSION {
        return Err(SchemaError::Newer { found });
    }
    Ok(found)
}

/// Brings the file to [`VERSION`]. The version is read again inside the write transaction, so
/// two runs opening the same old file migrate it once.
pub fn migrate(conn: &mut Connection) -> Result<(), SchemaError> {
    if check(conn)? == VERSION {
        return Ok(());
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = check(&tx)?;
    for m in &MIGRATIONS[found as usize..] {
        match m {
            Migration::Sql(sql) => tx.execute_batch(sql)?,
            Migration::Code(run) => run(&tx)?,
        }
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}
