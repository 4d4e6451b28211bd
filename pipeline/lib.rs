//! lifeline: care-software exports → validated LIFE (科学的介護情報システム) submission files.
//!
//! The stages are the folders, and data flows one way through them:
//! `spec` (the LIFE spec as data) → `decode` (bytes → text → frames) → `validate`
//! (findings) → `emit` (LIFE files, reports).

pub mod decode;
pub mod emit;
pub mod ledger;
pub mod map;
pub mod metrics;
pub mod normalize;
pub mod run;
pub mod sample;
pub mod spec;
pub mod validate;
