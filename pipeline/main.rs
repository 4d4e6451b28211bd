//! The `lifeline` command line. Exit status: 0 no error findings, 1 error findings,
//! 2 could not run (usage, unreadable path, broken schema data), 3 (`validate`) no error
//! findings but files whose interface's items are not bundled went unchecked.

mod cli;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result};
use clap::{Parser, Subcommand, ValueEnum};

use lifeline::spec::{Registry, schemagen};

#[derive(Parser)]
#[command(
    name = "lifeline",
    version,
    about = "Care-software exports → validated LIFE submission files",
    after_help = "Exit status: 0 no error findings, 1 error findings, 2 could not run (usage, unreadable path, broken schema data), 3 (validate) no error findings, but some files not checked: their interface's items are not bundled."
)]
struct Cli {
    /// Read the spec data from this directory instead of the copy built into the binary
    /// (laid out like `schemas/`: `<version>/<DATA_TYPE>.json`, `<version>/rules/*.toml`).
    #[arg(long, global = true, env = "LIFELINE_SCHEMAS", value_name = "DIR")]
    schemas: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Check LIFE import files before upload: every reason LIFE would reject a file or leave a
    /// record unconfirmed, with file, line and column.
    Validate {
        /// Spec version: `auto` tells it from the data type and the `version` column's value
        /// (`0310` → 3.10; `0300` → 3.00, or 3.10 when no 3.00 spec is loaded), or name one
        /// (`2021`, `3.10`).
        #[arg(long, default_value = "auto")]
        spec: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        /// An add-on the office claims, for rules that depend on it
        /// (e.g. `科学的介護推進体制加算(Ⅱ)`). Repeatable.
        #[arg(long = "claim", value_name = "NAME")]
        claims: Vec<String>,
        /// LIFE files, or directories whose *.csv files are checked.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Generate schema files from the MHLW 外部インターフェース項目一覧 workbook (.xlsx), or
    /// from the 3.10 TSV extracts; the output folder's name is the spec version.
    Schemagen {
        #[arg(required = true, value_name = "WORKBOOK.xlsx|ITEMS.tsv")]
        inputs: Vec<PathBuf>,
        /// e.g. `schemas/2021/`.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// The monthly batch: every facility of a job file through ingest → validate → emit, in
    /// parallel. Writes <out>/<YYYYMM>/<facility>/: LIFE files (rows with errors withheld),
    /// findings.json/.csv, quarantine.csv, manifest.json; with a `baseline` in the job, the
    /// metrics up to this month in <out>/<YYYYMM>/metrics/. Exit 0: all clean; 1: some facilities
    /// have errors (their clean rows are still written); 2: the job could not run.
    Run {
        /// The job file (TOML), e.g. samples/job.toml.
        #[arg(long, value_name = "JOB.toml")]
        config: PathBuf,
        /// The target month, YYYY-MM (default: the job file's `month`).
        #[arg(long)]
        month: Option<String>,
        #[arg(long, value_name = "DIR", default_value = "out")]
        out: PathBuf,
        /// The SQLite ledger of what was submitted (default: <out>/ledger.sqlite).
        #[arg(long, value_name = "PATH")]
        ledger: Option<PathBuf>,
        /// Emit only records that are new or changed since they were last submitted.
        #[arg(long)]
        delta: bool,
        /// Progress on stderr: a bar on a terminal, JSON lines otherwise (auto).
        #[arg(long, value_enum, default_value = "auto")]
        log_format: cli::run::LogFormat,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Document-reduction and productivity metrics from the ledger's runs and a declared
    /// baseline inventory: per facility and month, and for the whole corporation (ALL).
    /// Text or JSON on stdout; with --out: metrics.csv (UTF-8 BOM), metrics.parquet,
    /// metrics.json and report.html (self-contained). Aggregates only, never a person.
    Metrics {
        /// The ledger `lifeline run` keeps.
        #[arg(long, value_name = "PATH", default_value = "out/ledger.sqlite")]
        ledger: PathBuf,
        /// The baseline inventory (TOML) of paper forms before ICT, e.g.
        /// samples/baseline.toml. Without it, paper, re-keying and time are not computed.
        #[arg(long, value_name = "FILE")]
        baseline: Option<PathBuf>,
        /// First month, YYYY-MM.
        #[arg(long)]
        from: Option<String>,
        /// Last month, YYYY-MM.
        #[arg(long)]
        to: Option<String>,
        /// Write the files here.
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// Turn vendor exports into LIFE files through a vendor profile: writes, under --out, one
    /// Parquet frame and one LIFE import file per (facility, interface), findings.json,
    /// quarantine.csv and manifest.json. Exit 0: no errors; 1: error findings.
    Ingest {
        /// The vendor profile (TOML), e.g. samples/profiles/honobono-kaigo.toml.
        #[arg(long, value_name = "PROFILE.toml")]
        profile: PathBuf,
        /// The 事業所番号, for profiles whose files do not carry it.
        #[arg(long, value_name = "ID")]
        facility: Option<String>,
        /// Write the LIFE files in CP932 instead of UTF-8 with BOM.
        #[arg(long)]
        cp932: bool,
        /// The spec version to emit, as a job's `spec`: `auto` moves each target to the newest
        /// version that has its interface (3.10 for SERVICE_USER_INFO); `2021` keeps the retired
        /// 1.00 layout (an `emit.retired_spec` warning).
        #[arg(long, default_value = "auto")]
        spec: String,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Vendor export files, or directories whose files are read.
        #[arg(required = true, value_name = "FILE")]
        files: Vec<PathBuf>,
    },
    /// Write synthetic vendor exports (obviously fake people) in every bundled layout, and a
    /// job.toml that runs them: the same seed gives the same bytes.
    Sample {
        #[arg(long, default_value_t = 2)]
        facilities: usize,
        #[arg(long, default_value_t = 8)]
        users: usize,
        #[arg(long, default_value_t = 2026)]
        seed: u64,
        /// Share of values made wrong on purpose (0.0–1.0), for the pipeline to report.
        #[arg(long, default_value_t = 0.0)]
        dirty: f64,
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
    },
    /// Write a vendor profile by trial: `check` what a profile feeds and how it reads exports,
    /// `draft` one from an export's header.
    Profile {
        #[command(subcommand)]
        command: cli::profile::Command,
    },
    /// What the tool knows about the LIFE interfaces.
    Schemas {
        #[command(subcommand)]
        command: SchemasCommand,
    },
}

#[derive(Subcommand)]
enum SchemasCommand {
    /// Every interface of every spec version.
    List {
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// The items and rules of one interface.
    Show {
        data_type: String,
        /// Spec version; default: the newest that has the interface.
        #[arg(long)]
        spec: Option<String>,
        #[arg(long, value_enum, default_value_t = Format::Text)]
        format: Format,
    },
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("lifeline: error: {e:#}");
            ExitCode::from(2)
        }
    }
}

fn registry(dir: Option<&Path>) -> Result<Registry> {
    Ok(match dir {
        Some(d) => Registry::from_dir(d)?,
        None => Registry::embedded()?,
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    match cli.command {
        Command::Validate {
            spec,
            format,
            claims,
            files,
        } => cli::validate::run(
            &registry(cli.schemas.as_deref())?,
            &spec,
            format,
            claims,
            &files,
            &mut out,
        ),
        Command::Run {
            config,
            month,
            out: dir,
            ledger,
            delta,
            log_format,
            format,
        } => {
            let args = cli::run::Args {
                log_format,
                config: &config,
                month: month.as_deref(),
                out_dir: &dir,
                ledger: ledger.as_deref(),
                delta,
                format,
            };
            cli::run::run(&registry(cli.schemas.as_deref())?, args, &mut out)
        }
        Command::Metrics {
            ledger,
            baseline,
            from,
            to,
            out: dir,
            format,
        } => {
            let args = cli::metrics::Args {
                ledger: &ledger,
                baseline: baseline.as_deref(),
                from: from.as_deref(),
                to: to.as_deref(),
                out: dir.as_deref(),
                format,
            };
            cli::metrics::run(&registry(cli.schemas.as_deref())?, args, &mut out)
        }
        Command::Ingest {
            profile,
            facility,
            cp932,
            spec,
            format,
            out: dir,
            files,
        } => {
            let args = cli::ingest::Args {
                profile,
                facility,
                files,
                out: dir,
                cp932,
                spec,
                format,
            };
            cli::ingest::run(&registry(cli.schemas.as_deref())?, args, &mut out)
        }
        Command::Sample {
            facilities,
            users,
            seed,
            dirty,
            out: dir,
        } => {
            let opts = lifeline::sample::Options {
                facilities,
                users,
                seed,
                dirty: dirty.clamp(0.0, 1.0),
            };
            cli::sample::run(&opts, &dir, &mut out)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Schemagen { inputs, out: dir } => {
            let version = dir
                .file_name()
                .and_then(|n| n.to_str())
                .context("--out must name a folder such as schemas/2021")?
                .to_string();
            let generated = schemagen::generate(&inputs, &version)?;
            let mut written = generated.write(&dir)?;
            written.extend(lifeline::spec::derive::write(&dir, &generated.schemas)?);
            for p in written {
                writeln!(out, "{}", p.display())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Profile { command } => {
            cli::profile::run(&registry(cli.schemas.as_deref())?, command, &mut out)
        }
        Command::Schemas { command } => {
            let registry = registry(cli.schemas.as_deref())?;
            match command {
                SchemasCommand::List { format } => cli::schemas::list(&registry, format, &mut out)?,
                SchemasCommand::Show {
                    data_type,
                    spec,
                    format,
                } => cli::schemas::show(&registry, &data_type, spec.as_deref(), format, &mut out)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
