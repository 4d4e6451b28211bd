//! The check of a LIFE file as it is written. A row's values were validated as a frame before
//! they were encoded (every item check and rule of `lifeline validate`, `normalize`), and a
//! checksum of them was taken as the row was encoded ([`RowSum`]). Each line going to the file
//! is then read the way `lifeline validate`'s reader reads it — decoded in the file's encoding,
//! one CSV record ending at the line's end, RFC 4180 quoting — and must give back exactly those
//! values ([`LineCheck`]); the file's bytes as a whole must be taken as the encoding they were
//! written in ([`crate::decode::Detect`]). The file's first two lines are left to the validator
//! itself (the caller's part). So a file is proven to validate without being parsed into frames
//! and validated a second time: each byte is written once and read in the same pass.

use std::hash::{BuildHasher, Hasher};

use encoding_rs::{DecoderResult, SHIFT_JIS};

use crate::decode::{Detect, TextEncoding};

/// A row's values in the order of the file's columns, hashed (64 bits, in memory for the
/// check only). A null and an empty field are the same (the reader gives no empty value); an
/// empty string held in a frame is a value the reader never gives back, so it never matches.
pub struct RowSum(foldhash::fast::FoldHasher<'static>);

impl Default for RowSum {
    fn default() -> Self {
        const SEED: foldhash::fast::FixedState = foldhash::fast::FixedState::with_seed(0x4c49_4645);
        RowSum(SEED.build_hasher())
    }
}

impl RowSum {
    #[inline]
    pub fn value(&mut self, v: Option<&str>) {
        match v {
            None => self.0.write_usize(0),
            Some("") => self.0.write_usize(usize::MAX),
            Some(v) => self.field(v.as_bytes()),
        }
    }

    /// A field as read (UTF-8; empty for a null).
    #[inline]
    fn field(&mut self, v: &[u8]) {
        self.0.write_usize(v.len());
        if !v.is_empty() {
            self.0.write(v);
        }
    }

    pub fn finish(&self) -> u64 {
        self.0.finish()
    }
}

/// Why a written line does not read back as its validated row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mismatch {
    /// Not text in the file's encoding.
    Encoding,
    /// Not one CSV record ending with CRLF at the line's end.
    Record,
    /// A field count other than the header's.
    Fields,
    /// Other values than the row's.
    Values,
}

impl Mismatch {
    pub fn text(self) -> &'static str {
        match self {
            Mismatch::Encoding => "the line is not text in the file's encoding",
            Mismatch::Record => "the line does not read back as one CSV record",
            Mismatch::Fields => "the line reads back with another field count than the header's",
            Mismatch::Values => "the line reads back with other values than the validated row's",
        }
    }
}

/// Reads back the lines of one LIFE file as they are written: [`LineCheck::head`] with the
/// file's first lines, [`LineCheck::line`] with each row's, [`LineCheck::finish`] at the end.
pub struct LineCheck {
    encoding: TextEncoding,
    fields: usize,
    detect: Detect,
    cp932_ok: bool,
    text: String,
    rdr: csv_core::Reader,
    out: Vec<u8>,
    ends: Vec<usize>,
    row: usize,
    bad: Vec<(usize, Mismatch)>,
}

/// What reading back a file found: each row (0-based, among the rows written) that does not
/// read back as it was validated, and whether the file as a whole is taken as the encoding it
/// was written in.
#[derive(Debug, PartialEq, Eq)]
pub struct Checked {
    pub bad: Vec<(usize, Mismatch)>,
    pub encoding_kept: bool,
}

impl LineCheck {
    /// A check of a file of `fields` columns written in `encoding` (UTF-8 with a BOM or CP932).
    pub fn new(encoding: TextEncoding, fields: usize) -> Self {
        LineCheck {
            encoding,
            fields,
            detect: Detect::default(),
            cp932_ok: true,
            text: String::new(),
            rdr: csv_core::Reader::new(),
            out: Vec::new(),
            ends: vec![0; fields + 1],
            row: 0,
            bad: Vec::new(),
        }
    }

    /// The file's first bytes (BOM, data type and header lines).
    pub fn head(&mut self, bytes: &[u8]) {
        self.detect.feed(bytes);
        self.cp932_ok &= SHIFT_JIS
            .decode_without_bom_handling_and_without_replacement(bytes)
            .is_some();
    }

    /// The next row's line as written, and the checksum of the values it was encoded from.
    pub fn line(&mut self, line: &[u8], sum: u64) {
        self.detect.feed(line);
        if let Err(m) = self.read_back(line, sum) {
            self.bad.push((self.row, m));
        }
        self.row += 1;
    }

    pub fn finish(self) -> Checked {
        Checked {
            encoding_kept: self.detect.reads_as(self.encoding, self.cp932_ok),
            bad: self.bad,
        }
    }

    fn read_back(&mut self, line: &[u8], sum: u64) -> Result<(), Mismatch> {
        // A line is CRLF-terminated and holds no other line end: the reader's records are then
        // the file's lines (a line break inside a value is refused by the writer).
        let body = line.strip_suffix(b"\r\n").ok_or(Mismatch::Record)?;
        if body.is_empty() || memchr::memchr2(b'\r', b'\n', body).is_some() {
            return Err(Mismatch::Record);
        }
        let text: &[u8] = match self.encoding {
            _ if line.is_ascii() => line,
            TextEncoding::Utf8 | TextEncoding::Utf8Bom => simdutf8::basic::from_utf8(line)
                .map_err(|_| Mismatch::Encoding)?
                .as_bytes(),
            TextEncoding::Cp932 => {
                self.text.clear();
                let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
                let need = decoder
                    .max_utf8_buffer_length_without_replacement(line.len())
                    .unwrap_or(line.len() * 3);
                self.text.reserve(need);
                let (r, _) =
                    decoder.decode_to_string_without_replacement(line, &mut self.text, true);
                if r != DecoderResult::InputEmpty {
                    self.cp932_ok = false;
                    return Err(Mismatch::Encoding);
                }
                self.text.as_bytes()
            }
        };
        let mut s = RowSum::default();
        let body = &text[..text.len() - 2];
        if memchr::memchr(b'"', body).is_none() {
            // Without a quote, a CSV record is its fields between commas.
            if memchr::memchr_iter(b',', body).count() + 1 != self.fields {
                return Err(Mismatch::Fields);
            }
            body.split(|&b| b == b',').for_each(|f| s.field(f));
        } else {
            // One record, ending at the line's CRLF (not inside quotes).
            self.rdr.reset();
            self.out.resize(text.len().max(16), 0);
            let (result, read, written, n) =
                self.rdr.read_record(text, &mut self.out, &mut self.ends);
            match result {
                csv_core::ReadRecordResult::Record if read >= text.len() - 1 => {}
                csv_core::ReadRecordResult::OutputEndsFull => return Err(Mismatch::Fields),
                _ => return Err(Mismatch::Record),
            }
            if n != self.fields {
                return Err(Mismatch::Fields);
            }
            let mut start = 0;
            for &end in &self.ends[..n] {
                // UTF-8 (the line is), cut at ASCII delimiters.
                s.field(&self.out[start..end.min(written)]);
                start = end;
            }
        }
        if s.finish() != sum {
            return Err(Mismatch::Values);
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sum(values: &[Option<&str>]) -> u64 {
        let mut s = RowSum::default();
        values.iter().for_each(|v| s.value(*v));
        s.finish()
    }

    fn check(encoding: TextEncoding, head: &[u8], lines: &[(&[u8], u64)]) -> Checked {
        let mut c = LineCheck::new(encoding, 3);
        c.head(head);
        for (l, s) in lines {
            c.line(l, *s);
        }
        c.finish()
    }

    const HEAD: &[u8] = b"\xEF\xBB\xBFX\r\na,b,c\r\n";

    #[test]
    fn lines_that_read_back_as_their_rows_pass() {
        let rows: [(&[u8], u64); 3] = [
            (b"1,,\"x,y\"\r\n", sum(&[Some("1"), None, Some("x,y")])),
            (
                "2,テスト,\"a\"\"b\"\r\n".as_bytes(),
                sum(&[Some("2"), Some("テスト"), Some("a\"b")]),
            ),
            (b" ,,\r\n", sum(&[Some(" "), None, None])),
        ];
        let c = check(TextEncoding::Utf8Bom, HEAD, &rows);
        assert_eq!(
            c,
            Checked {
                bad: vec![],
                encoding_kept: true
            }
        );
    }

    #[test]
    fn each_way_a_line_can_differ_is_found_on_its_row() {
        let ok = sum(&[Some("1"), Some("2"), Some("3")]);
        let rows: [(&[u8], u64); 7] = [
            (b"1,2,3\r\n", ok),
            (b"1,2,4\r\n", ok),                                     // a value
            (b"1,2\r\n", ok),                                       // a field short
            (b"1,\"2,3\r\n", ok),                                   // a quote left open
            (b"1,2,3\n", ok),                                       // LF only
            (b"1,2,3\r\n", sum(&[Some("1"), Some(""), Some("3")])), // an empty string held
            (b"1,\xFF,3\r\n", ok),                                  // not UTF-8
        ];
        let c = check(TextEncoding::Utf8Bom, HEAD, &rows);
        use Mismatch::*;
        assert_eq!(
            c.bad,
            [
                (1, Values),
                (2, Fields),
                (3, Record),
                (4, Record),
                (5, Values),
                (6, Encoding)
            ]
        );
        assert!(!c.encoding_kept, "a byte that is not UTF-8 after a BOM");
    }

    proptest::proptest! {
        /// A line reads back as its values whether or not it needs quotes, and a line the csv
        /// reader reads otherwise (a stray quote, a field more or less) does not.
        #[test]
        fn a_line_reads_back_as_the_csv_reader_reads_it(
            values in proptest::collection::vec(proptest::option::of("[a,\"あ ]{0,4}"), 3),
            line in "[a,\"あ ]{0,12}",
        ) {
            let quoted: Vec<String> = values
                .iter()
                .map(|v| match v.as_deref() {
                    Some(v) if v.contains([',', '"']) => format!("\"{}\"", v.replace('"', "\"\"")),
                    v => v.unwrap_or("").to_string(),
                })
                .collect();
            let written = format!("{}\r\n", quoted.join(","));
            // The values as the reader gives them back: an empty one is no value.
            let read: Vec<Option<&str>> =
                values.iter().map(|v| v.as_deref().filter(|v| !v.is_empty())).collect();
            let c = check(TextEncoding::Utf8Bom, HEAD, &[(written.as_bytes(), sum(&read))]);
            proptest::prop_assert!(c.bad.is_empty(), "{written:?}: {:?}", c.bad);
            // Any line: it passes only if the csv crate reads it as three fields of these values.
            let any = format!("{line}\r\n");
            let mut rdr = csv::ReaderBuilder::new().has_headers(false).flexible(true)
                .from_reader(any.as_bytes());
            let rec = rdr.records().next().and_then(Result::ok);
            let same = rec.is_some_and(|r| {
                r.len() == 3 && r.iter().map(|f| Some(f).filter(|f| !f.is_empty())).eq(read.iter().copied())
            });
            let c = check(TextEncoding::Utf8Bom, HEAD, &[(any.as_bytes(), sum(&read))]);
            if !line.is_empty() && !line.contains(['\r', '\n']) {
                proptest::prop_assert_eq!(c.bad.is_empty(), same, "{:?}", any);
            }
        }
    }

    #[test]
    fn cp932_lines_are_decoded_and_the_file_must_read_as_cp932() {
        let (text, _, _) = SHIFT_JIS.encode("1,テスト,ｶﾅ\r\n");
        let row = sum(&[Some("1"), Some("テスト"), Some("ｶﾅ")]);
        let c = check(TextEncoding::Cp932, b"X\r\na,b,c\r\n", &[(&text, row)]);
        assert_eq!(
            c,
            Checked {
                bad: vec![],
                encoding_kept: true
            }
        );
        // Bytes that are UTF-8 with Japanese in it are read as UTF-8, not as the CP932 written.
        let utf8 = "1,テスト,x\r\n".as_bytes();
        let c = check(TextEncoding::Cp932, b"X\r\na,b,c\r\n", &[(utf8, row)]);
        assert!(!c.encoding_kept);
    }
}
