//! The ledger's write path: one office's month of 200,000 submitted records (synthetic numbers,
//! hashes and users' keys; 20,000 users in SERVICE_USER_INFO and four forms of 45,000 rows)
//! recorded by `Ledger::record` — into a new ledger, again (a re-run of the month: its rows
//! replaced), and as the next month (every number and user already known). The reference is the
//! same rows written with schema version 1's tables and statements (text keys, hex), as
//! `Ledger::record` wrote them before version 2.
//! Run: `cargo bench --bench ledger`.

use std::hint::black_box;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lifeline::ledger::{Ledger, Submitted, hex};
use rusqlite::{Connection, params};

const USERS: usize = 20_000;
const FORMS: [&str; 4] = [
    "FORM_0000_2021",
    "FORM_0100_2021",
    "FORM_0210_2021",
    "FORM_0310_2021",
];
const PER_FORM: usize = 45_000;
const ROWS: usize = USERS + FORMS.len() * PER_FORM;

/// One interface's rows: number, content hash, user's key (hex of 16 bytes).
struct Iface {
    data_type: &'static str,
    rows: Vec<(String, [u8; 32], String)>,
}

/// The month's rows; `salt` changes every hash (a month in which every record changed).
fn month(salt: u8) -> Vec<Iface> {
    let key = |u: usize| {
        hex(&(u as u128)
            .wrapping_mul(0x9e37_79b9_7f4a_7c15_f39c_c060_5ced_c835)
            .to_le_bytes())
    };
    let hash = |i: usize| {
        let mut h = [salt; 32];
        h[..8].copy_from_slice(&(i as u64).to_le_bytes());
        h
    };
    let mut out = vec![Iface {
        data_type: "SERVICE_USER_INFO",
        rows: (0..USERS)
            .map(|u| (format!("U-{u:07}"), hash(u), key(u)))
            .collect(),
    }];
    for (f, data_type) in FORMS.iter().enumerate() {
        out.push(Iface {
            data_type,
            rows: (0..PER_FORM)
                .map(|i| (format!("K{f}-{i:07}"), hash(i), key(i % USERS)))
                .collect(),
        });
    }
    out
}

fn record(l: &Ledger, m: &str, ifaces: &[Iface]) {
    let interfaces = ifaces.iter().map(|i| {
        let rows = i.rows.iter().map(|(number, content_hash, user_key)| {
            Ok(Submitted {
                number,
                content_hash: *content_hash,
                user_key,
            })
        });
        (i.data_type, rows)
    });
    l.record("TEST-OFFICE", m, interfaces).unwrap();
}

/// Schema version 1 as it shipped, and its `record`: the reference.
fn v1_open(path: &Path) -> Connection {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;
         CREATE TABLE submissions (facility TEXT NOT NULL, data_type TEXT NOT NULL,
             month TEXT NOT NULL, number TEXT NOT NULL, content_hash TEXT NOT NULL,
             user_key TEXT NOT NULL, PRIMARY KEY (facility, data_type, month, number));
         CREATE INDEX submissions_user ON submissions (facility, data_type, user_key);",
    )
    .unwrap();
    conn
}

fn v1_record(conn: &mut Connection, m: &str, ifaces: &[Iface]) {
    let tx = conn.transaction().unwrap();
    for i in ifaces {
        tx.prepare_cached(
            "DELETE FROM submissions WHERE facility = ?1 AND data_type = ?2 AND month = ?3",
        )
        .unwrap()
        .execute(params!["TEST-OFFICE", i.data_type, m])
        .unwrap();
        let mut st = tx
            .prepare_cached("INSERT OR REPLACE INTO submissions VALUES (?1, ?2, ?3, ?4, ?5, ?6)")
            .unwrap();
        for (n, h, u) in &i.rows {
            st.execute(params!["TEST-OFFICE", i.data_type, m, n, hex(h), u])
                .unwrap();
        }
    }
    tx.commit().unwrap();
}

fn bench(c: &mut Criterion) {
    let oct = month(1);
    let nov = month(2);
    assert_eq!(oct.iter().map(|i| i.rows.len()).sum::<usize>(), ROWS);
    let tmp = tempfile::tempdir().unwrap();
    let fresh = || tempfile::tempdir_in(tmp.path()).unwrap();
    let mut g = c.benchmark_group("ledger_200k");
    g.sample_size(10);
    g.throughput(Throughput::Elements(ROWS as u64));
    g.bench_function("record_new_ledger", |b| {
        b.iter_batched(
            || {
                let dir = fresh();
                let l = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
                (dir, l)
            },
            |(dir, l)| {
                record(&l, "202610", black_box(&oct));
                (dir, l)
            },
            BatchSize::PerIteration,
        )
    });
    g.bench_function("record_next_month", |b| {
        b.iter_batched(
            || {
                let dir = fresh();
                let l = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
                record(&l, "202610", &oct);
                (dir, l)
            },
            |(dir, l)| {
                record(&l, "202611", black_box(&nov));
                (dir, l)
            },
            BatchSize::PerIteration,
        )
    });
    let dir = fresh();
    let l = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
    record(&l, "202610", &oct);
    g.bench_function("record_rerun_month", |b| {
        b.iter(|| record(&l, "202610", black_box(&oct)))
    });
    g.bench_function("v1_reference_new_ledger", |b| {
        b.iter_batched(
            || {
                let dir = fresh();
                let conn = v1_open(&dir.path().join("ledger.sqlite"));
                (dir, conn)
            },
            |(dir, mut conn)| {
                v1_record(&mut conn, "202610", black_box(&oct));
                (dir, conn)
            },
            BatchSize::PerIteration,
        )
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
