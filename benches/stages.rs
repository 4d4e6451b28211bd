//! Each stage of the bulk path on its own, on deterministic `lifeline sample` data (the
//! assessment exports and the ほのぼの user masters of every office: CP932), clean and with
//! every row wrong, and beside them the floor: polars' own CSV reader on the same data already
//! in UTF-8, all columns as strings. Every stage works across files in parallel, as a run does.
//!
//! `run_to_disk` is the monthly run itself over the same files (read from disk, outputs and
//! ledger written).
//!
//! Run: `cargo bench --bench stages`. `LIFELINE_BENCH_LARGE=1` adds a data set of a few
//! hundred MB (slow: minutes per stage).

use std::hint::black_box;
use std::io::Cursor;
use std::path::Path;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use lifeline::decode::{Chunks, Table, decode, read_table};
use lifeline::emit::{LifeRows, OutputEncoding, write_life_file};
use lifeline::ledger::Ledger;
use lifeline::map::Profile;
use lifeline::normalize::ingest::{FileIngest, Ingest, delimiter, ingest_table};
use lifeline::run::{Job, Month, run_facility};
use lifeline::sample::{MONTH, Options, generate, job_files};
use lifeline::spec::Registry;
use lifeline::validate::Context;
use polars::prelude::*;
use rayon::prelude::*;

/// A vendor file of the set, with its profile and its text in UTF-8.
struct Input {
    path: String,
    bytes: Vec<u8>,
    utf8: Vec<u8>,
    profile: usize,
    /// Lines before the header (the assessment export's title line).
    preamble: usize,
}

struct Set {
    name: String,
    inputs: Vec<Input>,
    profiles: Vec<Profile>,
}

impl Set {
    fn bytes(&self) -> u64 {
        self.inputs.iter().map(|i| i.bytes.len() as u64).sum()
    }
}

fn set(registry: &Registry, facilities: usize, users: usize, dirty: f64, label: &str) -> Set {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/profiles");
    let layouts = [("assessment", 1), ("honobono-kaigo", 0)];
    let profiles = layouts
        .iter()
        .map(|(l, _)| Profile::load(&dir.join(format!("{l}.toml")), registry).unwrap())
        .collect();
    let files = generate(&Options {
        facilities,
        users,
        seed: 2026,
        dirty,
    });
    let inputs: Vec<Input> = files
        .into_iter()
        .filter_map(|f| {
            let p = layouts.iter().position(|(l, _)| f.path.starts_with(l))?;
            let utf8 = decode(&f.bytes).unwrap().text.into_owned().into_bytes();
            Some(Input {
                path: f.path.display().to_string(),
                bytes: f.bytes,
                utf8,
                profile: p,
                preamble: layouts[p].1,
            })
        })
        .collect();
    Set {
        name: format!("{facilities}x{users}_{label}"),
        inputs,
        profiles,
    }
}

fn sets(registry: &Registry) -> Vec<Set> {
    // dirty = 1.0: every spoilable value is wrong, so every row has findings.
    let mut sizes = vec![(10, 300)];
    if std::env::var_os("LIFELINE_BENCH_LARGE").is_some() {
        sizes.push((100, 2000));
    }
    let mut out = Vec::new();
    for (facilities, users) in sizes {
        out.push(set(registry, facilities, users, 0.0, "clean"));
        out.push(set(registry, facilities, users, 1.0, "every_row_wrong"));
    }
    out
}

fn tables(s: &Set) -> Vec<Table> {
    s.inputs
        .par_iter()
        .map(|i| read_table(&i.utf8, delimiter(&s.profiles[i.profile], &i.path)).unwrap())
        .collect()
}

fn normalized(s: &Set, registry: &Registry, tables: &[Table]) -> Vec<FileIngest> {
    s.inputs
        .par_iter()
        .zip(tables)
        .map(|(i, t)| ingest_table(&i.path, t, &s.profiles[i.profile], registry, None))
        .collect()
}

/// Every frame written as the LIFE file of its interface; total bytes written.
fn write_all(registry: &Registry, files: &[FileIngest], encoding: OutputEncoding) -> usize {
    files
        .par_iter()
        .flat_map(|f| &f.parts)
        .map(|p| {
            let schema = registry
                .spec(&p.spec)
                .unwrap()
                .schema(&p.data_type)
                .unwrap();
            write_life_file(schema, &p.frame, encoding).unwrap().len()
        })
        .sum()
}

/// A file as `lifeline run` reads it: a table of records at a time through normalize and
/// validate, each table's rows encoded as LIFE lines at once — into memory here, where a run
/// puts them in a spill file. Bytes of LIFE lines.
fn stream(s: &Set, i: &Input, registry: &Registry, ctx: &Context) -> usize {
    let p = &s.profiles[i.profile];
    let bytes = Cursor::new(black_box(&i.bytes));
    let mut chunks = Chunks::open(bytes, delimiter(p, &i.path), |_| {}).unwrap();
    let mut ing = Ingest::new(&i.path, chunks.encoding(), p, registry, None);
    let (mut lines, mut written) = (Vec::new(), 0);
    while let Some(table) = chunks.next_table().unwrap() {
        let parts = ing.table(&table);
        drop(table);
        ing.check(&parts, ctx);
        for part in &parts {
            let spec = registry.spec(&part.spec).unwrap();
            let schema = spec.schema(&part.data_type).unwrap();
            lines.clear();
            let rows = LifeRows::new(schema, &part.frame).unwrap();
            rows.encode(OutputEncoding::Utf8Bom, &mut lines, |_, _, e, _| {
                assert!(e.is_none())
            });
            written += lines.len();
        }
    }
    black_box(ing.finish());
    written
}

fn stages(c: &mut Criterion) {
    let registry = Registry::embedded().unwrap();
    let ctx = Context::default();
    for s in sets(&registry) {
        let mut g = c.benchmark_group(format!("stages_{}", s.name));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(s.bytes()));

        g.bench_function("reference_polars_csv_utf8", |b| {
            b.iter(|| {
                // File after file: polars parallelises within a file, and is faster so than
                // when files are read in parallel too.
                s.inputs
                    .iter()
                    .map(|i| {
                        CsvReadOptions::default()
                            .with_has_header(true)
                            .with_skip_rows(i.preamble)
                            .with_infer_schema_length(Some(0))
                            .map_parse_options(|o| {
                                o.with_separator(delimiter(&s.profiles[i.profile], &i.path))
                                    .with_truncate_ragged_lines(true)
                            })
                            .into_reader_with_file_handle(Cursor::new(black_box(&i.utf8)))
                            .finish()
                            .unwrap()
                            .height()
                    })
                    .sum::<usize>()
            })
        });
        g.bench_function("decode_cp932", |b| {
            b.iter(|| {
                s.inputs
                    .par_iter()
                    .map(|i| decode(black_box(&i.bytes)).unwrap().text.len())
                    .sum::<usize>()
            })
        });
        g.bench_function("parse_utf8", |b| b.iter(|| tables(&s).len()));
        let tables = tables(&s);
        g.bench_function("normalize", |b| {
            b.iter(|| normalized(&s, &registry, &tables).len())
        });
        let files = normalized(&s, &registry, &tables);
        drop(tables);
        g.bench_function("validate", |b| {
            b.iter_batched(
                || files.clone(),
                |mut v| {
                    v.par_iter_mut().for_each(|f| f.validate(&registry, &ctx));
                    v
                },
                BatchSize::LargeInput,
            )
        });
        g.bench_function("write_utf8", |b| {
            b.iter(|| write_all(&registry, &files, OutputEncoding::Utf8Bom))
        });
        g.bench_function("write_cp932", |b| {
            b.iter(|| write_all(&registry, &files, OutputEncoding::Cp932))
        });
        drop(files);
        g.bench_function("end_to_end_in_memory", |b| {
            b.iter(|| {
                s.inputs
                    .par_iter()
                    .map(|i| stream(&s, i, &registry, &ctx))
                    .sum::<usize>()
            })
        });
        g.finish();
    }
}

/// The set written under `dir` with the job `lifeline sample` writes over it.
fn job(dir: &Path, s: &Set) -> Job {
    let job = job_files(s.inputs.iter().map(|i| Path::new(&i.path)));
    for (path, bytes) in s
        .inputs
        .iter()
        .map(|i| (Path::new(&i.path), &i.bytes))
        .chain(job.iter().map(|f| (f.path.as_path(), &f.bytes)))
    {
        let path = dir.join(path);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
    }
    Job::load(&dir.join("job.toml")).unwrap()
}

/// The monthly run end to end, as `lifeline run` does it: files read from disk, every office
/// in parallel, LIFE files, findings, quarantine and manifest written, the ledger kept.
fn run(c: &mut Criterion) {
    let registry = Registry::embedded().unwrap();
    let month = Month::parse(MONTH).unwrap();
    for s in sets(&registry) {
        let mut g = c.benchmark_group(format!("stages_{}", s.name));
        g.sample_size(10);
        g.throughput(Throughput::Bytes(s.bytes()));
        let tmp = tempfile::tempdir().unwrap();
        let job = job(tmp.path(), &s);
        // Each iteration is a month's first run: a new ledger and an empty output folder.
        g.bench_function("run_to_disk", |b| {
            b.iter_batched(
                || {
                    // The previous iteration's outputs, deleted, are flushed first: each run
                    // starts on a quiet disk, as a monthly run does.
                    let _ = std::process::Command::new("sync").status();
                    let dir = tempfile::tempdir_in(tmp.path()).unwrap();
                    let ledger = Ledger::open(&dir.path().join("ledger.sqlite")).unwrap();
                    (dir, ledger)
                },
                |(dir, ledger)| {
                    let out = dir.path().join("out");
                    let errors = job
                        .facilities
                        .par_iter()
                        .map(|f| {
                            let r =
                                run_facility(&job, f, month, &registry, &out, Some(&ledger), false);
                            assert!(r.failed.is_none(), "{:?}", r.failed);
                            r.errors
                        })
                        .sum::<usize>();
                    (errors, dir, ledger)
                },
                BatchSize::PerIteration,
            )
        });
        g.finish();
    }
}

criterion_group!(benches, stages, run);
criterion_main!(benches);
