//! What an office's folder says of itself: manifest.json lists the files read and written with
//! their SHA-256, and the row accounting `read = emitted + unchanged + quarantined` per
//! interface.

use std::path::Path;

use serde::Serialize;

use super::error::RunError;
use crate::emit::files::write_staged_hashed;
use crate::ledger::hex;
use crate::spec::ids::DataType;

/// Row accounting of one interface of one facility.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Accounting {
    pub data_type: DataType,
    pub read: usize,
    pub emitted: usize,
    /// With `--delta`: rows the ledger says were sent before with the same content.
    pub unchanged: usize,
    pub quarantined: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct FileEntry {
    pub path: String,
    pub sha256: String,
}

#[derive(Serialize)]
pub(super) struct Manifest<'a> {
    pub tool: String,
    pub facility: &'a str,
    pub month: String,
    pub profiles: Vec<String>,
    pub specs: Vec<String>,
    pub inputs: Vec<FileEntry>,
    /// Per interface fed by LIFE files: the file written from them, and whether it is the one
    /// they came from byte for byte (else why not).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub from_life: Vec<super::copied::FromLife>,
    pub outputs: &'a [FileEntry],
    pub accounting: &'a [Accounting],
}

impl Manifest<'_> {
    /// Writes manifest.json into the office's folder (not listed: it is the list).
    pub fn write(&self, dir: &Path) -> Result<(), RunError> {
        write(dir, "manifest.json", |w| {
            serde_json::to_writer_pretty(&mut *w, self)?;
            w.write_all(b"\n")
        })
        .map(|_| ())
    }
}

/// Writes an output of the office's folder with what `write` writes, and lists it with its
/// SHA-256 for the manifest.
pub(super) fn put(
    dir: &Path,
    name: &str,
    outputs: &mut Vec<FileEntry>,
    write_with: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), RunError> {
    let sha = write(dir, name, write_with)?;
    outputs.push(FileEntry {
        path: name.to_string(),
        sha256: hex(&sha),
    });
    Ok(())
}

/// Writes file `name` of `dir` privately and atomically; returns its SHA-256.
fn write(
    dir: &Path,
    name: &str,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<[u8; 32], RunError> {
    let path = dir.join(name);
    write_staged_hashed(&path, write).map_err(|source| RunError::Write { path, source })
}
