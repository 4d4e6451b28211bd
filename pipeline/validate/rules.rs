//! Evaluating the declarative rules of `schemas/`: each condition becomes a boolean mask over
//! the rows, computed one column at a time; findings come from combining masks.

use polars::prelude::*;

use super::finding::{Findings, MASK, Severity};
use super::values::{check_digit, number_shape, parse_date};
use crate::spec::Schema;
use crate::spec::rules::{CheckScheme, Condition, Rule};

/// The keys a `unique` rule has seen, with the line each was first on: every key's bytes in
/// one buffer, and a hash table of where each is — a few dozen bytes per row, for files of
/// any length.
#[derive(Default)]
pub(super) struct Seen {
    bytes: Vec<u8>,
    /// (start in `bytes`, line, length).
    table: hashbrown::HashTable<(usize, u64, u32)>,
}

impl Seen {
    /// The line `key` was first seen on; `None` (and it is remembered, on `line`) if never.
    fn first(&mut self, key: &[u8], line: u64) -> Option<u64> {
        use std::hash::BuildHasher;
        let state = foldhash::fast::FixedState::default();
        let hash = state.hash_one(key);
        let bytes = &self.bytes;
        let at = |&(start, _, len): &(usize, u64, u32)| &bytes[start..start + len as usize];
        if let Some(&(_, first, _)) = self.table.find(hash, |e| at(e) == key) {
            return Some(first);
        }
        let start = self.bytes.len();
        self.bytes.extend_from_slice(key);
        let bytes = &self.bytes;
        let rehash = |&(start, _, len): &(usize, u64, u32)| {
            state.hash_one(&bytes[start..start + len as usize])
        };
        self.table
            .insert_unique(hash, (start, line, key.len() as u32), rehash);
        None
    }
}

/// The columns of a `unique` rule's key that the interface has; `None` if there are none or the
/// file lacks one of them (reported as a missing column): then the key is unknown and nothing is
/// said about duplicates. Shared by `key.duplicate` and the cross-file `batch.duplicate_key`.
pub(super) fn key_columns<'c>(
    columns: &'c [String],
    schema: &Schema,
    frame: &DataFrame,
) -> Option<Vec<&'c String>> {
    let cols: Vec<&String> = columns
        .iter()
        .filter(|c| schema.item(c).is_some())
        .collect();
    let lacks = |c: &&String| frame.column(c).ok().and_then(|c| c.str().ok()).is_none();
    (!cols.is_empty() && !cols.iter().any(lacks)).then_some(cols)
}

/// Row `i`'s key (the values of the key columns, in order) into `key`; `false`, and nothing to
/// compare, when its last column (the management number, or the detail number) is empty. The
/// bytes: each value's, then 0xFF; an absent value is 0xFE. Neither byte occurs in UTF-8, so two
/// keys have the same bytes only if they are the same.
pub(super) fn key_bytes(values: &[Vec<Option<&str>>], i: usize, key: &mut Vec<u8>) -> bool {
    if values.last().is_none_or(|v| v[i].is_none()) {
        return false;
    }
    key.clear();
    for v in values {
        match v[i] {
            None => key.push(0xFE),
            Some(s) => key.extend_from_slice(s.as_bytes()),
        }
        key.push(0xFF);
    }
    true
}

/// What a rule evaluation reads: the frame, its lines, and the claims the office makes.
pub(super) struct Rows<'a> {
    pub frame: &'a DataFrame,
    pub lines: &'a [u64],
    pub claims: &'a [String],
    pub schema: &'a Schema,
}

/// A value that counts as filled: not empty and not the single-space clear marker.
fn filled(v: Option<&str>) -> Option<&str> {
    v.filter(|s| *s != " ")
}

impl Rows<'_> {
    fn column(&self, name: &str) -> Option<&StringChunked> {
        self.frame.column(name).ok().and_then(|c| c.str().ok())
    }

    fn n(&self) -> usize {
        self.lines.len()
    }

    /// The column's values, or all-empty when the file lacks it.
    fn values(&self, name: &str) -> Vec<Option<&str>> {
        match self.column(name) {
            Some(ca) => ca.iter().collect(),
            None => vec![None; self.n()],
        }
    }

    /// Whether each row's value of `column` (`None` when the file lacks it) is `test`'s.
    fn test(&self, column: &str, test: impl Fn(Option<&str>) -> bool) -> Vec<bool> {
        match self.column(column) {
            Some(ca) => ca.iter().map(test).collect(),
            None => vec![test(None); self.n()],
        }
    }

    fn mask(&self, c: &Condition) -> Vec<bool> {
        match c {
            Condition::In { column, values } => {
                self.test(column, |v| v.is_some_and(|v| values.iter().any(|x| x == v)))
            }
            Condition::Present { column } => self.test(column, |v| filled(v).is_some()),
            Condition::Absent { column } => self.test(column, |v| filled(v).is_none()),
            Condition::All(cs) => self.fold(cs, true, |a, b| a && b),
            Condition::Any(cs) => self.fold(cs, false, |a, b| a || b),
            Condition::Not(c) => self.mask(c).into_iter().map(|b| !b).collect(),
            Condition::Claim(name) => vec![self.claims.contains(name); self.n()],
        }
    }

    fn fold(&self, cs: &[Condition], init: bool, op: fn(bool, bool) -> bool) -> Vec<bool> {
        let mut acc = vec![init; self.n()];
        for c in cs {
            for (a, b) in acc.iter_mut().zip(self.mask(c)) {
                *a = op(*a, b);
            }
        }
        acc
    }

    fn name(&self, column: &str) -> String {
        self.schema
            .item(column)
            .map_or_else(|| column.to_string(), |i| format!("{}（{column}）", i.name))
    }

    fn sensitive(&self, column: &str) -> bool {
        self.schema.item(column).is_some_and(|i| i.sensitive)
    }

    fn shown<'v>(&self, column: &str, v: &'v str) -> &'v str {
        if self.sensitive(column) { MASK } else { v }
    }

    /// Calls `f(row, filled value)` for every row of a column (all `None` when the file lacks it).
    fn each_value<'s>(&'s self, column: &str, mut f: impl FnMut(usize, Option<&'s str>)) {
        self.each_raw(column, |i, v| f(i, filled(v)));
    }

    /// [`Rows::each_value`] with the clear marker as it is.
    fn each_raw<'s>(&'s self, column: &str, mut f: impl FnMut(usize, Option<&'s str>)) {
        match self.column(column) {
            Some(ca) => ca.iter().enumerate().for_each(|(i, v)| f(i, v)),
            None => (0..self.n()).for_each(|i| f(i, None)),
        }
    }

    /// Evaluates one rule, registering its checks and pushing its findings.
    pub(super) fn run(&self, rule: &Rule, out: &mut Findings, seen: &mut Seen) {
        match rule {
            Rule::RequiredIf {
                columns,
                when,
                source,
            } => {
                let mask = self.mask(when);
                for col in columns {
                    let c = out.check(
                        "cond.required",
                        Severity::Warning,
                        Some(col),
                        format!(
                            "条件付き必須項目（●）{}が未入力です：{source}",
                            self.name(col)
                        ),
                        format!("required for a confirmed import when {when}"),
                    );
                    self.each_value(col, |i, v| {
                        if mask[i] && v.is_none() {
                            out.push(self.lines[i], c, None);
                        }
                    });
                }
            }
            Rule::AllowedIf {
                columns,
                when,
                source,
            } => {
                let mask = self.mask(when);
                for col in columns {
                    let c = out.check(
                        "cond.not_allowed",
                        Severity::Warning,
                        Some(col),
                        format!(
                            "{}は条件を満たす場合のみ入力可能です：{source}",
                            self.name(col)
                        ),
                        format!("may be filled only when {when}"),
                    );
                    self.each_value(col, |i, v| {
                        if let Some(v) = v
                            && !mask[i]
                        {
                            out.push(self.lines[i], c, Some(self.shown(col, v)));
                        }
                    });
                }
            }
            Rule::Implies {
                when,
                then,
                severity,
                source,
            } => {
                let mut cols = Vec::new();
                then.columns(&mut cols);
                let col = cols.first().copied();
                let c = out.check(
                    "cond.inconsistent",
                    *severity,
                    col,
                    format!("項目間の整合性がありません：{source}"),
                    format!("when {when}, {then} must hold"),
                );
                let values = col.map(|c| self.values(c));
                let (w, t) = (self.mask(when), self.mask(then));
                for (i, &line) in self.lines.iter().enumerate() {
                    if w[i] && !t[i] {
                        let v = values.as_ref().and_then(|vs| vs[i]);
                        out.push(line, c, v.map(|v| self.shown(col.unwrap_or(""), v)));
                    }
                }
            }
            Rule::DateOrder {
                earlier,
                later,
                severity,
                source,
            } => {
                let c = out.check(
                    "date.order",
                    *severity,
                    Some(earlier),
                    format!(
                        "{}が{}より後の日付です：{source}",
                        self.name(earlier),
                        self.name(later)
                    ),
                    format!("{earlier} is after {later}"),
                );
                let (a, b) = (self.values(earlier), self.values(later));
                for ((a, b), &line) in a.into_iter().zip(b).zip(self.lines) {
                    if let (Some(a), Some(b)) = (a, b)
                        && let (Some(da), Some(db)) = (parse_date(a), parse_date(b))
                        && da > db
                    {
                        out.push(
                            line,
                            c,
                            Some(&format!(
                                "{} > {}",
                                self.shown(earlier, a),
                                self.shown(later, b)
                            )),
                        );
                    }
                }
            }
            Rule::Unique { columns, .. } => self.unique(columns, out, seen),
            Rule::CheckDigit { column, scheme } => {
                let what = match scheme {
                    CheckScheme::InsurerNo => ("保険者番号", "insurer number"),
                    CheckScheme::CareFacilityId => ("事業所番号", "care facility number"),
                };
                let c = out.check(
                    "value.check_digit",
                    Severity::Warning,
                    Some(column),
                    format!("{}の形式またはチェックディジットが正しくありません", what.0),
                    format!("{} fails its format or check-digit test", what.1),
                );
                self.each_value(column, |i, v| {
                    if let Some(v) = v
                        && check_digit(*scheme, v).is_some()
                    {
                        out.push(self.lines[i], c, Some(self.shown(column, v)));
                    }
                });
            }
            Rule::FixedLength {
                column,
                len,
                severity,
                ..
            } => {
                let c = out.check(
                    "value.fixed_length",
                    *severity,
                    Some(column),
                    format!(
                        "{}は{len}文字ちょうどです：この値は短すぎます（先頭の0が失われた？）",
                        self.name(column)
                    ),
                    format!("shorter than its fixed {len} characters (leading zeros lost?)"),
                );
                self.each_value(column, |i, v| {
                    if let Some(v) = v
                        && v.chars().count() < *len
                    {
                        out.push(self.lines[i], c, Some(self.shown(column, v)));
                    }
                });
            }
            Rule::Plausible { column, min, max } => {
                let c = out.check(
                    "value.implausible",
                    Severity::Warning,
                    Some(column),
                    format!("{}の値が想定範囲（{min}～{max}）外です", self.name(column)),
                    format!("implausible: outside {min}–{max}"),
                );
                self.each_raw(column, |i, v| {
                    if let Some(x) = v
                        .filter(|v| number_shape(v).is_some())
                        .and_then(|v| v.parse::<f64>().ok())
                        && (x < *min || x > *max)
                    {
                        out.push(self.lines[i], c, v.map(|v| self.shown(column, v)));
                    }
                });
            }
            Rule::Bmi {
                height,
                weight,
                bmi,
                min,
                max,
            } => self.bmi(height, weight, bmi.as_deref(), *min, *max, out),
        }
    }

    fn unique(&self, columns: &[String], out: &mut Findings, first: &mut Seen) {
        let Some(cols) = key_columns(columns, self.schema, self.frame) else {
            return;
        };
        let names: Vec<&str> = cols.iter().map(|c| c.as_str()).collect();
        let c = out.check(
            "key.duplicate",
            Severity::Error,
            cols.last().map(|c| c.as_str()),
            format!(
                "キー（{}）がファイル内で重複しています。後の行が前の行を上書きします",
                names.join(", ")
            ),
            format!(
                "duplicate key ({}) within the file; the later row overwrites the earlier",
                names.join(", ")
            ),
        );
        let values: Vec<Vec<Option<&str>>> = cols.iter().map(|c| self.values(c)).collect();
        let mut key: Vec<u8> = Vec::new();
        for (i, &line) in self.lines.iter().enumerate() {
            if !key_bytes(&values, i, &mut key) {
                continue; // no management number: reported as a required value
            }
            if let Some(prev) = first.first(&key, line) {
                let shown: Vec<&str> = values
                    .iter()
                    .zip(&cols)
                    .map(|(v, c)| self.shown(c, v[i].unwrap_or("")))
                    .collect();
                out.push(
                    line,
                    c,
                    Some(&format!("{} (first on line {prev})", shown.join(","))),
                );
            }
        }
    }

    fn bmi(
        &self,
        height: &str,
        weight: &str,
        bmi: Option<&str>,
        min: f64,
        max: f64,
        out: &mut Findings,
    ) {
        let bmi = bmi.filter(|b| self.schema.item(b).is_some());
        let col = bmi.unwrap_or(weight);
        let masked = [height, weight, col].iter().any(|c| self.sensitive(c));
        let c = out.check(
            "value.bmi",
            Severity::Warning,
            Some(col),
            format!("身長・体重から求めたBMIが想定範囲（{min}～{max}）外か、BMIの値と一致しません"),
            format!("BMI from height and weight is outside {min}–{max}, or disagrees with the bmi column"),
        );
        let num = |v: Option<&str>| {
            v.filter(|v| number_shape(v).is_some())
                .and_then(|v| v.parse::<f64>().ok())
        };
        let bmis = bmi.map(|b| self.values(b));
        let (hs, ws) = (self.values(height), self.values(weight));
        for (i, &line) in self.lines.iter().enumerate() {
            let (Some(h), Some(w)) = (num(hs[i]), num(ws[i])) else {
                continue;
            };
            if h <= 0.0 {
                continue;
            }
            let computed = w / (h / 100.0).powi(2);
            let stated = bmis.as_ref().and_then(|b| num(b[i]));
            let off = stated.is_some_and(|s| (s - computed).abs() > 0.15);
            if computed < min || computed > max || off {
                let shown = match stated {
                    Some(s) => {
                        format!("height {h} cm, weight {w} kg → BMI {computed:.1}; bmi column {s}")
                    }
                    None => format!("height {h} cm, weight {w} kg → BMI {computed:.1}"),
                };
                out.push(line, c, Some(if masked { MASK } else { &shown }));
            }
        }
    }
}
