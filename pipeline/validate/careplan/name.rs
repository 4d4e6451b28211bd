//! A care-plan file's name: `<KIND>_[<YYYYMM>_]<送信元事業所番号10>_<種類2>_<送信先事業所番号10>_<種類2>_<YYYYMMDDHHMMSS>.CSV`
//! (the JPEG: `…_<枝番4>.jpg`), read into its parts, each part checked.

use crate::spec::careplan::Kind;
use crate::spec::rules::CheckScheme;
use crate::validate::values::{check_digit, is_date};

/// The parts of a well-formed name.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileName {
    pub kind: String,
    /// The name's `YYYYMM` (`000000` for a 補足 linked to 1表), for kinds that have one.
    pub month: Option<String>,
    pub sender: String,
    pub sender_type: String,
    pub receiver: String,
    pub receiver_type: String,
    /// `YYYYMMDDHHMMSS`, the send unit's ファイル連番.
    pub timestamp: String,
}

impl FileName {
    /// What identifies the send unit the file belongs to.
    pub fn unit(&self) -> (&str, &str, &str, &str, &str) {
        (
            &self.sender,
            &self.sender_type,
            &self.receiver,
            &self.receiver_type,
            &self.timestamp,
        )
    }

    /// The name's month as a number (`YYYYMM`), unless absent or `000000`.
    pub fn month_number(&self) -> Option<u32> {
        self.month
            .as_deref()
            .filter(|m| *m != "000000")?
            .parse()
            .ok()
    }
}

/// What is wrong with a name, beside the parts that could be read.
#[derive(Debug, Default)]
pub struct NameCheck {
    pub name: Option<FileName>,
    /// Each a (Japanese, English) description of a wrong part: `careplan.name` errors.
    pub wrong: Vec<(String, String)>,
    /// An office number whose check digit fails: (which, number).
    pub check_digit: Vec<(&'static str, String)>,
    /// The extension is `.csv` in lower case (the layout writes `.CSV`).
    pub lower_case_extension: bool,
}

/// Reads and checks `name` as a file of `kind`.
pub fn check(kind: &Kind, name: &str) -> NameCheck {
    let mut out = NameCheck::default();
    let jpeg = kind.columns.is_none();
    let rest = &name[kind.code.len() + 1..];
    let (stem, ext) = match rest.rfind('.') {
        Some(i) => (&rest[..i], &rest[i + 1..]),
        None => (rest, ""),
    };
    let want_ext = if jpeg { "jpg" } else { "CSV" };
    if ext != want_ext {
        if ext.eq_ignore_ascii_case(want_ext) {
            out.lower_case_extension = !jpeg;
        } else {
            out.wrong.push((
                format!("拡張子が「.{want_ext}」ではありません（「.{ext}」）"),
                format!("the extension is `.{ext}`, not `.{want_ext}`"),
            ));
        }
    }
    let mut parts: Vec<&str> = stem.split('_').collect();
    let want = 5 + usize::from(kind.month_in_name) + usize::from(jpeg);
    if parts.len() != want {
        out.wrong.push((
            format!(
                "ファイル名の区切り（_）の数が違います（{}部分、{want}部分のはず）",
                parts.len()
            ),
            format!(
                "the name has {} parts after `{}_`, {want} expected",
                parts.len(),
                kind.code
            ),
        ));
        return out;
    }
    if jpeg {
        let branch = parts.pop().unwrap_or_default();
        if branch.len() != 4 || !branch.bytes().all(|b| b.is_ascii_digit()) {
            out.wrong.push((
                format!("枝番「{branch}」が4桁の数字ではありません"),
                format!("the branch number `{branch}` is not 4 digits"),
            ));
        }
    }
    let month = kind.month_in_name.then(|| parts.remove(0).to_string());
    if let Some(m) = &month {
        let linked = kind.code == "UPHOSOKU" && m == "000000";
        if !linked && !is_date(&format!("{m}01")) {
            out.wrong.push((
                format!("ファイル名の対象年月「{m}」がYYYYMMの年月ではありません"),
                format!("the name's month `{m}` is not a YYYYMM month"),
            ));
        }
    }
    let [sender, sender_type, receiver, receiver_type, timestamp] = parts[..] else {
        unreachable!("the count was checked")
    };
    for (which, which_en, id) in [
        ("送信元", "sender", sender),
        ("送信先", "receiver", receiver),
    ] {
        let shaped = |b: u8| b.is_ascii_digit() || b.is_ascii_uppercase();
        if id.len() != 10 || !id.bytes().all(shaped) {
            out.wrong.push((
                format!("{which}事業所番号「{id}」が10桁の番号ではありません"),
                format!("the {which_en} 事業所番号 `{id}` is not 10 digits (or a class letter)"),
            ));
        } else if check_digit(CheckScheme::CareFacilityId, id).is_some() {
            out.check_digit.push((which_en, id.to_string()));
        }
    }
    for (which, which_en, t) in [
        ("送信元", "sender", sender_type),
        ("送信先", "receiver", receiver_type),
    ] {
        let ok = t.len() == 2
            && t.bytes()
                .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase());
        if !ok {
            out.wrong.push((
                format!("{which}サービス種類コード「{t}」が2桁ではありません（4.1で3桁のサービスコードから2桁に変わりました）"),
                format!("the {which_en} service type `{t}` is not 2 characters (4.1 changed it from a 3-digit code)"),
            ));
        }
    }
    if !is_timestamp(timestamp) {
        out.wrong.push((
            format!("ファイル連番「{timestamp}」がYYYYMMDDHHMMSSの日時ではありません"),
            format!("the timestamp `{timestamp}` is not a YYYYMMDDHHMMSS time"),
        ));
    }
    if out.wrong.is_empty() {
        out.name = Some(FileName {
            kind: kind.code.clone(),
            month,
            sender: sender.into(),
            sender_type: sender_type.into(),
            receiver: receiver.into(),
            receiver_type: receiver_type.into(),
            timestamp: timestamp.into(),
        });
    }
    out
}

/// `YYYYMMDDHHMMSS` that is a real time.
fn is_timestamp(s: &str) -> bool {
    let b = s.as_bytes();
    let two = |i: usize| (b[i] - b'0') * 10 + (b[i + 1] - b'0');
    b.len() == 14
        && b.iter().all(u8::is_ascii_digit)
        && is_date(&s[..8])
        && two(8) < 24
        && two(10) < 60
        && two(12) < 60
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::careplan::{Careplan, DIR};

    fn layout() -> Careplan {
        crate::spec::Registry::embedded().unwrap().careplan
    }

    fn of(name: &str) -> NameCheck {
        let l = layout();
        let kind = l
            .kind_of(name)
            .unwrap_or_else(|| panic!("{DIR}: no kind for {name}"));
        check(kind, name)
    }

    #[test]
    fn a_good_name_is_read_into_its_parts() {
        let c = of("UPJSK_202610_1370000018_15_1370000026_43_20261105093000.CSV");
        assert!(c.wrong.is_empty() && c.check_digit.is_empty(), "{c:?}");
        let n = c.name.unwrap();
        assert_eq!(n.month.as_deref(), Some("202610"));
        assert_eq!(n.month_number(), Some(202610));
        assert_eq!(
            n.unit(),
            ("1370000018", "15", "1370000026", "43", "20261105093000")
        );
        let c = of("UP1KYO_1370000018_43_1370000026_15_20261105093000.CSV");
        assert!(c.name.is_some_and(|n| n.month.is_none()));
        let c = of("UPHOSOKU_000000_1370000018_43_1370000026_15_20261105093000.CSV");
        assert!(c.name.is_some_and(|n| n.month_number().is_none()));
        let c = of("UPKIHON_IMAGE_1370000018_46_1370000026_15_20261105093000_0001.jpg");
        assert!(c.wrong.is_empty(), "{c:?}");
    }

    #[test]
    fn each_wrong_part_is_named() {
        let wrong = |n: &str| {
            of(n)
                .wrong
                .into_iter()
                .map(|w| w.1)
                .collect::<Vec<_>>()
                .join("; ")
        };
        assert!(
            wrong("UPJSK_202613_1370000018_15_1370000026_43_20261105093000.CSV").contains("month")
        );
        assert!(
            wrong("UPJSK_202610_137000001_15_1370000026_43_20261105093000.CSV")
                .contains("sender 事業所番号")
        );
        assert!(
            wrong("UPJSK_202610_1370000018_151_1370000026_43_20261105093000.CSV")
                .contains("3-digit")
        );
        assert!(
            wrong("UPJSK_202610_1370000018_15_1370000026_43_20261105250000.CSV")
                .contains("timestamp")
        );
        assert!(wrong("UPJSK_1370000018_15_1370000026_43_20261105093000.CSV").contains("parts"));
        assert!(
            wrong("UPJSK_202610_1370000018_15_1370000026_43_20261105093000.txt")
                .contains("extension")
        );
        assert!(wrong("UPHOSOKU_000000_1370000018_43_1370000026_15_20261105093000.CSV").is_empty());
        assert!(
            wrong("UPJSK_000000_1370000018_15_1370000026_43_20261105093000.CSV").contains("month")
        );
        let c = of("UPJSK_202610_1370000019_15_1370000026_43_20261105093000.CSV");
        assert_eq!(c.check_digit, vec![("sender", "1370000019".to_string())]);
        assert!(c.name.is_some());
        assert!(
            of("UPJSK_202610_1370000018_15_1370000026_43_20261105093000.csv").lower_case_extension
        );
    }
}
