//! Recording a facility's month: one transaction; the month's rows of an earlier run are read
//! first, then each row is written (one INSERT through a statement prepared once) unless it was
//! already there as it is, and the earlier rows not sent again are deleted. Facilities,
//! interfaces and users become their ids through a map kept for the transaction: the tables are
//! asked only about a text the transaction has not met yet (users within the facility, and not
//! at all in a facility's first month: every user not met is new).

use std::collections::HashMap;

use rusqlite::types::ValueRef;
use rusqlite::{CachedStatement, OptionalExtension, ToSql, Transaction, params};

use super::{Ledger, LedgerError, Submitted, keys};

/// A month's rows of an interface before this run: number → (hash when 32 bytes, user).
type Earlier = HashMap<String, (Option<[u8; 32]>, i64), foldhash::fast::RandomState>;

/// One interning table's ids, as far as this transaction has needed them. A table of a
/// facility's own values (users) is asked within the facility (`facility = ?1`); when
/// the facility has none yet (its first month), a value not in the map is new, and costs one
/// INSERT and no look-up.
struct Interner<'c> {
    add: CachedStatement<'c>,
    find: Option<CachedStatement<'c>>,
    facility: Option<i64>,
    ids: HashMap<String, i64, foldhash::fast::RandomState>,
}

impl<'c> Interner<'c> {
    /// `table`'s statements; `column` holds the interned value, of `facility` when given.
    fn new(
        tx: &'c Transaction<'_>,
        table: &str,
        column: &str,
        facility: Option<i64>,
    ) -> rusqlite::Result<Self> {
        let (cols, vals, scope) = match facility {
            Some(_) => ("facility, ", "?1, ?2", "facility = ?1 AND "),
            None => ("", "?1", ""),
        };
        let last = if facility.is_some() { 2 } else { 1 };
        let empty = match facility {
            Some(f) => !tx
                .prepare_cached(&format!(
                    "SELECT EXISTS (SELECT 1 FROM {table} WHERE facility = ?1)"
                ))?
                .query_row([f], |r| r.get::<_, bool>(0))?,
            None => false,
        };
        let find = match empty {
            true => None,
            false => Some(tx.prepare_cached(&format!(
                "SELECT id FROM {table} WHERE {scope}{column} = ?{last}"
            ))?),
        };
        Ok(Interner {
            add: tx.prepare_cached(&format!(
                "INSERT INTO {table} ({cols}{column}) VALUES ({vals}) RETURNING id"
            ))?,
            find,
            facility,
            ids: HashMap::default(),
        })
    }

    /// The id of `text`, stored as `value()`: from the map, else the row there, else a new row.
    fn id<V: ToSql>(&mut self, text: &str, value: impl FnOnce() -> V) -> rusqlite::Result<i64> {
        if let Some(&id) = self.ids.get(text) {
            return Ok(id);
        }
        let value = value();
        let ask = |st: &mut CachedStatement<'_>| match self.facility {
            Some(f) => st.query_row(params![f, &value], |r| r.get(0)).optional(),
            None => st.query_row(params![&value], |r| r.get(0)).optional(),
        };
        let found = match self.find.as_mut() {
            Some(find) => ask(find)?,
            None => None,
        };
        let id = match found {
            Some(id) => id,
            None => ask(&mut self.add)?.ok_or(rusqlite::Error::QueryReturnedNoRows)?,
        };
        self.ids.insert(text.to_owned(), id);
        Ok(id)
    }
}

impl Ledger {
    /// Records what was sent for a facility's month, per interface, in one transaction,
    /// replacing an earlier run of the same month, so re-running a month is idempotent.
    /// The rows are read as they are written: the caller need not hold them all at once. A
    /// row that cannot be read leaves the ledger as it was; so does a month that is not
    /// `YYYYMM`.
    pub fn record<'s, R: IntoIterator<Item = std::io::Result<Submitted<'s>>>>(
        &self,
        facility: &str,
        month: &str,
        interfaces: impl IntoIterator<Item = (&'s str, R)>,
    ) -> Result<(), LedgerError> {
        let month = self.month(month)?;
        let mut conn = self.conn.lock().map_err(|e| self.err(e))?;
        let tx = conn.transaction().map_err(|e| self.err(e))?;
        self.record_in(&tx, facility, month, interfaces)?;
        tx.commit().map_err(|e| self.err(e))
    }

    fn record_in<'s, R: IntoIterator<Item = std::io::Result<Submitted<'s>>>>(
        &self,
        tx: &Transaction<'_>,
        facility: &str,
        month: i64,
        interfaces: impl IntoIterator<Item = (&'s str, R)>,
    ) -> Result<(), LedgerError> {
        let e = |e: rusqlite::Error| self.err(e);
        let f = Interner::new(tx, "facilities", "name", None)
            .and_then(|mut i| i.id(facility, || facility))
            .map_err(e)?;
        let mut data_types = Interner::new(tx, "data_types", "name", None).map_err(e)?;
        let mut users = Interner::new(tx, "users", "key", Some(f)).map_err(e)?;
        let mut earlier = tx
            .prepare_cached(
                "SELECT number, content_hash, user FROM submissions \
                 WHERE facility = ?1 AND data_type = ?2 AND month = ?3",
            )
            .map_err(e)?;
        let mut delete = tx
            .prepare_cached(
                "DELETE FROM submissions \
                 WHERE facility = ?1 AND data_type = ?2 AND month = ?3 AND number = ?4",
            )
            .map_err(e)?;
        let mut insert = tx
            .prepare_cached("INSERT OR REPLACE INTO submissions VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .map_err(e)?;
        for (data_type, rows) in interfaces {
            let d = data_types.id(data_type, || data_type).map_err(e)?;
            // The month's rows as an earlier run left them (none on a month's first run): a
            // row recorded again as it was is not written again, one no longer sent is deleted.
            let mut before = earlier
                .query_map(params![f, d, month], |r| {
                    // A hash kept as text (from version 1) is never equal: rewritten.
                    let hash = match r.get_ref(1)? {
                        ValueRef::Blob(b) => b.try_into().ok(),
                        _ => None,
                    };
                    Ok((r.get::<_, String>(0)?, (hash, r.get::<_, i64>(2)?)))
                })
                .map_err(e)?
                .collect::<Result<Earlier, _>>()
                .map_err(e)?;
            for r in rows {
                let r = r.map_err(|x| self.err(x))?;
                let u = users.id(r.user_key, || keys::key(r.user_key)).map_err(e)?;
                if before.remove(r.number) == Some((Some(r.content_hash), u)) {
                    continue;
                }
                insert
                    .execute(params![f, d, month, r.number, r.content_hash.as_slice(), u])
                    .map_err(e)?;
            }
            for n in before.into_keys() {
                delete.execute(params![f, d, month, n]).map_err(e)?;
            }
        }
        Ok(())
    }
}
