//! `honobono-kaigo`: a ほのぼの-like user master (介護保険1.CSV style). CP932, comma, header on
//! line 1, text fields quoted, dates in mixed forms (Western, 昭和/令和 kanji and letters, era
//! codes), 要介護度 with full-width digits, a full-width dash in 認定有効期間－開始日, a header
//! with a trailing full-width space, one dummy user `★会議` per facility.

use std::path::PathBuf;

use super::date::Date;
use super::people::{CARE_LEVELS, DEMENTIA, Facility, IMPAIRED, User};
use super::rng::Rng;
use super::table::{Encoding, Quoting, Row, Spoil, Table};

pub(super) const HEADER: [&str; 23] = [
    "事業所番号",
    "事業所名",
    "利用者番号",
    "氏名（姓）",
    "氏名（名）",
    "フリガナ（姓）",
    "フリガナ（名）",
    "性別",
    "生年月日",
    "保険者番号",
    "保険者",
    "被保険者番号",
    "要介護度",
    "認定年月日",
    "認定有効期間－開始日",
    "認定有効期間－終了日",
    "障害高齢者の日常生活自立度",
    "認知症高齢者の日常生活自立度",
    // The trailing U+3000 is real: ほのぼの headers carry stray full-width spaces.
    "利用開始日\u{3000}",
    "利用終了日",
    "担当ケアマネジャー",
    "支援事業所（正式名称）",
    "負担割合",
];

const QUOTED: [&str; 10] = [
    "事業所名",
    "氏名（姓）",
    "氏名（名）",
    "フリガナ（姓）",
    "フリガナ（名）",
    "性別",
    "保険者",
    "要介護度",
    "担当ケアマネジャー",
    "支援事業所（正式名称）",
];

pub(super) const SPOIL: [(&str, Spoil); 12] = [
    ("生年月日", Spoil::Date),
    ("認定年月日", Spoil::Date),
    ("認定有効期間－開始日", Spoil::Date),
    ("認定有効期間－終了日", Spoil::Date),
    ("利用開始日\u{3000}", Spoil::Date),
    ("要介護度", Spoil::Label(&["要介護６", "要支援３"])),
    ("障害高齢者の日常生活自立度", Spoil::Label(&["J3", "D1"])),
    ("認知症高齢者の日常生活自立度", Spoil::Label(&["Ⅴ", "Ⅱc"])),
    ("性別", Spoil::Label(&["不明"])),
    ("フリガナ（姓）", Spoil::KanjiFrom("氏名（姓）")),
    ("フリガナ（名）", Spoil::KanjiFrom("氏名（名）")),
    ("利用終了日", Spoil::Date),
];

/// A date in the form this user's row uses for this column: the forms rotate over users so
/// that every file has all of them.
fn date_form(d: Date, form: usize) -> String {
    match form % 7 {
        0 => d.slash(),
        1 => d.compact(),
        2 => d.letter_slash(),
        3 => d.kanji(),
        4 => d.letter_spaced(),
        5 => d.dashed(),
        _ => d.letter_dot(),
    }
}

fn row(f: &Facility, u: &User, rng: &mut Rng) -> Vec<String> {
    let k = u.index + f.index;
    // Birthdays rotate over the forms the brief names: 1940/4/1, 19400401, S15/4/1,
    // 昭和15年4月1日 and the space-padded S 15/ 4/ 1.
    let birthday = date_form(u.birth, k % 5);
    let certified = if k % 6 == 5 {
        u.certified.era_code()
    } else {
        date_form(u.certified, k + 1)
    };
    let burden = ["１割", "２割", "３割"][rng.weighted(&[8, 1, 1])];
    vec![
        f.id.clone(),
        f.name.clone(),
        u.no6(),
        u.last.into(),
        u.first.into(),
        u.last_kana.into(),
        u.first_kana.into(),
        if u.male { "男" } else { "女" }.into(),
        birthday,
        u.insurer_no.clone(),
        u.insurer_name.clone(),
        u.insured_no.clone(),
        CARE_LEVELS
            .get(u.care_level)
            .copied()
            .unwrap_or("要介護１")
            .into(),
        certified,
        date_form(u.period_start, k + 2),
        date_form(u.period_end, k + 3),
        IMPAIRED.get(u.impaired).copied().unwrap_or("自立").into(),
        DEMENTIA.get(u.dementia).copied().unwrap_or("自立").into(),
        date_form(u.start, k + 4),
        u.end.map(|d| date_form(d, k + 6)).unwrap_or_default(),
        // 能 ends in the byte 0x5C in CP932 (a backslash to a careless parser).
        "見本 能子".into(),
        // A comma inside a quoted field.
        "見本居宅介護支援センター,本部".into(),
        burden.into(),
    ]
}

fn dummy(f: &Facility) -> Vec<String> {
    let mut cells = vec![String::new(); HEADER.len()];
    let mut set = |name: &str, v: &str| {
        if let Some(c) = HEADER
            .iter()
            .position(|h| *h == name)
            .and_then(|i| cells.get_mut(i))
        {
            *c = v.to_string();
        }
    };
    set("事業所番号", &f.id);
    set("事業所名", &f.name);
    set("利用者番号", "900001");
    set("氏名（姓）", "★会議");
    set("氏名（名）", "室");
    set("フリガナ（姓）", "カイギ");
    cells
}

pub(super) fn table(seed: u64, f: &Facility) -> Table {
    let mut rng = Rng::derive(seed, &[10, f.index as u64]);
    let mut rows: Vec<Row> = f
        .users
        .iter()
        .map(|u| Row {
            cells: row(f, u, &mut rng),
            quarantine: None,
        })
        .collect();
    let at = rng.below(rows.len() as u64 + 1) as usize;
    rows.insert(
        at.min(rows.len()),
        Row {
            cells: dummy(f),
            quarantine: Some("dummy user"),
        },
    );
    Table {
        path: PathBuf::from(format!("honobono-kaigo/{}_介護保険1.CSV", f.id)),
        encoding: Encoding::Cp932,
        delimiter: ',',
        preamble: Vec::new(),
        header: HEADER.iter().map(|h| h.to_string()).collect(),
        rows,
        trailer: Vec::new(),
        quoting: Quoting::Columns(&QUOTED),
    }
}
