//! Vendor values → LIFE values: dates (Western and Japanese eras) and the per-column transforms
//! a vendor profile names (text width and kana are `decode::text`); and the frames they make,
//! with lineage.

pub mod dates;
mod file;
pub mod ingest;
mod key;
mod sink;
mod tables;
pub mod transform;
mod validated;
