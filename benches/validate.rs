//! Throughput of the bulk path on a synthetic FORM_0000_2021 file (89 columns): reading,
//! validating a clean file and one in which every row is wrong, and writing.
//! Run: `cargo bench --bench validate`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use lifeline::decode::read_life_file;
use lifeline::emit::{OutputEncoding, write_life_file};
use lifeline::spec::Registry;
use lifeline::validate::{Context, SpecChoice, validate_bytes};

const ROWS: usize = 20_000;

/// The clean sample row repeated with distinct keys; `wrong` breaks six values in every row.
fn file(wrong: bool) -> Vec<u8> {
    let sample = include_str!("../samples/life/FORM_0000_2021_1_20261101.csv");
    let lines: Vec<&str> = sample.lines().collect();
    let header: Vec<&str> = lines[1].split(',').collect();
    let base: Vec<&str> = lines[2].split(',').collect();
    let at = |c: &str| header.iter().position(|h| *h == c).unwrap();
    let mut out = format!("FORM_0000_2021\r\n{}\r\n", lines[1]);
    for i in 0..ROWS {
        let mut row: Vec<String> = base.iter().map(|s| s.to_string()).collect();
        row[at("external_system_management_number")] = format!("K-{i:08}");
        if wrong {
            row[at("evaluate_date")] = "20261032".into();
            row[at("height")] = "1525".into();
            row[at("barthel_index_meal")] = "5".into();
            row[at("weight")] = String::new();
            row[at("insurer_no")] = "131012".into();
            row[at("remote_working")] = "2".into();
        }
        out.push_str(&row.join(","));
        out.push_str("\r\n");
    }
    out.into_bytes()
}

fn bench(c: &mut Criterion) {
    let registry = Registry::embedded().unwrap();
    let ctx = Context::default();
    let clean = file(false);
    let wrong = file(true);
    let mut g = c.benchmark_group("form_0000_20k_rows");
    g.sample_size(10);
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("read", |b| {
        b.iter(|| read_life_file(black_box(&clean)).rows())
    });
    g.bench_function("validate_clean", |b| {
        b.iter(|| {
            validate_bytes(
                "b.csv",
                black_box(&clean),
                &registry,
                &SpecChoice::Auto,
                &ctx,
            )
            .errors()
        })
    });
    g.throughput(Throughput::Bytes(wrong.len() as u64));
    g.bench_function("validate_every_row_wrong", |b| {
        b.iter(|| {
            validate_bytes(
                "b.csv",
                black_box(&wrong),
                &registry,
                &SpecChoice::Auto,
                &ctx,
            )
            .errors()
        })
    });
    let schema = registry
        .spec("2021")
        .unwrap()
        .schema("FORM_0000_2021")
        .unwrap();
    let frame = read_life_file(&clean).frame;
    g.throughput(Throughput::Bytes(clean.len() as u64));
    g.bench_function("write_utf8", |b| {
        b.iter(|| {
            write_life_file(schema, black_box(&frame), OutputEncoding::Utf8Bom)
                .unwrap()
                .len()
        })
    });
    g.bench_function("write_cp932", |b| {
        b.iter(|| {
            write_life_file(schema, black_box(&frame), OutputEncoding::Cp932)
                .unwrap()
                .len()
        })
    });
    g.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);
