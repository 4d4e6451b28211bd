//! `kanamic-user`: a カナミック-like user master `{事業所番号}_userallfull_{YYYYMM}.csv`. UTF-8
//! with BOM, every field quoted, a 2-line preamble (事業所番号 and 事業所名, then 対象年月), カナ in
//! hiragana, dates `YYYY/MM/DD`, 要介護度区分 as text (half- or full-width digits), literal
//! `null`, the placeholder phone `000-000-0000`, a leading space in a number, 利用者コード
//! zero-padded to 10 digits, a trailing `"合計","N"` line, one dummy user `★テスト` per
//! facility.

use std::path::PathBuf;

use super::people::{
    CARE_LEVELS, DEMENTIA, Facility, IMPAIRED, TODAY, User, half_width_digits, hiragana,
};
use super::rng::Rng;
use super::table::{Encoding, Quoting, Row, Spoil, Table};

pub(super) const HEADER: [&str; 22] = [
    "利用者コード",
    "氏名（姓）",
    "氏名（名）",
    "カナ（姓）",
    "カナ（名）",
    "性別",
    "生年月日",
    "郵便番号",
    "電話番号",
    "介護保険者番号",
    "被保険者番号",
    "認定状態",
    "要介護度区分",
    "認定日",
    "認定有効期間開始日",
    "認定有効期間終了日",
    // A trailing half-width space, as in the real export.
    "障害高齢者自立度 ",
    "認知症高齢者自立度",
    "サービス開始日",
    "サービス終了日",
    "死亡日",
    "備考",
];

pub(super) const SPOIL: [(&str, Spoil); 9] = [
    ("生年月日", Spoil::Date),
    ("認定日", Spoil::Date),
    ("認定有効期間開始日", Spoil::Date),
    ("認定有効期間終了日", Spoil::Date),
    ("サービス開始日", Spoil::Date),
    ("要介護度区分", Spoil::Label(&["要介護６", "未認定申請中"])),
    ("性別", Spoil::Label(&["不明"])),
    ("カナ（姓）", Spoil::KanjiFrom("氏名（姓）")),
    ("カナ（名）", Spoil::KanjiFrom("氏名（名）")),
];

/// The values that mean "nothing" in this export.
pub(super) const PLACEHOLDERS: [&str; 2] = ["null", "000-000-0000"];

fn row(u: &User, rng: &mut Rng) -> Vec<String> {
    let level = CARE_LEVELS.get(u.care_level).copied().unwrap_or("要介護１");
    // カナミック mixes half- and full-width digits in 要介護度区分.
    let level = if u.index.is_multiple_of(2) {
        half_width_digits(level)
    } else {
        level.to_string()
    };
    // Roman numerals typed as ASCII letters (IIa) next to the CP932 ones (Ⅱa).
    let dementia = DEMENTIA.get(u.dementia).copied().unwrap_or("自立");
    let dementia = if u.index % 3 == 1 {
        dementia
            .replace('Ⅰ', "I")
            .replace('Ⅱ', "II")
            .replace('Ⅲ', "III")
            .replace('Ⅳ', "IV")
    } else {
        dementia.to_string()
    };
    let impaired = if u.index % 4 == 3 {
        "null".to_string()
    } else {
        IMPAIRED
            .get(u.impaired)
            .copied()
            .unwrap_or("自立")
            .to_string()
    };
    let phone = if rng.chance(0.5) {
        "000-000-0000".to_string()
    } else {
        "null".to_string()
    };
    // A leading space in a number field.
    let insurer = if u.index % 4 == 2 {
        format!(" {}", u.insurer_no)
    } else {
        u.insurer_no.clone()
    };
    vec![
        format!("{:010}", u.no),
        u.last.into(),
        u.first.into(),
        hiragana(u.last_kana),
        hiragana(u.first_kana),
        if u.male { "男性" } else { "女性" }.into(),
        u.birth.slash0(),
        "000-0000".into(),
        phone,
        insurer,
        u.insured_no.clone(),
        "1".into(),
        level,
        u.certified.slash0(),
        u.period_start.slash0(),
        u.period_end.slash0(),
        impaired,
        dementia,
        u.start.slash0(),
        u.end.map_or_else(|| "null".into(), |d| d.slash0()),
        "null".into(),
        if u.index.is_multiple_of(2) {
            "null"
        } else {
            "見本データ"
        }
        .into(),
    ]
}

fn dummy() -> Vec<String> {
    let mut cells = vec!["null".to_string(); HEADER.len()];
    for (name, v) in [
        ("利用者コード", "9000000001"),
        ("氏名（姓）", "★テスト"),
        ("氏名（名）", "利用者"),
        ("カナ（姓）", "てすと"),
        ("カナ（名）", "りようしゃ"),
    ] {
        if let Some(c) = HEADER
            .iter()
            .position(|h| *h == name)
            .and_then(|i| cells.get_mut(i))
        {
            *c = v.to_string();
        }
    }
    cells
}

pub(super) fn table(seed: u64, f: &Facility) -> Table {
    let mut rng = Rng::derive(seed, &[20, f.index as u64]);
    let mut rows: Vec<Row> = f
        .users
        .iter()
        .map(|u| Row {
            cells: row(u, &mut rng),
            quarantine: None,
        })
        .collect();
    let at = rng.below(rows.len() as u64 + 1) as usize;
    rows.insert(
        at.min(rows.len()),
        Row {
            cells: dummy(),
            quarantine: Some("dummy user"),
        },
    );
    let month = format!("{:04}/{:02}", TODAY.y, TODAY.m);
    Table {
        path: PathBuf::from(format!(
            "kanamic-user/{}_userallfull_{:04}{:02}.csv",
            f.id, TODAY.y, TODAY.m
        )),
        encoding: Encoding::Utf8Bom,
        delimiter: ',',
        preamble: vec![
            vec![
                "事業所番号".into(),
                f.id.clone(),
                "事業所名".into(),
                f.name.clone(),
            ],
            vec!["対象年月".into(), month],
        ],
        header: HEADER.iter().map(|h| h.to_string()).collect(),
        trailer: vec![vec!["合計".into(), rows.len().to_string()]],
        rows,
        quoting: Quoting::All,
    }
}
