//! The text side of rule derivation: the sentences of a 説明/備考 cell, and the normal form in
//! which names and code labels are compared.

use unicode_normalization::UnicodeNormalization;

/// The sentences of a cell. Its lines are the workbook's line breaks (the 3.10 extracts write
/// them ` / `); a line that continues the one before — it starts with かつ, 又は, 若しくは or ＝ —
/// is joined to it with a space; each line is then cut after every 。.
pub fn sentences(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for line in text.split('\n').flat_map(|l| l.split(" / ")) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        match lines.last_mut() {
            Some(prev) if continues(line) => {
                prev.push(' ');
                prev.push_str(line);
            }
            _ => lines.push(line.to_string()),
        }
    }
    let mut out = Vec::new();
    for line in &lines {
        let mut rest = line.as_str();
        while let Some(i) = rest.find('。') {
            let (s, r) = rest.split_at(i + '。'.len_utf8());
            push_trimmed(&mut out, s);
            rest = r;
        }
        push_trimmed(&mut out, rest);
    }
    out
}

fn push_trimmed(out: &mut Vec<String>, s: &str) {
    let s = s.trim();
    if !s.is_empty() {
        out.push(s.to_string());
    }
}

fn continues(line: &str) -> bool {
    ["かつ", "又は", "若しくは", "＝", "="]
        .iter()
        .any(|p| line.starts_with(p))
}

/// The form names are compared in: NFKC (full width → ASCII, half-width kana → full), without
/// spaces, line breaks, brackets and the separators ・ / _ 、 , that the workbook uses loosely.
pub fn norm(s: &str) -> String {
    s.nfkc()
        .filter(|c| {
            !c.is_whitespace()
                && !matches!(
                    c,
                    '・' | '/' | '_' | '(' | ')' | '「' | '」' | '【' | '】' | ',' | '、'
                )
        })
        .collect()
}

/// NFKC of a short token such as a code value (`１` → `1`), trimmed.
pub fn fold(s: &str) -> String {
    s.nfkc().collect::<String>().trim().to_string()
}

/// Whether a label in the text names the label of a code list: equal in normal form, one a
/// prefix of the other (`一部` / `一部経口`), or both a spelling of 有り or of 無し.
pub fn label_eq(text: &str, listed: &str) -> bool {
    let (a, b) = (norm(text), norm(listed));
    if a.is_empty() || b.is_empty() {
        return false;
    }
    a == b
        || a.starts_with(&b)
        || b.starts_with(&a)
        || yes_no(&a).is_some_and(|x| Some(x) == yes_no(&b))
}

fn yes_no(s: &str) -> Option<bool> {
    match s {
        "有り" | "有" | "あり" | "該当有り" | "有る" => Some(true),
        "無し" | "無" | "なし" | "該当無し" | "無い" => Some(false),
        _ => None,
    }
}

/// Splits `s` at every `sep` outside brackets （）()「」.
pub fn split_top<'a>(s: &'a str, sep: &str) -> Vec<&'a str> {
    let mut parts = Vec::new();
    let mut depth = 0i32;
    let mut start = 0;
    let mut i = 0;
    while i < s.len() {
        let rest = &s[i..];
        let c = rest.chars().next().expect("i is on a char boundary");
        match c {
            '（' | '(' | '「' => depth += 1,
            '）' | ')' | '」' => depth -= 1,
            _ => {}
        }
        if depth == 0 && rest.starts_with(sep) {
            parts.push(&s[start..i]);
            i += sep.len();
            start = i;
            continue;
        }
        i += c.len_utf8();
    }
    parts.push(&s[start..]);
    parts
}

/// The name of an add-on as `--claim` takes it: full-width brackets as ASCII, the numeral kept.
pub fn claim_name(s: &str) -> String {
    s.trim().replace('（', "(").replace('）', ")")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_continuation_line_joins_the_line_before_and_sentences_end_at_the_full_stop() {
        let cell = "％で入力（整数）\n施設／通所・居宅区分＝1：施設\nかつ経口摂取＝（1：一部若しくは2：完全）の場合に必須";
        assert_eq!(
            sentences(cell),
            [
                "％で入力（整数）",
                "施設／通所・居宅区分＝1：施設 かつ経口摂取＝（1：一部若しくは2：完全）の場合に必須"
            ]
        );
        assert_eq!(sentences("a。b。 / c"), ["a。", "b。", "c"]);
    }

    #[test]
    fn names_compare_without_width_spaces_and_separators() {
        assert_eq!(norm("施設／通所・居宅区分"), norm("施設/通所居宅区分"));
        assert_ne!(norm("歯の本数の問題"), norm("歯数の問題"));
    }

    #[test]
    fn labels_match_by_prefix_or_as_a_spelling_of_yes_or_no() {
        assert!(label_eq("一部", "一部経口"));
        assert!(label_eq("有り", "有"));
        assert!(label_eq("なし", "無し"));
        assert!(!label_eq("完全", "経口のみ"));
        assert!(!label_eq("有り", "無"));
    }

    #[test]
    fn splitting_ignores_separators_inside_brackets() {
        assert_eq!(
            split_top("a＝（1：x又は2：y）又はb＝1：z", "又は"),
            ["a＝（1：x又は2：y）", "b＝1：z"]
        );
    }
}
