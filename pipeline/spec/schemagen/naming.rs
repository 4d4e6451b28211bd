//! An interface sheet's physical name (the data type on line 1 of its files, e.g.
//! `NUTRITION_CARE_PLAN_2024`) and its title.
//!
//! The 1.00 sheets are named by the physical name and carry `利用者情報　【SERVICE_USER_INFO】`
//! in their first row. The 3.00/3.10 sheets are named in Japanese (利用者情報, 栄養ケア等計画書 …)
//! and give the physical name in their own cells above the header row; which cell is not known,
//! so every form is looked for there: a `【NAME】` title, a cell holding just the name, or a label
//! cell (物理名, データ種別, インターフェース名 …) with the name beside it or after a colon.
//! Two different names, or none on a sheet not named by one, is an error: never a guess.

/// Labels a physical name may stand beside.
const NAME_LABELS: &[&str] = &[
    "物理名",
    "物理名称",
    "データ種別",
    "データタイプ",
    "データ型",
    "インターフェース名",
    "インタフェース名",
    "インターフェースID",
    "インタフェースID",
    "外部インターフェース名",
    "DataType",
];

/// Shaped like an interface's physical name: upper-case ASCII letters, digits and `_`, starting
/// with a letter, with at least one `_` (`SERVICE_USER_INFO`, `FORM_0000_2021`,
/// `NUTRITION_CARE_PLAN_2024`; not an item ID such as `care_facility_id`, not `YYYYMMDD`).
pub(super) fn is_interface_name(s: &str) -> bool {
    s.starts_with(|c: char| c.is_ascii_uppercase())
        && s.contains('_')
        && s.chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
}

/// `利用者情報　【SERVICE_USER_INFO】` → (`SERVICE_USER_INFO`, `利用者情報`).
fn bracketed(cell: &str) -> Option<(String, String)> {
    let a = cell.find('【')?;
    let b = a + cell[a..].find('】')?;
    let name = cell[a + '【'.len_utf8()..b].trim();
    is_interface_name(name).then(|| (name.to_string(), cell[..a].trim().to_string()))
}

/// The label a cell starts with, and what follows it in the same cell (after a colon).
fn label_of(cell: &str) -> Option<&str> {
    let t = cell.trim();
    NAME_LABELS.iter().find_map(|l| {
        let rest = t.strip_prefix(l)?;
        let rest = rest.trim_start_matches([' ', '　']);
        match rest.strip_prefix(['：', ':']) {
            Some(v) => Some(v.trim()),
            None if rest.is_empty() => Some(""),
            None => None,
        }
    })
}

/// A sheet title in the first rows of a sheet without a header row (it then should have one).
pub(super) fn titled_as(rows: &[Vec<String>]) -> Option<String> {
    rows.iter()
        .take(3)
        .flatten()
        .find_map(|c| bracketed(c).map(|(name, _)| name))
}

/// The physical name and title of an interface sheet, from the rows above its header row.
pub(super) fn sheet_name(sheet: &str, above: &[Vec<String>]) -> Result<(String, String), String> {
    let mut names: Vec<String> = Vec::new();
    let mut title = String::new();
    let mut found = |n: &str| {
        if !names.iter().any(|m| m == n) {
            names.push(n.to_string());
        }
    };
    for row in above {
        for (i, cell) in row.iter().enumerate() {
            let t = cell.trim();
            if let Some((name, before)) = bracketed(t) {
                found(&name);
                if title.is_empty() {
                    title = before;
                }
            } else if is_interface_name(t) {
                found(t);
            } else if let Some(inline) = label_of(t) {
                let value = match inline {
                    "" => row[i + 1..]
                        .iter()
                        .map(|c| c.trim())
                        .find(|c| !c.is_empty()),
                    v => Some(v),
                };
                if let Some(v) = value.filter(|v| is_interface_name(v)) {
                    found(v);
                }
            }
        }
    }
    let sheet = sheet.trim();
    let from_sheet = is_interface_name(sheet);
    if title.is_empty() && !from_sheet {
        title = sheet.to_string();
    }
    match names.as_slice() {
        [] if from_sheet => Ok((sheet.to_string(), title)),
        [] => Err(format!(
            "no physical name (an interface name such as NUTRITION_CARE_PLAN_2024) in the {} \
             rows above its header row: write it as `【NAME】`, in a cell of its own, or beside \
             a 物理名 label",
            above.len()
        )),
        [one] if from_sheet && one != sheet => Err(format!(
            "the sheet is named {sheet} but its cells name the interface {one}"
        )),
        [one] => Ok((one.clone(), title)),
        many => Err(format!(
            "its cells name {} interfaces ({}); which one the sheet defines is not guessed",
            many.len(),
            many.join(", ")
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(r: &[&[&str]]) -> Vec<Vec<String>> {
        r.iter()
            .map(|r| r.iter().map(|c| c.to_string()).collect())
            .collect()
    }

    #[test]
    fn every_form_of_the_name_is_found() {
        let dt = "NUTRITION_CARE_PLAN_2024";
        let want = Ok((dt.to_string(), "栄養ケア等計画書".to_string()));
        for above in [
            rows(&[&["", "栄養ケア等計画書　【NUTRITION_CARE_PLAN_2024】"]]),
            rows(&[&["", "栄養ケア等計画書"], &["", dt]]),
            rows(&[&["物理名", "", dt]]),
            rows(&[&["データ種別：NUTRITION_CARE_PLAN_2024"]]),
            rows(&[
                &["インターフェース名", "栄養ケア等計画書"],
                &["物理名 :", dt],
            ]),
        ] {
            assert_eq!(sheet_name("栄養ケア等計画書", &above), want, "{above:?}");
        }
        // The 1.00 way: the sheet is named by it, the title cell says it again.
        let above = rows(&[&["利用者情報　【SERVICE_USER_INFO】"]]);
        assert_eq!(
            sheet_name("SERVICE_USER_INFO", &above),
            Ok(("SERVICE_USER_INFO".into(), "利用者情報".into()))
        );
        assert_eq!(
            sheet_name("FORM_0801_2021 ", &[]),
            Ok(("FORM_0801_2021".into(), String::new()))
        );
    }

    #[test]
    fn no_name_or_two_names_is_an_error() {
        let e = sheet_name(
            "栄養ケア等計画書",
            &rows(&[&["栄養ケア等計画書"], &["◎：必須"]]),
        );
        assert!(e.unwrap_err().contains("no physical name"));
        let e = sheet_name("Sheet1", &[]);
        assert!(e.is_err(), "Sheet1 is not an interface name");
        let two = rows(&[
            &["SERVICE_USER_INFO"],
            &["物理名", "NUTRITION_CARE_PLAN_2024"],
        ]);
        let e = sheet_name("栄養ケア等計画書", &two).unwrap_err();
        assert!(
            e.contains("SERVICE_USER_INFO, NUTRITION_CARE_PLAN_2024"),
            "{e}"
        );
        let e = sheet_name("FORM_0100_2021", &rows(&[&["【FORM_0000_2021】"]])).unwrap_err();
        assert!(e.contains("FORM_0000_2021"), "{e}");
        // Item IDs, formats and labels without a name beside them are not names.
        let e = sheet_name(
            "口腔",
            &rows(&[&["care_facility_id", "YYYYMMDD", "物理名", "口腔"]]),
        );
        assert!(e.is_err());
    }
}
