//! Reading an office's vendor files a table at a time: each table normalized and validated,
//! its rows' LIFE lines written to their spill (see `SpillKey`) and a summary of each row kept.

use std::collections::{BTreeMap, BTreeSet};
use std::fs::File;
use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

use super::error::RunError;
use super::manifest::FileEntry;
use super::rows::{Emitted, SpillKey, Users, lines};
use super::scope::{Scope, Scopes};
use crate::decode::{Chunks, ReadError};
use crate::emit::OutputEncoding;
use crate::emit::spill::{Mark, Spill};
use crate::ledger::{Ledger, hex};
use crate::map::Profile;
use crate::normalize::ingest::{FileIngest, Ingest, Part, delimiter, unreadable};
use crate::spec::Registry;
use crate::spec::ids::{DataType, FacilityId};
use crate::validate::{Context, Severity};

/// A quarantine.csv line: file, line, reason, the row's fields.
pub(super) type QuarantineLine = (String, u64, String, Vec<String>);

/// What every file of an office is read with.
pub(super) struct Office<'a> {
    pub(super) facility: &'a FacilityId,
    /// The 事業所番号 of the rows of a file that does not carry one (`run`: the office's).
    pub(super) given: Option<&'a str>,
    /// サービス種類コード: when given, every row of the office gets it.
    pub(super) service_code: Option<&'a str>,
    pub(super) registry: &'a Registry,
    /// Makes the users' keys (see `rows::Users`).
    pub(super) ledger: Option<&'a Ledger>,
    /// The office's output folder, where the spills are made.
    pub(super) dir: &'a Path,
    pub(super) encoding: OutputEncoding,
    /// Per interface, the items the profiles fill from a vendor column (see [`mapped_items`]).
    pub(super) mapped: BTreeMap<&'a str, BTreeSet<&'a str>>,
    pub(super) ctx: Context,
}

/// What reading a facility's files gives.
pub(super) struct Reading<'a> {
    pub(super) office: Office<'a>,
    /// Each file with the index of the profile it was read through.
    pub(super) files: Vec<(usize, FileIngest)>,
    /// Each file's rows per interface of this facility, in file order.
    pub(super) emitted: Vec<Emitted>,
    /// Each interface's LIFE lines, by target (see [`SpillKey`]).
    pub(super) spills: BTreeMap<SpillKey, Spill>,
    pub(super) users: Users,
    /// Per file and target (plan): the lines of rows of other facilities.
    pub(super) others: Vec<BTreeMap<usize, Vec<u64>>>,
    /// The other facilities whose rows were met.
    pub(super) other_ids: BTreeSet<String>,
    pub(super) quarantine: Vec<QuarantineLine>,
    pub(super) input_entries: Vec<FileEntry>,
    /// What the batch's own findings are about.
    pub(super) scopes: Scopes,
}

impl<'a> Reading<'a> {
    /// An office's reading before its first file.
    pub(super) fn new(office: Office<'a>) -> Self {
        Reading {
            office,
            files: Vec::new(),
            emitted: Vec::new(),
            spills: BTreeMap::new(),
            users: Users::default(),
            others: Vec::new(),
            other_ids: BTreeSet::new(),
            quarantine: Vec::new(),
            input_entries: Vec::new(),
            scopes: Scopes::default(),
        }
    }

    /// Reads one vendor file a table at a time. A file that turns out unreadable halfway gives
    /// nothing but its error: what its first tables added is taken back.
    pub(super) fn file(
        &mut self,
        shown: &str,
        file: File,
        profile_index: usize,
        profile: &Profile,
    ) -> Result<(), RunError> {
        let Office {
            facility,
            given,
            service_code,
            registry,
            ..
        } = self.office;
        let cannot_read = |source| RunError::Read {
            path: shown.into(),
            source,
        };
        let mut hash = Sha256::new();
        let opened = Chunks::open(file, delimiter(profile, shown), |b| hash.update(b));
        self.input_entries.push(FileEntry {
            path: shown.to_string(),
            sha256: hex(&hash.finalize()),
        });
        let fi = self.files.len();
        let mut chunks = match opened {
            Ok(c) => c,
            Err(ReadError::Io(e)) => return Err(cannot_read(e)),
            Err(ReadError::Decode(e)) => {
                self.unreadable(profile_index, shown, &e);
                return Ok(());
            }
        };
        let marks: BTreeMap<SpillKey, Mark> = self
            .spills
            .iter()
            .map(|(k, s)| (k.clone(), s.mark()))
            .collect();
        let (emitted_before, quarantine_before) = (self.emitted.len(), self.quarantine.len());
        let mut ing = Ingest::new(shown, chunks.encoding(), profile, registry, given);
        // Rows of other facilities: (plan, line, facility).
        let mut other: Vec<(usize, u64, String)> = Vec::new();
        loop {
            let table = match chunks.next_table() {
                Ok(Some(t)) => t,
                Ok(None) => break,
                Err(ReadError::Io(e)) => return Err(cannot_read(e)),
                Err(ReadError::Decode(e)) => {
                    // Spills this file began go; those before it go back to where they were.
                    self.spills.retain(|k, _| marks.contains_key(k));
                    for (k, s) in &mut self.spills {
                        s.rewind(marks[k])
                            .map_err(|e| RunError::spill(&k.data_type, e))?;
                    }
                    self.emitted.truncate(emitted_before);
                    self.quarantine.truncate(quarantine_before);
                    self.unreadable(profile_index, shown, &e);
                    return Ok(());
                }
            };
            let mut parts = ing.table(&table);
            drop(table);
            if let Some(code) = service_code {
                for part in &mut parts {
                    let n = part.frame.height();
                    part.frame
                        .with_column(
                            StringChunked::full("service_code".into(), code, n).into_column(),
                        )
                        .map_err(|source| RunError::Frame {
                            file: shown.to_string(),
                            source,
                        })?;
                }
            }
            ing.check(&parts, &self.office.ctx);
            for p in &parts {
                if p.facility == facility.as_str() {
                    self.add(fi, p)?;
                    continue;
                }
                for line in lines(&p.frame) {
                    self.quarantine.push((
                        shown.to_string(),
                        line,
                        format!("{}: a row of facility {}", p.data_type, p.facility),
                        Vec::new(),
                    ));
                    other.push((p.plan, line, p.facility.clone()));
                }
            }
        }
        let mut f = ing.finish();
        let mut per_plan: BTreeMap<usize, Vec<u64>> = BTreeMap::new();
        let mut noted = BTreeSet::new();
        for (plan, line, id) in other {
            // Once per row, however many records it feeds.
            if noted.insert(line) {
                let (ja, en) = (
                    format!("事業所番号{id}の行です（この事業所の行ではありません）"),
                    format!("a row of facility {id}, not of this office: not taken"),
                );
                self.scopes.note(
                    &mut f,
                    fi,
                    line,
                    Severity::Warning,
                    "ingest.other_facility",
                    None,
                    (ja, en),
                    Scope::Row,
                );
            }
            per_plan.entry(plan).or_default().push(line);
            self.other_ids.insert(id);
        }
        f.findings.sort();
        self.files.push((profile_index, f));
        self.others.push(per_plan);
        Ok(())
    }

    /// A file that could not be read: its error, and no row.
    fn unreadable(&mut self, profile_index: usize, shown: &str, e: &crate::decode::DecodeError) {
        self.files.push((profile_index, unreadable(shown, e)));
        self.others.push(BTreeMap::new());
    }

    /// A frame of this facility's rows: its LIFE lines to its spill, its summary to
    /// the file's rows of that interface.
    fn add(&mut self, fi: usize, p: &Part) -> Result<(), RunError> {
        let Office {
            registry,
            ledger,
            dir,
            encoding,
            ref mapped,
            ..
        } = self.office;
        let Some(schema) = registry.spec(&p.spec).and_then(|s| s.schema(&p.data_type)) else {
            return Ok(());
        };
        let key = SpillKey {
            data_type: DataType::new(p.data_type.as_str()),
            spec: p.spec.clone(),
            plan: p.plan,
        };
        let spill_error = |source| RunError::Spill {
            data_type: key.data_type.clone(),
            source,
        };
        let spill = match self.spills.entry(key.clone()) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(Spill::new(dir, encoding).map_err(spill_error)?)
            }
        };
        // A summary is one run of the spill's rows: a file's rows of one target.
        let at = self.emitted.iter().position(|e| {
            e.file == fi && e.plan == key.plan && e.data_type == key.data_type && e.spec == key.spec
        });
        let e = match at {
            Some(i) => &mut self.emitted[i],
            None => {
                let e = Emitted::new(fi, p, spill.rows());
                self.emitted.push(e);
                self.emitted.last_mut().expect("pushed just above")
            }
        };
        let none = BTreeSet::new();
        let mapped = mapped.get(p.data_type.as_str()).unwrap_or(&none);
        let hashes = e.add(&p.frame, &mut self.users, ledger, mapped);
        spill.add(schema, &p.frame, &hashes).map_err(spill_error)
    }
}

/// Per interface, the items the profiles fill from a vendor column (constants and generated
/// keys left out): the metrics' filled fields count their values.
pub(super) fn mapped_items(profiles: &[Profile]) -> BTreeMap<&str, BTreeSet<&str>> {
    let mut out: BTreeMap<&str, BTreeSet<&str>> = BTreeMap::new();
    for t in profiles.iter().flat_map(|p| &p.targets) {
        out.entry(t.data_type.as_str())
            .or_default()
            .extend(t.columns.iter().map(|c| c.item.as_str()));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::ids::DataType;

    const PROFILE: &str = r#"
name = "test layout"
[read]
[facility]
column = "事業所番号"
[[target]]
data_type = "SERVICE_USER_INFO"
spec = "2021"
key = ["利用者番号"]
key_prefix = "U"
[target.columns]
insurer_no = { from = "保険者番号", transform = "digits" }
insured_no = { from = "被保険者番号", transform = "digits" }
last_name = { from = "氏名（姓）" }
start_date = { from = "利用開始日", transform = "date" }
"#;

    const HEADER: &str = "事業所番号,利用者番号,保険者番号,被保険者番号,氏名（姓）,利用開始日\n";

    /// A synthetic row of office `office`.
    fn row(office: &str, n: usize) -> String {
        format!("{office},{n},999999,{:08},テスト{n},20261001\n", 1000 + n)
    }

    struct Setup {
        tmp: tempfile::TempDir,
        registry: Registry,
        facility: FacilityId,
    }

    impl Setup {
        fn new() -> Self {
            Setup {
                tmp: tempfile::tempdir().unwrap(),
                registry: Registry::embedded().unwrap(),
                facility: FacilityId::new("0000000001"),
            }
        }

        fn profile(&self) -> Profile {
            Profile::parse("test.toml", PROFILE, &self.registry).unwrap()
        }

        fn reading(&self) -> Reading<'_> {
            Reading::new(Office {
                facility: &self.facility,
                given: Some(self.facility.as_str()),
                service_code: None,
                registry: &self.registry,
                ledger: None,
                dir: self.tmp.path(),
                encoding: OutputEncoding::Utf8Bom,
                mapped: BTreeMap::new(),
                ctx: Context::default(),
            })
        }

        /// A file of the test folder with `bytes`, opened.
        fn file(&self, name: &str, bytes: &[u8]) -> File {
            let path = self.tmp.path().join(name);
            std::fs::write(&path, bytes).unwrap();
            File::open(path).unwrap()
        }
    }

    fn rules(f: &FileIngest) -> Vec<&'static str> {
        f.findings
            .findings
            .iter()
            .map(|x| f.findings.checks[x.check as usize].rule)
            .collect()
    }

    #[test]
    fn a_file_gives_its_offices_rows_and_quarantines_the_others() {
        let s = Setup::new();
        let profile = s.profile();
        let mut read = s.reading();
        let text =
            [HEADER, &row("0000000001", 1), &row("0000000002", 2)].concat() + &row("0000000001", 3);
        read.file(
            "users.csv",
            s.file("users.csv", text.as_bytes()),
            0,
            &profile,
        )
        .unwrap();

        assert_eq!(read.files.len(), 1);
        assert_eq!(read.files[0].1.rows_read, 3);
        assert_eq!(read.emitted.len(), 1);
        let e = &read.emitted[0];
        assert_eq!(e.data_type, DataType::SERVICE_USER_INFO);
        assert_eq!(e.lines, [2, 4]);
        assert_eq!(e.numbers().collect::<Vec<_>>(), [Some("U-1"), Some("U-3")]);
        assert_eq!(read.spills[&e.key()].rows(), 2);
        // The other office's row: quarantined with why, counted for its interface.
        assert_eq!(read.others, [BTreeMap::from([(0, vec![3])])]);
        assert_eq!(read.other_ids, BTreeSet::from(["0000000002".to_string()]));
        // … with a finding on its line.
        let f = &read.files[0].1;
        let other: Vec<u64> = f
            .findings
            .findings
            .iter()
            .filter(|x| f.findings.checks[x.check as usize].rule == "ingest.other_facility")
            .map(|x| x.line)
            .collect();
        assert_eq!(other, [3]);
        assert_eq!(
            read.quarantine,
            [(
                "users.csv".to_string(),
                3,
                "SERVICE_USER_INFO: a row of facility 0000000002".to_string(),
                Vec::new()
            )]
        );
        assert_eq!(read.input_entries[0].path, "users.csv");
        assert_eq!(
            read.input_entries[0].sha256,
            hex(&Sha256::digest(text.as_bytes()))
        );
    }

    #[test]
    fn a_file_that_cannot_be_decoded_is_a_finding_not_an_error() {
        let s = Setup::new();
        let profile = s.profile();
        let mut read = s.reading();
        let bytes = b"\x00\x01binary\n";
        read.file("users.csv", s.file("users.csv", bytes), 0, &profile)
            .unwrap();
        assert_eq!(read.files.len(), 1);
        assert_eq!(rules(&read.files[0].1), ["file.encoding"]);
        assert!(read.emitted.is_empty() && read.spills.is_empty());
        assert_eq!(read.others.len(), 1, "one entry per file");
        // Still listed, with its hash, as an input of the office.
        assert_eq!(read.input_entries[0].sha256, hex(&Sha256::digest(bytes)));
    }

    #[test]
    fn a_file_that_cannot_be_read_fails_the_office() {
        let s = Setup::new();
        let profile = s.profile();
        let mut read = s.reading();
        let folder = File::open(s.tmp.path()).unwrap();
        let e = read.file("users.csv", folder, 0, &profile).unwrap_err();
        assert!(
            matches!(&e, RunError::Read { path, .. } if path == Path::new("users.csv")),
            "{e:?}"
        );
        assert!(e.to_string().starts_with("cannot read users.csv: "), "{e}");
        assert!(read.files.is_empty());
    }

    /// A file whose first tables are read before a byte further on turns out unreadable:
    /// what those tables added goes, what the files before it added stays.
    #[test]
    fn a_file_unreadable_halfway_takes_back_what_it_added() {
        let s = Setup::new();
        let profile = s.profile();
        let mut read = s.reading();
        let good = [HEADER, &row("0000000001", 1)].concat();
        read.file("a.csv", s.file("a.csv", good.as_bytes()), 0, &profile)
            .unwrap();

        // CP932 (its header is not UTF-8), rows well past the first table (the reader decodes
        // 256 KiB at a time), then a byte that is neither UTF-8 nor CP932.
        let (header, _, _) = encoding_rs::SHIFT_JIS.encode(HEADER);
        let mut bad = header.into_owned();
        bad.extend(row("0000000002", 0).replace("テスト", "T").bytes());
        let mut n = 1;
        while bad.len() < 1 << 20 {
            bad.extend(row("0000000001", n).replace("テスト", "T").bytes());
            n += 1;
        }
        bad.extend(b"0000000001,0,999999,1,\xff,20261001\n");
        let mut chunks = Chunks::open(std::io::Cursor::new(&bad), b',', |_| {}).unwrap();
        assert!(
            matches!(chunks.next_table(), Ok(Some(_))),
            "the first table reads"
        );
        read.file("b.csv", s.file("b.csv", &bad), 0, &profile)
            .unwrap();

        assert_eq!(read.files.len(), 2);
        assert!(
            !rules(&read.files[0].1).contains(&"file.encoding"),
            "{:?}",
            rules(&read.files[0].1)
        );
        assert_eq!(rules(&read.files[1].1), ["file.encoding"]);
        assert_eq!(read.emitted.len(), 1, "a.csv's rows only");
        assert_eq!(read.emitted[0].file, 0);
        let spill = &read.spills[&read.emitted[0].key()];
        assert_eq!(spill.rows(), 1, "back to where a.csv left it");
        assert!(
            read.quarantine.is_empty(),
            "b.csv's other office row goes too"
        );
        assert_eq!(read.others, [BTreeMap::new(), BTreeMap::new()]);
    }

    #[test]
    fn mapped_items_are_the_columns_of_every_profile_per_interface() {
        let registry = Registry::embedded().unwrap();
        let a = Profile::parse("a.toml", PROFILE, &registry).unwrap();
        let b = Profile::parse(
            "b.toml",
            &PROFILE.replace(
                "last_name = { from = \"氏名（姓）\" }",
                "first_name = { from = \"氏名（名）\" }",
            ),
            &registry,
        )
        .unwrap();
        let profiles = [a, b];
        let mapped = mapped_items(&profiles);
        assert_eq!(
            mapped.keys().copied().collect::<Vec<_>>(),
            ["SERVICE_USER_INFO"]
        );
        let items = &mapped["SERVICE_USER_INFO"];
        assert!(items.contains("last_name") && items.contains("first_name"));
        assert!(items.contains("insured_no"));
        assert!(
            !items.contains("external_system_management_number"),
            "a generated key is not a vendor column: {items:?}"
        );
        assert!(mapped_items(&[]).is_empty());
    }
}
