//! Bytes kept to be read back once: in memory up to a limit, past it in an unnamed temporary
//! file (readable by the owner only, gone when closed, even by a killed process). LIFE lines
//! waiting for their file (`emit::spill`) and findings waiting for their report
//! (`validate::log`) are kept so.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom, Write};
use std::path::Path;

/// Bytes in memory, or, once past a limit, in an unnamed temporary file in `dir`.
pub(crate) enum Store {
    Memory(Vec<u8>),
    File(File),
}

impl Store {
    /// Appends `bytes`, moving to a file once the bytes would pass `limit`.
    pub(crate) fn append(&mut self, dir: &Path, bytes: &[u8], limit: usize) -> std::io::Result<()> {
        if let Store::Memory(v) = self {
            if v.len() + bytes.len() <= limit {
                v.extend_from_slice(bytes);
                return Ok(());
            }
            let mut f = tempfile::tempfile_in(dir)?;
            f.write_all(v)?;
            *self = Store::File(f);
        }
        match self {
            Store::File(f) => f.write_all(bytes),
            Store::Memory(_) => unreachable!("rolled over above"),
        }
    }

    pub(crate) fn truncate(&mut self, len: u64) -> std::io::Result<()> {
        match self {
            Store::Memory(v) => v.truncate(len as usize),
            Store::File(f) => {
                f.set_len(len)?;
                f.seek(SeekFrom::Start(len)).map(|_| ())?;
            }
        }
        Ok(())
    }

    /// A reader of the bytes from `at` on.
    pub(crate) fn from(&self, at: u64) -> std::io::Result<Box<dyn Read + '_>> {
        Ok(match self {
            Store::Memory(v) => Box::new(v.get(at as usize..).unwrap_or_default()),
            Store::File(f) => {
                let mut f: &File = f;
                f.seek(SeekFrom::Start(at))?;
                Box::new(BufReader::with_capacity(1 << 20, f))
            }
        })
    }
}

/// Appends `v` as a LEB128 varint (seven bits a byte, low first).
pub fn put_varint(buf: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        buf.push(v as u8 | 0x80);
        v >>= 7;
    }
    buf.push(v as u8);
}

/// Reads a LEB128 varint written by [`put_varint`].
pub fn get_varint(r: &mut impl Read) -> std::io::Result<u64> {
    let (mut v, mut shift, mut b) = (0u64, 0, [0u8]);
    loop {
        r.read_exact(&mut b)?;
        v |= u64::from(b[0] & 0x7F) << shift;
        if b[0] < 0x80 {
            return Ok(v);
        }
        shift += 7;
        if shift > 63 {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                "a varint too long",
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// Appends and truncations, across the move from memory to a file, read back from any
        /// offset as the same bytes kept in a plain vector.
        #[test]
        fn a_store_reads_back_what_was_kept_in_memory_or_in_its_file(
            ops in proptest::collection::vec(
                prop_oneof![
                    proptest::collection::vec(any::<u8>(), 0..40).prop_map(Ok),
                    (0usize..100).prop_map(Err),
                ],
                0..30,
            ),
            at in 0u64..200,
        ) {
            let tmp = tempfile::tempdir().unwrap();
            let mut store = Store::Memory(Vec::new());
            let mut model = Vec::new();
            let mut moved = false;
            for op in ops {
                match op {
                    Ok(bytes) => {
                        store.append(tmp.path(), &bytes, 64).unwrap();
                        model.extend_from_slice(&bytes);
                        moved |= model.len() > 64;
                    }
                    Err(len) => {
                        let len = len.min(model.len());
                        store.truncate(len as u64).unwrap();
                        model.truncate(len);
                    }
                }
            }
            // In a file once it held more than the limit, and from then on.
            prop_assert_eq!(matches!(store, Store::File(_)), moved);
            let mut back = Vec::new();
            store.from(at).unwrap().read_to_end(&mut back).unwrap();
            prop_assert_eq!(&back[..], model.get(at as usize..).unwrap_or_default());
        }
    }
}
