//! The job file (TOML): which facilities, through which vendor profile, from which inputs.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::Deserialize;

use crate::map::Profile;
use crate::spec::Registry;

#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct JobError {
    pub path: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Encoding {
    /// UTF-8 with a byte-order mark.
    #[default]
    Utf8,
    Cp932,
}

/// One office of the batch.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FacilityJob {
    /// 事業所番号.
    pub id: String,
    /// サービス種類コード: when given, every interface of this office gets it (overriding what
    /// the profiles say).
    #[serde(default)]
    pub service_code: Option<String>,
    /// Its exports: each through a vendor profile (a user master, an assessment export …).
    #[serde(rename = "source")]
    pub sources: Vec<SourceJob>,
}

/// Some exports of one layout (`profile` + `inputs`), LIFE files the office's own software
/// wrote (`life`), or ケアプランデータ連携 files (`careplan`): one of the three.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceJob {
    /// The vendor profile, relative to the job file.
    #[serde(default)]
    pub profile: Option<PathBuf>,
    /// Input files or globs (`*`, `?`, `[…]`), relative to the job file.
    #[serde(default)]
    pub inputs: Vec<String>,
    /// LIFE files (or globs), relative to the job file: each recognised by its line 1 and
    /// header, its 外部システム管理番号 kept.
    #[serde(default)]
    pub life: Vec<String>,
    /// ケアプランデータ連携 4.1 files (or globs), relative to the job file: each validated into
    /// the office's findings; the 第6表 実績 (UPJSK) of the month says which users were served.
    #[serde(default)]
    pub careplan: Vec<String>,
}

impl SourceJob {
    /// What is wrong with the source's keys, if anything.
    fn problem(&self) -> Option<&'static str> {
        if !self.careplan.is_empty() {
            return (self.profile.is_some() || !self.inputs.is_empty() || !self.life.is_empty())
                .then_some("a `careplan` source takes nothing else: `{ careplan = [\"…\"] }`");
        }
        match (&self.profile, self.inputs.is_empty(), self.life.is_empty()) {
            (Some(_), false, true) | (None, true, false) => None,
            (Some(_), _, false) | (None, false, false) => {
                Some("a source is either `{ profile, inputs }` or `{ life }`, not both")
            }
            (Some(_), true, true) => Some("a source with a `profile` needs `inputs`"),
            (None, false, true) => Some("a source with `inputs` needs a `profile`"),
            (None, true, true) => {
                Some("a source needs `profile` and `inputs`, `life` (LIFE files) or `careplan`")
            }
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Job {
    /// The default target month, `YYYY-MM` (`--month` overrides).
    #[serde(default)]
    pub month: Option<String>,
    /// Encoding of the LIFE files written.
    #[serde(default)]
    pub encoding: Encoding,
    /// The spec version to emit: `auto` (the default) is the newest version that knows the
    /// interface completely (3.10 where its schemas exist; a `FORM_xxxx_2021` target stays 1.00);
    /// or a version such as `2021`, the retired system's (an `emit.retired_spec` warning).
    #[serde(default)]
    pub spec: Option<String>,
    /// The baseline inventory (TOML, relative to the job file): when given, the run also
    /// writes the metrics up to its month.
    #[serde(default)]
    pub baseline: Option<PathBuf>,
    #[serde(rename = "facility")]
    pub facilities: Vec<FacilityJob>,
    /// The folder the job file is in: relative paths start there.
    #[serde(skip)]
    pub dir: PathBuf,
    /// The profiles read so far, so that each is read once per run, not once per office.
    #[serde(skip)]
    pub profiles: Profiles,
}

/// Vendor profiles by path, read and retargeted to the job's spec on first use. What a profile
/// gave — checked profile or error — is kept, so every office that names it gets the same.
/// The cache assumes the one registry of the run.
#[derive(Default)]
pub struct Profiles(Mutex<HashMap<PathBuf, Result<Profile, String>>>);

impl Profiles {
    pub fn get(
        &self,
        path: &Path,
        registry: &Registry,
        spec: Option<&str>,
    ) -> Result<Profile, String> {
        let cached = self
            .0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .get(path)
            .cloned();
        if let Some(p) = cached {
            return p;
        }
        let read = Profile::load(path, registry)
            .map(|mut p| {
                p.retarget(registry, spec);
                p
            })
            .map_err(|e| e.to_string());
        self.0
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .insert(path.to_path_buf(), read.clone());
        read
    }
}

/// A copy of a job starts with no profiles read.
impl Clone for Profiles {
    fn clone(&self) -> Self {
        Profiles::default()
    }
}

impl std::fmt::Debug for Profiles {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Profiles")
    }
}

impl Job {
    pub fn load(path: &Path) -> Result<Self, JobError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| JobError {
            path: shown.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        let mut job: Job = toml::from_str(&text).map_err(|e| JobError {
            path: shown.clone(),
            line: e.span().map_or(0, |s| {
                text[..s.start.min(text.len())].matches('\n').count() + 1
            }),
            message: e.message().to_string(),
        })?;
        let mut seen = std::collections::BTreeSet::new();
        for f in &job.facilities {
            if let Some(m) = f.sources.iter().find_map(SourceJob::problem) {
                return Err(JobError {
                    path: shown,
                    line: 0,
                    message: format!("facility {}: {m}", f.id),
                });
            }
            if !seen.insert(f.id.clone()) {
                return Err(JobError {
                    path: shown,
                    line: 0,
                    message: format!("facility {} is listed twice", f.id),
                });
            }
        }
        job.dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Ok(job)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A profile is read once per run: a change to its file mid-run is not seen, and every
    /// office gets what the first one got, error included.
    #[test]
    fn profiles_are_read_once_per_run() {
        let registry = Registry::embedded().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("p.toml");
        let sample = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/samples/profiles/honobono-kaigo.toml"
        );
        std::fs::copy(sample, &path).unwrap();
        let cache = Profiles::default();
        let first = cache.get(&path, &registry, None).unwrap();
        std::fs::write(&path, "not a profile").unwrap();
        let again = cache.get(&path, &registry, None).unwrap();
        assert_eq!(format!("{first:?}"), format!("{again:?}"));
        assert!(Profiles::default().get(&path, &registry, None).is_err());

        let missing = dir.path().join("missing.toml");
        let e = cache.get(&missing, &registry, None).unwrap_err();
        assert!(e.contains("missing.toml"), "{e}");
        std::fs::copy(sample, &missing).unwrap();
        assert_eq!(cache.get(&missing, &registry, None).unwrap_err(), e);
    }
}
