//! Vendor exports: CSV or TSV, CP932 or UTF-8 (± BOM), read into records that keep their
//! physical line. What the columns mean is the profile's business (`map`).

use super::{DecodeError, LineCounter, TextEncoding, decode};

/// A vendor file as records: (physical 1-based line, fields). One allocation per record.
pub struct Table {
    pub encoding: TextEncoding,
    pub records: Vec<(u64, csv::StringRecord)>,
}

/// Decodes and splits a vendor file. A file that is neither UTF-8 nor CP932 is an error that
/// says where — never mojibake passed on.
pub fn read_table(bytes: &[u8], delimiter: u8) -> Result<Table, DecodeError> {
    let decoded = decode(bytes)?;
    let text = decoded.text.as_ref();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(text.as_bytes());
    let mut lines = LineCounter::default();
    let mut records = Vec::new();
    let mut rec = csv::StringRecord::new();
    // Reading from memory cannot fail: no I/O, and the text is valid UTF-8.
    while rdr.read_record(&mut rec).unwrap_or(false) {
        let line = lines.line(text, rec.position());
        records.push((line, rec.clone()));
    }
    Ok(Table {
        encoding: decoded.encoding,
        records,
    })
}
