//! The checks of a file as a whole: what the reader found wrong in its bytes and lines, its
//! data type when no spec knows it, and its header against the interface's items.

use super::finding::{Findings, Severity};
use super::{NOT_BUNDLED, SpecChoice};
use crate::decode::{DecodeError, ReadIssue, is_id_shaped};
use crate::spec::{Registry, Req, Schema};

pub(super) fn read_issue(issue: &ReadIssue, out: &mut Findings) {
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

pub(super) fn unknown_data_type(
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

pub(super) fn header_checks(header: &[&str], line: u64, schema: &Schema, out: &mut Findings) {
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
