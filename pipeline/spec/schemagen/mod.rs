//! `lifeline schemagen`: turns the MHLW 外部インターフェース項目一覧 workbook (1.00, 3.00 or
//! 3.10 layout) or the TSV extracts of the 3.10 items into one schema file per interface plus
//! the code sheets.
//!
//! - [`workbook`]: the .xlsx reader; columns are found by their header names, never by position
//!   (the 1.00 and 3.10 workbooks lay their columns out differently);
//! - [`naming`]: an interface sheet's physical name and title, from its own cells;
//! - [`codes`]: the コード値 cell (`1：低 / 2：中` on one line, or one code per line);
//! - [`tsv`]: the two TSV extracts of the 3.10 items.

mod codes;
mod naming;
mod tsv;
mod workbook;

use std::path::{Path, PathBuf};

pub use tsv::from_tsv;
pub use workbook::from_workbook;

use super::registry::CODE_SHEETS;
use super::{CodeSheets, Item, ItemType, Range, Req, Schema, SpecError};

/// What one run of schemagen produces.
#[derive(Debug, Default)]
pub struct Generated {
    pub schemas: Vec<Schema>,
    pub code_sheets: Option<CodeSheets>,
}

impl Generated {
    /// Writes `<out>/<DATA_TYPE>.json` per interface and `<out>/code-sheets.json`; returns the
    /// files written. JSON is pretty-printed with a final newline, so output is byte-stable.
    pub fn write(&self, out: &Path) -> Result<Vec<PathBuf>, SpecError> {
        let io = |p: &Path| {
            let path = p.display().to_string();
            move |source| SpecError::Io { path, source }
        };
        std::fs::create_dir_all(out).map_err(io(out))?;
        let mut written = Vec::new();
        let mut put = |name: String, json: String| -> Result<(), SpecError> {
            let p = out.join(name);
            std::fs::write(&p, json + "\n").map_err(io(&p))?;
            written.push(p);
            Ok(())
        };
        for s in &self.schemas {
            put(format!("{}.json", s.data_type), to_json(s))?;
        }
        if let Some(c) = &self.code_sheets {
            put(CODE_SHEETS.to_string(), to_json(c))?;
        }
        Ok(written)
    }
}

fn to_json<T: serde::Serialize>(v: &T) -> String {
    serde_json::to_string_pretty(v).expect("spec data always serializes")
}

/// Reads every input (an .xlsx workbook, an `items.tsv` or a `headers-only.tsv`) as spec
/// version `spec`.
pub fn generate(inputs: &[PathBuf], spec: &str) -> Result<Generated, SpecError> {
    let mut out = Generated::default();
    for input in inputs {
        let ext = input.extension().and_then(|e| e.to_str()).unwrap_or("");
        let part = if ext.eq_ignore_ascii_case("tsv") {
            from_tsv(input, spec)?
        } else {
            from_workbook(input, spec)?
        };
        out.schemas.extend(part.schemas);
        if part.code_sheets.is_some() {
            out.code_sheets = part.code_sheets;
        }
    }
    // The workbook says so once (被保険者番号: 「他外部インターフェースの同項目も同様に処理される」);
    // an item sensitive in one interface is sensitive in all of them.
    let sensitive: std::collections::BTreeSet<String> = out
        .schemas
        .iter()
        .flat_map(|s| s.items.iter().filter(|i| i.sensitive).map(|i| i.id.clone()))
        .collect();
    for item in out.schemas.iter_mut().flat_map(|s| s.items.iter_mut()) {
        item.sensitive |= sensitive.contains(&item.id);
    }
    Ok(out)
}

/// Header names, normalised: no white space of any width, no line breaks.
fn norm(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Trims white space including U+3000; empty → None.
fn text_opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// An item with only its position and ID known.
fn bare_item(no: Option<u32>, id: String, ty: ItemType, req: Req) -> Item {
    Item {
        no,
        id,
        name: String::new(),
        ty,
        len: None,
        dec: None,
        req,
        range: None,
        fmt: None,
        codes: Vec::new(),
        code_sheet: None,
        code_note: None,
        day_may_be_00: false,
        sensitive: false,
        desc: None,
        note: None,
    }
}

fn parse_type(s: &str) -> Result<ItemType, String> {
    match norm(s).as_str() {
        "文字列" => Ok(ItemType::Text),
        "数値" => Ok(ItemType::Number),
        "数字" => Ok(ItemType::Digits),
        other => Err(format!("unknown タイプ `{other}`")),
    }
}

fn parse_req(s: &str) -> Result<Req, String> {
    match s.trim() {
        "◎" => Ok(Req::Always),
        "○" => Ok(Req::Confirmed),
        "●" => Ok(Req::Conditional),
        "" => Ok(Req::Optional),
        other => Err(format!("unknown 必須 mark `{other}`")),
    }
}

fn parse_u32(s: &str) -> Result<Option<u32>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    t.parse()
        .map(Some)
        .map_err(|_| format!("`{t}` is not a whole number"))
}

/// `0～28`, `0 ～ 23`.
fn parse_range(s: &str) -> Result<Option<Range>, String> {
    let t = s.trim();
    if t.is_empty() {
        return Ok(None);
    }
    let parts: Vec<&str> = t.split(['～', '~', '〜']).map(str::trim).collect();
    match parts.as_slice() {
        [a, b] => match (a.parse(), b.parse()) {
            (Ok(min), Ok(max)) => Ok(Some(Range { min, max })),
            _ => Err(format!("`{t}` is not `min～max`")),
        },
        _ => Err(format!("`{t}` is not `min～max`")),
    }
}

/// What the workbook's text says beyond the plain columns: the codes of the コード値 cell, day 00
/// for unknown days, and whether the item is personal data.
fn derive_from_text(item: &mut Item, code_cell: &str) {
    codes::parse_code_cell(code_cell, item);
    item.day_may_be_00 = item
        .desc
        .as_deref()
        .is_some_and(|d| d.contains("00日として入力"));
    item.sensitive = is_sensitive(item.desc.as_deref(), item.note.as_deref());
}

/// Items the workbook says stay inside the office, are hashed, or are encrypted: their values
/// are masked in every report.
fn is_sensitive(desc: Option<&str>, note: Option<&str>) -> bool {
    let text = [desc.unwrap_or(""), note.unwrap_or("")].concat();
    [
        "Webブラウザ画面にのみ表示",
        "暗号化対象",
        "ハッシュ化",
        "15日に置換",
    ]
    .iter()
    .any(|k| text.contains(k))
}
