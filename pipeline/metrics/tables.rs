//! The metric rows as files: CSV (UTF-8 with BOM, CRLF: Excel opens it as is), Parquet (polars,
//! pandas, DuckDB) and JSON, one row per facility × month plus the corporation's `ALL` rows.
//! Without a baseline, the paper, re-keying and time columns are empty, not 0.

use std::path::{Path, PathBuf};

use polars::prelude::*;

use super::{Metrics, Row};
use crate::emit::files::{write_parquet, write_private};

/// A cell before formatting.
enum Cell {
    Int(Option<i64>),
    Float(Option<f64>),
    Bool(Option<bool>),
    Text(String),
}

/// Columns that rest on the baseline.
const FROM_BASELINE: &[&str] = &[
    "forms_digitized",
    "forms_total",
    "sheets_baseline",
    "sheets_avoided",
    "sheets_avoided_fax_post",
    "reduction_ratio",
    "half_met",
    "facilities_half_met",
    "fields_filled",
    "rekeying_avoided",
    "minutes_saved_low",
    "minutes_saved_high",
];

type Getter = fn(&Row) -> Cell;

fn int(v: u64) -> Cell {
    Cell::Int(Some(v as i64))
}

fn joined<'a>(pairs: impl Iterator<Item = (&'a String, &'a u64)>) -> Cell {
    Cell::Text(
        pairs
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(";"),
    )
}

/// The columns, in order.
const COLUMNS: &[(&str, Getter)] = &[
    ("facility", |r| Cell::Text(r.facility.clone())),
    ("month", |r| Cell::Text(r.month.clone())),
    ("facilities", |r| int(r.facilities)),
    ("life_records", |r| int(r.life_records)),
    ("records_by_interface", |r| {
        joined(r.records_by_interface.iter())
    }),
    ("forms_digitized", |r| int(r.forms_digitized)),
    ("forms_total", |r| int(r.forms_total)),
    ("sheets_baseline", |r| Cell::Float(Some(r.sheets_baseline))),
    ("sheets_avoided", |r| Cell::Float(Some(r.sheets_avoided))),
    ("sheets_avoided_fax_post", |r| {
        Cell::Float(Some(r.sheets_avoided_fax_post))
    }),
    ("reduction_ratio", |r| Cell::Float(r.reduction_ratio)),
    ("half_met", |r| Cell::Bool(r.half_met)),
    ("facilities_half_met", |r| int(r.facilities_half_met)),
    ("fields_filled", |r| int(r.fields_filled)),
    ("rekeying_avoided", |r| int(r.rekeying_avoided)),
    ("minutes_saved_low", |r| {
        Cell::Float(Some(r.minutes_saved_low))
    }),
    ("minutes_saved_high", |r| {
        Cell::Float(Some(r.minutes_saved_high))
    }),
    ("users_submitted", |r| int(r.users_submitted)),
    ("users_due_missing", |r| int(r.users_due_missing)),
    ("coverage", |r| Cell::Float(r.coverage)),
    ("first_pass_rows", |r| int(r.first_pass_rows)),
    ("first_pass_rejected", |r| int(r.first_pass_rejected)),
    ("first_pass_rejection_rate", |r| {
        Cell::Float(r.first_pass_rejection_rate)
    }),
    ("final_rows", |r| int(r.final_rows)),
    ("final_rejected", |r| int(r.final_rejected)),
    ("final_rejection_rate", |r| {
        Cell::Float(r.final_rejection_rate)
    }),
    ("first_pass_rejected_by_rule", |r| {
        joined(r.first_pass_rejected_by_rule.iter())
    }),
    ("days_to_ready", |r| Cell::Int(r.days_to_ready)),
    ("runs", |r| int(r.runs)),
    ("files_from_cp932", |r| int(r.files_from_cp932)),
    ("era_dates_converted", |r| int(r.era_dates_converted)),
    ("full_width_normalized", |r| int(r.full_width_normalized)),
    ("kana_converted", |r| int(r.kana_converted)),
    ("labels_coded", |r| int(r.labels_coded)),
    ("check_digit_warnings", |r| int(r.check_digit_warnings)),
    ("dummy_rows_dropped", |r| int(r.dummy_rows_dropped)),
    ("assumptions", |r| Cell::Text(r.assumptions.join(";"))),
    ("served_users", |r| int(r.served_users)),
    ("served_in_life", |r| int(r.served_in_life)),
    ("served_coverage", |r| Cell::Float(r.served_coverage)),
];

/// The cell of a column, emptied when it rests on a baseline there is not.
fn cell(m: &Metrics, name: &str, get: Getter, r: &Row) -> Cell {
    if m.baseline.is_none() && FROM_BASELINE.contains(&name) {
        return match get(r) {
            Cell::Int(_) => Cell::Int(None),
            Cell::Float(_) => Cell::Float(None),
            Cell::Bool(_) => Cell::Bool(None),
            Cell::Text(_) => Cell::Text(String::new()),
        };
    }
    get(r)
}

/// A number as analysts read it: integers without a fraction, others to 4 decimals.
fn number(v: f64) -> String {
    if v.fract() == 0.0 && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.4}");
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    }
}

/// The CSV: UTF-8 with BOM, CRLF.
pub fn csv_bytes(m: &Metrics) -> Vec<u8> {
    let mut out = vec![0xEF, 0xBB, 0xBF];
    {
        let mut w = csv::WriterBuilder::new()
            .terminator(csv::Terminator::CRLF)
            .from_writer(&mut out);
        let header: Vec<&str> = COLUMNS.iter().map(|(n, _)| *n).collect();
        // Writing to a Vec cannot fail.
        let _ = w.write_record(&header);
        for r in &m.rows {
            let fields: Vec<String> = COLUMNS
                .iter()
                .map(|(n, g)| match cell(m, n, *g, r) {
                    Cell::Int(v) => v.map(|v| v.to_string()).unwrap_or_default(),
                    Cell::Float(v) => v.map(number).unwrap_or_default(),
                    Cell::Bool(v) => v.map(|b| b.to_string()).unwrap_or_default(),
                    Cell::Text(s) => s,
                })
                .collect();
            let _ = w.write_record(&fields);
        }
        let _ = w.flush();
    }
    out
}

/// The same rows as a typed frame.
pub fn frame(m: &Metrics) -> PolarsResult<DataFrame> {
    let columns: Vec<Column> = COLUMNS
        .iter()
        .map(|(n, g)| {
            let cells: Vec<Cell> = m.rows.iter().map(|r| cell(m, n, *g, r)).collect();
            let name: PlSmallStr = (*n).into();
            match cells.first() {
                Some(Cell::Int(_)) => Column::new(
                    name,
                    cells
                        .iter()
                        .map(|c| match c {
                            Cell::Int(v) => *v,
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Some(Cell::Float(_)) => Column::new(
                    name,
                    cells
                        .iter()
                        .map(|c| match c {
                            Cell::Float(v) => *v,
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                Some(Cell::Bool(_)) => Column::new(
                    name,
                    cells
                        .iter()
                        .map(|c| match c {
                            Cell::Bool(v) => *v,
                            _ => None,
                        })
                        .collect::<Vec<_>>(),
                ),
                _ => Column::new(
                    name,
                    cells
                        .iter()
                        .map(|c| match c {
                            Cell::Text(s) => s.as_str(),
                            _ => "",
                        })
                        .collect::<Vec<_>>(),
                ),
            }
        })
        .collect();
    DataFrame::new(m.rows.len(), columns)
}

/// Writes metrics.csv, metrics.parquet, metrics.json and report.html into `dir` (owner-only,
/// atomically); returns the paths written.
pub fn write_all(m: &Metrics, dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)?;
    let paths: Vec<PathBuf> = [
        "metrics.csv",
        "metrics.parquet",
        "metrics.json",
        "report.html",
    ]
    .iter()
    .map(|n| dir.join(n))
    .collect();
    write_private(&paths[0], &csv_bytes(m))?;
    let df = frame(m).map_err(std::io::Error::other)?;
    write_parquet(&paths[1], &df)?;
    let json = serde_json::to_string_pretty(m).map_err(std::io::Error::other)? + "\n";
    write_private(&paths[2], json.as_bytes())?;
    write_private(&paths[3], super::html::render(m).as_bytes())?;
    Ok(paths)
}
