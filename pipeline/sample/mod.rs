//! Synthetic vendor exports: deterministic, obviously fake, in every bundled layout.
//!
//! # Layouts
//!
//! For each of N offices (事業所番号 with a valid check digit, 区分 7, serial 9xxx) and its M
//! users (names such as 見本 一郎 / 試験 花子, 被保険者番号 `99…` of 10 digits, 保険者番号 with a
//! valid check digit), one file per layout. The same people appear in all three user files of
//! an office, under the same 利用者番号 (ほのぼの, assessment: `000101`; カナミック:
//! `0000000101`), and in its `careplan` file under the same 保険者番号 + 被保険者番号.
//! Profiles: `samples/profiles/<layout>.toml` (none for `careplan`, which has no LIFE target).
//!
//! | Layout (folder) | File | Target(s) |
//! |---|---|---|
//! | `honobono-kaigo` | `{事業所番号}_介護保険1.CSV` | SERVICE_USER_INFO (item IDs of 2021, emitted in 3.10 by default), service_code 51, key `U-<利用者番号>` |
//! | `kanamic-user` | `{事業所番号}_userallfull_202610.csv` | SERVICE_USER_INFO 3.10 (version 0310), service_code 15, key `U-<利用者コード>` |
//! | `assessment` | `{事業所番号}_assessment_202610.tsv` | FORM_0000_2021 (`K-<利用者番号>-<評価日>`), FORM_0900_2021 (`A-<利用者番号>-<ADL評価日>`), both 1.00; 3.10 NUTRITION_FEEDING_SWALLOWING_SCREENING_ASSESSMENT_MONITORING_2024 (`N-<利用者番号>-<栄養評価日>`) and NUTRITION_CARE_PLAN_2024 (`P-<利用者番号>-<栄養評価日>`) |
//! | `careplan` | `UPJSK_202610_{事業所番号}_15_{居宅介護支援事業所番号}_43_20261105093000.CSV` | none: ケアプランデータ連携 4.1 第6表 実績, who was served on which day (one record per user × 利用日 × サービスコード, key 保険者番号 + 被保険者番号); every user of the masters, and two served users in no master (被保険者番号 digits 5–8 `9900`, `9901`) |
//!
//! Quirks every file has:
//!
//! - **honobono-kaigo**: CP932, CRLF, comma; header on line 1; text fields quoted, numbers and
//!   dates not; a quoted field with a comma; `認定有効期間－開始日` (U+FF0D); `利用開始日　`
//!   (trailing U+3000); 生年月日 rotating over `1940/4/1`, `19400401`, `S15/4/1`,
//!   `昭和15年4月1日`, `S 15/ 4/ 1`; other dates also `2026-04-01`, `R8.04.01`, `令和8年4月1日`,
//!   7-digit era codes (`5080506`); 要介護度 with full-width digits (`要介護３`); 自立度 `A2`,
//!   `Ⅲb`; 負担割合 `１割`; 能 and 表 (CP932 trail byte 0x5C); 髙 (CP932 extension); one dummy
//!   user `★会議` at a random row.
//! - **kanamic-user**: UTF-8 with BOM, CRLF, every field quoted; preamble line 1
//!   `"事業所番号","<id>","事業所名","<name>"`, line 2 `"対象年月","2026/10"`; header on line
//!   3 (`障害高齢者自立度 ` with a trailing space); カナ in hiragana; dates `YYYY/MM/DD`;
//!   要介護度区分 `要介護3` / `要介護４`; 認知症自立度 as `Ⅱa` or ASCII `IIa`; literal `null`;
//!   電話番号 `000-000-0000`; a leading space in 介護保険者番号; a dummy user `★テスト`;
//!   trailer `"合計","<rows>"`.
//! - **assessment**: CP932, CRLF, tab; title line `アセスメント一覧<TAB>出力日：令和8年10月31日`,
//!   header on line 2; 評価日 `令和8年10月7日` / `R8.04.23`; ADL評価日 `2026/10/06`;
//!   栄養評価日 `2026-10-06` / `令和8年10月3日`; Barthel points per item (full-width `１０`
//!   for every 4th user); DBD13 and Vitality Index labels; 身長/体重 with full-width digits
//!   (`１５４．３`) for every 3rd user; `-` for not applicable; `２～３時間程度` (U+FF5E);
//!   施設 (51) and 通所・居宅 (15) rows, each with its own 口腔 columns; 栄養補給法 twice (科学的介護推進's
//!   for every 施設 resident, the 3.10 nutrition form's `-` for those fed by mouth only); a
//!   一体的取り組み column and a 栄養ケア計画 (作成日, 初回作成日, 長期目標, 分類, 短期目標, 内容); users 1, 4, 7 … have
//!   two evaluations (April: ADL維持等 初月, October: ７ヶ月目); a dummy user `★会議`.
//! - **careplan**: CP932, CRLF, comma, no header row, 25 fields per record; only the names
//!   (No.7 プラン担当者名 `見本 能子`, No.21 サービス事業所名) quoted; CSVバージョン `202407`,
//!   対象年月 `202610`, 作成年月日 `20261105`; sender the office (サービス種類 15), receiver one
//!   fictional 居宅介護支援事業所 (43) per office, 事業所番号 serial 8xxx (never an office); users
//!   come 1–3 fixed weekdays (Mon–Sat), now and then a day missed, 7 hours a day: 通所介護
//!   `15116x` (x = 要介護度, 要支援 as 1) and for some 入浴介助加算(Ⅰ) `155011` on the same days.
//!   The dummy user is not served. The two extra served users are in no user master of the
//!   office (`lifeline run` can tell them: served this month, no LIFE record): 被保険者番号
//!   `99` + office (2) + `9900`/`9901` + 2 digits, 保険者番号 of the office's prefecture.
//!
//! Designed values: users 2 (入浴) and 5 (整容) of every office score 0 points on their last
//! evaluation — 全介助 or 一部介助, which points cannot tell apart. All other 整容/入浴 values
//! are 5. Every ◎ item, every ○ item and every ● item whose condition holds is filled (also
//! with the claim 科学的介護推進体制加算(Ⅱ)), so apart from the designed findings the LIFE files
//! validate clean.
//!
//! # Designed findings of the bundled files (`BUNDLED`, under `samples/vendor/`)
//!
//! | File | Line | Finding |
//! |---|---|---|
//! | `honobono-kaigo/1470090018_介護保険1.CSV` | 5 | quarantined: dummy user (`★会議`) |
//! | `honobono-kaigo/4070090008_介護保険1.CSV` | 3 | quarantined: dummy user (`★会議`) |
//! | `kanamic-user/1470090018_userallfull_202610.csv` | 4 | quarantined: dummy user (`★テスト`) |
//! | `kanamic-user/4070090008_userallfull_202610.csv` | 5 | quarantined: dummy user (`★テスト`) |
//! | `assessment/1470090018_assessment_202610.tsv` | 6 | `ingest.barthel_ambiguous` 入浴 = 0 → barthel_index_bathing |
//! | `assessment/1470090018_assessment_202610.tsv` | 10 | `ingest.barthel_ambiguous` 整容 = 0 → barthel_index_personal_hygiene_and_adjustment |
//! | `assessment/1470090018_assessment_202610.tsv` | 14 | quarantined: dummy user (`★会議`) |
//! | `assessment/4070090008_assessment_202610.tsv` | 6 | `ingest.barthel_ambiguous` 入浴 = 0 |
//! | `assessment/4070090008_assessment_202610.tsv` | 10 | `ingest.barthel_ambiguous` 整容 = 0 |
//! | `assessment/4070090008_assessment_202610.tsv` | 14 | quarantined: dummy user (`★会議`) |
//!
//! Each ambiguous cell feeds two targets (FORM_0000_2021 and FORM_0900_2021), so it gives two
//! `ingest.barthel_ambiguous` errors on its line; the ○ item it leaves empty is not reported
//! again as missing (one finding per root cause). Nothing else: no other error or warning in
//! any file. Rows: honobono 9 read = 8 kept + 1 quarantined; kanamic
//! 9 = 8 + 1 (preamble and trailer are not rows); assessment 12 = 11 + 1. `tests/sample_gen.rs`
//! checks this list and that ingesting gives exactly these findings.
//!
//! # `dirty`
//!
//! Each spoilable value is made wrong with probability `dirty` (rows of dummy users, empty
//! cells and placeholders are left alone); [`generate_with_expected`] lists each one:
//!
//! - `ingest.date`: `2026/13/45`, `令和8年2月30日`, `R8.13.01`, `2026-02-30`, `1945/0/12` in date
//!   columns (ほのぼの and カナミック dates; assessment 前回評価日, 誤嚥性肺炎評価日);
//! - `ingest.label`: `要介護６`, `要支援３`, `未認定申請中`, `J3`, `D1`, `Ⅴ`, `Ⅱc`, 性別 `不明`,
//!   DBD13 / Vitality Index `たまにある` or `不明`;
//! - `ingest.kana`: the kanji name in a フリガナ/カナ column;
//! - `ingest.barthel`: `7`, `12`, `3` points;
//! - `ingest.number`: 身長/体重 `150cm`, `百五十`, `約45`.
//!
//! Keys (利用者番号, 評価日, ADL評価日, 栄養評価日), 事業所番号 and identifiers are never spoilt,
//! and the `careplan` files are never spoilt at all.

mod assessment;
mod careplan;
mod date;
mod honobono;
mod ids;
mod job;
mod kanamic;
mod people;
mod rng;
mod table;

use std::path::{Path, PathBuf};

pub use job::{MONTH, job_files};
use rng::Rng;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Options {
    /// Offices; each gets one file per layout.
    pub facilities: usize,
    /// Users per office (the dummy user comes on top).
    pub users: usize,
    pub seed: u64,
    /// Share (0.0–1.0) of the spoilable values made wrong on purpose.
    pub dirty: f64,
}

/// The options of the bundled samples under `samples/vendor/`.
pub const BUNDLED: Options = Options {
    facilities: 2,
    users: 8,
    seed: 2026,
    dirty: 0.0,
};

/// One generated vendor file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleFile {
    /// Relative, e.g. `honobono-kaigo/1370100018_介護保険1.CSV`.
    pub path: PathBuf,
    pub bytes: Vec<u8>,
}

/// A finding ingesting a generated file must report: designed (dummy users, ambiguous Barthel
/// points) or put in by `dirty`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Expected {
    pub path: PathBuf,
    /// Physical 1-based line.
    pub line: u64,
    /// The vendor column as written in the header; empty for a whole row.
    pub column: String,
    /// The ingest rule: `ingest.quarantined`, `ingest.barthel_ambiguous`, `ingest.date`,
    /// `ingest.label`, `ingest.kana`, `ingest.barthel`, `ingest.number`.
    pub rule: &'static str,
    /// The value written (the skip reason for a quarantined row).
    pub value: String,
    /// True for the findings every file has; false for the ones `dirty` put in.
    pub designed: bool,
}

/// The files for `opts`: per facility, the ほのぼの user master, the カナミック user master,
/// the assessment export and the 第6表 実績 (UPJSK). Same options → same bytes.
pub fn generate(opts: &Options) -> Vec<SampleFile> {
    generate_with_expected(opts).0
}

/// [`generate`], and the findings ingesting the files must report.
pub fn generate_with_expected(opts: &Options) -> (Vec<SampleFile>, Vec<Expected>) {
    let dirty = if opts.dirty.is_nan() {
        0.0
    } else {
        opts.dirty.clamp(0.0, 1.0)
    };
    let facilities = people::facilities(opts.seed, opts.facilities, opts.users);
    let placeholder = people::user(opts.seed, 0, 0, &[]);
    let mut files = Vec::with_capacity(facilities.len() * 4);
    let mut expected = Vec::new();
    for f in &facilities {
        let assessment_spoil = assessment::spoilable();
        let layouts = [
            (
                honobono::table(opts.seed, f),
                honobono::SPOIL.to_vec(),
                &[][..],
            ),
            (
                kanamic::table(opts.seed, f),
                kanamic::SPOIL.to_vec(),
                &kanamic::PLACEHOLDERS[..],
            ),
            (
                assessment::table(opts.seed, f, &placeholder),
                assessment_spoil,
                &assessment::PLACEHOLDERS[..],
            ),
        ];
        for (n, (mut t, spoil, placeholders)) in layouts.into_iter().enumerate() {
            let mut dirt = Rng::derive(opts.seed, &[90, f.index as u64, n as u64]);
            t.quarantined(&mut expected);
            t.spoil(&mut dirt, dirty, &spoil, placeholders, &mut expected);
            ambiguous_barthel(&t, &mut expected);
            files.push(t.render());
        }
        files.push(careplan::file(opts.seed, f));
    }
    expected.sort_by(|a, b| {
        (&a.path, a.line, &a.column, a.rule).cmp(&(&b.path, b.line, &b.column, b.rule))
    });
    (files, expected)
}

/// 整容 and 入浴 at 0 points (全介助 or 一部介助: the points cannot say which).
fn ambiguous_barthel(t: &table::Table, out: &mut Vec<Expected>) {
    for name in ["整容", "入浴"] {
        let Some(c) = t.column(name) else { continue };
        for (i, r) in t.rows.iter().enumerate() {
            let v = r.cells.get(c).map(|v| v.trim()).unwrap_or("");
            if r.quarantine.is_none() && (v == "0" || v == "０") {
                out.push(Expected {
                    path: t.path.clone(),
                    line: t.line_of(i),
                    column: name.to_string(),
                    rule: "ingest.barthel_ambiguous",
                    value: v.to_string(),
                    designed: true,
                });
            }
        }
    }
}

/// Writes the files under `dir`, creating folders.
pub fn write_to(dir: &Path, files: &[SampleFile]) -> std::io::Result<()> {
    for f in files {
        let path = dir.join(&f.path);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent)?;
        }
        std::fs::write(&path, &f.bytes)?;
    }
    Ok(())
}
