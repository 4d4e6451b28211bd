//! A vendor file read a part at a time, so that memory follows the part, not the file. A
//! first pass over the bytes settles the encoding with the [`Scan`] that
//! [`decode`](super::decode) uses on a whole file (and shows every byte to the caller, for its
//! hash); the second decodes blocks cut at line ends — LF never occurs inside a CP932 or UTF-8
//! character — and splits them into tables whose records are exactly those
//! [`read_table`](super::read_table) gives.

use std::io::{Read, Seek, SeekFrom};

use encoding_rs::{DecoderResult, SHIFT_JIS};

use super::encoding::{Scan, Settled, closest};
use super::vendor::split_part;
use super::{DecodeError, Table, TextEncoding, line_ends, neither};

/// Bytes decoded at a time (a block grows past it only to reach a line end).
pub const BLOCK: usize = 1 << 18;

/// Why a file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Decode(#[from] DecodeError),
}

/// A vendor file's records, a table at a time.
pub struct Chunks<R> {
    reader: R,
    encoding: TextEncoding,
    delimiter: u8,
    /// Bytes decoded at a time: [`BLOCK`] (tests use tiny ones).
    block: usize,
    /// Bytes to have before the next split: a block, doubled each time a record spans all
    /// that was read (a quoted value with line breaks, or a stray quote that runs on), so such
    /// a record is split again once per doubling, not once per block.
    want: usize,
    /// Bytes read and not yet decoded, and the file offset of the first.
    raw: Vec<u8>,
    offset: u64,
    eof: bool,
    /// Decoded text not yet split: the start of a record cut at a block's end.
    carry: String,
    /// Line ends before `carry`.
    line: u64,
    /// Where the bytes stop being UTF-8, for an error that compares how far each encoding reads.
    utf8_valid_up_to: u64,
    done: bool,
}

impl<R: Read + Seek> Chunks<R> {
    /// Reads the file once, showing every byte to `each` (also when it turns out unreadable),
    /// and settles its encoding.
    pub fn open(reader: R, delimiter: u8, each: impl FnMut(&[u8])) -> Result<Self, ReadError> {
        Self::with_block(reader, delimiter, BLOCK, each)
    }

    /// [`Chunks::open`] with blocks of `block` bytes instead of [`BLOCK`] (tests cut records
    /// and characters across blocks with tiny ones).
    pub fn with_block(
        mut reader: R,
        delimiter: u8,
        block: usize,
        each: impl FnMut(&[u8]),
    ) -> Result<Self, ReadError> {
        let s = scan(&mut reader, block, each)?;
        let mut chunks = Chunks {
            reader,
            encoding: TextEncoding::Utf8,
            delimiter,
            block,
            want: block,
            raw: Vec::new(),
            offset: 0,
            eof: false,
            carry: String::new(),
            line: 0,
            utf8_valid_up_to: s.utf8_valid_up_to(),
            done: false,
        };
        chunks.encoding = match s.settle() {
            Ok(Settled::Is(e)) => e,
            Ok(Settled::Cp932IfItDecodes) if chunks.decodes_as_cp932()? => TextEncoding::Cp932,
            Ok(Settled::Cp932IfItDecodes) => TextEncoding::Utf8,
            Err(u) => {
                let bytes = match u.at() {
                    Some(at) => chunks.prefix(at + 2)?,
                    None => Vec::new(),
                };
                return Err(u.error(&bytes).into());
            }
        };
        // The second pass starts after a BOM.
        chunks.offset = if chunks.encoding == TextEncoding::Utf8Bom {
            3
        } else {
            0
        };
        chunks.reader.seek(SeekFrom::Start(chunks.offset))?;
        Ok(chunks)
    }

    pub fn encoding(&self) -> TextEncoding {
        self.encoding
    }

    /// The next table of records; `None` after the last.
    pub fn next_table(&mut self) -> Result<Option<Table>, ReadError> {
        while !self.done {
            let cut = self.fill()?;
            match self.encoding {
                TextEncoding::Cp932 => self.decode_cp932(cut)?,
                _ => match simdutf8::compat::from_utf8(&self.raw[..cut]) {
                    Ok(s) => {
                        self.carry.reserve_exact(s.len());
                        self.carry.push_str(s)
                    }
                    // Checked by the first pass; a file changed since is reported, not trusted.
                    Err(e) => {
                        let at = self.offset + e.valid_up_to() as u64;
                        return Err(self.neither(at, "UTF-8")?.into());
                    }
                },
            }
            self.raw.drain(..cut);
            self.offset += cut as u64;
            let last = self.eof && self.raw.is_empty();
            let (table, taken) =
                split_part(&self.carry, self.encoding, self.delimiter, self.line, last)?;
            self.line += line_ends(self.carry.as_bytes(), 0, taken);
            self.carry.drain(..taken);
            self.want = match taken {
                0 => self.want.saturating_mul(2),
                _ => self.block,
            };
            self.done = last;
            if !table.is_empty() {
                return Ok(Some(table));
            }
        }
        Ok(None)
    }

    /// Reads until the bytes hold a block ending at a line end (or the file's end); returns
    /// the block's length. The bytes are topped up to a block, and grow past it only for a
    /// line longer than a block.
    fn fill(&mut self) -> Result<usize, ReadError> {
        let mut searched = 0;
        loop {
            if self.raw.len() >= self.want || self.eof {
                if let Some(i) = memchr::memrchr(b'\n', &self.raw[searched..]) {
                    return Ok(searched + i + 1);
                }
                if self.eof {
                    return Ok(self.raw.len());
                }
                searched = self.raw.len();
            }
            let had = self.raw.len();
            let want = match self.want.checked_sub(had) {
                Some(n) if n > 0 => n,
                _ => self.want,
            };
            self.raw.resize(had + want, 0);
            let n = read_full(&mut self.reader, &mut self.raw[had..])?;
            self.raw.truncate(had + n);
            self.eof = n < want;
        }
    }

    /// Decodes the first `cut` bytes onto the text. Room is made for Japanese text (two CP932
    /// bytes, three UTF-8 ones) and grown only if the block needs more (half-width kana: one
    /// byte, three).
    fn decode_cp932(&mut self, cut: usize) -> Result<(), ReadError> {
        let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
        let mut done = 0;
        loop {
            let src = &self.raw[done..cut];
            self.carry.reserve_exact(src.len() + src.len() / 2 + 16);
            let (result, read) =
                decoder.decode_to_string_without_replacement(src, &mut self.carry, true);
            match result {
                DecoderResult::InputEmpty => return Ok(()),
                DecoderResult::OutputFull => done += read,
                DecoderResult::Malformed(bad, _) => {
                    // `read` is past the malformed sequence; point at its first byte.
                    let at = self.offset + (done + read).saturating_sub(bad as usize) as u64;
                    let (at, closest) = closest(at, self.utf8_valid_up_to);
                    return Err(self.neither(at, closest)?.into());
                }
            }
        }
    }

    /// Whether the whole file decodes as CP932 (asked only of UTF-8 without Japanese in it).
    fn decodes_as_cp932(&mut self) -> Result<bool, ReadError> {
        self.reader.seek(SeekFrom::Start(0))?;
        let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
        let mut block = vec![0u8; self.block];
        let mut out = vec![0u8; self.block * 3 + 16];
        loop {
            let n = read_full(&mut self.reader, &mut block)?;
            let last = n < block.len();
            let (result, _, _) =
                decoder.decode_to_utf8_without_replacement(&block[..n], &mut out, last);
            if let DecoderResult::Malformed(..) = result {
                return Ok(false);
            }
            if last {
                return Ok(true);
            }
        }
    }

    /// The error for bytes at `at` that decode in neither encoding.
    fn neither(&mut self, at: u64, closest: &'static str) -> Result<DecodeError, ReadError> {
        let bytes = self.prefix(at + 2)?;
        Ok(neither(&bytes, at as usize, closest))
    }

    /// The file's first bytes, up to `to` and one more (for where a line ends): read again
    /// only to say where an error is.
    fn prefix(&mut self, to: u64) -> Result<Vec<u8>, ReadError> {
        self.reader.seek(SeekFrom::Start(0))?;
        let mut bytes = Vec::new();
        (&mut self.reader).take(to + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    }
}

/// Reads until `buf` is full or the file ends; the bytes read (std's `read_exact` fails on the
/// short last block this wants).
fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..]) {
            Ok(0) => break,
            Ok(k) => n += k,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(n)
}

/// The first pass: every byte once, a block at a time.
fn scan(
    reader: &mut impl Read,
    block: usize,
    mut each: impl FnMut(&[u8]),
) -> Result<Scan, ReadError> {
    let mut s = Scan::new();
    // At least a BOM's length: the first block says whether there is one.
    let mut block = vec![0u8; block.max(4)];
    loop {
        let n = read_full(reader, &mut block)?;
        let last = n < block.len();
        each(&block[..n]);
        s.feed(&block[..n], last);
        if last {
            return Ok(s);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::decode::read_table;

    fn rows(t: &Table) -> Vec<(u64, Vec<String>)> {
        t.records()
            .map(|r| (r.line, r.iter().map(str::to_string).collect()))
            .collect()
    }

    type Read = Result<(TextEncoding, Vec<(u64, Vec<String>)>), String>;

    /// Every record of every table, read with blocks of `block` bytes.
    fn chunked(bytes: &[u8], delimiter: u8, block: usize) -> Read {
        let mut seen = Vec::new();
        let cursor = std::io::Cursor::new(bytes);
        let mut c = Chunks::with_block(cursor, delimiter, block, |b| seen.extend_from_slice(b))
            .map_err(|e| e.to_string())?;
        assert_eq!(seen, bytes, "every byte is shown once, in order");
        let mut got = Vec::new();
        while let Some(t) = c.next_table().map_err(|e| e.to_string())? {
            got.extend(rows(&t));
        }
        Ok((c.encoding(), got))
    }

    #[test]
    fn errors_are_those_of_the_whole_file() {
        for bytes in [
            b"".as_slice(),
            b"\xFF\xFEa",
            b"a,b\r\nc\x00d",
            b"\xEF\xBB\xBFa\x82",
            b"a\r\n\x82\xA0\xFF\r\n",
        ] {
            let want = crate::decode::decode(bytes).err().map(|e| e.to_string());
            assert!(want.is_some());
            for block in [1, 2, 3, BLOCK] {
                assert_eq!(chunked(bytes, b',', block).err(), want, "{bytes:?}");
            }
        }
    }

    /// Half-width kana are one CP932 byte and three UTF-8 ones: more than the room made for
    /// Japanese text, which then grows.
    #[test]
    fn half_width_kana_outgrow_the_room_made() {
        let text = format!("a,b\r\n{},x\r\n", "ｱ".repeat(5000));
        let bytes = SHIFT_JIS.encode(&text).0.into_owned();
        let want = read_table(&bytes, b',').map(|t| (t.encoding, rows(&t)));
        assert_eq!(chunked(&bytes, b',', 4096), want.map_err(|e| e.to_string()));
    }

    proptest::proptest! {
        /// Read in parts, any text gives the records and lines read_table gives for the whole
        /// file, quotes across block ends, blank lines and lone CRs included; in CP932 too.
        #[test]
        fn parts_read_as_the_whole_file(
            text in "[a,\"\r\n\tあｱ]{0,200}",
            tab: bool,
            cp932: bool,
            bom: bool,
        ) {
            let delimiter = if tab { b'\t' } else { b',' };
            let bytes = if cp932 {
                SHIFT_JIS.encode(&text).0.into_owned()
            } else if bom {
                [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat()
            } else {
                text.as_bytes().to_vec()
            };
            let want = read_table(&bytes, delimiter)
                .map(|t| (t.encoding, rows(&t)))
                .map_err(|e| e.to_string());
            for block in [1, 2, 5, 16, BLOCK] {
                proptest::prop_assert_eq!(chunked(&bytes, delimiter, block), want.clone());
            }
        }
    }
}
