//! Item-level checks, one column at a time: requirement marks, code lists, lengths, numbers,
//! dates and times, ranges. Each column is one pass over its values.

use std::collections::HashSet;

use polars::prelude::*;

use super::finding::{Finding, Findings, MASK, Severity};
use super::values::{is_date, is_date_or_unknown_day, is_time, number_shape};
use crate::spec::{CodeSheets, Item, ItemType, Req};

/// A code list: short codes (up to 7 bytes, as most are) each as one number, compared without
/// a call to compare bytes; a long list as a set.
enum CodeSet<'a> {
    Short(Vec<u64>),
    Few(Vec<&'a str>),
    Many(HashSet<&'a str>),
}

impl<'a> CodeSet<'a> {
    fn new(codes: &[&'a str]) -> Self {
        if codes.len() > 16 {
            CodeSet::Many(codes.iter().copied().collect())
        } else if let Some(short) = codes.iter().map(|c| short(c)).collect::<Option<_>>() {
            CodeSet::Short(short)
        } else {
            CodeSet::Few(codes.to_vec())
        }
    }

    fn contains(&self, v: &str) -> bool {
        match self {
            CodeSet::Short(codes) => short(v).is_some_and(|v| codes.contains(&v)),
            CodeSet::Few(v2) => v2.contains(&v),
            CodeSet::Many(s) => s.contains(v),
        }
    }
}

/// A string of up to 7 bytes as one number: its bytes, and its length in the top byte.
fn short(v: &str) -> Option<u64> {
    let b = v.as_bytes();
    (b.len() <= 7).then(|| {
        let mut n = (b.len() as u64) << 56;
        for (i, &x) in b.iter().enumerate() {
            n |= u64::from(x) << (8 * i);
        }
        n
    })
}

/// Which strings a date item accepts.
type DateTest = fn(&str) -> bool;

/// The checks that apply to one item, registered up front.
pub(super) struct ColumnPlan<'a> {
    item: &'a Item,
    empty: Option<u32>,
    /// The clear marker on a ◎ item (error) or a ○ item (warning).
    cleared: Option<u32>,
    private_use: u32,
    codes: Option<(u32, CodeSet<'a>)>,
    length: Option<(u32, usize)>,
    number: Option<(u32, u32, usize, usize)>,
    digits: Option<u32>,
    date: Option<(u32, DateTest)>,
    time: Option<(u32, &'a str)>,
    range: Option<(u32, f64, f64)>,
}

fn list_codes(codes: &[&str]) -> String {
    let mut shown: Vec<&str> = codes.iter().take(12).copied().collect();
    if codes.len() > 12 {
        shown.push("…");
    }
    shown.join(", ")
}

impl<'a> ColumnPlan<'a> {
    pub(super) fn new(item: &'a Item, sheets: Option<&'a CodeSheets>, out: &mut Findings) -> Self {
        let col = Some(item.id.as_str());
        let name = &item.name;
        let empty = match item.req {
            Req::Always => Some(out.check(
                "value.required",
                Severity::Error,
                col,
                format!("必須項目（◎）「{name}」が未入力です"),
                "required item (◎) is empty; LIFE rejects the record".into(),
            )),
            Req::Confirmed => Some(out.check(
                "value.recommended",
                Severity::Warning,
                col,
                format!("確定取込時必須項目（○）「{name}」が未入力です。確定できません"),
                "item required for a confirmed import (○) is empty; the record cannot be confirmed"
                    .into(),
            )),
            _ => None,
        };
        let cleared = match item.req {
            Req::Always => Some(out.check(
                "value.required",
                Severity::Error,
                col,
                format!("必須項目（◎）「{name}」に削除指定（半角スペース1文字）が入っています"),
                "required item (◎) holds the single-space clear marker".into(),
            )),
            Req::Confirmed => Some(out.check(
                "value.recommended",
                Severity::Warning,
                col,
                format!("確定取込時必須項目（○）「{name}」に削除指定（半角スペース1文字）が入っています。確定できません"),
                "item required for a confirmed import (○) holds the single-space clear marker; the record cannot be confirmed"
                    .into(),
            )),
            _ => None,
        };
        let private_use = out.check(
            "value.private_use",
            Severity::Warning,
            col,
            format!("「{name}」に外字（私用領域の文字）が含まれています。LIFEや他の端末では正しく表示されません"),
            "contains a user-defined character (外字, Unicode private use area) that other systems cannot show"
                .into(),
        );
        let code_list: Vec<&str> = if !item.codes.is_empty() {
            item.codes.iter().map(|c| c.code.as_str()).collect()
        } else if let (Some(sheet), Some(sheets)) = (&item.code_sheet, sheets) {
            sheets
                .sheets
                .iter()
                .find(|s| &s.name == sheet)
                .map(|s| s.codes.iter().map(|c| c.code.as_str()).collect())
                .unwrap_or_default()
        } else {
            Vec::new()
        };
        let codes = (!code_list.is_empty()).then(|| {
            let shown = list_codes(&code_list);
            let id = out.check(
                "value.code",
                Severity::Error,
                col,
                format!("「{name}」のコード値（{shown}）以外の値です"),
                format!("not one of the codes {{{shown}}}"),
            );
            (id, CodeSet::new(&code_list))
        });
        let len = item.len.map(|l| l as usize);
        let length = match (item.ty, len) {
            (ItemType::Text | ItemType::Digits, Some(l)) => Some((
                out.check(
                    "value.length",
                    Severity::Error,
                    col,
                    format!("「{name}」が{l}文字を超えています"),
                    format!("longer than {l} character{}", if l == 1 { "" } else { "s" }),
                ),
                l,
            )),
            _ => None,
        };
        let number = (item.ty == ItemType::Number).then(|| {
            let (l, d) = (len.unwrap_or(usize::MAX), item.dec.unwrap_or(0) as usize);
            let not_number = out.check(
                "value.number",
                Severity::Error,
                col,
                format!("「{name}」が数値（半角数字と小数点）ではありません"),
                "not a number (ASCII digits with an optional decimal point; no sign, no separators)"
                    .into(),
            );
            let precision = out.check(
                "value.precision",
                Severity::Error,
                col,
                format!("「{name}」の桁数が整数{l}桁・小数{d}桁を超えています"),
                format!("more than {l} integer or {d} decimal digits"),
            );
            (not_number, precision, l, d)
        });
        let digits = (item.ty == ItemType::Digits).then(|| {
            out.check(
                "value.digits",
                Severity::Error,
                col,
                format!("「{name}」に半角数字以外が含まれています"),
                "contains characters other than the ASCII digits 0–9".into(),
            )
        });
        let fmt = item.fmt.as_deref().unwrap_or("");
        let date = (fmt == "YYYYMMDD").then(|| {
            let (ja, en, ok): (&str, &str, DateTest) = if item.day_may_be_00 {
                (
                    "（日が不明なら00）",
                    " (day 00 when unknown)",
                    is_date_or_unknown_day,
                )
            } else {
                ("", "", is_date)
            };
            let id = out.check(
                "value.date",
                Severity::Error,
                col,
                format!("「{name}」が日付（YYYYMMDD{ja}）として正しくありません"),
                format!("not a valid calendar date in the form YYYYMMDD{en}"),
            );
            (id, ok)
        });
        let time = matches!(fmt, "HHmm" | "HH" | "mm").then(|| {
            let id = out.check(
                "value.time",
                Severity::Error,
                col,
                format!("「{name}」が時刻（{fmt}）として正しくありません"),
                format!("not a valid time in the form {fmt}"),
            );
            (id, fmt)
        });
        let range = item.range.map(|r| {
            let id = out.check(
                "value.range",
                Severity::Error,
                col,
                format!("「{name}」が範囲（{}～{}）外です", r.min, r.max),
                format!("outside the range {}–{}", r.min, r.max),
            );
            (id, r.min, r.max)
        });
        ColumnPlan {
            item,
            empty,
            cleared,
            private_use,
            codes,
            length,
            number,
            digits,
            date,
            time,
            range,
        }
    }

    /// Runs the plan over a column. `lines` holds each row's physical line.
    pub(super) fn run(&self, column: &StringChunked, lines: &[u64]) -> Vec<Finding> {
        let mut out = Vec::new();
        let sensitive = self.item.sensitive;
        let mut push = |line: u64, check: u32, value: Option<&str>| {
            out.push(Finding {
                line,
                check,
                value: value.map(|v| if sensitive { MASK.into() } else { v.into() }),
            });
        };
        for (v, &line) in column.iter().zip(lines) {
            let Some(v) = v else {
                if let Some(c) = self.empty {
                    push(line, c, None);
                }
                continue;
            };
            if v == " " {
                // The clear marker: deletes the stored value; nothing else to check.
                if let Some(c) = self.cleared {
                    push(line, c, Some(v));
                }
                continue;
            }
            if !v.is_ascii() && v.chars().any(|c| ('\u{E000}'..='\u{F8FF}').contains(&c)) {
                push(line, self.private_use, Some(v));
            }
            if let Some((c, set)) = &self.codes
                && !set.contains(v)
            {
                push(line, *c, Some(v));
            }
            if let Some((c, max)) = self.length
                && v.len() > max
                && v.chars().count() > max
            {
                push(line, c, Some(v));
            }
            if let Some((not_number, precision, l, d)) = self.number {
                match number_shape(v) {
                    None => push(line, not_number, Some(v)),
                    Some((i, f)) if i > l || f > d => push(line, precision, Some(v)),
                    _ => {}
                }
            }
            if let Some(c) = self.digits
                && !v.bytes().all(|b| b.is_ascii_digit())
            {
                push(line, c, Some(v));
            }
            if let Some((c, ok)) = self.date
                && !ok(v)
            {
                push(line, c, Some(v));
            }
            if let Some((c, fmt)) = self.time
                && !is_time(fmt, v)
            {
                push(line, c, Some(v));
            }
            if let Some((c, min, max)) = self.range
                && v.parse::<f64>().is_ok_and(|x| x < min || x > max)
            {
                push(line, c, Some(v));
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::CodeSet;

    proptest::proptest! {
        /// Every kind of code set says what the list says.
        #[test]
        fn a_code_set_holds_exactly_its_codes(
            codes in proptest::collection::vec("[0-9A-Zあ\\x00]{0,9}", 0..24),
            v in "[0-9A-Zあ\\x00]{0,9}",
        ) {
            let list: Vec<&str> = codes.iter().map(String::as_str).collect();
            let expected = list.contains(&v.as_str());
            proptest::prop_assert_eq!(CodeSet::new(&list).contains(&v), expected);
            for c in &list {
                proptest::prop_assert!(CodeSet::new(&list).contains(c));
            }
        }
    }
}
