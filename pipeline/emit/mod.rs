//! What leaves the pipeline: LIFE import files and validation reports.

pub mod files;
pub mod report;
mod writer;

pub use files::write_private;
pub use writer::{OutputEncoding, WriteError, write_life_file};
