//! The コード値 cell: codes one per line (`1：男性` / `2：女性`, the 1.00 way) or several on one
//! line (`1：低 / 2：中 / 3：高`, the 3.10 way), with a full-width or half-width colon; `【…】`
//! group lines; anything else is a note, or a reference to a code sheet.

use super::super::{Code, Item};

/// Splits a コード値 cell: `code：label` lines are codes; `【…】` lines head a group whose name
/// prefixes the labels that follow; anything else is kept as a note (references to code sheets
/// are resolved later).
/// A group line is kept verbatim in front of the labels: `【R4】 寝返り`.
pub(super) fn parse_code_cell(cell: &str, item: &mut Item) {
    let mut group = String::new();
    let mut notes = Vec::new();
    for line in cell.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some(codes) = split_codes(line) {
            item.codes
                .extend(codes.into_iter().map(|(code, label)| Code {
                    code,
                    label: format!("{group}{label}"),
                }));
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

/// The codes of one line: `1：低 / 2：中` gives two. A line is cut only at a `/` (or `／`, `、`)
/// that a `code：` follows, so a label holding a slash (`kg/月`) stays whole. `None` when the
/// line does not start with a code.
fn split_codes(line: &str) -> Option<Vec<(String, String)>> {
    let mut cuts = Vec::new();
    for (i, ch) in line.char_indices() {
        if matches!(ch, '/' | '／' | '、') {
            let rest = &line[i + ch.len_utf8()..];
            if split_code(rest.trim_start()).is_some() {
                cuts.push((i, i + ch.len_utf8()));
            }
        }
    }
    let mut out = Vec::new();
    let mut from = 0;
    for (at, next) in cuts.into_iter().chain([(line.len(), line.len())]) {
        let (code, label) = split_code(line[from..at].trim())?;
        out.push((code, label.trim().to_string()));
        from = next;
    }
    Some(out)
}

/// `1：低` → (`1`, `低`): the code is ASCII letters and digits (full-width ones are made ASCII).
fn split_code(text: &str) -> Option<(String, &str)> {
    let sep = text.find(['：', ':'])?;
    let code: String = text[..sep].trim().chars().map(ascii_of).collect();
    let rest = &text[sep..];
    let label = rest.strip_prefix('：').or_else(|| rest.strip_prefix(':'))?;
    (!code.is_empty() && code.chars().all(|c| c.is_ascii_alphanumeric())).then_some((code, label))
}

/// A full-width digit or Latin letter as ASCII; any other character unchanged.
fn ascii_of(c: char) -> char {
    match c {
        '０'..='９' | 'Ａ'..='Ｚ' | 'ａ'..='ｚ' => {
            char::from_u32(c as u32 - 0xFEE0).unwrap_or(c)
        }
        _ => c,
    }
}

/// Points an item's code note at the code sheet it names, if any.
pub(super) fn resolve_sheet_reference(item: &mut Item, sheets: &[&str]) {
    let Some(note) = &item.code_note else { return };
    // Longest name first: 興味関心チェックコード must not match as コード.
    let mut sorted: Vec<&&str> = sheets.iter().collect();
    sorted.sort_by_key(|s| std::cmp::Reverse(s.len()));
    if let Some(sheet) = sorted.into_iter().find(|s| note.contains(**s)) {
        item.code_sheet = Some(sheet.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::{ItemType, Req};

    fn codes(cell: &str) -> (Vec<(String, String)>, Option<String>) {
        let mut item = super::super::bare_item(None, "x".into(), ItemType::Number, Req::Optional);
        parse_code_cell(cell, &mut item);
        let c = item.codes.into_iter().map(|c| (c.code, c.label)).collect();
        (c, item.code_note)
    }

    fn pairs(p: &[(&str, &str)]) -> Vec<(String, String)> {
        p.iter()
            .map(|(a, b)| (a.to_string(), b.to_string()))
            .collect()
    }

    #[test]
    fn codes_on_one_line_or_on_several() {
        let want = pairs(&[("1", "低"), ("2", "中"), ("3", "高")]);
        assert_eq!(codes("1：低 / 2：中 / 3：高").0, want);
        assert_eq!(codes("1:低／2:中、3:高").0, want);
        assert_eq!(codes("1：低\n2：中\n3：高").0, want);
        assert_eq!(
            codes("１：低 / ２：中 / ３：高").0,
            want,
            "full-width digits"
        );
    }

    #[test]
    fn a_slash_inside_a_label_is_not_a_cut() {
        let (c, note) = codes("1：kg/月 / 2：その他/不明");
        assert_eq!(c, pairs(&[("1", "kg/月"), ("2", "その他/不明")]));
        assert_eq!(note, None);
    }

    #[test]
    fn groups_and_notes() {
        let (c, note) = codes("【R4】\n0：できない / 1：できる\n職種コード参照");
        assert_eq!(
            c,
            pairs(&[("0", "【R4】 できない"), ("1", "【R4】 できる")])
        );
        assert_eq!(note.as_deref(), Some("職種コード参照"));
        assert_eq!(codes("ICD10 / 病名").0, Vec::new(), "no code at the start");
    }
}
