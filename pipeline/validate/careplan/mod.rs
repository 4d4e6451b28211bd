//! ケアプランデータ連携標準仕様 4.1 CSV files (UPJSK_…, UPPLAN_…, UP1KYO_…, DLT…), told by
//! their names and checked against `schemas/careplan-4.1/` into the same report as LIFE files:
//! the name's parts, MS932 only, no header row, fields per record, one CSVバージョン per file
//! (the one that applies to its 提供年月), every value against its column, the month of the
//! rows against the name's, record keys once per file, and across the files of one folder the
//! send units ([`units`]). A finding that rests on a layout fact of low confidence (the source
//! text is damaged there) is a warning and says so.

mod fields;
mod name;
mod units;

use std::borrow::Cow;
use std::collections::HashMap;
use std::io;
use std::path::Path;

pub use name::FileName;
pub use units::send_unit_checks;

use super::{FileReport, Findings, MASK, MAX_FILE_BYTES, Severity};
use crate::decode::{ReadIssue, TextEncoding};
use crate::spec::careplan::{self, Careplan, Column, Kind};

/// What the run and the rules across files need of a care-plan file.
#[derive(Debug, Clone, Default)]
pub struct CareplanKeys {
    /// The kind (`UPJSK` …).
    pub kind: String,
    /// The name's parts, when the name is well-formed.
    pub name: Option<FileName>,
    /// Each user (保険者番号, 被保険者番号) of a record whose month is the name's, with the line
    /// of their first record; users whose numbers are not well-formed are left out.
    pub users: Vec<(String, String, u64)>,
}

/// Whether a file name is a care-plan file's (its kind's prefix).
pub fn is_careplan(layout: &Careplan, file_name: &str) -> bool {
    layout.kind_of(file_name).is_some()
}

/// Reads and validates one care-plan file. `Err` only when the path cannot be read at all.
pub fn validate_careplan_path(
    path: &Path,
    layout: &Careplan,
) -> io::Result<(FileReport, CareplanKeys)> {
    let shown = path.display().to_string();
    let (file, len) = crate::decode::file::open_regular(path)?;
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    if len > MAX_FILE_BYTES {
        let mut report = FileReport::of(&shown, None);
        let c = report.findings.check(
            "file.too_large",
            Severity::Error,
            None,
            format!("ファイルが大きすぎます（{len}バイト）"),
            format!("file too large ({len} bytes; limit {MAX_FILE_BYTES})"),
        );
        report.findings.push(0, c, None);
        return Ok((report, CareplanKeys::default()));
    }
    let bytes = crate::decode::file::read_text(file, len)?;
    Ok(validate_careplan_bytes(&shown, file_name, &bytes, layout))
}

/// Validates the bytes of a care-plan file named `file_name` (shown as `path`).
pub fn validate_careplan_bytes(
    path: &str,
    file_name: &str,
    bytes: &[u8],
    layout: &Careplan,
) -> (FileReport, CareplanKeys) {
    let mut report = FileReport::of(path, None);
    report.spec = Some(careplan::DIR.to_string());
    let mut keys = CareplanKeys::default();
    let Some(kind) = layout.kind_of(file_name) else {
        let c = report.findings.check(
            "file.data_type",
            Severity::Error,
            None,
            "ファイル名からケアプラン連携ファイルの種類がわかりません".into(),
            "the file name names no care-plan file kind".into(),
        );
        report.findings.push(0, c, None);
        return (report, keys);
    };
    report.data_type = Some(kind.code.clone());
    keys.kind = kind.code.clone();
    let mut f = Found::default();
    keys.name = name_findings(kind, file_name, &mut f);
    if kind.columns.is_some() {
        let text = decode(bytes, &mut f, &mut report);
        if let Some(text) = text {
            report.rows = records(
                kind,
                layout,
                keys.name.as_ref(),
                &text,
                &mut f,
                &mut keys.users,
            );
            if report.rows == 0 {
                f.add(
                    "file.empty",
                    Severity::Error,
                    None,
                    "レコードが1件もありません".into(),
                    "the file holds no records".into(),
                    0,
                    None,
                );
            }
        }
    }
    f.out.sort();
    report.findings = f.out;
    (report, keys)
}

/// Text keys seen in a file, on a fast hash.
type Seen<V> = hashbrown::HashMap<Box<str>, V, foldhash::fast::FixedState>;

/// Findings with their checks registered once per message.
#[derive(Default)]
struct Found {
    out: Findings,
    /// By rule, column No. and message: two columns of one name are two checks.
    ids: HashMap<(&'static str, Option<usize>, String), u32>,
}

impl Found {
    #[allow(clippy::too_many_arguments)]
    fn add(
        &mut self,
        rule: &'static str,
        severity: Severity,
        column: Option<&Column>,
        ja: String,
        en: String,
        line: u64,
        value: Option<&str>,
    ) {
        let (severity, ja, en) = match column.filter(|c| c.low) {
            Some(c) => (
                Severity::Warning,
                format!("{ja}（レイアウトの読み取りが不確かな項目のため警告）"),
                format!(
                    "{en} (a warning: the layout text is damaged here; {})",
                    c.note
                ),
            ),
            None => (severity, ja, en),
        };
        let key = (rule, column.map(|c| c.no), en);
        let id = match self.ids.get(&key) {
            Some(&id) => id,
            None => {
                let col = column.map(|c| format!("{:02} {}", c.no, c.name));
                let id = self
                    .out
                    .check(rule, severity, col.as_deref(), ja, key.2.clone());
                self.ids.insert(key, id);
                id
            }
        };
        let shown = match column {
            Some(c) if c.sensitive() => value.map(|_| MASK),
            _ => value,
        };
        self.out.push(line, id, shown);
    }
}

fn name_findings(kind: &Kind, file_name: &str, f: &mut Found) -> Option<FileName> {
    let check = name::check(kind, file_name);
    for (ja, en) in &check.wrong {
        f.add(
            "careplan.name",
            Severity::Error,
            None,
            format!("ファイル名が{}の命名規約に合いません：{ja}", kind.code),
            format!("the name breaks the {} naming rule: {en}", kind.code),
            0,
            Some(file_name),
        );
    }
    for (which, id) in &check.check_digit {
        f.add(
            "value.check_digit",
            Severity::Warning,
            None,
            "ファイル名の事業所番号の形式またはチェックディジットが正しくありません".into(),
            format!("the name's {which} 事業所番号 fails its format or check-digit test"),
            0,
            Some(id),
        );
    }
    if check.lower_case_extension {
        f.add(
            "careplan.name",
            Severity::Warning,
            None,
            "拡張子は「.CSV」（大文字）と定められています".into(),
            "the layout writes the extension `.CSV` in capitals".into(),
            0,
            Some(file_name),
        );
    }
    check.name
}

/// The text of the file: MS932 only. A UTF-8 file is an error, but its rows are still checked.
fn decode<'b>(bytes: &'b [u8], f: &mut Found, report: &mut FileReport) -> Option<Cow<'b, str>> {
    let (text, encoding) = match crate::decode::decode(bytes) {
        Ok(d) => (d.text, d.encoding),
        Err(e) => {
            super::head::read_issue(&ReadIssue::Decode(e), &mut f.out);
            return None;
        }
    };
    let ascii = bytes.is_ascii();
    report.encoding = Some(if ascii { TextEncoding::Cp932 } else { encoding });
    if encoding != TextEncoding::Cp932 && !ascii {
        let first = bytes.iter().position(|b| !b.is_ascii()).unwrap_or(0);
        let (line, _) = crate::decode::position(bytes, first);
        f.add(
            "file.encoding",
            Severity::Error,
            None,
            format!(
                "文字コードが{encoding}です。ケアプラン連携ファイルはShift_JIS（MS932）のみです"
            ),
            format!("the file is {encoding}; care-plan files must be Shift_JIS (MS932) only"),
            line,
            None,
        );
    }
    Some(text)
}

/// Checks every record; the number of records (a header row is not one).
fn records(
    kind: &Kind,
    layout: &Careplan,
    name: Option<&FileName>,
    text: &str,
    f: &mut Found,
    users: &mut Vec<(String, String, u64)>,
) -> usize {
    let columns = kind.columns.unwrap_or(0);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let name_month = name.and_then(|n| n.month.as_deref());
    // The 提供年月 the version is chosen by: the name's, else the timestamp's.
    let version_month = name.and_then(|n| {
        n.month_number()
            .or_else(|| n.timestamp.get(..6).and_then(|m| m.parse().ok()))
    });
    let want_version = version_month.and_then(|m| layout.version_for(m));
    let mut first_version: Option<String> = None;
    // Record keys and users, each its fields joined by U+001F: one allocation when new.
    let mut keys: Seen<u64> = Seen::default();
    let mut seen_users: Seen<()> = Seen::default();
    let mut joined = String::new();
    let mut rows = 0;
    let mut first = true;
    let mut record = csv::StringRecord::new();
    loop {
        let line = reader.position().line();
        match reader.read_record(&mut record) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                f.add(
                    "row.unterminated_quote",
                    Severity::Error,
                    None,
                    "行を読めません（引用符が閉じていません）".into(),
                    format!("the record cannot be read: {e}"),
                    line,
                    None,
                );
                break;
            }
        }
        // A record's position is where reading it began: after a CRLF that is on its LF, and
        // blank lines are skipped after it. The record's line is past every line end there.
        let line = record.position().map_or(line, |p| {
            let skipped = text.as_bytes()[p.byte() as usize..]
                .iter()
                .take_while(|b| matches!(b, b'\r' | b'\n'))
                .filter(|&&b| b == b'\n')
                .count();
            p.line() + skipped as u64
        });
        // Quotes come in pairs in a well-formed record (a field's two, and `""` inside); an odd
        // number means a quote left open, which runs the record on into the lines after it.
        let start = record.position().map_or(0, |p| p.byte() as usize);
        let end = reader.position().byte() as usize;
        let quotes = text.as_bytes()[start..end]
            .iter()
            .filter(|&&b| b == b'"')
            .count();
        if quotes % 2 == 1 {
            f.add(
                "row.unterminated_quote",
                Severity::Error,
                None,
                "引用符が閉じていません（後の行までが1つのレコードとして読まれます）".into(),
                "a quote opened in this record is not closed: the lines after it are read into it"
                    .into(),
                line,
                None,
            );
        }
        let v1 = record.get(0).unwrap_or("");
        if std::mem::take(&mut first) && !v1.bytes().all(|b| b.is_ascii_digit()) {
            f.add(
                "careplan.header",
                Severity::Error,
                None,
                "1行目が見出し行です。ケアプラン連携ファイルに見出し行はありません".into(),
                "line 1 is a header row; care-plan files have none (every record starts with its CSVバージョン)".into(),
                line,
                None,
            );
            continue;
        }
        rows += 1;
        if record.len() != columns {
            f.add(
                "row.field_count",
                Severity::Error,
                None,
                format!("項目数が{columns}ではありません"),
                format!("the record has a wrong number of fields ({columns} expected)"),
                line,
                Some(&record.len().to_string()),
            );
            continue;
        }
        let v = |no: usize| record.get(no - 1).unwrap_or("");
        version(kind, v(1), want_version, &mut first_version, line, f);
        let linked_to_plan = kind.code == "UPHOSOKU" && name_month == Some("000000");
        // Whether No.2 保険者番号 and No.3 被保険者番号 are well-formed: the user's key.
        let mut numbers_ok = kind.items.len() >= 3;
        for col in kind.items.iter().skip(1) {
            // (No.1, the version, is checked above.)
            let zeros = kind.code == "UPHOSOKU"
                && ((col.no == 63 && linked_to_plan) || (col.no == 4 && !linked_to_plan));
            if let Some(p) = fields::check(col, v(col.no), zeros) {
                numbers_ok &= !matches!(col.no, 2 | 3);
                // A value in an unused item is ignored by the receiver: a warning.
                let severity = match p.rule {
                    "value.unused" => Severity::Warning,
                    _ => Severity::Error,
                };
                f.add(
                    p.rule,
                    severity,
                    Some(col),
                    p.ja,
                    p.en,
                    line,
                    Some(v(col.no)),
                );
            }
        }
        conditions(kind, &v, line, f);
        let month_ok = month(kind, name_month, &v, line, f);
        if !kind.row_key.is_empty() {
            joined.clear();
            for &n in &kind.row_key {
                joined.push_str(v(n));
                joined.push('\u{1f}');
            }
            if let Some(&first) = keys.get(joined.as_str()) {
                let what: Vec<String> = kind
                    .row_key
                    .iter()
                    .filter_map(|&n| kind.column(n).map(|c| c.name.clone()))
                    .collect();
                let (severity, note) = if kind.row_key_low {
                    (
                        Severity::Warning,
                        "; the key is inferred from the layout's record unit, so this is a warning",
                    )
                } else {
                    (Severity::Error, "")
                };
                f.add(
                    "key.duplicate",
                    severity,
                    None,
                    format!(
                        "同じキー（{}）の行が前にもあります（値はその行）",
                        what.join("＋")
                    ),
                    format!(
                        "a record with the same key ({}) is on an earlier line, the value{note}",
                        what.join(" + ")
                    ),
                    line,
                    Some(&first.to_string()),
                );
            } else {
                keys.insert(joined.as_str().into(), line);
            }
        }
        let (a, b) = (v(2), v(3));
        if month_ok && numbers_ok {
            joined.clear();
            joined.push_str(a);
            joined.push('\u{1f}');
            joined.push_str(b);
            if !seen_users.contains_key(joined.as_str()) {
                seen_users.insert(joined.as_str().into(), ());
                users.push((a.to_string(), b.to_string(), line));
            }
        }
    }
    rows
}

/// CSVバージョン: the value that applies to the file's month, the same on every record.
fn version(
    kind: &Kind,
    v: &str,
    want: Option<&careplan::CsvVersion>,
    first: &mut Option<String>,
    line: u64,
    f: &mut Found,
) {
    let col = kind.column(1);
    match first {
        None => *first = Some(v.to_string()),
        Some(first) if first != v => {
            f.add(
                "careplan.version",
                Severity::Error,
                col,
                format!("CSVバージョンがファイル内で混在しています（最初の行は{first}）"),
                format!("the file mixes CSVバージョン values (the first record has {first})"),
                line,
                Some(v),
            );
            return;
        }
        _ => {}
    }
    if let Some(want) = want.filter(|w| w.value != v) {
        f.add(
            "careplan.version",
            Severity::Error,
            col,
            format!(
                "CSVバージョンは{}です（{}、提供年月{}から）",
                want.value, want.edition, want.from
            ),
            format!(
                "the CSVバージョン for this month is {} ({}, from 提供年月 {})",
                want.value, want.edition, want.from
            ),
            line,
            Some(v),
        );
    }
}

/// The month of the record equals the name's; 第6表's サービス利用日 lies in it. Whether the
/// record's month is the name's.
fn month<'v>(
    kind: &Kind,
    name_month: Option<&str>,
    v: &impl Fn(usize) -> &'v str,
    line: u64,
    f: &mut Found,
) -> bool {
    let (Some(no), Some(m)) = (kind.month_item, name_month) else {
        return true;
    };
    let Some(col) = kind.column(no) else {
        return true;
    };
    let value = v(no);
    if value != m {
        f.add(
            "careplan.month",
            Severity::Error,
            Some(col),
            format!("「{}」がファイル名の対象年月（{m}）と違います", col.name),
            format!(
                "{} differs from the name's month ({m}); a file holds one month",
                col.name
            ),
            line,
            Some(value),
        );
        return false;
    }
    if matches!(kind.code.as_str(), "UPPLAN" | "UPJSK") {
        let day = v(10);
        if day.len() == 8 && !day.starts_with(m) {
            f.add(
                "careplan.month",
                Severity::Warning,
                kind.column(10),
                format!("サービス利用日が対象年月（{m}）の日ではありません"),
                format!("サービス利用日 is not a day of the file's month ({m}; inferred from ファイル作成単位, a warning)"),
                line,
                Some(day),
            );
        }
    }
    true
}

/// The 条件 items whose condition the layout states plainly: the TAIS or 届出 code of a
/// 福祉用具貸与 (17/67) record (第6表 No.16/17, 第7表 No.10/11); and 第7表's 小計 rows (種類CD +
/// `AAAA`/`EEEE`/`ZZZZ`) and 全合計 row (`999999`, 事業所コード `9999999999`): 単位数 0, no
/// 割引後率 or 割引後単位数.
fn conditions<'v>(kind: &Kind, v: &impl Fn(usize) -> &'v str, line: u64, f: &mut Found) {
    let (code_no, tais) = match kind.code.as_str() {
        "UPPLAN" | "UPJSK" => (15, 16),
        "UPSIKYU" => (9, 10),
        _ => return,
    };
    let code = v(code_no);
    let total = kind.code == "UPSIKYU"
        && (code == "999999" || ["AAAA", "EEEE", "ZZZZ"].iter().any(|s| code.ends_with(s)));
    let rental = code.starts_with("17") || code.starts_with("67");
    if rental && !total && v(tais).is_empty() && v(tais + 1).is_empty() {
        f.add(
            "value.required",
            Severity::Error,
            kind.column(tais),
            "福祉用具貸与の行にTAISコードも福祉用具届出コードもありません".into(),
            "a 福祉用具貸与 record (service type 17/67) needs its TAISコード or 福祉用具届出コード"
                .into(),
            line,
            None,
        );
    }
    if !total {
        return;
    }
    let wrong = [
        (13, v(13) != "0", "0"),
        (14, !v(14).is_empty(), "empty"),
        (15, !v(15).is_empty(), "empty"),
        (7, code == "999999" && v(7) != "9999999999", "9999999999"),
    ];
    for (no, bad, want) in wrong {
        if bad {
            let name = kind.column(no).map_or("", |c| c.name.as_str());
            f.add(
                "careplan.subtotal",
                Severity::Error,
                kind.column(no),
                format!("小計・全合計の行の「{name}」は{want}です"),
                format!("on a 小計 or 全合計 row (サービスコード {code}), {name} is {want}"),
                line,
                Some(v(no)),
            );
        }
    }
}
