//! The synthetic offices and people every layout writes: obviously fake names (見本 一郎,
//! 試験 花子 …), 被保険者番号 starting `99`, 保険者番号 and 事業所番号 with valid check digits.

use super::date::Date;
use super::ids;
use super::rng::Rng;

/// The month the exports are "taken" (対象年月): 令和8年10月.
pub(super) const TODAY: Date = Date::new(2026, 10, 31);

/// (kanji, katakana) family names; 髙 is a CP932 extension character (異体字 of 高).
const FAMILY: [(&str, &str); 10] = [
    ("見本", "ミホン"),
    ("試験", "シケン"),
    ("仮名", "カメイ"),
    ("例題", "レイダイ"),
    ("架空", "カクウ"),
    ("模擬", "モギ"),
    ("検証", "ケンショウ"),
    ("髙見本", "タカミホン"),
    ("雛形", "ヒナガタ"),
    ("様式", "ヨウシキ"),
];

const MALE: [(&str, &str); 8] = [
    ("一郎", "イチロウ"),
    ("次郎", "ジロウ"),
    ("三郎", "サブロウ"),
    ("太郎", "タロウ"),
    ("正", "タダシ"),
    ("清", "キヨシ"),
    ("茂", "シゲル"),
    ("勇", "イサム"),
];

const FEMALE: [(&str, &str); 8] = [
    ("花子", "ハナコ"),
    ("良子", "ヨシコ"),
    ("和子", "カズコ"),
    ("幸子", "サチコ"),
    ("節子", "セツコ"),
    ("千代", "チヨ"),
    ("文子", "フミコ"),
    ("久美", "クミ"),
];

/// Facility names; ソ and 表 end in the byte 0x5C in CP932 (the backslash trap).
const FACILITY_NAMES: [&str; 6] = [
    "見本ケアセンター",
    "試験表示ホーム",
    "架空ソレイユ苑",
    "仮名の里",
    "例題デイサービス",
    "模擬ケアホーム",
];

/// 要介護度 as vendors write it (full-width digits); index = LIFE code order.
pub(super) const CARE_LEVELS: [&str; 7] = [
    "要支援１",
    "要支援２",
    "要介護１",
    "要介護２",
    "要介護３",
    "要介護４",
    "要介護５",
];

/// 障害高齢者の日常生活自立度.
pub(super) const IMPAIRED: [&str; 9] = ["自立", "J1", "J2", "A1", "A2", "B1", "B2", "C1", "C2"];

/// 認知症高齢者の日常生活自立度 (Ⅱ, Ⅲ, Ⅳ are CP932 NEC special characters).
pub(super) const DEMENTIA: [&str; 8] = ["自立", "Ⅰ", "Ⅱa", "Ⅱb", "Ⅲa", "Ⅲb", "Ⅳ", "M"];

/// Prefectures the synthetic offices are in.
const PREFECTURES: [u32; 8] = [13, 14, 27, 1, 23, 40, 26, 47];

pub(super) struct Insurer {
    pub(super) no: String,
    pub(super) name: String,
}

pub(super) struct Facility {
    pub(super) index: usize,
    pub(super) id: String,
    pub(super) name: String,
    pub(super) users: Vec<User>,
}

pub(super) struct User {
    /// 0-based within the facility.
    pub(super) index: usize,
    /// 利用者番号 (the same number in every layout of a facility).
    pub(super) no: u64,
    pub(super) last: &'static str,
    pub(super) first: &'static str,
    pub(super) last_kana: &'static str,
    pub(super) first_kana: &'static str,
    pub(super) male: bool,
    pub(super) birth: Date,
    pub(super) insurer_no: String,
    pub(super) insurer_name: String,
    pub(super) insured_no: String,
    /// Index into [`CARE_LEVELS`].
    pub(super) care_level: usize,
    pub(super) certified: Date,
    pub(super) period_start: Date,
    pub(super) period_end: Date,
    pub(super) impaired: usize,
    pub(super) dementia: usize,
    pub(super) start: Date,
    pub(super) end: Option<Date>,
    /// A resident (施設) rather than a day-service user (通所・居宅).
    pub(super) resident: bool,
}

impl User {
    /// `000101`
    pub(super) fn no6(&self) -> String {
        format!("{:06}", self.no)
    }
}

/// The offices and their users. Everything comes from `seed`; each facility draws from its
/// own generator so that adding users to one does not change another.
pub(super) fn facilities(seed: u64, count: usize, users: usize) -> Vec<Facility> {
    (0..count)
        .map(|f| {
            let mut rng = Rng::derive(seed, &[1, f as u64]);
            let pref = *rng.pick(&PREFECTURES);
            // The index is spread over 郡市区 and serial (9000–9999), so ids never repeat.
            let id = ids::care_facility_id(pref, (f / 1000) as u32, 9000 + (f % 1000) as u32);
            let name = format!("{}{}", rng.pick(&FACILITY_NAMES), f + 1);
            let insurers: Vec<Insurer> = (0..3)
                .map(|i| {
                    let muni = (100 + i * 2 + rng.below(50) as u32 * 10) % 1000;
                    Insurer {
                        no: ids::insurer_no(pref, muni),
                        name: format!("見本市{}", ["東区", "西区", "南区"][i as usize % 3]),
                    }
                })
                .collect();
            let users = (0..users).map(|u| user(seed, f, u, &insurers)).collect();
            Facility {
                index: f,
                id,
                name,
                users,
            }
        })
        .collect()
}

pub(super) fn user(seed: u64, f: usize, u: usize, insurers: &[Insurer]) -> User {
    let mut rng = Rng::derive(seed, &[2, f as u64, u as u64]);
    let male = rng.chance(0.4);
    let (last, last_kana) = *rng.pick(&FAMILY);
    let (first, first_kana) = if male {
        *rng.pick(&MALE)
    } else {
        *rng.pick(&FEMALE)
    };
    // Born 1928–1952: every birthday is in 昭和.
    let birth = Date::new(1928, 1, 1).plus(rng.range(0, 365 * 24));
    let ins = rng.below(insurers.len() as u64) as usize;
    let (insurer_no, insurer_name) = insurers
        .get(ins)
        .map(|i| (i.no.clone(), i.name.clone()))
        .unwrap_or_default();
    // 99 + facility (2) + user (4) + 2 random digits: unique within a facility.
    let insured_no = format!("99{:02}{:04}{:02}", f % 100, u % 10_000, rng.below(100));
    let care_level = rng.weighted(&[1, 1, 2, 3, 4, 3, 2]);
    let period_start = Date::new(2025, 4, 1).plus(rng.range(0, 540));
    let period_end = period_start.plus(365 * rng.range(1, 3) - 1);
    let certified = period_start.plus(-rng.range(3, 25));
    let start = Date::new(2018, 6, 1).plus(rng.range(0, 365 * 8));
    let start = start.min(TODAY.plus(-60));
    let end = (u % 5 == 4).then(|| start.plus(rng.range(30, 400)).min(TODAY.plus(-3)));
    let impaired = rng.range(1, 8) as usize;
    let dementia = rng.range(0, 7) as usize;
    User {
        index: u,
        no: (u as u64).saturating_add(101),
        last,
        first,
        last_kana,
        first_kana,
        male,
        birth,
        insurer_no,
        insurer_name,
        insured_no,
        care_level,
        certified,
        period_start,
        period_end,
        impaired,
        dementia,
        start,
        end,
        resident: u % 3 != 2,
    }
}

/// Katakana → hiragana (カナミック writes カナ in hiragana); other characters unchanged.
pub(super) fn hiragana(s: &str) -> String {
    s.chars()
        .map(|c| {
            if ('\u{30A1}'..='\u{30F6}').contains(&c) {
                char::from_u32(u32::from(c) - 0x60).unwrap_or(c)
            } else {
                c
            }
        })
        .collect()
}

/// ASCII digits → full-width digits (`要介護3` → `要介護３`, `152.5` → `１５２．５`).
pub(super) fn full_width(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '0'..='9' => char::from_u32(u32::from(c) - 0x30 + 0xFF10).unwrap_or(c),
            '.' => '．',
            _ => c,
        })
        .collect()
}

/// Full-width digits → ASCII.
pub(super) fn half_width_digits(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(u32::from(c) - 0xFF10 + 0x30).unwrap_or(c),
            '．' => '.',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn widths_and_kana() {
        assert_eq!(full_width("要介護3"), "要介護３");
        assert_eq!(full_width("152.5"), "１５２．５");
        assert_eq!(half_width_digits("要介護３"), "要介護3");
        assert_eq!(hiragana("ケンショウ"), "けんしょう");
    }

    #[test]
    fn users_are_plausible() {
        for f in facilities(1, 3, 30) {
            for u in &f.users {
                assert_eq!(u.insured_no.len(), 10);
                assert!(u.insured_no.starts_with("99"));
                assert!(u.certified < u.period_start && u.period_start < u.period_end);
                assert!(u.end.is_none_or(|e| e > u.start));
                assert!(u.care_level < CARE_LEVELS.len());
                assert!(u.impaired < IMPAIRED.len() && u.dementia < DEMENTIA.len());
            }
        }
    }
}
