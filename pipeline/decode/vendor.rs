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

    pub fn records(&self) -> impl Iterator<Item = Record<'_>> {
        (0..self.len()).map(|i| self.record(i))
    }
}

/// Decodes and splits a vendor file. A file that is neither UTF-8 nor CP932 is an error that
/// says where — never mojibake passed on.
pub fn read_table(bytes: &[u8], delimiter: u8) -> Result<Table, DecodeError> {
    let decoded = decode(bytes)?;
    let text = decoded.text.as_ref();
    // Field offsets are u32: a file whose text passes 4 GiB is refused, not wrapped.
    if u32::try_from(text.len()).is_err() {
        return Err(DecodeError::TooLarge { bytes: text.len() });
    }
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::default();
    let mut table = Table {
        encoding: decoded.encoding,
        text: String::with_capacity(text.len()),
        ends: Vec::new(),
        records: Vec::new(),
    };
    let mut rec = csv::StringRecord::new();
    // Reading from memory cannot fail: no I/O, and the text is valid UTF-8.
    while rdr.read_record(&mut rec).unwrap_or(false) {
        let line = lines.line(text, rec.position());
        table.records.push((line, table.ends.len() as u32));
        for field in &rec {
            table.text.push_str(field);
            // Unquoting only shortens fields: the total stays within the text's length.
            table.ends.push(table.text.len() as u32);
        }
    }
    Ok(table)
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
    }
}
