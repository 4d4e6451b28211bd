//! Why an office could not run. Its other offices run all the same; the CLI reports each
//! failed office with this message and exits 2.

use std::path::PathBuf;

use crate::emit::spill::SpillError;
use crate::ledger::LedgerError;
use crate::spec::ids::DataType;

#[derive(Debug, thiserror::Error)]
pub enum RunError {
    /// A vendor profile that cannot be read or does not fit the spec; the message names it.
    #[error("{0}")]
    Profile(String),
    #[error("bad input pattern `{pattern}`: {source}")]
    Pattern {
        pattern: String,
        source: glob::PatternError,
    },
    /// A file of a `life` source that is not a LIFE file lifeline can take.
    #[error("{file}: not taken as a LIFE file: {message}")]
    LifeSource { file: String, message: String },
    #[error("no input file matches `{0}`")]
    NoInput(String),
    /// An input that cannot be opened or read (a file that cannot be decoded is not one: it
    /// is a finding of its own).
    #[error("cannot read {}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot create {}: {source}", path.display())]
    CreateDir {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An output of the office's folder.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// An interface's spill: the temporary file its LIFE lines wait in.
    #[error("{data_type}: {source}")]
    Spill {
        data_type: DataType,
        source: SpillError,
    },
    /// A LIFE file that could not be made from its spills, by name.
    #[error("{name}: {source}")]
    LifeFile { name: String, source: SpillError },
    /// A vendor file's frame that could not be completed (the office's サービス種類コード added).
    #[error("{file}: {source}")]
    Frame {
        file: String,
        source: polars::error::PolarsError,
    },
    #[error(transparent)]
    Ledger(#[from] LedgerError),
}

impl RunError {
    /// A spill's I/O failed.
    pub(super) fn spill(data_type: &DataType, e: std::io::Error) -> Self {
        RunError::Spill {
            data_type: data_type.clone(),
            source: SpillError::Io(e),
        }
    }
}

/// The message, where the run's JSON summary says why an office failed.
pub(super) fn as_message<S: serde::Serializer>(
    e: &Option<RunError>,
    s: S,
) -> Result<S::Ok, S::Error> {
    match e {
        Some(e) => s.collect_str(e),
        None => s.serialize_none(),
    }
}
