//! `careplan`: ケアプランデータ連携標準仕様 4.1 第6表 実績 (UPJSK), the file a 通所介護 office
//! sends back to the 居宅介護支援事業所 after the month: which services each user actually got
//! (`schemas/careplan-4.1/`). CP932, CRLF, comma, **no header row**, 25 fields per record, the
//! names (No.7 プラン担当者名, No.21 サービス事業所名) in double quotes and nothing else; one
//! record per user × サービス利用日 × サービスコード.
//!
//! Sender: the generated office (サービス種類 `15`). Receiver: one fictional 居宅介護支援事業所
//! (サービス種類 `43`) per office, 事業所番号 with serial 8xxx, so it is never a generated
//! office (those are 9xxx). Served: every user of the office's user masters (the dummy user is
//! not one), and two more who are in none of them ([`EXTRA_SERIAL`]).

use std::collections::BTreeSet;
use std::path::PathBuf;

use chrono::{Datelike, NaiveDate, Weekday};

use super::SampleFile;
use super::ids;
use super::job::MONTH;
use super::people::Facility;
use super::rng::Rng;
use super::table::push_field;

/// CSVバージョン of edition 4.1.
const CSV_VERSION: &str = "202407";
/// サービス種類 of the sender (通所介護) and of the receiver (居宅介護支援).
const SENDER_KIND: &str = "15";
const RECEIVER_KIND: &str = "43";
/// The fields of a record (UPPLAN/UPJSK layout).
const FIELDS: usize = 25;
/// 0-based fields written in double quotes: No.7 プラン担当者名, No.21 サービス事業所名.
const QUOTED: [usize; 2] = [6, 20];
/// The care manager of every generated user (ほのぼの's 担当ケアマネジャー); 能 ends in the byte
/// 0x5C in CP932.
const CARE_MANAGER: &str = "見本 能子";
/// The serial digits (5th to 8th of the 被保険者番号) of the two served users who are in no
/// user master: `99` + office (2) + `9900`/`9901` + 2 random digits. An office with more than
/// 9,900 users would take the next serial no user of it has.
pub(super) const EXTRA_SERIAL: u32 = 9900;
/// How many served users are in no user master.
pub(super) const EXTRAS: usize = 2;
/// 入浴介助加算(Ⅰ), 40 units a day.
const BATH: (&str, u32) = ("155011", 40);
/// 通所介護 (通常規模型, 7時間以上8時間未満) units for 要介護1–5.
const BASE_UNITS: [u32; 5] = [658, 777, 900, 1023, 1148];
/// (開始, 終了) of a day: seven hours.
const TIMES: [(&str, &str); 3] = [("0900", "1600"), ("0930", "1630"), ("1000", "1700")];
/// The days a user may come (通所介護 is closed on Sundays here).
const WEEKDAYS: [Weekday; 6] = [
    Weekday::Mon,
    Weekday::Tue,
    Weekday::Wed,
    Weekday::Thu,
    Weekday::Fri,
    Weekday::Sat,
];

/// The month of [`MONTH`] and the day the file is made (the 5th of the next month, 09:30:00).
struct Dates {
    first: NaiveDate,
    made: NaiveDate,
}

impl Dates {
    fn new() -> Self {
        let first = NaiveDate::parse_from_str(&format!("{MONTH}-01"), "%Y-%m-%d")
            .expect("sample::MONTH is YYYY-MM");
        let made = first
            .checked_add_months(chrono::Months::new(1))
            .and_then(|d| d.with_day(5))
            .expect("a calendar day");
        Dates { first, made }
    }

    /// `202610`
    fn month(&self) -> String {
        self.first.format("%Y%m").to_string()
    }

    /// Every day of the month.
    fn days(&self) -> impl Iterator<Item = NaiveDate> + '_ {
        self.first
            .iter_days()
            .take_while(|d| d.month() == self.first.month())
    }
}

/// One served person: 保険者番号, 被保険者番号, 要介護度 (index into `people::CARE_LEVELS`).
struct Served {
    insurer_no: String,
    insured_no: String,
    care_level: usize,
}

/// The 事業所番号 of the 居宅介護支援事業所 an office sends its 実績 to: the office's
/// prefecture and 郡市区, serial 8000 + the office's serial (offices use 9xxx).
pub(super) fn receiver_id(f: &Facility) -> String {
    let pref = f.id.get(..2).and_then(|p| p.parse().ok()).unwrap_or(13u32);
    ids::care_facility_id(
        pref,
        (f.index / 1000) as u32,
        8000 + (f.index % 1000) as u32,
    )
}

/// The two served users who are in no user master of the office: 被保険者番号 `99` + office
/// (2) + serial [`EXTRA_SERIAL`] + k (4) + 2 random digits, a 保険者番号 of the office's
/// prefecture with a valid check digit.
fn extras(seed: u64, f: &Facility) -> Vec<Served> {
    let taken: BTreeSet<&str> = f
        .users
        .iter()
        .filter_map(|u| u.insured_no.get(..8))
        .collect();
    let pref: u32 = f.id.get(..2).and_then(|p| p.parse().ok()).unwrap_or(13);
    let mut serial = EXTRA_SERIAL;
    (0..EXTRAS)
        .map(|k| {
            let mut rng = Rng::derive(seed, &[41, f.index as u64, k as u64]);
            let mut prefix = format!("99{:02}{:04}", f.index % 100, serial % 10_000);
            while taken.contains(prefix.as_str()) {
                serial += 1;
                prefix = format!("99{:02}{:04}", f.index % 100, serial % 10_000);
            }
            serial += 1;
            let muni = (100 + rng.below(50) as u32 * 10 + 8) % 1000;
            Served {
                insurer_no: ids::insurer_no(pref, muni),
                insured_no: format!("{prefix}{:02}", rng.below(100)),
                care_level: rng.weighted(&[0, 0, 2, 3, 4, 3, 2]),
            }
        })
        .collect()
}

/// The records of one served person: the days they came, the base service and, for those who
/// bathe at the office, 入浴介助加算 on each of those days.
fn records(
    rng: &mut Rng,
    f: &Facility,
    receiver: &str,
    p: &Served,
    dates: &Dates,
    out: &mut Vec<[String; FIELDS]>,
) {
    // 1 to 3 fixed weekdays, and now and then a day missed.
    let per_week = 1 + rng.weighted(&[2, 4, 3]);
    let mut weekdays: Vec<Weekday> = Vec::with_capacity(per_week);
    while weekdays.len() < per_week {
        let d = *rng.pick(&WEEKDAYS);
        if !weekdays.contains(&d) {
            weekdays.push(d);
        }
    }
    let bathes = rng.chance(0.6);
    let (start, end) = *rng.pick(&TIMES);
    let mut days: Vec<NaiveDate> = Vec::new();
    let mut first_possible = None;
    for d in dates.days().filter(|d| weekdays.contains(&d.weekday())) {
        first_possible.get_or_insert(d);
        if !rng.chance(0.1) {
            days.push(d);
        }
    }
    if days.is_empty() {
        days.extend(first_possible);
    }
    // 要支援 is served as 要介護1 here (the file is 通所介護 only).
    let level = p.care_level.saturating_sub(2).min(BASE_UNITS.len() - 1);
    let base = (
        format!("15116{}", level + 1),
        BASE_UNITS.get(level).copied().unwrap_or(658),
    );
    for d in days {
        let mut services = vec![base.clone()];
        if bathes {
            services.push((BATH.0.to_string(), BATH.1));
        }
        for (code, units) in services {
            out.push([
                CSV_VERSION.into(),
                p.insurer_no.clone(),
                p.insured_no.clone(),
                dates.made.format("%Y%m%d").to_string(),
                dates.month(),
                receiver.into(),
                CARE_MANAGER.into(),
                units.to_string(),
                String::new(),
                d.format("%Y%m%d").to_string(),
                String::new(),
                start.into(),
                end.into(),
                "1".into(),
                code,
                String::new(),
                String::new(),
                String::new(),
                String::new(),
                f.id.clone(),
                f.name.clone(),
                String::new(),
                "0".into(),
                f.id.clone(),
                String::new(),
            ]);
        }
    }
}

/// `careplan/UPJSK_<対象年月>_<office>_15_<receiver>_43_<YYYYMMDDHHMMSS>.CSV`: the office's
/// 第6表 実績 of the month, its users in master order, then the two who are in no master.
pub(super) fn file(seed: u64, f: &Facility) -> SampleFile {
    let dates = Dates::new();
    let receiver = receiver_id(f);
    // Each person draws from their own generator (users by index, the extras by k), so one
    // more user adds that user's records and changes no one else's.
    let users = f.users.iter().map(|u| {
        let p = Served {
            insurer_no: u.insurer_no.clone(),
            insured_no: u.insured_no.clone(),
            care_level: u.care_level,
        };
        (p, Rng::derive(seed, &[40, f.index as u64, u.index as u64]))
    });
    let extras = extras(seed, f)
        .into_iter()
        .enumerate()
        .map(|(k, p)| (p, Rng::derive(seed, &[42, f.index as u64, k as u64])));
    let mut rows = Vec::new();
    for (p, mut rng) in users.chain(extras) {
        records(&mut rng, f, &receiver, &p, &dates, &mut rows);
    }
    let mut text = String::new();
    for r in &rows {
        for (i, v) in r.iter().enumerate() {
            if i > 0 {
                text.push(',');
            }
            push_field(&mut text, v, QUOTED.contains(&i));
        }
        text.push_str("\r\n");
    }
    let stamp = format!("{}093000", dates.made.format("%Y%m%d"));
    SampleFile {
        path: PathBuf::from(format!(
            "careplan/UPJSK_{}_{}_{SENDER_KIND}_{receiver}_{RECEIVER_KIND}_{stamp}.CSV",
            dates.month(),
            f.id
        )),
        bytes: encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sample::people;
    use crate::spec::rules::CheckScheme;
    use crate::validate::values::check_digit;

    fn lines(f: &SampleFile) -> Vec<Vec<String>> {
        let (t, _, bad) = encoding_rs::SHIFT_JIS.decode(&f.bytes);
        assert!(!bad);
        t.split_terminator("\r\n")
            .map(|l| {
                let mut out = Vec::new();
                let mut cur = String::new();
                let mut quoted = false;
                for c in l.chars() {
                    match c {
                        '"' => quoted = !quoted,
                        ',' if !quoted => out.push(std::mem::take(&mut cur)),
                        _ => cur.push(c),
                    }
                }
                out.push(cur);
                out
            })
            .collect()
    }

    #[test]
    fn receivers_are_valid_and_never_an_office() {
        let fs = people::facilities(3, 1200, 0);
        let offices: BTreeSet<&str> = fs.iter().map(|f| f.id.as_str()).collect();
        let mut receivers = BTreeSet::new();
        for f in &fs {
            let r = receiver_id(f);
            assert_eq!(check_digit(CheckScheme::CareFacilityId, &r), None, "{r}");
            assert!(!offices.contains(r.as_str()), "{r}");
            assert_eq!(&r[..2], &f.id[..2]);
            receivers.insert(r);
        }
        assert_eq!(receivers.len(), fs.len(), "one receiver per office");
    }

    #[test]
    fn extras_are_in_no_master_and_valid() {
        for f in people::facilities(9, 3, 20) {
            let masters: BTreeSet<&str> = f.users.iter().map(|u| u.insured_no.as_str()).collect();
            let xs = extras(9, &f);
            assert_eq!(xs.len(), EXTRAS);
            for (k, x) in xs.iter().enumerate() {
                assert!(!masters.contains(x.insured_no.as_str()));
                assert_eq!(x.insured_no.len(), 10);
                assert_eq!(&x.insured_no[..2], "99");
                assert_eq!(x.insured_no[4..8], format!("{}", EXTRA_SERIAL as usize + k));
                assert_eq!(check_digit(CheckScheme::InsurerNo, &x.insurer_no), None);
            }
        }
    }

    #[test]
    fn extras_skip_a_serial_a_user_has() {
        // An office of 9,902 users has serials 9900 and 9901 already.
        let f = people::facilities(1, 1, 9_902).remove(0);
        let xs = extras(1, &f);
        assert_eq!(&xs[0].insured_no[4..8], "9902");
        assert_eq!(&xs[1].insured_no[4..8], "9903");
    }

    #[test]
    fn records_follow_the_layout() {
        let f = people::facilities(5, 1, 6).remove(0);
        let file = file(5, &f);
        let rows = lines(&file);
        assert!(!rows.is_empty());
        let mut keys = BTreeSet::new();
        for r in &rows {
            assert_eq!(r.len(), FIELDS);
            assert_eq!(r[0], "202407");
            assert_eq!(r[4], "202610");
            assert!(r[9].starts_with("202610") && r[9].len() == 8);
            assert!(r[11] < r[12]);
            assert!(r[14].starts_with("15") && r[14].len() == 6);
            assert_eq!((&r[19], &r[23]), (&f.id, &f.id));
            assert!(keys.insert((r[1].clone(), r[2].clone(), r[9].clone(), r[14].clone())));
        }
        let served: BTreeSet<&str> = rows.iter().map(|r| r[2].as_str()).collect();
        assert_eq!(served.len(), 6 + EXTRAS);
    }
}
