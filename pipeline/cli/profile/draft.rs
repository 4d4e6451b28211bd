//! `lifeline profile draft EXPORT --target DATA_TYPE…`: a profile proposed from an export's
//! header. Each column is matched to the LIFE item it most likely feeds — by the aliases of the
//! bundled profiles, the item names of the spec, and the values seen in its first rows — and
//! every guess carries a `# review:` comment. The draft is loaded back through
//! `Profile::parse` before it is printed, so it always loads.

use std::path::Path;

use anyhow::{Result, bail};
use lifeline::decode::text::{code, label_key};
use lifeline::map::{FILLED_BY_THE_TOOL, HeaderKeys, Profile};
use lifeline::spec::{Registry, Req, Schema};

use super::export::{Bundled, DUMMY_MARKS, Export, bundled, read};
use super::guess::{Guess, assign, pipes};

/// A TOML basic string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn schema_for<'r>(
    registry: &'r Registry,
    data_type: &str,
    spec: Option<&str>,
) -> Result<&'r Schema> {
    match registry.choose(data_type, spec) {
        Some(s) => Ok(&s.schemas[data_type]),
        None if registry.choose(data_type, None).is_none() => {
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
    let fields = |i: usize| -> Vec<&str> { ex.table.record(i).iter().collect() };
    let score = |i: usize| {
        let keys = match i.checked_sub(1) {
            Some(u) if ex.header_rows == 2 => HeaderKeys::two(&fields(u), &fields(i)),
            _ => HeaderKeys::one(&fields(i)),
        };
        draft.header_score(&keys)
    };
    let header = score(ex.header);
    let top = ex.header + 1 - ex.header_rows;
    let preamble = (0..top).map(score).max().unwrap_or(0);
    let first = (preamble + 1).max(header.min(3)).clamp(1, header.max(1));
    // The first `min` with which ingest finds this header line, the estimate first.
    let mut fallback = None;
    for min in std::iter::once(first).chain(1..=header.max(1)) {
        let text = render(&ex, export, &b, &schemas, min);
        let p = Profile::parse("draft", &text, registry)
            .map_err(|e| anyhow::anyhow!("the draft does not load (a bug): {e}\n{text}"))?;
        if p.find_header(&ex.table, None).map(|h| h.0) == Some(ex.header) {
            return Ok(text);
        }
        fallback.get_or_insert(text);
    }
    Ok(fallback.unwrap_or_default())
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
    if ex.header_rows == 2 {
        line(&format!(
            "header_rows = 2   # review: a two-line header: a group line over the item line \
             (lines {} and {header_line}; {} column(s) merged down over both, named by the upper \
             cell; the others `group/item`)",
            header_line - 1,
            ex.merged_down
        ));
    }
    line(&format!(
        "header_min_aliases = {min}   # the header is the first line naming this many columns"
    ));
    let preamble_lines = ex.header + 1 - ex.header_rows;
    if preamble_lines > 0 {
        line(&format!(
            "# {preamble_lines} preamble line(s) before the header are skipped"
        ));
    }
    if let Some(t) = &ex.trailer {
        line(&format!(
            "trailer_prefixes = [{}]   # review: a trailer line was seen",
            q(t)
        ));
    }
    // Placeholders: the spellings of "nothing" seen in the data.
    // Placeholders: the spellings of "nothing" seen in the data (ASCII case does not matter,
    // so one `null` covers `NULL` and `Null`).
    let mut ph: Vec<String> = Vec::new();
    let mut spellings = 0;
    for &r in &ex.rows {
        for v in ex.table.record(r).iter() {
            let v = v.trim();
            let known = v.eq_ignore_ascii_case("null") || matches!(v, "-" | "－" | "ー");
            if known && !ph.iter().any(|p| p.eq_ignore_ascii_case(v)) {
                ph.push(if v.eq_ignore_ascii_case("null") {
                    "null".into()
                } else {
                    v.to_string()
                });
            }
            if known {
                spellings += 1;
            }
        }
    }
    if !ph.is_empty() {
        let shown: Vec<String> = ph.iter().map(|p| q(p)).collect();
        line(&format!(
            "placeholders = [{}]   # review: seen {spellings} time(s) as values meaning \
             \"nothing recorded\" (ASCII case does not matter: one entry covers every spelling)",
            shown.join(", ")
        ));
    }
    // 事業所番号: a column, else a preamble field after a 事業所番号 label.
    let fac_keys: Vec<String> = std::iter::once("事業所番号".to_string())
        .chain(b.facility.iter().cloned())
        .map(|f| label_key(&f))
        .collect();
    let fac_col = (0..ex.names.len()).find(|&c| fac_keys.iter().any(|k| ex.answers(c, k)));
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
            let mut cell = None;
            for r in 0..preamble_lines {
                let rec = ex.table.record(r);
                // A cell `事業所番号：1370099010` (a full- or half-width colon).
                for f in rec.iter() {
                    let Some((label, value)) = f.split_once(['：', ':']) else {
                        continue;
                    };
                    let label = label.trim_matches([' ', '\u{3000}']);
                    if cell.is_none()
                        && fac_keys.contains(&label_key(label))
                        && code(value).len() == 10
                    {
                        cell = Some((rec.line, label.to_string()));
                    }
                }
            }
            for r in 0..preamble_lines {
                let rec = ex.table.record(r);
                let f: Vec<&str> = rec.iter().collect();
                if let Some(i) = f.iter().position(|x| fac_keys.contains(&label_key(x)))
                    && f.get(i + 1).is_some_and(|v| code(v).len() == 10)
                {
                    found = Some((rec.line, i + 2));
                    break;
                }
            }
            match (cell, found) {
                (Some((l, label)), _) => {
                    line("[facility]");
                    line(&format!(
                        "preamble = {}   # review: a cell of preamble line {l} holds the office \
                         after its label and a colon",
                        q(&label)
                    ));
                }
                (None, Some((l, f))) => {
                    line("[facility]   # review: the 事業所番号 is in the preamble");
                    line(&format!("preamble_line = {l}"));
                    line(&format!("preamble_field = {f}"));
                }
                (None, None) => line(
                    "# No 事業所番号 in the file: give it with `lifeline ingest --facility ID` \
                     (or the job's office id).",
                ),
            }
        }
    }
    let mut prefixes: Vec<String> = Vec::new();
    for schema in schemas {
        let pipes = pipes(ex, schema, &skip_cols, &ph);
        let piped: Vec<usize> = skip_cols
            .iter()
            .copied()
            .chain(pipes.iter().map(|p| p.column))
            .collect();
        let pipe_items: Vec<String> = pipes.iter().flat_map(|p| p.into.clone()).collect();
        let guesses = assign(ex, schema, b, &piped, &pipe_items, &ph);
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
        let fed = |id: &str| {
            id == "version"
                || FILLED_BY_THE_TOOL.contains(&id)
                || guesses.iter().any(|g| g.item == id)
                || pipe_items.iter().any(|p| p == id)
        };
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
            if let Some(steps) = &g.steps {
                entry.push_str(&format!(", steps = {steps}"));
            } else if g.transform != "text" {
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
        for p in &pipes {
            line("");
            line(&format!(
                "# review: {} ← `{}`: {}",
                p.into.join(" + "),
                ex.names[p.column],
                p.why
            ));
            line("[[target.pipe]]");
            line(&format!("from = {}", q(&ex.names[p.column])));
            line(&format!("steps = {}", p.steps));
            let into: Vec<String> = p.into.iter().map(|i| q(i)).collect();
            line(&format!("into = [{}]", into.join(", ")));
        }
        let unused: Vec<&str> = (0..ex.names.len())
            .filter(|c| {
                !piped.contains(c)
                    && !ex.names[*c].is_empty()
                    && !guesses.iter().any(|g| g.column == *c)
                    && !key.iter().any(|k| *k == ex.names[*c])
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
    let col = |alias: &str| ex.column(&label_key(alias));
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
