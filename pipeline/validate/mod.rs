//! The validation engine. It works on frames — string columns named by ファイル項目ID plus the
//! `__line` lineage column — so LIFE files on disk and frames built from vendor exports are
//! checked by the same code. Checks run column by column, in parallel across columns.

pub mod across;
mod fields;
pub mod finding;
#[cfg(test)]
mod parts;
mod rules;
pub mod values;
mod version;

use std::path::Path;

use polars::prelude::*;
use rayon::prelude::*;

pub use across::{FileKeys, cross_file_checks};
pub use finding::{Check, Finding, Findings, MASK, Severity};

use crate::decode::{DecodeError, LINE, LifeReader, ReadIssue, TextEncoding, is_id_shaped};
use crate::spec::rules::Rule;
use crate::spec::{CodeSheets, Registry, Req, Schema};
use fields::ColumnPlan;

/// Facts about the office that a file cannot tell (e.g. which add-ons it claims).
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Names used by `claim` conditions in the rules files.
    pub claims: Vec<String>,
}

/// Which spec version to validate against.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SpecChoice {
    /// From the data type (`FORM_xxxx_2021` is 2021, `*_2024` is 3.x) and, for
    /// SERVICE_USER_INFO, from the presence of the `version` column.
    Auto,
    Version(String),
}

/// Everything found about one file.
#[derive(Debug, Clone)]
pub struct FileReport {
    pub path: String,
    pub data_type: Option<String>,
    pub spec: Option<String>,
    pub encoding: Option<TextEncoding>,
    pub rows: usize,
    pub findings: Findings,
}

impl FileReport {
    pub fn errors(&self) -> usize {
        self.findings.count(Severity::Error)
    }
    pub fn warnings(&self) -> usize {
        self.findings.count(Severity::Warning)
    }
    /// Whether the file could not be checked: its interface's items are not bundled.
    pub fn not_bundled(&self) -> bool {
        self.findings
            .findings
            .iter()
            .any(|f| self.findings.checks[f.check as usize].rule == NOT_BUNDLED)
    }
}

/// The rule of a file whose interface is one of the spec's but whose items are not bundled.
pub const NOT_BUNDLED: &str = "schema.not_bundled";

/// The physical line of each row of a frame: its `__line` column, or counted from line 3.
fn frame_lines(frame: &DataFrame) -> Vec<u64> {
    match frame.column(LINE).ok().and_then(|c| c.u64().ok()) {
        Some(ca) => ca.iter().map(|l| l.unwrap_or(0)).collect(),
        None => (0..frame.height() as u64).map(|i| i + 3).collect(),
    }
}

/// Files larger than this are reported, not read (LIFE files are a few MB).
pub const MAX_FILE_BYTES: u64 = 2 << 30;

/// What a rule must remember from one part of a file to the next: the keys seen so far, for
/// `key.duplicate` across parts.
#[derive(Default)]
pub struct Carry {
    seen: Vec<rules::Seen>,
}

/// Validates a frame against an interface: every item check on every row, then every rule. A
/// file read in parts is validated part after part with one `carry`, which takes what the
/// rules remember from the parts before (the keys seen), so the findings are those of the
/// whole file; a frame on its own takes `&mut Carry::default()`.
pub fn validate_frame(
    frame: &DataFrame,
    schema: &Schema,
    rules: &[Rule],
    sheets: Option<&CodeSheets>,
    ctx: &Context,
    out: &mut Findings,
    carry: &mut Carry,
) {
    let lines = frame_lines(frame);
    let plans: Vec<(ColumnPlan<'_>, &StringChunked)> = schema
        .items
        .iter()
        .filter(|i| i.ty != crate::spec::ItemType::Unknown || i.req != Req::Unknown)
        .filter_map(|item| {
            let ca = frame.column(&item.id).ok()?.str().ok()?;
            Some((ColumnPlan::new(item, sheets, out), ca))
        })
        .collect();
    let found: Vec<Vec<Finding>> = plans
        .par_iter()
        .map(|(plan, ca)| plan.run(ca, &lines))
        .collect();
    out.findings.extend(found.into_iter().flatten());
    let rows = rules::Rows {
        frame,
        lines: &lines,
        claims: &ctx.claims,
        schema,
    };
    // The rules apart from one another, in parallel, each into findings of its own, merged in
    // the rules' order: the same findings as one after another.
    carry.seen.resize_with(rules.len(), Default::default);
    let parts: Vec<Findings> = rules
        .par_iter()
        .zip(carry.seen.par_iter_mut())
        .map(|(rule, seen)| {
            let mut f = Findings::default();
            rows.run(rule, &mut f, seen);
            f
        })
        .collect();
    for p in parts {
        out.append(p);
    }
}

/// Reads and validates one file. `Err` only when the path cannot be read at all.
pub fn validate_path(
    path: &Path,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
) -> std::io::Result<FileReport> {
    validate_path_keyed(path, registry, choice, ctx, false).map(|(r, _)| r)
}

/// [`validate_path`], and with `keyed` the keys the cross-file rules need
/// ([`cross_file_checks`]; `None` for a file whose interface is not known).
pub fn validate_path_keyed(
    path: &Path,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
    keyed: bool,
) -> std::io::Result<(FileReport, Option<FileKeys>)> {
    let shown = path.display().to_string();
    let (file, len) = crate::decode::file::open_regular(path)?;
    if len > MAX_FILE_BYTES {
        let mut f = Findings::default();
        let c = f.check(
            "file.too_large",
            Severity::Error,
            None,
            format!("ファイルが大きすぎます（{len}バイト、上限{MAX_FILE_BYTES}バイト）"),
            format!(
                "file too large to be a LIFE import file ({len} bytes; limit {MAX_FILE_BYTES})"
            ),
        );
        f.push(0, c, None);
        return Ok((FileReport::of(&shown, None, f), None));
    }
    let bytes = crate::decode::file::read_text(file, len)?;
    // The bytes are let go once decoded: the file is held once, as text.
    Ok(match crate::decode::decode_owned(bytes) {
        Ok((text, encoding)) => {
            validate_text(&shown, &text, encoding, registry, choice, ctx, keyed)
        }
        Err(e) => (decode_failed(&shown, e), None),
    })
}

/// Validates the bytes of a LIFE import file.
pub fn validate_bytes(
    path: &str,
    bytes: &[u8],
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
) -> FileReport {
    match crate::decode::decode(bytes) {
        Ok(d) => validate_text(path, &d.text, d.encoding, registry, choice, ctx, false).0,
        Err(e) => decode_failed(path, e),
    }
}

impl FileReport {
    fn of(path: &str, encoding: Option<TextEncoding>, findings: Findings) -> Self {
        FileReport {
            path: path.to_string(),
            data_type: None,
            spec: None,
            encoding,
            rows: 0,
            findings,
        }
    }
}

fn decode_failed(path: &str, e: DecodeError) -> FileReport {
    let mut out = Findings::default();
    read_issue(&ReadIssue::Decode(e), &mut out);
    FileReport::of(path, None, out)
}

/// How many parts of a file ([`LifeReader`]) are read and checked at once: enough for every
/// core to parse one and then check its columns, few enough that memory stays a few parts'.
fn parts_at_once() -> usize {
    rayon::current_num_threads() * 2
}

/// Validates the text of a LIFE file, a few parts at a time: the rules carry what they
/// remember from part to part ([`Carry`]), so the findings are those of the whole file, while
/// only the parts being checked are held as frames.
fn validate_text(
    path: &str,
    text: &str,
    encoding: TextEncoding,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
    keyed: bool,
) -> (FileReport, Option<FileKeys>) {
    let reader = LifeReader::open(text, encoding);
    validate_reader(path, reader, registry, choice, ctx, keyed, parts_at_once())
}

/// [`validate_text`] of an opened file, `at_once` parts at a time.
fn validate_reader(
    path: &str,
    mut reader: LifeReader<'_>,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
    keyed: bool,
    at_once: usize,
) -> (FileReport, Option<FileKeys>) {
    let mut out = Findings::default();
    for issue in reader.head.issues.iter().chain(&reader.text_issues) {
        read_issue(issue, &mut out);
    }
    let head = reader.head.clone();
    let mut report = FileReport::of(path, head.encoding, Findings::default());
    report.data_type = (!head.data_type.is_empty()).then(|| head.data_type.clone());
    if head.data_type.is_empty() || head.header.is_empty() {
        out.sort();
        report.findings = out;
        return (report, None);
    }
    let header: Vec<&str> = head.header.iter().map(String::as_str).collect();
    // The spec is chosen by the newest `version` the rows carry: that column is read first.
    let versions = reader
        .column(version::COLUMN)
        .map(|(ca, lines)| version::seen(&ca, &lines, &registry.catalogue))
        .unwrap_or_default();
    let spec = match choice {
        SpecChoice::Auto => registry.detect(&head.data_type, &header, version::newest(&versions)),
        SpecChoice::Version(v) => registry
            .spec(v)
            .filter(|s| s.schema(&head.data_type).is_some()),
    };
    let schema = spec.and_then(|s| s.schema(&head.data_type));
    match (spec, schema) {
        (Some(spec), Some(schema)) => {
            report.spec = Some(spec.version.clone());
            header_checks(&header, head.header_line, schema, &mut out);
            if schema.item(version::COLUMN).is_some() {
                let auto = *choice == SpecChoice::Auto;
                version::notes(&versions, spec, auto, &registry.catalogue, &mut out);
            }
        }
        _ => unknown_data_type(&head.data_type, registry, choice, &mut out),
    }
    let rules = spec.map_or(&[][..], |s| s.rules(&head.data_type));
    let mut carry = Carry::default();
    let mut keys: Option<FileKeys> = None;
    while let Some((frame, issues)) = reader.next_rows(at_once) {
        for issue in &issues {
            read_issue(issue, &mut out);
        }
        report.rows += frame.height();
        let (Some(spec), Some(schema)) = (spec, schema) else {
            continue; // not checked, but its rows counted and their issues said
        };
        let lines = frame_lines(&frame);
        if schema.item(version::COLUMN).is_some() {
            version::check_values(&frame, &lines, schema, &registry.catalogue, &mut out);
        }
        let sheets = spec.code_sheets.as_ref();
        validate_frame(&frame, schema, rules, sheets, ctx, &mut out, &mut carry);
        if keyed {
            let k = FileKeys::of(&frame, &lines, &head.data_type, schema, rules);
            match &mut keys {
                Some(all) => all.append(k),
                None => keys = Some(k),
            }
        }
    }
    out.sort();
    report.findings = out;
    (report, keys)
}

fn read_issue(issue: &ReadIssue, out: &mut Findings) {
    use Severity::{Error, Warning};
    let (rule, severity, line, column, ja, en): (&'static str, Severity, u64, Option<&str>, String, String) =
        match issue {
            ReadIssue::Decode(e) => {
                let (rule, line, ja) = match e {
                    DecodeError::Empty => ("file.empty", 0, "ファイルが空です"),
                    DecodeError::Binary { line, .. } => {
                        ("file.binary", *line, "バイナリファイルです（NULバイトを含みます）")
                    }
                    DecodeError::Utf16 => ("file.encoding", 1, "文字コードがUTF-16です。UTF-8かShift_JIS（CP932）にしてください"),
                    DecodeError::Neither { line, .. } => {
                        ("file.encoding", *line, "文字コードがUTF-8でもShift_JIS（CP932）でもありません")
                    }
                    DecodeError::TooLarge { .. } => ("file.too_large", 0, "ファイルが大きすぎます"),
                };
                (rule, Error, line, None, ja.into(), e.to_string())
            }
            ReadIssue::NoDataType => (
                "file.data_type",
                Error,
                1,
                None,
                "1行目にデータ種別（例: FORM_0000_2021）がありません".into(),
                "line 1 must hold the data type (e.g. FORM_0000_2021); it is empty".into(),
            ),
            ReadIssue::HeaderOnLine1 => (
                "file.data_type",
                Error,
                1,
                None,
                "1行目が項目IDの行です。データ種別の行が抜けています".into(),
                "line 1 holds column IDs: the data-type line (e.g. FORM_0000_2021) is missing".into(),
            ),
            ReadIssue::DataTypeNotId => (
                "file.data_type",
                Error,
                1,
                None,
                "1行目がデータ種別（半角英数字と_）ではありません".into(),
                "line 1 is not an interface name (ASCII letters, digits and _)".into(),
            ),
            ReadIssue::DataTypeExtraFields { line } => (
                "file.data_type",
                Error,
                *line,
                None,
                "1行目にはデータ種別だけを書きます".into(),
                "line 1 must hold only the data type, but has more fields".into(),
            ),
            ReadIssue::NoHeader => (
                "file.header",
                Error,
                2,
                None,
                "2行目（項目IDの行）がありません".into(),
                "line 2 (the column IDs) is missing".into(),
            ),
            ReadIssue::HeaderNotIds { line } => (
                "file.header",
                Error,
                *line,
                None,
                "2行目が項目IDの行ではありません（データ行では？）".into(),
                "line 2 does not hold column IDs (is it a data row?); nothing else was checked".into(),
            ),
            ReadIssue::DuplicateColumn { line, name } => (
                "header.duplicate_column",
                Error,
                *line,
                Some(name.as_str()),
                format!("項目ID「{name}」が2回以上あります"),
                format!("column `{name}` appears more than once; only the first is read"),
            ),
            ReadIssue::FieldCount {
                line,
                expected,
                found,
            } => (
                "row.field_count",
                Error,
                *line,
                None,
                format!("項目数が{found}個です（ヘッダーは{expected}個）"),
                format!("{found} fields where the header has {expected}; the row is not checked further"),
            ),
            ReadIssue::UnterminatedQuote { line } => (
                "row.unterminated_quote",
                Error,
                *line,
                None,
                "この行で開いた引用符（\"）が閉じられていません。ファイルが途中で切れている可能性があります".into(),
                "a quoted field opened on this line is never closed; the file may be truncated".into(),
            ),
            ReadIssue::BlankLine { line } => (
                "row.blank_line",
                Warning,
                *line,
                None,
                "空行があります（読み飛ばしました）".into(),
                "an empty line between rows (skipped)".into(),
            ),
        };
    let c = out.check(rule, severity, column.filter(|c| is_id_shaped(c)), ja, en);
    out.push(line, c, None);
}

fn unknown_data_type(
    data_type: &str,
    registry: &Registry,
    choice: &SpecChoice,
    out: &mut Findings,
) {
    let elsewhere: Vec<&str> = registry
        .specs
        .iter()
        .filter(|s| s.schema(data_type).is_some())
        .map(|s| s.version.as_str())
        .collect();
    let claiming = registry.catalogue.claiming(data_type);
    let en = match (choice, elsewhere.is_empty()) {
        (SpecChoice::Version(v), false) => format!(
            "data type `{data_type}` is not an interface of spec {v} (it is one of spec {})",
            elsewhere.join(", ")
        ),
        // An interface of a current spec whose items are not bundled: say so, not that it is
        // wrong.
        _ if !claiming.is_empty() => return not_bundled(data_type, &claiming, registry, out),
        _ => {
            format!("unknown data type `{data_type}`; `lifeline schemas list` shows the known ones")
        }
    };
    let c = out.check(
        "file.data_type",
        Severity::Error,
        None,
        format!("データ種別「{data_type}」は不明です"),
        en,
    );
    out.push(1, c, Some(data_type));
}

/// `schema.not_bundled`: the file is of an interface of `specs` (by its name), whose items the
/// spec data lacks, so nothing in it was checked.
fn not_bundled(data_type: &str, specs: &[&str], registry: &Registry, out: &mut Findings) {
    let name = specs
        .iter()
        .filter_map(|v| registry.catalogue.interfaces.get(*v))
        .flat_map(|f| &f.interface)
        .find(|i| i.data_type.as_deref() == Some(data_type))
        .map(|i| format!(" ({})", i.name))
        .unwrap_or_default();
    let spec = specs.last().copied().unwrap_or_default();
    let c = out.check(
        NOT_BUNDLED,
        Severity::Warning,
        None,
        format!(
            "{data_type}{name}は{spec}版のインターフェースですが、項目定義が同梱されていないため検査していません。\
             公式の外部インターフェース項目一覧（xlsx）を`lifeline schemagen`で読み込み、`--schemas`で指定してください"
        ),
        format!(
            "`{data_type}`{name} is a spec {spec} interface whose items are not bundled: not \
             validated, the file cannot be checked. Give the official workbook: `lifeline \
             schemagen WORKBOOK.xlsx --out DIR/{spec}`, then `lifeline --schemas DIR validate …` \
             (`lifeline schemas list` shows what is bundled)"
        ),
    );
    out.push(1, c, Some(data_type));
}

fn header_checks(header: &[&str], line: u64, schema: &Schema, out: &mut Findings) {
    for (i, name) in header.iter().enumerate() {
        if !is_id_shaped(name) {
            // Possibly personal data from a misplaced row: say where, not what.
            let c = out.check(
                "header.unknown_column",
                Severity::Error,
                None,
                format!("2行目の{}番目の項目が項目IDではありません", i + 1),
                format!("field {} of the header is not a column ID", i + 1),
            );
            out.push(line, c, None);
        } else if schema.item(name).is_none() {
            let hint = schema
                .items
                .iter()
                .find(|i| i.id.eq_ignore_ascii_case(name.trim()))
                .map(|i| format!(" (did you mean `{}`?)", i.id))
                .unwrap_or_default();
            let c = out.check(
                "header.unknown_column",
                Severity::Error,
                Some(name),
                format!("項目ID「{name}」は{}にありません", schema.data_type),
                format!(
                    "`{name}` is not a column of {} (spec {}){hint}",
                    schema.data_type, schema.spec
                ),
            );
            out.push(line, c, None);
        }
    }
    for item in &schema.items {
        if header.contains(&item.id.as_str()) {
            continue;
        }
        let (rule, severity, ja) = match item.req {
            Req::Always => ("header.missing_required", Severity::Error, "必須項目（◎）"),
            Req::Confirmed => (
                "header.missing_recommended",
                Severity::Warning,
                "確定取込時必須項目（○）",
            ),
            _ => continue,
        };
        let c = out.check(
            rule,
            severity,
            Some(&item.id),
            format!("{ja}「{}」の列がありません", item.name),
            format!("the column for a {} item is missing", item.req_mark()),
        );
        out.push(line, c, None);
    }
    if schema.partial {
        let c = out.check(
            "schema.partial",
            Severity::Warning,
            None,
            format!("{}はタイプ・桁数・必須区分が不明なため、項目IDだけを確認しました", schema.data_type),
            format!(
                "types, lengths and requirement marks of {} are not known yet; only column IDs were checked",
                schema.data_type
            ),
        );
        out.push(line, c, None);
    }
}
