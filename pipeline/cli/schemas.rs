//! `lifeline schemas list|show`: what the tool knows about the LIFE interfaces, and about the
//! ケアプランデータ連携 4.1 files.

use std::io::Write;

use anyhow::{Result, bail};
use lifeline::spec::careplan::{self, Kind};
use lifeline::spec::{Registry, Schema};

use crate::Format;

/// One row of `schemas list`: a bundled interface, or one the catalogue names whose items are
/// not bundled.
struct Row<'a> {
    spec: &'a str,
    data_type: Option<&'a str>,
    title: String,
    /// Items and rules, when bundled.
    counts: Option<(usize, usize)>,
    status: Status,
    replaces: &'a [String],
}

#[derive(Clone, Copy)]
enum Status {
    Complete,
    ColumnIdsOnly,
    NotBundled,
}

impl Status {
    fn text(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::ColumnIdsOnly => "column IDs only",
            Status::NotBundled => "not bundled",
        }
    }
    fn json(self) -> &'static str {
        match self {
            Status::Complete => "complete",
            Status::ColumnIdsOnly => "column_ids_only",
            Status::NotBundled => "not_bundled",
        }
    }
}

/// Every bundled interface of every spec, then, per spec, the interfaces its
/// `interfaces.toml` names that no schema of that spec is.
fn rows(registry: &Registry) -> Vec<Row<'_>> {
    let mut out = Vec::new();
    let mut versions: Vec<&str> = registry.specs.iter().map(|s| s.version.as_str()).collect();
    for v in registry.catalogue.interfaces.keys() {
        if !versions.contains(&v.as_str()) {
            versions.push(v);
        }
    }
    for v in versions {
        let schemas: Vec<&Schema> = registry
            .spec(v)
            .map(|s| s.schemas.values().collect())
            .unwrap_or_default();
        let listed = registry.catalogue.interfaces.get(v);
        for sc in &schemas {
            let s = registry.spec(v).expect("a spec of its own schemas");
            let entry =
                listed.and_then(|l| l.interface.iter().find(|i| i.is(&sc.data_type, &sc.title)));
            let title = match (sc.title.trim(), entry) {
                ("", Some(e)) => e.name.clone(),
                (t, _) => t.to_string(),
            };
            out.push(Row {
                spec: v,
                data_type: Some(&sc.data_type),
                title,
                counts: Some((sc.items.len(), s.rules(&sc.data_type).len())),
                status: if sc.partial {
                    Status::ColumnIdsOnly
                } else {
                    Status::Complete
                },
                replaces: entry.map_or(&[], |e| e.replaces.as_slice()),
            });
        }
        let Some(listed) = listed else {
            continue;
        };
        for i in &listed.interface {
            if schemas.iter().any(|sc| i.is(&sc.data_type, &sc.title)) {
                continue;
            }
            out.push(Row {
                spec: v,
                data_type: i.data_type.as_deref(),
                title: i.name.clone(),
                counts: None,
                status: Status::NotBundled,
                replaces: &i.replaces,
            });
        }
    }
    out
}

pub fn list(registry: &Registry, format: Format, out: &mut impl Write) -> Result<()> {
    let rows = rows(registry);
    if format == Format::Json {
        let v: Vec<serde_json::Value> = rows
            .iter()
            .map(|r| {
                serde_json::json!({
                    "spec": r.spec, "data_type": r.data_type, "title": r.title,
                    "items": r.counts.map(|c| c.0), "rules": r.counts.map(|c| c.1),
                    "partial": matches!(r.status, Status::ColumnIdsOnly),
                    "status": r.status.json(), "replaces": r.replaces,
                })
            })
            .chain(registry.careplan.kinds.iter().map(|k| {
                serde_json::json!({
                    "spec": careplan::DIR, "data_type": k.code, "title": k.name_ja,
                    "items": k.items.len(), "rules": 0, "partial": false,
                    "status": "complete", "replaces": [],
                })
            }))
            .collect();
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:<6} {:<68} {:>5} {:>5}  {:<15}  title",
        "spec", "data type", "items", "rules", "status"
    )?;
    for r in &rows {
        let (items, rules) = match r.counts {
            Some((i, n)) => (i.to_string(), n.to_string()),
            None => ("-".into(), "-".into()),
        };
        let title = if r.replaces.is_empty() {
            r.title.clone()
        } else {
            format!("{} (in 2021: {})", r.title, r.replaces.join(", "))
        };
        let line = format!(
            "{:<6} {:<68} {:>5} {:>5}  {:<15}  {}",
            r.spec,
            r.data_type.unwrap_or("(physical name not known)"),
            items,
            rules,
            r.status.text(),
            title
        );
        writeln!(out, "{}", line.trim_end())?;
    }
    writeln!(
        out,
        "\nケアプランデータ連携 ({}): `lifeline schemas show KIND`",
        careplan::DIR
    )?;
    for k in &registry.careplan.kinds {
        let low = k.items.iter().filter(|i| i.low).count();
        let low = match low {
            0 => String::new(),
            n => format!(" ({n} of low confidence)"),
        };
        writeln!(
            out,
            "  {:<14} {:>3} columns{low:<22}  {}",
            k.code,
            k.items.len(),
            k.name_ja
        )?;
    }
    Ok(())
}

/// `schemas show` of a care-plan file kind: its columns as the layout gives them.
fn show_careplan(kind: &Kind, format: Format, out: &mut impl Write) -> Result<()> {
    if format == Format::Json {
        let items: Vec<serde_json::Value> = kind
            .items
            .iter()
            .map(|c| {
                serde_json::json!({
                    "no": c.no, "name": c.name, "attr": c.attr.label(),
                    "attr_inferred": c.attr_inferred, "max_len": c.max_len,
                    "required": c.need.mark(), "codes": c.codes, "note": c.note,
                    "confidence": if c.low { "low" } else { "high" }, "basis": c.basis,
                })
            })
            .collect();
        let v = serde_json::json!({
            "spec": careplan::DIR, "kind": kind.code, "title": kind.name_ja,
            "month_in_name": kind.month_in_name, "row_key": kind.row_key,
            "unit_with": kind.unit_with, "items": items,
        });
        serde_json::to_writer_pretty(&mut *out, &v)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{} {} (spec {})",
        kind.code,
        kind.name_ja,
        careplan::DIR
    )?;
    writeln!(
        out,
        "{:>4}  {:<12} {:>4} {:<4} {:<4}  name / codes / note",
        "no", "attr", "len", "req", "conf"
    )?;
    for c in &kind.items {
        let codes: Vec<String> = c.codes.iter().map(|(k, v)| format!("{k}:{v}")).collect();
        let codes = match codes.is_empty() {
            true => String::new(),
            false => format!(" [{}]", codes.join(" ")),
        };
        let line = format!(
            "{:>4}  {:<12} {:>4} {:<4} {:<4}  {}{codes}  {}",
            c.no,
            format!(
                "{}{}",
                c.attr.label(),
                if c.attr_inferred { "*" } else { "" }
            ),
            c.max_len.map(|n| n.to_string()).unwrap_or_default(),
            c.need.mark(),
            if c.low { "low" } else { "" },
            c.name,
            c.note
        );
        writeln!(out, "{}", line.trim_end())?;
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
        if let Some(kind) = registry.careplan.kind(data_type) {
            return show_careplan(kind, format, out);
        }
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
