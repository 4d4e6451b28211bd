//! `lifeline profile check|draft`: write a vendor profile by trial. `check` says what a profile
//! leaves unfed and how it reads real exports (with a masked preview); `draft` proposes a
//! profile from an export's header, each guess marked for review.

mod check;
mod check_text;
mod draft;
mod export;
mod guess;

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::Subcommand;
use lifeline::spec::Registry;

use crate::Format;

#[derive(Subcommand)]
pub enum Command {
    /// Load a profile and say what it does: per target the ◎ and ○ items it leaves unfed; per
    /// export, which aliases matched which header columns, which profile columns matched none,
    /// which export columns feed nothing, and a preview of the first mapped rows (personal data
    /// masked). Exit 0: every ◎ item fed and every header found; 1: not; 2: cannot run.
    Check {
        /// The vendor profile (TOML).
        #[arg(value_name = "PROFILE.toml")]
        profile: PathBuf,
        /// Vendor exports to read through it.
        #[arg(value_name = "EXPORT")]
        exports: Vec<PathBuf>,
        /// The 事業所番号, for profiles whose files do not carry it.
        #[arg(long, value_name = "ID")]
        facility: Option<String>,
        /// Rows previewed per export and interface.
        #[arg(long, default_value_t = 5, value_name = "N")]
        rows: usize,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Propose a profile from an export's header: for each column the LIFE item it most likely
    /// feeds (item names, the aliases of the bundled profiles, the values seen), each guess with
    /// a `# review:` comment; unmatched columns and unfed ◎ items listed as comments.
    Draft {
        /// The vendor export (CSV or TSV, CP932 or UTF-8).
        #[arg(value_name = "EXPORT")]
        export: PathBuf,
        /// The LIFE interfaces the export feeds (e.g. SERVICE_USER_INFO, FORM_0000_2021).
        #[arg(long = "target", required = true, num_args = 1.., value_name = "DATA_TYPE")]
        targets: Vec<String>,
        /// Spec version of the targets; default: the newest that has the interface.
        #[arg(long, value_name = "V")]
        spec: Option<String>,
        /// Write the profile here instead of stdout.
        #[arg(long, value_name = "FILE")]
        out: Option<PathBuf>,
    },
}

pub fn run(registry: &Registry, command: Command, out: &mut impl Write) -> Result<ExitCode> {
    match command {
        Command::Check {
            profile,
            exports,
            facility,
            rows,
            format,
        } => {
            let args = check::Args {
                profile: &profile,
                exports: &exports,
                facility: facility.as_deref(),
                rows,
            };
            let report = check::run(registry, &args)?;
            match format {
                Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(&report)?)?,
                Format::Text => check_text::write(&report, out)?,
            }
            out.flush()?;
            Ok(ExitCode::from(u8::from(!report.ok)))
        }
        Command::Draft {
            export,
            targets,
            spec,
            out: file,
        } => {
            let text = draft::run(registry, &export, &targets, spec.as_deref())?;
            match file {
                Some(f) => std::fs::write(&f, text)
                    .with_context(|| format!("cannot write {}", f.display()))?,
                None => out.write_all(text.as_bytes())?,
            }
            out.flush()?;
            Ok(ExitCode::SUCCESS)
        }
    }
}
