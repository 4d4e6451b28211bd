//! An office is committed as a whole: everything is written into a staging folder beside the
//! office's folder (`.<facility>.tmp-stage-…`, owner-only), which is renamed into place when
//! complete. An interface that gives no file this time leaves no file of an earlier run, and an
//! office that fails leaves the earlier good folder as it was.
//!
//! The swap is two renames (the old folder aside as `.<facility>.tmp-old-…`, the new one in):
//! a run killed between them leaves the old folder aside, which the next run puts back before
//! anything else ([`sweep`]).

use std::path::{Path, PathBuf};

use super::error::RunError;
use crate::emit::files::sync_dir;

pub(super) struct Stage {
    /// The office's folder.
    dir: PathBuf,
    /// The staging folder, until committed.
    tmp: Option<PathBuf>,
    /// Folders above the office's this run made: removed again when nothing is committed.
    made: Vec<PathBuf>,
}

impl Stage {
    /// A staging folder for office folder `parent/name`.
    pub(super) fn new(parent: &Path, name: &str) -> Result<Stage, RunError> {
        let create = |path: &Path, source| RunError::CreateDir {
            path: path.to_path_buf(),
            source,
        };
        let dir = parent.join(name);
        let mut made = Vec::new();
        // Offices run in parallel: another may make the month's folder first, or, failing,
        // take back the empty one it made just before this office stages in it (tried again).
        let mut attempts = 0;
        let tmp = loop {
            for a in parent.ancestors().collect::<Vec<_>>().into_iter().rev() {
                if a.as_os_str().is_empty() || a.exists() {
                    continue;
                }
                match std::fs::create_dir(a) {
                    Ok(()) => made.push(a.to_path_buf()),
                    Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists && a.is_dir() => {}
                    Err(e) => return Err(create(a, e)),
                }
            }
            sweep(parent, name);
            match tempfile::Builder::new()
                .prefix(&format!(".{name}.tmp-stage-"))
                .tempdir_in(parent)
            {
                Ok(t) => break t.keep(),
                Err(e) if e.kind() == std::io::ErrorKind::NotFound && attempts < 3 => {
                    attempts += 1;
                }
                Err(e) => return Err(create(&dir, e)),
            }
        };
        Ok(Stage {
            dir,
            tmp: Some(tmp),
            made,
        })
    }

    /// Where the office's files are written until committed.
    pub(super) fn path(&self) -> &Path {
        self.tmp.as_deref().expect("not committed yet")
    }

    /// Puts the staged folder in place of the office's folder.
    pub(super) fn commit(mut self) -> Result<(), RunError> {
        let tmp = self.tmp.clone().expect("committed once");
        let parent = self.dir.parent().unwrap_or(Path::new("."));
        let name = self.dir.file_name().unwrap_or_default().to_string_lossy();
        let io = |source| RunError::Write {
            path: self.dir.clone(),
            source,
        };
        sync_dir(&tmp).map_err(io)?;
        let old = if self.dir.exists() {
            let old = tempfile::Builder::new()
                .prefix(&format!(".{name}.tmp-old-"))
                .tempdir_in(parent)
                .map_err(io)?
                .keep();
            std::fs::rename(&self.dir, &old).map_err(io)?;
            Some(old)
        } else {
            None
        };
        if let Err(e) = std::fs::rename(&tmp, &self.dir) {
            if let Some(old) = &old {
                let _ = std::fs::rename(old, &self.dir);
            }
            return Err(io(e));
        }
        self.tmp = None;
        self.made.clear();
        sync_dir(parent).map_err(io)?;
        if let Some(old) = old {
            let _ = std::fs::remove_dir_all(old);
        }
        Ok(())
    }
}

impl Drop for Stage {
    /// Not committed: the staging folder goes, and the folders this run made.
    fn drop(&mut self) {
        if let Some(tmp) = self.tmp.take() {
            let _ = std::fs::remove_dir_all(tmp);
        }
        for d in self.made.iter().rev() {
            let _ = std::fs::remove_dir(d);
        }
    }
}

/// What a killed run left beside office folder `parent/name`: an old folder set aside while the
/// office's folder is missing is put back; staging folders go.
fn sweep(parent: &Path, name: &str) {
    let Ok(entries) = std::fs::read_dir(parent) else {
        return;
    };
    let (stage, old) = (format!(".{name}.tmp-stage-"), format!(".{name}.tmp-old-"));
    let dir = parent.join(name);
    let mut left: Vec<(String, PathBuf)> = entries
        .flatten()
        .map(|e| (e.file_name().to_string_lossy().into_owned(), e.path()))
        .filter(|(n, _)| n.starts_with(&stage) || n.starts_with(&old))
        .collect();
    left.sort();
    for (n, path) in left {
        if n.starts_with(&old) && !dir.exists() && std::fs::rename(&path, &dir).is_ok() {
            continue;
        }
        let _ = std::fs::remove_dir_all(path);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut n: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        n.sort();
        n
    }

    /// Offices start at once on a month's first run: both make `<out>/<YYYYMM>`, neither fails.
    #[test]
    fn two_offices_making_the_month_folder_at_once_both_stage() {
        for _ in 0..50 {
            let tmp = tempfile::tempdir().unwrap();
            let parent = tmp.path().join("out").join("202610");
            let go = std::sync::Barrier::new(2);
            std::thread::scope(|s| {
                let staged = ["A", "B"].map(|name| {
                    let (parent, go) = (&parent, &go);
                    s.spawn(move || {
                        go.wait();
                        Stage::new(parent, name).map(|st| st.commit())
                    })
                });
                for h in staged {
                    h.join().unwrap().unwrap().unwrap();
                }
            });
            assert_eq!(names(&parent), ["A", "B"]);
        }
        // One office fails (its stage dropped, the month folder it made taken back) while
        // another stages: the other one still stages.
        for _ in 0..50 {
            let tmp = tempfile::tempdir().unwrap();
            let parent = tmp.path().join("202610");
            let go = std::sync::Barrier::new(2);
            std::thread::scope(|s| {
                let failing = s.spawn(|| {
                    let st = Stage::new(&parent, "A").unwrap();
                    go.wait();
                    drop(st);
                });
                let staging = s.spawn(|| {
                    go.wait();
                    Stage::new(&parent, "B").map(|st| st.commit())
                });
                failing.join().unwrap();
                staging.join().unwrap().unwrap().unwrap();
            });
            assert_eq!(names(&parent), ["B"]);
        }
    }

    #[test]
    fn a_commit_replaces_the_whole_folder() {
        let tmp = tempfile::tempdir().unwrap();
        let parent = tmp.path().join("202610");
        let s = Stage::new(&parent, "F").unwrap();
        std::fs::write(s.path().join("A.csv"), "a").unwrap();
        std::fs::write(s.path().join("B.csv"), "b").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&parent.join("F")), ["A.csv", "B.csv"]);
        // A rerun without B: no stale B.
        let s = Stage::new(&parent, "F").unwrap();
        std::fs::write(s.path().join("A.csv"), "a2").unwrap();
        s.commit().unwrap();
        assert_eq!(names(&parent), ["F"], "nothing left beside it");
        assert_eq!(names(&parent.join("F")), ["A.csv"]);
        assert_eq!(std::fs::read(parent.join("F/A.csv")).unwrap(), b"a2");
    }

    #[test]
    fn a_stage_not_committed_leaves_the_old_folder_and_no_new_one() {
        let tmp = tempfile::tempdir().unwrap();
        let parent = tmp.path().join("202610");
        let s = Stage::new(&parent, "F").unwrap();
        std::fs::write(s.path().join("A.csv"), "a").unwrap();
        s.commit().unwrap();
        let s = Stage::new(&parent, "F").unwrap();
        std::fs::write(s.path().join("A.csv"), "half").unwrap();
        drop(s);
        assert_eq!(names(&parent), ["F"]);
        assert_eq!(std::fs::read(parent.join("F/A.csv")).unwrap(), b"a");
        // A first stage that fails leaves no folder at all.
        let other = tmp.path().join("202611");
        drop(Stage::new(&other, "F").unwrap());
        assert!(!other.exists());
    }

    #[test]
    fn a_folder_set_aside_by_a_killed_run_is_put_back() {
        let tmp = tempfile::tempdir().unwrap();
        let parent = tmp.path();
        std::fs::create_dir(parent.join(".F.tmp-old-x1")).unwrap();
        std::fs::write(parent.join(".F.tmp-old-x1/A.csv"), "good").unwrap();
        std::fs::create_dir(parent.join(".F.tmp-stage-x2")).unwrap();
        sweep(parent, "F");
        assert_eq!(names(parent), ["F"]);
        assert_eq!(std::fs::read(parent.join("F/A.csv")).unwrap(), b"good");
        // Beside a folder in place, an old one is only litter.
        std::fs::create_dir(parent.join(".F.tmp-old-x3")).unwrap();
        sweep(parent, "F");
        assert_eq!(names(parent), ["F"]);
    }
}
