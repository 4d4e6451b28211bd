//! What a run keeps of each row a vendor file gives one of the facility's interfaces, while the
//! row's LIFE line waits in the interface's spill: enough for the cross-file and due checks,
//! the ledger and the metrics — a few numbers and short strings per row, never the row.

use std::collections::{BTreeMap, BTreeSet};

use polars::prelude::*;
use sha2::{Digest, Sha256};

use crate::decode::LINE;
use crate::emit::spill::Spill;
use crate::ledger::{Ledger, Submitted};
use crate::normalize::ingest::Part;
use crate::spec::ids::DataType;

/// A spill: an interface (data type, spec) as one target of a profile (by index) feeds it.
/// Rows of one target follow one another in it, file after file, so the LIFE file can take a
/// file's rows target after target, as reading files whole did.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct SpillKey {
    pub data_type: DataType,
    pub spec: String,
    pub plan: usize,
}

/// The rows of one file for one interface, in the file's order.
pub(super) struct Emitted {
    /// Index of the file among the facility's files.
    pub file: usize,
    pub data_type: DataType,
    pub spec: String,
    /// The profile target whose frames they were (see [`SpillKey`]).
    pub plan: usize,
    pub lines: Vec<u64>,
    /// Each row's 外部システム管理番号 (see [`Emitted::number`]).
    numbers: Texts,
    /// The user of each row (both 保険者番号 and 被保険者番号 given), as an index into [`Users`];
    /// [`NO_USER`] when not.
    pub users: Vec<u32>,
    /// SERVICE_USER_INFO only: the months of start_date and end_date (see [`month_number`]).
    pub service: Vec<(Option<i64>, Option<i64>)>,
    /// The interface's spill row of its first row: its rows follow one another there, and so
    /// do their content hashes (read back only for the delta and the ledger).
    pub first_row: usize,
    /// Values of each row filled from vendor data (the metrics' filled fields).
    pub filled: Vec<u32>,
}

/// A row without a user.
pub(super) const NO_USER: u32 = u32::MAX;

/// Strings end to end in one buffer: a few bytes each, not an allocation each.
#[derive(Default)]
struct Texts {
    text: String,
    ends: Vec<usize>,
}

impl Texts {
    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len());
    }

    fn len(&self) -> usize {
        self.ends.len()
    }

    fn get(&self, i: usize) -> &str {
        let start = if i == 0 { 0 } else { self.ends[i - 1] };
        &self.text[start..self.ends[i]]
    }
}

/// The facility's users, each key once: the ledger's keyed hash of (保険者番号, 被保険者番号),
/// or the two numbers joined by `/` without a ledger. The keys are found again through a hash
/// table of their indexes.
#[derive(Default)]
pub(super) struct Users {
    keys: Texts,
    index: hashbrown::HashTable<u32>,
    /// Each (保険者番号, 被保険者番号) met, to its user: the keyed hash is made once a user.
    pairs: hashbrown::HashMap<Box<[u8]>, u32, foldhash::fast::FixedState>,
    pair: Vec<u8>,
}

impl Users {
    /// The user of (保険者番号 `a`, 被保険者番号 `b`), whose key `key` makes when they are new.
    fn of(&mut self, a: &str, b: &str, key: impl FnOnce() -> String) -> u32 {
        pair(&mut self.pair, a, b);
        if let Some(&i) = self.pairs.get(self.pair.as_slice()) {
            return i;
        }
        let i = self.id(&key());
        self.pairs.insert(self.pair.as_slice().into(), i);
        i
    }

    /// The user of (保険者番号 `a`, 被保険者番号 `b`), if a row had them.
    pub fn find(&self, a: &str, b: &str) -> Option<u32> {
        let mut key = Vec::new();
        pair(&mut key, a, b);
        self.pairs.get(key.as_slice()).copied()
    }

    fn id(&mut self, key: &str) -> u32 {
        use std::hash::BuildHasher;
        let state = foldhash::fast::FixedState::default();
        let hash = state.hash_one(key);
        if let Some(&i) = self.index.find(hash, |&i| self.key(i) == key) {
            return i;
        }
        let i = self.keys.len() as u32;
        self.keys.push(key);
        let keys = &self.keys;
        let rehash = |&i: &u32| state.hash_one(keys.get(i as usize));
        self.index.insert_unique(hash, i, rehash);
        i
    }

    pub fn key(&self, id: u32) -> &str {
        self.keys.get(id as usize)
    }
}

/// The key of (保険者番号 `a`, 被保険者番号 `b`) among a facility's users, into `out`.
fn pair(out: &mut Vec<u8>, a: &str, b: &str) {
    out.clear();
    out.extend_from_slice(a.as_bytes());
    out.push(0x1f);
    out.extend_from_slice(b.as_bytes());
}

impl Emitted {
    /// The summary of `part`'s file for its target, from spill row `first_row` on.
    pub fn new(file: usize, part: &Part, first_row: usize) -> Self {
        Emitted {
            file,
            data_type: DataType::new(part.data_type.as_str()),
            spec: part.spec.clone(),
            plan: part.plan,
            lines: Vec::new(),
            numbers: Texts::default(),
            users: Vec::new(),
            service: Vec::new(),
            first_row,
            filled: Vec::new(),
        }
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    /// Row `i`'s 外部システム管理番号 (never empty when there is one).
    pub fn number(&self, i: usize) -> Option<&str> {
        Some(self.numbers.get(i)).filter(|n| !n.is_empty())
    }

    /// Every row's number, in order.
    pub fn numbers(&self) -> impl Iterator<Item = Option<&str>> {
        (0..self.len()).map(|i| self.number(i))
    }

    /// The user of row `i`, if it has one.
    pub fn user(&self, i: usize) -> Option<u32> {
        self.users.get(i).copied().filter(|&u| u != NO_USER)
    }

    /// Every row's user, in order.
    pub fn user_ids(&self) -> impl Iterator<Item = Option<u32>> {
        self.users.iter().map(|&u| (u != NO_USER).then_some(u))
    }

    /// Adds a frame's rows; returns their content hashes, 32 bytes a row, for the spill.
    /// `mapped`: the items the profiles fill from a vendor column.
    pub fn add(
        &mut self,
        frame: &DataFrame,
        users: &mut Users,
        ledger: Option<&Ledger>,
        mapped: &BTreeSet<&str>,
    ) -> Vec<u8> {
        let n = frame.height();
        let str_col = |name: &str| frame.column(name).ok().and_then(|c| c.str().ok());
        self.lines.extend(lines(frame));
        match str_col("external_system_management_number") {
            Some(numbers) => numbers
                .iter()
                .for_each(|v| self.numbers.push(v.unwrap_or(""))),
            None => (0..n).for_each(|_| self.numbers.push("")),
        }
        let (a, b) = (str_col("insurer_no"), str_col("insured_no"));
        for i in 0..n {
            let user = match (a.and_then(|c| c.get(i)), b.and_then(|c| c.get(i))) {
                (Some(a), Some(b)) => users.of(a, b, || match ledger {
                    Some(l) => l.user_key(a, b),
                    None => format!("{a}/{b}"),
                }),
                _ => NO_USER,
            };
            self.users.push(user);
        }
        if self.data_type.is_service_user_info() {
            let (start, end) = (str_col("start_date"), str_col("end_date"));
            let month =
                |c: Option<&StringChunked>, i| c.and_then(|c| c.get(i)).and_then(month_number);
            self.service
                .extend((0..n).map(|i| (month(start, i), month(end, i))));
        }
        let mut filled = vec![0u32; n];
        let mut texts = Vec::new();
        for c in frame.columns() {
            if c.name().starts_with("__") {
                continue;
            }
            if mapped.contains(c.name().as_str()) {
                if c.null_count() == 0 {
                    filled.iter_mut().for_each(|f| *f += 1);
                } else {
                    let valid = c.as_materialized_series().is_not_null();
                    for (f, valid) in filled.iter_mut().zip(valid.iter()) {
                        *f += u32::from(valid == Some(true));
                    }
                }
            }
            if let Ok(ca) = c.str() {
                texts.push(ca.rechunk());
            }
        }
        self.filled.extend(filled);
        content_hashes(&texts, n)
    }

    /// Every row's content hash, read back from its spill.
    pub fn hashes(&self, spills: &BTreeMap<SpillKey, Spill>) -> std::io::Result<Vec<[u8; 32]>> {
        self.spill(spills)?.hashes(self.first_row, self.len())
    }

    /// The spill its rows are in.
    pub fn spill<'s>(&self, spills: &'s BTreeMap<SpillKey, Spill>) -> std::io::Result<&'s Spill> {
        spills
            .get(&self.key())
            .ok_or_else(|| std::io::Error::other("rows without their LIFE lines"))
    }

    /// The key of the spill its rows are in.
    pub fn key(&self) -> SpillKey {
        SpillKey {
            data_type: self.data_type.clone(),
            spec: self.spec.clone(),
            plan: self.plan,
        }
    }
}

/// Each row's content hash, 32 bytes a row: SHA-256 of its values (a null as empty) in the
/// frame's order, each followed by 0x1F. A row's bytes are gathered and hashed at once.
fn content_hashes(columns: &[std::borrow::Cow<'_, StringChunked>], n: usize) -> Vec<u8> {
    let mut digests = Vec::with_capacity(n * 32);
    let mut bytes = Vec::new();
    crate::emit::each_row(columns, n, |_, row| {
        bytes.clear();
        for v in row.values() {
            bytes.extend_from_slice(v.unwrap_or("").as_bytes());
            bytes.push(0x1f);
        }
        digests.extend_from_slice(&Sha256::digest(&bytes));
    });
    digests
}

/// Every row of an interface's parts, in order: (part, row).
pub(super) fn rows_of<'e>(
    parts: &[&'e Emitted],
) -> impl Iterator<Item = (&'e Emitted, usize)> + Clone {
    parts
        .iter()
        .flat_map(|e| (0..e.len()).map(move |i| (*e, i)))
}

/// A mask over every row of an interface's parts (see [`rows_of`]), cut into each part's share.
pub(super) fn per_part<'e, 'f>(
    parts: &[&'e Emitted],
    mut flags: &'f [bool],
) -> Vec<(&'e Emitted, &'f [bool])> {
    parts
        .iter()
        .map(|e| {
            let (mine, rest) = flags.split_at(e.len());
            flags = rest;
            (*e, mine)
        })
        .collect()
}

/// A row's user key as the ledger records it: only with a ledger.
pub(super) fn user_key<'e>(
    e: &Emitted,
    i: usize,
    users: &'e Users,
    ledger: Option<&Ledger>,
) -> &'e str {
    match (ledger, e.users[i]) {
        (Some(_), u) if u != NO_USER => users.key(u),
        _ => "",
    }
}

/// The rows of an interface's parts that `sent` flags, as the ledger records them; each part's
/// content hashes are read back when its turn comes.
pub(super) fn sent_rows<'e>(
    parts: &[&'e Emitted],
    sent: &'e [bool],
    spills: &'e BTreeMap<SpillKey, Spill>,
    users: &'e Users,
    ledger: Option<&'e Ledger>,
) -> impl Iterator<Item = std::io::Result<Submitted<'e>>> + 'e {
    per_part(parts, sent)
        .into_iter()
        .flat_map(move |(e, sent)| {
            let rows: Box<dyn Iterator<Item = _>> = match e.hashes(spills) {
                Err(x) => Box::new(std::iter::once(Err(std::io::Error::other(format!(
                    "{}: {x}",
                    e.data_type
                ))))),
                Ok(hashes) => Box::new((0..e.len()).filter(move |&i| sent[i]).map(move |i| {
                    Ok(Submitted {
                        number: e.number(i).unwrap_or(""),
                        content_hash: hashes[i],
                        user_key: user_key(e, i, users, ledger),
                    })
                })),
            };
            rows
        })
}

/// Every line of file `fi` that gave a record of any target, or was another office's row:
/// sorted, once each.
pub(super) fn lines_of_file(
    emitted: &[Emitted],
    fi: usize,
    others: &BTreeMap<usize, Vec<u64>>,
) -> impl Iterator<Item = u64> {
    let all: BTreeSet<u64> = emitted
        .iter()
        .filter(|e| e.file == fi)
        .flat_map(|e| e.lines.iter().copied())
        .chain(others.values().flatten().copied())
        .collect();
    all.into_iter()
}

/// Each row's physical line in its vendor file (0 if a frame has none).
pub(super) fn lines(frame: &DataFrame) -> impl Iterator<Item = u64> + '_ {
    let ca = frame.column(LINE).ok().and_then(|c| c.u64().ok());
    (0..frame.height()).map(move |i| ca.and_then(|c| c.get(i)).unwrap_or(0))
}

/// Months since year 0 of a `YYYYMMDD` or `YYYYMM` value.
pub(super) fn month_number(s: &str) -> Option<i64> {
    let y: i64 = s.get(0..4)?.parse().ok()?;
    let m: i64 = s.get(4..6)?.parse().ok()?;
    (1..=12).contains(&m).then_some(month_index(y, m))
}

/// Months since year 0 of month `m` (1–12) of year `y`: months apart are numbers apart.
pub(super) fn month_index(y: i64, m: i64) -> i64 {
    y * 12 + m - 1
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::emit::OutputEncoding;
    use crate::spec::Registry;

    proptest::proptest! {
        /// The content hash is the ledger's since version 1: a SHA-256 per row fed column after
        /// column, value then 0x1F (a row's hash must not change, or `--delta` resends it).
        #[test]
        fn content_hashes_are_the_column_wise_sha256(
            rows in proptest::collection::vec(
                proptest::collection::vec(proptest::option::of("[a-zあ,\x1f]{0,6}"), 3),
                0..140,
            )
        ) {
            let n = rows.len();
            let columns: Vec<StringChunked> = (0..3)
                .map(|c| {
                    let v: Vec<Option<&str>> = rows.iter().map(|r| r[c].as_deref()).collect();
                    StringChunked::new(format!("c{c}").into(), v)
                })
                .collect();
            let mut old = vec![Sha256::new(); n];
            for ca in &columns {
                for (h, v) in old.iter_mut().zip(ca.iter()) {
                    h.update(v.unwrap_or("").as_bytes());
                    h.update([0x1f]);
                }
            }
            let old: Vec<u8> = old.into_iter().flat_map(|h| h.finalize()).collect();
            let cows: Vec<_> = columns.iter().map(|c| c.rechunk()).collect();
            proptest::prop_assert_eq!(content_hashes(&cows, n), old);
        }
    }

    /// A synthetic row: line, 外部システム管理番号, 被保険者番号 (the 保険者番号 is always
    /// `999999`), start_date, end_date.
    pub(in crate::run) type Row = (
        u64,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<&'static str>,
    );

    /// A part of facility `0000000001` for `data_type` (spec 2021, the first target).
    pub(in crate::run) fn part(data_type: &str, rows: &[Row]) -> Part {
        let frame = df!(
            LINE => rows.iter().map(|r| r.0).collect::<Vec<_>>(),
            "external_system_management_number" => rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            "insurer_no" => rows.iter().map(|r| r.2.map(|_| "999999")).collect::<Vec<_>>(),
            "insured_no" => rows.iter().map(|r| r.2).collect::<Vec<_>>(),
            "start_date" => rows.iter().map(|r| r.3).collect::<Vec<_>>(),
            "end_date" => rows.iter().map(|r| r.4).collect::<Vec<_>>(),
        )
        .unwrap();
        Part {
            facility: "0000000001".into(),
            plan: 0,
            data_type: data_type.into(),
            spec: "2021".into(),
            frame,
        }
    }

    /// The summary of `rows` as file `file`'s, its users' keys made with `ledger`.
    pub(in crate::run) fn emitted(
        file: usize,
        data_type: &str,
        rows: &[Row],
        users: &mut Users,
        ledger: Option<&Ledger>,
    ) -> Emitted {
        let p = part(data_type, rows);
        let mut e = Emitted::new(file, &p, 0);
        e.add(&p.frame, users, ledger, &BTreeSet::new());
        e
    }

    #[test]
    fn texts_keep_each_string_apart_empty_ones_too() {
        let mut t = Texts::default();
        for s in ["U1", "", "ユーザー3"] {
            t.push(s);
        }
        assert_eq!(t.len(), 3);
        assert_eq!([t.get(0), t.get(1), t.get(2)], ["U1", "", "ユーザー3"]);
    }

    #[test]
    fn users_are_kept_once_each_and_found_again() {
        let mut users = Users::default();
        let ids: Vec<u32> = (0..500).map(|i| users.id(&format!("999999/{i}"))).collect();
        assert_eq!(ids, (0..500).collect::<Vec<u32>>(), "a new id per new key");
        // Found again after the table grew, and a key is not confused with a longer one.
        assert_eq!(users.id("999999/7"), 7);
        assert_eq!(users.key(7), "999999/7");
        assert_eq!(users.id("999999/70"), 70);
        assert_eq!(users.id("999999/7x"), 500);
    }

    #[test]
    fn a_summary_keeps_numbers_users_and_service_months() {
        let mut users = Users::default();
        let rows = [
            (2, "U1", Some("1001"), Some("20261001"), None),
            (3, "", None, Some("bad"), Some("20261231")),
            (5, "U3", Some("1001"), None, None),
        ];
        let e = emitted(0, "SERVICE_USER_INFO", &rows, &mut users, None);
        assert_eq!(e.lines, [2, 3, 5]);
        assert_eq!(
            e.numbers().collect::<Vec<_>>(),
            [Some("U1"), None, Some("U3")]
        );
        let ids: Vec<_> = e.user_ids().collect();
        assert_eq!(ids[1], None, "no 被保険者番号, no user");
        assert_eq!(ids[0], ids[2], "one user on two rows");
        assert_eq!(users.key(ids[0].unwrap()), "999999/1001");
        let (oct, dec) = (month_number("202610"), month_number("202612"));
        assert_eq!(e.service, [(oct, None), (None, dec), (None, None)]);

        // Only SERVICE_USER_INFO keeps service months.
        let form = emitted(0, "FORM_0000_2021", &rows, &mut users, None);
        assert!(form.service.is_empty());
        assert_eq!(form.data_type.as_str(), "FORM_0000_2021");
    }

    #[test]
    fn content_hashes_follow_the_values_not_the_lines() {
        let p = part(
            "FORM_0000_2021",
            &[
                (2, "K1", Some("1001"), None, None),
                (9, "K1", Some("1001"), None, None),
                (10, "K1", Some("1002"), None, None),
            ],
        );
        let mut e = Emitted::new(0, &p, 0);
        let mapped = BTreeSet::from(["insured_no", "start_date"]);
        let hashes = e.add(&p.frame, &mut Users::default(), None, &mapped);
        assert_eq!(hashes.len(), 3 * 32);
        let row = |i: usize| &hashes[i * 32..(i + 1) * 32];
        assert_eq!(row(0), row(1), "only the line differs");
        assert_ne!(row(0), row(2));
        // insured_no is filled, start_date is null: one filled value a row.
        assert_eq!(e.filled, [1, 1, 1]);
    }

    #[test]
    fn per_part_cuts_a_mask_into_each_parts_share() {
        let mut users = Users::default();
        let r = |line| (line, "K", None, None, None);
        let a = emitted(0, "FORM_0000_2021", &[r(2), r(3)], &mut users, None);
        let none = emitted(1, "FORM_0000_2021", &[], &mut users, None);
        let b = emitted(2, "FORM_0000_2021", &[r(4), r(5), r(6)], &mut users, None);
        let parts = [&a, &none, &b];
        let mask = [true, false, false, true, true];
        let cut = per_part(&parts, &mask);
        let shares: Vec<(usize, &[bool])> = cut.iter().map(|(e, m)| (e.file, *m)).collect();
        assert_eq!(
            shares,
            [(0, &mask[..2]), (1, &[][..]), (2, &mask[2..])],
            "an empty part gets an empty share"
        );
        let rows: Vec<(usize, usize)> = rows_of(&parts).map(|(e, i)| (e.file, i)).collect();
        assert_eq!(rows, [(0, 0), (0, 1), (2, 0), (2, 1), (2, 2)]);
        assert!(per_part(&[], &[]).is_empty());
    }

    #[test]
    fn user_keys_go_to_the_ledger_only_with_one() {
        let tmp = tempfile::tempdir().unwrap();
        let ledger = Ledger::open(&tmp.path().join("ledger.sqlite")).unwrap();
        let mut users = Users::default();
        let rows = [
            (2, "U1", Some("1001"), None, None),
            (3, "U2", None, None, None),
        ];
        let e = emitted(0, "SERVICE_USER_INFO", &rows, &mut users, Some(&ledger));
        let key = ledger.user_key("999999", "1001");
        assert_eq!(user_key(&e, 0, &users, Some(&ledger)), key);
        assert_ne!(key, "999999/1001", "a keyed hash, not the numbers");
        assert_eq!(user_key(&e, 1, &users, Some(&ledger)), "", "no user");
        assert_eq!(user_key(&e, 0, &users, None), "", "no ledger");
    }

    #[test]
    fn sent_rows_are_the_flagged_rows_with_their_spilled_hashes() {
        let tmp = tempfile::tempdir().unwrap();
        let registry = Registry::embedded().unwrap();
        let schema = registry
            .spec("2021")
            .and_then(|s| s.schema("SERVICE_USER_INFO"))
            .unwrap();
        let p = part(
            "SERVICE_USER_INFO",
            &[
                (2, "U1", Some("1001"), None, None),
                (3, "U2", Some("1002"), None, None),
                (4, "U3", Some("1003"), None, None),
            ],
        );
        let mut users = Users::default();
        let mut e = Emitted::new(0, &p, 0);
        let hashes = e.add(&p.frame, &mut users, None, &BTreeSet::new());
        let mut spill = Spill::new(tmp.path(), OutputEncoding::Utf8Bom).unwrap();
        spill.add(schema, &p.frame, &hashes).unwrap();
        let spills = BTreeMap::from([(e.key(), spill)]);

        let flags = [true, false, true];
        let sent: Vec<Submitted> = sent_rows(&[&e], &flags, &spills, &users, None)
            .collect::<std::io::Result<_>>()
            .unwrap();
        let numbers: Vec<&str> = sent.iter().map(|s| s.number).collect();
        assert_eq!(numbers, ["U1", "U3"]);
        assert_eq!(sent[1].content_hash[..], hashes[64..96]);
        assert!(sent.iter().all(|s| s.user_key.is_empty()), "no ledger");

        // Rows whose spill is missing say so, and of which interface.
        let err = sent_rows(&[&e], &flags, &BTreeMap::new(), &users, None)
            .find_map(Result::err)
            .unwrap();
        assert!(
            err.to_string()
                .contains("SERVICE_USER_INFO: rows without their LIFE lines"),
            "{err}"
        );
    }

    #[test]
    fn a_frame_without_lines_gives_line_0() {
        let p = part("FORM_0000_2021", &[(7, "K", None, None, None)]);
        assert_eq!(lines(&p.frame).collect::<Vec<_>>(), [7]);
        let bare = df!("x" => ["a", "b"]).unwrap();
        assert_eq!(lines(&bare).collect::<Vec<_>>(), [0, 0]);
    }

    #[test]
    fn month_numbers_count_months_across_years() {
        assert_eq!(month_number("20261015"), Some(month_index(2026, 10)));
        assert_eq!(month_number("202610"), month_number("20261031"));
        assert_eq!(
            month_number("202701").unwrap() - month_number("202612").unwrap(),
            1
        );
        for bad in ["202613", "202600", "2026", "", "2026-1", "令和8年10月"] {
            assert_eq!(month_number(bad), None, "{bad}");
        }
    }
}
