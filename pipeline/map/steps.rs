//! The steps a value goes through on its way from a vendor cell to a LIFE item: the
//! transforms (`code`, `date`, `label` …), `strip`, `pad`, and the cuts (`split`, `regex`) that
//! make several items of one value. See docs/profiles.md § Value steps.

use std::collections::BTreeMap;

use serde::Deserialize;

/// The LIFE-side transform of a column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transform {
    /// The value as written, trimmed.
    Text,
    /// Full-width → ASCII, spaces removed (codes, IDs).
    Code,
    /// `code`, and then it must be ASCII digits.
    Digits,
    /// `code`, thousands separators removed; must be a plain decimal number.
    Number,
    /// A date in any known form, eras included → `YYYYMMDD`.
    Date,
    /// Katakana or hiragana → half-width katakana.
    Kana,
    /// A label → the item's code: the profile's `map` first, then the item's own codes and
    /// code labels from the spec.
    Label,
    /// Barthel Index points → the item's code, from the points in the spec's code labels; where
    /// points cannot decide (整容, 入浴: 0 points is 全介助 or 一部介助) it is reported.
    Barthel,
}

impl Transform {
    pub(super) fn parse(s: &str) -> Option<Self> {
        Some(match s {
            "text" => Transform::Text,
            "code" => Transform::Code,
            "digits" => Transform::Digits,
            "number" => Transform::Number,
            "date" => Transform::Date,
            "kana" => Transform::Kana,
            "label" => Transform::Label,
            "barthel" => Transform::Barthel,
            _ => return None,
        })
    }
}

/// One step of a value's chain.
#[derive(Debug, Clone, PartialEq)]
pub enum Step {
    /// A transform: the value converted (or a finding).
    Convert(Transform),
    /// Every one of these characters removed, wherever it is (`0000-012346` → `0000012346`).
    Strip(Vec<char>),
    /// An all-digit value shorter than this many digits left-padded with zeros (`12348` →
    /// `0000012348`), each repair a warning finding; any other value passes unchanged.
    Pad(usize),
    /// The value cut into parts; the item takes its part (see `ColumnMap::part`).
    Cut(Cut),
}

/// How a value is cut into parts.
#[derive(Debug, Clone, PartialEq)]
pub enum Cut {
    /// At the first half- or full-width space: two parts (`試験　花子`).
    Space,
    /// A range of two values: at `～`, `〜`, `~` or `−`; else at a `-` that is the only one or
    /// stands between spaces (`R7.12.01～R9.11.30`).
    Range,
    /// At every occurrence of a separator: exactly `parts` parts (as many as the pipe's items).
    At { sep: String, parts: usize },
    /// A regular expression: its named captures are the parts.
    Regex(Pattern),
}

impl Cut {
    /// How many parts the cut makes, where fixed.
    pub fn parts(&self) -> Option<usize> {
        match self {
            Cut::Space | Cut::Range => Some(2),
            Cut::At { .. } => None,
            Cut::Regex(p) => Some(p.names.len()),
        }
    }
}

/// A compiled regular expression and its named captures, in the order they are written.
#[derive(Debug, Clone)]
pub struct Pattern {
    pub regex: regex::Regex,
    pub names: Vec<String>,
}

impl PartialEq for Pattern {
    fn eq(&self, other: &Self) -> bool {
        self.regex.as_str() == other.regex.as_str()
    }
}

/// A step as written: a transform's name, or a table of one key.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawStep {
    Name(String),
    Table(BTreeMap<String, toml::Value>),
}

pub(super) const TRANSFORMS: &str = "text, code, digits, number, date, kana, label, barthel";

impl RawStep {
    pub(super) fn parse(self) -> Result<Step, String> {
        match self {
            RawStep::Name(n) => Transform::parse(&n).map(Step::Convert).ok_or_else(|| {
                format!(
                    "unknown step `{n}`; a name is a transform ({TRANSFORMS}), the other steps \
                     are tables: {{ strip = \"-\" }}, {{ pad = 10 }}, {{ split = \"space\" }}, \
                     {{ regex = '…' }}"
                )
            }),
            RawStep::Table(t) => {
                let mut it = t.into_iter();
                let (Some((key, value)), None) = (it.next(), it.next()) else {
                    return Err(
                        "a step table has exactly one key (strip, pad, split, regex)".into(),
                    );
                };
                match (key.as_str(), value) {
                    ("strip", toml::Value::String(s)) if !s.is_empty() => {
                        Ok(Step::Strip(s.chars().collect()))
                    }
                    ("pad", toml::Value::Integer(n)) if (1..=150).contains(&n) => {
                        Ok(Step::Pad(n as usize))
                    }
                    ("split", toml::Value::String(s)) => Ok(Step::Cut(match s.as_str() {
                        "space" => Cut::Space,
                        "range" => Cut::Range,
                        "" => {
                            return Err("`split` needs \"space\", \"range\" or a separator".into());
                        }
                        _ => Cut::At { sep: s, parts: 0 },
                    })),
                    ("regex", toml::Value::String(s)) => {
                        let regex = regex::Regex::new(&s).map_err(|e| format!("bad regex: {e}"))?;
                        let names: Vec<String> = regex
                            .capture_names()
                            .flatten()
                            .map(str::to_string)
                            .collect();
                        if names.is_empty() {
                            return Err("a `regex` step names its captures: (?P<name>…)".into());
                        }
                        Ok(Step::Cut(Cut::Regex(Pattern { regex, names })))
                    }
                    ("strip", _) => Err("`strip` is a string of the characters to remove".into()),
                    ("pad", _) => Err("`pad` is the length to pad digits to (1–150)".into()),
                    (k, _) => Err(format!(
                        "unknown step `{k}`; known: {TRANSFORMS}, strip, pad, split, regex"
                    )),
                }
            }
        }
    }
}

/// The parts `cut` makes of `v`, trimmed of half- and full-width spaces; None when `v` does
/// not have the form the cut needs (no space, no range separator, not matched …).
pub fn cut<'a>(cut: &Cut, v: &'a str) -> Option<Vec<&'a str>> {
    let trim = |s: &'a str| s.trim_matches([' ', '\t', '\u{3000}']);
    let two = |(a, b): (&'a str, &'a str)| {
        let (a, b) = (trim(a), trim(b));
        (!a.is_empty() && !b.is_empty()).then(|| vec![a, b])
    };
    match cut {
        Cut::Space => two(v.split_once([' ', '\u{3000}'])?),
        Cut::Range => {
            if let Some(at) = v.split_once(['～', '〜', '~', '−']) {
                return two(at);
            }
            let dashes = ['-', '－', '‐', '―', '‑', '–', '—'];
            if let Some(i) = v.find(" - ").or_else(|| v.find(" － ")) {
                let sep = if v[i..].starts_with(" - ") { 3 } else { 5 };
                return two((&v[..i], &v[i + sep..]));
            }
            if v.matches(dashes).count() == 1 {
                return two(v.split_once(dashes)?);
            }
            None
        }
        Cut::At { sep, parts: want } => {
            let parts: Vec<&str> = v.split(sep.as_str()).map(trim).collect();
            (parts.len() == *want && parts.iter().all(|p| !p.is_empty())).then_some(parts)
        }
        Cut::Regex(p) => {
            let caps = p.regex.captures(v)?;
            p.names
                .iter()
                .map(|n| {
                    caps.name(n)
                        .map(|m| trim(m.as_str()))
                        .filter(|s| !s.is_empty())
                })
                .collect()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cuts() {
        assert_eq!(cut(&Cut::Space, "試験　花子"), Some(vec!["試験", "花子"]));
        assert_eq!(cut(&Cut::Space, "試験 花 子"), Some(vec!["試験", "花 子"]));
        assert_eq!(cut(&Cut::Space, "試験花子"), None);
        for v in [
            "R7.12.01～R9.11.30",
            "R7.12.01〜R9.11.30",
            "R7.12.01~R9.11.30",
            "R7.12.01−R9.11.30",
            "R7.12.01-R9.11.30",
            "R7.12.01 － R9.11.30",
        ] {
            assert_eq!(
                cut(&Cut::Range, v),
                Some(vec!["R7.12.01", "R9.11.30"]),
                "{v}"
            );
        }
        assert_eq!(
            cut(&Cut::Range, "2025-12-01 - 2027-11-30"),
            Some(vec!["2025-12-01", "2027-11-30"])
        );
        assert_eq!(cut(&Cut::Range, "2025-12-01-2027-11-30"), None);
        assert_eq!(cut(&Cut::Range, "令和6年4月1日"), None);
        assert_eq!(
            cut(
                &Cut::At {
                    sep: "/".into(),
                    parts: 3
                },
                "a/b/c"
            ),
            Some(vec!["a", "b", "c"])
        );
        assert_eq!(
            cut(
                &Cut::At {
                    sep: "/".into(),
                    parts: 3
                },
                "a/b"
            ),
            None
        );
    }
}
