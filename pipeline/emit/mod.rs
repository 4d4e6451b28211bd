//! What leaves the pipeline: LIFE import files and validation reports.

pub mod files;
pub mod report;
pub mod spill;
pub mod verify;
mod writer;

pub use files::write_private;
pub use writer::{LifeRows, OutputEncoding, Row, WriteError, each_row, write_life_file};
