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
use crate::decode::{Chunks, ReadError};
use crate::emit::OutputEncoding;
use crate::emit::spill::{Mark, Spill};
use crate::ledger::{Ledger, hex};
use crate::map::Profile;
use crate::normalize::ingest::{FileIngest, Ingest, Part, delimiter, unreadable};
use crate::spec::Registry;
use crate::spec::ids::{DataType, FacilityId};
use crate::validate::Context;

/// A quarantine.csv line: file, line, reason, the row's fields.
pub(super) type QuarantineLine = (String, u64, String, Vec<String>);

/// What every file of an office is read with.
pub(super) struct Office<'a> {
    pub(super) facility: &'a FacilityId,
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
    /// Per file: the lines of rows of other facilities.
    pub(super) other_lines: Vec<BTreeSet<u64>>,
    pub(super) quarantine: Vec<QuarantineLine>,
    /// Rows of other facilities, per interface.
    pub(super) other_facility: BTreeMap<DataType, usize>,
    pub(super) input_entries: Vec<FileEntry>,
}

impl Reading<'_> {
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
        let others_before = self.other_facility.clone();
        let mut ing = Ingest::new(
            shown,
            chunks.encoding(),
            profile,
            registry,
            Some(facility.as_str()),
        );
        let mut other = BTreeSet::new();
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
                    self.other_facility = others_before;
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
                let lines: Vec<u64> = lines(&p.frame).collect();
                let data_type = DataType::new(p.data_type.as_str());
                *self.other_facility.entry(data_type).or_default() += lines.len();
                for &line in &lines {
                    self.quarantine.push((
                        shown.to_string(),
                        line,
                        format!("a row of facility {}", p.facility),
                        Vec::new(),
                    ));
                }
                other.extend(lines);
            }
        }
        self.files.push((profile_index, ing.finish()));
        self.other_lines.push(other);
        Ok(())
    }

    /// A file that could not be read: its error, and no row.
    fn unreadable(&mut self, profile_index: usize, shown: &str, e: &crate::decode::DecodeError) {
        self.files.push((profile_index, unreadable(shown, e)));
        self.other_lines.push(BTreeSet::new());
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
        let Some(schema) = registry
            .spec(&p.spec)
            .and_then(|s| s.schema(&p.data_type))
        else {
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
        let at = self
            .emitted
            .iter()
            .position(|e| {
                e.file == fi
                    && e.plan == key.plan
                    && e.data_type == key.data_type
                    && e.spec == key.spec
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
