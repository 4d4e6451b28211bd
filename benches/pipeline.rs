//! Throughput of vendor exports → validated LIFE files, on deterministic data from
//! `lifeline sample`: the ingest stage (decode, map, normalize, validate) per layout, clean and
//! with findings, and the monthly run end to end over many offices (files written, ledger kept).
//! Run: `cargo bench --bench pipeline`.

use std::hint::black_box;
use std::path::Path;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifeline::ledger::Ledger;
use lifeline::map::Profile;
use lifeline::normalize::ingest::ingest_file;
use lifeline::run::{Job, Month, run_facility};
use lifeline::sample::{Options, SampleFile, generate, write_to};
use lifeline::spec::Registry;
use lifeline::validate::Context;
use rayon::prelude::*;

const FACILITIES: usize = 20;
const USERS: usize = 100;

fn samples(dirty: f64) -> Vec<SampleFile> {
    generate(&Options {
        facilities: FACILITIES,
        users: USERS,
        seed: 2026,
        dirty,
    })
}

fn profile(name: &str, registry: &Registry) -> Profile {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("samples/profiles")
        .join(format!("{name}.toml"));
    Profile::load(&path, registry).unwrap()
}

/// The files of one layout (the folder the generator puts them in).
fn layout<'a>(files: &'a [SampleFile], folder: &str) -> Vec<&'a SampleFile> {
    files
        .iter()
        .filter(|f| f.path.starts_with(folder))
        .collect()
}

fn ingest(c: &mut Criterion) {
    let registry = Registry::embedded().unwrap();
    let ctx = Context::default();
    let mut g = c.benchmark_group("ingest");
    g.sample_size(10);
    for (label, dirty) in [("clean", 0.0), ("dirty", 0.3)] {
        let files = samples(dirty);
        for (folder, prof) in [
            ("assessment", "assessment"),
            ("honobono-kaigo", "honobono-kaigo"),
        ] {
            let p = profile(prof, &registry);
            let these = layout(&files, folder);
            let bytes: usize = these.iter().map(|f| f.bytes.len()).sum();
            g.throughput(Throughput::Bytes(bytes as u64));
            g.bench_function(format!("{folder}_{label}"), |b| {
                b.iter(|| {
                    these
                        .par_iter()
                        .map(|f| {
                            let shown = f.path.display().to_string();
                            let mut r =
                                ingest_file(&shown, black_box(&f.bytes), &p, &registry, None);
                            r.validate(&registry, &ctx);
                            r.findings.findings.len()
                        })
                        .sum::<usize>()
                })
            });
        }
    }
    g.finish();
}

/// A job over every generated office: its ほのぼの user master and its assessment export.
fn job(dir: &Path, files: &[SampleFile]) -> Job {
    write_to(&dir.join("in"), files).unwrap();
    let ids: std::collections::BTreeSet<String> = files
        .iter()
        .filter(|f| f.path.starts_with("assessment"))
        .filter_map(|f| {
            let name = f.path.file_name()?.to_string_lossy().into_owned();
            Some(name.split('_').next()?.to_string())
        })
        .collect();
    let profiles = Path::new(env!("CARGO_MANIFEST_DIR")).join("samples/profiles");
    let mut text = String::from("month = \"2026-10\"\n");
    for id in ids {
        text.push_str(&format!(
            "[[facility]]\nid = \"{id}\"\nsource = [\n  {{ profile = \"{p}/honobono-kaigo.toml\", inputs = [\"in/honobono-kaigo/{id}_*\"] }},\n  {{ profile = \"{p}/assessment.toml\", inputs = [\"in/assessment/{id}_*\"] }},\n]\n",
            p = profiles.display()
        ));
    }
    std::fs::write(dir.join("job.toml"), text).unwrap();
    Job::load(&dir.join("job.toml")).unwrap()
}

fn end_to_end(c: &mut Criterion) {
    let registry = Registry::embedded().unwrap();
    let month = Month::parse("2026-10").unwrap();
    let mut g = c.benchmark_group("run");
    g.sample_size(10);
    for (label, dirty) in [("clean", 0.0), ("dirty", 0.3)] {
        let files = samples(dirty);
        let bytes: usize = files
            .iter()
            .filter(|f| f.path.starts_with("assessment") || f.path.starts_with("honobono-kaigo"))
            .map(|f| f.bytes.len())
            .sum();
        let tmp = tempfile::tempdir().unwrap();
        let job = job(tmp.path(), &files);
        let out = tmp.path().join("out");
        let ledger = Ledger::open(&tmp.path().join("ledger.sqlite")).unwrap();
        g.throughput(Throughput::Bytes(bytes as u64));
        g.bench_function(format!("{FACILITIES}_offices_{label}"), |b| {
            b.iter(|| {
                job.facilities
                    .par_iter()
                    .map(|f| {
                        let r = run_facility(&job, f, month, &registry, &out, Some(&ledger), false);
                        assert!(r.failed.is_none(), "{:?}", r.failed);
                        r.errors
                    })
                    .sum::<usize>()
            })
        });
    }
    g.finish();
}

criterion_group!(benches, ingest, end_to_end);
criterion_main!(benches);
