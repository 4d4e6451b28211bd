//! The report's SVG charts, drawn by hand: the monthly trend with the 半減 line, the offices
//! compared against 50 %, and rejections by rule.

use std::fmt::Write;

use super::*;

/// The step of a 4-step axis reaching `max`: 1, 2, 2.5 or 5 × 10^k, a whole number.
pub(super) fn nice_step(max: f64) -> f64 {
    let raw = (max / 4.0).max(1.0);
    let raw = if raw.is_finite() { raw } else { 1.0 };
    let p = 10f64.powf(raw.log10().floor());
    let mut steps = [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|c| c * p);
    let nice = steps.find(|s| *s >= raw && s.fract() == 0.0);
    nice.unwrap_or(10.0 * p)
}

/// An SVG being drawn, in viewBox units; a text's class also sets its anchor (`e`, `m`).
struct Svg(String);

impl Svg {
    fn open(id: &str, w: f64, h: f64, title: &str) -> Svg {
        let title = esc(title);
        Svg(format!(
            "<svg id=\"{id}\" role=\"img\" width=\"100%\" viewBox=\"0 0 {w:.0} {h:.0}\">\n<title>{title}</title>\n"
        ))
    }

    fn line(&mut self, class: &str, (x1, y1): (f64, f64), (x2, y2): (f64, f64)) {
        self.0.push_str(&format!("<line class=\"{class}\" x1=\"{x1:.1}\" y1=\"{y1:.1}\" x2=\"{x2:.1}\" y2=\"{y2:.1}\"/>\n"));
    }

    /// A text; `full` (the uncut text) becomes its tooltip when it differs.
    fn text(&mut self, (x, y): (f64, f64), class: &str, body: &str, full: &str) {
        let tip = match full == body {
            true => String::new(),
            false => format!("<title>{}</title>", esc(full)),
        };
        let body = esc(body);
        self.0.push_str(&format!(
            "<text x=\"{x:.1}\" y=\"{y:.1}\" class=\"{class}\">{body}{tip}</text>\n"
        ));
    }

    fn t(&mut self, at: (f64, f64), class: &str, body: &str) {
        self.text(at, class, body, body);
    }

    fn rect(&mut self, class: &str, (x, y): (f64, f64), (w, h): (f64, f64), tip: &str) {
        let (w, h, tip) = (w.max(0.0), h.max(0.0), esc(tip));
        self.0.push_str(&format!("<rect class=\"{class}\" x=\"{x:.1}\" y=\"{y:.1}\" width=\"{w:.1}\" height=\"{h:.1}\"><title>{tip}</title></rect>\n"));
    }

    fn close(self, o: &mut String) {
        o.push_str(&self.0);
        o.push_str("</svg>\n");
    }
}

/// Sheets avoided per month (bars, left axis) and the reduction ratio (line, right axis,
/// 0–100 %) with the 50 % line, for the ALL rows.
pub(super) fn trend(o: &mut String, c: &Ctx) {
    heading(o, c, "月次推移", "Monthly trend, all facilities");
    match (c.paper, c.totals.len()) {
        (false, _) => return empty(o, "trend", "ベースラインなし。 No baseline."),
        (_, 0) => return empty(o, "trend", "月がありません。 No months."),
        _ => {}
    }
    let (w, h, left, right, top, bottom) = (720.0, 330.0, 64.0, 60.0, 48.0, 62.0);
    let (pw, ph, n) = (w - left - right, h - top - bottom, c.totals.len());
    let (band, base) = (pw / n as f64, top + ph);
    let bw = (band * 0.6).min(48.0);
    let max = c.totals.iter().map(|r| r.sheets_avoided);
    let step = nice_step(max.fold(0.0, f64::max));
    let y = |frac: f64| base - ph * frac.clamp(0.0, 1.0);
    let x = |i: usize| left + band * (i as f64 + 0.5);
    let title = "削減枚数と削減率の月次推移 Sheets avoided and ratio by month";
    let mut s = Svg::open("trend", w, h, title);
    s.rect(
        "bar key",
        (left, 8.0),
        (10.0, 10.0),
        "削減枚数 sheets avoided",
    );
    s.line("ratio", (left + 230.0, 13.0), (left + 254.0, 13.0));
    s.line("half", (left + 470.0, 13.0), (left + 494.0, 13.0));
    let legend = [
        (14.0, "削減枚数 sheets avoided（左 left）"),
        (260.0, "削減率 reduction ratio（右 right）"),
        (500.0, "半減ライン 50 %"),
    ];
    for (dx, label) in legend {
        s.t((left + dx, 17.0), "", label);
    }
    s.t((left - 8.0, top - 12.0), "e mu", "枚 sheets");
    s.t((left + pw + 8.0, top - 12.0), "mu", "削減率");
    for i in 0..=4 {
        let yy = y(f64::from(i) / 4.0);
        let class = if i == 0 { "axis" } else { "grid" };
        s.line(class, (left, yy), (left + pw, yy));
        s.t((left - 8.0, yy + 4.0), "e mu", &num(step * f64::from(i)));
        s.t((left + pw + 8.0, yy + 4.0), "mu", &format!("{} %", i * 25));
    }
    for (i, r) in c.totals.iter().enumerate() {
        let top_y = y(r.sheets_avoided / (4.0 * step));
        let tip = format!("{}: {} 枚", r.month, num(r.sheets_avoided));
        s.rect("bar", (x(i) - bw / 2.0, top_y), (bw, base - top_y), &tip);
    }
    s.line("half", (left, y(HALF)), (left + pw, y(HALF)));
    s.t((left + 6.0, y(HALF) - 5.0), "halo", "半減ライン 50 %");
    // The ratio: a line through consecutive months that have one, a point on each.
    let ratios = c.totals.iter().map(|r| r.reduction_ratio);
    let pts = ratios.enumerate().map(|(i, v)| Some((x(i), y(v?))));
    let pts: Vec<_> = pts.collect();
    for run in pts.split(|p| p.is_none()).filter(|run| run.len() > 1) {
        let xy = run.iter().flatten().map(|(x, y)| format!("{x:.1},{y:.1}"));
        let xy = xy.collect::<Vec<_>>().join(" ");
        w!(s.0, "<polyline class=\"ratio\" points=\"{xy}\"/>\n");
    }
    for (r, p) in c.totals.iter().zip(&pts) {
        if let Some((px, py)) = p {
            let tip = format!("{} {}", esc(&r.month), pct(r.reduction_ratio));
            s.0.push_str(&format!("<circle class=\"pt\" cx=\"{px:.1}\" cy=\"{py:.1}\" r=\"4\"><title>{tip}</title></circle>\n"));
        }
    }
    // Month labels (every k-th when crowded); the values under them when there is room.
    let every = ((64.0 / band).ceil() as usize).max(1);
    for (i, r) in c.totals.iter().enumerate().filter(|(i, _)| i % every == 0) {
        s.t((x(i), base + 16.0), "m", &r.month);
        if band >= 72.0 {
            let sheets = format!("{} 枚", num(r.sheets_avoided));
            s.t((x(i), base + 32.0), "m mu", &sheets);
            s.t((x(i), base + 48.0), "m mu", &pct(r.reduction_ratio));
        }
    }
    s.close(o);
}

/// One bar per facility of its reduction ratio in the last month, the 50 % line across.
pub(super) fn facilities(o: &mut String, c: &Ctx) {
    heading(o, c, "事業所別の削減率", "Ratio by facility, {month}");
    let rows = c.latest_rows();
    match (c.paper, rows.len()) {
        (false, _) => return empty(o, "facilities", "ベースラインなし。 No baseline."),
        (_, 0) => return empty(o, "facilities", "事業所の行がありません。 No facilities."),
        _ => {}
    }
    let (left, pw, top, rh) = (180.0, 380.0, 34.0, 30.0);
    let bottom = top + rh * rows.len() as f64;
    let title = "事業所別の削減率と半減ライン Reduction ratio by facility and the 50 % line";
    let mut s = Svg::open("facilities", 720.0, bottom + 26.0, title);
    for i in 0..=4 {
        let x = left + pw * f64::from(i) / 4.0;
        let class = if i == 0 { "axis" } else { "grid" };
        if i != 2 {
            s.line(class, (x, top - 4.0), (x, bottom));
        }
        s.t((x, bottom + 18.0), "m mu", &format!("{} %", i * 25));
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + rh * i as f64;
        let name = trunc(&r.facility, 24);
        s.text((left - 8.0, y + 19.0), "e", &name, &r.facility);
        let (label, class) = match r.reduction_ratio {
            Some(v) => {
                let pass = r.half_met.unwrap_or(v >= HALF);
                let class = if pass { "pass" } else { "fail" };
                let word = if pass { "達成 pass" } else { "未達 fail" };
                let tip = format!("{}: {}", r.facility, pct(Some(v)));
                let width = pw * v.clamp(0.0, 1.0);
                let class_ = format!("bar {class}");
                s.rect(&class_, (left, y + 6.0), (width, 18.0), &tip);
                (format!("{} {word}", pct(Some(v))), class)
            }
            None => (format!("{DASH} 比率なし no ratio"), "mu"),
        };
        s.t((left + pw + 10.0, y + 19.0), class, &label);
    }
    let x50 = left + pw * HALF;
    s.line("half", (x50, top - 8.0), (x50, bottom + 2.0));
    s.t((x50, top - 14.0), "m", "半減ライン 50 %");
    s.close(o);
}

/// Rows withheld at first runs, by rule, over the ALL rows of the period: the top 10.
pub(super) fn rejections(o: &mut String, c: &Ctx) {
    heading(o, c, "ルール別の除外行", "Rows rejected at first runs");
    let mut by: BTreeMap<&str, u64> = BTreeMap::new();
    for (rule, n) in c.totals.iter().flat_map(|t| &t.first_pass_rejected_by_rule) {
        *by.entry(rule.as_str()).or_default() += n;
    }
    let mut top: Vec<(&str, u64)> = by.into_iter().filter(|(_, n)| *n > 0).collect();
    top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(b.0)));
    if top.is_empty() {
        let none = "この期間、初回の実行で除外された行はありません。 No rows were rejected at a first run in this period.";
        return empty(o, "rejections", none);
    }
    let rest = top.split_off(top.len().min(10));
    let (left, pw, rh) = (290.0, 360.0, 26.0);
    let (h, max) = (16.0 + rh * top.len() as f64, top[0].1 as f64);
    let title = "ルール別の除外行数 Rows rejected by rule";
    let mut s = Svg::open("rejections", 720.0, h, title);
    for (i, (rule, n)) in top.iter().enumerate() {
        let y = 8.0 + rh * i as f64;
        s.text((left - 8.0, y + 17.0), "e mono", &trunc(rule, 38), rule);
        let bw = (pw * *n as f64 / max).max(2.0);
        s.rect("bar", (left, y + 4.0), (bw, 18.0), &format!("{rule}: {n}"));
        s.t((left + bw + 6.0, y + 17.0), "", &int(*n));
    }
    s.line("axis", (left, 8.0), (left, h - 8.0));
    s.close(o);
    if !rest.is_empty() {
        let (k, rows) = (rest.len(), int(rest.iter().map(|(_, n)| n).sum()));
        o.push_str(&format!(
            "<p class=\"note\">ほか {k} ルール、計 {rows} 行。 {k} more rules, {rows} rows.</p>\n"
        ));
    }
}
