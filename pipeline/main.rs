//! The `lifeline` command line. Exit status: 0 no error findings, 1 error findings,
//! 2 could not run (usage, unreadable path, broken schema data).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context as _, Result, bail};
use clap::{Parser, Subcommand, ValueEnum};
use rayon::prelude::*;

use lifeline::emit::report;
use lifeline::spec::{Registry, Schema, schemagen};
use lifeline::validate::{self, Context, FileReport, SpecChoice};

#[derive(Parser)]
#[command(
    name = "lifeline",
    version,
    about = "Care-software exports → validated LIFE submission files",
    after_help = "Exit status: 0 no error findings, 1 error findings, 2 could not run (usage, unreadable path, broken schema data)."
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
        /// Spec version: `auto` tells it from the data type (and, for SERVICE_USER_INFO, the
        /// `version` column), or name one (`2021`, `3.10`).
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
        } => {
            let registry = registry(cli.schemas.as_deref())?;
            let choice = match spec.as_str() {
                "auto" => SpecChoice::Auto,
                v if registry.spec(v).is_some() => SpecChoice::Version(v.to_string()),
                v => {
                    let known: Vec<&str> =
                        registry.specs.iter().map(|s| s.version.as_str()).collect();
                    bail!("unknown spec `{v}`; known: auto, {}", known.join(", "))
                }
            };
            let known = registry.claims();
            if let Some(bad) = claims.iter().find(|c| !known.contains(c.as_str())) {
                let known: Vec<&str> = known.into_iter().collect();
                bail!(
                    "unknown --claim `{bad}`; the rules know: {}",
                    known.join(", ")
                )
            }
            let paths = expand(&files)?;
            let ctx = Context { claims };
            let results: Vec<(&PathBuf, std::io::Result<FileReport>)> = paths
                .par_iter()
                .map(|p| (p, validate::validate_path(p, &registry, &choice, &ctx)))
                .collect();
            // Report every file that could be read; an unreadable one still makes the run fail.
            let mut reports = Vec::new();
            let mut unreadable = 0;
            for (p, r) in results {
                match r {
                    Ok(r) => reports.push(r),
                    Err(e) => {
                        eprintln!("lifeline: error: cannot read {}: {e}", p.display());
                        unreadable += 1;
                    }
                }
            }
            match format {
                Format::Json => report::write_json(&reports, &mut out)?,
                Format::Text => report::write_text(&reports, &mut out)?,
            }
            out.flush()?;
            if unreadable > 0 {
                return Ok(ExitCode::from(2));
            }
            let errors = reports.iter().any(|r| r.errors() > 0);
            Ok(ExitCode::from(u8::from(errors)))
        }
        Command::Schemagen { inputs, out: dir } => {
            let version = dir
                .file_name()
                .and_then(|n| n.to_str())
                .context("--out must name a folder such as schemas/2021")?
                .to_string();
            let generated = schemagen::generate(&inputs, &version)?;
            for p in generated.write(&dir)? {
                writeln!(out, "{}", p.display())?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Schemas { command } => {
            let registry = registry(cli.schemas.as_deref())?;
            match command {
                SchemasCommand::List { format } => list(&registry, format, &mut out)?,
                SchemasCommand::Show {
                    data_type,
                    spec,
                    format,
                } => show(&registry, &data_type, spec.as_deref(), format, &mut out)?,
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Files as given; directories contribute their `*.csv` files (not recursive), sorted.
fn expand(paths: &[PathBuf]) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_dir() {
            let mut found: Vec<PathBuf> = std::fs::read_dir(p)
                .with_context(|| format!("cannot read {}", p.display()))?
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|f| {
                    f.is_file() && f.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"))
                })
                .collect();
            if found.is_empty() {
                bail!("no .csv files in {}", p.display());
            }
            found.sort();
            out.extend(found);
        } else {
            // Unreadable files are reported when they are read, beside the others' reports.
            out.push(p.clone());
        }
    }
    Ok(out)
}

fn list(registry: &Registry, format: Format, out: &mut impl Write) -> Result<()> {
    if format == Format::Json {
        let v: Vec<serde_json::Value> = registry
            .specs
            .iter()
            .flat_map(|s| {
                s.schemas.values().map(move |sc| {
                    serde_json::json!({
                        "spec": s.version, "data_type": sc.data_type, "title": sc.title,
                        "items": sc.items.len(), "rules": s.rules(&sc.data_type).len(),
                        "partial": sc.partial,
                    })
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<6} {:<68} {:>5} {:>5}  title",
        "spec", "data type", "items", "rules"
    )?;
    for s in &registry.specs {
        for sc in s.schemas.values() {
            let title = if sc.partial {
                format!("{} (column IDs only)", sc.title)
            } else {
                sc.title.clone()
            };
            writeln!(
                out,
                "{:<6} {:<68} {:>5} {:>5}  {}",
                s.version,
                sc.data_type,
                sc.items.len(),
                s.rules(&sc.data_type).len(),
                title.trim()
            )?;
        }
    }
    Ok(())
}

fn show(
    registry: &Registry,
    data_type: &str,
    spec: Option<&str>,
    format: Format,
    out: &mut impl Write,
) -> Result<()> {
    let found = registry
        .specs
        .iter()
        .rev()
        .filter(|s| spec.is_none_or(|v| s.version == v))
        .find_map(|s| s.schema(data_type).map(|sc| (s, sc)));
    let Some((s, schema)) = found else {
        bail!(
            "no interface `{data_type}`{}; see `lifeline schemas list`",
            spec.map(|v| format!(" in spec {v}")).unwrap_or_default()
        )
    };
    let schema = with_sheet_codes(schema, s.code_sheets.as_ref());
    let rules = s.rules(data_type);
    if format == Format::Json {
        let mut v = serde_json::to_value(&schema)?;
        v["rules"] = serde_json::to_value(rules)?;
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {} (spec {}; {})",
        schema.data_type, schema.title, schema.spec, schema.source
    )?;
    writeln!(
        out,
        "{:>4}  {:<48} {:<8} {:>4} {:>3} {:<3} {:<9} name / codes",
        "no", "id", "type", "len", "dec", "req", "fmt"
    )?;
    for i in &schema.items {
        let ty = serde_json::to_value(i.ty)?
            .as_str()
            .unwrap_or("")
            .to_string();
        let codes: Vec<String> = i
            .codes
            .iter()
            .take(8)
            .map(|c| format!("{}:{}", c.code, c.label))
            .collect();
        let more = if i.codes.len() > 8 {
            format!(" …(+{})", i.codes.len() - 8)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>4}  {:<48} {:<8} {:>4} {:>3} {:<3} {:<9} {}{}{}",
            i.no.map(|n| n.to_string()).unwrap_or_default(),
            i.id,
            ty,
            i.len.map(|n| n.to_string()).unwrap_or_default(),
            i.dec.map(|n| n.to_string()).unwrap_or_default(),
            i.req_mark(),
            i.fmt.as_deref().unwrap_or(""),
            i.name,
            if codes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", codes.join(" "))
            },
            more
        )?;
    }
    writeln!(out, "rules ({}):", rules.len())?;
    for r in rules {
        writeln!(out, "  {}", toml::to_string(r)?.replace('\n', " ").trim())?;
    }
    Ok(())
}

/// Items that refer to a code sheet get that sheet's codes, for display.
fn with_sheet_codes(schema: &Schema, sheets: Option<&lifeline::spec::CodeSheets>) -> Schema {
    let mut s = schema.clone();
    for item in &mut s.items {
        if let (true, Some(name), Some(sheets)) = (item.codes.is_empty(), &item.code_sheet, sheets)
            && let Some(sheet) = sheets.sheets.iter().find(|x| &x.name == name)
        {
            item.codes = sheet.codes.clone();
        }
    }
    s
}
