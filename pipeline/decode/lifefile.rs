//! The LIFE file reader: line 1 the data type, line 2 the column IDs, then rows (CSV, RFC 4180
//! quoting). Any encoding `decode` accepts; CRLF, CR or LF; columns in any order.
//! The result is a polars frame of string columns named by the header, plus the `__line`
//! lineage column, so the one validation engine can check it like any other frame.

use polars::prelude::*;
use rayon::prelude::*;

use super::{DecodeError, LINE, LineCounter, TextEncoding, decode};
/// The id shape lives with the spec's names; the reader and its callers use it from here.
pub use crate::spec::ids::is_id_shaped;

/// Something structurally wrong found while reading. Lines are physical, 1-based.
#[derive(Debug, Clone, PartialEq)]
pub enum ReadIssue {
    /// The bytes are not text in an accepted encoding (or there are none).
    Decode(DecodeError),
    /// Line 1 is missing or empty.
    NoDataType,
    /// Line 1 holds column names: the data-type line is missing.
    HeaderOnLine1,
    /// Line 1 is not an interface name (not letters, digits and `_`).
    DataTypeNotId,
    /// Line 1 has more than one non-empty field.
    DataTypeExtraFields { line: u64 },
    /// There is no line 2 (column IDs).
    NoHeader,
    /// Line 2 does not hold column IDs (most of its fields are not ID-shaped: a data row?).
    HeaderNotIds { line: u64 },
    /// A column name appears twice; the later one is ignored.
    DuplicateColumn { line: u64, name: String },
    /// A row's field count differs from the header's; the row is not checked further.
    FieldCount {
        line: u64,
        expected: usize,
        found: usize,
    },
    /// A quoted field opened on this line is never closed: the file is probably truncated.
    UnterminatedQuote { line: u64 },
    /// An empty line between rows (it is skipped).
    BlankLine { line: u64 },
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
    /// Number of data rows read into the frame (rows with a wrong field count excluded).
    pub fn rows(&self) -> usize {
        self.frame.height()
    }
}

/// A LIFE file's first two lines, read: what its rows are.
#[derive(Debug, Clone)]
pub struct LifeHead {
    pub encoding: Option<TextEncoding>,
    /// Line 1, trimmed. Empty when it could not be read.
    pub data_type: String,
    /// Line 2 as written, one entry per field. Empty when it could not be read.
    pub header: Vec<String>,
    /// The line the header is on (2, unless line 1 spans several lines).
    pub header_line: u64,
    /// What is wrong in the first two lines (the one that stops the reading first).
    pub issues: Vec<ReadIssue>,
}

/// A LIFE file opened for its rows, which are read a few parts at a time (a part is about
/// [`PART_BYTES`] cut where a record starts), each part parsed on a core of its own: a large
/// file is checked with the memory of a few parts, not of the whole.
pub struct LifeReader<'t> {
    pub head: LifeHead,
    /// What a pass over the whole text found after the header: a quote never closed, blank
    /// lines.
    pub text_issues: Vec<ReadIssue>,
    text: &'t str,
    /// Which header columns become columns (a repeated name keeps its first).
    keep: Vec<bool>,
    /// Each part's (start, end, line ends before it); none when the head could not be read.
    parts: Vec<(usize, usize, u64)>,
    next: usize,
}

/// Reads a LIFE import file from its bytes. Never fails: what is wrong is in `issues`.
pub fn read_life_file(bytes: &[u8]) -> LifeFile {
    read_in_parts(bytes, PART_BYTES)
}

/// [`read_life_file`], its rows cut into parts of about `part_bytes`.
fn read_in_parts(bytes: &[u8], part_bytes: usize) -> LifeFile {
    let decoded = match decode(bytes) {
        Ok(d) => d,
        Err(e) => {
            return LifeFile {
                encoding: None,
                data_type: String::new(),
                header: Vec::new(),
                header_line: 2,
                frame: DataFrame::empty(),
                issues: vec![ReadIssue::Decode(e)],
            };
        }
    };
    let mut reader = LifeReader::open_in_parts(&decoded.text, decoded.encoding, part_bytes);
    let (frame, mut issues) = reader
        .next_rows(usize::MAX)
        .unwrap_or_else(|| (DataFrame::empty(), Vec::new()));
    let LifeReader {
        head, text_issues, ..
    } = reader;
    let mut all = head.issues;
    all.append(&mut issues);
    all.extend(text_issues);
    LifeFile {
        encoding: head.encoding,
        data_type: head.data_type,
        header: head.header,
        header_line: head.header_line,
        frame,
        issues: all,
    }
}

impl<'t> LifeReader<'t> {
    /// Reads the head of `text` (decoded from `encoding`) and finds where its parts start.
    pub fn open(text: &'t str, encoding: TextEncoding) -> Self {
        Self::open_in_parts(text, encoding, PART_BYTES)
    }

    pub(crate) fn open_in_parts(text: &'t str, encoding: TextEncoding, part_bytes: usize) -> Self {
        let mut reader = LifeReader {
            head: LifeHead {
                encoding: Some(encoding),
                data_type: String::new(),
                header: Vec::new(),
                header_line: 2,
                issues: Vec::new(),
            },
            text_issues: Vec::new(),
            text,
            keep: Vec::new(),
            parts: Vec::new(),
            next: 0,
        };
        let scan = scan(text.as_bytes(), part_bytes);
        let head = &mut reader.head;
        let data_start = match read_head(text, &scan, head) {
            Ok(at) => at,
            Err(stop) => {
                // The issue that stops the reading comes first.
                head.issues.insert(0, stop);
                return reader;
            }
        };
        // One column per distinct name; a repeated name keeps its first column.
        let mut seen = std::collections::HashSet::new();
        for name in &head.header {
            if name == LINE {
                // Reserved for lineage; the validator reports it as an unknown column.
                reader.keep.push(false);
            } else if seen.insert(name.as_str()) {
                reader.keep.push(true);
            } else {
                head.issues.push(ReadIssue::DuplicateColumn {
                    line: head.header_line,
                    name: name.clone(),
                });
                reader.keep.push(false);
            }
        }
        let mut starts = vec![data_start];
        starts.extend(scan.splits.iter().copied().filter(|&s| s > data_start));
        let mut counted = (0, 0u64);
        for (i, &s) in starts.iter().enumerate() {
            counted = (
                s,
                counted.1 + super::line_ends(text.as_bytes(), counted.0, s),
            );
            let end = starts.get(i + 1).copied().unwrap_or(text.len());
            reader.parts.push((s, end, counted.1));
        }
        reader.text_issues.extend(
            scan.open_quote
                .map(|line| ReadIssue::UnterminatedQuote { line }),
        );
        reader.text_issues.extend(
            scan.blank_lines
                .into_iter()
                .filter(|&l| l > head.header_line)
                .map(|line| ReadIssue::BlankLine { line }),
        );
        reader
    }

    /// The rows of the next `parts` parts, parsed in parallel and joined in order, as one
    /// frame of string columns named by the header (empty field → null) plus [`LINE`]; and
    /// their issues (rows with a wrong field count, which are left out). `None` when every
    /// part has been read.
    pub fn next_rows(&mut self, parts: usize) -> Option<(DataFrame, Vec<ReadIssue>)> {
        if self.next >= self.parts.len() {
            return None;
        }
        let to = self.next.saturating_add(parts.max(1)).min(self.parts.len());
        let these = &self.parts[self.next..to];
        self.next = to;
        let (header, keep, text) = (&self.head.header, &self.keep, self.text);
        let read: Vec<Part> = these
            .par_iter()
            .map(|&(s, e, b)| rows(&text[s..e], b, header, keep))
            .collect();
        let mut read = read.into_iter();
        let mut all = read.next().expect("one part at least");
        for p in read {
            for (a, c) in all.columns.iter_mut().zip(p.columns) {
                a.append_owned(c)
                    .expect("parts of one column have one type");
            }
            all.lines.extend(p.lines);
            all.issues.extend(p.issues);
        }
        let height = all.lines.len();
        let mut columns: Vec<Column> = all.columns.into_iter().map(|c| c.into_column()).collect();
        columns.push(UInt64Chunked::from_vec(LINE.into(), all.lines).into_column());
        let frame = DataFrame::new(height, columns)
            .expect("columns have distinct names and one value per kept row");
        Some((frame, all.issues))
    }

    /// One column of every row still to be read, with each row's line, without reading the
    /// others (the `version` column, which chooses the spec before the rows are checked).
    /// `None` if the header lacks it.
    pub fn column(&self, name: &str) -> Option<(StringChunked, Vec<u64>)> {
        let at = self.head.header.iter().position(|h| h == name)?;
        let mut only = vec![false; self.keep.len()];
        only[at] = self.keep[at];
        let mut reader = LifeReader {
            head: self.head.clone(),
            text_issues: Vec::new(),
            text: self.text,
            keep: only,
            parts: self.parts[self.next..].to_vec(),
            next: 0,
        };
        let (frame, _) = reader.next_rows(usize::MAX)?;
        let lines = frame
            .column(LINE)
            .ok()?
            .u64()
            .ok()?
            .into_no_null_iter()
            .collect();
        let values = frame.column(name).ok()?.str().ok()?.clone();
        Some((values, lines))
    }
}

/// Reads line 1 (the data type) and line 2 (the header) into `head`; the byte where the rows
/// start, or the issue that stops the reading.
fn read_head(text: &str, scan: &Scan, head: &mut LifeHead) -> Result<usize, ReadIssue> {
    if let Some(line) = scan.open_quote.filter(|&l| l <= 2) {
        // The quote swallows the rest of the file into line 1 or 2: nothing else can be read.
        return Err(ReadIssue::UnterminatedQuote { line });
    }
    let mut lines_at = LineCounter::default();
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rec = csv::ByteRecord::new();
    // Reading a byte record from memory cannot fail (no I/O, no UTF-8 check, flexible).
    let mut next = |rec: &mut csv::ByteRecord| rdr.read_byte_record(rec).unwrap_or(false);
    if !next(&mut rec) {
        return Err(ReadIssue::NoDataType);
    }
    let first_line = lines_at.line(text, rec.position());
    let data_type = String::from_utf8_lossy(rec.get(0).unwrap_or(b""))
        .trim()
        .to_string();
    if first_line != 1 || data_type.is_empty() {
        return Err(ReadIssue::NoDataType);
    }
    if rec.iter().any(|f| f == b"care_facility_id") {
        return Err(ReadIssue::HeaderOnLine1);
    }
    if !is_id_shaped(&data_type) {
        return Err(ReadIssue::DataTypeNotId);
    }
    if rec
        .iter()
        .skip(1)
        .any(|f| !f.iter().all(u8::is_ascii_whitespace))
    {
        head.issues
            .push(ReadIssue::DataTypeExtraFields { line: first_line });
    }
    head.data_type = data_type;
    if !next(&mut rec) {
        return Err(ReadIssue::NoHeader);
    }
    let header_line = lines_at.line(text, rec.position());
    if header_line != first_line + 1 {
        return Err(ReadIssue::NoHeader);
    }
    let header: Vec<String> = rec
        .iter()
        .map(|f| String::from_utf8_lossy(f).into_owned())
        .collect();
    if header.iter().filter(|h| is_id_shaped(h)).count() * 2 < header.len() {
        return Err(ReadIssue::HeaderNotIds { line: header_line });
    }
    head.header = header;
    head.header_line = header_line;
    Ok(rdr.position().byte() as usize)
}

/// Rows of a part of a file: its kept columns, each row's physical line, its issues.
struct Part {
    columns: Vec<StringChunked>,
    lines: Vec<u64>,
    issues: Vec<ReadIssue>,
}

/// Parses the records of `text`, which starts where a record starts, after `before` line ends
/// of the file; `keep` says which header columns become columns.
fn rows(text: &str, before: u64, header: &[String], keep: &[bool]) -> Part {
    let rough = memchr::memchr_iter(b'\n', text.as_bytes()).count() + 1;
    let mut builders: Vec<StringChunkedBuilder> = header
        .iter()
        .zip(keep)
        .filter(|(_, k)| **k)
        .map(|(name, _)| StringChunkedBuilder::new(name.as_str().into(), rough))
        .collect();
    let mut lines: Vec<u64> = Vec::with_capacity(rough);
    let mut issues = Vec::new();
    // A file of no rows (the run's check of a written file's header) builds no csv reader: its
    // tables cost more than a part of rows takes to read.
    let mut rdr = (!text.is_empty()).then(|| {
        csv::ReaderBuilder::new()
            .has_headers(false)
            .flexible(true)
            .from_reader(text.as_bytes())
    });
    let mut rec = csv::ByteRecord::new();
    let mut lines_at = LineCounter::starting_at(before);
    // Reading a byte record from memory cannot fail (no I/O, no UTF-8 check, flexible).
    while let Some(rdr) = &mut rdr
        && rdr.read_byte_record(&mut rec).unwrap_or(false)
    {
        let line = lines_at.line(text, rec.position());
        if rec.len() != header.len() {
            issues.push(ReadIssue::FieldCount {
                line,
                expected: header.len(),
                found: rec.len(),
            });
            continue;
        }
        let kept = rec.iter().zip(keep).filter(|(_, k)| **k).map(|(f, _)| f);
        for (field, b) in kept.zip(builders.iter_mut()) {
            match std::str::from_utf8(field) {
                Ok(v) if !v.is_empty() => b.append_value(v),
                // Empty; or never: fields of valid UTF-8 split at ASCII bytes are valid UTF-8.
                _ => b.append_null(),
            }
        }
        lines.push(line);
    }
    Part {
        columns: builders.into_iter().map(|b| b.finish()).collect(),
        lines,
        issues,
    }
}

/// Where the rows are cut into parts read in parallel: about this many bytes each.
const PART_BYTES: usize = 1 << 17;

/// What a pass over the raw text finds that the csv reader does not say: where a quote opens
/// that never closes, and blank lines between records (csv skips them silently). Follows the
/// csv crate's rules: a quote opens a field only at its start, `""` inside quotes is a quote.
#[derive(Debug, Default)]
struct Scan {
    open_quote: Option<u64>,
    blank_lines: Vec<u64>,
    /// Physical lines: an upper bound on the rows, to size the column builders once.
    lines: usize,
    /// Byte offsets where a record starts (after a line end outside quotes), about a part's
    /// bytes apart.
    splits: Vec<usize>,
}

fn scan(b: &[u8], part_bytes: usize) -> Scan {
    let mut out = Scan::default();
    let (mut line, mut quote_line) = (1u64, 0u64);
    let (mut in_quotes, mut field_start, mut line_start) = (false, true, true);
    // Blank lines count only when a record follows them (trailing ones are harmless).
    let mut pending = Vec::new();
    // Only quotes and line ends change anything: the bytes between are jumped over.
    let mut at = 0;
    while let Some(skip) = memchr::memchr3(b'"', b'\n', b'\r', &b[at..]) {
        let i = at + skip;
        if skip > 0 && !in_quotes {
            // Bytes of a record since `at`: a record follows any blank lines before it.
            if line_start {
                out.blank_lines.append(&mut pending);
            }
            field_start = b[i - 1] == b',';
            line_start = false;
        }
        let c = b[i];
        let crlf = c == b'\r' && b.get(i + 1) == Some(&b'\n');
        at = i + 1;
        if in_quotes {
            match c {
                b'"' if b.get(i + 1) == Some(&b'"') => at += 1,
                b'"' => in_quotes = false,
                b'\r' if crlf => {}
                _ => line += 1,
            }
        } else if c == b'"' {
            if line_start {
                out.blank_lines.append(&mut pending);
            }
            if field_start {
                in_quotes = true;
                quote_line = line;
            }
            (field_start, line_start) = (false, false);
        } else {
            if line_start {
                pending.push(line);
            }
            if crlf {
                at += 1;
            }
            line += 1;
            (field_start, line_start) = (true, true);
            if at - out.splits.last().copied().unwrap_or(0) >= part_bytes {
                out.splits.push(at);
            }
        }
    }
    if at < b.len() && !in_quotes && line_start {
        // A last record without a line end.
        out.blank_lines.append(&mut pending);
    }
    if in_quotes {
        out.open_quote = Some(quote_line);
    }
    out.lines = line as usize;
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    /// Messy rows: quoted line breaks, `""`, CR / LF / CRLF, blank lines, short and long rows.
    fn messy_file() -> impl Strategy<Value = String> {
        let field = prop_oneof![
            Just(String::new()),
            "[a-z0-9]{1,4}",
            Just("\"x\ny\"".to_string()),
            Just("\"a\"\"b\"".to_string()),
            Just("\"c\r\nd\"".to_string()),
        ];
        let row = proptest::collection::vec(field, 1..5).prop_map(|f| f.join(","));
        let end = prop_oneof![Just("\r\n"), Just("\n"), Just("\r"), Just("\r\n\r\n")];
        proptest::collection::vec((row, end), 0..40).prop_map(|rows| {
            let mut t = String::from("FORM_X\r\na,b,c\r\n");
            for (r, e) in rows {
                t.push_str(&r);
                t.push_str(e);
            }
            t
        })
    }

    proptest! {
        /// Cut into parts of a few bytes or read whole, a file gives the same frame, lines
        /// and issues.
        #[test]
        fn parts_read_as_the_whole(text in messy_file(), part in 1usize..64) {
            let whole = read_in_parts(text.as_bytes(), usize::MAX);
            let cut = read_in_parts(text.as_bytes(), part);
            prop_assert!(cut.frame.equals_missing(&whole.frame), "{:?}\n{:?}", cut.frame, whole.frame);
            prop_assert_eq!(cut.issues, whole.issues);
            prop_assert_eq!(cut.header, whole.header);
        }
    }

    /// The scan as first written, a byte at a time: the model the jumping one must match.
    fn scan_bytewise(b: &[u8], part_bytes: usize) -> Scan {
        let mut out = Scan::default();
        let (mut line, mut quote_line) = (1u64, 0u64);
        let (mut in_quotes, mut field_start, mut line_start) = (false, true, true);
        let mut pending = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            let crlf = c == b'\r' && b.get(i + 1) == Some(&b'\n');
            if in_quotes {
                match c {
                    b'"' if b.get(i + 1) == Some(&b'"') => i += 1,
                    b'"' => in_quotes = false,
                    b'\n' => line += 1,
                    b'\r' if !crlf => line += 1,
                    _ => {}
                }
            } else if c == b'\n' || c == b'\r' {
                if line_start {
                    pending.push(line);
                }
                if crlf {
                    i += 1;
                }
                line += 1;
                (field_start, line_start) = (true, true);
                if i + 1 - out.splits.last().copied().unwrap_or(0) >= part_bytes {
                    out.splits.push(i + 1);
                }
            } else {
                if line_start {
                    out.blank_lines.append(&mut pending);
                }
                if c == b'"' && field_start {
                    in_quotes = true;
                    quote_line = line;
                }
                field_start = c == b',';
                line_start = false;
            }
            i += 1;
        }
        if in_quotes {
            out.open_quote = Some(quote_line);
        }
        out.lines = line as usize;
        out
    }

    proptest! {
        /// Jumping from quote to line end finds what reading every byte finds.
        #[test]
        fn scan_jumps_as_it_reads(text in "[a,\"\r\n]{0,60}", part in 1usize..20) {
            let (fast, slow) = (scan(text.as_bytes(), part), scan_bytewise(text.as_bytes(), part));
            prop_assert_eq!(fast.open_quote, slow.open_quote);
            prop_assert_eq!(fast.blank_lines, slow.blank_lines);
            prop_assert_eq!(fast.lines, slow.lines);
            prop_assert_eq!(fast.splits, slow.splits);
        }
    }

    #[test]
    fn scan_finds_open_quotes_and_blank_lines() {
        let s = scan(b"A\r\nh\r\n\r\n1\r\n\r\n", PART_BYTES);
        assert_eq!((s.open_quote, s.blank_lines), (None, vec![3]));
        let s = scan(b"A\nh\n\"x\ny\"\"\",\"2\n3\n", PART_BYTES);
        assert_eq!(
            s.open_quote,
            Some(4),
            "the second quoted field opens on line 4"
        );
        // A quote inside an unquoted field is literal, as csv reads it.
        assert_eq!(scan(b"A\nh\nU0\"02,x\n", PART_BYTES).open_quote, None);
        assert_eq!(
            scan(b"A\rh\r1\r", PART_BYTES).blank_lines,
            Vec::<u64>::new()
        );
        assert_eq!(scan(b"A\r\rh\r", PART_BYTES).blank_lines, vec![2]);
    }
}
