//! Ledger runs + a baseline → metric rows. Per facility and month the last run is the month's
//! state (what was moved), the first run the first pass; the corporation's row per month sums
//! its facilities.

use std::collections::{BTreeMap, BTreeSet};

use super::Unit;
use super::{ALL, Assumption, Baseline, BaselineInfo, Channel, Form, FormRow, HALF, Metrics, Row};
use super::{InterfaceStats, RunStats};
use crate::ledger::RunRecord;
use crate::spec::calendar::{Month, RunTime};

/// The metrics of every facility-month in `runs` (as [`crate::ledger::Ledger::runs`] returns
/// them: by month, facility, time).
pub fn compute(runs: &[RunRecord<RunStats>], baseline: Option<&Baseline>) -> Metrics {
    let mut notes = Notes::default();
    if let Some(b) = baseline {
        notes.add(
            "baseline",
            format!(
                "頁数・部数・転記回数・所要時間は事業所が申告したベースライン「{}」（{}）の値で、測定値ではありません。",
                b.name, b.source
            ),
            format!(
                "Pages, copies, re-keying steps and minutes are the office's declared baseline `{}` ({}), not measurements.",
                b.name, b.source
            ),
        );
    }
    let mut by_key: BTreeMap<(&str, &str), Vec<&RunRecord<RunStats>>> = BTreeMap::new();
    for r in runs {
        by_key
            .entry((r.month.as_str(), r.facility.as_str()))
            .or_default()
            .push(r);
    }
    let mut rows = Vec::new();
    for ((month, facility), month_runs) in &by_key {
        let forms = baseline.map_or(&[][..], |b| b.forms_for(facility));
        rows.push(facility_row(month, facility, month_runs, forms, &mut notes));
    }
    let months: BTreeSet<String> = rows.iter().map(|r| r.month.clone()).collect();
    let totals: Vec<Row> = months
        .iter()
        .map(|m| total_row(m, rows.iter().filter(|r| &r.month == m)))
        .collect();
    rows.extend(totals);
    Metrics {
        tool: format!("lifeline {}", env!("CARGO_PKG_VERSION")),
        baseline: baseline.map(|b| BaselineInfo {
            name: b.name.clone(),
            source: b.source.clone(),
            path: b.path.clone(),
        }),
        from: months.first().cloned(),
        to: months.last().cloned(),
        rows,
        assumptions: notes.list,
    }
}

/// `YYYYMM` → `YYYY-MM`.
fn dashed(month: &str) -> String {
    match month.len() {
        6 => format!("{}-{}", &month[..4], &month[4..]),
        _ => month.to_string(),
    }
}

fn ratio(n: f64, d: f64) -> Option<f64> {
    (d > 0.0).then(|| n / d)
}

/// (rows considered, rows rejected) of a run: dummy rows left out.
fn rejections(s: &RunStats) -> (u64, u64) {
    (s.rows_read.saturating_sub(s.rows_dropped), s.rows_rejected)
}

fn facility_row(
    month: &str,
    facility: &str,
    runs: &[&RunRecord<RunStats>],
    forms: &[Form],
    notes: &mut Notes,
) -> Row {
    let (first, last) = (&runs[0].stats, &runs[runs.len() - 1].stats);
    let mut row = Row {
        facility: facility.to_string(),
        month: dashed(month),
        facilities: 1,
        runs: runs.len() as u64,
        ..Row::default()
    };
    for i in &last.interfaces {
        row.life_records += i.records;
        *row.records_by_interface
            .entry(i.data_type.clone())
            .or_default() += i.records;
    }

    // M1–M6: the baseline forms.
    row.forms_total = forms.len() as u64;
    let mut ids = BTreeSet::new();
    if !forms.is_empty() {
        ids.insert("baseline".to_string());
    }
    for form in forms {
        let fr = form_row(form, &last.interfaces, notes, &mut ids);
        row.forms_digitized += u64::from(fr.instances > 0);
        row.sheets_baseline += fr.sheets_baseline;
        row.sheets_avoided += fr.sheets_avoided;
        if matches!(form.channel, Channel::Fax | Channel::Post) {
            row.sheets_avoided_fax_post += fr.sheets_avoided;
        }
        row.fields_filled += fr.fields_filled;
        row.rekeying_avoided += fr.rekeying_avoided;
        row.minutes_saved_low += fr.minutes_saved_low;
        row.minutes_saved_high += fr.minutes_saved_high;
        row.forms.push(fr);
    }
    row.reduction_ratio = ratio(row.sheets_avoided, row.sheets_baseline);
    row.half_met = row.reduction_ratio.map(|r| r >= HALF);
    row.facilities_half_met = u64::from(row.half_met == Some(true));

    // M7: coverage, rejections, time to ready.
    for d in &last.due {
        row.users_submitted += d.submitted;
        row.users_due_missing += d.missing;
    }
    row.coverage = ratio(
        row.users_submitted as f64,
        (row.users_submitted + row.users_due_missing) as f64,
    );
    if row.coverage.is_some() {
        ids.insert(notes.coverage());
    }
    row.served_users = last.served.users;
    row.served_in_life = last.served.in_run + last.served.sent_before;
    row.served_coverage = ratio(row.served_in_life as f64, row.served_users as f64);
    (row.first_pass_rows, row.first_pass_rejected) = rejections(first);
    (row.final_rows, row.final_rejected) = rejections(last);
    row.first_pass_rejection_rate =
        ratio(row.first_pass_rejected as f64, row.first_pass_rows as f64);
    row.final_rejection_rate = ratio(row.final_rejected as f64, row.final_rows as f64);
    row.first_pass_rejected_by_rule = first.rejected_by_rule.clone();
    row.days_to_ready = runs
        .iter()
        .find(|r| !r.stats.failed && r.stats.errors == 0)
        .and_then(|r| {
            let ready = RunTime::parse(r.run_at.get(..10)?)?.date;
            Some((ready - Month::parse(month)?.last_day()).num_days())
        });
    ids.insert(notes.ready());

    // M8: repairs.
    let f = &last.fixes;
    row.files_from_cp932 = f.files_from_cp932;
    row.era_dates_converted = f.era_dates;
    row.full_width_normalized = f.full_width;
    row.kana_converted = f.kana;
    row.labels_coded = f.coded;
    row.check_digit_warnings = last
        .findings_by_rule
        .get("value.check_digit")
        .copied()
        .unwrap_or(0);
    row.dummy_rows_dropped = last.rows_dropped;
    row.assumptions = ids.into_iter().collect();
    row
}

/// One baseline form against the month's interfaces.
fn form_row(
    form: &Form,
    interfaces: &[InterfaceStats],
    notes: &mut Notes,
    ids: &mut BTreeSet<String>,
) -> FormRow {
    let id = &form.id;
    // The replacing interface with the most instances counts (versions of one form, or
    // several interfaces replacing one paper form, are not added up).
    let counted = form
        .replaced_by
        .iter()
        .filter_map(|dt| interfaces.iter().find(|i| &i.data_type == dt))
        .map(|i| (instances(form.unit, i), i))
        .max_by_key(|(n, _)| *n);
    if form.replaced_by.len() > 1 {
        ids.insert(notes.form(
            "several",
            form,
            "複数のインターフェースが置き換える帳票は、件数の最も多いものだけを数えます。",
            "a form replaced by several interfaces counts only the one with most instances",
        ));
    }
    if !form.replaced_elsewhere.is_empty() {
        ids.insert(notes.form(
            "elsewhere",
            form,
            "lifeline 以外の電子化（other:）は数えられないため、削減に含めていません。",
            "replaced outside lifeline (other:…), which lifeline cannot count: not counted as avoided",
        ));
    }
    let instances = counted.map_or(0, |(n, _)| n);
    let units_baseline = match form.units_per_month {
        Some(u) => u,
        None => {
            ids.insert(notes.form(
                "volume",
                form,
                "ICT導入前の月間件数の申告がないため、当月の電子化件数と同じとみなしています。",
                "no units_per_month declared: the volume before ICT is taken as this month's electronic count",
            ));
            instances as f64
        }
    };
    let avoided_units = (instances as f64).min(units_baseline);
    if (instances as f64) > units_baseline {
        ids.insert(notes.form(
            "cap",
            form,
            "申告された月間件数を超える電子化件数は、紙の削減に数えていません。",
            "electronic instances above the declared monthly volume are not counted as avoided paper",
        ));
    }
    let printed = form.pages_per_unit * f64::from(form.copies);
    let sheets_baseline = units_baseline * printed;
    let sheets_avoided = avoided_units * (printed - form.pages_after_per_unit);

    // M4: values filled from vendor data, at most fields_per_unit per unit avoided.
    let mut fields_filled = 0;
    if let Some((n, i)) = counted
        && n > 0
    {
        let share = avoided_units / n as f64;
        let filled = (i.filled_fields as f64 * share).floor() as u64;
        let cap = form
            .fields_per_unit
            .map_or(u64::MAX, |f| (avoided_units * f64::from(f)).floor() as u64);
        fields_filled = filled.min(cap);
        ids.insert(notes.rekeying());
    }
    let rekeying_avoided = match form.transcriptions_before {
        Some(t) => fields_filled * u64::from(t),
        None => {
            if fields_filled > 0 {
                ids.insert(notes.form(
                    "no-rekeying",
                    form,
                    "転記回数の申告がないため、転記回避数に数えていません。",
                    "no transcriptions_before declared: no re-keying counted",
                ));
            }
            0
        }
    };

    // M6: minutes, as a range.
    let (mut low, mut high) = (0.0, 0.0);
    match form.minutes_per_unit {
        _ if avoided_units == 0.0 => {}
        Some((b_lo, b_hi)) => {
            let (a_lo, a_hi) = form.minutes_after_per_unit.unwrap_or_else(|| {
                ids.insert(notes.form(
                    "after-0",
                    form,
                    "ICT導入後の所要時間の申告がないため0分とみなしており、削減時間は上限の推計です。",
                    "no minutes after ICT declared: taken as 0, so the time saved is an upper estimate",
                ));
                (0.0, 0.0)
            });
            low = avoided_units * (b_lo - a_hi);
            high = avoided_units * (b_hi - a_lo);
        }
        None => {
            ids.insert(notes.form(
                "no-minutes",
                form,
                "所要時間の申告がないため、削減時間に数えていません。",
                "no minutes declared: no time saved counted",
            ));
        }
    }
    FormRow {
        form_id: id.clone(),
        name: form.name.clone(),
        counted_as: counted.map(|(_, i)| i.data_type.clone()),
        instances,
        units_baseline,
        sheets_baseline,
        sheets_avoided,
        reduction_ratio: ratio(sheets_avoided, sheets_baseline),
        fields_filled,
        rekeying_avoided,
        minutes_saved_low: low,
        minutes_saved_high: high,
    }
}

/// Instances of a form this month, in its unit, from one interface.
fn instances(unit: Unit, i: &InterfaceStats) -> u64 {
    match unit {
        Unit::Record => i.records,
        Unit::UserMonth => i.users,
        Unit::FacilityMonth => u64::from(i.records > 0),
    }
}

/// The corporation's row of a month: sums, and ratios of the sums.
fn total_row<'a>(month: &str, rows: impl Iterator<Item = &'a Row>) -> Row {
    let mut t = Row {
        facility: ALL.to_string(),
        month: month.to_string(),
        ..Row::default()
    };
    let mut ids = BTreeSet::new();
    let mut ready: Option<Option<i64>> = None;
    for r in rows {
        t.facilities += 1;
        t.life_records += r.life_records;
        for (k, v) in &r.records_by_interface {
            *t.records_by_interface.entry(k.clone()).or_default() += v;
        }
        t.forms_digitized += r.forms_digitized;
        t.forms_total += r.forms_total;
        t.sheets_baseline += r.sheets_baseline;
        t.sheets_avoided += r.sheets_avoided;
        t.sheets_avoided_fax_post += r.sheets_avoided_fax_post;
        t.facilities_half_met += r.facilities_half_met;
        t.fields_filled += r.fields_filled;
        t.rekeying_avoided += r.rekeying_avoided;
        t.minutes_saved_low += r.minutes_saved_low;
        t.minutes_saved_high += r.minutes_saved_high;
        t.users_submitted += r.users_submitted;
        t.users_due_missing += r.users_due_missing;
        t.served_users += r.served_users;
        t.served_in_life += r.served_in_life;
        for (k, v) in &r.first_pass_rejected_by_rule {
            *t.first_pass_rejected_by_rule.entry(k.clone()).or_default() += v;
        }
        t.runs += r.runs;
        t.files_from_cp932 += r.files_from_cp932;
        t.era_dates_converted += r.era_dates_converted;
        t.full_width_normalized += r.full_width_normalized;
        t.kana_converted += r.kana_converted;
        t.labels_coded += r.labels_coded;
        t.check_digit_warnings += r.check_digit_warnings;
        t.dummy_rows_dropped += r.dummy_rows_dropped;
        ids.extend(r.assumptions.iter().cloned());
        t.first_pass_rows += r.first_pass_rows;
        t.first_pass_rejected += r.first_pass_rejected;
        t.final_rows += r.final_rows;
        t.final_rejected += r.final_rejected;
        // The corporation is ready when its last facility is.
        ready = Some(match (ready, r.days_to_ready) {
            (None, d) => d,
            (Some(Some(a)), Some(b)) => Some(a.max(b)),
            _ => None,
        });
    }
    t.reduction_ratio = ratio(t.sheets_avoided, t.sheets_baseline);
    t.half_met = t.reduction_ratio.map(|r| r >= HALF);
    t.coverage = ratio(
        t.users_submitted as f64,
        (t.users_submitted + t.users_due_missing) as f64,
    );
    t.served_coverage = ratio(t.served_in_life as f64, t.served_users as f64);
    t.first_pass_rejection_rate = ratio(t.first_pass_rejected as f64, t.first_pass_rows as f64);
    t.final_rejection_rate = ratio(t.final_rejected as f64, t.final_rows as f64);
    t.days_to_ready = ready.flatten();
    t.assumptions = ids.into_iter().collect();
    t
}

/// The assumptions used, each stated once.
#[derive(Default)]
struct Notes {
    list: Vec<Assumption>,
}

impl Notes {
    fn add(&mut self, id: &str, ja: String, en: String) -> String {
        if !self.list.iter().any(|a| a.id == id) {
            self.list.push(Assumption {
                id: id.to_string(),
                text_ja: ja,
                text_en: en,
            });
        }
        id.to_string()
    }

    fn form(&mut self, kind: &str, form: &Form, ja: &str, en: &str) -> String {
        self.add(
            &format!("{kind}:{}", form.id),
            format!("帳票「{}」（{}）: {ja}", form.name, form.id),
            format!("form `{}` ({}): {en}", form.id, form.name),
        )
    }

    fn rekeying(&mut self) -> String {
        self.add(
            "rekeying",
            "転記回避数は、ベンダーデータから自動で埋まったLIFEの値だけを数え（1件あたり申告の項目数まで）、申告の転記回数を掛けたものです。".into(),
            "Re-keying avoided counts only LIFE values filled from vendor data (at most fields_per_unit per unit), times the declared transcriptions_before.".into(),
        )
    }

    fn coverage(&mut self) -> String {
        self.add(
            "coverage",
            "提出率 = 当月に記録のある利用者 ÷（記録のある利用者 + 提出期限が来ているのに記録のない利用者）。期限は schemas/due.toml の提出カレンダーにより、加算ごとに数えます（2つの加算の対象者は2人と数えます）。".into(),
            "Coverage = users with a record this month ÷ (those + users due under schemas/due.toml without one), counted per add-on (a user under two add-ons counts twice).".into(),
        )
    }

    fn ready(&mut self) -> String {
        self.add(
            "ready",
            "提出準備完了までの日数 = 月末から、エラーのない最初の実行日（日本時間）までの日数。".into(),
            "Days to ready = days from the month's last day to the first run with no error finding (Japan time).".into(),
        )
    }
}
