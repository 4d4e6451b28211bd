//! `assessment`: an assessment export with Japanese column labels, one row per evaluation. CP932,
//! tab-separated, a title line before the header, 評価日 in 令和 (`令和8年10月15日`,
//! `R8.10.15`), Barthel Index points per item, DBD13 and Vitality Index labels, 身長/体重 with
//! full-width digits for some users, `-` for "not applicable", one dummy user `★会議` per
//! facility. It feeds FORM_0000_2021, FORM_0900_2021 (1.00: lifeline knows no complete 3.10 form
//! of them) and, in 3.10, NUTRITION_FEEDING_SWALLOWING_SCREENING_ASSESSMENT_MONITORING_2024
//! and NUTRITION_CARE_PLAN_2024.

use std::path::PathBuf;

use super::date::Date;
use super::people::{CARE_LEVELS, DEMENTIA, Facility, IMPAIRED, TODAY, User, full_width};
use super::rng::Rng;
use super::table::{Encoding, Quoting, Row, Spoil, Table};

/// The Barthel Index columns and the points each level is worth (LIFE codes 0, 1, 2, 3 in
/// order; 整容 and 入浴 give 0 points for both 全介助 and 一部介助).
pub(super) const BARTHEL: [(&str, &[u32]); 10] = [
    ("食事", &[0, 5, 10]),
    ("移乗", &[0, 5, 10, 15]),
    ("整容", &[0, 0, 5]),
    ("トイレ動作", &[0, 5, 10]),
    ("入浴", &[0, 0, 5]),
    ("平地歩行", &[0, 5, 10, 15]),
    ("階段昇降", &[0, 5, 10]),
    ("更衣", &[0, 5, 10]),
    ("排便コントロール", &[0, 5, 10]),
    ("排尿コントロール", &[0, 5, 10]),
];

const DBD13: [&str; 13] = [
    "同じことを何度も何度も聞く",
    "よく物をなくしたり、置き場所を間違えたり、隠したりする",
    "日常的な物事に関心を示さない",
    "特別な事情がないのに夜中起き出す",
    "特別な根拠もないのに人に言いがかりをつける",
    "昼間、寝てばかりいる",
    "やたらに歩きまわる",
    "同じ動作をいつまでも繰り返す",
    "口汚くののしる",
    "場違いあるいは季節に合わない不適切な服装をする",
    "世話をされるのを拒否する",
    "物を貯め込む",
    "引き出しや箪笥の中身をみんな出してしまう",
];
const DBD13_LEVELS: [&str; 5] = [
    "全くない",
    "ほとんどない",
    "ときどきある",
    "よくある",
    "常にある",
];

/// Vitality Index: (column, the three levels 0–2).
const VITALITY: [(&str, [&str; 3]); 5] = [
    (
        "VI_起床",
        [
            "自分から起床することはない",
            "起こさないと起床しないことがある",
            "いつも定時に起床している",
        ],
    ),
    (
        "VI_意思疎通",
        [
            "反応がない",
            "挨拶、呼びかけに対して返答や笑顔がみられる",
            "自分から挨拶する、話し掛ける",
        ],
    ),
    (
        "VI_食事",
        [
            "食事に関心がない、全く食べようとしない",
            "促されると食べようとする",
            "自分から進んで食べようとする",
        ],
    ),
    (
        "VI_排せつ",
        [
            "排せつに全く関心がない",
            "時々、尿意便意を伝える",
            "いつも自ら便意尿意を伝える、あるいは自分で排尿、排便を行う",
        ],
    ),
    (
        "VI_リハビリ・活動",
        [
            "拒否、無関心",
            "促されて向かう",
            "自らリハビリに向かう、活動を求める",
        ],
    ),
];

const EATING_STATUS: [&str; 11] = [
    "口腔衛生",
    "摂食・嚥下",
    "安定した正しい姿勢が自分で取れない",
    "食事に集中することができない",
    "食事中に傾眠や意識混濁がある",
    "歯（義歯）のない状態で食事をしている",
    "食べ物を口腔内に溜め込む",
    "固形の食べ物を咀しゃく中にむせる",
    "食後、頬の内側や口腔内に残渣がある",
    "水分でむせる",
    "食事中、食後に咳をすることがある",
];

const CARE_ISSUES: [&str; 13] = [
    "課題_褥瘡",
    "課題_生活機能低下",
    "課題_嘔気・嘔吐",
    "課題_下痢",
    "課題_便秘",
    "課題_浮腫",
    "課題_脱水",
    "課題_感染",
    "課題_発熱",
    "課題_閉じこもり",
    "課題_うつ",
    "課題_認知症",
    "課題_薬の影響",
];

const BAD_LABELS: &[&str] = &["たまにある", "不明"];

/// Columns `dirty` may spoil.
pub(super) fn spoilable() -> Vec<(&'static str, Spoil)> {
    let mut v: Vec<(&str, Spoil)> = BARTHEL.iter().map(|(h, _)| (*h, Spoil::Barthel)).collect();
    v.extend([
        ("身長", Spoil::Number),
        ("体重", Spoil::Number),
        ("前回評価日", Spoil::Date),
        ("誤嚥性肺炎評価日", Spoil::Date),
        ("要介護度", Spoil::Label(&["要介護６"])),
        ("障害高齢者の日常生活自立度", Spoil::Label(&["J3"])),
    ]);
    v.extend(DBD13.iter().map(|h| (*h, Spoil::Label(BAD_LABELS))));
    v.extend(VITALITY.iter().map(|(h, _)| (*h, Spoil::Label(BAD_LABELS))));
    v
}

/// The values that mean "not applicable" in this export.
pub(super) const PLACEHOLDERS: [&str; 1] = ["-"];

/// One evaluation of one user.
struct Visit {
    date: Date,
    last: Option<Date>,
    first_month: bool,
    seventh_month: bool,
    process: &'static str,
    /// 入浴 / 整容 at 0 points: the designed ambiguous Barthel values.
    bath_zero: bool,
    groom_zero: bool,
}

/// A row under construction: (column, value) in column order.
struct Cells(Vec<(&'static str, String)>);

impl Cells {
    fn put(&mut self, h: &'static str, v: impl Into<String>) {
        self.0.push((h, v.into()));
    }
}

fn yes(b: bool) -> &'static str {
    if b { "有り" } else { "無し" }
}

fn applies(b: bool) -> &'static str {
    if b { "該当有り" } else { "該当無し" }
}

/// One decimal.
fn d1(x: f64) -> String {
    format!("{x:.1}")
}

/// A value rounded to one decimal (as written) and read back.
fn r1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

fn visits(u: &User, users: usize, rng: &mut Rng) -> Vec<Visit> {
    let october = Date::new(2026, 10, 1).plus(rng.range(0, 27));
    let bath_zero = u.index == 2.min(users.saturating_sub(1));
    let groom_zero = u.index == 5;
    if u.index % 3 == 1 {
        // ADL維持等: the first month (April) and the seventh (October).
        let april = Date::new(2026, 4, 1).plus(rng.range(0, 27));
        vec![
            Visit {
                date: april,
                last: None,
                first_month: true,
                seventh_month: false,
                process: "スクリーニング",
                bath_zero: false,
                groom_zero: false,
            },
            Visit {
                date: october,
                last: Some(april),
                first_month: false,
                seventh_month: true,
                process: "モニタリング",
                bath_zero,
                groom_zero,
            },
        ]
    } else {
        vec![Visit {
            date: october,
            last: None,
            first_month: false,
            seventh_month: false,
            process: "アセスメント",
            bath_zero,
            groom_zero,
        }]
    }
}

fn cells(f: &Facility, u: &User, v: &Visit, nth: usize, rng: &mut Rng) -> Cells {
    let mut c = Cells(Vec::with_capacity(140));
    let resident = u.resident;
    let na = "-";
    c.put("事業所番号", f.id.clone());
    c.put("事業所名", f.name.clone());
    // 表 ends in the byte 0x5C in CP932.
    c.put("様式", "アセスメント表");
    c.put("利用者番号", u.no6());
    c.put("利用者氏名", format!("{}\u{3000}{}", u.last, u.first));
    c.put("保険者番号", u.insurer_no.clone());
    c.put("被保険者番号", u.insured_no.clone());
    c.put(
        "サービス種類",
        if resident {
            "介護福祉施設サービス"
        } else {
            "通所介護"
        },
    );
    c.put(
        "施設区分",
        if resident {
            "施設"
        } else {
            "通所・居宅"
        },
    );
    c.put(
        "要介護度",
        CARE_LEVELS.get(u.care_level).copied().unwrap_or("要介護１"),
    );
    c.put(
        "評価日",
        if (u.index + nth).is_multiple_of(2) {
            v.date.kanji()
        } else {
            v.date.letter_dot()
        },
    );
    c.put("前回評価日", v.last.map(Date::kanji).unwrap_or_default());
    c.put(
        "記入者職種",
        *rng.pick(&["介護福祉士", "看護師", "介護支援専門員", "理学療法士"]),
    );
    c.put(
        "記入者名",
        *rng.pick(&["見本 職員", "試験 記入者", "仮名 担当"]),
    );
    c.put(
        "障害高齢者の日常生活自立度",
        IMPAIRED.get(u.impaired).copied().unwrap_or("自立"),
    );
    c.put(
        "認知症高齢者の日常生活自立度",
        DEMENTIA.get(u.dementia).copied().unwrap_or("自立"),
    );

    // 同居家族等: 01 says whether any of the others is 有り.
    let (spouse, child, other) = (rng.chance(0.3), rng.chance(0.35), rng.chance(0.1));
    c.put("同居家族等の有無", yes(spouse || child || other));
    c.put("同居家族（配偶者）", yes(spouse));
    c.put("同居家族（子）", yes(child));
    c.put("同居家族（その他）", yes(other));
    c.put(
        "家族等が介護できる時間",
        if spouse || child || other {
            // ～ is U+FF5E, what CP932 0x8160 decodes to.
            *rng.pick(&[
                "ほとんど終日",
                "半日程度",
                "２～３時間程度",
                "必要な時に手をかす程度",
            ])
        } else {
            "その他"
        },
    );

    // ADL (Barthel Index, points).
    let adl_date = v.date.plus(-rng.range(0, 3));
    c.put("ADL評価日", adl_date.slash0());
    let wide = u.index % 4 == 3;
    for (name, points) in BARTHEL {
        let p = match name {
            "整容" => {
                if v.groom_zero {
                    0
                } else {
                    5
                }
            }
            "入浴" => {
                if v.bath_zero {
                    0
                } else {
                    5
                }
            }
            _ => points
                .get(rng.below(points.len() as u64) as usize)
                .copied()
                .unwrap_or(0),
        };
        let p = p.to_string();
        c.put(name, if wide { full_width(&p) } else { p });
    }
    c.put("ADL維持等_初月対象", applies(v.first_month));
    c.put("ADL維持等_７ヶ月目対象", applies(v.seventh_month));

    // 栄養.
    let nutrition_date = v.date.plus(-rng.range(0, 4));
    c.put(
        "栄養評価日",
        if u.index.is_multiple_of(2) {
            nutrition_date.dashed()
        } else {
            nutrition_date.kanji()
        },
    );
    let first_nutrition = u.start.plus(14).min(nutrition_date);
    c.put("栄養_初回実施日", first_nutrition.compact());
    c.put("プロセス", v.process);
    c.put("一体的取り組み", yes(rng.chance(0.4)));
    let height = r1(if u.male {
        155.0 + rng.unit() * 20.0
    } else {
        140.0 + rng.unit() * 18.0
    });
    let weight = r1(if u.male {
        45.0 + rng.unit() * 23.0
    } else {
        36.0 + rng.unit() * 22.0
    });
    let bmi = weight / (height / 100.0).powi(2);
    let (h, w) = (d1(height), d1(weight));
    if u.index.is_multiple_of(3) {
        c.put("身長", full_width(&h));
        c.put("体重", full_width(&w));
    } else {
        c.put("身長", h);
        c.put("体重", w);
    }
    c.put("BMI", d1(bmi));
    let losses = [rng.chance(0.1), rng.chance(0.15), rng.chance(0.2)];
    let risk = if losses.iter().any(|&b| b) {
        "高"
    } else if bmi < 18.5 {
        "中"
    } else {
        "低"
    };
    c.put("低栄養リスクレベル", risk);
    for ((flag, amount), lost) in [
        ("体重減少1ヶ月_有無", "体重減少1ヶ月(kg)"),
        ("体重減少3ヶ月_有無", "体重減少3ヶ月(kg)"),
        ("体重減少6ヶ月_有無", "体重減少6ヶ月(kg)"),
    ]
    .into_iter()
    .zip(losses)
    {
        c.put(flag, yes(lost));
        c.put(
            amount,
            if lost {
                d1(1.0 + rng.unit() * 2.5)
            } else {
                String::new()
            },
        );
    }
    let albumin = rng.chance(0.7);
    c.put("血清アルブミン値_有無", yes(albumin));
    c.put(
        "血清アルブミン値",
        if albumin {
            d1(3.0 + rng.unit() * 1.5)
        } else {
            String::new()
        },
    );
    c.put("褥瘡", yes(rng.chance(0.05)));
    // 経口摂取: day-service users eat by mouth; some residents are partly or wholly tube-fed.
    let oral = if resident {
        rng.weighted(&[1, 2, 17])
    } else {
        2
    };
    c.put("経口摂取", ["無し", "一部経口", "経口のみ"][oral.min(2)]);
    // 科学的介護推進 asks 栄養補給法 of every 施設 resident; the nutrition form (3.10) only of
    // those not fed by mouth alone (「経口摂取＝0 若しくは1の場合に入力可能」): two pairs of columns.
    let parenteral = oral == 0 && rng.chance(0.5);
    c.put("経腸栄養法", yes(oral < 2));
    c.put("静脈栄養法", yes(parenteral));
    let tube = oral < 2;
    c.put("栄養補給法_経腸栄養法", if tube { yes(true) } else { na });
    c.put(
        "栄養補給法_静脈栄養法",
        if tube { yes(parenteral) } else { na },
    );
    let by_mouth = oral > 0;
    let pct = |rng: &mut Rng| (rng.range(10, 20) * 5).to_string();
    for name in ["食事摂取量", "主食摂取量", "主菜摂取量", "副菜摂取量"] {
        let v = if by_mouth { pct(rng) } else { na.into() };
        c.put(name, v);
    }
    let need_kcal = (weight * (28.0 + rng.unit() * 5.0)).round();
    let need_protein = r1(weight * (1.0 + rng.unit() * 0.2));
    let provided_kcal = (need_kcal * (0.95 + rng.unit() * 0.1)).round();
    let provided_protein = r1(need_protein * (0.95 + rng.unit() * 0.1));
    let eaten = 0.6 + rng.unit() * 0.4;
    let intake_kcal = (provided_kcal * eaten).round();
    let intake_protein = r1(provided_protein * eaten);
    for (name, kcal, protein) in [
        ("摂取", intake_kcal, intake_protein),
        ("提供", provided_kcal, provided_protein),
        ("必要", need_kcal, need_protein),
    ] {
        let (h1, h2, h3, h4) = match name {
            "摂取" => (
                "摂取エネルギー(kcal)",
                "摂取エネルギー(kcal/kg)",
                "摂取たんぱく質(g)",
                "摂取たんぱく質(g/kg)",
            ),
            "提供" => (
                "提供エネルギー(kcal)",
                "提供エネルギー(kcal/kg)",
                "提供たんぱく質(g)",
                "提供たんぱく質(g/kg)",
            ),
            _ => (
                "必要エネルギー(kcal)",
                "必要エネルギー(kcal/kg)",
                "必要たんぱく質(g)",
                "必要たんぱく質(g/kg)",
            ),
        };
        c.put(h1, format!("{kcal:.0}"));
        c.put(h2, d1(kcal / weight));
        c.put(h3, d1(protein));
        c.put(h4, d1(protein / weight));
    }
    // 嚥下調整食: 常食 exactly when none is needed.
    let adjusted = by_mouth && rng.chance(0.3);
    c.put(
        "嚥下調整食の必要性",
        if by_mouth { yes(adjusted) } else { na },
    );
    c.put(
        "食事形態",
        if !by_mouth {
            na
        } else if adjusted {
            *rng.pick(&[
                "嚥下調整食4",
                "嚥下調整食3",
                "嚥下調整食2-2",
                "嚥下調整食2-1",
            ])
        } else {
            "常食"
        },
    );
    c.put(
        "とろみ",
        if !by_mouth {
            na
        } else if adjusted {
            *rng.pick(&["薄い", "中間", "濃い"])
        } else {
            "無し"
        },
    );
    let notes = rng.chance(0.3);
    c.put("食事の留意事項の有無", yes(notes));
    c.put(
        "食事の留意事項",
        if notes {
            *rng.pick(&["減塩食", "刻み対応", "乳製品アレルギー"])
        } else {
            ""
        },
    );
    c.put(
        "本人の意欲",
        *rng.pick(&["よい", "まあよい", "ふつう", "あまりよくない"]),
    );
    c.put(
        "食欲・食事の満足感",
        *rng.pick(&["大いにある", "ややある", "ふつう", "ややない"]),
    );
    c.put(
        "食事に対する意識",
        *rng.pick(&["大いにある", "ややある", "ふつう", "ややない"]),
    );
    for name in EATING_STATUS {
        c.put(name, yes(rng.chance(0.15)));
    }
    for name in CARE_ISSUES {
        c.put(name, yes(rng.chance(0.15)));
    }
    c.put(
        "総合評価",
        *rng.pick(&["改善", "改善傾向", "維持", "改善が認められない"]),
    );
    c.put("計画変更", if resident { yes(rng.chance(0.2)) } else { na });
    c.put("サービス継続の必要性", if resident { na } else { "有り" });
    // 栄養ケア計画 (NUTRITION_CARE_PLAN_2024), made on the evaluation day, first made with the
    // first nutrition assessment; 経口維持の支援 is a 施設 classification.
    c.put("栄養ケア計画作成日", nutrition_date.slash0());
    c.put("栄養ケア計画初回作成日", first_nutrition.slash0());
    c.put(
        "栄養ケア計画_長期目標",
        *rng.pick(&[
            "（見本）体重を維持し、食事を楽しむ（6か月）",
            "（見本）低栄養状態を改善する（6か月）",
        ]),
    );
    c.put(
        "栄養ケア計画1_分類",
        if resident {
            *rng.pick(&["栄養補給・食事", "経口維持の支援"])
        } else {
            *rng.pick(&["栄養補給・食事", "栄養食事相談"])
        },
    );
    c.put(
        "栄養ケア計画1_短期目標",
        *rng.pick(&[
            "（見本）主食を8割以上食べる（3か月）",
            "（見本）水分を1日1000ml以上とる（3か月）",
        ]),
    );
    c.put(
        "栄養ケア計画1_内容",
        *rng.pick(&[
            "（見本）毎食の摂取量を記録し、週1回見直す",
            "（見本）補助食品を1日1回提供する",
        ]),
    );

    // 口腔: the 施設 and the 通所・居宅 questions are separate columns.
    for name in [
        "【施設】歯・入れ歯が汚れている",
        "【施設】歯が少ないのに入れ歯を使っていない",
        "【施設】むせやすい",
    ] {
        let v = if resident {
            applies(rng.chance(0.2))
        } else {
            ""
        };
        c.put(name, v);
    }
    for name in [
        "【通所・居宅】硬いものを避け柔らかいものばかり食べる",
        "【通所・居宅】入れ歯を使っている",
        "【通所・居宅】むせやすい",
    ] {
        let v = if resident {
            ""
        } else {
            applies(rng.chance(0.3))
        };
        c.put(name, v);
    }

    // 誤嚥性肺炎.
    c.put("誤嚥性肺炎評価日", v.date.slash());
    let pneumonia = rng.chance(0.1);
    c.put("誤嚥性肺炎の発症・既往", yes(pneumonia));
    c.put(
        "発症日1",
        if pneumonia {
            v.date.plus(-rng.range(30, 300)).kanji()
        } else {
            String::new()
        },
    );

    // 認知症: the flag is 有り when any disease is.
    let diseases = [
        rng.chance(0.2),
        rng.chance(0.1),
        rng.chance(0.05),
        rng.chance(0.05),
    ];
    let diagnosed = diseases.iter().any(|&b| b);
    c.put("認知症の診断", yes(diagnosed));
    c.put(
        "認知症診断日",
        if diagnosed {
            v.date.plus(-rng.range(100, 1500)).letter_dot()
        } else {
            String::new()
        },
    );
    for (name, b) in [
        "アルツハイマー病",
        "血管性認知症",
        "レビー小体病",
        "認知症_その他",
    ]
    .into_iter()
    .zip(diseases)
    {
        c.put(name, applies(b));
    }
    for name in DBD13 {
        let level = rng.weighted(&[5, 4, 3, 2, 1]);
        c.put(name, DBD13_LEVELS.get(level).copied().unwrap_or("全くない"));
    }
    for (name, levels) in VITALITY {
        let level = rng.weighted(&[1, 3, 6]);
        c.put(name, levels.get(level).copied().unwrap_or(""));
    }
    c
}

/// Column names (from one throwaway row, so the header always matches the rows).
fn header(f: &Facility, u: &User) -> Vec<String> {
    let v = Visit {
        date: TODAY,
        last: None,
        first_month: false,
        seventh_month: false,
        process: "",
        bath_zero: false,
        groom_zero: false,
    };
    cells(f, u, &v, 0, &mut Rng::new(0))
        .0
        .into_iter()
        .map(|(h, _)| h.to_string())
        .collect()
}

pub(super) fn table(seed: u64, f: &Facility, placeholder_user: &User) -> Table {
    let mut rng = Rng::derive(seed, &[30, f.index as u64]);
    let header = header(f, placeholder_user);
    let mut rows = Vec::new();
    for u in &f.users {
        let mut urng = Rng::derive(seed, &[31, f.index as u64, u.index as u64]);
        for (nth, v) in visits(u, f.users.len(), &mut urng).iter().enumerate() {
            let cells = cells(f, u, v, nth, &mut urng);
            rows.push(Row {
                cells: cells.0.into_iter().map(|(_, v)| v).collect(),
                quarantine: None,
            });
        }
    }
    let mut dummy = vec![String::new(); header.len()];
    for (name, v) in [
        ("事業所番号", f.id.as_str()),
        ("様式", "アセスメント表"),
        ("事業所名", f.name.as_str()),
        ("利用者番号", "900001"),
        ("利用者氏名", "★会議"),
        ("評価日", "令和8年10月1日"),
    ] {
        if let Some(c) = header
            .iter()
            .position(|h| h == name)
            .and_then(|i| dummy.get_mut(i))
        {
            *c = v.to_string();
        }
    }
    let at = rng.below(rows.len() as u64 + 1) as usize;
    rows.insert(
        at.min(rows.len()),
        Row {
            cells: dummy,
            quarantine: Some("dummy user"),
        },
    );
    Table {
        path: PathBuf::from(format!(
            "assessment/{}_assessment_{:04}{:02}.tsv",
            f.id, TODAY.y, TODAY.m
        )),
        encoding: Encoding::Cp932,
        delimiter: '\t',
        preamble: vec![vec![
            "アセスメント一覧".into(),
            format!("出力日：{}", TODAY.kanji()),
        ]],
        header,
        rows,
        trailer: Vec::new(),
        quoting: Quoting::Minimal,
    }
}
