//! The HTML report in a real browser: headless Chromium lays out a hand-made report, a script
//! injected into the test's copy measures the charts and tables, and `--dump-dom` hands the
//! measurements back. Checks that the SVGs have a size, that their bars are where the numbers
//! say (pass right of the 50 % line, fail left of it), that no label falls outside its chart
//! and that the tables have their rows.
//!
//! The browser is `$LIFELINE_CHROMIUM`, else `chromium`, `chromium-browser` or `google-chrome`
//! on PATH. Without one the test is skipped with a message, except under CI (`$CI` set), where
//! it fails.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use lifeline::metrics::{ALL, Assumption, BaselineInfo, FormRow, HALF, Metrics, Row, html};
use serde_json::Value;

const F1: &str = "1470090018";
const F2: &str = "2370090009";

fn form(id: &str, name: &str, baseline: f64, avoided: f64) -> FormRow {
    FormRow {
        form_id: id.into(),
        name: name.into(),
        counted_as: Some("FORM_0900_2021".into()),
        instances: (avoided / 2.0) as u64,
        units_baseline: baseline / 2.0,
        sheets_baseline: baseline,
        sheets_avoided: avoided,
        reduction_ratio: Some(avoided / baseline),
        minutes_saved_low: avoided,
        minutes_saved_high: avoided * 2.0,
        ..FormRow::default()
    }
}

fn row(facility: &str, month: &str, baseline: f64, avoided: f64, rules: &[(&str, u64)]) -> Row {
    let ratio = avoided / baseline;
    let rejected: u64 = rules.iter().map(|(_, n)| n).sum();
    Row {
        facility: facility.into(),
        month: month.into(),
        facilities: 1,
        life_records: 1234,
        forms_digitized: 2,
        forms_total: 2,
        sheets_baseline: baseline,
        sheets_avoided: avoided,
        reduction_ratio: Some(ratio),
        half_met: Some(ratio >= HALF),
        facilities_half_met: u64::from(ratio >= HALF),
        minutes_saved_low: avoided,
        minutes_saved_high: avoided * 2.0,
        users_submitted: 40,
        users_due_missing: 2,
        coverage: Some(40.0 / 42.0),
        first_pass_rows: 200,
        first_pass_rejected: rejected,
        first_pass_rejection_rate: Some(rejected as f64 / 200.0),
        first_pass_rejected_by_rule: rules.iter().map(|(r, n)| (r.to_string(), *n)).collect(),
        days_to_ready: Some(3),
        runs: 2,
        era_dates_converted: 17,
        assumptions: vec!["baseline".into(), "ready".into()],
        forms: vec![
            form("care_plan", "ケアプラン", baseline / 2.0, avoided / 2.0),
            form("adl_sheet", "ADL記録票", baseline / 2.0, avoided / 2.0),
        ],
        ..Row::default()
    }
}

/// 2 facilities × 2 months: F1 passes 半減 in 2026-10 (65 %), F2 fails (30 %); ALL 51 %.
fn metrics() -> Metrics {
    let mut all09 = row(
        ALL,
        "2026-09",
        2000.0,
        700.0,
        &[("ingest.date", 4), ("value.range", 2)],
    );
    let mut all10 = row(
        ALL,
        "2026-10",
        2000.0,
        1020.0,
        &[("value.range", 1), ("due.missing", 3)],
    );
    for (t, met) in [(&mut all09, 0), (&mut all10, 1)] {
        (t.facilities, t.facilities_half_met, t.forms) = (2, met, vec![]);
    }
    let note = |id: &str| Assumption {
        id: id.into(),
        text_ja: format!("前提 {id}"),
        text_en: format!("assumption {id}"),
    };
    Metrics {
        tool: "lifeline 0.1.0".into(),
        baseline: Some(BaselineInfo {
            name: "本部 2024".into(),
            source: "事務長の申告".into(),
            path: "baseline.toml".into(),
        }),
        from: Some("2026-09".into()),
        to: Some("2026-10".into()),
        rows: vec![
            row(F1, "2026-09", 1200.0, 540.0, &[("ingest.date", 4)]),
            row(F2, "2026-09", 800.0, 160.0, &[("value.range", 2)]),
            row(F1, "2026-10", 1200.0, 780.0, &[("value.range", 1)]),
            row(F2, "2026-10", 800.0, 240.0, &[("due.missing", 3)]),
            all09,
            all10,
        ],
        assumptions: vec![note("baseline"), note("ready"), note("coverage")],
    }
}

/// Measures the laid-out page and writes JSON into `<pre id="check">`.
const PROBE: &str = r#"<script>
(() => {
  const box = e => { const r = e.getBoundingClientRect(); return {l: r.left, r: r.right, t: r.top, b: r.bottom, w: r.width, h: r.height}; };
  const out = {lang: document.documentElement.lang, charset: document.characterSet,
    resources: performance.getEntriesByType('resource').length, charts: {}, tables: {}};
  for (const id of ['trend', 'facilities', 'rejections']) {
    const s = document.getElementById(id);
    if (!s || s.tagName.toLowerCase() !== 'svg') { out.charts[id] = null; continue; }
    const sb = box(s);
    const all = sel => [...s.querySelectorAll(sel)];
    const shapes = {};
    for (const k of ['rect', 'line', 'path', 'polyline', 'circle', 'text']) shapes[k] = all(k).length;
    const outside = all('text').filter(t => { const b = box(t);
      return b.w === 0 || b.l < sb.l - 1 || b.r > sb.r + 1 || b.t < sb.t - 1 || b.b > sb.b + 1; })
      .map(t => t.textContent);
    out.charts[id] = {box: sb, shapes, outside,
      title: s.querySelector(':scope > title')?.textContent ?? '',
      bars: all('rect.bar:not(.key)').map(r => ({cls: r.getAttribute('class'), ...box(r)})),
      half: all('line.half').map(box),
      grid: all('line.grid, line.axis').map(box),
      points: all('circle.pt').map(box),
      texts: all('text').map(t => t.textContent)};
  }
  for (const id of ['facility-months', 'months', 'quality', 'forms', 'assumptions']) {
    const t = document.getElementById(id);
    out.tables[id] = t && t.tagName === 'TABLE'
      ? {rows: t.querySelectorAll('tbody tr').length, cols: t.querySelectorAll('thead th').length,
         w: t.getBoundingClientRect().width}
      : null;
  }
  const pre = document.createElement('pre');
  pre.id = 'check';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>
"#;

/// `$LIFELINE_CHROMIUM`, or the first Chromium on PATH.
fn browser() -> Option<PathBuf> {
    if let Some(p) = std::env::var_os("LIFELINE_CHROMIUM").filter(|p| !p.is_empty()) {
        return Some(PathBuf::from(p));
    }
    let path = std::env::var_os("PATH")?;
    ["chromium", "chromium-browser", "google-chrome"]
        .iter()
        .find_map(|name| {
            std::env::split_paths(&path)
                .map(|dir| dir.join(name))
                .find(|p| p.is_file())
        })
}

/// Runs the browser on `page` and returns the DOM it dumps, killing it after a minute.
fn dump_dom(chromium: &Path, page: &Path, dir: &Path) -> String {
    let (out_path, err_path) = (dir.join("dom.html"), dir.join("chromium.log"));
    let profile = dir.join("profile");
    let mut cmd = Command::new(chromium);
    // Its own process group, so that a timeout ends the renderers too.
    #[cfg(unix)]
    std::os::unix::process::CommandExt::process_group(&mut cmd, 0);
    let mut child = cmd
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-extensions",
            "--window-size=1280,2000",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("file://{}", page.display()))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out_path).unwrap())
        .stderr(std::fs::File::create(&err_path).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromium.display()));
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > Duration::from_secs(60) {
            #[cfg(unix)]
            let _ = Command::new("kill")
                .args(["-KILL", "--", &format!("-{}", child.id())])
                .status();
            let _ = child.kill();
            let _ = child.wait();
            panic!("{} hung for 60 s on {}", chromium.display(), page.display());
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    let log = std::fs::read_to_string(&err_path).unwrap_or_default();
    assert!(
        status.success(),
        "{} failed ({status}):\n{log}",
        chromium.display()
    );
    std::fs::read_to_string(&out_path).unwrap()
}

/// The JSON the probe left in the dumped DOM.
fn probe_result(dom: &str) -> Value {
    let start = dom
        .find("<pre id=\"check\">")
        .expect("the probe did not run")
        + 16;
    let end = start + dom[start..].find("</pre>").unwrap();
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("{e}: {json}"))
}

fn f(v: &Value) -> f64 {
    v.as_f64().unwrap_or_else(|| panic!("not a number: {v}"))
}

#[test]
fn the_report_lays_out_in_chromium() {
    let Some(chromium) = browser() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "no Chromium found (set LIFELINE_CHROMIUM or install the package chromium)"
        );
        // Straight to stderr: the test harness would swallow eprintln! of a passing test.
        let msg = "\n*** report_browser skipped: no Chromium (install package chromium) ***\n\n";
        let _ = std::io::Write::write_all(&mut std::io::stderr(), msg.as_bytes());
        return;
    };
    let report = html::render(&metrics());
    assert!(!report.contains("<script"));
    // The test's copy only: without the CSP (it forbids scripts) and with the probe.
    let csp = report
        .find("<meta http-equiv=\"Content-Security-Policy\"")
        .unwrap();
    let csp_end = csp + report[csp..].find('>').unwrap() + 1;
    let body_end = report.rfind("</body>").unwrap();
    let probed = format!(
        "{}{}{PROBE}{}",
        &report[..csp],
        &report[csp_end..body_end],
        &report[body_end..]
    );
    let tmp = tempfile::tempdir().unwrap();
    std::fs::write(tmp.path().join("report.html"), &report).unwrap();
    let page = tmp.path().join("probed.html");
    std::fs::write(&page, probed).unwrap();
    let dom = dump_dom(&chromium, &page, tmp.path());
    let c = probe_result(&dom);
    let context = format!("{:#}", c);

    assert_eq!(c["lang"], "ja", "{context}");
    assert_eq!(c["charset"], "UTF-8", "{context}");
    assert_eq!(c["resources"], 0, "nothing fetched: {context}");

    // Every chart: an SVG with a size, shapes, a title, no text outside it.
    for id in ["trend", "facilities", "rejections"] {
        let s = &c["charts"][id];
        assert!(s.is_object(), "#{id} is not an svg: {context}");
        assert!(
            f(&s["box"]["w"]) > 300.0 && f(&s["box"]["h"]) > 50.0,
            "#{id}: {context}"
        );
        let shapes = &s["shapes"];
        for k in ["rect", "line", "text"] {
            assert!(
                shapes[k].as_u64().unwrap() > 0,
                "#{id} has no {k}: {context}"
            );
        }
        assert!(!s["title"].as_str().unwrap().is_empty(), "#{id}: {context}");
        assert_eq!(s["outside"], Value::Array(vec![]), "#{id}: labels cut off");
    }

    // Trend: one bar per month, 700 and 1,020 sheets on a 0–2,000 axis; the ratio as a line
    // through two points at 35 % and 51 %; the 50 % line halfway up.
    let t = &c["charts"]["trend"];
    let texts: Vec<&str> = t["texts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for want in ["半減ライン 50 %", "2026-09", "2026-10", "2,000", "100 %"] {
        assert!(texts.contains(&want), "{want}: {texts:?}");
    }
    let ys: Vec<f64> = t["grid"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| f(&l["t"]))
        .collect();
    let (top, base) = (
        ys.iter().copied().fold(f64::MAX, f64::min),
        ys.iter().copied().fold(0.0, f64::max),
    );
    let up = |y: f64| (base - y) / (base - top);
    let bars = t["bars"].as_array().unwrap();
    assert_eq!(bars.len(), 2, "{context}");
    assert!(f(&bars[0]["r"]) < f(&bars[1]["l"]), "bars side by side");
    for (bar, want) in bars.iter().zip([700.0 / 2000.0, 1020.0 / 2000.0]) {
        assert!(
            (up(f(&bar["t"])) - want).abs() < 0.01 && (f(&bar["b"]) - base).abs() < 1.0,
            "{bar}"
        );
    }
    assert_eq!(
        (
            t["shapes"]["polyline"].as_u64(),
            t["shapes"]["circle"].as_u64()
        ),
        (Some(1), Some(2))
    );
    for (p, want) in t["points"].as_array().unwrap().iter().zip([0.35, 0.51]) {
        assert!(
            (up((f(&p["t"]) + f(&p["b"])) / 2.0) - want).abs() < 0.01,
            "{p}"
        );
    }
    let half = t["half"].as_array().unwrap();
    let line = half
        .iter()
        .max_by(|a, b| f(&a["w"]).total_cmp(&f(&b["w"])))
        .unwrap();
    assert!((up(f(&line["t"])) - HALF).abs() < 0.005, "{line}");

    // Facilities: one bar each, coloured and labelled pass/fail on the right side of the line.
    let fac = &c["charts"]["facilities"];
    let bars = fac["bars"].as_array().unwrap();
    assert_eq!(bars.len(), 2, "{context}");
    assert_eq!(bars[0]["cls"], "bar pass");
    assert_eq!(bars[1]["cls"], "bar fail");
    let x50 = f(&fac["half"][0]["l"]);
    assert!(
        f(&bars[0]["r"]) > x50 && f(&bars[1]["r"]) < x50,
        "{x50} {bars:?}"
    );
    let (w1, w2) = (f(&bars[0]["w"]), f(&bars[1]["w"]));
    assert!((w1 / w2 - 0.65 / 0.30).abs() < 0.03, "bar widths {w1} {w2}");
    let at = (x50 - f(&bars[0]["l"])) / w1;
    assert!((at - 0.5 / 0.65).abs() < 0.02, "the line is at 50 %: {at}");
    let texts: Vec<&str> = fac["texts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    for want in [
        F1,
        F2,
        "65.0 % 達成 pass",
        "30.0 % 未達 fail",
        "半減ライン 50 %",
    ] {
        assert!(texts.contains(&want), "{want}: {texts:?}");
    }

    // Rejections: the rules over the ALL rows, most first, counts as text.
    let r = &c["charts"]["rejections"];
    let bars = r["bars"].as_array().unwrap();
    assert_eq!(bars.len(), 3, "{context}");
    assert!(
        f(&bars[0]["w"]) > f(&bars[1]["w"]) && (f(&bars[1]["w"]) - f(&bars[2]["w"])).abs() < 0.5
    );
    let texts: Vec<&str> = r["texts"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let want = ["ingest.date", "4", "due.missing", "3", "value.range", "3"];
    assert_eq!(texts, want, "{context}");

    // Tables: rows as in the metrics, and laid out.
    let want: BTreeMap<&str, (u64, u64)> = [
        ("facility-months", (4, 17)),
        ("months", (2, 17)),
        ("quality", (4, 9)),
        ("forms", (4, 10)),
        ("assumptions", (3, 4)),
    ]
    .into();
    for (id, (rows, cols)) in want {
        let t = &c["tables"][id];
        assert!(t.is_object(), "#{id} is not a table: {context}");
        assert_eq!(
            (t["rows"].as_u64(), t["cols"].as_u64()),
            (Some(rows), Some(cols)),
            "#{id}"
        );
        assert!(f(&t["w"]) > 100.0, "#{id}: {context}");
    }
}
