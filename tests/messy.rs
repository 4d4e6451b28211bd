//! Messy vendor exports made at random, through `lifeline run`: whatever the quirks, the
//! promises hold — every LIFE file written validates with no error, the counts of the summary,
//! manifest and ledger are the rows in the files on disk, and every row not emitted is in the
//! quarantine with a finding on its vendor file and line.

mod common;

use std::path::Path;
use std::process::Command;

use proptest::prelude::*;

const OFFICE: &str = "1470090018";

const HEADER: &str = "事業所番号,事業所名,利用者番号,氏名（姓）,氏名（名）,フリガナ（姓）,フリガナ（名）,\
性別,生年月日,保険者番号,保険者,被保険者番号,要介護度,認定年月日,認定有効期間－開始日,\
認定有効期間－終了日,障害高齢者の日常生活自立度,認知症高齢者の日常生活自立度,利用開始日　,\
利用終了日,担当ケアマネジャー,支援事業所（正式名称）,負担割合";

/// Each column's values, the clean one first: the row's bytes pick one per column.
const VALUES: [&[&str]; 23] = [
    &[
        OFFICE,
        OFFICE,
        "１４７００９００１８",
        "4070090008",
        "",
        "147009001",
    ],
    &["試験ホーム"],
    &["#", "#", "", "０００#"],
    &["試験", "見本", "★会議", "𠮷田", "改\n行", "NULL", ""],
    &["花子", "太郎", "髙子", "", "null"],
    &["シケン", "しけん", "ｼｹﾝ", "ABC", ""],
    &["ハナコ", "タロウ", "", "テスト\r\nカナ"],
    &["男", "女", "1", "不明", ""],
    &[
        "S15/4/1",
        "昭和15年4月1日",
        "19400401",
        "1940-04-01 00:00:00",
        "R99/13/40",
        "",
        "NULL",
    ],
    &["144501", "14450", "１４４５０１", "144502", ""],
    &["見本市"],
    &["9901000062", "901000062", "9901-000062", "", "ＡＢＣ"],
    &["要介護４", "要支援1", "要介護９", "", "経過的要介護"],
    &[
        "R7/10/19",
        "令和7年10月23日",
        "2026-06-20",
        "2026/02/30",
        "",
    ],
    &[
        "R7/10/19",
        "令和7年10月23日",
        "2026-06-20",
        "2026/02/30",
        "",
    ],
    &[
        "R9/10/18",
        "令和9年10月22日",
        "2028-06-19",
        "2019/01/01",
        "",
    ],
    &["A2", "J1", "Z9", ""],
    &["Ⅲb", "M", "Ⅱ", ""],
    &["2025-05-29", "R4.03.05", "", "2027/01/01"],
    &["", "", "2026-10-31", "2020/01/01"],
    &["見本 能子"],
    &["見本居宅介護支援センター,本部"],
    &["１割"],
];

/// One export: its encoding, lines before the header, line ends, and rows (a byte per column;
/// a row's first byte also picks a whole-row quirk now and then).
#[derive(Debug, Clone)]
struct Export {
    encoding: u8,
    preamble: u8,
    crlf: bool,
    cp932_out: bool,
    rows: Vec<[u8; 23]>,
}

fn export() -> impl Strategy<Value = Export> {
    (
        0u8..3,
        0u8..3,
        any::<bool>(),
        any::<bool>(),
        proptest::collection::vec(any::<[u8; 23]>(), 0..24),
    )
        .prop_map(|(encoding, preamble, crlf, cp932_out, rows)| Export {
            encoding,
            preamble,
            crlf,
            cp932_out,
            rows,
        })
}

fn quoted(v: &str) -> String {
    format!("\"{}\"", v.replace('"', "\"\""))
}

impl Export {
    fn text(&self) -> String {
        let nl = if self.crlf { "\r\n" } else { "\n" };
        let mut lines: Vec<String> = Vec::new();
        for p in 0..self.preamble {
            lines.push(["利用者台帳", "出力日：2026/11/01"][p as usize % 2].to_string());
        }
        lines.push(HEADER.to_string());
        for (n, row) in self.rows.iter().enumerate() {
            match row[0] % 17 {
                15 => lines.push(String::new()),
                16 => lines.push(format!("{OFFICE},試験ホーム,{n}")),
                _ => {
                    let fields: Vec<String> = VALUES
                        .iter()
                        .zip(row)
                        .map(|(vals, b)| {
                            // Mostly the first (clean) value, a quirk one time in eight.
                            let v = if *b < 224 {
                                vals[0]
                            } else {
                                vals[*b as usize % vals.len()]
                            };
                            let user = (100 + n - usize::from(b % 5 == 0 && n > 0)).to_string();
                            quoted(&v.replace('#', &user))
                        })
                        .collect();
                    lines.push(fields.join(","));
                }
            }
        }
        lines.join(nl) + nl
    }

    fn bytes(&self) -> Vec<u8> {
        let text = self.text();
        match self.encoding {
            0 => encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
            1 => text.into_bytes(),
            _ => [b"\xEF\xBB\xBF".as_slice(), text.as_bytes()].concat(),
        }
    }
}

/// Runs a one-office job over the export; returns the month folder and the summary.
fn run(tmp: &Path, e: &Export) -> (std::path::PathBuf, serde_json::Value) {
    std::fs::write(tmp.join("export.CSV"), e.bytes()).unwrap();
    let profile = common::root().join("samples/profiles/honobono-kaigo.toml");
    let job = format!(
        "month = \"2026-10\"\nencoding = \"{}\"\nspec = \"auto\"\n\n[[facility]]\nid = \"{OFFICE}\"\n\
         source = [{{ profile = {:?}, inputs = [\"export.CSV\"] }}]\n",
        if e.cp932_out { "cp932" } else { "utf8" },
        profile.display().to_string(),
    );
    std::fs::write(tmp.join("job.toml"), job).unwrap();
    let out = tmp.join("out");
    let o = Command::new(env!("CARGO_BIN_EXE_lifeline"))
        .args(["run", "--config"])
        .arg(tmp.join("job.toml"))
        .arg("--out")
        .arg(&out)
        .args(["--format", "json", "--log-format", "json"])
        .env_remove("LIFELINE_SCHEMAS")
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        matches!(o.status.code(), Some(0 | 1)),
        "exit {:?}: {stderr}",
        o.status.code()
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    let summary: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(summary["facilities"]["could_not_run"], 0, "{summary:#}");
    (out.join("202610"), summary)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    #[test]
    fn the_promises_hold_on_messy_exports(e in export()) {
        let tmp = tempfile::tempdir().unwrap();
        let (month, summary) = run(tmp.path(), &e);
        common::invariants::check_month(&month, &summary, &tmp.path().join("out/ledger.sqlite"));
    }
}
