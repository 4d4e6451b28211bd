//! The ledger file across versions: a ledger of the format before schema versions (0) is
//! adopted and migrated with its rows intact, and a file of a newer version is refused
//! untouched.

use std::path::Path;

use lifeline::ledger::{Ledger, RunRecord, VERSION};
use lifeline::metrics::{InterfaceStats, RunStats};
use rusqlite::Connection;

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
