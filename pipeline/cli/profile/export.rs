//! What the draft reads: the bundled profiles (their aliases, transforms, maps, keys) and the
//! export (decoded as ingest decodes it, its header line and first data rows).

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use lifeline::decode::text::label_key;
use lifeline::decode::{Table, read_table};
use lifeline::spec::Schema;

/// The bundled profiles, whose aliases, transforms and maps the draft reuses.
const BUNDLED: [(&str, &str); 3] = [
    (
        "honobono-kaigo",
        include_str!("../../../samples/profiles/honobono-kaigo.toml"),
    ),
    (
        "kanamic-user",
        include_str!("../../../samples/profiles/kanamic-user.toml"),
    ),
    (
        "assessment",
        include_str!("../../../samples/profiles/assessment.toml"),
    ),
];

/// Data rows looked at for value forms.
const SAMPLE_ROWS: usize = 50;
/// Records looked at for the header line.
const HEADER_SEARCH: usize = 30;
pub(super) const DUMMY_MARKS: [&str; 5] = ["★", "●", "■", "◆", "※"];

/// One alias of a bundled profile.
pub(super) struct Known {
    pub(super) key: String,
    pub(super) alias: String,
    pub(super) profile: &'static str,
    pub(super) item: String,
    pub(super) transform: Option<String>,
    pub(super) map: Vec<(String, String)>,
}

/// What the bundled profiles teach: column aliases, keys and 事業所番号 columns.
#[derive(Default)]
pub(super) struct Bundled {
    pub(super) columns: Vec<Known>,
    /// (data_type, key aliases, key_prefix).
    pub(super) keys: Vec<(String, Vec<String>, String)>,
    pub(super) facility: Vec<String>,
}

fn strings(v: Option<&toml::Value>) -> Vec<String> {
    match v {
        Some(toml::Value::String(s)) => vec![s.clone()],
        Some(toml::Value::Array(a)) => a
            .iter()
            .filter_map(|x| x.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

pub(super) fn bundled() -> Bundled {
    let mut b = Bundled::default();
    for (name, text) in BUNDLED {
        let Ok(doc) = text.parse::<toml::Table>() else {
            continue;
        };
        if let Some(f) = doc.get("facility").and_then(|f| f.get("column")) {
            b.facility.extend(strings(Some(f)));
        }
        let targets = doc.get("target").and_then(toml::Value::as_array);
        for t in targets.into_iter().flatten() {
            let dt = t.get("data_type").and_then(|v| v.as_str()).unwrap_or("");
            let prefix = t.get("key_prefix").and_then(|v| v.as_str()).unwrap_or("");
            b.keys
                .push((dt.into(), strings(t.get("key")), prefix.to_string()));
            let columns = t.get("columns").and_then(toml::Value::as_table);
            for (item, c) in columns.into_iter().flatten() {
                let map: Vec<(String, String)> = c
                    .get("map")
                    .and_then(toml::Value::as_table)
                    .map(|m| {
                        m.iter()
                            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_string())))
                            .collect()
                    })
                    .unwrap_or_default();
                for alias in strings(c.get("from")) {
                    b.columns.push(Known {
                        key: label_key(&alias),
                        alias,
                        profile: name,
                        item: item.clone(),
                        transform: c
                            .get("transform")
                            .and_then(|v| v.as_str())
                            .map(str::to_string),
                        map: map.clone(),
                    });
                }
            }
        }
    }
    b
}

/// The export, read: its header and first data rows.
pub(super) struct Export {
    pub(super) table: Table,
    pub(super) delimiter: u8,
    pub(super) header: usize,
    /// Trimmed header names.
    pub(super) names: Vec<String>,
    pub(super) keys: Vec<String>,
    /// The data records looked at (indices into the table).
    pub(super) rows: Vec<usize>,
    pub(super) trailer: Option<String>,
}

impl Export {
    /// The non-empty, non-placeholder values of column `i` in the first rows.
    pub(super) fn values(&self, i: usize, placeholders: &[String]) -> Vec<&str> {
        self.rows
            .iter()
            .filter_map(|&r| self.table.field(r, i))
            .map(|v| v.trim_matches([' ', '\t', '\u{3000}']))
            .filter(|v| !v.is_empty() && !placeholders.iter().any(|p| p == v))
            .collect()
    }
}

pub(super) fn read(path: &Path, b: &Bundled, schemas: &[&Schema]) -> Result<Export> {
    let bytes = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let lower = path.display().to_string().to_ascii_lowercase();
    let tab_first = lower.ends_with(".tsv") || lower.ends_with(".txt");
    let mut best: Option<(usize, u8, Table)> = None;
    for d in if tab_first {
        [b'\t', b',']
    } else {
        [b',', b'\t']
    } {
        let t = read_table(&bytes, d).with_context(|| format!("{}", path.display()))?;
        let width = t
            .records()
            .take(HEADER_SEARCH)
            .map(|r| r.iter().count())
            .max();
        let width = width.unwrap_or(0);
        if best.as_ref().is_none_or(|(w, _, _)| width > *w) {
            best = Some((width, d, t));
        }
    }
    let Some((_, delimiter, table)) = best else {
        bail!("{}: no records", path.display());
    };
    // The header: the first of the first records that names most known columns; with none
    // known, the first of the widest.
    let mut vocab: Vec<String> = b.columns.iter().map(|k| k.key.clone()).collect();
    vocab.extend(b.facility.iter().map(|f| label_key(f)));
    vocab.extend(b.keys.iter().flat_map(|k| k.1.iter().map(|a| label_key(a))));
    for s in schemas {
        vocab.extend(s.items.iter().map(|i| label_key(&i.name)));
    }
    let score = |i: usize| {
        table
            .record(i)
            .iter()
            .filter(|f| vocab.contains(&label_key(f)))
            .count()
    };
    let width = |i: usize| {
        table
            .record(i)
            .iter()
            .filter(|f| !f.trim().is_empty())
            .count()
    };
    let n = table.len().min(HEADER_SEARCH);
    if n == 0 {
        bail!("{}: no records", path.display());
    }
    let top = (0..n).map(score).max().unwrap_or(0);
    let header = if top > 0 {
        (0..n).find(|&i| score(i) == top)
    } else {
        let w = (0..n).map(width).max().unwrap_or(0);
        (0..n).find(|&i| width(i) == w)
    }
    .unwrap_or(0);
    let names: Vec<String> = table
        .record(header)
        .iter()
        .map(|f| {
            f.trim_matches([' ', '\t', '\u{3000}', '\u{feff}'])
                .to_string()
        })
        .collect();
    let keys = names.iter().map(|n| label_key(n)).collect();
    let mut rows = Vec::new();
    let mut trailer = None;
    for r in header + 1..table.len() {
        let rec = table.record(r);
        let first = rec.iter().map(str::trim).find(|f| !f.is_empty());
        if let Some(p) = ["合計", "総計"]
            .into_iter()
            .find(|p| first.is_some_and(|f| f.starts_with(p)))
        {
            trailer = Some(p.to_string());
            break;
        }
        if rows.len() < SAMPLE_ROWS && first.is_some() {
            rows.push(r);
        }
    }
    Ok(Export {
        table,
        delimiter,
        header,
        names,
        keys,
        rows,
        trailer,
    })
}
