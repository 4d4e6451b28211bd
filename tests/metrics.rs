//! The metrics on a small case computed by hand: facility P meets 文書量半減, facility F does
//! not, and the corporation as a whole does not. Every number below is worked out in the
//! comments from the baseline and the runs.

use std::collections::BTreeMap;

use lifeline::ledger::{Ledger, RunRecord};
use lifeline::metrics::{self, ALL, Baseline, DueStats, Fixes, InterfaceStats, Row, RunStats};
use lifeline::spec::Registry;

const BASELINE: &str = r#"
name = "test baseline"
source = "hand-made"

[[form]]
id = "a"
name = "評価様式"
unit = "record"
pages_per_unit = 2
copies = 2
pages_after_per_unit = 1
transcriptions_before = 2
fields_per_unit = 10
minutes_per_unit = [10, 20]
minutes_after_per_unit = [2, 4]
channel = "fax"
replaced_by = ["FORM_0000_2021"]
units_per_month = 10

[[form]]
id = "b"
name = "フェイスシート"
unit = "user_month"
pages_per_unit = 1
copies = 1
transcriptions_before = 1
minutes_per_unit = 5
channel = "paper"
replaced_by = ["life:SERVICE_USER_INFO"]

[[form]]
id = "c"
name = "日誌"
unit = "facility_month"
pages_per_unit = 20
copies = 1
channel = "paper"
replaced_by = ["other:記録ソフト"]
units_per_month = 1
"#;

fn registry() -> Registry {
    Registry::embedded().unwrap()
}

fn iface(dt: &str, records: u64, filled: u64) -> InterfaceStats {
    InterfaceStats {
        data_type: dt.into(),
        records,
        emitted: records,
        unchanged: 0,
        users: records,
        filled_fields: filled,
    }
}

fn run(facility: &str, at: &str, stats: RunStats) -> RunRecord<RunStats> {
    RunRecord {
        facility: facility.into(),
        month: "202610".into(),
        run_at: at.into(),
        stats,
    }
}

/// P: a first pass with errors on 2 Nov, clean on 4 Nov. F: one run with an error.
fn runs() -> Vec<RunRecord<RunStats>> {
    let p_interfaces = vec![
        iface("FORM_0000_2021", 12, 150),
        iface("SERVICE_USER_INFO", 8, 40),
    ];
    let p_first = RunStats {
        rows_read: 20,
        rows_dropped: 2,
        rows_rejected: 3,
        errors: 3,
        rejected_by_rule: BTreeMap::from([("value.required".into(), 2), ("ingest.date".into(), 1)]),
        interfaces: p_interfaces.clone(),
        ..RunStats::default()
    };
    let p_last = RunStats {
        rows_read: 20,
        rows_dropped: 2,
        rows_rejected: 0,
        errors: 0,
        warnings: 4,
        findings_by_rule: BTreeMap::from([("value.check_digit".into(), 2)]),
        interfaces: p_interfaces,
        due: vec![DueStats {
            name: "科学的介護推進体制加算".into(),
            submitted: 8,
            missing: 2,
        }],
        fixes: Fixes {
            files_from_cp932: 1,
            era_dates: 5,
            full_width: 3,
            kana: 2,
            coded: 7,
        },
        ..RunStats::default()
    };
    let f = RunStats {
        rows_read: 10,
        rows_rejected: 1,
        errors: 1,
        rejected_by_rule: BTreeMap::from([("value.required".into(), 1)]),
        interfaces: vec![iface("SERVICE_USER_INFO", 5, 30)],
        ..RunStats::default()
    };
    vec![
        run("F", "2026-11-03T08:00:00+09:00", f),
        run("P", "2026-11-02T10:00:00+09:00", p_first),
        run("P", "2026-11-04T10:00:00+09:00", p_last),
    ]
}

fn row<'a>(m: &'a metrics::Metrics, facility: &str) -> &'a Row {
    m.rows.iter().find(|r| r.facility == facility).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() < 1e-9
}

#[test]
fn hand_computed_facility_that_meets_half() {
    let b = Baseline::parse(BASELINE, "baseline.toml", &registry()).unwrap();
    let m = metrics::compute(&runs(), Some(&b));
    let p = row(&m, "P");
    assert_eq!(p.month, "2026-10");
    // M1: 12 + 8 records; forms a and b have electronic instances, c does not.
    assert_eq!(p.life_records, 20);
    assert_eq!(p.records_by_interface["FORM_0000_2021"], 12);
    assert_eq!((p.forms_digitized, p.forms_total), (2, 3));
    // M2: a: 12 records, capped at the declared 10 a month; 2 pages × 2 copies = 4 sheets a
    // unit before, 1 still printed: baseline 40, avoided 10 × 3 = 30 (by FAX).
    // b: 8 users, volume assumed = 8; 1 sheet: baseline 8, avoided 8.
    // c: replaced outside lifeline: baseline 1 × 20 = 20, avoided 0.
    assert!(close(p.sheets_baseline, 68.0), "{}", p.sheets_baseline);
    assert!(close(p.sheets_avoided, 38.0));
    assert!(close(p.sheets_avoided_fax_post, 30.0));
    // M3: 38 / 68 = 55.9 % ≥ 50 %.
    assert!(close(p.reduction_ratio.unwrap(), 38.0 / 68.0));
    assert_eq!(p.half_met, Some(true));
    // M4: a: 150 values filled × 10/12 of the records counted = 125, capped at 10 units × 10
    // fields = 100, × 2 steps = 200. b: 40 values (no cap) × 1 step = 40.
    assert_eq!(p.fields_filled, 140);
    assert_eq!(p.rekeying_avoided, 240);
    let a = p.forms.iter().find(|f| f.form_id == "a").unwrap();
    assert_eq!(
        (a.instances, a.fields_filled, a.rekeying_avoided),
        (12, 100, 200)
    );
    assert_eq!(a.counted_as.as_deref(), Some("FORM_0000_2021"));
    // M6: a: 10 × (10 − 4) = 60 … 10 × (20 − 2) = 180; b: 8 × 5 = 40 (after not declared: 0).
    assert!(close(p.minutes_saved_low, 100.0) && close(p.minutes_saved_high, 220.0));
    // M7: coverage 8 / (8 + 2); first pass 3 of 18 rows (2 dummy rows left out); clean on
    // 4 Nov = 4 days after 31 Oct; 2 runs.
    assert!(close(p.coverage.unwrap(), 0.8));
    assert_eq!((p.first_pass_rows, p.first_pass_rejected), (18, 3));
    assert!(close(p.first_pass_rejection_rate.unwrap(), 3.0 / 18.0));
    assert_eq!(p.final_rejection_rate, Some(0.0));
    assert_eq!(p.first_pass_rejected_by_rule["value.required"], 2);
    assert_eq!(p.days_to_ready, Some(4));
    assert_eq!(p.runs, 2);
    // M8: from the last run.
    assert_eq!(
        (
            p.files_from_cp932,
            p.era_dates_converted,
            p.full_width_normalized,
            p.kana_converted,
            p.labels_coded,
            p.check_digit_warnings,
            p.dummy_rows_dropped
        ),
        (1, 5, 3, 2, 7, 2, 2)
    );
    // Assumptions named: the baseline, b's assumed volume, a's cap, b's minutes after = 0,
    // c outside lifeline.
    for id in [
        "baseline",
        "volume:b",
        "cap:a",
        "after-0:b",
        "elsewhere:c",
        "rekeying",
    ] {
        assert!(
            p.assumptions.iter().any(|a| a == id),
            "{id}: {:?}",
            p.assumptions
        );
        assert!(m.assumptions.iter().any(|a| a.id == id));
    }
    assert!(!p.assumptions.iter().any(|a| a == "volume:a"));
}

#[test]
fn hand_computed_facility_that_does_not_and_the_corporation() {
    let b = Baseline::parse(BASELINE, "baseline.toml", &registry()).unwrap();
    let m = metrics::compute(&runs(), Some(&b));
    let f = row(&m, "F");
    // a: no record, declared 10 a month: baseline 40, avoided 0. b: 5 users: 5 and 5.
    // c: 20 and 0. 5 / 65 = 7.7 %: fails 半減.
    assert!(close(f.sheets_baseline, 65.0) && close(f.sheets_avoided, 5.0));
    assert_eq!(f.half_met, Some(false));
    assert_eq!((f.forms_digitized, f.forms_total), (1, 3));
    assert_eq!((f.fields_filled, f.rekeying_avoided), (30, 30));
    assert!(close(f.minutes_saved_low, 25.0) && close(f.minutes_saved_high, 25.0));
    // No due rule applied: no coverage; never clean: not ready.
    assert_eq!(f.coverage, None);
    assert_eq!(f.days_to_ready, None);
    assert!(close(f.first_pass_rejection_rate.unwrap(), 0.1));

    let all = row(&m, ALL);
    assert_eq!(all.facilities, 2);
    // 43 of 133 sheets: 32.3 %, the corporation fails; one facility of two meets it.
    assert!(close(all.sheets_baseline, 133.0) && close(all.sheets_avoided, 43.0));
    assert_eq!(all.half_met, Some(false));
    assert_eq!(all.facilities_half_met, 1);
    assert_eq!(all.rekeying_avoided, 270);
    // Rates of the sums: first pass 4 of 28 rows, final 1 of 28; coverage 8 of 10.
    assert!(close(all.first_pass_rejection_rate.unwrap(), 4.0 / 28.0));
    assert!(close(all.final_rejection_rate.unwrap(), 1.0 / 28.0));
    assert!(close(all.coverage.unwrap(), 0.8));
    assert_eq!(all.first_pass_rejected_by_rule["value.required"], 3);
    assert_eq!(
        all.days_to_ready, None,
        "F is not ready, so neither is the corporation"
    );
    assert_eq!(m.from.as_deref(), Some("2026-10"));
}

#[test]
fn without_a_baseline_paper_and_time_are_not_computed() {
    let m = metrics::compute(&runs(), None);
    let p = row(&m, "P");
    assert_eq!(
        (p.forms_total, p.reduction_ratio, p.half_met),
        (0, None, None)
    );
    assert_eq!(p.life_records, 20);
    assert!(m.assumptions.iter().all(|a| a.id != "baseline"));
    // The CSV leaves those columns empty rather than writing 0.
    let csv = String::from_utf8(metrics::tables::csv_bytes(&m)).unwrap();
    let mut lines = csv.trim_start_matches('\u{feff}').lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let p_line: Vec<&str> = lines
        .find(|l| l.starts_with("P,"))
        .unwrap()
        .split(',')
        .collect();
    let col = |n: &str| p_line[header.iter().position(|h| *h == n).unwrap()];
    assert_eq!(col("sheets_avoided"), "");
    assert_eq!(col("reduction_ratio"), "");
    assert_eq!(col("life_records"), "20");
}

#[test]
fn csv_is_excel_ready_and_parquet_round_trips() {
    let b = Baseline::parse(BASELINE, "baseline.toml", &registry()).unwrap();
    let m = metrics::compute(&runs(), Some(&b));
    let bytes = metrics::tables::csv_bytes(&m);
    assert!(bytes.starts_with(&[0xEF, 0xBB, 0xBF]));
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.contains("\r\n") && !text.replace("\r\n", "").contains('\n'));
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1 + 3, "header, P, F, ALL");
    assert!(
        lines[1].starts_with("F,2026-10,1,5,SERVICE_USER_INFO=5,1,3,65,5,0,"),
        "{}",
        lines[1]
    );

    let tmp = tempfile::tempdir().unwrap();
    let written = metrics::tables::write_all(&m, tmp.path()).unwrap();
    assert_eq!(written.len(), 4);
    use polars::prelude::*;
    let file = std::fs::File::open(tmp.path().join("metrics.parquet")).unwrap();
    let df = ParquetReader::new(file).finish().unwrap();
    assert_eq!(df.height(), 3);
    let ratio = df.column("reduction_ratio").unwrap().f64().unwrap();
    assert!(close(ratio.get(1).unwrap(), 38.0 / 68.0));
    let half = df.column("half_met").unwrap().bool().unwrap();
    assert_eq!(
        half.iter().collect::<Vec<_>>(),
        vec![Some(false), Some(true), Some(false)]
    );
    let ready = df.column("days_to_ready").unwrap().i64().unwrap();
    assert_eq!(ready.iter().collect::<Vec<_>>(), vec![None, Some(4), None]);
    let json: serde_json::Value =
        serde_json::from_slice(&std::fs::read(tmp.path().join("metrics.json")).unwrap()).unwrap();
    assert_eq!(json["rows"][1]["facility"], "P");
    assert_eq!(json["rows"][1]["half_met"], true);
    #[cfg(unix)]
    for p in &written {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600, "{}", p.display());
    }
}

#[test]
fn the_ledger_keeps_runs_in_order_and_by_month() {
    let tmp = tempfile::tempdir().unwrap();
    let l = Ledger::open(&tmp.path().join("l.sqlite")).unwrap();
    for r in runs().iter().rev() {
        l.record_run(&r.facility, &r.month, &r.run_at, &r.stats)
            .unwrap();
    }
    l.record_run(
        "P",
        "202611",
        "2026-12-01T00:00:00+09:00",
        &RunStats::default(),
    )
    .unwrap();
    let back: Vec<RunRecord<RunStats>> = l.runs(None, Some("202610")).unwrap();
    let mut want = runs();
    want.sort_by(|a, b| (&a.facility, &a.run_at).cmp(&(&b.facility, &b.run_at)));
    assert_eq!(back, want);
    assert_eq!(l.runs::<RunStats>(Some("202611"), None).unwrap().len(), 1);
}

fn parse_err(text: &str) -> String {
    Baseline::parse(text, "b.toml", &registry())
        .unwrap_err()
        .to_string()
}

#[test]
fn a_bad_baseline_is_refused_with_file_and_line() {
    let form = |extra: &str| {
        format!(
            "name = \"x\"\n\n[[form]]\nid = \"f\"\nname = \"n\"\nunit = \"record\"\npages_per_unit = 1\ncopies = 1\nchannel = \"paper\"\n{extra}\n"
        )
    };
    assert!(
        Baseline::parse(
            &form("replaced_by = [\"FORM_0000_2021\"]"),
            "b.toml",
            &registry()
        )
        .is_ok()
    );
    let e = parse_err(&form("replaced_by = [\"FORM_0000\"]"));
    assert!(
        e.starts_with("b.toml:3: ") && e.contains("not a LIFE interface"),
        "{e}"
    );
    let e = parse_err(&form("replaced_by = [\"other:kiroku\"]"));
    assert!(e.contains("declare units_per_month"), "{e}");
    let e = parse_err(&form(
        "replaced_by = [\"FORM_0000_2021\"]\nminutes_per_unit = [20, 10]",
    ));
    assert!(e.contains("low ≤ high"), "{e}");
    let e = parse_err(&form(
        "replaced_by = [\"FORM_0000_2021\"]\npages_after_per_unit = 3",
    ));
    assert!(e.contains("pages_after_per_unit"), "{e}");
    let e = parse_err(&form("replaced_by = [\"FORM_0000_2021\"]\ncopeis = 2"));
    assert!(e.starts_with("b.toml:11: ") && e.contains("copeis"), "{e}");
    let e =
        parse_err(&form("replaced_by = [\"FORM_0000_2021\"]").replace("\"record\"", "\"visit\""));
    assert!(e.starts_with("b.toml:6: "), "{e}");
    let twice = form("replaced_by = [\"FORM_0000_2021\"]");
    let e = parse_err(&format!(
        "{twice}{}",
        &twice[twice.find("[[form]]").unwrap()..]
    ));
    assert!(e.contains("listed twice"), "{e}");
    assert!(parse_err("name = \"x\"\n").contains("inventory is empty"));
}

#[test]
fn a_facility_inventory_replaces_the_corporations() {
    let text = format!(
        "{BASELINE}\n[[facility]]\nid = \"F\"\n[[facility.form]]\nid = \"b\"\nname = \"フェイスシート\"\nunit = \"user_month\"\npages_per_unit = 1\ncopies = 1\nchannel = \"paper\"\nreplaced_by = [\"SERVICE_USER_INFO\"]\n"
    );
    let b = Baseline::parse(&text, "b.toml", &registry()).unwrap();
    assert_eq!(b.forms_for("F").len(), 1);
    assert_eq!(b.forms_for("P").len(), 3);
    let m = metrics::compute(&runs(), Some(&b));
    // F's own inventory: only the face sheet, fully electronic.
    assert_eq!(row(&m, "F").reduction_ratio, Some(1.0));
    assert_eq!(row(&m, "F").half_met, Some(true));
}

mod cli {
    use std::path::Path;
    use std::process::{Command, Output};

    fn root() -> &'static Path {
        Path::new(env!("CARGO_MANIFEST_DIR"))
    }

    fn lifeline(args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_lifeline"))
            .args(args)
            .env("LIFELINE_NOW", "2026-11-05T09:00:00")
            .current_dir(root())
            .output()
            .unwrap()
    }

    /// The sample job run once into `out`, on 5 Nov 2026.
    fn sample_run(out: &Path) {
        let o = lifeline(&[
            "run",
            "--config",
            "samples/job.toml",
            "--out",
            out.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(1),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
    }

    #[test]
    fn metrics_of_the_sample_job() {
        let tmp = tempfile::tempdir().unwrap();
        sample_run(tmp.path());
        let ledger = tmp.path().join("ledger.sqlite");
        let files = tmp.path().join("m");
        let o = lifeline(&[
            "metrics",
            "--ledger",
            ledger.to_str().unwrap(),
            "--baseline",
            "samples/baseline.toml",
            "--from",
            "2026-10",
            "--to",
            "2026-10",
            "--out",
            files.to_str().unwrap(),
        ]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&o.stderr)
        );
        insta::assert_snapshot!(String::from_utf8(o.stdout).unwrap());
        for f in [
            "metrics.csv",
            "metrics.parquet",
            "metrics.json",
            "report.html",
        ] {
            assert!(files.join(f).is_file(), "{f}");
        }
        // The run wrote the same numbers next to its outputs.
        let from_run = std::fs::read(tmp.path().join("202610/metrics/metrics.csv")).unwrap();
        assert_eq!(std::fs::read(files.join("metrics.csv")).unwrap(), from_run);
        // A period with no run: rows empty, still exit 0.
        let o = lifeline(&[
            "metrics",
            "--ledger",
            ledger.to_str().unwrap(),
            "--from",
            "2027-01",
            "--format",
            "json",
        ]);
        assert_eq!(o.status.code(), Some(0));
        let j: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
        assert_eq!(j["rows"].as_array().unwrap().len(), 0);
        assert_eq!(j["baseline"], serde_json::Value::Null);
    }

    #[test]
    fn metrics_refuses_what_it_cannot_use_with_exit_2() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("nope.sqlite");
        let o = lifeline(&["metrics", "--ledger", missing.to_str().unwrap()]);
        assert_eq!(o.status.code(), Some(2));
        assert!(String::from_utf8_lossy(&o.stderr).contains("no ledger at"));
        assert!(!missing.exists(), "a missing ledger is not created");

        sample_run(tmp.path());
        let ledger = tmp.path().join("ledger.sqlite");
        let bad = tmp.path().join("bad.toml");
        std::fs::write(&bad, "name = \"x\"\n[[form]]\nid = \"f\"\nname = \"n\"\nunit = \"record\"\npages_per_unit = 0\ncopies = 1\nchannel = \"paper\"\nreplaced_by = [\"FORM_0000_2021\"]\n").unwrap();
        let o = lifeline(&[
            "metrics",
            "--ledger",
            ledger.to_str().unwrap(),
            "--baseline",
            bad.to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2));
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(
            err.contains("bad.toml:2: form `f`: pages_per_unit"),
            "{err}"
        );
        for args in [["--from", "2026-13"], ["--to", "soon"]] {
            let o = lifeline(
                &[
                    &["metrics", "--ledger", ledger.to_str().unwrap()][..],
                    &args[..],
                ]
                .concat(),
            );
            assert_eq!(o.status.code(), Some(2), "{args:?}");
        }
        let o = lifeline(&[
            "metrics",
            "--ledger",
            ledger.to_str().unwrap(),
            "--from",
            "2026-11",
            "--to",
            "2026-10",
        ]);
        assert_eq!(o.status.code(), Some(2));
    }
}
