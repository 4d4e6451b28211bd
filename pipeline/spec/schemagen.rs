//! `lifeline schemagen`: turns the MHLW 外部インターフェース項目一覧 workbook (or the TSV
//! extracts of the 3.10 items) into one schema file per interface plus the code sheets.
//! Columns are found by their header names, never by position: the 1.00 and 3.10 workbooks lay
//! their columns out differently.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use calamine::{Data, Reader, open_workbook_auto};

use super::registry::CODE_SHEETS;
use super::{Code, CodeSheet, CodeSheets, Item, ItemType, Range, Req, Schema, SpecError};

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

/// Trims white space including U+3000; empty → None.
fn text_opt(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

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

type Grid = calamine::Range<Data>;

/// How far down a sheet its header row is looked for.
const HEADER_SEARCH_ROWS: usize = 30;

fn rows_of(range: &Grid) -> Vec<Vec<String>> {
    range
        .rows()
        .map(|r| r.iter().map(cell_text).collect())
        .collect()
}

/// Reads one workbook: every sheet whose header row has a ファイル項目ID cell is an interface;
/// every other sheet with a №/No header and a コード column is a code sheet.
pub fn from_workbook(path: &Path, spec: &str) -> Result<Generated, SpecError> {
    let file = file_name(path);
    let wb_err = |message: String| SpecError::Workbook {
        path: path.display().to_string(),
        message,
    };
    let mut wb = open_workbook_auto(path).map_err(|e| wb_err(e.to_string()))?;
    let mut sheets = Vec::new();
    for name in wb.sheet_names() {
        let range = wb
            .worksheet_range(&name)
            .map_err(|e| wb_err(format!("sheet {name}: {e}")))?;
        let first_row = range.start().map_or(0, |(r, _)| r as usize);
        sheets.push((name, first_row, rows_of(&range)));
    }
    let mut out = Generated::default();
    let mut code_sheets = Vec::new();
    for (name, first_row, rows) in &sheets {
        let header_at = rows
            .iter()
            .take(HEADER_SEARCH_ROWS)
            .position(|r| r.iter().any(|c| norm(c) == "ファイル項目ID"));
        if let Some(h) = header_at {
            let source = format!("{file}, sheet {}", name.trim());
            let schema = interface_sheet(name, rows, h, *first_row, spec, &source)
                .map_err(|m| wb_err(format!("sheet {name}: {m}")))?;
            out.schemas.push(schema);
        } else if let (dt, title) = sheet_title(name, rows)
            && !title.is_empty()
        {
            return Err(wb_err(format!(
                "sheet {name} is titled as interface {dt} but has no header row with a \
                 ファイル項目ID cell in its first {HEADER_SEARCH_ROWS} rows"
            )));
        } else if let Some(sheet) = code_sheet(name, rows) {
            code_sheets.push(sheet);
        }
    }
    if out.schemas.is_empty() {
        return Err(wb_err(
            "no sheet has a header row with a ファイル項目ID cell; is this an 外部インターフェース項目一覧 workbook?"
                .into(),
        ));
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

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

fn interface_sheet(
    sheet: &str,
    rows: &[Vec<String>],
    header_at: usize,
    first_row: usize,
    spec: &str,
    source: &str,
) -> Result<Schema, String> {
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
    // The name may span several columns (3.10 puts group labels beside it): the ファイル項目名
    // column and the unnamed columns right after it.
    let name_from = cols[&Col::Name];
    let name_to = (name_from + 1..header.len())
        .find(|&i| kinds[i].is_some())
        .unwrap_or(header.len());
    let (data_type, title) = sheet_title(sheet, rows);
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
        let at = |m: String| format!("row {row_no} ({id}): {m}");
        let names: Vec<String> = (name_from..name_to)
            .filter_map(|i| r.get(i).and_then(|s| text_opt(s)))
            .collect();
        let ty = parse_type(get(r, Col::Type)).map_err(at)?;
        let req = parse_req(get(r, Col::Req)).map_err(at)?;
        let len = parse_u32(get(r, Col::Len)).map_err(|m| at(format!("整数桁: {m}")))?;
        let dec = parse_u32(get(r, Col::Dec)).map_err(|m| at(format!("小数点以下の桁数: {m}")))?;
        let range = parse_range(get(r, Col::Range)).map_err(|m| at(format!("範囲: {m}")))?;
        let desc = text_opt(get(r, Col::Desc));
        let note = text_opt(get(r, Col::Note));
        let mut item = Item {
            no: get(r, Col::No).trim().parse().ok(),
            id,
            name: names.join(" "),
            ty,
            len,
            dec,
            req,
            range,
            fmt: text_opt(get(r, Col::Fmt)),
            codes: Vec::new(),
            code_sheet: None,
            code_note: None,
            day_may_be_00: false,
            sensitive: false,
            desc,
            note,
        };
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

/// `利用者情報　【SERVICE_USER_INFO】` in the first rows gives title and data type; otherwise
/// the sheet name (trimmed: `FORM_0801_2021 ` has a trailing space) is the data type.
fn sheet_title(sheet: &str, rows: &[Vec<String>]) -> (String, String) {
    for r in rows.iter().take(3) {
        for c in r {
            if let (Some(a), Some(b)) = (c.find('【'), c.find('】'))
                && a < b
            {
                let dt = c[a + '【'.len_utf8()..b].trim();
                if !dt.is_empty() && dt.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '_') {
                    return (dt.to_string(), c[..a].trim().to_string());
                }
            }
        }
    }
    (sheet.trim().to_string(), String::new())
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
    parse_code_cell(code_cell, item);
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

/// Splits a コード値 cell: `code：label` lines are codes; `【…】` lines head a group whose name
/// prefixes the labels that follow; anything else is kept as a note (references to code sheets
/// are resolved later).
/// A group line is kept verbatim in front of the labels: `【R4】 寝返り`.
fn parse_code_cell(cell: &str, item: &mut Item) {
    let mut group = String::new();
    let mut notes = Vec::new();
    for line in cell.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some((code, label)) = split_code(line) {
            item.codes.push(Code {
                code: code.to_string(),
                label: format!("{group}{}", label.trim()),
            });
        } else if line.starts_with('【') {
            group = format!("{line} ");
        } else {
            notes.push(line.to_string());
        }
    }
    if !notes.is_empty() {
        item.code_note = Some(notes.join(" / "));
    }
}

fn split_code(line: &str) -> Option<(&str, &str)> {
    let sep = line.find(['：', ':'])?;
    let code = line[..sep].trim();
    let rest = &line[sep..];
    let label = rest.strip_prefix('：').or_else(|| rest.strip_prefix(':'))?;
    (!code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric())).then_some((code, label))
}

fn resolve_sheet_reference(item: &mut Item, sheets: &[&str]) {
    let Some(note) = &item.code_note else { return };
    // Longest name first: 興味関心チェックコード must not match as コード.
    let mut sorted: Vec<&&str> = sheets.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    if let Some(sheet) = sorted.into_iter().find(|s| note.contains(**s)) {
        item.code_sheet = Some(sheet.to_string());
    }
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
        name: name.trim().to_string(),
        codes,
    })
}

/// The two TSV extracts of the 3.10 workbook (see `life-2024-v3.10-partial/README.md`):
/// `items.tsv` (full item rows) and `headers-only.tsv` (column IDs only; everything else is
/// marked unknown rather than guessed).
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
        let item = if headers_only {
            Item {
                no: f[need("position")?].parse().ok(),
                id: f[c_id].to_string(),
                name: String::new(),
                ty: ItemType::Unknown,
                len: None,
                dec: None,
                req: Req::Unknown,
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
        } else {
            let get = |name: &str| need(name).map(|i| f[i]);
            let ty = parse_type(get("type")?).map_err(|m| bad(line_no, m))?;
            let desc = text_opt(get("condition_note")?);
            let mut item = Item {
                no: get("no")?.parse().ok(),
                id: f[c_id].to_string(),
                name: get("name")?.to_string(),
                ty,
                len: parse_u32(get("len")?).map_err(|m| bad(line_no, m))?,
                dec: parse_u32(get("dec")?).map_err(|m| bad(line_no, m))?,
                req: parse_req(get("req")?).map_err(|m| bad(line_no, m))?,
                range: None,
                fmt: text_opt(get("fmt")?),
                codes: Vec::new(),
                code_sheet: None,
                code_note: None,
                day_may_be_00: false,
                sensitive: false,
                desc,
                note: None,
            };
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
