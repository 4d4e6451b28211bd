//! Output files: created readable by their owner only (they hold 要配慮個人情報), and written
//! atomically — to a temporary file beside the target (tempfile: 0600, removed if the write
//! fails), renamed into place, then the folder synced so the rename survives a power cut — so a
//! run killed at any point leaves no half-written file. An office's files are written into its
//! staging folder instead (`run::stage`), which is the atomic unit: each file is synced once
//! when finished, the folder once when it is renamed into place.

use std::fs::File;
use std::io::Write;
use std::path::Path;

use polars::prelude::*;
use sha2::{Digest, Sha256};

/// What a temporary file's name holds after `.<name>`: a run killed before its rename leaves
/// the file behind, and the next run removes the files so named (`run`'s sweep).
const TEMP_MARK: &str = ".tmp-";

/// Writes through `write` into a private temporary file beside `path`, then renames it over
/// `path` and syncs the folder.
fn atomically(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let name = path
        .file_name()
        .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
    let mut tmp = tempfile::Builder::new()
        .prefix(&format!(".{name}{TEMP_MARK}"))
        .tempfile_in(dir)?;
    write(tmp.as_file_mut())?;
    tmp.as_file().sync_all()?;
    tmp.persist(path).map_err(|e| e.error)?;
    sync_dir(dir)
}

/// Makes a rename in `dir` durable. Unix only: elsewhere a folder cannot be opened as a file,
/// and the rename is as durable as the file system makes it.
/// A file system that cannot sync a folder (some network and FUSE mounts answer EINVAL or
/// ENOTSUP) does not fail a write already renamed into place.
pub fn sync_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    match File::open(dir)?.sync_all() {
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::InvalidInput | std::io::ErrorKind::Unsupported
            ) => {}
        r => r?,
    }
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

/// Writes bytes to a private file, atomically.
pub fn write_private(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    atomically(path, |f| f.write_all(bytes))
}

/// Writes a new private file inside a staging folder that is synced and renamed into place as
/// a whole (`run::stage`): no temporary, rename or folder sync per file, one fsync when it is
/// finished. A file of the folder written again is replaced; a write that fails removes what
/// it wrote (the office then fails, and its staging folder goes).
fn staged(
    path: &Path,
    write: impl FnOnce(&mut File) -> std::io::Result<()>,
) -> std::io::Result<()> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut f = options.open(path)?;
    let written = write(&mut f).and_then(|()| f.sync_all());
    if written.is_err() {
        let _ = std::fs::remove_file(path);
    }
    written
}

/// Writes what `write` gives to a new private file of a staging folder (see [`staged`]),
/// buffered; returns the SHA-256 of what was written (for the manifest), hashed as it passes.
pub fn write_staged_hashed(
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
    staged(path, |f| {
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

#[cfg(test)]
mod tests {
    use super::*;

    /// The names in a folder, sorted.
    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    #[test]
    fn a_write_replaces_the_file_owner_only_and_leaves_nothing_else() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        write_private(&path, b"new").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(names(dir.path()), ["out.csv"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
    }

    #[test]
    fn a_failed_write_keeps_the_old_file_and_leaves_no_temporary() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old").unwrap();
        let e = atomically(&path, |f| {
            f.write_all(b"half")?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(std::fs::read(&path).unwrap(), b"old");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn a_staged_file_is_owner_only_hashed_replaceable_and_gone_when_its_write_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("out.csv");
        let sha = write_staged_hashed(&path, |w| w.write_all(b"new")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"new");
        assert_eq!(sha, <[u8; 32]>::from(Sha256::digest(b"new")));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600, "{mode:o}");
        }
        // Written again (an interface whose rows were withheld after its first write).
        write_staged_hashed(&path, |w| w.write_all(b"again")).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"again");
        let half = dir.path().join("half.csv");
        let e = write_staged_hashed(&half, |w| {
            w.write_all(&[b'x'; 1 << 17])?;
            Err(std::io::Error::other("disk full"))
        })
        .unwrap_err();
        assert_eq!(e.to_string(), "disk full");
        assert_eq!(names(dir.path()), ["out.csv"]);
    }

    #[test]
    fn a_write_into_a_missing_folder_fails() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("no/out.csv");
        assert!(write_private(&path, b"x").is_err());
        assert!(names(dir.path()).is_empty());
    }
}
