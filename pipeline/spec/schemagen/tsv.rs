//! The two TSV extracts of the 3.10 workbook (see `life-2024-v3.10-partial/README.md`):
//! `items.tsv` (full item rows) and `headers-only.tsv` (column IDs only; everything else is
//! marked unknown rather than guessed).

use std::path::Path;

use super::{
    Generated, bare_item, derive_from_text, file_name, parse_req, parse_type, parse_u32, text_opt,
};
use crate::spec::{ItemType, Req, Schema, SpecError};

/// Reads `items.tsv` or `headers-only.tsv` (told apart by its `position` column).
pub fn from_tsv(path: &Path, spec: &str) -> Result<Generated, SpecError> {
    let text = std::fs::read_to_string(path).map_err(|source| SpecError::Io {
        path: path.display().to_string(),
        source,
    })?;
    let file = file_name(path);
    let bad = |line: usize, m: String| SpecError::invalid(format!("{}:{line}", path.display()), m);
    let mut lines = text.lines().enumerate();
    let header: Vec<&str> = lines
        .next()
        .map(|(_, l)| l.split('\t').collect())
        .unwrap_or_default();
    let idx = |name: &str| header.iter().position(|h| *h == name);
    let need = |name: &str| idx(name).ok_or_else(|| bad(1, format!("no `{name}` column")));
    let headers_only = idx("position").is_some();
    let (c_iface, c_id) = (need("interface")?, need("id")?);
    let mut schemas: Vec<Schema> = Vec::new();
    for (n, line) in lines {
        let line_no = n + 1;
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() != header.len() {
            return Err(bad(
                line_no,
                format!("{} fields, header has {}", f.len(), header.len()),
            ));
        }
        let iface = f[c_iface];
        if schemas.last().is_none_or(|s| s.data_type != iface) {
            schemas.push(Schema {
                data_type: iface.to_string(),
                title: String::new(),
                spec: spec.to_string(),
                source: format!(
                    "{file} ({})",
                    if headers_only {
                        "column IDs only"
                    } else {
                        "item rows"
                    }
                ),
                partial: headers_only,
                items: Vec::new(),
            });
        }
        let id = f[c_id].to_string();
        let item = if headers_only {
            let no = f[need("position")?].parse().ok();
            bare_item(no, id, ItemType::Unknown, Req::Unknown)
        } else {
            let get = |name: &str| need(name).map(|i| f[i]);
            let ty = parse_type(get("type")?).map_err(|m| bad(line_no, m))?;
            let req = parse_req(get("req")?).map_err(|m| bad(line_no, m))?;
            let mut item = bare_item(get("no")?.parse().ok(), id, ty, req);
            item.name = get("name")?.to_string();
            item.len = parse_u32(get("len")?).map_err(|m| bad(line_no, m))?;
            item.dec = parse_u32(get("dec")?).map_err(|m| bad(line_no, m))?;
            item.fmt = text_opt(get("fmt")?);
            item.desc = text_opt(get("condition_note")?);
            derive_from_text(&mut item, &get("codes")?.replace('|', "\n"));
            item
        };
        schemas.last_mut().expect("pushed above").items.push(item);
    }
    Ok(Generated {
        schemas,
        code_sheets: None,
    })
}
