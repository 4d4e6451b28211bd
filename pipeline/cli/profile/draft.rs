//! `lifeline profile draft EXPORT --target DATA_TYPE…`: a profile proposed from an export's
//! header. Each column is matched to the LIFE item it most likely feeds — by the aliases of the
//! bundled profiles, the item names of the spec, and the values seen in its first rows — and
//! every guess carries a `# review:` comment. The draft is loaded back through
//! `Profile::parse` before it is printed, so it always loads.

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use lifeline::decode::text::{code, label_key};
use lifeline::decode::{Table, read_table};
use lifeline::map::{Profile, strip_points};
use lifeline::normalize::dates::parse_date;
use lifeline::spec::{Item, ItemType, Registry, Req, Schema};

use super::check::TOOL_FILLED;

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
const DUMMY_MARKS: [&str; 5] = ["★", "●", "■", "◆", "※"];

/// One alias of a bundled profile.
struct Known {
    key: String,
    alias: String,
    profile: &'static str,
    item: String,
    transform: Option<String>,
    map: Vec<(String, String)>,
}

/// What the bundled profiles teach: column aliases, keys and 事業所番号 columns.
#[derive(Default)]
struct Bundled {
    columns: Vec<Known>,
    /// (data_type, key aliases, key_prefix).
    keys: Vec<(String, Vec<String>, String)>,
    facility: Vec<String>,
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

fn bundled() -> Bundled {
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

/// A TOML basic string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

/// One export column's guess for one target.
struct Guess {
    column: usize,
    item: String,
    score: u8,
    transform: String,
    map: Vec<(String, String)>,
    why: String,
}

/// The export, read: its header and first data rows.
struct Export {
    table: Table,
    delimiter: u8,
    header: usize,
    /// Trimmed header names.
    names: Vec<String>,
    keys: Vec<String>,
    /// The data records looked at (indices into the table).
    rows: Vec<usize>,
    trailer: Option<String>,
}

impl Export {
    /// The non-empty, non-placeholder values of column `i` in the first rows.
    fn values(&self, i: usize, placeholders: &[String]) -> Vec<&str> {
        self.rows
            .iter()
            .filter_map(|&r| self.table.field(r, i))
            .map(|v| v.trim_matches([' ', '\t', '\u{3000}']))
            .filter(|v| !v.is_empty() && !placeholders.iter().any(|p| p == v))
            .collect()
    }
}

fn read(path: &Path, b: &Bundled, schemas: &[&Schema]) -> Result<Export> {
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

/// Whether `v` is one of the item's codes or code labels (with or without points).
fn is_label(item: &Item, v: &str) -> bool {
    let k = label_key(v);
    let c = code(v);
    item.codes
        .iter()
        .any(|x| x.code == c || label_key(&x.label) == k || label_key(strip_points(&x.label)) == k)
}

fn is_kana(v: &str) -> bool {
    v.chars().all(|c| {
        matches!(c, '\u{3041}'..='\u{3096}' | '\u{30A1}'..='\u{30FA}' | '\u{30FC}' | '\u{FF66}'..='\u{FF9F}' | ' ' | '\u{3000}' | '・')
    })
}

fn full_width_digits(v: &str) -> bool {
    v.chars().any(|c| matches!(c, '０'..='９'))
}

/// The transform the item and the values seen call for, why, and whether the values fit it.
fn transform_for(item: &Item, values: &[&str]) -> (&'static str, String, bool) {
    let all = |f: &dyn Fn(&str) -> bool| !values.is_empty() && values.iter().all(|v| f(v));
    let dates = all(&|v| parse_date(v).is_ok());
    let era = values.iter().any(|v| {
        v.chars()
            .any(|c| matches!(c, '令' | '平' | '昭' | 'R' | 'H' | 'S'))
    });
    if item.fmt.as_deref() == Some("YYYYMMDD") || dates {
        let form = if era {
            "values read as dates, 和暦 among them"
        } else {
            "values read as dates"
        };
        return ("date", form.into(), dates || values.is_empty());
    }
    if !item.codes.is_empty() {
        let points =
            item.codes.iter().any(|c| c.label.ends_with(')')) && item.id.starts_with("barthel");
        if points && all(&|v| code(v).bytes().all(|b| b.is_ascii_digit())) {
            return ("barthel", "values are Barthel points".into(), true);
        }
        if all(&|v| is_label(item, v)) {
            return (
                "label",
                "values are the item's codes or code labels".into(),
                true,
            );
        }
        return (
            "label",
            "some values are not code labels of the item: add a `map`".into(),
            values.is_empty(),
        );
    }
    if item.id.ends_with("_kana") || all(&|v| is_kana(v)) {
        return ("kana", "values are kana".into(), all(&|v| is_kana(v)));
    }
    let fw = values.iter().any(|v| full_width_digits(v));
    let digits = all(&|v| code(v).bytes().all(|b| b.is_ascii_digit() || b == b'-'));
    if item.ty == ItemType::Number {
        return (
            "number",
            "a number item".into(),
            digits || values.is_empty(),
        );
    }
    if fw || digits || item.ty == ItemType::Digits {
        let why = if fw {
            "full-width digits seen"
        } else {
            "values are digits"
        };
        return ("code", why.into(), true);
    }
    ("text", "plain text".into(), true)
}

/// The candidate items of header column `col` in one target, best first.
fn candidates(
    col: usize,
    ex: &Export,
    schema: &Schema,
    b: &Bundled,
    placeholders: &[String],
) -> Vec<Guess> {
    let key = &ex.keys[col];
    let name = &ex.names[col];
    if key.is_empty() {
        return Vec::new();
    }
    let values = ex.values(col, placeholders);
    let mut out = Vec::new();
    for item in &schema.items {
        if item.id == "care_facility_id" || item.id == "version" {
            continue;
        }
        let item_key = label_key(&item.name);
        let known = b
            .columns
            .iter()
            .find(|k| k.key == *key && k.item == item.id);
        let (score, why) = if let Some(k) = known {
            (
                4,
                format!(
                    "matched the alias `{}` of the bundled profile {}",
                    k.alias, k.profile
                ),
            )
        } else if item_key == *key {
            (3, format!("matched the item name {}", item.name))
        } else if label_key(&item.id) == *key {
            (3, format!("matched the item id {}", item.id))
        } else if key.chars().count() >= 2
            && item_key.chars().count() >= 2
            && item_key.contains(key.as_str())
        {
            (
                1,
                format!("`{name}` is part of the item name {}", item.name),
            )
        } else {
            continue;
        };
        if item.id == "external_system_management_number" && score < 3 {
            continue;
        }
        let (t, mut form, fits) = transform_for(item, &values);
        if values.is_empty() {
            form = "no values seen in the first rows".into();
        } else if known.is_some_and(|k| {
            !k.map.is_empty()
                && values.iter().all(|v| {
                    is_label(item, v) || k.map.iter().any(|(m, _)| label_key(m) == label_key(v))
                })
        }) {
            form = "values are in the bundled map or the item's code labels".into();
        }
        let (transform, map) = match known {
            Some(k) => (
                k.transform.clone().unwrap_or_else(|| "text".into()),
                k.map.clone(),
            ),
            None => (t.to_string(), Vec::new()),
        };
        out.push(Guess {
            column: col,
            item: item.id.clone(),
            // Value forms settle ties between names.
            score: score * 2 + u8::from(fits),
            transform,
            map,
            why: format!("{why}; {form}"),
        });
    }
    out
}

/// The guesses of one target: each column to at most one item, each item from one column,
/// best first.
fn assign(ex: &Export, schema: &Schema, b: &Bundled, skip: &[usize], ph: &[String]) -> Vec<Guess> {
    let mut all: Vec<Guess> = (0..ex.names.len())
        .filter(|c| !skip.contains(c))
        .flat_map(|c| candidates(c, ex, schema, b, ph))
        .collect();
    all.sort_by_key(|g| (std::cmp::Reverse(g.score), g.column));
    let mut taken: Vec<Guess> = Vec::new();
    for g in all {
        if !taken
            .iter()
            .any(|t| ex.keys[t.column] == ex.keys[g.column] || t.item == g.item)
        {
            taken.push(g);
        }
    }
    let order = |id: &str| schema.items.iter().position(|i| i.id == id);
    taken.sort_by_key(|g| order(&g.item));
    taken
}

fn schema_for<'r>(
    registry: &'r Registry,
    data_type: &str,
    spec: Option<&str>,
) -> Result<&'r Schema> {
    let found: Vec<&lifeline::spec::Spec> = registry
        .specs
        .iter()
        .filter(|s| s.schema(data_type).is_some())
        .collect();
    let chosen = match spec {
        None | Some("auto") => found.last(),
        Some(v) => found.iter().find(|s| s.version == v),
    };
    match chosen {
        Some(s) => Ok(&s.schemas[data_type]),
        None if found.is_empty() => {
            bail!("`{data_type}` is not a LIFE interface (see `lifeline schemas list`)")
        }
        None => bail!(
            "`{data_type}` is not an interface of spec {}",
            spec.unwrap_or("")
        ),
    }
}

pub fn run(
    registry: &Registry,
    export: &Path,
    targets: &[String],
    spec: Option<&str>,
) -> Result<String> {
    let b = bundled();
    let schemas = targets
        .iter()
        .map(|t| schema_for(registry, t, spec))
        .collect::<Result<Vec<_>>>()?;
    let ex = read(export, &b, &schemas)?;
    let text = render(&ex, export, &b, &schemas, 1);
    // The header must score above every preamble line, as ingest will look for it.
    let draft = Profile::parse("draft", &text, registry)
        .map_err(|e| anyhow::anyhow!("the draft does not load (a bug): {e}\n{text}"))?;
    let score = |i: usize| draft.header_score(&ex.table.record(i).iter().collect::<Vec<_>>());
    let header = score(ex.header);
    let preamble = (0..ex.header).map(score).max().unwrap_or(0);
    let min = (preamble + 1).max(header.min(3)).clamp(1, header.max(1));
    let text = render(&ex, export, &b, &schemas, min);
    Profile::parse("draft", &text, registry)
        .map_err(|e| anyhow::anyhow!("the draft does not load (a bug): {e}\n{text}"))?;
    Ok(text)
}

fn render(ex: &Export, path: &Path, b: &Bundled, schemas: &[&Schema], min: usize) -> String {
    let file = path.file_name().map_or_else(
        || path.display().to_string(),
        |f| f.to_string_lossy().into_owned(),
    );
    let stem = path
        .file_stem()
        .map_or_else(|| "draft".into(), |s| s.to_string_lossy().into_owned());
    let header_line = ex.table.record(ex.header).line;
    let mut o = String::new();
    let mut line = |s: &str| {
        o.push_str(s);
        o.push('\n');
    };
    line(&format!(
        "# Drafted by `lifeline profile draft` from {file} ({}, header on line {header_line}).",
        ex.table.encoding
    ));
    line("# Every guess is marked `# review:`. Check it against the export with");
    line(&format!("#   lifeline profile check THIS.toml {file}"));
    line(&format!(
        "name = {}   # review: a name for this layout",
        q(&stem)
    ));
    line("");
    line("[read]");
    line(&format!(
        "delimiter = {}",
        q(if ex.delimiter == b'\t' { "\t" } else { "," })
    ));
    line(&format!(
        "header_min_aliases = {min}   # the header is the first line naming this many columns"
    ));
    if ex.header > 0 {
        line(&format!(
            "# {} preamble line(s) before the header are skipped",
            ex.header
        ));
    }
    if let Some(t) = &ex.trailer {
        line(&format!(
            "trailer_prefixes = [{}]   # review: a trailer line was seen",
            q(t)
        ));
    }
    // Placeholders: the spellings of "nothing" seen in the data.
    let mut ph: Vec<String> = Vec::new();
    for &r in &ex.rows {
        for v in ex.table.record(r).iter() {
            let v = v.trim();
            let known = v.eq_ignore_ascii_case("null") || matches!(v, "-" | "－" | "ー");
            if known && !ph.iter().any(|p| p == v) {
                ph.push(v.to_string());
            }
        }
    }
    if !ph.is_empty() {
        let shown: Vec<String> = ph.iter().map(|p| q(p)).collect();
        line(&format!(
            "placeholders = [{}]   # review: seen as values meaning \"nothing recorded\"",
            shown.join(", ")
        ));
    }
    // 事業所番号: a column, else a preamble field after a 事業所番号 label.
    let fac_keys: Vec<String> = std::iter::once("事業所番号".to_string())
        .chain(b.facility.iter().cloned())
        .map(|f| label_key(&f))
        .collect();
    let fac_col = ex.keys.iter().position(|k| fac_keys.contains(k));
    let skip_cols: Vec<usize> = fac_col.into_iter().collect();
    // Dummy users (★会議 …) in a name column.
    let name_col = ex
        .keys
        .iter()
        .position(|k| k.contains("氏名") || k.ends_with("姓"));
    if let Some(c) = name_col
        && ex
            .values(c, &ph)
            .iter()
            .any(|v| DUMMY_MARKS.iter().any(|m| v.starts_with(m)))
    {
        let marks: Vec<String> = DUMMY_MARKS.iter().map(|m| q(m)).collect();
        line("# review: names starting with a symbol were seen (meetings, test users)");
        line(&format!(
            "skip = [{{ column = {}, prefixes = [{}], reason = \"dummy user\" }}]",
            q(&ex.names[c]),
            marks.join(", ")
        ));
    }
    line("");
    match fac_col {
        Some(c) => {
            line("[facility]");
            line(&format!(
                "column = {}   # review: the 事業所番号 column",
                q(&ex.names[c])
            ));
        }
        None => {
            let mut found = None;
            for r in 0..ex.header {
                let rec = ex.table.record(r);
                let f: Vec<&str> = rec.iter().collect();
                if let Some(i) = f.iter().position(|x| fac_keys.contains(&label_key(x)))
                    && f.get(i + 1).is_some_and(|v| code(v).len() == 10)
                {
                    found = Some((rec.line, i + 2));
                    break;
                }
            }
            match found {
                Some((l, f)) => {
                    line("[facility]   # review: the 事業所番号 is in the preamble");
                    line(&format!("preamble_line = {l}"));
                    line(&format!("preamble_field = {f}"));
                }
                None => line(
                    "# No 事業所番号 in the file: give it with `lifeline ingest --facility ID` \
                     (or the job's office id).",
                ),
            }
        }
    }
    let mut prefixes: Vec<String> = Vec::new();
    for schema in schemas {
        let guesses = assign(ex, schema, b, &skip_cols, &ph);
        line("");
        match schema.title.as_str() {
            "" => line(&format!("# --- {} ---", schema.data_type)),
            t => line(&format!("# --- {} ({t}) ---", schema.data_type)),
        }
        line("[[target]]");
        line(&format!("data_type = {}", q(&schema.data_type)));
        line(&format!("spec = {}", q(&schema.spec)));
        let (key, why) = key_for(ex, schema, b, &guesses);
        let shown: Vec<String> = key.iter().map(|k| q(k)).collect();
        line(&format!("# review: {why}"));
        line(&format!("key = [{}]", shown.join(", ")));
        let mut prefix = b
            .keys
            .iter()
            .find(|k| k.0 == schema.data_type)
            .map(|k| k.2.clone())
            .unwrap_or_else(|| {
                if schema.data_type == "SERVICE_USER_INFO" {
                    "U".into()
                } else {
                    let d: String = schema
                        .data_type
                        .chars()
                        .filter(char::is_ascii_digit)
                        .take(4)
                        .collect();
                    format!("F{d}")
                }
            });
        while prefixes.contains(&prefix) {
            prefix.push('X');
        }
        prefixes.push(prefix.clone());
        line(&format!(
            "key_prefix = {}   # 外部システム管理番号 = <key_prefix>-<key values>: keep it the same every month",
            q(&prefix)
        ));
        line("");
        line("[target.constants]");
        if schema.item("version").is_some() {
            let digits: String = schema.spec.chars().filter(char::is_ascii_digit).collect();
            line(&format!("version = {}", q(&format!("{digits:0>4}"))));
        }
        let fed = |id: &str| TOOL_FILLED.contains(&id) || guesses.iter().any(|g| g.item == id);
        for item in &schema.items {
            if item.req == Req::Always && !fed(&item.id) {
                line(&format!(
                    "# ◎ unfed: {} ({}): map a column or set a constant, e.g. {} = \"…\"",
                    item.id, item.name, item.id
                ));
            }
        }
        line("");
        line("[target.columns]");
        for g in &guesses {
            line(&format!(
                "# review: {} ← `{}`: {}",
                g.item, ex.names[g.column], g.why
            ));
            let mut entry = format!("{} = {{ from = {}", g.item, q(&ex.names[g.column]));
            if g.transform != "text" {
                entry.push_str(&format!(", transform = {}", q(&g.transform)));
            }
            if !g.map.is_empty() {
                let m: Vec<String> = g
                    .map
                    .iter()
                    .map(|(k, v)| format!("{} = {}", q(k), q(v)))
                    .collect();
                entry.push_str(&format!(", map = {{ {} }}", m.join(", ")));
            }
            entry.push_str(" }");
            line(&entry);
        }
        let unused: Vec<&str> = (0..ex.names.len())
            .filter(|c| {
                !skip_cols.contains(c)
                    && !ex.names[*c].is_empty()
                    && !guesses.iter().any(|g| g.column == *c)
                    && !key.iter().any(|k| label_key(k) == ex.keys[*c])
            })
            .map(|c| ex.names[c].as_str())
            .collect();
        if !unused.is_empty() {
            line(&format!("# unmatched columns: {}", unused.join(", ")));
        }
    }
    o
}

/// The record key of a target: the bundled profile's key for this interface when the export
/// has its columns; else a user-number column, with the date column of the form's first ◎ date.
fn key_for(ex: &Export, schema: &Schema, b: &Bundled, guesses: &[Guess]) -> (Vec<String>, String) {
    let col = |alias: &str| ex.keys.iter().position(|k| *k == label_key(alias));
    for (dt, key, _) in &b.keys {
        if *dt == schema.data_type && !key.is_empty() {
            let cols: Option<Vec<usize>> = key.iter().map(|k| col(k)).collect();
            if let Some(cols) = cols {
                let names = cols.iter().map(|&c| ex.names[c].clone()).collect();
                return (
                    names,
                    "the key of the bundled profile for this interface".into(),
                );
            }
        }
    }
    let bundled_user = b
        .keys
        .iter()
        .filter_map(|k| k.1.first())
        .find_map(|k| col(k));
    let user = bundled_user.or_else(|| {
        ex.keys.iter().position(|k| {
            k.contains("利用者") && (k.contains("番号") || k.contains("コード") || k.contains("id"))
        })
    });
    let mut key = Vec::new();
    let mut why = String::new();
    match user {
        Some(c) => {
            key.push(ex.names[c].clone());
            why.push_str("the user-number column");
        }
        None => {
            let c = (0..ex.names.len())
                .find(|&c| !ex.names[c].is_empty())
                .unwrap_or(0);
            key.push(ex.names[c].clone());
            why.push_str("NO user-number column recognised: the first column is a guess");
        }
    }
    if schema.data_type != "SERVICE_USER_INFO" {
        let date = schema
            .items
            .iter()
            .find(|i| i.req == Req::Always && i.fmt.as_deref() == Some("YYYYMMDD"));
        if let Some(g) = date.and_then(|d| guesses.iter().find(|g| g.item == d.id)) {
            key.push(ex.names[g.column].clone());
            why.push_str(" and the evaluation date (one record per user and date)");
        }
    }
    (key, why)
}
