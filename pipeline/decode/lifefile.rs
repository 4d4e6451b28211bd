//! The LIFE file reader: line 1 the data type, line 2 the column IDs, then rows (CSV, RFC 4180
//! quoting). Any encoding `decode` accepts; CRLF, CR or LF; columns in any order.
//! The result is a polars frame of string columns named by the header, plus the `__line`
//! lineage column, so the one validation engine can check it like any other frame.

use polars::prelude::*;

use super::{DecodeError, LINE, TextEncoding, decode};

/// Something structurally wrong found while reading. Lines are physical, 1-based.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadIssue {
    /// The bytes are not text in an accepted encoding (or there are none).
    Decode(DecodeError),
    /// Line 1 is missing or empty.
    NoDataType,
    /// Line 1 holds column names: the data-type line is missing.
    HeaderOnLine1,
    /// Line 1 has more than one non-empty field.
    DataTypeExtraFields { line: u64 },
    /// There is no line 2 (column IDs).
    NoHeader,
    /// A column name appears twice; the later one is ignored.
    DuplicateColumn { line: u64, name: String },
    /// A row's field count differs from the header's; the row is not checked further.
    FieldCount {
        line: u64,
        expected: usize,
        found: usize,
    },
    /// A quoted field is never closed: the file is probably truncated.
    UnterminatedQuote { line: u64 },
}

/// A LIFE file read into a frame.
pub struct LifeFile {
    pub encoding: Option<TextEncoding>,
    /// Line 1, trimmed. Empty when it could not be read.
    pub data_type: String,
    /// Line 2 as written, one entry per field.
    pub header: Vec<String>,
    /// The line the header is on (2, unless line 1 spans several lines).
    pub header_line: u64,
    /// One string column per distinct header name (empty field → null), plus [`LINE`].
    pub frame: DataFrame,
    pub issues: Vec<ReadIssue>,
}

impl LifeFile {
    fn failed(issue: ReadIssue, encoding: Option<TextEncoding>) -> Self {
        LifeFile {
            encoding,
            data_type: String::new(),
            header: Vec::new(),
            header_line: 2,
            frame: DataFrame::empty(),
            issues: vec![issue],
        }
    }

    /// Number of data rows read into the frame (rows with a wrong field count excluded).
    pub fn rows(&self) -> usize {
        self.frame.height()
    }
}

/// Reads a LIFE import file from its bytes. Never fails: what is wrong is in `issues`.
pub fn read_life_file(bytes: &[u8]) -> LifeFile {
    let decoded = match decode(bytes) {
        Ok(d) => d,
        Err(e) => return LifeFile::failed(ReadIssue::Decode(e), None),
    };
    let encoding = Some(decoded.encoding);
    let text = decoded.text.as_ref();
    let mut lines_at = LineCounter::default();

    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut records = rdr.byte_records();
    let mut issues = Vec::new();

    let Some(Ok(first)) = records.next() else {
        return LifeFile::failed(ReadIssue::NoDataType, encoding);
    };
    let first_line = lines_at.line(text, first.position());
    let data_type = String::from_utf8_lossy(first.get(0).unwrap_or(b""))
        .trim()
        .to_string();
    if data_type.is_empty() {
        return LifeFile::failed(ReadIssue::NoDataType, encoding);
    }
    if first.iter().any(|f| f == b"care_facility_id") {
        return LifeFile::failed(ReadIssue::HeaderOnLine1, encoding);
    }
    if first
        .iter()
        .skip(1)
        .any(|f| !f.iter().all(u8::is_ascii_whitespace))
    {
        issues.push(ReadIssue::DataTypeExtraFields { line: first_line });
    }

    let Some(Ok(header_rec)) = records.next() else {
        let mut f = LifeFile::failed(ReadIssue::NoHeader, encoding);
        f.data_type = data_type;
        return f;
    };
    let header_line = lines_at.line(text, header_rec.position());
    let header: Vec<String> = header_rec
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();

    // One builder per distinct name; a repeated name keeps its first column.
    let mut builders: Vec<Option<StringChunkedBuilder>> = Vec::with_capacity(header.len());
    let mut seen = std::collections::HashSet::new();
    for name in &header {
        if name == LINE {
            // Reserved for lineage; the validator reports it as an unknown column.
            builders.push(None);
        } else if seen.insert(name.as_str()) {
            builders.push(Some(StringChunkedBuilder::new(name.as_str().into(), 1024)));
        } else {
            issues.push(ReadIssue::DuplicateColumn {
                line: header_line,
                name: name.clone(),
            });
            builders.push(None);
        }
    }
    let mut lines: Vec<u64> = Vec::with_capacity(1024);
    let mut last_record_start = None;
    for rec in records {
        // Errors here are I/O errors of an in-memory slice or invalid UTF-8, neither possible:
        // the text is valid UTF-8 and we read byte records.
        let Ok(rec) = rec else { continue };
        let line = lines_at.line(text, rec.position());
        last_record_start = Some((lines_at.pos, line));
        if rec.len() != header.len() {
            issues.push(ReadIssue::FieldCount {
                line,
                expected: header.len(),
                found: rec.len(),
            });
            continue;
        }
        for (field, b) in rec.iter().zip(builders.iter_mut()) {
            let Some(b) = b else { continue };
            if field.is_empty() {
                b.append_null();
            } else {
                b.append_value(std::str::from_utf8(field).unwrap_or_default());
            }
        }
        lines.push(line);
    }
    if let Some((start, line)) = last_record_start {
        let tail = &text.as_bytes()[start.min(text.len())..];
        if tail.iter().filter(|&&b| b == b'"').count() % 2 == 1 {
            issues.push(ReadIssue::UnterminatedQuote { line });
        }
    }

    let height = lines.len();
    let mut columns: Vec<Column> = builders
        .into_iter()
        .flatten()
        .map(|b| b.finish().into_column())
        .collect();
    columns.push(UInt64Chunked::from_vec(LINE.into(), lines).into_column());
    let frame = DataFrame::new(height, columns)
        .expect("columns have distinct names and one value per kept row");
    LifeFile {
        encoding,
        data_type,
        header,
        header_line,
        frame,
        issues,
    }
}

/// Physical line numbers of record starts. csv's own count is off by one after a CRLF (a
/// record's position points at the LF) and ignores lone CRs, which LIFE allows as line ends.
#[derive(Default)]
struct LineCounter {
    pos: usize,
    line: u64,
}

impl LineCounter {
    /// The line a record starts on; positions must come in increasing order.
    fn line(&mut self, text: &str, at: Option<&csv::Position>) -> u64 {
        let b = text.as_bytes();
        let mut start = at.map_or(self.pos, |p| p.byte() as usize).min(b.len());
        // Skip what is left of the previous record's terminator.
        while start < b.len() && matches!(b[start], b'\r' | b'\n') {
            start += 1;
        }
        let from = self.pos.min(start);
        for i in from..start {
            match b[i] {
                b'\n' => self.line += 1,
                b'\r' if b.get(i + 1) != Some(&b'\n') => self.line += 1,
                _ => {}
            }
        }
        self.pos = start;
        self.line + 1
    }
}
