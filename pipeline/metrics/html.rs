//! The report (`report.html`): one self-contained UTF-8 document — inline CSS, hand-drawn SVG
//! charts, no scripts, fonts, images or links — and nothing that changes between two renders of
//! the same [`Metrics`] (no clock). Every text that comes from a file goes through [`esc`].

use std::collections::BTreeMap;
use std::fmt::Write;

use super::{ALL, HALF, Metrics, Row};

/// `write!` into a `String`, which cannot fail.
macro_rules! w {
    ($o:expr, $($t:tt)*) => {{
        let _ = write!($o, $($t)*);
    }};
}

mod charts;

use charts::{facilities, rejections, trend};

const DASH: &str = "—";

const CSS: &str = r#"
body{margin:0;font:14px/1.5 system-ui,-apple-system,"Segoe UI","Hiragino Sans","Hiragino Kaku Gothic ProN","Yu Gothic UI",Meiryo,"Noto Sans CJK JP",sans-serif;color:#1f2328}
main{max-width:1200px;margin:0 auto;padding:16px 24px 48px} h1{font-size:1.6em;margin:.3em 0}
h2{font-size:1.2em;margin:1.8em 0 .5em;border-bottom:2px solid #d0d7de;padding-bottom:.2em}
.en{font-weight:normal;color:#57606a;font-size:.85em;margin-left:.4em}
th .en,td .en{display:block;margin:0} .note,dt{color:#57606a} a{color:#0969da}
.warn{background:#fff8c5;border:1px solid #d4a72c;padding:.5em .8em}
dl{display:grid;grid-template-columns:max-content 1fr;gap:.1em 1em} dd{margin:0}
.tiles{display:grid;grid-template-columns:repeat(auto-fill,minmax(230px,1fr));gap:12px}
.tile{border:1px solid #d0d7de;border-radius:6px;padding:8px 12px}
.k,.s{font-size:.85em;color:#57606a} .v{font-size:1.6em;font-weight:600}
.pass{color:#116329;font-weight:600} .fail{color:#a40e26;font-weight:600}
svg{display:block;max-width:960px;height:auto} svg text{font-size:12px;fill:#1f2328}
svg .e{text-anchor:end} svg .m{text-anchor:middle} svg .mu{fill:#57606a}
svg text.pass{fill:#116329} svg text.fail{fill:#a40e26}
svg .mono{font-family:ui-monospace,Menlo,Consolas,monospace}
svg .halo{paint-order:stroke;stroke:#fff;stroke-width:3px;stroke-linejoin:round}
svg .grid{stroke:#d8dee4} svg .axis{stroke:#57606a}
svg .half{stroke:#24292f;stroke-width:1.5;stroke-dasharray:6 4}
svg .bar{fill:#5b8fd0} svg .bar.pass{fill:#2da44e} svg .bar.fail{fill:#e5534b}
svg .ratio{fill:none;stroke:#bc4c00;stroke-width:2} svg .pt{fill:#bc4c00;stroke:#fff}
.scroll{overflow-x:auto} table{border-collapse:collapse;font-size:13px}
th,td{border:1px solid #d0d7de;padding:3px 5px;vertical-align:top}
thead th{background:#f6f8fa;word-break:keep-all} td{white-space:nowrap}
td.n{text-align:right} td.w{white-space:normal;min-width:6em}
.v,td.n{font-variant-numeric:tabular-nums} @media print{.scroll{overflow:visible}}
"#;

/// Escapes text for HTML content and attribute values.
pub fn esc(s: &str) -> String {
    let mut o = String::with_capacity(s.len());
    for ch in s.chars() {
        match ch {
            '&' => o.push_str("&amp;"),
            '<' => o.push_str("&lt;"),
            '>' => o.push_str("&gt;"),
            '"' => o.push_str("&quot;"),
            '\'' => o.push_str("&#39;"),
            _ => o.push(ch),
        }
    }
    o
}

/// An integer with thousands separators.
fn int(n: u64) -> String {
    let d = n.to_string();
    let mut o = String::with_capacity(d.len() + d.len() / 3);
    for (i, ch) in d.chars().enumerate() {
        if i > 0 && (d.len() - i).is_multiple_of(3) {
            o.push(',');
        }
        o.push(ch);
    }
    o
}

/// `x` to one decimal, with thousands separators; `always` keeps a ".0".
fn tenths(x: f64, always: bool) -> String {
    let t = (x * 10.0).round() as i64;
    let (sign, a) = (if t < 0 { "-" } else { "" }, t.unsigned_abs());
    match a % 10 {
        0 if !always => format!("{sign}{}", int(a / 10)),
        f => format!("{sign}{}.{f}", int(a / 10)),
    }
}

/// A count that may be fractional ("1,234.5").
fn num(x: f64) -> String {
    match x.is_finite() {
        true => tenths(x, false),
        false => DASH.into(),
    }
}

/// A ratio as a percentage with one decimal ("52.4 %"), None as "—".
fn pct(r: Option<f64>) -> String {
    match r.filter(|r| r.is_finite()) {
        Some(r) => format!("{} %", tenths(r * 100.0, true)),
        None => DASH.into(),
    }
}

/// A low–high range (of minutes).
fn range(low: f64, high: f64) -> String {
    format!("{}–{}", num(low), num(high))
}

/// 半減 met or not, in words (never colour only).
fn pass_fail(h: Option<bool>) -> &'static str {
    match h {
        Some(true) => "<span class=\"pass\">達成 pass</span>",
        Some(false) => "<span class=\"fail\">未達 fail</span>",
        None => DASH,
    }
}

/// "r %" over "n / of", or "—" when there is nothing to count.
fn share(n: u64, of: u64, r: Option<f64>) -> String {
    match of {
        0 => DASH.into(),
        _ => format!(
            "{}<span class=\"en\">{} / {}</span>",
            pct(r),
            int(n),
            int(of)
        ),
    }
}

/// At most `max` width units (ASCII 1, other 2), with "…" when cut.
fn trunc(s: &str, max: usize) -> String {
    let width = |c: char| if c.is_ascii() { 1 } else { 2 };
    if s.chars().map(width).sum::<usize>() <= max {
        return s.to_string();
    }
    let mut used = 1;
    let cut = s.chars().take_while(|&c| {
        used += width(c);
        used <= max
    });
    cut.chain(['…']).collect()
}

/// What the sections share.
struct Ctx<'a> {
    m: &'a Metrics,
    /// A baseline was given: the paper, re-keying and time numbers mean something.
    paper: bool,
    /// The ALL rows, by month.
    totals: Vec<&'a Row>,
    /// The facility rows, by facility and month.
    rows: Vec<&'a Row>,
    /// The last month of the rows, and "—" when there is none.
    latest: &'a str,
    /// Assumption id → its number in the assumptions table.
    notes: BTreeMap<&'a str, usize>,
}

impl<'a> Ctx<'a> {
    fn new(m: &'a Metrics) -> Self {
        let (mut totals, mut rows): (Vec<&Row>, Vec<&Row>) =
            m.rows.iter().partition(|r| r.facility == ALL);
        totals.sort_by(|a, b| a.month.cmp(&b.month));
        rows.sort_by(|a, b| (&a.facility, &a.month).cmp(&(&b.facility, &b.month)));
        let notes = m.assumptions.iter().enumerate();
        let months = m.rows.iter().map(|r| r.month.as_str());
        Ctx {
            m,
            paper: m.baseline.is_some(),
            latest: months.max().unwrap_or(DASH),
            notes: notes.map(|(i, a)| (a.id.as_str(), i + 1)).collect(),
            totals,
            rows,
        }
    }

    /// `s` when there is a baseline, "—" otherwise (empty, not 0).
    fn paper(&self, s: String) -> String {
        if self.paper { s } else { DASH.into() }
    }

    /// The facility rows of the last month.
    fn latest_rows(&self) -> Vec<&'a Row> {
        let rows = self.rows.iter().copied();
        rows.filter(|r| r.month == self.latest).collect()
    }

    /// Links to the assumptions a row's numbers rest on.
    fn refs(&self, ids: &[String]) -> String {
        let mut ids: Vec<_> = ids
            .iter()
            .map(|id| (self.notes.get(id.as_str()), id))
            .collect();
        ids.sort();
        let links = ids.into_iter().map(|(n, id)| match n {
            Some(n) => format!("<a href=\"#as-{n}\" title=\"{}\">A{n}</a>", esc(id)),
            None => esc(id),
        });
        links.collect::<Vec<_>>().join(" ")
    }
}

/// The report of `m`.
pub fn render(m: &Metrics) -> String {
    let c = Ctx::new(m);
    let mut o = String::with_capacity(64 * 1024);
    header(&mut o, &c);
    summary(&mut o, &c);
    trend(&mut o, &c);
    facilities(&mut o, &c);
    rejections(&mut o, &c);
    month_tables(&mut o, &c);
    quality(&mut o, &c);
    forms(&mut o, &c);
    assumptions(&mut o, &c);
    o.push_str("</main>\n</body>\n</html>\n");
    o
}

/// A section heading; `{month}` in `en` becomes the last month.
fn heading(o: &mut String, c: &Ctx, ja: &str, en: &str) {
    let en = esc(&en.replace("{month}", c.latest));
    w!(o, "<h2>{ja}<span class=\"en\">{en}</span></h2>\n");
}

/// What stands in for a chart or table with nothing to show (the id stays).
fn empty(o: &mut String, id: &str, text: &str) {
    w!(o, "<p id=\"{id}\" class=\"note\">{text}</p>\n");
}

fn header(o: &mut String, c: &Ctx) {
    let m = c.m;
    o.push_str("<!DOCTYPE html>\n<html lang=\"ja\">\n<head>\n<meta charset=\"utf-8\">\n<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">\n");
    o.push_str(&format!("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>LIFE提出・文書削減レポート</title>\n<style>{CSS}</style>\n</head>\n"));
    o.push_str("<body>\n<main>\n<h1>LIFE提出・文書削減レポート<span class=\"en\">LIFE submission and paperwork reduction</span></h1>\n<dl>\n");
    let period = match (&m.from, &m.to) {
        (Some(f), Some(t)) if f == t => esc(f),
        (Some(f), Some(t)) => format!("{} – {}", esc(f), esc(t)),
        _ => format!("{DASH}（行なし no rows）"),
    };
    let baseline = match &m.baseline {
        Some(b) => {
            let (name, source, path) = (esc(&b.name), esc(&b.source), esc(&b.path));
            format!("{name}（{source}）<br><code>{path}</code>")
        }
        None => "なし none".into(),
    };
    let tool = esc(&m.tool);
    o.push_str(&format!("<dt>期間 Period</dt><dd>{period}</dd>\n<dt>ベースライン Baseline</dt><dd>{baseline}</dd>\n<dt>ツール Tool</dt><dd>{tool}</dd>\n</dl>\n"));
    o.push_str(if c.paper {
        "<p class=\"note\">紙の枚数・転記・時間は事業所が申告したベースラインからの計算で、時間は推計です（測定値ではありません）。 Paper, re-keying and time come from the declared baseline; minutes are estimates, not measurements.</p>\n"
    } else {
        "<p class=\"warn\">ベースラインがないため、紙・転記・時間の指標は計算していません。 No baseline: paper and time metrics not computed.</p>\n"
    });
}

/// Tiles for the last month's ALL row.
fn summary(o: &mut String, c: &Ctx) {
    heading(o, c, "概要", "Summary of {month}, all facilities");
    let Some(t) = c.totals.iter().find(|r| r.month == c.latest) else {
        return empty(o, "summary", "集計する行がありません。 No rows.");
    };
    let sheets = |x: f64| c.paper(format!("{} 枚", num(x)));
    let of = |a: u64, b: u64| format!("{} / {}", int(a), int(b));
    let users = of(t.users_submitted, t.users_submitted + t.users_due_missing);
    let read = of(t.first_pass_rejected, t.first_pass_rows);
    let mins = range(t.minutes_saved_low, t.minutes_saved_high);
    let forms = c.paper(of(t.forms_digitized, t.forms_total));
    let tiles = [
        ("削減枚数 Sheets avoided", sheets(t.sheets_avoided)),
        ("削減率 Reduction ratio", pct(t.reduction_ratio)),
        (
            "半減達成の事業所 Facilities at 50 %",
            c.paper(of(t.facilities_half_met, t.facilities)),
        ),
        ("LIFE提出率 Coverage", pct(t.coverage)),
        (
            "実績の利用者のLIFE Served users in LIFE",
            pct(t.served_coverage),
        ),
        (
            "初回の除外率 First-pass rejection",
            pct(t.first_pass_rejection_rate),
        ),
        (
            "削減時間（推計） Minutes saved, estimate",
            c.paper(format!("{mins} 分")),
        ),
        ("LIFE記録 Records", int(t.life_records)),
    ];
    let subs = [
        format!("ベースライン baseline {}", sheets(t.sheets_baseline)),
        format!("文書量半減（50 % 以上） {}", pass_fail(t.half_met)),
        "事業所 facilities meeting 半減".into(),
        format!("{users} 人 users"),
        format!(
            "{} 人 users served (第6表 実績)",
            of(t.served_in_life, t.served_users)
        ),
        format!("{read} 行 rows"),
        format!(
            "推計 estimate, not a measurement {}",
            c.refs(&t.assumptions)
        ),
        format!("電子化帳票 forms {forms}"),
    ];
    o.push_str("<div id=\"summary\" class=\"tiles\">\n");
    for ((k, v), s) in tiles.into_iter().zip(subs) {
        o.push_str(&format!("<div class=\"tile\"><div class=\"k\">{k}</div><div class=\"v\">{v}</div><div class=\"s\">{s}</div></div>\n"));
    }
    o.push_str("</div>\n");
}

/// A table: `heads` is "日本語|English" per column, `;` between columns, first "#" for a
/// numeric (right-aligned) column, "~" for one that wraps; the cells are HTML already escaped.
fn table(o: &mut String, id: &str, heads: &str, rows: impl Iterator<Item = Vec<String>>) {
    let class = |h: &str| match h.as_bytes().first() {
        Some(b'#') => " class=\"n\"",
        Some(b'~') => " class=\"w\"",
        _ => "",
    };
    let cols: Vec<(&str, &str)> = heads.split(';').map(|h| (class(h), h)).collect();
    w!(o, "<div class=\"scroll\"><table id=\"{id}\">\n<thead><tr>");
    for (_, h) in &cols {
        let h = h.trim_start_matches(['#', '~']);
        let (ja, en) = h.split_once('|').unwrap_or((h, ""));
        w!(o, "<th>{ja}<span class=\"en\">{en}</span></th>");
    }
    o.push_str("</tr></thead>\n<tbody>\n");
    for row in rows {
        o.push_str("<tr>");
        for ((class, _), cell) in cols.iter().zip(row) {
            w!(o, "<td{class}>{cell}</td>");
        }
        o.push_str("</tr>\n");
    }
    o.push_str("</tbody>\n</table></div>\n");
}

const MONTH_HEADS: &str = "事業所|Facility;月|Month;#LIFE記録|Records;#電子化帳票|Forms digitized;#紙 ベースライン|Sheets baseline;#削減枚数|Sheets avoided;#削減率|Ratio;半減|50 %;#転記回避|Re-keying avoided;#削減時間（分, 推計）|Minutes, estimate;#提出率|Coverage (users);#実績の利用者|Served users in LIFE;#初回の除外率|First-pass rejected;#最終の除外率|Final rejected;#準備完了|Days to ready;#実行回数|Runs;~前提|Assumptions";

/// The cells of a facility-month (or ALL-month) row under [`MONTH_HEADS`].
fn month_row(c: &Ctx, r: &Row) -> Vec<String> {
    let all = r.facility == ALL;
    let (n, met) = (r.facilities, r.facilities_half_met);
    let facility = match all {
        true => format!("{ALL}<span class=\"en\">{n} 事業所 facilities</span>"),
        false => esc(&r.facility),
    };
    let mut half = pass_fail(r.half_met).to_string();
    if all && c.paper {
        w!(half, " ({met}/{n})");
    }
    let users = r.users_submitted + r.users_due_missing;
    let digitized = format!("{} / {}", int(r.forms_digitized), int(r.forms_total));
    let first = (r.first_pass_rejected, r.first_pass_rows);
    let ready = r.days_to_ready.map(|d| format!("{d} 日"));
    vec![
        facility,
        esc(&r.month),
        int(r.life_records),
        c.paper(digitized),
        c.paper(num(r.sheets_baseline)),
        c.paper(num(r.sheets_avoided)),
        pct(r.reduction_ratio),
        half,
        c.paper(int(r.rekeying_avoided)),
        c.paper(range(r.minutes_saved_low, r.minutes_saved_high)),
        share(r.users_submitted, users, r.coverage),
        share(r.served_in_life, r.served_users, r.served_coverage),
        share(first.0, first.1, r.first_pass_rejection_rate),
        share(r.final_rejected, r.final_rows, r.final_rejection_rate),
        ready.unwrap_or_else(|| "未完了<span class=\"en\">not ready</span>".into()),
        int(r.runs),
        c.refs(&r.assumptions),
    ]
}

/// Facility × month (with coverage, rejections and readiness), then the corporation by month.
fn month_tables(o: &mut String, c: &Ctx) {
    heading(o, c, "事業所・月別", "By facility and month");
    let rows = c.rows.iter().map(|r| month_row(c, r));
    match c.rows.is_empty() {
        true => empty(o, "facility-months", "行がありません。 No rows."),
        false => table(o, "facility-months", MONTH_HEADS, rows),
    }
    heading(o, c, "法人全体・月別", "All facilities by month");
    let rows = c.totals.iter().map(|r| month_row(c, r));
    match c.totals.is_empty() {
        true => empty(o, "months", "法人全体の行がありません。 No ALL rows."),
        false => table(o, "months", MONTH_HEADS, rows),
    }
}

/// M8: what was repaired automatically, per facility-month.
fn quality(o: &mut String, c: &Ctx) {
    heading(o, c, "自動修正", "Data-quality repairs");
    if c.rows.is_empty() {
        return empty(o, "quality", "事業所の行がありません。 No facilities.");
    }
    let heads = "事業所|Facility;月|Month;#CP932 から|Files from CP932;#和暦の日付|Era dates converted;#全角の正規化|Full-width normalized;#カナ変換|Kana converted;#ラベルのコード化|Labels coded;#チェックデジット警告|Check-digit warnings;#ダミー行の除外|Dummy rows dropped";
    let rows = c.rows.iter().map(|r| {
        let counts = [
            r.files_from_cp932,
            r.era_dates_converted,
            r.full_width_normalized,
            r.kana_converted,
            r.labels_coded,
            r.check_digit_warnings,
            r.dummy_rows_dropped,
        ];
        let ids = [esc(&r.facility), esc(&r.month)];
        ids.into_iter().chain(counts.map(int)).collect()
    });
    table(o, "quality", heads, rows);
}

/// The baseline forms of each facility in the last month.
fn forms(o: &mut String, c: &Ctx) {
    heading(o, c, "帳票別", "Forms, {month}");
    let rows = c.latest_rows();
    if rows.iter().all(|r| r.forms.is_empty()) {
        let none = "帳票の明細がありません（ベースラインなし、または帳票なし）。 No form detail (no baseline or no forms).";
        return empty(o, "forms", none);
    }
    let heads = "事業所|Facility;~帳票|Form;計上したインターフェース|Counted as;#電子化件数|Instances;#月間件数 ベースライン|Units baseline;#紙 ベースライン|Sheets baseline;#削減枚数|Sheets avoided;#削減率|Ratio;#転記回避|Re-keying avoided;#削減時間（分, 推計）|Minutes, estimate";
    let forms = rows
        .iter()
        .flat_map(|r| r.forms.iter().map(move |f| (r, f)));
    let cells = forms.map(|(r, f)| {
        let (name, id) = (esc(&f.name), esc(&f.form_id));
        vec![
            esc(&r.facility),
            format!("{name}<span class=\"en\">{id}</span>"),
            f.counted_as.as_deref().map_or(DASH.into(), esc),
            int(f.instances),
            num(f.units_baseline),
            num(f.sheets_baseline),
            num(f.sheets_avoided),
            pct(f.reduction_ratio),
            int(f.rekeying_avoided),
            range(f.minutes_saved_low, f.minutes_saved_high),
        ]
    });
    table(o, "forms", heads, cells);
}

/// Every assumption, numbered as the rows refer to them.
fn assumptions(o: &mut String, c: &Ctx) {
    heading(o, c, "前提", "Assumptions behind the derived numbers");
    if c.m.assumptions.is_empty() {
        return empty(o, "assumptions", "前提はありません。 No assumptions.");
    }
    let rows = c.m.assumptions.iter().enumerate().map(|(i, a)| {
        let no = format!("<span id=\"as-{n}\">A{n}</span>", n = i + 1);
        let (id, ja, en) = (esc(&a.id), esc(&a.text_ja), esc(&a.text_en));
        vec![no, format!("<code>{id}</code>"), ja, en]
    });
    let heads = "番号|No.;ID|Id;~内容|Japanese;~English|";
    table(o, "assumptions", heads, rows);
}

#[cfg(test)]
mod tests {
    use super::super::{Assumption, BaselineInfo, FormRow};
    use super::charts::nice_step;
    use super::*;

    fn row(facility: &str, month: &str, ratio: Option<f64>) -> Row {
        let form = FormRow {
            form_id: "F1".into(),
            name: "計画書 & <x>".into(),
            ..FormRow::default()
        };
        Row {
            facility: facility.into(),
            month: month.into(),
            facilities: 1,
            sheets_baseline: 1000.0,
            sheets_avoided: ratio.unwrap_or(0.0) * 1000.0,
            reduction_ratio: ratio,
            half_met: ratio.map(|r| r >= HALF),
            first_pass_rejected_by_rule: [("value.range".to_string(), 3)].into(),
            assumptions: vec!["baseline".into(), "volume:<F1>".into()],
            forms: vec![form],
            ..Row::default()
        }
    }

    fn metrics() -> Metrics {
        let (name, source, path) = ("本部 \"2024\"".into(), "申告".into(), "b.toml".into());
        let note = Assumption {
            id: "volume:<F1>".into(),
            text_ja: "件数".into(),
            text_en: "n".into(),
        };
        Metrics {
            tool: "lifeline 0.1.0".into(),
            baseline: Some(BaselineInfo { name, source, path }),
            from: Some("2026-09".into()),
            to: Some("2026-10".into()),
            rows: vec![
                row("<b>1470090018</b>", "2026-09", Some(0.6)),
                row("2370090009", "2026-10", None),
                row("<b>1470090018</b>", "2026-10", Some(0.524)),
                row(ALL, "2026-09", Some(0.6)),
                row(ALL, "2026-10", Some(0.3)),
            ],
            assumptions: vec![note],
        }
    }

    /// Every part once, no script, no URL, no 環境依存文字 of ours.
    fn assert_clean(html: &str) {
        let ids =
            "summary trend facilities rejections facility-months months quality forms assumptions";
        for id in ids.split(' ') {
            assert_eq!(html.matches(&format!(" id=\"{id}\"")).count(), 1, "{id}");
        }
        assert!(html.starts_with("<!DOCTYPE html>\n<html lang=\"ja\">"));
        assert!(!html.to_lowercase().contains("<script"));
        assert!(!html.contains("http://") && !html.contains("https://"));
        for bad in ['①', 'Ⅰ', '㎝', '髙', '﨑', '≥', '～', '〜'] {
            assert!(!html.contains(bad), "{bad}");
        }
    }

    /// The text of `<svg id="{id}" …>…</svg>`.
    fn svg<'a>(html: &'a str, id: &str) -> &'a str {
        let s = &html[html.find(&format!("<svg id=\"{id}\"")).unwrap()..];
        &s[..s.find("</svg>").unwrap()]
    }

    #[test]
    fn esc_escapes_the_five() {
        let e = "&lt;a href=&#39;x&#39;&gt;&amp;&quot;&lt;/a&gt;";
        assert_eq!(esc(r#"<a href='x'>&"</a>"#), e);
        assert_eq!(esc("事業所 1"), "事業所 1");
    }

    #[test]
    fn numbers() {
        assert_eq!(
            (int(0), int(999), int(1_234_567)),
            ("0".into(), "999".into(), "1,234,567".into())
        );
        assert_eq!(
            (num(1234.0), num(-1234.56), num(f64::NAN)),
            ("1,234".into(), "-1,234.6".into(), DASH.into())
        );
        assert_eq!(
            (pct(Some(0.524)), pct(Some(0.5)), pct(None)),
            ("52.4 %".into(), "50.0 %".into(), DASH.into())
        );
        assert_eq!(
            [nice_step(0.0), nice_step(9.0), nice_step(1000.0)],
            [1.0, 5.0, 250.0]
        );
        assert_eq!(
            (trunc("abcdef", 4), trunc("事業所", 6)),
            ("abc…".into(), "事業所".into())
        );
        assert_eq!(trunc("事業所名", 6), "事業…");
    }

    #[test]
    fn the_report_has_every_part_and_escapes_file_text() {
        let html = render(&metrics());
        assert_clean(&html);
        assert!(!html.contains("<b>") && html.contains("&lt;b&gt;1470090018&lt;/b&gt;"));
        assert!(html.contains("計画書 &amp; &lt;x&gt;") && html.contains("本部 &quot;2024&quot;"));
        // The latest ALL row: 30 % fails; one facility passes, the other has no ratio.
        assert!(html.contains("<div class=\"v\">30.0 %</div>"));
        assert!(html.contains("<span class=\"fail\">未達 fail</span>"));
        let f = svg(&html, "facilities");
        assert_eq!(
            (
                f.matches("class=\"bar pass\"").count(),
                f.matches("bar fail").count()
            ),
            (1, 0)
        );
        assert!(f.contains(">52.4 % 達成 pass<") && f.contains("比率なし no ratio"));
        // Two months: two bars, a ratio line through two points.
        let t = svg(&html, "trend");
        assert_eq!(t.matches("<rect class=\"bar\"").count(), 2);
        assert_eq!(
            (t.matches("<polyline").count(), t.matches("<circle").count()),
            (1, 2)
        );
        // Rules summed over the ALL rows (3 + 3), not the facility rows too.
        assert!(svg(&html, "rejections").contains("value.range: 6"));
        // Assumption ids link to the table; ids not in it stay text.
        assert!(html.contains("baseline <a href=\"#as-1\" title=\"volume:&lt;F1&gt;\">A1</a>"));
        assert!(html.contains("<span id=\"as-1\">A1</span>"));
        let body = |id: &str| {
            let t = &html[html.find(&format!("<table id=\"{id}\"")).unwrap()..];
            t[t.find("<tbody>").unwrap()..t.find("</tbody>").unwrap()]
                .matches("<tr>")
                .count()
        };
        let ids = [
            "facility-months",
            "months",
            "quality",
            "forms",
            "assumptions",
        ];
        assert_eq!(ids.map(body), [3, 2, 3, 2, 1]);
        assert_eq!(html, render(&metrics()), "byte-reproducible");
    }

    #[test]
    fn empty_and_degenerate_inputs_do_not_panic() {
        let rows = vec![];
        let none = Metrics {
            tool: "t".into(),
            baseline: None,
            from: None,
            to: None,
            rows,
            assumptions: vec![],
        };
        let html = render(&none);
        assert_clean(&html);
        assert!(html.contains("No baseline: paper and time metrics not computed"));
        // No ALL rows, no baseline, every ratio None.
        let mut m = metrics();
        m.baseline = None;
        m.rows.retain(|r| r.facility != ALL);
        m.rows.iter_mut().for_each(|r| r.reduction_ratio = None);
        let html = render(&m);
        assert_clean(&html);
        assert!(!html.contains(">1,000<"), "no sheets without a baseline");
        // A single month, only an ALL row, no ratio, no rejection.
        let mut m = metrics();
        m.rows = vec![row(ALL, "2026-10", None)];
        m.rows[0].first_pass_rejected_by_rule.clear();
        let html = render(&m);
        assert_clean(&html);
        assert!(html.contains("No rows were rejected"));
        let bars = svg(&html, "trend").matches("<rect class=\"bar\"").count();
        assert_eq!(bars, 1);
        assert!(!html.contains("<circle") && !html.contains("<polyline"));
    }
}
