//! Output files: created readable by their owner only (they hold 要配慮個人情報), and written
//! atomically — to a temporary file beside the target, then renamed — so a run killed at any
//! point leaves no half-written file.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

/// Creates (truncates) a file with mode 0600 on Unix.
fn create_private(path: &Path) -> std::io::Result<File> {
    let mut opts = std::fs::OpenOptions::new();
    opts.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        opts.mode(0o600);
    }
    let f = opts.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(f)
}

/// The temporary name a file is written under before it is renamed into place.
fn temp_path(path: &Path) -> std::path::PathBuf {
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    path.with_file_name(format!(".{name}.tmp-{}", std::process::id()))
}

/// Writes through `write` into a private temporary file, then renames it over `path`.
fn atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let tmp = temp_path(path);
    let result = create_private(&tmp).and_then(|mut f| {
        write(&mut f)?;
        f.sync_all()
    });
    match result.and_then(|()| std::fs::rename(&tmp, path)) {
        Ok(()) => Ok(()),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Writes bytes to a private file, atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    atomically(path, |f| f.write_all(bytes))
}

/// Writes what `write` gives to a private file, atomically, buffered; returns the SHA-256 of
/// what was written (for the manifest), hashed as it passes.
pub fn write_private_hashed(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> std::io::Result<[u8; 32]> {
    /// Hashes what passes through it.
    struct Hashing<W>(W, Sha256);
    impl<W: Write> Write for Hashing<W> {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            let n = self.0.write(b)?;
            self.1.update(&b[..n]);
            Ok(n)
        }
        fn flush(&mut self) -> std::io::Result<()> {
            self.0.flush()
        }
    }
    let mut hash = Sha256::new();
    atomically(path, |f| {
        let mut w = Hashing(std::io::BufWriter::with_capacity(1 << 16, f), Sha256::new());
        write(&mut w)?;
        w.flush()?;
        hash = w.1;
        Ok(())
    })?;
    Ok(hash.finalize().into())
}

/// Writes a frame as Parquet (zstd) to a private file, atomically, for analysts' polars / DuckDB.
pub fn write_parquet(path: &Path, frame: &DataFrame) -> std::io::Result<()> {
    atomically(path, |f| {
        // Buffered: the Parquet writer makes many small writes.
        let mut w = std::io::BufWriter::new(f);
        let mut df = frame.clone();
        ParquetWriter::new(&mut w)
            .with_compression(ParquetCompression::Zstd(None))
            .finish(&mut df)
            .map_err(std::io::Error::other)?;
        w.flush()
    })
}
