//! The ledger's tables, and how a file of an older version is brought to this one.
//!
//! A file's version is SQLite's `PRAGMA user_version`. `MIGRATIONS[i]` brings a file from
//! version `i` to `i + 1`; `open` applies the ones a file lacks in one transaction, so a file
//! is at one version or the next, never between. A ledger from before versions existed reads 0
//! and already has version 1's tables: version 1 creates them `IF NOT EXISTS` and so adopts it
//! as it is. To change the schema, append a migration; never edit one that has shipped, since
//! ledgers out there have already run it.

use rusqlite::{Connection, TransactionBehavior};

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

/// Every migration, oldest first.
const MIGRATIONS: &[&str] = &[V1];

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
        tx.execute_batch(m)?;
    }
    tx.pragma_update(None, "user_version", VERSION)?;
    tx.commit()?;
    Ok(())
}
