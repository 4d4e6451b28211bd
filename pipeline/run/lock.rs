//! One run per output folder: an OS lock on a file in it (`File::try_lock`), which the OS lets
//! go when the run ends, killed or not — so no lock is ever stale. The file names its holder's
//! pid, for people.

use std::fs::{File, OpenOptions, TryLockError};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum LockError {
    #[error("another run holds {path}: {holder}")]
    Held { path: String, holder: String },
    #[error("cannot lock {path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
}

/// Held while it lives; the file is removed on drop.
pub struct Lock {
    path: PathBuf,
    /// Locked; closing it lets go.
    _file: File,
}

const NAME: &str = ".lifeline.lock";

impl Lock {
    pub fn acquire(dir: &Path) -> Result<Lock, LockError> {
        let path = dir.join(NAME);
        let io = |source| LockError::Io {
            path: path.display().to_string(),
            source,
        };
        std::fs::create_dir_all(dir).map_err(io)?;
        // A holder removes the file as it lets go, so a lock can be won on a file no longer
        // there, which guards nothing: then it is taken again on the file that is.
        for _ in 0..3 {
            let mut file = OpenOptions::new()
                .read(true)
                .write(true)
                .create(true)
                .truncate(false)
                .open(&path)
                .map_err(io)?;
            match file.try_lock() {
                Ok(()) => {}
                Err(TryLockError::WouldBlock) => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    return Err(LockError::Held {
                        path: path.display().to_string(),
                        holder: match holder.trim() {
                            "" => "pid unknown".into(),
                            h => h.to_string(),
                        },
                    });
                }
                Err(TryLockError::Error(e)) => return Err(io(e)),
            }
            if is_at(&file, &path) {
                file.set_len(0).map_err(io)?;
                writeln!(file, "pid {}", std::process::id()).map_err(io)?;
                return Ok(Lock { path, _file: file });
            }
        }
        Err(LockError::Held {
            path: path.display().to_string(),
            holder: "pid unknown".into(),
        })
    }
}

/// Whether `file` is the one at `path` (not one removed since it was opened). Off Unix an open
/// file cannot be removed, only marked for removal, which also keeps a new one from being
/// made there; so it always is.
fn is_at(file: &File, path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        match (file.metadata(), std::fs::metadata(path)) {
            (Ok(a), Ok(b)) => (a.dev(), a.ino()) == (b.dev(), b.ino()),
            _ => false,
        }
    }
    #[cfg(not(unix))]
    {
        let _ = (file, path);
        true
    }
}

impl Drop for Lock {
    /// Removes the file before the lock goes (when `_file` closes, after this).
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_the_folder_is_refused_until_the_first_goes() {
        let dir = tempfile::tempdir().unwrap();
        let first = Lock::acquire(dir.path()).unwrap();
        let held = std::fs::read_to_string(dir.path().join(NAME)).unwrap();
        assert_eq!(held, format!("pid {}\n", std::process::id()));
        match Lock::acquire(dir.path()) {
            Err(LockError::Held { holder, .. }) => assert_eq!(holder, held.trim()),
            Err(e) => panic!("{e}"),
            Ok(_) => panic!("two locks on one folder"),
        }
        drop(first);
        assert!(!dir.path().join(NAME).exists());
        let _again = Lock::acquire(dir.path()).unwrap();
    }

    /// A lock file left by a run that was killed (or by an older lifeline) holds nothing.
    #[test]
    fn a_lock_file_nobody_holds_is_taken() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(NAME), "pid 4000000000\n").unwrap();
        let _lock = Lock::acquire(dir.path()).unwrap();
        let held = std::fs::read_to_string(dir.path().join(NAME)).unwrap();
        assert_eq!(held, format!("pid {}\n", std::process::id()));
    }

    /// A file opened before its holder removed it (and another made in its place) is not the
    /// one at the path: a lock won on it is taken again.
    #[cfg(unix)]
    #[test]
    fn a_file_removed_since_it_was_opened_is_not_at_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(NAME);
        let file = File::create(&path).unwrap();
        assert!(is_at(&file, &path));
        std::fs::remove_file(&path).unwrap();
        assert!(!is_at(&file, &path));
        File::create(&path).unwrap();
        assert!(!is_at(&file, &path));
    }

    /// Locks on different folders do not meet.
    #[test]
    fn locks_on_two_folders_are_both_held() {
        let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
        let _a = Lock::acquire(a.path()).unwrap();
        let _b = Lock::acquire(b.path()).unwrap();
    }
}
