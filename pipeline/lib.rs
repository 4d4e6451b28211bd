//! lifeline: care-software exports → validated LIFE (科学的介護情報システム) submission files.
//!
//! The stages are the folders, and data flows one way through them: `spec` (the LIFE spec as
//! data, its calendar and identities) → `decode` (bytes → text, vendor tables, LIFE files) →
//! `map` (vendor profiles) → `validate` (findings) → `normalize` (vendor tables → frames, each
//! table validated as it comes) → `emit` (LIFE files, reports) → `ledger` (what was sent, across
//! months) → `metrics` (what it saved) → `run` (the monthly batch over many offices); `sample`
//! writes synthetic exports, and the binary (`cli`) stands on all of them. A module uses only
//! the modules before it (tests/imports.rs keeps it so):
//!
//! Layers, lowest first: `spec` `decode` `map` `validate` `normalize` `emit` `ledger` `metrics` `run` `sample` `cli`

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
