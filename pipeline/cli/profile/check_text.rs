//! The text form of `lifeline profile check`'s report.

use std::io::Write;

use anyhow::Result;

use super::check::Report;

/// The report as text: targets, then each export's header matches, misses and preview.
pub(super) fn write(r: &Report, out: &mut impl Write) -> Result<()> {
    writeln!(out, "profile `{}` ({})", r.name, r.profile)?;
    for t in &r.targets {
        writeln!(
            out,
            "target {} (spec {}): {} columns, {} constants",
            t.data_type,
            t.spec,
            t.columns,
            t.constants.len()
        )?;
        for req in ["◎", "○"] {
            let un: Vec<String> = t
                .unmapped
                .iter()
                .filter(|u| u.req == req)
                .map(|u| format!("{} ({})", u.item, u.name))
                .collect();
            let shown = if un.is_empty() {
                "none".into()
            } else {
                un.join(", ")
            };
            writeln!(out, "  {req} unfed: {shown}")?;
        }
    }
    for e in &r.exports {
        writeln!(out)?;
        let enc = e.encoding.as_deref().unwrap_or("?");
        let Some(h) = e.header_line else {
            match &e.error {
                Some(err) => writeln!(out, "export {}: cannot be read: {err}", e.path)?,
                None => writeln!(
                    out,
                    "export {} ({enc}): HEADER NOT FOUND: no line matches enough of the profile's aliases (wrong profile, or add the file's column names as aliases)",
                    e.path
                )?,
            }
            continue;
        };
        writeln!(out, "export {} ({enc}): header on line {h}", e.path)?;
        if let Some(f) = &e.facility {
            writeln!(out, "  事業所番号: {f}")?;
        }
        for k in &e.keys {
            writeln!(
                out,
                "  {} key `{}` ← column {} `{}`",
                k.data_type, k.alias, k.index, k.column
            )?;
        }
        let mut last = "";
        for m in &e.matched {
            if m.data_type != last {
                writeln!(out, "  {} columns:", m.data_type)?;
                last = &m.data_type;
            }
            let via = if m.alias == m.column {
                String::new()
            } else {
                format!(" (alias `{}`)", m.alias)
            };
            writeln!(
                out,
                "    {:<44} ← column {} `{}`{via}",
                m.item, m.index, m.column
            )?;
        }
        if !e.unmatched.is_empty() {
            writeln!(out, "  profile columns matching no column of this file:")?;
            for u in &e.unmatched {
                writeln!(
                    out,
                    "    {} {} ← `{}`",
                    u.data_type,
                    u.item,
                    u.aliases.join("` / `")
                )?;
            }
        }
        let unused = if e.unused.is_empty() {
            "none".into()
        } else {
            e.unused.join(", ")
        };
        writeln!(out, "  export columns feeding nothing: {unused}")?;
        for p in &e.problems {
            writeln!(out, "  problem: {p}")?;
        }
        writeln!(
            out,
            "  rows: {} read = {} kept + {} quarantined",
            e.rows_read, e.rows_kept, e.rows_quarantined
        )?;
        for p in &e.preview {
            writeln!(
                out,
                "  preview {} (first {} rows, personal data masked):",
                p.data_type,
                p.rows.len()
            )?;
            for row in &p.rows {
                writeln!(
                    out,
                    "    line {}  {}  {}",
                    row.line,
                    row.facility,
                    row.external_system_management_number
                        .as_deref()
                        .unwrap_or("-")
                )?;
                for v in &row.values {
                    let raw = v.raw.as_deref().unwrap_or("");
                    let shown = match (&v.raw, &v.value) {
                        (None, None) => "(empty)".to_string(),
                        (_, Some(val)) if val == raw => val.clone(),
                        (_, Some(val)) => format!("{raw} → {val}"),
                        (Some(_), None) if v.finding.is_none() => {
                            format!("{raw} (a placeholder: empty)")
                        }
                        (Some(_), None) => format!("{raw} → (none)"),
                    };
                    writeln!(out, "      {:<44} {}: {shown}", v.item, v.column)?;
                    if let Some(f) = &v.finding {
                        writeln!(out, "        ! {f}")?;
                    }
                }
            }
        }
    }
    writeln!(out)?;
    let unfed: usize = r
        .targets
        .iter()
        .map(|t| t.unmapped.iter().filter(|u| u.req == "◎").count())
        .sum();
    let headless = r.exports.iter().filter(|e| e.header_line.is_none()).count();
    if r.ok {
        writeln!(
            out,
            "ok: every ◎ item is fed, every export's header was found"
        )?;
    } else {
        writeln!(
            out,
            "not ok: {unfed} ◎ items unfed, {headless} exports without their header"
        )?;
    }
    Ok(())
}
