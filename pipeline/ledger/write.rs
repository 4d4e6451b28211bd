//! Recording a facility's month: one transaction, one row of `months` per interface
//! (`blob.rs`), written only when it differs from what an earlier run of the month left; an
//! interface sent with no records deletes its month. Facilities and interfaces become their
//! ids through a map kept for the transaction: the tables are asked only about a name the
//! transaction has not met yet.

use std::collections::HashMap;

use rusqlite::{CachedStatement, OptionalExtension, Transaction, params};

use super::blob::{self, Rec, Value};
use super::{Ledger, LedgerError, Submitted, keys};

/// One interning table's ids (a name → its row), as far as this transaction has needed them.
struct Interner<'c> {
    add: CachedStatement<'c>,
    find: CachedStatement<'c>,
    ids: HashMap<String, i64>,
}

impl<'c> Interner<'c> {
    fn new(tx: &'c Transaction<'_>, table: &str) -> rusqlite::Result<Self> {
        Ok(Interner {
            add: tx.prepare_cached(&format!(
                "INSERT INTO {table} (name) VALUES (?1) RETURNING id"
            ))?,
            find: tx.prepare_cached(&format!("SELECT id FROM {table} WHERE name = ?1"))?,
            ids: HashMap::new(),
        })
    }

    /// The id of `name`: from the map, else the row there, else a new row.
    fn id(&mut self, name: &str) -> rusqlite::Result<i64> {
        if let Some(&id) = self.ids.get(name) {
            return Ok(id);
        }
        let id = match self.find.query_row([name], |r| r.get(0)).optional()? {
            Some(id) => id,
            None => self.add.query_row([name], |r| r.get(0))?,
        };
        self.ids.insert(name.to_owned(), id);
        Ok(id)
    }
}

/// Writes month `m` of facility `f`, interface `d`, unless it is there as it is.
pub(super) fn put_month(
    tx: &Transaction<'_>,
    (f, d, month): (i64, i64, i64),
    m: &blob::Month,
) -> rusqlite::Result<()> {
    let before: Option<(Vec<u8>, Vec<u8>)> = tx
        .prepare_cached(
            "SELECT users, records FROM months WHERE facility = ?1 AND data_type = ?2 AND month = ?3",
        )?
        .query_row(params![f, d, month], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    if before.is_some_and(|(u, r)| u == m.users && r == m.records) {
        return Ok(()); // a re-run of the month as it was: nothing to write
    }
    if m.count == 0 {
        tx.prepare_cached(
            "DELETE FROM months WHERE facility = ?1 AND data_type = ?2 AND month = ?3",
        )?
        .execute(params![f, d, month])?;
        return Ok(());
    }
    tx.prepare_cached("INSERT OR REPLACE INTO months VALUES (?1, ?2, ?3, ?4, ?5, ?6)")?
        .execute(params![f, d, month, m.count as i64, m.users, m.records])?;
    Ok(())
}

impl Ledger {
    /// Records what was sent for a facility's month, per interface, in one transaction,
    /// replacing an earlier run of the same month, so re-running a month is idempotent.
    /// A row that cannot be read leaves the ledger as it was; so does a month that is not
    /// `YYYYMM`.
    pub fn record<'s, R: IntoIterator<Item = std::io::Result<Submitted<'s>>>>(
        &self,
        facility: &str,
        month: &str,
        interfaces: impl IntoIterator<Item = (&'s str, R)>,
    ) -> Result<(), LedgerError> {
        let month = self.month(month)?;
        // Each interface's month, encoded before the ledger is locked.
        let mut months = Vec::new();
        for (data_type, rows) in interfaces {
            let rows = rows
                .into_iter()
                .collect::<std::io::Result<Vec<Submitted<'s>>>>()
                .map_err(|x| self.err(x))?;
            let recs = rows
                .iter()
                .map(|r| Rec {
                    number: r.number,
                    hash: Value {
                        text: false,
                        bytes: &r.content_hash,
                    },
                    user: r.user_key,
                })
                .collect();
            months.push((
                data_type,
                blob::encode(recs, |u, buf| keys::put_key(buf, u)),
            ));
        }
        let e = |e: rusqlite::Error| self.err(e);
        {
            let mut conn = self.conn.lock().map_err(|e| self.err(e))?;
            let tx = conn.transaction().map_err(e)?;
            let f = Interner::new(&tx, "facilities")
                .and_then(|mut i| i.id(facility))
                .map_err(e)?;
            let mut data_types = Interner::new(&tx, "data_types").map_err(e)?;
            for (data_type, m) in &months {
                let d = data_types.id(data_type).map_err(e)?;
                put_month(&tx, (f, d, month), m).map_err(e)?;
            }
            drop(data_types);
            tx.commit().map_err(e)?;
        }
        self.forget(facility);
        Ok(())
    }
}
