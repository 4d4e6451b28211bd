//! Sentences of the 説明/備考 text that state no rule over the row, recognised by their wording:
//! formats and examples, units, how LIFE stores or shows the value, identifiers, code lists and
//! references. Anything else that is not a rule goes to the review file.

use std::sync::LazyLock;

use regex::Regex;

/// (what kind of prose, the wording that marks it).
const KINDS: &[(&str, &str)] = &[
    ("format", r"YYYYMMDD|HHmm|桁の数字|^例[\s　:：]|^例$"),
    (
        "unit",
        r"単位入力|で入力$|で入力（|^％で入力|小数点第一位まで|小数点以下|10倍|10で割った|自由記述|^(回数|分|時間|回数\(週\)|回数（週）|週あたりの頻度（回数）)$",
    ),
    (
        "handling",
        r"暗号化対象|ハッシュ化|置換される|送付されない|表示される|表示しておくべき|上書き|二重登録|置換に利用|同様に処理",
    ),
    ("identifier", r"一意|管理する番号|単位として送信"),
    (
        "reference",
        r"参照|コードのシート|ICD10|ピリオド付き|電算コードで定められている|job_type_master|と関連づいた職種|を表す区分|^シート「|の設定を可能とする",
    ),
    ("code list", r"^[0-9０-９]+[：:][^、。\s]{1,6}$"),
    (
        "dosage",
        r"^(内服|内滴|屯服|外用|注射|浸煎薬|湯薬|材料|その他)\s*[:：「]|^用量に伴った単位$",
    ),
    ("day 00 (the schema's day_may_be_00)", r"00日として入力"),
    ("placeholder", r"^[―ー\-–—（(]$"),
];

static COMPILED: LazyLock<Vec<(&'static str, Regex)>> = LazyLock::new(|| {
    KINDS
        .iter()
        .map(|(k, re)| (*k, Regex::new(re).expect("the prose patterns are valid")))
        .collect()
});

/// What kind of non-rule prose the sentence is, if its wording says so.
pub fn kind(sentence: &str) -> Option<&'static str> {
    COMPILED
        .iter()
        .find(|(_, re)| re.is_match(sentence))
        .map(|(k, _)| *k)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_units_and_handling_are_prose_and_instructions_are_not() {
        assert_eq!(kind("0~9からなる8桁の数字　YYYYMMDD"), Some("format"));
        assert_eq!(kind("例　2018年4月1日→20180401"), Some("format"));
        assert_eq!(kind("キロカロリーで入力"), Some("unit"));
        assert_eq!(kind("暗号化対象"), Some("handling"));
        assert_eq!(kind("2：J1"), Some("code list"));
        assert_eq!(kind("施設入所時の状態を選択すること。"), None);
        assert_eq!(kind("薬剤の追加変更の場合に必須"), None);
    }
}
