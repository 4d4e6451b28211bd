//! Vendor layouts as data: a profile (TOML) maps a vendor's columns, found by normalised header
//! name through an alias table, to LIFE item IDs, with a transform per column.

mod parse;
mod profile;
pub mod steps;

pub use profile::{
    Cell, ColumnMap, FILLED_BY_THE_TOOL, Facility, Profile, ProfileError, ReadSpec, SkipRule,
    Target, Transform, ValueSource, strip_points, version_value,
};
pub use steps::{Cut, Step};

use crate::decode::Table;
use crate::decode::text::label_key;

/// A target's columns resolved against one file's header: the header index of each profile
/// column (None when the file lacks it), and of each key column.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub columns: Vec<Option<usize>>,
    pub key: Vec<Option<usize>>,
}

/// A file's column names, keyed for matching (NFKC, no spaces, unified dashes): each column's
/// name, and with a two-line header also its pair `group/item`.
#[derive(Debug, Clone, Default)]
pub struct HeaderKeys {
    names: Vec<String>,
    pairs: Vec<Option<String>>,
}

impl HeaderKeys {
    /// A one-line header.
    pub fn one(header: &[&str]) -> Self {
        HeaderKeys {
            names: header.iter().map(|h| label_key(h)).collect(),
            pairs: Vec::new(),
        }
    }

    /// A two-line header, Excel's merged group header (`upper`) over the item header
    /// (`lower`): a merged group's name is in its first cell only, so it carries on to the right
    /// over empty cells. A column whose lower cell is empty (a label merged down over both
    /// lines) is named by its upper cell and ends the group.
    pub fn two(upper: &[&str], lower: &[&str]) -> Self {
        let (mut names, mut pairs) = (Vec::new(), Vec::new());
        let mut group = String::new();
        for i in 0..lower.len().max(upper.len()) {
            let up = upper.get(i).map_or("", |s| s.trim());
            let low = lower.get(i).map_or("", |s| s.trim());
            match (up.is_empty(), low.is_empty()) {
                (false, true) => {
                    group.clear();
                    names.push(label_key(up));
                    pairs.push(None);
                    continue;
                }
                (false, false) => group = label_key(up),
                _ => {}
            }
            let name = label_key(low);
            pairs.push((!group.is_empty() && !name.is_empty()).then(|| format!("{group}/{name}")));
            names.push(name);
        }
        HeaderKeys { names, pairs }
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }

    /// The column a keyed alias names: its pair first, then its name.
    pub fn position(&self, key: &str) -> Option<usize> {
        self.pairs
            .iter()
            .position(|p| p.as_deref() == Some(key))
            .or_else(|| self.names.iter().position(|k| k == key))
    }

    /// The first column any of the keyed aliases names, alias by alias.
    pub fn find(&self, aliases: &[String]) -> Option<usize> {
        aliases.iter().find_map(|a| self.position(a))
    }

    /// Each column's keys (name, then pair).
    fn keys(&self, i: usize) -> impl Iterator<Item = &str> {
        std::iter::once(self.names[i].as_str()).chain(self.pairs.get(i).and_then(Option::as_deref))
    }
}

impl Target {
    pub fn resolve(&self, keys: &HeaderKeys) -> Resolved {
        Resolved {
            columns: self
                .columns
                .iter()
                .map(|c| match c.source {
                    ValueSource::Column => keys.find(&c.alias_keys),
                    _ => None,
                })
                .collect(),
            key: self.key_keys.iter().map(|k| keys.position(k)).collect(),
        }
    }
}

impl Profile {
    /// How many of the profile's aliases a line's columns match: the header is the first line
    /// that matches at least `read.header_min_aliases` (preamble lines match none or few).
    pub fn header_score(&self, keys: &HeaderKeys) -> usize {
        (0..keys.len())
            .filter(|&i| {
                keys.keys(i).any(|k| {
                    self.targets.iter().any(|t| {
                        t.columns
                            .iter()
                            .any(|c| c.alias_keys.iter().any(|a| a == k))
                            || t.key_keys.iter().any(|a| a == k)
                    })
                })
            })
            .count()
    }

    /// The header as ingest finds it in a table of records: the index of its line (the lower
    /// line of a two-line header) and its keys. It is the first line that matches at least
    /// `read.header_min_aliases` aliases; with `header_rows = 2` each line is read with the one
    /// above it (`upper`: the last line before the table, if any), and a line that matches alone
    /// gives way to the pair it makes with the next line when that pair matches more.
    pub fn find_header(
        &self,
        table: &Table,
        upper: Option<&[String]>,
    ) -> Option<(usize, HeaderKeys)> {
        let two = self.read.header_rows == 2;
        let min = self.read.header_min_aliases.max(1);
        let keys_of = |upper: Option<Vec<&str>>, fields: &[&str]| match (upper, two) {
            (Some(u), true) => HeaderKeys::two(&u, fields),
            _ => HeaderKeys::one(fields),
        };
        let mut above: Option<Vec<&str>> = upper.map(|u| u.iter().map(String::as_str).collect());
        for (i, r) in table.records().enumerate() {
            let fields: Vec<&str> = r.iter().collect();
            let keys = keys_of(above.take(), &fields);
            let score = self.header_score(&keys);
            if score >= min {
                if two && i + 1 < table.len() {
                    let next: Vec<&str> = table.record(i + 1).iter().collect();
                    let pair = keys_of(Some(fields.clone()), &next);
                    if self.header_score(&pair) > score {
                        return Some((i + 1, pair));
                    }
                }
                return Some((i, keys));
            }
            above = Some(fields);
        }
        None
    }
}
