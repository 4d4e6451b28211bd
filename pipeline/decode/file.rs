//! Opening an input: only a regular file (a FIFO would block the run forever, a device never
//! end), and read so that a binary file is told from its first block, not after it is whole
//! in memory.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// The first block read of a file: a NUL in it ends the reading.
pub const FIRST_BLOCK: usize = 64 * 1024;

/// Opens `path` for reading if it is a regular file (checked before opening: opening a FIFO
/// waits for a writer). Its length beside it.
pub fn open_regular(path: &Path) -> io::Result<(File, u64)> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(io::Error::new(
            io::ErrorKind::InvalidInput,
            "not a regular file (a directory, FIFO, socket or device): refused",
        ));
    }
    Ok((File::open(path)?, meta.len()))
}

/// The bytes of a reader, except that a NUL byte in its first block (a binary file) stops the
/// reading there: the block alone is returned, which decoding then refuses naming the NUL.
pub fn read_text(mut r: impl Read, len_hint: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(FIRST_BLOCK);
    (&mut r).take(FIRST_BLOCK as u64).read_to_end(&mut bytes)?;
    if bytes.contains(&0) || bytes.len() < FIRST_BLOCK {
        return Ok(bytes);
    }
    bytes.reserve(
        usize::try_from(len_hint)
            .unwrap_or(0)
            .saturating_sub(FIRST_BLOCK),
    );
    r.read_to_end(&mut bytes)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails any read past `limit` bytes.
    struct Limited {
        at: usize,
        limit: usize,
        byte: u8,
    }

    impl Read for Limited {
        fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
            if self.at >= self.limit {
                return Err(io::Error::other("read past the first block"));
            }
            let n = buf.len().min(self.limit - self.at);
            buf[..n].fill(self.byte);
            self.at += n;
            Ok(n)
        }
    }

    #[test]
    fn a_nul_in_the_first_block_stops_the_reading_there() {
        let nul = Limited {
            at: 0,
            limit: FIRST_BLOCK,
            byte: 0,
        };
        assert_eq!(read_text(nul, 1 << 30).unwrap().len(), FIRST_BLOCK);
        // Text goes on being read to its end.
        let text = vec![b'a'; 3 * FIRST_BLOCK + 5];
        assert_eq!(read_text(&text[..], 0).unwrap(), text);
        let short = &b"SERVICE_USER_INFO\r\n"[..];
        assert_eq!(read_text(short, 0).unwrap(), short);
    }

    #[test]
    fn only_a_regular_file_is_opened() {
        let tmp = tempfile::tempdir().unwrap();
        let e = open_regular(tmp.path()).unwrap_err();
        assert_eq!(e.kind(), io::ErrorKind::InvalidInput);
        assert!(e.to_string().contains("not a regular file"), "{e}");
        let f = tmp.path().join("a.csv");
        std::fs::write(&f, "x").unwrap();
        assert_eq!(open_regular(&f).unwrap().1, 1);
    }
}
