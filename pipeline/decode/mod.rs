//! Bytes → text → frames. Decoding (UTF-8 with or without BOM, or CP932, told by
//! [`encoding`]) and the LIFE file reader.

mod chunks;
mod encoding;
pub mod file;
mod lifefile;
pub(crate) mod store;
pub mod text;
mod vendor;

pub use chunks::{Chunks, ReadError};
pub use encoding::Detect;
pub use lifefile::{LifeFile, LifeHead, LifeReader, ReadIssue, is_id_shaped, read_life_file};
pub use vendor::{Record, Table, read_table};

use std::borrow::Cow;
use std::fmt;

use encoding_rs::{DecoderResult, SHIFT_JIS};

use encoding::{Scan, Settled, closest};

/// The lineage column every frame carries: the physical 1-based line its row came from.
pub const LINE: &str = "__line";

/// The text encodings LIFE accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TextEncoding {
    Utf8,
    Utf8Bom,
    /// Shift_JIS as Windows writes it (Windows-31J / MS932), NEC and IBM extensions included.
    Cp932,
}

impl fmt::Display for TextEncoding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Utf8Bom => "UTF-8 (BOM)",
            TextEncoding::Cp932 => "CP932",
        })
    }
}

/// Why bytes could not be turned into text. Positions are 1-based physical lines and 1-based
/// byte offsets within the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeError {
    #[error("the file is empty")]
    Empty,
    #[error("a NUL byte at line {line}, byte {byte}: this is a binary file, not CSV text")]
    Binary { line: u64, byte: u64 },
    #[error("the file starts with a UTF-16 byte-order mark; LIFE accepts only UTF-8 or CP932")]
    Utf16,
    #[error("{bytes} bytes of text without a record's end: more than the 4 GiB read at once")]
    TooLarge { bytes: usize },
    #[error(
        "bytes at line {line}, byte {byte} ({bytes}) decode in neither UTF-8 nor CP932 \
         (the file reads furthest as {closest})"
    )]
    Neither {
        line: u64,
        byte: u64,
        bytes: String,
        closest: &'static str,
    },
}

/// Text decoded from a file, and how it was encoded.
pub struct Decoded<'a> {
    pub text: Cow<'a, str>,
    pub encoding: TextEncoding,
}

/// Detects the encoding and decodes. Never substitutes U+FFFD: bytes that are valid in neither
/// encoding are an error naming where they are.
pub fn decode(bytes: &[u8]) -> Result<Decoded<'_>, DecodeError> {
    let mut scan = Scan::new();
    let text = scan.feed(bytes, true);
    let encoding = match scan.settle().map_err(|u| u.error(bytes))? {
        Settled::Is(e) => e,
        Settled::Cp932IfItDecodes => {
            let cp932 = SHIFT_JIS.decode_without_bom_handling_and_without_replacement(bytes);
            if cp932.is_some() {
                TextEncoding::Cp932
            } else {
                TextEncoding::Utf8
            }
        }
    };
    if encoding != TextEncoding::Cp932 {
        // Settled as UTF-8: the scan found every byte after any BOM UTF-8.
        let at = scan.utf8_valid_up_to() as usize;
        let text = text.ok_or_else(|| neither(bytes, at, "UTF-8"))?;
        return Ok(Decoded {
            text: Cow::Borrowed(text),
            encoding,
        });
    }
    let mut decoder = SHIFT_JIS.new_decoder_without_bom_handling();
    let capacity = decoder
        .max_utf8_buffer_length_without_replacement(bytes.len())
        .unwrap_or(bytes.len().saturating_mul(3));
    let mut out = String::with_capacity(capacity);
    let (result, read) = decoder.decode_to_string_without_replacement(bytes, &mut out, true);
    match result {
        DecoderResult::InputEmpty => Ok(Decoded {
            text: Cow::Owned(out),
            encoding,
        }),
        DecoderResult::Malformed(bad, _) => {
            // `read` is past the malformed sequence; point at its first byte.
            let cp932_err = read.saturating_sub(bad as usize) as u64;
            let (at, closest) = closest(cp932_err, scan.utf8_valid_up_to());
            Err(neither(bytes, at as usize, closest))
        }
        DecoderResult::OutputFull => unreachable!("capacity is the decoder's own maximum"),
    }
}

/// [`decode`], taking the bytes: they are let go once decoded (UTF-8 is kept in place, its
/// BOM cut), so a file is held once, as text.
pub fn decode_owned(bytes: Vec<u8>) -> Result<(String, TextEncoding), DecodeError> {
    let (start, encoding) = match decode(&bytes)? {
        Decoded {
            text: Cow::Owned(text),
            encoding,
        } => return Ok((text, encoding)),
        Decoded {
            text: Cow::Borrowed(text),
            encoding,
        } => {
            let start = text.as_ptr() as usize - bytes.as_ptr() as usize;
            // The text runs to the end of the bytes (a BOM is all it leaves out).
            assert_eq!(
                start + text.len(),
                bytes.len(),
                "UTF-8 text is the bytes' tail"
            );
            (start, encoding)
        }
    };
    let mut bytes = bytes;
    bytes.drain(..start);
    // SAFETY: `decode` gave `bytes[start..]` back as a `&str` (the assertion above): it is
    // valid UTF-8 already, and checking it a second time cost a pass over the file.
    let text = unsafe { String::from_utf8_unchecked(bytes) };
    Ok((text, encoding))
}

fn neither(bytes: &[u8], at: usize, closest: &'static str) -> DecodeError {
    let (line, byte) = position(bytes, at);
    let shown: Vec<String> = bytes[at..]
        .iter()
        .take(2)
        .map(|b| format!("0x{b:02X}"))
        .collect();
    DecodeError::Neither {
        line,
        byte,
        bytes: shown.join(" "),
        closest,
    }
}

/// 1-based line and byte-in-line of a byte offset. A line ends at LF, CRLF or a lone CR;
/// these bytes never occur inside a CP932 double-byte character.
pub fn position(bytes: &[u8], at: usize) -> (u64, u64) {
    let at = at.min(bytes.len());
    let start = (0..at)
        .rev()
        .find(|&i| ends_line(bytes, i))
        .map_or(0, |i| i + 1);
    (1 + line_ends(bytes, 0, at), (at - start) as u64 + 1)
}

/// Whether the byte at `i` ends a line: an LF, or a CR not followed by LF (CRLF ends at its LF).
fn ends_line(b: &[u8], i: usize) -> bool {
    match b[i] {
        b'\n' => true,
        b'\r' => b.get(i + 1) != Some(&b'\n'),
        _ => false,
    }
}

/// The line ends among bytes `from..to`: only CR and LF are looked at, found with SIMD
/// (`memchr2`) rather than byte after byte.
pub(crate) fn line_ends(b: &[u8], from: usize, to: usize) -> u64 {
    memchr::memchr2_iter(b'\n', b'\r', &b[from..to])
        .filter(|&i| ends_line(b, from + i))
        .count() as u64
}

/// Physical line numbers of record starts. csv's own count is off by one after a CRLF (a
/// record's position points at the LF) and ignores lone CRs, which LIFE allows as line ends.
#[derive(Default)]
pub(crate) struct LineCounter {
    pub(crate) pos: usize,
    line: u64,
}

impl LineCounter {
    /// A counter for text whose first byte is after `line` line ends.
    pub(crate) fn starting_at(line: u64) -> Self {
        LineCounter { pos: 0, line }
    }

    /// The line a record starts on; positions must come in increasing order.
    pub(crate) fn line(&mut self, text: &str, at: Option<&csv::Position>) -> u64 {
        self.line_at(text, at.map_or(self.pos, |p| p.byte() as usize))
    }

    /// The line a record starting at byte `at` starts on; offsets must come in increasing
    /// order.
    pub(crate) fn line_at(&mut self, text: &str, at: usize) -> u64 {
        let b = text.as_bytes();
        let mut start = at.min(b.len());
        // Skip what is left of the previous record's terminator.
        while start < b.len() && matches!(b[start], b'\r' | b'\n') {
            start += 1;
        }
        let from = self.pos.min(start);
        self.line += line_ends(b, from, start);
        self.pos = start;
        self.line + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// The SIMD count of line ends is the byte-after-byte one, lone CRs and CRLFs cut at
        /// either end of the range included.
        #[test]
        fn line_ends_counts_what_ends_line_says(text in "[a\r\n]{0,64}", a: usize, b: usize) {
            let bytes = text.as_bytes();
            let (mut from, mut to) = (a % (bytes.len() + 1), b % (bytes.len() + 1));
            if from > to {
                std::mem::swap(&mut from, &mut to);
            }
            let want = (from..to).filter(|&i| ends_line(bytes, i)).count() as u64;
            proptest::prop_assert_eq!(line_ends(bytes, from, to), want);
        }

        /// A position's line and byte are those of walking the bytes one by one.
        #[test]
        fn position_is_the_walk(text in "[a\r\n]{0,64}", at: usize) {
            let bytes = text.as_bytes();
            let at = at % (bytes.len() + 1);
            let (mut line, mut start) = (1u64, 0usize);
            for i in 0..at {
                if ends_line(bytes, i) {
                    line += 1;
                    start = i + 1;
                }
            }
            proptest::prop_assert_eq!(position(bytes, at), (line, (at - start) as u64 + 1));
        }
    }
}
