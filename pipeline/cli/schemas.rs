//! `lifeline schemas list|show`: what the tool knows about the LIFE interfaces.

use std::io::Write;

use anyhow::{Result, bail};
use lifeline::spec::{Registry, Schema};

use crate::Format;

pub fn list(registry: &Registry, format: Format, out: &mut impl Write) -> Result<()> {
    if format == Format::Json {
        let v: Vec<serde_json::Value> = registry
            .specs
            .iter()
            .flat_map(|s| {
                s.schemas.values().map(move |sc| {
                    serde_json::json!({
                        "spec": s.version, "data_type": sc.data_type, "title": sc.title,
                        "items": sc.items.len(), "rules": s.rules(&sc.data_type).len(),
                        "partial": sc.partial,
                    })
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<6} {:<68} {:>5} {:>5}  title",
        "spec", "data type", "items", "rules"
    )?;
    for s in &registry.specs {
        for sc in s.schemas.values() {
            let title = if sc.partial {
                format!("{} (column IDs only)", sc.title)
            } else {
                sc.title.clone()
            };
            writeln!(
                out,
                "{:<6} {:<68} {:>5} {:>5}  {}",
                s.version,
                sc.data_type,
                sc.items.len(),
                s.rules(&sc.data_type).len(),
                title.trim()
            )?;
        }
    }
    Ok(())
}

pub fn show(
    registry: &Registry,
    data_type: &str,
    spec: Option<&str>,
    format: Format,
    out: &mut impl Write,
) -> Result<()> {
    let found = registry
        .specs
        .iter()
        .rev()
        .filter(|s| spec.is_none_or(|v| s.version == v))
        .find_map(|s| s.schema(data_type).map(|sc| (s, sc)));
    let Some((s, schema)) = found else {
        bail!(
            "no interface `{data_type}`{}; see `lifeline schemas list`",
            spec.map(|v| format!(" in spec {v}")).unwrap_or_default()
        )
    };
    let schema = with_sheet_codes(schema, s.code_sheets.as_ref());
    let rules = s.rules(data_type);
    if format == Format::Json {
        let mut v = serde_json::to_value(&schema)?;
        v["rules"] = serde_json::to_value(rules)?;
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {} (spec {}; {})",
        schema.data_type, schema.title, schema.spec, schema.source
    )?;
    writeln!(
        out,
        "{:>4}  {:<48} {:<8} {:>4} {:>3} {:<3} {:<9} name / codes",
        "no", "id", "type", "len", "dec", "req", "fmt"
    )?;
    for i in &schema.items {
        let ty = serde_json::to_value(i.ty)?
            .as_str()
            .unwrap_or("")
            .to_string();
        let codes: Vec<String> = i
            .codes
            .iter()
            .take(8)
            .map(|c| format!("{}:{}", c.code, c.label))
            .collect();
        let more = if i.codes.len() > 8 {
            format!(" …(+{})", i.codes.len() - 8)
        } else {
            String::new()
        };
        writeln!(
            out,
            "{:>4}  {:<48} {:<8} {:>4} {:>3} {:<3} {:<9} {}{}{}",
            i.no.map(|n| n.to_string()).unwrap_or_default(),
            i.id,
            ty,
            i.len.map(|n| n.to_string()).unwrap_or_default(),
            i.dec.map(|n| n.to_string()).unwrap_or_default(),
            i.req_mark(),
            i.fmt.as_deref().unwrap_or(""),
            i.name,
            if codes.is_empty() {
                String::new()
            } else {
                format!(" [{}]", codes.join(" "))
            },
            more
        )?;
    }
    writeln!(out, "rules ({}):", rules.len())?;
    for r in rules {
        writeln!(out, "  {}", toml::to_string(r)?.replace('\n', " ").trim())?;
    }
    Ok(())
}

/// Items that refer to a code sheet get that sheet's codes, for display.
fn with_sheet_codes(schema: &Schema, sheets: Option<&lifeline::spec::CodeSheets>) -> Schema {
    let mut s = schema.clone();
    for item in &mut s.items {
        if let (true, Some(name), Some(sheets)) = (item.codes.is_empty(), &item.code_sheet, sheets)
            && let Some(sheet) = sheets.sheets.iter().find(|x| &x.name == name)
        {
            item.codes = sheet.codes.clone();
        }
    }
    s
}
