//! What leaves the pipeline: LIFE import files and validation reports.

pub mod report;
mod writer;

pub use writer::{OutputEncoding, WriteError, write_life_file, write_private};
