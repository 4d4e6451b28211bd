//! One vendor value → one LIFE value, by the column's transform. A value that cannot be turned
//! into a LIFE value is a [`Problem`], never a guess.

use std::borrow::Cow;
use std::collections::HashMap;

use super::dates::parse_date;
use crate::decode::text::{code_cow, half_width_kana, label_key};
use crate::map::steps::cut;
use crate::map::{ColumnMap, Step, Transform, strip_points};
use crate::spec::Item;

/// Why a value could not be converted (or was converted with a doubt).
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    /// Stable rule id, documented in README.md.
    pub rule: &'static str,
    /// True when the converted value is kept but worth a look.
    pub kept: bool,
    pub message_ja: String,
    pub message_en: String,
}

fn problem(rule: &'static str, ja: String, en: String) -> Problem {
    Problem {
        rule,
        kept: false,
        message_ja: ja,
        message_en: en,
    }
}

/// The result of converting one value: the LIFE value (if any) and a problem (if any).
pub type Converted<'a> = (Option<Cow<'a, str>>, Option<Problem>);

/// A repair the conversion made, counted for the data-quality metrics (M8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fix {
    /// A Japanese era date became `YYYYMMDD`.
    EraDate,
    /// Full-width digits, letters or signs (０-９, Ａ-Ｚ, U+3000 …) in a code, number or date
    /// became ASCII.
    FullWidth,
    /// Kana became the half-width katakana LIFE wants.
    Kana,
    /// A label or Barthel points became the LIFE code.
    Coded,
}

/// Which repair, if any, turning `raw` into `value` was. Cheap for ASCII values.
pub fn fix(col: &ColumnMap, raw: &str, value: &str) -> Option<Fix> {
    let full_width = || {
        !raw.is_ascii()
            && raw
                .chars()
                .any(|c| matches!(c, '\u{FF01}'..='\u{FF5E}' | '\u{3000}'))
    };
    match col.transform {
        Transform::Text => None,
        // A converted Western date starts with its year; an era date (令和8年, R8, 5081015)
        // never does.
        Transform::Date if !starts_with_year(raw, value) => Some(Fix::EraDate),
        Transform::Code | Transform::Digits | Transform::Number | Transform::Date => {
            full_width().then_some(Fix::FullWidth)
        }
        Transform::Kana => (raw != value).then_some(Fix::Kana),
        Transform::Label | Transform::Barthel => (raw != value).then_some(Fix::Coded),
    }
}

/// Whether `raw` begins with the four year digits of the `YYYYMMDD` it was converted to
/// (full-width digits count as their ASCII forms).
fn starts_with_year(raw: &str, ymd: &str) -> bool {
    let ascii = |c: char| match c {
        '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
        c => c,
    };
    raw.chars()
        .filter(|c| !c.is_whitespace())
        .map(ascii)
        .take(4)
        .eq(ymd.chars().take(4))
}

/// Converts a trimmed, non-placeholder vendor value: by the column's transform, or through its
/// chain of steps.
pub fn convert<'a>(col: &ColumnMap, item: &Item, v: &'a str) -> Converted<'a> {
    if col.steps.is_empty() {
        return apply(col.transform, col, item, v);
    }
    let (value, problem, _) = chain(col, item, v);
    (value, problem)
}

/// A value through the column's chain of steps: the LIFE value, the problem (an error stops
/// the chain; a warning, such as a padded value, is kept unless an error follows), and the
/// repair of the chain's transform (judged on the value it was given).
fn chain<'a>(
    col: &ColumnMap,
    item: &Item,
    v: &'a str,
) -> (Option<Cow<'a, str>>, Option<Problem>, Option<Fix>) {
    let vendor = col.aliases.first().map_or("", String::as_str);
    let mut cur: Cow<'a, str> = Cow::Borrowed(v);
    let mut note: Option<Problem> = None;
    let mut repair = None;
    let last_convert = col
        .steps
        .iter()
        .rposition(|s| matches!(s, Step::Convert(_)));
    for (i, step) in col.steps.iter().enumerate() {
        let next: Cow<'a, str> = match step {
            Step::Convert(t) => {
                let (out, problem) = match &cur {
                    Cow::Borrowed(b) => apply(*t, col, item, b),
                    Cow::Owned(s) => {
                        let (out, p) = apply(*t, col, item, s);
                        (out.map(|o| Cow::Owned(o.into_owned())), p)
                    }
                };
                match problem {
                    Some(p) if !p.kept => return (None, Some(p), None),
                    Some(p) => note = Some(p),
                    None => {}
                }
                let Some(out) = out else {
                    return (None, note, None);
                };
                if Some(i) == last_convert {
                    repair = fix(col, &cur, &out);
                }
                out
            }
            Step::Strip(chars) => {
                if cur.contains(chars.as_slice()) {
                    Cow::Owned(cur.replace(chars.as_slice(), ""))
                } else {
                    cur
                }
            }
            Step::Pad(n) => {
                let len = cur.len();
                if len < *n && cur.bytes().all(|b| b.is_ascii_digit()) {
                    note = Some(Problem {
                        rule: "ingest.padded",
                        kept: true,
                        message_ja: format!(
                            "列「{vendor}」の値を先頭の0を補って{n}桁にしました（{len}桁でした）"
                        ),
                        message_en: format!(
                            "vendor column `{vendor}`: {len} digits, left-padded with zeros to {n} \
                             (leading zeros lost, e.g. by Excel)"
                        ),
                    });
                    Cow::Owned(format!("{cur:0>n$}"))
                } else {
                    cur
                }
            }
            Step::Cut(c) => {
                let part = col.part.unwrap_or(0);
                let picked = match &cur {
                    Cow::Borrowed(b) => {
                        cut(c, b).and_then(|p| p.get(part).map(|s| Cow::Borrowed(*s)))
                    }
                    Cow::Owned(s) => {
                        cut(c, s).and_then(|p| p.get(part).map(|s| Cow::Owned(s.to_string())))
                    }
                };
                match picked {
                    Some(p) => p,
                    None => {
                        let (ja, en) = match c {
                            crate::map::Cut::Space => (
                                "に区切りの空白がありません",
                                "no half- or full-width space to split at".to_string(),
                            ),
                            crate::map::Cut::Range => (
                                "が「開始～終了」の形ではありません",
                                "not a range `start～end` (～ 〜 ~ − or one -)".to_string(),
                            ),
                            crate::map::Cut::At { sep, .. } => (
                                "を区切り文字で分けられません",
                                format!(
                                    "does not split at `{sep}` into the parts the profile names"
                                ),
                            ),
                            crate::map::Cut::Regex(_) => (
                                "がプロファイルの正規表現に合いません",
                                "does not match the profile's regex".to_string(),
                            ),
                        };
                        return (
                            None,
                            Some(problem(
                                "ingest.split",
                                format!("列「{vendor}」の値{ja}"),
                                format!("vendor column `{vendor}`: {en}"),
                            )),
                            None,
                        );
                    }
                }
            }
        };
        cur = next;
    }
    (Some(cur), note, repair)
}

/// One transform on a value.
fn apply<'a>(t: Transform, col: &ColumnMap, item: &Item, v: &'a str) -> Converted<'a> {
    let vendor = col.aliases.first().map_or("", String::as_str);
    match t {
        Transform::Text => (Some(Cow::Borrowed(v)), None),
        Transform::Code => (Some(code_cow(v)), None),
        Transform::Digits => {
            let c = without(code_cow(v), '-');
            if c.bytes().all(|b| b.is_ascii_digit()) {
                (Some(c), None)
            } else {
                (
                    None,
                    Some(problem(
                        "ingest.digits",
                        format!("列「{vendor}」の値が数字ではありません"),
                        format!("vendor column `{vendor}`: not digits"),
                    )),
                )
            }
        }
        Transform::Number => {
            let c = without(code_cow(v), ',');
            let ok = c.split_once('.').map_or(
                !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit()),
                |(i, f)| {
                    !i.is_empty()
                        && !f.is_empty()
                        && i.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit())
                },
            );
            if ok {
                (Some(c), None)
            } else {
                (
                    None,
                    Some(problem(
                        "ingest.number",
                        format!("列「{vendor}」の値が数値ではありません"),
                        format!("vendor column `{vendor}`: not a number"),
                    )),
                )
            }
        }
        Transform::Date => match parse_date(v) {
            Ok(d) => {
                let note = d.note.map(|n| Problem {
                    rule: "ingest.date_note",
                    kept: true,
                    message_ja: format!(
                        "列「{vendor}」の日付を変換しましたが確認してください（{n}）"
                    ),
                    message_en: format!("vendor column `{vendor}`: converted, but {n}"),
                });
                (Some(Cow::Owned(d.ymd)), note)
            }
            Err(e) => (
                None,
                Some(problem(
                    "ingest.date",
                    format!("列「{vendor}」の値を日付として読めません"),
                    format!("vendor column `{vendor}`: not a date ({e})"),
                )),
            ),
        },
        Transform::Kana => match half_width_kana(v) {
            Ok(k) => (Some(Cow::Owned(k)), None),
            // The character is not named: it is a character of a person's name.
            Err(_) => (
                None,
                Some(problem(
                    "ingest.kana",
                    format!("列「{vendor}」の値を半角カナにできません"),
                    format!(
                        "vendor column `{vendor}`: a character with no half-width katakana form \
                         (kanji or letters in a kana column?)"
                    ),
                )),
            ),
        },
        Transform::Label => match label(col, item, v) {
            Some(c) => (Some(Cow::Owned(c)), None),
            None => (
                None,
                Some(problem(
                    "ingest.label",
                    format!(
                        "列「{vendor}」の値に対応する「{}」のコードがありません",
                        item.name
                    ),
                    format!(
                        "vendor column `{vendor}`: no code of `{}` for this label",
                        item.id
                    ),
                )),
            ),
        },
        Transform::Barthel => barthel(col, vendor, item, v),
    }
}

/// `s` without any `c`, borrowed when it has none.
fn without(s: Cow<'_, str>, c: char) -> Cow<'_, str> {
    if s.contains(c) {
        Cow::Owned(s.replace(c, ""))
    } else {
        s
    }
}

/// A label → code: the profile's map, then a code as is, then the spec's code labels (with or
/// without their points suffix such as `(10)`), all compared by `label_key`.
fn label(col: &ColumnMap, item: &Item, v: &str) -> Option<String> {
    let key = label_key(v);
    if let Some((_, c)) = col.map.iter().find(|(k, _)| *k == key) {
        return Some(c.clone());
    }
    let as_code = code_cow(v);
    if let Some(c) = item.codes.iter().find(|c| c.code == as_code) {
        return Some(c.code.clone());
    }
    col.labels
        .iter()
        .find(|(k, _)| *k == key)
        .map(|(_, c)| c.clone())
}

/// The Barthel points a code label carries: `一部介助(5)` → 5.
fn points(label: &str) -> Option<u32> {
    let i = label.rfind('(')?;
    label.strip_suffix(')')?.get(i + 1..)?.parse().ok()
}

/// Barthel points, or a level's label (`自立(10)`, `全介助`): a column may mix them.
fn barthel<'a>(col: &ColumnMap, vendor: &str, item: &Item, v: &'a str) -> Converted<'a> {
    let fail = |rule, ja: String, en: String| (None, Some(problem(rule, ja, en)));
    let Ok(p) = code_cow(v).parse::<u32>() else {
        if let Some(c) = label(col, item, v) {
            return (Some(Cow::Owned(c)), None);
        }
        return fail(
            "ingest.barthel",
            format!("列「{vendor}」の値がバーセルインデックスの点数ではありません"),
            format!("vendor column `{vendor}`: not Barthel Index points"),
        );
    };
    let codes: Vec<&crate::spec::Code> = item
        .codes
        .iter()
        .filter(|c| points(&c.label) == Some(p))
        .collect();
    match codes.as_slice() {
        [one] => (Some(Cow::Owned(one.code.clone())), None),
        [] => fail(
            "ingest.barthel",
            format!("「{}」に{p}点の区分はありません", item.name),
            format!("`{}` has no level worth {p} points", item.id),
        ),
        many => {
            let labels: Vec<&str> = many.iter().map(|c| strip_points(&c.label)).collect();
            fail(
                "ingest.barthel_ambiguous",
                format!(
                    "「{}」の{p}点は{}のどれか決められません。区分で入力してください",
                    item.name,
                    labels.join("・")
                ),
                format!(
                    "`{}`: {p} points is {} — points cannot decide the code; export the level instead",
                    item.id,
                    labels.join(" or ")
                ),
            )
        }
    }
}

/// One vendor value converted: the LIFE value, the problem, the repair, and the id of the check
/// its problem was registered under (set by the caller).
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    pub value: Option<String>,
    pub problem: Option<Problem>,
    pub fix: Option<Fix>,
    pub check: Option<u32>,
}

/// Distinct values a [`Memo`] remembers per column: the labels, codes and dates of an export
/// fit many times over; past this, values are converted each time.
const MEMO_LIMIT: usize = 4096;

/// A column's conversions remembered by vendor value. Exports repeat the same labels, codes,
/// points and dates row after row, so each distinct value is converted (NFKC, label look-up,
/// date parse, messages) once per file, and a repeat costs one hash look-up.
#[derive(Default)]
pub struct Memo {
    seen: HashMap<Box<str>, usize, foldhash::fast::FixedState>,
    outcomes: Vec<Outcome>,
    spare: Option<Outcome>,
    /// The checks of problems met outside the memo (in a column of mostly distinct values),
    /// so that each is looked up once, not once per value.
    spare_checks: Vec<(Problem, u32)>,
    /// The value asked for last (a reused buffer) and its outcome: runs of the same value (a
    /// code, the dates of one user) skip the hash.
    last: String,
    last_at: Option<usize>,
    /// Look-ups that found their value remembered, and that did not.
    hits: u32,
    misses: u32,
}

/// After this many new values, a column whose values mostly differ (names, heights, birth
/// dates) stops being remembered: storing each value would cost more than it saves.
const MEMO_TRIAL: u32 = 64;

impl Memo {
    /// The outcome of converting the trimmed, non-placeholder vendor value `raw`.
    pub fn convert(&mut self, col: &ColumnMap, item: &Item, raw: &str) -> &mut Outcome {
        if let Some(i) = self.last_at
            && self.last == raw
        {
            self.hits += 1;
            return &mut self.outcomes[i];
        }
        if self.misses >= MEMO_TRIAL && self.hits < self.misses {
            return self.unremembered(col, item, raw);
        }
        let at = match self.seen.get(raw) {
            Some(&i) => {
                self.hits += 1;
                Some(i)
            }
            None if self.seen.len() < MEMO_LIMIT => {
                self.misses += 1;
                self.outcomes.push(outcome(col, item, raw));
                self.seen.insert(raw.into(), self.outcomes.len() - 1);
                Some(self.outcomes.len() - 1)
            }
            None => None,
        };
        match at {
            Some(i) => {
                self.last.clear();
                self.last.push_str(raw);
                self.last_at = Some(i);
                &mut self.outcomes[i]
            }
            None => self.unremembered(col, item, raw),
        }
    }

    /// `raw` converted without remembering it: into the spare outcome, whose value buffer is
    /// reused, with the check of a problem already met.
    fn unremembered(&mut self, col: &ColumnMap, item: &Item, raw: &str) -> &mut Outcome {
        let o = self.spare.get_or_insert_with(Outcome::default);
        if let (Some(p), Some(c)) = (o.problem.take(), o.check)
            && self.spare_checks.len() < 16
            && !self.spare_checks.iter().any(|(q, _)| *q == p)
        {
            self.spare_checks.push((p, c));
        }
        let (value, problem, repair) = converted(col, item, raw);
        o.fix = repair;
        let mut buf = o.value.take().unwrap_or_default();
        o.value = value.map(|v| {
            buf.clear();
            buf.push_str(&v);
            buf
        });
        o.check = problem
            .as_ref()
            .and_then(|p| self.spare_checks.iter().find(|(q, _)| q == p))
            .map(|(_, c)| *c);
        o.problem = problem;
        o
    }
}

/// [`convert`], and the repair it made.
pub fn converted<'a>(
    col: &ColumnMap,
    item: &Item,
    raw: &'a str,
) -> (Option<Cow<'a, str>>, Option<Problem>, Option<Fix>) {
    if col.steps.is_empty() {
        let (value, problem) = apply(col.transform, col, item, raw);
        let repair = value.as_deref().and_then(|v| fix(col, raw, v));
        return (value, problem, repair);
    }
    chain(col, item, raw)
}

fn outcome(col: &ColumnMap, item: &Item, raw: &str) -> Outcome {
    let (value, problem, repair) = converted(col, item, raw);
    Outcome {
        fix: repair,
        value: value.map(Cow::into_owned),
        problem,
        check: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::map::Profile;
    use crate::spec::Registry;

    /// Remembered or not (past the limit, or in a column of mostly distinct values), a value
    /// converts exactly as `convert` does, with the same problem and the same repair, the
    /// first time and every time after.
    #[test]
    fn memo_matches_convert_past_its_limit() {
        let registry = Registry::embedded().unwrap();
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("samples/profiles/assessment.toml");
        let profile = Profile::load(&path, &registry).unwrap();
        let target = &profile.targets[0];
        let schema = registry
            .spec(&target.spec)
            .and_then(|s| s.schema(&target.data_type))
            .unwrap();
        let col = target.columns.iter().find(|c| c.item == "height").unwrap();
        let item = schema.item("height").unwrap();
        let value = |n: usize| match n % 3 {
            0 => format!("{}.{}", 100 + n / 10, n % 10),
            1 => format!("１{n}"),
            _ => format!("約{n}"),
        };
        let check = |memo: &mut Memo, v: &str| {
            let (want, problem) = convert(col, item, v);
            let got = memo.convert(col, item, v);
            assert_eq!(got.value.as_deref(), want.as_deref(), "{v}");
            assert_eq!(got.problem, problem, "{v}");
            assert_eq!(got.fix, want.as_deref().and_then(|w| fix(col, v, w)), "{v}");
        };
        // Each value twice: half the look-ups hit, so values are remembered up to the limit.
        let mut memo = Memo::default();
        for n in 0..MEMO_LIMIT + 50 {
            for _ in 0..2 {
                check(&mut memo, &value(n));
            }
        }
        assert_eq!(memo.seen.len(), MEMO_LIMIT);
        // Every value new: remembering stops after the trial.
        let mut memo = Memo::default();
        for round in 0..2 {
            for n in 0..2000 {
                check(&mut memo, &value(n + round * 7));
            }
        }
        assert_eq!(memo.seen.len(), MEMO_TRIAL as usize);

        // Outside the memo, a problem met again comes back with the check the caller gave it
        // the first time; another problem, or none, comes back without one.
        let mut given = Vec::new();
        for n in 0..40 {
            let v = value(3000 + n);
            let o = memo.convert(col, item, &v);
            match (&o.problem, o.check) {
                (None, check) => assert_eq!(check, None, "{v}"),
                (Some(p), Some(c)) => {
                    assert_eq!(given.iter().find(|(q, _)| q == p), Some(&(p.clone(), c)))
                }
                (Some(p), None) => {
                    assert!(!given.iter().any(|(q, _)| q == p), "{v}: check forgotten");
                    let c = 100 + given.len() as u32;
                    given.push((p.clone(), c));
                    o.check = Some(c);
                }
            }
        }
        assert!(!given.is_empty());
    }
}
