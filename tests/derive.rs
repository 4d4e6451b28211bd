//! Rules derived from the workbooks' 説明/備考 text, measured against the rules that were
//! hand-written from the same text (frozen in tests/spec/hand-written-rules/): per atom (kind,
//! column, condition), recall ≥ 95 % on the 1.00 workbook and on the 3.10 nutrition items, and
//! no contradiction. Then: the effective rule set (derived + overrides) is the hand-written one.

mod common;

use std::collections::BTreeSet;
use std::path::PathBuf;

use lifeline::spec::derive::atoms::{Atom, Score, atoms, score};
use lifeline::spec::derive::derive;
use lifeline::spec::rules::{Rule, RulesFile};
use lifeline::spec::{Schema, schemagen};

fn hand_written(version: &str, data_type: &str) -> Vec<Rule> {
    let p = common::root().join(format!(
        "tests/spec/hand-written-rules/{version}/{data_type}.toml"
    ));
    match std::fs::read_to_string(&p) {
        Ok(text) => {
            RulesFile::parse(&p.display().to_string(), &text)
                .unwrap()
                .rule
        }
        Err(_) => Vec::new(),
    }
}

/// A hand-written rule whose source is not the workbook's text (「（仕様に明記なし）…」,
/// 「（1.00版の仕様に明記なし…）…」) cannot be derived: it is an override.
fn stated(r: &Rule) -> bool {
    !r.source().is_some_and(|s| s.starts_with('（'))
}

struct Measured {
    score: Score,
    unstated: usize,
}

fn measure(schemas: &[Schema], version: &str) -> Measured {
    let mut total = Score::default();
    let mut unstated = 0;
    for schema in schemas {
        let truth_rules = hand_written(version, &schema.data_type);
        let all: BTreeSet<Atom> = atoms(&truth_rules);
        let truth = atoms(truth_rules.iter().filter(|r| stated(r)));
        unstated += all.len() - truth.len();
        let derived = derive(schema).rules();
        let mut s = score(&truth, &atoms(&derived));
        // An atom the hand-written set has as an unstated rule is not a wrong derivation.
        s.extra.retain(|a| !all.contains(a));
        total.add(s);
    }
    Measured {
        score: total,
        unstated,
    }
}

fn report(what: &str, m: &Measured) {
    let s = &m.score;
    println!(
        "{what}: recall {}/{} = {:.1} %, precision {}/{} = {:.1} %, contradictions {}, \
         not derivable (unstated in the text, overrides) {}",
        s.found,
        s.truth,
        100.0 * s.recall(),
        s.derived - s.extra.len(),
        s.derived,
        100.0 * (s.derived - s.extra.len()) as f64 / s.derived.max(1) as f64,
        s.contradictions.len(),
        m.unstated
    );
    for a in &s.missed {
        println!("  missed: {a:?}");
    }
    for a in &s.extra {
        println!("  extra:  {a:?}");
    }
}

fn workbook_2021() -> Vec<Schema> {
    let wb: PathBuf = common::official_spec().join("life-2021/interface-items-v1.00.xlsx");
    schemagen::generate(&[wb], "2021").unwrap().schemas
}

fn items_3_10(keep: impl Fn(&str) -> bool) -> Vec<Schema> {
    let dir = common::official_spec().join("life-2024-v3.10-partial");
    let g = schemagen::generate(&[dir.join("items.tsv")], "3.10").unwrap();
    g.schemas
        .into_iter()
        .filter(|s| keep(&s.data_type))
        .collect()
}

#[test]
fn rules_derived_from_the_1_00_workbook_reproduce_the_hand_written_ones() {
    let m = measure(&workbook_2021(), "2021");
    report("1.00 workbook", &m);
    assert!(m.score.recall() >= 0.95, "recall {:.3}", m.score.recall());
    assert!(
        m.score.contradictions.is_empty(),
        "{:?}",
        m.score.contradictions
    );
    assert!(
        m.score.extra.is_empty(),
        "derived rules the hand-written set lacks: {:?}",
        m.score.extra
    );
}

#[test]
fn rules_derived_from_the_3_10_nutrition_items_reproduce_the_hand_written_ones() {
    let m = measure(&items_3_10(|dt| dt.starts_with("NUTRITION_")), "3.10");
    report("3.10 nutrition items", &m);
    assert!(m.score.truth > 80);
    assert!(m.score.recall() >= 0.95, "recall {:.3}", m.score.recall());
    assert!(
        m.score.contradictions.is_empty(),
        "{:?}",
        m.score.contradictions
    );
    assert!(m.score.extra.is_empty(), "{:?}", m.score.extra);
    let m = measure(&items_3_10(|dt| dt == "SERVICE_USER_INFO"), "3.10");
    report("3.10 SERVICE_USER_INFO", &m);
    assert_eq!(m.score.recall(), 1.0);
}

/// derived/ + rules/ load to exactly the hand-written rules of every interface (plus the
/// common rules, which are not per interface), so no finding changes.
#[test]
fn the_effective_rules_are_the_hand_written_rules() {
    let r = common::registry();
    let common_text =
        std::fs::read_to_string(common::root().join("schemas/common-rules.toml")).unwrap();
    let common_rules = RulesFile::parse("common", &common_text).unwrap().rule;
    for spec in &r.specs {
        for schema in spec.schemas.values() {
            let mut expected = hand_written(&spec.version, &schema.data_type);
            expected.extend(
                common_rules
                    .iter()
                    .filter(|c| c.applies_to(schema))
                    .cloned(),
            );
            assert_eq!(
                atoms(spec.rules(&schema.data_type)),
                atoms(&expected),
                "{} {}",
                spec.version,
                schema.data_type
            );
        }
    }
}

#[test]
fn every_sentence_is_a_rule_prose_or_reviewed_and_the_review_names_the_unresolved() {
    let schemas = workbook_2021();
    let f0210 = schemas
        .iter()
        .find(|s| s.data_type == "FORM_0210_2021")
        .unwrap();
    let d = derive(f0210);
    let review: Vec<(&str, &str)> = d
        .review
        .iter()
        .map(|l| (l.item.as_str(), l.reason.as_str()))
        .collect();
    assert!(
        review.contains(&(
            "number_of_teeth",
            "「歯の本数の問題」 names no item of the interface"
        )),
        "{review:?}"
    );
    // A 必須 sentence on an item that is not ● is reviewed, not made a rule.
    assert!(review.iter().any(|(i, why)| *i == "is_oral_care_support_02_other_contents" && why.contains("not ●")));
    // Every rule keeps its sentence and the items it came from.
    for r in &d.rules {
        assert!(r.rule.source().is_some_and(|s| !s.is_empty()));
        assert!(!r.from.is_empty());
    }
}
