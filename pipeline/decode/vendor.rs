//! Vendor exports: CSV or TSV, CP932 or UTF-8 (± BOM), read into records that keep their
//! physical line. What the columns mean is the profile's business (`map`).

use super::{DecodeError, LineCounter, TextEncoding, decode};

/// A vendor file as records, flat: every field's text in one buffer and one end offset per
/// field, so a file costs about its own size once read (no allocation per record or field).
pub struct Table {
    pub encoding: TextEncoding,
    text: String,
    /// End offset in `text` of each field, record after record.
    ends: Vec<u32>,
    /// Per record: its physical 1-based line and the index in `ends` of its first field.
    records: Vec<(u64, u32)>,
}

/// One record of a [`Table`].
#[derive(Clone, Copy)]
pub struct Record<'a> {
    /// The physical 1-based line it starts on.
    pub line: u64,
    text: &'a str,
    /// Start offset of the first field, then the end offset of each field.
    start: u32,
    ends: &'a [u32],
}

impl<'a> Record<'a> {
    /// Field `i` (0-based), if the record has that many.
    pub fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)? as usize;
        let start = match i {
            0 => self.start as usize,
            _ => self.ends[i - 1] as usize,
        };
        self.text.get(start..end)
    }

    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let (text, ends, start) = (self.text, self.ends, self.start as usize);
        let starts = std::iter::once(start).chain(ends.iter().map(|&e| e as usize));
        starts
            .zip(ends.iter())
            .map(move |(s, &e)| text.get(s..e as usize).unwrap_or(""))
    }
}

impl Table {
    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }

    /// Record `i` (0-based); panics past the end, like slice indexing.
    pub fn record(&self, i: usize) -> Record<'_> {
        let (line, first) = self.records[i];
        let last = self
            .records
            .get(i + 1)
            .map_or(self.ends.len(), |r| r.1 as usize);
        let first = first as usize;
        Record {
            line,
            text: &self.text,
            start: match first {
                0 => 0,
                _ => self.ends[first - 1],
            },
            ends: &self.ends[first..last],
        }
    }

    /// Field `i` (0-based) of record `rec`, if the record has that many: what
    /// `record(rec).get(i)` gives, without building the record.
    pub fn field(&self, rec: usize, i: usize) -> Option<&str> {
        let first = self.records[rec].1 as usize;
        let last = self
            .records
            .get(rec + 1)
            .map_or(self.ends.len(), |r| r.1 as usize);
        let k = first + i;
        if k >= last {
            return None;
        }
        let start = match k {
            0 => 0,
            _ => self.ends[k - 1] as usize,
        };
        self.text.get(start..self.ends[k] as usize)
    }

    pub fn records(&self) -> impl Iterator<Item = Record<'_>> {
        (0..self.len()).map(|i| self.record(i))
    }
}

/// Decodes and splits a vendor file. A file that is neither UTF-8 nor CP932 is an error that
/// says where — never mojibake passed on.
pub fn read_table(bytes: &[u8], delimiter: u8) -> Result<Table, DecodeError> {
    let decoded = decode(bytes)?;
    split(decoded.text.as_ref(), decoded.encoding, delimiter)
}

/// Decoded text → a table, its fields in one buffer.
fn split(text: &str, encoding: TextEncoding, delimiter: u8) -> Result<Table, DecodeError> {
    split_part(text, encoding, delimiter, 0, true).map(|(table, _)| table)
}

/// The records of `text`, whose first byte is on line `line + 1` (`line` line ends before
/// it), and how many bytes of it they took. A text that is not the file's last (`last` false)
/// ends at a line end, and maybe inside a quoted value: the record cut there is left out, and
/// its bytes (from the returned length on) belong to the next part.
pub(super) fn split_part(
    text: &str,
    encoding: TextEncoding,
    delimiter: u8,
    line: u64,
    last: bool,
) -> Result<(Table, usize), DecodeError> {
    // Field offsets are u32: a text that passes 4 GiB is refused, not wrapped.
    if u32::try_from(text.len()).is_err() {
        return Err(DecodeError::TooLarge { bytes: text.len() });
    }
    let input = text.as_bytes();
    // csv-core straight into the table: fields land in one buffer, no copy per record. The
    // reader's defaults are the csv crate's: `"` quotes, `""` escapes, CR, LF or CRLF ends.
    let mut rdr = csv_core::ReaderBuilder::new().delimiter(delimiter).build();
    // Unquoting only shortens fields: the whole text's fields fit in the input's length.
    let mut fields = vec![0u8; input.len()];
    let mut ends: Vec<u32> = Vec::new();
    let mut records: Vec<(u64, u32)> = Vec::new();
    let mut lines = LineCounter::starting_at(line);
    let mut record_ends = vec![0usize; 256];
    let (mut read, mut written) = (0usize, 0usize);
    let taken = loop {
        let (record_start, written_before, mut n) = (read, written, 0usize);
        let result = loop {
            if !last && read == input.len() {
                // An empty input would tell csv-core the file ends: the next part goes on.
                break None;
            }
            let (res, nin, nout, nend) = rdr.read_record(
                &input[read..],
                &mut fields[written..],
                &mut record_ends[n..],
            );
            read += nin;
            written += nout;
            n += nend;
            match res {
                csv_core::ReadRecordResult::OutputEndsFull => {
                    record_ends.resize(record_ends.len() * 2, 0);
                }
                // Not expected (the buffer holds the whole input), but handled: more room.
                csv_core::ReadRecordResult::OutputFull => {
                    fields.resize(fields.len() + fields.len() / 2 + 64, 0);
                }
                csv_core::ReadRecordResult::InputEmpty => {}
                csv_core::ReadRecordResult::Record => break Some(true),
                csv_core::ReadRecordResult::End => break Some(false),
            }
        };
        match result {
            Some(true) => {}
            Some(false) => break input.len(),
            None => {
                written = written_before;
                break record_start;
            }
        }
        // Ends are relative to the record's first byte in `fields`.
        let base = (written - record_ends[..n].last().copied().unwrap_or(0)) as u32;
        records.push((lines.line_at(text, record_start), ends.len() as u32));
        ends.extend(record_ends[..n].iter().map(|&e| base + e as u32));
    };
    fields.truncate(written);
    // Fields are valid UTF-8 with ASCII quotes and delimiters taken out: still valid UTF-8
    // (checked, with SIMD, rather than assumed).
    let text = match simdutf8::basic::from_utf8(&fields) {
        // SAFETY: simdutf8 has just checked that these bytes are valid UTF-8.
        Ok(_) => unsafe { String::from_utf8_unchecked(fields) },
        Err(_) => String::from_utf8_lossy(&fields).into_owned(),
    };
    let table = Table {
        encoding,
        text,
        ends,
        records,
    };
    Ok((table, taken))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_keep_fields_lines_and_empty_fields() {
        let t = read_table(b"a,b\r\n\"x,\r\ny\",,z\r\n\r\nlast\r\n", b',').unwrap();
        let got: Vec<(u64, Vec<&str>)> =
            t.records().map(|r| (r.line, r.iter().collect())).collect();
        assert_eq!(
            got,
            [
                (1, vec!["a", "b"]),
                (2, vec!["x,\r\ny", "", "z"]),
                (5, vec!["last"]),
            ]
        );
        let r = t.record(1);
        assert_eq!(
            (r.get(0), r.get(1), r.get(2), r.get(3)),
            (Some("x,\r\ny"), Some(""), Some("z"), None)
        );
        for rec in 0..t.len() {
            for i in 0..4 {
                assert_eq!(
                    t.field(rec, i),
                    t.record(rec).get(i),
                    "record {rec} field {i}"
                );
            }
        }
    }

    proptest::proptest! {
        /// Fields and lines are those the csv crate reads (what the table was built from before
        /// it read csv-core directly), quotes, blank lines and lone CRs included.
        #[test]
        fn reads_what_the_csv_crate_reads(text in "[a,\"\r\n\tあ]{0,40}", tab: bool) {
            let delimiter = if tab { b'\t' } else { b',' };
            let Ok(t) = read_table(text.as_bytes(), delimiter) else {
                return Ok(()); // an empty file
            };
            let mut rdr = csv::ReaderBuilder::new()
                .has_headers(false)
                .flexible(true)
                .delimiter(delimiter)
                .from_reader(text.as_bytes());
            let mut lines = LineCounter::default();
            let mut want = Vec::new();
            for rec in rdr.records() {
                let rec = rec.unwrap();
                let line = lines.line(&text, rec.position());
                want.push((line, rec.iter().map(str::to_string).collect::<Vec<_>>()));
            }
            let got: Vec<(u64, Vec<String>)> = t
                .records()
                .map(|r| (r.line, r.iter().map(str::to_string).collect()))
                .collect();
            proptest::prop_assert_eq!(got, want);
        }
    }
}
