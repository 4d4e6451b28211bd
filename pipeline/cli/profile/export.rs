//! What the draft reads: the bundled profiles (their aliases, transforms, maps, keys) and the
//! export (decoded as ingest decodes it, its header line and first data rows).

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use lifeline::decode::text::{code, label_key};
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
    /// The header line (the lower line of a two-line header).
    pub(super) header: usize,
    /// 2 for a two-line header (a group line over the item line).
    pub(super) header_rows: usize,
    /// How many columns of a two-line header are merged down over both lines.
    pub(super) merged_down: usize,
    /// The header names as a profile writes them: `group/item` under a group of a two-line
    /// header, else the name.
    pub(super) names: Vec<String>,
    /// Each column's own name (the item, or a merged-down label), keyed.
    pub(super) keys: Vec<String>,
    /// Every key a column answers to: its own, `groupitem` run together (認定 + 有効期間 →
    /// 認定有効期間) and the pair `group/item`.
    pub(super) alts: Vec<Vec<String>>,
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
            .filter(|v| !v.is_empty() && !placeholders.iter().any(|p| p.eq_ignore_ascii_case(v)))
            .collect()
    }

    /// Whether column `c` answers to the keyed name `key`.
    pub(super) fn answers(&self, c: usize, key: &str) -> bool {
        self.alts[c].iter().any(|k| k == key)
    }

    /// The first column that answers to the keyed name `key`.
    pub(super) fn column(&self, key: &str) -> Option<usize> {
        (0..self.names.len()).find(|&c| self.answers(c, key))
    }
}

/// Whether `upper` is the group line of a two-line header over `lower`: at least two labels,
/// none a value (a `label：value` cell, a number, a date), and a label merged down over both
/// lines (the lower cell empty) or a group over several item cells.
fn two_line(upper: &[&str], lower: &[&str]) -> bool {
    let up: Vec<&str> = upper.iter().map(|s| s.trim()).collect();
    let low = |i: usize| lower.get(i).map_or("", |s| s.trim());
    if up.iter().filter(|s| !s.is_empty()).count() < 2 {
        return false;
    }
    let value = |s: &str| {
        !s.is_empty()
            && (s.contains(['：', ':'])
                || code(s)
                    .bytes()
                    .all(|b| b.is_ascii_digit() || b"/-.".contains(&b)))
    };
    if up.iter().any(|s| value(s)) {
        return false;
    }
    let merged_down = (0..up.len()).any(|i| !up[i].is_empty() && low(i).is_empty());
    let group = (0..up.len().saturating_sub(1)).any(|i| {
        !up[i].is_empty() && up[i + 1].is_empty() && !low(i).is_empty() && !low(i + 1).is_empty()
    });
    merged_down || group
}

/// The columns of a header (`upper` the group line of a two-line one), read as
/// `HeaderKeys::two` reads them: (name as written, own key, every key).
fn columns(upper: Option<&[&str]>, lower: &[&str]) -> Vec<(String, String, Vec<String>)> {
    let clean = |s: &str| {
        s.trim_matches([' ', '\t', '\u{3000}', '\u{feff}'])
            .to_string()
    };
    let Some(upper) = upper else {
        return lower
            .iter()
            .map(|f| {
                let n = clean(f);
                let k = label_key(&n);
                (n, k.clone(), vec![k])
            })
            .collect();
    };
    let mut out = Vec::new();
    let mut group = String::new();
    for i in 0..lower.len().max(upper.len()) {
        let up = clean(upper.get(i).copied().unwrap_or(""));
        let low = clean(lower.get(i).copied().unwrap_or(""));
        match (up.is_empty(), low.is_empty()) {
            (false, true) => {
                group.clear();
                let k = label_key(&up);
                out.push((up, k.clone(), vec![k]));
                continue;
            }
            (false, false) => group = up,
            _ => {}
        }
        let k = label_key(&low);
        if group.is_empty() || low.is_empty() {
            out.push((low, k.clone(), vec![k]));
        } else {
            let pair = format!("{group}/{low}");
            let alts = vec![
                k.clone(),
                label_key(&format!("{group}{low}")),
                label_key(&pair),
            ];
            out.push((pair, k, alts));
        }
    }
    out
}

pub(super) fn read(path: &Path, b: &Bundled, schemas: &[&Schema]) -> Result<Export> {
    let bytes = lifeline::decode::file::open_regular(path)
        .and_then(|(f, len)| lifeline::decode::file::read_text(f, len))
        .with_context(|| format!("cannot read {}", path.display()))?;
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
    let lower: Vec<&str> = table.record(header).iter().collect();
    let upper: Option<Vec<&str>> = header
        .checked_sub(1)
        .map(|u| table.record(u).iter().collect::<Vec<&str>>())
        .filter(|u| two_line(u, &lower));
    let cols = columns(upper.as_deref(), &lower);
    let merged_down = match &upper {
        Some(u) => (0..u.len())
            .filter(|&i| {
                !u[i].trim().is_empty() && lower.get(i).is_none_or(|l| l.trim().is_empty())
            })
            .count(),
        None => 0,
    };
    let header_rows = if upper.is_some() { 2 } else { 1 };
    let mut names = Vec::new();
    let mut keys = Vec::new();
    let mut alts = Vec::new();
    for (n, k, a) in cols {
        names.push(n);
        keys.push(k);
        alts.push(a);
    }
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
        header_rows,
        merged_down,
        names,
        keys,
        alts,
        rows,
        trailer,
    })
}
