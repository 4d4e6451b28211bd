//! The subcommands of the `lifeline` binary (the CLI edge: anyhow errors, exit codes).

pub mod ingest;
pub mod metrics;
pub mod profile;
pub mod run;
pub mod sample;
pub mod schemas;
pub mod validate;
