//! Vendor values → LIFE values: text width and kana, dates (Western and Japanese eras), the
//! per-column transforms a vendor profile names; and the frames they make, with lineage.

pub mod dates;
pub mod ingest;
mod sink;
mod tables;
pub mod text;
pub mod transform;
