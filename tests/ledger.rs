//! The ledger file across versions: a ledger of the format before schema versions (0) is
//! adopted and migrated with its rows intact; one of version 1 (text keys) is migrated in place
//! to version 2 (integer ids) and answers every question as version 1's statements answer it,
//! before and after more months are written; one of version 2 (numbers and users interned in
//! tables shared by every office) is migrated to version 3 (numbers as text, users per office)
//! and answers the same; a file of a newer version
//! is refused untouched.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::Path;

use lifeline::ledger::{Ledger, RunRecord, Submitted, VERSION};
use lifeline::metrics::{InterfaceStats, RunStats};
use rusqlite::{Connection, OptionalExtension, params};

/// A ledger as the release before schema versions left it: its DDL and rows, in WAL mode.
fn write_v0(path: &Path) {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
    conn.execute_batch(include_str!("fixtures/ledger-v0.sql"))
        .unwrap();
}

fn user_version(path: &Path) -> u32 {
    Connection::open(path)
        .unwrap()
        .pragma_query_value(None, "user_version", |r| r.get(0))
        .unwrap()
}

#[test]
fn a_ledger_of_version_0_is_migrated_with_its_rows() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    write_v0(&path);
    assert_eq!(user_version(&path), 0);

    let l = Ledger::open(&path).unwrap();
    assert_eq!(user_version(&path), VERSION);

    // The stored key is kept: the same people get the same keys as before.
    let u1 = l.user_key("999999", "9900000001");
    let u2 = l.user_key("999999", "9900000002");
    assert_eq!(u1, "1b7ea49b993b054778b6390d6422c091");
    assert_eq!(u2, "0271f62c943adcafed93852e3e44f9d1");
    let known = l.known_users("TEST-FACILITY", "202611").unwrap();
    assert_eq!(known.len(), 2);
    assert!(known.contains(&u1) && known.contains(&u2));
    assert!(l.known_users("TEST-FACILITY", "202609").unwrap().is_empty());

    let latest = l
        .latest_hashes("TEST-FACILITY", "SERVICE_USER_INFO", "202611")
        .unwrap();
    assert_eq!(latest.len(), 2);
    assert_eq!(latest["U-0001"], "3".repeat(64));
    assert_eq!(latest["U-0002"], "2".repeat(64));

    // The run written before `warnings` existed reads, with warnings at its default.
    let runs: Vec<RunRecord<RunStats>> = l.runs(None, None).unwrap();
    assert_eq!(runs.len(), 1);
    let r = &runs[0];
    assert_eq!(
        (r.facility.as_str(), r.month.as_str(), r.run_at.as_str()),
        ("TEST-FACILITY", "202610", "2026-11-05T09:00:00+09:00")
    );
    assert_eq!(r.stats.warnings, 0);
    assert_eq!(
        (r.stats.rows_read, r.stats.errors, r.stats.fixes.coded),
        (12, 3, 7)
    );
    assert_eq!(
        r.stats.interfaces,
        vec![InterfaceStats {
            data_type: "SERVICE_USER_INFO".into(),
            records: 2,
            emitted: 1,
            unchanged: 1,
            users: 2,
            filled_fields: 20,
        }]
    );

    // Opening a migrated ledger again changes nothing.
    drop(l);
    let before = std::fs::read(&path).unwrap();
    let l = Ledger::open(&path).unwrap();
    assert_eq!(l.user_key("999999", "9900000001"), u1);
    assert_eq!(l.runs::<RunStats>(None, None).unwrap(), runs);
    drop(l);
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
    assert_eq!(user_version(&path), VERSION);
}

#[test]
fn a_ledger_of_a_newer_version_is_refused_untouched() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    write_v0(&path);
    // Not in WAL mode, and readable by others: opening it for writing would show in its bytes
    // (the journal mode is in the header) or its permissions.
    let conn = Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA journal_mode = DELETE; PRAGMA user_version = 99;")
        .unwrap();
    drop(conn);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o644)).unwrap();
    }
    let before = std::fs::read(&path).unwrap();
    let meta = std::fs::metadata(&path).unwrap();

    let e = Ledger::open(&path)
        .err()
        .expect("a newer ledger is refused");
    let msg = e.to_string();
    assert_eq!(e.path, path.display().to_string());
    assert!(msg.contains(&path.display().to_string()), "{msg}");
    assert!(msg.contains("version 99"), "{msg}");
    assert!(msg.contains(&format!("({VERSION})")), "{msg}");
    assert!(std::fs::read(&path).unwrap() == before, "the file changed");
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions(),
        meta.permissions()
    );
    assert_eq!(user_version(&path), 99);
}

// ---- Version 1 (text keys) → version 2 (integer ids): the same answers, before and after.

/// The tables of version 1, and its rows.
const V1_SCHEMA: &str = include_str!("fixtures/ledger/v1-schema.sql");
const V1_ROWS: &str = include_str!("fixtures/ledger/v1-rows.sql");

/// What the ledger is asked, by the run's checks and `--delta`.
trait Asks {
    fn known_users(&self, f: &str, m: &str) -> HashSet<String>;
    fn owner(&self, f: &str, d: &str, n: &str, m: &str) -> Option<String>;
    fn was_sent(&self, f: &str, d: &str, n: &str, m: &str) -> bool;
    fn latest_hashes(&self, f: &str, d: &str, m: &str) -> HashMap<String, String>;
    fn user_months(&self, f: &str, ds: &[String], u: &str, m: &str) -> Option<(String, String)>;
}

impl Asks for Ledger {
    fn known_users(&self, f: &str, m: &str) -> HashSet<String> {
        Ledger::known_users(self, f, m).unwrap()
    }
    fn owner(&self, f: &str, d: &str, n: &str, m: &str) -> Option<String> {
        Ledger::owner(self, f, d, n, m).unwrap()
    }
    fn was_sent(&self, f: &str, d: &str, n: &str, m: &str) -> bool {
        Ledger::was_sent(self, f, d, n, m).unwrap()
    }
    fn latest_hashes(&self, f: &str, d: &str, m: &str) -> HashMap<String, String> {
        Ledger::latest_hashes(self, f, d, m).unwrap()
    }
    fn user_months(&self, f: &str, ds: &[String], u: &str, m: &str) -> Option<(String, String)> {
        Ledger::user_months(self, f, ds, u, m).unwrap()
    }
}

/// A ledger file of version 1, asked and written with the statements that version's `Ledger`
/// used (copied from it): the reference the migrated ledger must agree with.
struct V1(Connection);

/// A submitted row: 外部システム管理番号, content hash, user's key.
type Row = (String, [u8; 32], String);

impl V1 {
    fn create(path: &Path, rows: &str) -> V1 {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        conn.execute_batch(V1_SCHEMA).unwrap();
        conn.execute_batch(rows).unwrap();
        V1(conn)
    }

    fn record(&self, f: &str, m: &str, d: &str, rows: &[Row]) {
        self.0
            .execute(
                "DELETE FROM submissions WHERE facility = ?1 AND data_type = ?2 AND month = ?3",
                params![f, d, m],
            )
            .unwrap();
        for (n, h, u) in rows {
            self.0
                .execute(
                    "INSERT OR REPLACE INTO submissions VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                    params![f, d, m, n, hex(h), u],
                )
                .unwrap();
        }
    }

    fn distinct(&self, column: &str) -> Vec<String> {
        let mut st = self
            .0
            .prepare(&format!("SELECT DISTINCT {column} FROM submissions"))
            .unwrap();
        st.query_map([], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
}

impl Asks for V1 {
    fn known_users(&self, f: &str, m: &str) -> HashSet<String> {
        let mut st = self.0.prepare("SELECT DISTINCT user_key FROM submissions WHERE facility = ?1 AND data_type = 'SERVICE_USER_INFO' AND month < ?2").unwrap();
        st.query_map(params![f, m], |r| r.get(0))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
    fn owner(&self, f: &str, d: &str, n: &str, m: &str) -> Option<String> {
        self.0.query_row("SELECT user_key FROM submissions WHERE facility = ?1 AND data_type = ?2 AND number = ?3 AND month < ?4 ORDER BY month DESC LIMIT 1", params![f, d, n, m], |r| r.get(0)).optional().unwrap()
    }
    fn was_sent(&self, f: &str, d: &str, n: &str, m: &str) -> bool {
        self.0.query_row("SELECT EXISTS (SELECT 1 FROM submissions WHERE facility = ?1 AND data_type = ?2 AND number = ?3 AND month < ?4)", params![f, d, n, m], |r| r.get(0)).unwrap()
    }
    fn latest_hashes(&self, f: &str, d: &str, m: &str) -> HashMap<String, String> {
        let mut st = self
            .0
            .prepare(
                "SELECT number, content_hash FROM submissions s WHERE facility = ?1 AND data_type = ?2 AND month < ?3 \
                 AND month = (SELECT MAX(month) FROM submissions t WHERE t.facility = s.facility \
                 AND t.data_type = s.data_type AND t.number = s.number AND t.month < ?3)",
            )
            .unwrap();
        st.query_map(params![f, d, m], |r| Ok((r.get(0)?, r.get(1)?)))
            .unwrap()
            .map(Result::unwrap)
            .collect()
    }
    fn user_months(&self, f: &str, ds: &[String], u: &str, m: &str) -> Option<(String, String)> {
        let mut out: Option<(String, String)> = None;
        for d in ds {
            let (lo, hi): (Option<String>, Option<String>) = self.0.query_row("SELECT MIN(month), MAX(month) FROM submissions WHERE facility = ?1 AND data_type = ?2 AND user_key = ?3 AND month < ?4", params![f, d, u, m], |r| Ok((r.get(0)?, r.get(1)?))).unwrap();
            if let (Some(lo), Some(hi)) = (lo, hi) {
                out = Some(match out {
                    Some((a, b)) => (a.min(lo), b.max(hi)),
                    None => (lo, hi),
                });
            }
        }
        out
    }
}

/// What is asked about: the values in a ledger, and some it never saw.
struct Universe {
    facilities: Vec<String>,
    data_types: Vec<String>,
    numbers: Vec<String>,
    users: Vec<String>,
    months: Vec<String>,
}

impl Universe {
    fn of(v1: &V1) -> Universe {
        let with = |mut v: Vec<String>, extra: &[&str]| {
            v.extend(extra.iter().map(|s| s.to_string()));
            v.sort();
            v.dedup();
            v
        };
        Universe {
            facilities: with(v1.distinct("facility"), &["TEST-NONE"]),
            data_types: with(
                v1.distinct("data_type"),
                &["SERVICE_USER_INFO", "FORM_9999"],
            ),
            numbers: with(v1.distinct("number"), &["X-NONE"]),
            users: with(
                v1.distinct("user_key"),
                &["", "ffffffffffffffffffffffffffffffff"],
            ),
            months: with(v1.distinct("month"), &["202512", "202701", "209912"]),
        }
    }
}

/// Every answer about the universe, as text (sets and maps in order).
fn answers(a: &dyn Asks, u: &Universe) -> Vec<String> {
    let mut out = Vec::new();
    let every = u.data_types.clone();
    for f in &u.facilities {
        for m in &u.months {
            let mut known: Vec<_> = a.known_users(f, m).into_iter().collect();
            known.sort();
            out.push(format!("known_users {f} {m} {known:?}"));
            for d in &u.data_types {
                let latest: BTreeMap<_, _> = a.latest_hashes(f, d, m).into_iter().collect();
                out.push(format!("latest_hashes {f} {d} {m} {latest:?}"));
                for n in &u.numbers {
                    out.push(format!("owner {f} {d} {n} {m} {:?}", a.owner(f, d, n, m)));
                    out.push(format!(
                        "was_sent {f} {d} {n} {m} {}",
                        a.was_sent(f, d, n, m)
                    ));
                }
                for us in &u.users {
                    let one = a.user_months(f, std::slice::from_ref(d), us, m);
                    out.push(format!("user_months {f} {d} {us:?} {m} {one:?}"));
                }
            }
            for us in &u.users {
                let all = a.user_months(f, &every, us, m);
                out.push(format!("user_months {f} * {us:?} {m} {all:?}"));
            }
        }
    }
    out
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn record(l: &Ledger, f: &str, m: &str, d: &str, rows: &[Row]) {
    let rows = rows.iter().map(|(n, h, u)| {
        Ok(Submitted {
            number: n,
            content_hash: *h,
            user_key: u,
        })
    });
    l.record(f, m, [(d, rows)]).unwrap();
}

/// The migrated ledger `l`, written on as the version 1 reference `v1` was, answers as it does;
/// and the writing changed the answers from `before`. The questions asked, and the answers.
fn agree_changed(v1: &V1, l: &Ledger, before: &[String]) -> (Universe, Vec<String>) {
    let universe = Universe::of(v1);
    let after = answers(v1, &universe);
    assert_ne!(after, before);
    assert_eq!(answers(l, &universe), after);
    (universe, after)
}

fn rows(spec: &[(&str, u8, &str)]) -> Vec<Row> {
    spec.iter()
        .map(|(n, h, u)| (n.to_string(), [*h; 32], u.to_string()))
        .collect()
}

/// The tables of the latest version: a facility's month of an interface is one row of
/// `months`; no per-record tables are left.
const LATEST_TABLES: &[&str] = &["data_types", "facilities", "meta", "months", "runs"];

fn tables(path: &Path) -> Vec<String> {
    let conn = Connection::open(path).unwrap();
    let mut st = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap();
    st.query_map([], |r| r.get(0))
        .unwrap()
        .collect::<Result<_, _>>()
        .unwrap()
}

/// A ledger file made from `fixture` (at `version`), opened (migrated): it holds v1-rows.sql's
/// 13 records, only the latest version's tables, and answers as the version 1 reference does.
/// The folder, the file, the reference, its answers, the ledger.
fn migrated(
    fixture: &str,
    version: u32,
) -> (
    tempfile::TempDir,
    std::path::PathBuf,
    V1,
    Vec<String>,
    Ledger,
) {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    {
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("PRAGMA journal_mode = WAL;").unwrap();
        conn.execute_batch(fixture).unwrap();
    }
    assert_eq!(user_version(&path), version);
    let v1 = V1::create(&tmp.path().join("v1.sqlite"), V1_ROWS);
    let before = answers(&v1, &Universe::of(&v1));
    let l = Ledger::open(&path).unwrap();
    assert_eq!(user_version(&path), VERSION);
    assert_eq!(count(&path), 13);
    assert_eq!(tables(&path), LATEST_TABLES);
    assert_eq!(answers(&l, &Universe::of(&v1)), before);
    (tmp, path, v1, before, l)
}

/// The records a ledger holds: of `months` (version 4 on), else rows of `submissions`.
fn count(path: &Path) -> i64 {
    let conn = Connection::open(path).unwrap();
    let sql = match user_version(path) {
        v if v >= 4 => "SELECT COALESCE(SUM(count), 0) FROM months",
        _ => "SELECT COUNT(*) FROM submissions",
    };
    conn.query_row(sql, [], |r| r.get(0)).unwrap()
}

#[test]
fn a_ledger_of_version_1_is_migrated_in_place_and_answers_as_before() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    drop(V1::create(&path, V1_ROWS));
    // The reference: the same file, kept at version 1.
    let v1 = V1::create(&tmp.path().join("v1.sqlite"), V1_ROWS);
    let universe = Universe::of(&v1);
    let before = answers(&v1, &universe);
    assert_eq!(user_version(&path), 1);

    let l = Ledger::open(&path).unwrap();
    assert_eq!((user_version(&path), VERSION), (4, 4));
    let conn = Connection::open(&path).unwrap();
    let types: String = conn
        .query_row(
            "SELECT typeof(facility) || ' ' || typeof(data_type) || ' ' || typeof(month) || ' ' \
             || typeof(count) || ' ' || typeof(users) || ' ' || typeof(records) FROM months LIMIT 1",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(types, "integer integer integer integer blob blob");
    assert_eq!(count(&path), 13);
    assert_eq!(answers(&l, &universe), before);
    // The questions the run asks, answered as version 1 answered them, spelled out.
    let latest = l
        .latest_hashes("TEST-F1", "SERVICE_USER_INFO", "202611")
        .unwrap();
    assert_eq!(latest["U-1"], "4".repeat(64));
    assert_eq!(latest["U-3"], "3".repeat(64));
    let f2 = l
        .latest_hashes("TEST-F2", "FORM_0000_2021", "202611")
        .unwrap();
    assert_eq!(
        f2["K-1"],
        "AB".repeat(32),
        "a hash that is not hex reads back as it was"
    );
    assert_eq!(
        l.owner("TEST-F1", "SERVICE_USER_INFO", "U-2", "202611")
            .unwrap(),
        Some("d".repeat(32))
    );
    assert_eq!(
        l.owner("TEST-F1", "SERVICE_USER_INFO", "U-2", "202610")
            .unwrap(),
        Some("b".repeat(32))
    );
    assert!(
        l.known_users("TEST-F2", "202611")
            .unwrap()
            .contains("legacy-key-not-hex")
    );
    assert_eq!(
        l.user_months("TEST-F1", &["FORM_0000_2021".into()], "", "202611")
            .unwrap(),
        Some(("202610".into(), "202610".into()))
    );
    // The key and the runs are kept.
    assert_eq!(
        l.user_key("999999", "9900000001"),
        "1b7ea49b993b054778b6390d6422c091"
    );
    let runs: Vec<RunRecord<serde_json::Value>> = l.runs(None, None).unwrap();
    assert_eq!(runs.len(), 1);
    assert_eq!(runs[0].stats, serde_json::json!({"note": "synthetic"}));

    // Written on after the migration, it still agrees with version 1 written the same way.
    let nov = rows(&[
        ("U-1", 0x44, &"a".repeat(32)),
        ("U-2", 6, &"d".repeat(32)),
        ("U-4", 7, ""),
    ]);
    let oct = rows(&[("K-1", 7, &"a".repeat(32))]);
    let f2 = rows(&[("K-1", 0xab, &"e".repeat(32))]);
    for (f, m, d, rs) in [
        ("TEST-F1", "202611", "SERVICE_USER_INFO", &nov),
        ("TEST-F1", "202610", "FORM_0000_2021", &oct),
        // Its hash was kept as text ("ABAB…"): now the same record in bytes ("abab…").
        ("TEST-F2", "202610", "FORM_0000_2021", &f2),
        ("TEST-F3", "202611", "SERVICE_USER_INFO", &nov),
    ] {
        v1.record(f, m, d, rs);
        record(&l, f, m, d, rs);
    }
    let (universe, after) = agree_changed(&v1, &l, &before);
    // --delta in December: U-1 unchanged since October, U-2 changed, U-4 new.
    let latest = l
        .latest_hashes("TEST-F1", "SERVICE_USER_INFO", "202612")
        .unwrap();
    assert_eq!(latest["U-1"], "4".repeat(64));
    assert_eq!(latest["U-2"], "06".repeat(32));
    assert_eq!(latest["U-4"], "07".repeat(32));

    // Re-running November is idempotent: the same rows, the same answers.
    let rows_before = count(&path);
    record(&l, "TEST-F1", "202611", "SERVICE_USER_INFO", &nov);
    assert_eq!(count(&path), rows_before);
    assert_eq!(answers(&l, &universe), after);
}

// ---- Version 2 (numbers and users shared by every office) → version 3 (numbers as text,
// users per office).

/// A file of version 2 holding v1-rows.sql's rows as version 2 stored them.
const V2_FILE: &str = include_str!("fixtures/ledger/v2.sql");

#[test]
fn a_ledger_of_version_2_is_migrated_in_place_and_answers_as_before() {
    let (_tmp, path, v1, before, l) = migrated(V2_FILE, 2);
    // Written on, it agrees with version 1 written the same way, and a re-run is idempotent.
    let dec = rows(&[("U-1", 9, &"e".repeat(32)), ("U-2", 2, &"b".repeat(32))]);
    for (f, m, d, rs) in [
        ("TEST-F2", "202612", "SERVICE_USER_INFO", &dec),
        ("TEST-F2", "202612", "SERVICE_USER_INFO", &dec),
        ("TEST-F1", "202610", "SERVICE_USER_INFO", &dec),
    ] {
        v1.record(f, m, d, rs);
        record(&l, f, m, d, rs);
    }
    agree_changed(&v1, &l, &before);
    assert_eq!(count(&path), 13 + 2);
}

// ---- Version 3 (a row per record) → version 4 (a row per facility, interface and month).

/// A file of version 3 holding v1-rows.sql's rows as version 3 stored them.
const V3_FILE: &str = include_str!("fixtures/ledger/v3.sql");

#[test]
fn a_ledger_of_version_3_is_migrated_in_place_and_answers_as_before() {
    let (_tmp, path, v1, before, l) = migrated(V3_FILE, 3);
    // A row per facility, interface and month: TEST-F1 has two interfaces over three months
    // (6); TEST-F2 one month of one and two of the other (3).
    let months: i64 = Connection::open(&path)
        .unwrap()
        .query_row("SELECT COUNT(*) FROM months", [], |r| r.get(0))
        .unwrap();
    assert_eq!(months, 9);
    // Written on, it agrees with version 1 written the same way; a re-run writes nothing new.
    let dec = rows(&[
        ("U-1", 9, &"e".repeat(32)),
        ("U-9", 2, "legacy-key-not-hex"),
    ]);
    for (f, m, d, rs) in [
        ("TEST-F2", "202612", "SERVICE_USER_INFO", &dec),
        ("TEST-F2", "202612", "SERVICE_USER_INFO", &dec),
        ("TEST-F1", "202609", "FORM_0000_2021", &dec),
    ] {
        v1.record(f, m, d, rs);
        record(&l, f, m, d, rs);
    }
    agree_changed(&v1, &l, &before);
    assert_eq!(count(&path), 13 + 2 + 2 - 1);
}

/// A month whose blobs are damaged is an error naming the ledger, never a panic or a wrong
/// answer.
#[test]
fn a_damaged_month_is_an_error() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    let l = Ledger::open(&path).unwrap();
    record(
        &l,
        "TEST-F1",
        "202610",
        "SERVICE_USER_INFO",
        &rows(&[("U-1", 1, &"a".repeat(32))]),
    );
    Connection::open(&path)
        .unwrap()
        .execute("UPDATE months SET records = X'0005', users = X'07'", [])
        .unwrap();
    let l = Ledger::open(&path).unwrap();
    let e = l
        .owner("TEST-F1", "SERVICE_USER_INFO", "U-1", "202611")
        .unwrap_err();
    assert!(
        e.to_string().contains("ledger.sqlite") && e.to_string().contains("damaged"),
        "{e}"
    );
    assert!(l.known_users("TEST-F1", "202611").is_err());
}

#[test]
fn histories_written_through_both_versions_get_the_same_answers() {
    let tmp = tempfile::tempdir().unwrap();
    let v1 = V1::create(&tmp.path().join("v1.sqlite"), "");
    let l = Ledger::open(&tmp.path().join("v2.sqlite")).unwrap();
    let users: Vec<String> = (0..6)
        .map(|i| l.user_key("999999", &format!("99000000{i:02}")))
        .chain([String::new()])
        .collect();
    // A fixed pseudo-random history (xorshift): months recorded, re-recorded and changed, a
    // number repeated within a month (the last one counts), numbers changing hands.
    let mut seed = 0x9e37_79b9_7f4a_7c15_u64;
    let mut next = |n: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        (seed % n) as usize
    };
    let data_types = ["SERVICE_USER_INFO", "FORM_0000_2021", "FORM_0100_2021"];
    for _ in 0..40 {
        let f = ["TEST-F1", "TEST-F2"][next(2)];
        let m = format!("2026{:02}", 1 + next(6));
        let d = data_types[next(3)];
        let rs: Vec<Row> = (0..next(12))
            .map(|_| {
                let n = format!("K-{}", next(15));
                (
                    n,
                    [next(3) as u8; 32],
                    users[next(users.len() as u64)].clone(),
                )
            })
            .collect();
        v1.record(f, &m, d, &rs);
        record(&l, f, &m, d, &rs);
    }
    let universe = Universe::of(&v1);
    let expected = answers(&v1, &universe);
    assert!(
        expected
            .iter()
            .any(|a| a.starts_with("owner") && !a.ends_with("None"))
    );
    assert_eq!(answers(&l, &universe), expected);
}

#[test]
fn a_version_1_ledger_with_a_month_not_yyyymm_stays_at_version_1() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    let bad = V1_ROWS.replacen("'202608'", "'2026-08'", 1);
    drop(V1::create(&path, &bad));
    let e = Ledger::open(&path).err().expect("the copy fails");
    assert!(e.to_string().contains("NOT NULL"), "{e}");
    assert_eq!(user_version(&path), 1);
    assert_eq!(count(&path), 13);
    // The good file migrates (the passing case of the same rule).
    let good = tmp.path().join("good.sqlite");
    drop(V1::create(&good, V1_ROWS));
    Ledger::open(&good).unwrap();
    assert_eq!(user_version(&good), VERSION);
}

#[test]
fn a_month_not_yyyymm_is_refused_and_records_nothing() {
    let tmp = tempfile::tempdir().unwrap();
    let path = tmp.path().join("ledger.sqlite");
    let l = Ledger::open(&path).unwrap();
    let rs = rows(&[("U-1", 1, "")]);
    let one = |m: &str| {
        let it = rs.iter().map(|(n, h, u)| {
            Ok(Submitted {
                number: n,
                content_hash: *h,
                user_key: u,
            })
        });
        l.record("TEST-F1", m, [("SERVICE_USER_INFO", it)])
    };
    let e = one("2026-10").unwrap_err();
    assert!(e.to_string().contains("\"2026-10\" is not YYYYMM"), "{e}");
    assert_eq!(count(&path), 0);
    assert!(l.known_users("TEST-F1", "2026-11").is_err());
    one("202610").unwrap();
    assert_eq!(count(&path), 1);
}
