//! Vendor layouts as data: a profile (TOML) maps a vendor's columns, found by normalised header
//! name through an alias table, to LIFE item IDs, with a transform per column.

mod profile;

pub use profile::{
    ColumnMap, Facility, Profile, ProfileError, ReadSpec, SkipRule, Target, Transform, strip_points,
};

use crate::decode::text::label_key;

/// A target's columns resolved against one file's header: the header index of each profile
/// column (None when the file lacks it), and of each key column.
#[derive(Debug, Clone)]
pub struct Resolved {
    pub columns: Vec<Option<usize>>,
    pub key: Vec<Option<usize>>,
}

/// Header names, keyed for matching (NFKC, no spaces, unified dashes).
pub fn header_keys(header: &[&str]) -> Vec<String> {
    header.iter().map(|h| label_key(h)).collect()
}

fn find(keys: &[String], aliases: &[String]) -> Option<usize> {
    aliases
        .iter()
        .find_map(|a| keys.iter().position(|k| k == a))
}

impl Target {
    pub fn resolve(&self, keys: &[String]) -> Resolved {
        Resolved {
            columns: self
                .columns
                .iter()
                .map(|c| find(keys, &c.alias_keys))
                .collect(),
            key: self
                .key_keys
                .iter()
                .map(|k| find(keys, std::slice::from_ref(k)))
                .collect(),
        }
    }
}

impl Profile {
    /// How many of the profile's aliases a line's fields match: the header is the first line
    /// that matches at least `read.header_min_aliases` (preamble lines match none or few).
    pub fn header_score(&self, fields: &[&str]) -> usize {
        let keys = header_keys(fields);
        keys.iter()
            .filter(|k| {
                self.targets.iter().any(|t| {
                    t.columns.iter().any(|c| c.alias_keys.contains(k)) || t.key_keys.contains(k)
                })
            })
            .count()
    }
}
