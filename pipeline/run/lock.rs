//! One run per output folder: a lock file naming its holder. A lock whose process no longer
//! exists (a run that was killed) is taken over.

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
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)
            {
                Ok(mut f) => {
                    writeln!(f, "pid {}", std::process::id()).map_err(io)?;
                    return Ok(Lock { path });
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&path).unwrap_or_default();
                    if alive(&holder) {
                        return Err(LockError::Held {
                            path: path.display().to_string(),
                            holder: holder.trim().to_string(),
                        });
                    }
                    // Stale: its process is gone.
                    std::fs::remove_file(&path).map_err(io)?;
                }
                Err(e) => return Err(io(e)),
            }
        }
        Err(LockError::Held {
            path: path.display().to_string(),
            holder: "unknown".into(),
        })
    }
}

/// Whether the `pid N` in a lock file is a running process (on Linux, /proc says; elsewhere
/// every lock is taken as held).
fn alive(holder: &str) -> bool {
    let pid = holder
        .trim()
        .strip_prefix("pid ")
        .and_then(|p| p.trim().parse::<u32>().ok());
    match pid {
        Some(pid) if Path::new("/proc/self").exists() => {
            Path::new(&format!("/proc/{pid}")).exists()
        }
        _ => true,
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}
