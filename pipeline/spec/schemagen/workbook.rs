//! The .xlsx reader. A sheet whose header row has a ファイル項目ID cell and item columns (タイプ,
//! 整数桁, 必須 or コード値) is an interface; a sheet with a №/No header and a コード column is a
//! code sheet; any other sheet (表紙, 改訂履歴 …) is skipped. Columns are found by their header
//! names: the 1.00 layout (header on row 3, columns A–L) and the 3.10 one (a leading blank
//! column, the name spread over three columns, 属性 and 例 columns) read alike. A vertically
//! merged cell (a group label over several items) counts on every row it covers.

use std::collections::BTreeMap;
use std::path::Path;

use calamine::{Data, Reader, Sheets, open_workbook_auto};

use super::codes::resolve_sheet_reference;
use super::naming::{sheet_name, titled_as};
use super::{Generated, bare_item};
use super::{
    derive_from_text, file_name, norm, parse_range, parse_req, parse_type, parse_u32, text_opt,
};
use crate::spec::{Code, CodeSheet, CodeSheets, Schema, SpecError};

#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Debug)]
enum Col {
    No,
    Id,
    Name,
    Type,
    Len,
    Dec,
    Req,
    Range,
    Fmt,
    Codes,
    Desc,
    Note,
    Other,
}

fn classify(header: &str) -> Option<Col> {
    let h = norm(header);
    Some(match h.as_str() {
        "" => return None,
        "No" | "No." | "№" | "NO" | "NO." => Col::No,
        "ファイル項目ID" => Col::Id,
        "ファイル項目名" => Col::Name,
        "タイプ" => Col::Type,
        "必須" => Col::Req,
        "範囲" => Col::Range,
        "書式" => Col::Fmt,
        "コード値" => Col::Codes,
        "説明" => Col::Desc,
        "備考" => Col::Note,
        _ if h.starts_with("整数桁") => Col::Len,
        _ if h.starts_with("小数") => Col::Dec,
        _ => Col::Other,
    })
}

/// How far down a sheet its header row is looked for.
const HEADER_SEARCH_ROWS: usize = 30;

fn cell_text(d: &Data) -> String {
    match d {
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(d) => d.to_string(),
        Data::Error(_) | Data::Empty => String::new(),
    }
}

/// One sheet as text: its rows from the first used one, and the sheet row of `rows[0]`.
struct Sheet {
    name: String,
    first_row: usize,
    rows: Vec<Vec<String>>,
}

fn read_sheets(path: &Path) -> Result<Vec<Sheet>, String> {
    let mut wb = open_workbook_auto(path).map_err(|e| e.to_string())?;
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| format!("sheet {name}: {e}"))?;
        let (r0, c0) = range.start().unwrap_or((0, 0));
        let mut rows: Vec<Vec<String>> = range
            .rows()
            .map(|r| r.iter().map(cell_text).collect())
            .collect();
        let merged = match &mut wb {
            Sheets::Xlsx(x) => x.merge_cells_by_sheet_name(&name).ok(),
            Sheets::Xls(x) => x.merge_cells_by_sheet_name(&name).ok(),
            _ => None,
        };
        for m in merged.unwrap_or_default() {
            // Only down a column: a cell merged across columns (a name over the three name
            // columns, a header over two) is one value, not one per column.
            let (Some(top), Some(col)) = (m.start.0.checked_sub(r0), m.start.1.checked_sub(c0))
            else {
                continue;
            };
            let (top, col) = (top as usize, col as usize);
            let Some(value) = rows.get(top).and_then(|r| r.get(col)).cloned() else {
                continue;
            };
            for r in
                top + 1..=(m.end.0.saturating_sub(r0) as usize).min(rows.len().saturating_sub(1))
            {
                if rows[r].len() <= col {
                    rows[r].resize(col + 1, String::new());
                }
                if rows[r][col].is_empty() {
                    rows[r][col] = value.clone();
                }
            }
        }
        sheets.push(Sheet {
            name,
            first_row: r0 as usize,
            rows,
        });
    }
    Ok(sheets)
}

/// The header row of an interface sheet: a ファイル項目ID cell and at least one item column (a
/// revision sheet that lists changed item IDs has the first but not the second).
fn header_row(rows: &[Vec<String>]) -> Option<usize> {
    rows.iter().take(HEADER_SEARCH_ROWS).position(|r| {
        r.iter().any(|c| classify(c) == Some(Col::Id))
            && r.iter().any(|c| {
                matches!(
                    classify(c),
                    Some(Col::Type | Col::Len | Col::Req | Col::Codes)
                )
            })
    })
}

/// Reads one workbook (see the module documentation).
pub fn from_workbook(path: &Path, spec: &str) -> Result<Generated, SpecError> {
    let file = file_name(path);
    let wb_err = |message: String| SpecError::Workbook {
        path: path.display().to_string(),
        message,
    };
    let sheets = read_sheets(path).map_err(wb_err)?;
    let mut out = Generated::default();
    let mut code_sheets = Vec::new();
    for s in &sheets {
        let name = s.name.trim();
        if let Some(h) = header_row(&s.rows) {
            let source = format!("{file}, sheet {name}");
            let schema = interface_sheet(s, h, spec, &source)
                .map_err(|m| wb_err(format!("sheet {name}: {m}")))?;
            out.schemas.push(schema);
        } else if let Some(dt) = titled_as(&s.rows) {
            return Err(wb_err(format!(
                "sheet {name} is titled as interface {dt} but has no header row with a \
                 ファイル項目ID cell in its first {HEADER_SEARCH_ROWS} rows"
            )));
        } else if let Some(sheet) = code_sheet(name, &s.rows) {
            code_sheets.push(sheet);
        }
    }
    if out.schemas.is_empty() {
        return Err(wb_err(
            "no sheet has a header row with a ファイル項目ID cell; is this an 外部インターフェース項目一覧 workbook?"
                .into(),
        ));
    }
    let mut seen = BTreeMap::new();
    for s in &out.schemas {
        if let Some(other) = seen.insert(s.data_type.as_str(), s.source.as_str()) {
            return Err(wb_err(format!(
                "{} and {} both define interface {}",
                other, s.source, s.data_type
            )));
        }
    }
    // Code-sheet references are resolved by name; keep only the sheets that exist.
    let names: Vec<&str> = code_sheets.iter().map(|s| s.name.as_str()).collect();
    for s in &mut out.schemas {
        for item in &mut s.items {
            resolve_sheet_reference(item, &names);
        }
    }
    if !code_sheets.is_empty() {
        out.code_sheets = Some(CodeSheets {
            spec: spec.to_string(),
            source: file.clone(),
            sheets: code_sheets,
        });
    }
    Ok(out)
}

fn interface_sheet(
    s: &Sheet,
    header_at: usize,
    spec: &str,
    source: &str,
) -> Result<Schema, String> {
    let (rows, first_row) = (&s.rows, s.first_row);
    let header = &rows[header_at];
    let mut cols: BTreeMap<Col, usize> = BTreeMap::new();
    let mut kinds: Vec<Option<Col>> = Vec::new();
    for (i, h) in header.iter().enumerate() {
        let k = classify(h);
        kinds.push(k);
        if let Some(k) = k
            && k != Col::Other
        {
            cols.entry(k).or_insert(i);
        }
    }
    for (need, label) in [
        (Col::Id, "ファイル項目ID"),
        (Col::Name, "ファイル項目名"),
        (Col::Type, "タイプ"),
        (Col::Len, "整数桁(文字数)"),
        (Col::Req, "必須"),
    ] {
        if !cols.contains_key(&need) {
            return Err(format!(
                "header row {} has no {label} column",
                first_row + header_at + 1
            ));
        }
    }
    let (data_type, title) = sheet_name(&s.name, &rows[..header_at])?;
    // The name may span several columns (3.10 puts group labels beside it): the ファイル項目名
    // column and the unnamed columns right after it.
    let name_from = cols[&Col::Name];
    let name_to = (name_from + 1..header.len())
        .find(|&i| kinds[i].is_some())
        .unwrap_or(header.len());
    fn get<'r>(cols: &BTreeMap<Col, usize>, r: &'r [String], c: Col) -> &'r str {
        cols.get(&c)
            .and_then(|&i| r.get(i))
            .map_or("", |s| s.as_str())
    }
    let get = |r, c| get(&cols, r, c);
    let mut items = Vec::new();
    for (offset, r) in rows.iter().enumerate().skip(header_at + 1) {
        let row_no = first_row + offset + 1;
        let Some(id) = text_opt(get(r, Col::Id)) else {
            continue;
        };
        if classify(&id) == Some(Col::Id) {
            continue; // the header again (a two-row header, or one repeated per printed page)
        }
        let at = |m: String| format!("row {row_no} ({id}): {m}");
        let names: Vec<String> = (name_from..name_to)
            .filter_map(|i| r.get(i).and_then(|s| text_opt(s)))
            .collect();
        let ty = parse_type(get(r, Col::Type)).map_err(at)?;
        let req = parse_req(get(r, Col::Req)).map_err(at)?;
        let no = get(r, Col::No).trim().parse().ok();
        let mut item = bare_item(no, id.clone(), ty, req);
        item.name = names.join(" ");
        item.len = parse_u32(get(r, Col::Len)).map_err(|m| at(format!("整数桁: {m}")))?;
        item.dec = parse_u32(get(r, Col::Dec)).map_err(|m| at(format!("小数点以下の桁数: {m}")))?;
        item.range = parse_range(get(r, Col::Range)).map_err(|m| at(format!("範囲: {m}")))?;
        item.fmt = text_opt(get(r, Col::Fmt));
        item.desc = text_opt(get(r, Col::Desc));
        item.note = text_opt(get(r, Col::Note));
        derive_from_text(&mut item, get(r, Col::Codes));
        items.push(item);
    }
    if items.is_empty() {
        return Err("no items under the header row".into());
    }
    Ok(Schema {
        data_type,
        title,
        spec: spec.to_string(),
        source: source.to_string(),
        partial: false,
        items,
    })
}

fn code_sheet(name: &str, rows: &[Vec<String>]) -> Option<CodeSheet> {
    let (h, header) = rows
        .iter()
        .enumerate()
        .take(HEADER_SEARCH_ROWS)
        .find(|(_, r)| {
            r.iter().any(|c| classify(c) == Some(Col::No))
                && r.iter().any(|c| norm(c).contains("コード"))
        })?;
    let code_col = header.iter().position(|c| norm(c).contains("コード"))?;
    let label_col = header
        .iter()
        .position(|c| norm(c).contains("名称"))
        .or_else(|| header.iter().position(|c| norm(c) == "細項目"))
        .unwrap_or(code_col + 1);
    let mut codes: Vec<Code> = rows[h + 1..]
        .iter()
        .filter_map(|r| {
            let code = text_opt(r.get(code_col)?)?;
            let label = r
                .get(label_col)
                .and_then(|s| text_opt(s))
                .unwrap_or_default();
            Some(Code { code, label })
        })
        .collect();
    // A code typed as a number loses its leading zeros (010 → 10). Where the sheet's text codes
    // are zero-padded digits, pad the numeric ones to the same width.
    let digits = |c: &str| !c.is_empty() && c.bytes().all(|b| b.is_ascii_digit());
    let width = codes
        .iter()
        .filter(|c| digits(&c.code) && c.code.starts_with('0') && c.code.len() > 1)
        .map(|c| c.code.len())
        .max();
    if let Some(w) = width {
        for c in codes
            .iter_mut()
            .filter(|c| digits(&c.code) && c.code.len() < w)
        {
            c.code = format!("{:0>w$}", c.code);
        }
    }
    (!codes.is_empty()).then(|| CodeSheet {
        name: name.to_string(),
        codes,
    })
}
