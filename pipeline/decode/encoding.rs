//! Which encoding a file is in, told one way whether it is read whole ([`decode`](super::decode))
//! or a block at a time ([`Chunks`](super::Chunks)): its bytes are shown to a [`Scan`] once, in
//! order, and [`Scan::settle`] says. Not a detector crate (chardetng and the like guess among
//! many encodings from letter statistics): LIFE allows two, and the rule between them is exact.

use super::{DecodeError, TextEncoding, neither, position};

/// What a pass over a file's bytes learns about their encoding.
pub(super) struct Scan {
    len: u64,
    bom: bool,
    utf16: bool,
    nul: Option<u64>,
    /// The first byte that is not UTF-8 (after a BOM), if any.
    utf8_err: Option<u64>,
    ascii: bool,
    /// A character of three or more UTF-8 bytes (U+0800 and up: all Japanese).
    wide: bool,
    /// A UTF-8 character cut by the last block's end, checked with the next block.
    pending: Vec<u8>,
}

/// How the encoding is settled once every byte has been scanned.
#[derive(Debug, PartialEq)]
pub(super) enum Settled {
    Is(TextEncoding),
    /// Valid UTF-8 without Japanese in it — only 2-byte sequences (U+0080–U+07FF: Latin,
    /// Greek, Cyrillic …): CP932 if the whole file decodes as CP932, else UTF-8. Half-width kana
    /// pairs such as `ﾅｶ` (C5 B6) are also valid UTF-8 (`Ŷ`), while Japanese in UTF-8 always
    /// takes 3-byte sequences.
    Cp932IfItDecodes,
}

/// Why a file is in no encoding LIFE accepts; offsets are the file's.
#[derive(Debug, PartialEq)]
pub(super) enum Unreadable {
    Empty,
    Utf16,
    Nul(u64),
    /// After a BOM, bytes that are not UTF-8.
    NotUtf8(u64),
}

impl Scan {
    pub(super) fn new() -> Scan {
        Scan {
            len: 0,
            bom: false,
            utf16: false,
            nul: None,
            utf8_err: None,
            ascii: true,
            wide: false,
            pending: Vec::new(),
        }
    }

    /// Shows the file's next bytes; `last` with its last ones (the first bytes shown are at
    /// least 4, unless the file is shorter, so that a BOM is seen whole). Gives these bytes,
    /// after any BOM, as text if they are UTF-8 on their own: a file shown whole is checked
    /// once, not again to borrow its text.
    pub(super) fn feed<'a>(&mut self, bytes: &'a [u8], last: bool) -> Option<&'a str> {
        let first = self.len == 0;
        if first {
            self.utf16 = bytes.starts_with(&[0xFF, 0xFE]) || bytes.starts_with(&[0xFE, 0xFF]);
            self.bom = bytes.starts_with(b"\xEF\xBB\xBF");
        }
        if self.nul.is_none()
            && let Some(i) = memchr::memchr(0, bytes)
        {
            self.nul = Some(self.len + i as u64);
        }
        let start = self.len + if first && self.bom { 3 } else { 0 };
        let body = &bytes[(start - self.len) as usize..];
        self.len += bytes.len() as u64;
        if self.utf8_err.is_some() {
            return None;
        }
        if !body.is_ascii() {
            self.ascii = false;
            self.wide = self.wide || body.iter().any(|&b| b >= 0xE0);
        }
        if self.pending.is_empty() {
            return self.check_utf8(start, body, last);
        }
        // Only a block after a cut character is copied, to be checked with its start.
        let mut joined = std::mem::take(&mut self.pending);
        let start = start - joined.len() as u64;
        joined.extend_from_slice(body);
        self.check_utf8(start, &joined, last);
        None
    }

    /// Checks `text`, the bytes from file offset `start` on, as UTF-8; keeps a character cut
    /// at its end for the next block.
    fn check_utf8<'a>(&mut self, start: u64, text: &'a [u8], last: bool) -> Option<&'a str> {
        match simdutf8::compat::from_utf8(text) {
            Ok(s) => Some(s),
            Err(e) if e.error_len().is_none() && !last => {
                self.pending = text[e.valid_up_to()..].to_vec();
                None
            }
            Err(e) => {
                self.utf8_err = Some(start + e.valid_up_to() as u64);
                None
            }
        }
    }

    /// Where the bytes stop being UTF-8 (the file's end if they never do), for an error that
    /// compares how far each encoding reads.
    pub(super) fn utf8_valid_up_to(&self) -> u64 {
        self.utf8_err.unwrap_or(self.len)
    }

    /// The encoding of the bytes scanned: a UTF-16 BOM, a NUL and a BOM followed by what is not
    /// UTF-8 are refused, in that order; UTF-8 is UTF-8 unless it may be CP932; the rest is
    /// CP932 (whether it decodes as such is for the decoding to say).
    pub(super) fn settle(&self) -> Result<Settled, Unreadable> {
        if self.len == 0 {
            return Err(Unreadable::Empty);
        }
        if self.utf16 {
            return Err(Unreadable::Utf16);
        }
        if let Some(at) = self.nul {
            return Err(Unreadable::Nul(at));
        }
        Ok(match (self.bom, self.utf8_err) {
            (true, None) => Settled::Is(TextEncoding::Utf8Bom),
            (true, Some(at)) => return Err(Unreadable::NotUtf8(at)),
            (false, None) if self.ascii || self.wide => Settled::Is(TextEncoding::Utf8),
            (false, None) => Settled::Cp932IfItDecodes,
            (false, Some(_)) => Settled::Is(TextEncoding::Cp932),
        })
    }
}

impl Unreadable {
    /// The offset the error names a place by: the caller reads the bytes up to two past it.
    pub(super) fn at(&self) -> Option<u64> {
        match self {
            Unreadable::Empty | Unreadable::Utf16 => None,
            Unreadable::Nul(at) | Unreadable::NotUtf8(at) => Some(*at),
        }
    }

    /// The error, its place told from the file's first bytes (up to two past [`Self::at`]).
    pub(super) fn error(self, bytes: &[u8]) -> DecodeError {
        match self {
            Unreadable::Empty => DecodeError::Empty,
            Unreadable::Utf16 => DecodeError::Utf16,
            Unreadable::Nul(at) => {
                let (line, byte) = position(bytes, at as usize);
                DecodeError::Binary { line, byte }
            }
            Unreadable::NotUtf8(at) => neither(bytes, at as usize, "UTF-8"),
        }
    }
}

/// How `lifeline validate` would take a file whose bytes are shown to it in order, a piece at
/// a time (a writer checking what it writes, without reading the file back).
pub struct Detect(Scan);

impl Default for Detect {
    fn default() -> Self {
        Detect(Scan::new())
    }
}

impl Detect {
    /// The file's next bytes (the first piece at least 4 bytes long, so that a BOM is seen).
    pub fn feed(&mut self, bytes: &[u8]) {
        self.0.feed(bytes, false);
    }

    /// Whether the reader takes the whole file as text in `written`, so that it reads back the
    /// characters written: a BOM file as UTF-8, a CP932 file as CP932 (or, when it is all
    /// ASCII, as UTF-8: the same characters). `decodes_as_cp932`: every byte decoded as CP932,
    /// as the reader asks of a file it may take either way.
    pub fn reads_as(mut self, written: TextEncoding, decodes_as_cp932: bool) -> bool {
        self.0.feed(&[], true);
        let ascii = self.0.ascii;
        match (self.0.settle(), written) {
            (Ok(Settled::Is(TextEncoding::Utf8Bom)), TextEncoding::Utf8Bom) => true,
            (Ok(Settled::Is(TextEncoding::Cp932)), TextEncoding::Cp932) => true,
            (Ok(Settled::Cp932IfItDecodes), TextEncoding::Cp932) => decodes_as_cp932,
            (Ok(Settled::Is(TextEncoding::Utf8)), TextEncoding::Cp932 | TextEncoding::Utf8) => {
                ascii || written == TextEncoding::Utf8
            }
            _ => false,
        }
    }
}

/// Bytes that do not decode as CP932 at `cp932_err`, in a file that stops being UTF-8 at
/// `utf8_valid_up_to`: where the error is and the encoding it names, the one that reads
/// furthest (CP932 when both reach as far).
pub(super) fn closest(cp932_err: u64, utf8_valid_up_to: u64) -> (u64, &'static str) {
    if cp932_err >= utf8_valid_up_to {
        (cp932_err, "CP932")
    } else {
        (utf8_valid_up_to, "UTF-8")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What a scan of `bytes` in blocks of `block` bytes (the first at least 4) settles.
    fn settled(bytes: &[u8], block: usize) -> (Result<Settled, Unreadable>, u64) {
        let mut s = Scan::new();
        let first = block.max(4).min(bytes.len());
        let mut blocks = vec![&bytes[..first]];
        blocks.extend(bytes[first..].chunks(block));
        for (i, b) in blocks.iter().enumerate() {
            s.feed(b, i + 1 == blocks.len());
        }
        (s.settle(), s.utf8_valid_up_to())
    }

    #[test]
    fn utf8_with_japanese_is_utf8_and_kana_pairs_may_be_cp932() {
        let is = |e| Ok(Settled::Is(e));
        assert_eq!(settled(b"a,b\r\n", 4).0, is(TextEncoding::Utf8));
        assert_eq!(settled("あ,ｱ".as_bytes(), 4).0, is(TextEncoding::Utf8));
        // ﾅｶ in CP932 is Ŷ in UTF-8.
        assert_eq!(settled(b"\xC5\xB6", 4).0, Ok(Settled::Cp932IfItDecodes));
        assert_eq!(settled(b"\x82\xA0", 4), (is(TextEncoding::Cp932), 0));
        // é cut by the first block's end (its 4 bytes) is still UTF-8; 0x82 is not.
        let latin = b"abc\xC3\xA9\x82";
        assert_eq!(settled(latin, 1), (is(TextEncoding::Cp932), 5));
        assert_eq!(settled(b"\xEF\xBB\xBFa", 4).0, is(TextEncoding::Utf8Bom));
        assert_eq!(
            settled(b"\xEF\xBB\xBFa\x82", 4).0,
            Err(Unreadable::NotUtf8(4))
        );
        assert_eq!(settled(b"\xFF\xFEa\x00", 4).0, Err(Unreadable::Utf16));
        assert_eq!(settled(b"ab\x00", 4).0, Err(Unreadable::Nul(2)));
        assert_eq!(settled(b"", 4).0, Err(Unreadable::Empty));
    }

    proptest::proptest! {
        /// Characters cut at any block's end: a scan a block at a time settles what a scan of
        /// the whole file does.
        #[test]
        fn blocks_settle_as_the_whole_file(
            parts in proptest::collection::vec(proptest::sample::select(vec![
                &b"a"[..], b"\r\n", b"\0", "é".as_bytes(), "あ".as_bytes(), "𠀋".as_bytes(),
                b"\xEF\xBB\xBF", b"\xFF\xFE", b"\x82", b"\xA0", b"\xC5", b"\xB6", b"\xEF",
            ]), 0..24),
            block in 1usize..9,
        ) {
            let bytes = parts.concat();
            let whole = settled(&bytes, bytes.len().max(1));
            proptest::prop_assert_eq!(settled(&bytes, block), whole);
        }
    }
}
