//! The synthetic vendor exports: the bundled files cannot drift from the generator, the same
//! options give the same bytes, identifiers carry valid check digits, `dirty` puts in wrong
//! values, and the bundled profiles read every file with exactly the designed findings. The
//! `careplan` files (第6表 実績, UPJSK) follow the ケアプランデータ連携 4.1 layout and serve the
//! users of the office's masters plus two who are in none.
//!
//! After a deliberate change to the generator, rewrite the bundled files with
//! `LIFELINE_BLESS=1 cargo test --test sample_gen` (or `lifeline sample --out samples/vendor`).

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use lifeline::map::Profile;
use lifeline::normalize::ingest::ingest_file;
use lifeline::sample::{BUNDLED, Expected, Options, generate, generate_with_expected, write_to};
use lifeline::spec::rules::CheckScheme;
use lifeline::validate::Context;
use lifeline::validate::values::check_digit;

fn vendor_dir() -> PathBuf {
    common::root().join("samples/vendor")
}

fn layout_of(path: &Path) -> &str {
    path.components()
        .next()
        .and_then(|c| c.as_os_str().to_str())
        .unwrap_or("")
}

fn profile_of(path: &Path) -> &'static str {
    match layout_of(path) {
        "honobono-kaigo" => "honobono-kaigo",
        "kanamic-user" => "kanamic-user",
        "assessment" => "assessment",
        other => panic!("no profile for {other:?}"),
    }
}

/// A ケアプランデータ連携 file (no header, no LIFE target, no profile).
fn is_careplan(path: &Path) -> bool {
    layout_of(path) == "careplan"
}

/// The file as text: UTF-8 after a BOM, CP932 otherwise; undecodable bytes fail the test.
fn text(bytes: &[u8]) -> String {
    if let Some(rest) = bytes.strip_prefix(b"\xEF\xBB\xBF") {
        return String::from_utf8(rest.to_vec()).expect("UTF-8 after the BOM");
    }
    let (s, had_errors) = encoding_rs::SHIFT_JIS.decode_without_bom_handling(bytes);
    assert!(!had_errors, "not CP932");
    s.into_owned()
}

/// (1-based line, fields) of every line.
fn records(path: &Path, bytes: &[u8]) -> Vec<(u64, Vec<String>)> {
    let delimiter = if path.extension().is_some_and(|e| e == "tsv") {
        b'\t'
    } else {
        b','
    };
    let t = text(bytes);
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .from_reader(t.as_bytes());
    rdr.records()
        .enumerate()
        .map(|(i, r)| {
            let r = r.expect("well-formed CSV");
            (i as u64 + 1, r.iter().map(str::to_string).collect())
        })
        .collect()
}

fn header_at(recs: &[(u64, Vec<String>)]) -> usize {
    recs.iter()
        .position(|(_, r)| r.iter().any(|f| f.contains("被保険者番号")))
        .expect("a header line")
}

#[test]
fn bundled_files_match_the_generator() {
    let files = generate(&BUNDLED);
    if std::env::var_os("LIFELINE_BLESS").is_some() {
        write_to(&vendor_dir(), &files).unwrap();
    }
    assert_eq!(files.len(), 8, "2 facilities × 4 layouts");
    let mut on_disk = BTreeSet::new();
    for layout in ["honobono-kaigo", "kanamic-user", "assessment", "careplan"] {
        for e in std::fs::read_dir(vendor_dir().join(layout)).unwrap() {
            let p = e.unwrap().path();
            on_disk.insert(p.strip_prefix(vendor_dir()).unwrap().to_path_buf());
        }
    }
    let generated: BTreeSet<PathBuf> = files.iter().map(|f| f.path.clone()).collect();
    assert_eq!(
        on_disk, generated,
        "samples/vendor holds exactly the generated files"
    );
    for f in &files {
        let disk = std::fs::read(vendor_dir().join(&f.path)).unwrap();
        assert!(
            disk == f.bytes,
            "{} differs from generate(BUNDLED); rerun with LIFELINE_BLESS=1 if the change is meant",
            f.path.display()
        );
    }
}

#[test]
fn same_options_same_bytes() {
    for opts in [
        BUNDLED,
        Options {
            facilities: 3,
            users: 17,
            seed: 7,
            dirty: 0.25,
        },
    ] {
        assert_eq!(generate(&opts), generate(&opts));
        assert_eq!(generate_with_expected(&opts), generate_with_expected(&opts));
    }
    let other = generate(&Options {
        seed: 2027,
        ..BUNDLED
    });
    let bundled = generate(&BUNDLED);
    assert_eq!(other.len(), bundled.len());
    for (a, b) in other.iter().zip(&bundled) {
        assert_ne!(
            a.bytes,
            b.bytes,
            "another seed, another {}",
            b.path.display()
        );
    }
    // More users do not change the facilities' identities.
    let more = generate(&Options {
        users: 9,
        ..BUNDLED
    });
    let names = |fs: &[lifeline::sample::SampleFile]| -> Vec<PathBuf> {
        fs.iter().map(|f| f.path.clone()).collect()
    };
    assert_eq!(names(&more), names(&bundled));
}

#[test]
fn sizes_and_edge_options() {
    assert!(
        generate(&Options {
            facilities: 0,
            ..BUNDLED
        })
        .is_empty()
    );
    // No users: every user file still has its header and the dummy user, every careplan file
    // its two served users who are in no master.
    let (files, expected) = generate_with_expected(&Options {
        users: 0,
        ..BUNDLED
    });
    assert_eq!(files.len(), 8);
    for f in files.iter().filter(|f| is_careplan(&f.path)) {
        let served: BTreeSet<String> = records(&f.path, &f.bytes)
            .into_iter()
            .map(|(_, r)| r[2].clone())
            .collect();
        assert_eq!(served.len(), 2, "{}", f.path.display());
    }
    assert_eq!(
        expected
            .iter()
            .filter(|e| e.rule == "ingest.quarantined")
            .count(),
        6
    );
    for dirty in [f64::NAN, -1.0, 2.0, 1.0] {
        let (files, _) = generate_with_expected(&Options {
            facilities: 1,
            users: 5,
            seed: 1,
            dirty,
        });
        assert_eq!(files.len(), 4);
    }
}

#[test]
fn identifiers_have_valid_check_digits() {
    let mut seen = (0usize, 0usize);
    for opts in [
        BUNDLED,
        Options {
            facilities: 40,
            users: 12,
            seed: 99,
            dirty: 0.5,
        },
    ] {
        for f in generate(&opts) {
            if is_careplan(&f.path) {
                continue; // careplan_records_follow_the_layout checks its numbers
            }
            let recs = records(&f.path, &f.bytes);
            let facility = f
                .path
                .file_name()
                .and_then(|n| n.to_str())
                .and_then(|n| n.split('_').next())
                .unwrap()
                .to_string();
            assert_eq!(
                check_digit(CheckScheme::CareFacilityId, &facility),
                None,
                "{facility}"
            );
            seen.0 += 1;
            let h = header_at(&recs);
            let header = &recs[h].1;
            let col = |names: &[&str]| {
                header
                    .iter()
                    .position(|x| names.contains(&x.trim()))
                    .unwrap_or_else(|| panic!("{names:?} in {}", f.path.display()))
            };
            let insurer = col(&["保険者番号", "介護保険者番号"]);
            let office = header.iter().position(|x| x == "事業所番号");
            if profile_of(&f.path) == "kanamic-user" {
                assert_eq!(recs[0].1[0], "事業所番号");
                assert_eq!(recs[0].1[1], facility, "preamble line 1, field 2");
            }
            for (_, r) in &recs[h + 1..] {
                let v = r.get(insurer).map(|v| v.trim()).unwrap_or("");
                if v.is_empty() || v == "null" {
                    continue; // the dummy user and the trailer
                }
                assert_eq!(check_digit(CheckScheme::InsurerNo, v), None, "{v}");
                seen.1 += 1;
                if let Some(o) = office {
                    assert_eq!(r[o], facility);
                }
            }
        }
    }
    assert!(seen.0 >= 120 && seen.1 >= 1000, "{seen:?}");
}

#[test]
fn insured_numbers_are_fake_and_ten_digits() {
    for f in generate(&BUNDLED) {
        if is_careplan(&f.path) {
            continue; // careplan_records_follow_the_layout checks No.3
        }
        let recs = records(&f.path, &f.bytes);
        let h = header_at(&recs);
        let c = recs[h].1.iter().position(|x| x == "被保険者番号").unwrap();
        for (_, r) in &recs[h + 1..] {
            let v = r.get(c).map(String::as_str).unwrap_or("");
            if v.is_empty() || v == "null" {
                continue;
            }
            assert!(v.len() == 10 && v.starts_with("99"), "{v}");
            assert!(v.bytes().all(|b| b.is_ascii_digit()), "{v}");
        }
    }
}

#[test]
fn encodings_and_layout_quirks() {
    for f in generate(&BUNDLED) {
        let t = text(&f.bytes);
        assert!(
            !t.contains("&#"),
            "unmappable character in {}",
            f.path.display()
        );
        assert!(t.ends_with("\r\n") && !t.replace("\r\n", "").contains('\n'));
        if is_careplan(&f.path) {
            assert!(!f.bytes.starts_with(b"\xEF\xBB\xBF"));
            // 能 (0x94 0x5C) in the care manager's name, 表 or ソ in some office names.
            assert!(t.contains("\"見本 能子\""), "{}", f.path.display());
            continue;
        }
        match profile_of(&f.path) {
            "honobono-kaigo" => {
                assert!(!f.bytes.starts_with(b"\xEF\xBB\xBF"));
                let header = t.lines().next().unwrap();
                assert!(header.contains("認定有効期間－開始日"));
                assert!(header.contains("利用開始日\u{3000},"));
                for quirk in [
                    "要介護",
                    "★会議",
                    "昭和",
                    "S ",
                    "\"見本居宅介護支援センター,本部\"",
                ] {
                    assert!(t.contains(quirk), "{quirk} in {}", f.path.display());
                }
                assert!(t.contains('３') || t.contains('４') || t.contains('２'));
            }
            "kanamic-user" => {
                assert!(f.bytes.starts_with(b"\xEF\xBB\xBF"));
                let lines: Vec<&str> = t.lines().collect();
                assert!(lines[0].starts_with("\"事業所番号\",\""));
                assert_eq!(lines[1], "\"対象年月\",\"2026/10\"");
                assert!(lines.last().unwrap().starts_with("\"合計\",\""));
                for l in &lines {
                    assert!(l.starts_with('"') && l.ends_with('"'), "{l}");
                }
                assert!(t.contains("\"null\"") && t.contains("★テスト"));
            }
            _ => {
                let lines: Vec<&str> = t.lines().collect();
                assert!(lines[0].starts_with("アセスメント一覧\t"));
                assert!(lines[1].starts_with("事業所番号\t"));
                for quirk in ["令和8年10月", "R8.10.", "ときどきある", "★会議", "１"]
                {
                    assert!(t.contains(quirk), "{quirk} in {}", f.path.display());
                }
            }
        }
    }
}

#[test]
fn dirty_values_are_wrong_and_recorded() {
    let opts = Options {
        facilities: 3,
        users: 20,
        seed: 11,
        dirty: 0.3,
    };
    let (files, expected) = generate_with_expected(&opts);
    let (clean, clean_expected) = generate_with_expected(&Options { dirty: 0.0, ..opts });
    assert!(clean_expected.iter().all(|e| e.designed));
    let dirty: Vec<&Expected> = expected.iter().filter(|e| !e.designed).collect();
    let rules: BTreeSet<&str> = dirty.iter().map(|e| e.rule).collect();
    assert_eq!(
        rules,
        BTreeSet::from([
            "ingest.barthel",
            "ingest.date",
            "ingest.kana",
            "ingest.label",
            "ingest.number"
        ])
    );
    // Every recorded wrong value is in the file, on its line, in its column.
    for e in &dirty {
        let f = files.iter().find(|f| f.path == e.path).unwrap();
        let recs = records(&f.path, &f.bytes);
        let h = header_at(&recs);
        let c = recs[h].1.iter().position(|x| *x == e.column).unwrap();
        let (_, row) = recs.iter().find(|(l, _)| *l == e.line).unwrap();
        assert_eq!(row[c], e.value, "{e:?}");
    }
    // Same people, same layout: only values changed.
    for (d, c) in files.iter().zip(&clean) {
        assert_eq!(d.path, c.path);
        assert_eq!(
            records(&d.path, &d.bytes).len(),
            records(&c.path, &c.bytes).len()
        );
    }
    assert!(files != clean);
}

/// Ingests every file with its bundled profile and validates the frames (with the add-on
/// claim that makes the 同居家族 items required): the findings must be exactly the expected
/// ones — quarantined dummy users, ambiguous Barthel points (errors, and then the empty ○
/// items they leave, warnings) and, when dirty, the wrong values.
fn check_ingest(opts: &Options) {
    let registry = common::registry();
    let (files, expected) = generate_with_expected(opts);
    let ctx = Context {
        claims: vec!["科学的介護推進体制加算(Ⅱ)".into()],
    };
    for f in files.iter().filter(|f| !is_careplan(&f.path)) {
        let name = profile_of(&f.path);
        let mut profile = Profile::load(
            &common::root().join(format!("samples/profiles/{name}.toml")),
            registry,
        )
        .unwrap();
        // As `run` and `ingest` read them: the current spec first (the ほのぼの user master in
        // 3.10, where its kana are ◎).
        profile.retarget(registry, None);
        let shown = f.path.display().to_string();
        let mut ing = ingest_file(&shown, &f.bytes, &profile, registry, None);
        let want: Vec<&Expected> = expected.iter().filter(|e| e.path == f.path).collect();
        let quarantined: BTreeSet<u64> = want
            .iter()
            .filter(|e| e.rule == "ingest.quarantined")
            .map(|e| e.line)
            .collect();
        let got_q: BTreeSet<u64> = ing.quarantine.iter().map(|q| q.line).collect();
        assert_eq!(got_q, quarantined, "{shown}: quarantined lines");
        assert_eq!(ing.rows_read, ing.rows_kept + ing.quarantine.len());
        ing.validate(registry, &ctx);
        let fs = &ing.findings;
        let ingest_errors: BTreeSet<(u64, &str)> = fs
            .findings
            .iter()
            .map(|x| (x.line, &fs.checks[x.check as usize]))
            .filter(|(_, c)| c.rule.starts_with("ingest.") && c.rule != "ingest.quarantined")
            .map(|(l, c)| (l, c.rule))
            .collect();
        let want_errors: BTreeSet<(u64, &str)> = want
            .iter()
            .filter(|e| e.rule != "ingest.quarantined")
            .map(|e| (e.line, e.rule))
            .collect();
        assert_eq!(ingest_errors, want_errors, "{shown}: ingest findings");
        if opts.dirty == 0.0 {
            let ambiguous: BTreeSet<u64> = want
                .iter()
                .filter(|e| e.rule == "ingest.barthel_ambiguous")
                .map(|e| e.line)
                .collect();
            for x in &fs.findings {
                let c = &fs.checks[x.check as usize];
                let ok = match c.rule {
                    "ingest.quarantined" => quarantined.contains(&x.line),
                    "ingest.barthel_ambiguous" => ambiguous.contains(&x.line),
                    // The ambiguous 整容/入浴 stay empty, and are not reported again as
                    // missing ○ items (`value.recommended`): one finding per root cause.
                    _ => false,
                };
                assert!(
                    ok,
                    "{shown} line {}: unexpected {} {:?}",
                    x.line, c.rule, c.column
                );
            }
        }
    }
}

#[test]
fn bundled_profiles_read_the_clean_files_with_only_the_designed_findings() {
    check_ingest(&BUNDLED);
    check_ingest(&Options {
        facilities: 4,
        users: 30,
        seed: 5,
        dirty: 0.0,
    });
}

#[test]
fn bundled_profiles_report_every_dirty_value() {
    check_ingest(&Options {
        facilities: 2,
        users: 25,
        seed: 3,
        dirty: 0.2,
    });
}

/// The designed findings of the bundled files (the list in pipeline/sample/mod.rs).
#[test]
fn designed_findings_of_the_bundled_files() {
    let (_, expected) = generate_with_expected(&BUNDLED);
    let got: Vec<String> = expected
        .iter()
        .map(|e| {
            format!(
                "{} {} {} {}",
                e.path.display(),
                e.line,
                e.rule,
                if e.column.is_empty() {
                    &e.value
                } else {
                    &e.column
                }
            )
        })
        .collect();
    let want: Vec<&str> = DESIGNED
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    assert_eq!(got, want);
}

const DESIGNED: &str = "
    assessment/1470090018_assessment_202610.tsv 6 ingest.barthel_ambiguous 入浴
    assessment/1470090018_assessment_202610.tsv 10 ingest.barthel_ambiguous 整容
    assessment/1470090018_assessment_202610.tsv 14 ingest.quarantined dummy user
    assessment/4070090008_assessment_202610.tsv 6 ingest.barthel_ambiguous 入浴
    assessment/4070090008_assessment_202610.tsv 10 ingest.barthel_ambiguous 整容
    assessment/4070090008_assessment_202610.tsv 14 ingest.quarantined dummy user
    honobono-kaigo/1470090018_介護保険1.CSV 5 ingest.quarantined dummy user
    honobono-kaigo/4070090008_介護保険1.CSV 3 ingest.quarantined dummy user
    kanamic-user/1470090018_userallfull_202610.csv 4 ingest.quarantined dummy user
    kanamic-user/4070090008_userallfull_202610.csv 5 ingest.quarantined dummy user
";

/// A file read a table at a time (as `lifeline run` reads it, here with tiny blocks so that
/// tables end everywhere) gives what reading it whole gives: the same findings in the same
/// order, the same quarantine, counts and repairs, and the same rows in the frames. Each file
/// gets its first data row again at its end, so `key.duplicate` spans tables.
#[test]
fn ingest_in_tables_is_ingest_of_the_whole_file() {
    use lifeline::decode::Chunks;
    use lifeline::normalize::ingest::{Ingest, delimiter};
    use polars::prelude::*;

    let registry = common::registry();
    let ctx = Context {
        claims: vec!["科学的介護推進体制加算(Ⅱ)".into()],
    };
    let opts = Options {
        facilities: 1,
        users: 40,
        seed: 7,
        dirty: 0.3,
    };
    let mut duplicates = 0;
    for mut f in generate(&opts)
        .into_iter()
        .filter(|f| !is_careplan(&f.path))
    {
        let name = profile_of(&f.path);
        let path = common::root().join(format!("samples/profiles/{name}.toml"));
        let profile = Profile::load(&path, registry).unwrap();
        let shown = f.path.display().to_string();
        let first = ingest_file(&shown, &f.bytes, &profile, registry, None).parts[0]
            .frame
            .column("__line")
            .unwrap()
            .u64()
            .unwrap()
            .get(0)
            .unwrap();
        let row = f
            .bytes
            .split(|b| *b == b'\n')
            .nth(first as usize - 1)
            .unwrap()
            .to_vec();
        if !f.bytes.ends_with(b"\n") {
            f.bytes.extend_from_slice(b"\r\n");
        }
        f.bytes.extend_from_slice(&row);
        f.bytes.push(b'\n');
        let mut whole = ingest_file(&shown, &f.bytes, &profile, registry, None);
        whole.validate(registry, &ctx);
        let duplicate = |c: u32| whole.findings.checks[c as usize].rule == "key.duplicate";
        duplicates += whole
            .findings
            .findings
            .iter()
            .filter(|x| duplicate(x.check))
            .count();
        for block in [700, 4096] {
            let cursor = std::io::Cursor::new(&f.bytes);
            let mut chunks =
                Chunks::with_block(cursor, delimiter(&profile, &shown), block, |_| {}).unwrap();
            let mut ing = Ingest::new(&shown, chunks.encoding(), &profile, registry, None);
            let mut frames: Vec<Option<DataFrame>> = vec![None; whole.parts.len()];
            let mut tables = 0;
            while let Some(t) = chunks.next_table().unwrap() {
                tables += 1;
                let parts = ing.table(&t);
                ing.check(&parts, &ctx);
                for p in parts {
                    let i = whole
                        .parts
                        .iter()
                        .position(|w| w.plan == p.plan && w.facility == p.facility)
                        .expect("a frame the whole file has too");
                    match &mut frames[i] {
                        Some(df) => {
                            df.vstack_mut(&p.frame).unwrap();
                        }
                        slot => *slot = Some(p.frame),
                    }
                }
            }
            assert!(
                tables > 2,
                "{shown}: {tables} tables with blocks of {block}"
            );
            let got = ing.finish();
            assert_eq!(got.findings.checks, whole.findings.checks, "{shown}");
            assert_eq!(got.findings.findings, whole.findings.findings, "{shown}");
            assert_eq!(
                (got.rows_read, got.rows_kept, got.fixes),
                (whole.rows_read, whole.rows_kept, whole.fixes)
            );
            let q = |f: &lifeline::normalize::ingest::FileIngest| -> Vec<(u64, String)> {
                f.quarantine
                    .iter()
                    .map(|q| (q.line, q.reason.clone()))
                    .collect()
            };
            assert_eq!(q(&got), q(&whole));
            for (w, g) in whole.parts.iter().zip(&frames) {
                assert!(g.as_ref().unwrap().equals_missing(&w.frame), "{shown}");
            }
        }
    }
    assert!(
        duplicates > 0,
        "a repeated row is a duplicate in some interface"
    );
}

/// The careplan files of the bundled samples (`samples/vendor/careplan/`): sender the office
/// (15), receiver its 居宅介護支援事業所 (43, serial 8xxx), made 2026-11-05 09:30:00.
const BUNDLED_CAREPLAN: [&str; 2] = [
    "careplan/UPJSK_202610_4070090008_15_4070080009_43_20261105093000.CSV",
    "careplan/UPJSK_202610_1470090018_15_1470080019_43_20261105093000.CSV",
];

/// The parts of a careplan file name: (対象年月, sender, sender kind, receiver, receiver kind,
/// timestamp).
fn careplan_name(path: &Path) -> (String, String, String, String, String, String) {
    assert_eq!(layout_of(path), "careplan");
    let name = path.file_name().unwrap().to_str().unwrap();
    let stem = name
        .strip_suffix(".CSV")
        .unwrap_or_else(|| panic!("{name}: upper-case .CSV"));
    let parts: Vec<&str> = stem.split('_').collect();
    assert_eq!(parts.len(), 7, "{name}");
    assert_eq!(parts[0], "UPJSK", "{name}");
    let p = |i: usize| parts[i].to_string();
    (p(1), p(2), p(3), p(4), p(5), p(6))
}

#[test]
fn careplan_file_names() {
    let bundled: Vec<String> = generate(&BUNDLED)
        .iter()
        .filter(|f| is_careplan(&f.path))
        .map(|f| f.path.display().to_string())
        .collect();
    assert_eq!(bundled, BUNDLED_CAREPLAN);
    let files = generate(&Options {
        facilities: 30,
        users: 3,
        seed: 41,
        dirty: 0.4,
    });
    let offices: BTreeSet<String> = files
        .iter()
        .filter(|f| layout_of(&f.path) == "honobono-kaigo")
        .map(|f| {
            let n = f.path.file_name().unwrap().to_str().unwrap();
            n.split('_').next().unwrap().to_string()
        })
        .collect();
    assert_eq!(offices.len(), 30);
    let mut senders = BTreeSet::new();
    let mut receivers = BTreeSet::new();
    // Each office's careplan file comes right after its other three files.
    for chunk in files.chunks(4) {
        let [honobono, kanamic, assessment, careplan] = chunk else {
            panic!("4 files per office");
        };
        let office = honobono
            .path
            .file_name()
            .unwrap()
            .to_str()
            .unwrap()
            .split('_')
            .next()
            .unwrap();
        for f in [kanamic, assessment] {
            let n = f.path.file_name().unwrap().to_str().unwrap();
            assert!(n.starts_with(office), "{n}");
        }
        let (month, from, from_kind, to, to_kind, stamp) = careplan_name(&careplan.path);
        assert_eq!(month, "202610");
        assert_eq!(from, office);
        assert_eq!((from_kind.as_str(), to_kind.as_str()), ("15", "43"));
        for id in [&from, &to] {
            assert_eq!(id.len(), 10);
            assert_eq!(check_digit(CheckScheme::CareFacilityId, id), None, "{id}");
        }
        assert!(!offices.contains(&to), "{to} is a generated office");
        // 都道府県 2 + 区分 7 + 郡市区 2 + serial 4 + check digit: serial 8xxx for office 9xxx.
        assert_eq!(&to[..5], &from[..5]);
        assert_eq!((&to[5..6], &from[5..6]), ("8", "9"));
        assert_eq!(&to[6..9], &from[6..9]);
        assert_eq!(stamp.len(), 14);
        assert!(chrono::NaiveDateTime::parse_from_str(&stamp, "%Y%m%d%H%M%S").is_ok());
        senders.insert(from);
        receivers.insert(to);
    }
    assert_eq!(senders, offices);
    assert_eq!(receivers.len(), 30);
}

#[test]
fn careplan_records_follow_the_layout() {
    let valid_date = |v: &str| chrono::NaiveDate::parse_from_str(v, "%Y%m%d").ok();
    let mut checked = 0;
    for opts in [
        BUNDLED,
        Options {
            facilities: 5,
            users: 40,
            seed: 8,
            dirty: 0.3,
        },
    ] {
        for f in generate(&opts).iter().filter(|f| is_careplan(&f.path)) {
            let (_, office, _, receiver, _, _) = careplan_name(&f.path);
            let t = text(&f.bytes); // CP932 or fail
            assert!(!t.contains("&#") && !t.contains('\u{FFFD}'));
            assert!(t.ends_with("\r\n") && !t.replace("\r\n", "").contains(['\n', '\r']));
            let mut keys = BTreeSet::new();
            for line in t.split_terminator("\r\n") {
                // No header: every record starts with the CSVバージョン.
                assert!(line.starts_with("202407,"), "{line}");
                // Names hold no comma: the raw fields are the fields, and only No.7 and No.21
                // are quoted.
                let raw: Vec<&str> = line.split(',').collect();
                assert_eq!(raw.len(), 25, "{line}");
                for (i, v) in raw.iter().enumerate() {
                    if i == 6 || i == 20 {
                        assert!(v.len() > 2 && v.starts_with('"') && v.ends_with('"'), "{v}");
                    } else {
                        assert!(!v.contains('"'), "No.{}: {v}", i + 1);
                    }
                }
            }
            for (line, r) in records(&f.path, &f.bytes) {
                let at = format!("{} line {line}", f.path.display());
                assert_eq!(r.len(), 25, "{at}");
                assert_eq!(r[0], "202407", "{at}");
                assert_eq!(check_digit(CheckScheme::InsurerNo, &r[1]), None, "{at}");
                assert!(r[2].len() == 10 && r[2].starts_with("99"), "{at}");
                assert!(r[2].bytes().all(|b| b.is_ascii_digit()), "{at}");
                assert_eq!(r[3], "20261105", "{at}");
                assert_eq!(r[4], "202610", "{at}");
                assert_eq!(r[5], receiver, "{at}");
                assert_eq!(r[6], "見本 能子", "{at}");
                assert!(
                    (1..=6).contains(&r[7].len()) && r[7].bytes().all(|b| b.is_ascii_digit()),
                    "{at}"
                );
                let day = valid_date(&r[9]).unwrap_or_else(|| panic!("{at}: {}", r[9]));
                assert!(r[9].starts_with("202610"), "{at}");
                assert_ne!(chrono::Datelike::weekday(&day), chrono::Weekday::Sun);
                let time = |v: &str| chrono::NaiveTime::parse_from_str(v, "%H%M").ok();
                assert!(r[11].len() == 4 && r[12].len() == 4, "{at}");
                assert!(time(&r[11]).unwrap() < time(&r[12]).unwrap(), "{at}");
                assert_eq!(r[13], "1", "{at}");
                assert!(
                    r[14].len() == 6
                        && r[14].starts_with("15")
                        && r[14].bytes().all(|b| b.is_ascii_digit()),
                    "{at}"
                );
                assert_eq!((&r[19], &r[23]), (&office, &office), "{at}");
                assert!(!r[20].is_empty(), "{at}");
                assert_eq!(r[22], "0", "{at}");
                for i in [8, 10, 15, 16, 17, 18, 21, 24] {
                    assert_eq!(r[i], "", "{at}: No.{}", i + 1);
                }
                // One record per user × 利用日 × サービスコード (row key 2,3,5,10,12,15,19,20,22).
                let key: Vec<&str> = [1, 2, 4, 9, 11, 14, 18, 19, 21]
                    .iter()
                    .map(|&i| r[i].as_str())
                    .collect();
                assert!(keys.insert(key.join("|")), "{at}: key twice");
                checked += 1;
            }
        }
    }
    assert!(checked > 1000, "{checked}");
}

/// (保険者番号, 被保険者番号) of the users of a user master (the dummy user has neither).
fn master_users(f: &lifeline::sample::SampleFile) -> BTreeSet<(String, String)> {
    let recs = records(&f.path, &f.bytes);
    let h = header_at(&recs);
    let col = |names: &[&str]| {
        recs[h]
            .1
            .iter()
            .position(|x| names.contains(&x.trim()))
            .unwrap()
    };
    let (insurer, insured) = (
        col(&["保険者番号", "介護保険者番号"]),
        col(&["被保険者番号"]),
    );
    recs[h + 1..]
        .iter()
        .filter(|(_, r)| r.len() > insured && !r[insured].trim().is_empty())
        .filter(|(_, r)| r[insured].trim() != "null")
        .map(|(_, r)| (r[insurer].trim().to_string(), r[insured].trim().to_string()))
        .collect()
}

/// The served users of an office are the users of its masters (not the dummy) plus exactly two
/// who are in no master, with 被保険者番号 `99` + office (2) + `9900`/`9901` + 2 digits.
#[test]
fn careplan_serves_the_masters_users_and_two_more() {
    for opts in [
        BUNDLED,
        Options {
            facilities: 3,
            users: 25,
            seed: 12,
            dirty: 0.0,
        },
    ] {
        let files = generate(&opts);
        for chunk in files.chunks(4) {
            let [honobono, kanamic, _, careplan] = chunk else {
                panic!("4 files per office");
            };
            let masters = master_users(honobono);
            assert_eq!(masters, master_users(kanamic), "the same people");
            assert_eq!(masters.len(), opts.users, "the dummy user is no user");
            let recs = records(&careplan.path, &careplan.bytes);
            let served: BTreeSet<(String, String)> = recs
                .iter()
                .map(|(_, r)| (r[1].clone(), r[2].clone()))
                .collect();
            assert!(served.is_superset(&masters), "{}", careplan.path.display());
            let mut extra: Vec<&(String, String)> = served.difference(&masters).collect();
            extra.sort_by_key(|(_, no)| no.clone());
            assert_eq!(extra.len(), 2, "{}", careplan.path.display());
            let insured: BTreeSet<&str> = masters.iter().map(|(_, n)| n.as_str()).collect();
            let office2 = &extra[0].1[2..4];
            for (k, (ins, no)) in extra.iter().enumerate() {
                assert!(!insured.contains(no.as_str()), "{no} is in a master");
                assert_eq!(check_digit(CheckScheme::InsurerNo, ins), None, "{ins}");
                assert!(no.len() == 10 && no.starts_with("99"), "{no}");
                assert_eq!(&no[2..4], office2);
                assert_eq!(no[4..8], format!("{}", 9900 + k), "{no}");
            }
            // Every served person comes on at least one day, and 通所介護 days come with their
            // base service.
            for (ins, no) in &served {
                let days: BTreeSet<&str> = recs
                    .iter()
                    .filter(|(_, r)| (&r[1], &r[2]) == (ins, no))
                    .filter(|(_, r)| r[14].starts_with("1511"))
                    .map(|(_, r)| r[9].as_str())
                    .collect();
                let all: BTreeSet<&str> = recs
                    .iter()
                    .filter(|(_, r)| (&r[1], &r[2]) == (ins, no))
                    .map(|(_, r)| r[9].as_str())
                    .collect();
                assert!(!days.is_empty() && days == all, "{no}");
            }
        }
    }
}

/// Same options, same careplan bytes; another seed, other days.
#[test]
fn careplan_files_are_deterministic() {
    let pick = |opts: &Options| -> Vec<lifeline::sample::SampleFile> {
        generate(opts)
            .into_iter()
            .filter(|f| is_careplan(&f.path))
            .collect()
    };
    let opts = Options {
        facilities: 3,
        users: 9,
        seed: 77,
        dirty: 0.5,
    };
    assert_eq!(pick(&opts), pick(&opts));
    // `dirty` leaves the careplan files alone.
    assert_eq!(pick(&opts), pick(&Options { dirty: 0.0, ..opts }));
    let other = pick(&Options { seed: 78, ..opts });
    for (a, b) in pick(&opts).iter().zip(&other) {
        assert_ne!(a.bytes, b.bytes);
    }
    // One more user adds that user's records and leaves the others' alone.
    let more = pick(&Options { users: 10, ..opts });
    for (a, b) in pick(&opts).iter().zip(&more) {
        assert_eq!(a.path, b.path);
        let lines = |f: &lifeline::sample::SampleFile| -> BTreeSet<Vec<u8>> {
            f.bytes.split(|&b| b == b'\n').map(<[u8]>::to_vec).collect()
        };
        let (la, lb) = (lines(a), lines(b));
        assert!(la.is_subset(&lb) && lb.len() > la.len());
    }
}
