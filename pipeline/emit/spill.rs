//! LIFE lines, encoded as their rows come — a table of a vendor file at a time — kept in memory
//! up to [`IN_MEMORY`] bytes, past that in an unnamed temporary file beside the outputs
//! (readable by the owner only, gone when closed, even by a killed run), and each row's content
//! hash (for the ledger) beside them. At the end a LIFE file is written from segments of spills
//! ([`write_life`]): an office of ordinary size has its lines written once, into its LIFE files;
//! a large one holds a length per row in memory, not the rows.

use std::io::Read;
use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::files::write_staged_hashed;
use super::verify::{Checked, LineCheck};
use super::writer::{LifeRows, OutputEncoding, WriteError};
use crate::decode::store::Store;
use crate::spec::Schema;

/// What one spill's lines (or hashes) keep in memory before they go to a file: 4 MiB, the lines
/// of about 10,000 assessment rows, so that memory stays bounded by a few times this per
/// office at work, whatever the office's size.
pub const IN_MEMORY: usize = 4 << 20;

pub struct Spill {
    dir: PathBuf,
    file: Store,
    /// Each row's SHA-256, 32 bytes a row.
    hashes: Store,
    encoding: OutputEncoding,
    /// The LIFE file's first lines, from the first frame.
    header: Vec<u8>,
    /// Each row's line length; 0 for a row that could not be written, whose error is kept.
    lens: Vec<u32>,
    /// Each row's [`RowSum`](super::verify::RowSum): what its line must read back as.
    sums: Vec<u64>,
    /// The number of columns of the header.
    fields: usize,
    errors: Vec<(usize, WriteError)>,
    /// Lines of the current table, before they go to the file.
    buf: Vec<u8>,
}

/// Where a spill stood (its row count), to go back to when a file turns out unreadable
/// halfway.
#[derive(Clone, Copy)]
pub struct Mark(usize);

/// Why a spill failed.
#[derive(Debug, thiserror::Error)]
pub enum SpillError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Write(#[from] WriteError),
    #[error("the files feeding {0} give it different columns")]
    Columns(String),
}

impl Spill {
    pub fn new(dir: &Path, encoding: OutputEncoding) -> Result<Spill, SpillError> {
        Ok(Spill {
            dir: dir.to_path_buf(),
            file: Store::Memory(Vec::new()),
            hashes: Store::Memory(Vec::new()),
            encoding,
            header: Vec::new(),
            lens: Vec::new(),
            sums: Vec::new(),
            fields: 0,
            errors: Vec::new(),
            buf: Vec::new(),
        })
    }

    /// Encodes a frame's rows after those before, with their content hashes (32 bytes a row).
    pub fn add(
        &mut self,
        schema: &Schema,
        frame: &DataFrame,
        hashes: &[u8],
    ) -> Result<(), SpillError> {
        let rows = LifeRows::new(schema, frame)?;
        let header = rows.header(self.encoding);
        if self.header.is_empty() {
            self.header = header;
            self.fields = rows.columns();
        } else if self.header != header {
            return Err(SpillError::Columns(schema.data_type.clone()));
        }
        self.buf.clear();
        let first = self.lens.len();
        let (lens, sums, errors) = (&mut self.lens, &mut self.sums, &mut self.errors);
        let mut start = 0;
        rows.encode(self.encoding, &mut self.buf, |row, end, e, sum| {
            lens.push((end - start) as u32);
            sums.push(sum);
            start = end;
            if let Some(e) = e {
                errors.push((first + row, e));
            }
        });
        self.file.append(&self.dir, &self.buf, IN_MEMORY)?;
        self.hashes.append(&self.dir, hashes, IN_MEMORY)?;
        Ok(())
    }

    /// The content hashes of rows `first..first + n`, read back.
    pub fn hashes(&self, first: usize, n: usize) -> std::io::Result<Vec<[u8; 32]>> {
        let mut bytes = vec![0u8; n * 32];
        self.hashes
            .from(first as u64 * 32)?
            .read_exact(&mut bytes)?;
        Ok(bytes
            .chunks_exact(32)
            .map(|c| c.try_into().expect("32 bytes"))
            .collect())
    }

    /// The rows of `first..first + n` that could not be written in the output encoding, with
    /// why: (row - first, error).
    pub fn errors_in(&self, first: usize, n: usize) -> impl Iterator<Item = (usize, &WriteError)> {
        self.errors
            .iter()
            .filter(move |(r, _)| (first..first + n).contains(r))
            .map(move |(r, e)| (r - first, e))
    }

    /// The LIFE file's first lines (BOM, data type, header), as written.
    pub fn header(&self) -> &[u8] {
        &self.header
    }

    pub fn mark(&self) -> Mark {
        Mark(self.lens.len())
    }

    /// Forgets the rows added since `mark`.
    pub fn rewind(&mut self, Mark(rows): Mark) -> std::io::Result<()> {
        self.file.truncate(self.start_of(rows))?;
        self.hashes.truncate(rows as u64 * 32)?;
        self.lens.truncate(rows);
        self.sums.truncate(rows);
        self.errors.retain(|(row, _)| *row < rows);
        Ok(())
    }

    /// Where row `row`'s line starts in the file.
    fn start_of(&self, row: usize) -> u64 {
        self.lens[..row].iter().map(|&l| l as u64).sum()
    }

    pub fn rows(&self) -> usize {
        self.lens.len()
    }
}

/// Rows `first..first + keep.len()` of a spill, each written to the LIFE file if `keep` says.
pub struct Segment<'a> {
    pub spill: &'a Spill,
    pub first: usize,
    pub keep: &'a [bool],
}

/// Writes a LIFE file to `path` (atomically, owner-only) from segments of spills, in order: the
/// header, then the kept rows. The spills must have the same header. A kept row that could not
/// be written fails it, naming its line in the file. Returns the file's SHA-256, and what
/// reading each line back as it was written found ([`LineCheck`]).
pub fn write_life(
    path: &Path,
    data_type: &str,
    segments: &[Segment<'_>],
) -> Result<([u8; 32], Checked), SpillError> {
    let Some(head) = segments.first() else {
        return Err(SpillError::Io(std::io::Error::other("no rows to write")));
    };
    let mut kept = 0u64;
    for s in segments {
        if s.spill.header != head.spill.header {
            return Err(SpillError::Columns(data_type.to_string()));
        }
        let rows = s.first..s.first + s.keep.len();
        for (row, e) in s.spill.errors.iter().filter(|(r, _)| rows.contains(r)) {
            let i = row - s.first;
            if s.keep[i] {
                let at = 3 + kept + s.keep[..i].iter().filter(|k| **k).count() as u64;
                return Err(e.clone().at_line(at).into());
            }
        }
        kept += s.keep.iter().filter(|k| **k).count() as u64;
    }
    let mut row = Vec::new();
    let mut check = LineCheck::new(head.spill.encoding.text_encoding(), head.spill.fields);
    let sha = write_staged_hashed(path, |w| {
        w.write_all(&head.spill.header)?;
        check.head(&head.spill.header);
        for s in segments {
            let mut from = s.spill.file.from(s.spill.start_of(s.first))?;
            let rows = s.spill.lens[s.first..].iter().zip(&s.spill.sums[s.first..]);
            for ((&len, &sum), &k) in rows.zip(s.keep) {
                row.resize(len as usize, 0);
                from.read_exact(&mut row)?;
                if k {
                    w.write_all(&row)?;
                    check.line(&row, sum);
                }
            }
        }
        Ok(())
    })?;
    Ok((sha, check.finish()))
}
