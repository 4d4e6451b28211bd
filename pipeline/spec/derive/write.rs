//! The derived rules as `derived/<DT>.toml` (in the layout of the hand-written files, one
//! comment per rule naming the items whose text gave it) and the review list as TSV. Both are
//! byte-stable: the same schema always gives the same bytes.

use std::fmt::Write as _;

use super::{Derived, DerivedRule};
use crate::spec::rules::{Condition, Rule, Severity};

/// The header line of `review.tsv`.
pub const REVIEW_HEADER: &str = "data_type\tno\titem\tfield\tsentence\treason";

/// A TOML basic string.
fn q(s: &str) -> String {
    toml::Value::String(s.to_string()).to_string()
}

fn list(items: &[String]) -> String {
    let quoted: Vec<String> = items.iter().map(|s| q(s)).collect();
    let one = format!("[{}]", quoted.join(", "));
    if one.len() <= 100 {
        return one;
    }
    let mut out = String::from("[\n");
    for s in quoted {
        let _ = writeln!(out, "    {s},");
    }
    out + "]"
}

/// A condition as a TOML inline table.
fn inline(c: &Condition) -> String {
    let many = |v: &[Condition]| v.iter().map(inline).collect::<Vec<_>>().join(", ");
    match c {
        Condition::In { column, values } => {
            let vs: Vec<String> = values.iter().map(|v| q(v)).collect();
            format!("{{ column = {}, in = [{}] }}", q(column), vs.join(", "))
        }
        Condition::Present { column } => format!("{{ column = {}, present = true }}", q(column)),
        Condition::Absent { column } => format!("{{ column = {}, present = false }}", q(column)),
        Condition::All(v) => format!("{{ all = [{}] }}", many(v)),
        Condition::Any(v) => format!("{{ any = [{}] }}", many(v)),
        Condition::Not(c) => format!("{{ not = {} }}", inline(c)),
        Condition::Claim(n) => format!("{{ claim = {} }}", q(n)),
    }
}

/// `key = {…}` on one line, or, when long and a list, a `[rule.key]` table written after the
/// rule's other keys.
fn condition(key: &str, c: &Condition, head: &mut String, tail: &mut String) {
    let one = inline(c);
    let (op, v) = match c {
        Condition::All(v) => ("all", v),
        Condition::Any(v) => ("any", v),
        _ => ("", &Vec::new()),
    };
    if one.len() + key.len() <= 110 || op.is_empty() {
        let _ = writeln!(head, "{key} = {one}");
        return;
    }
    let _ = writeln!(tail, "[rule.{key}]\n{op} = [");
    for c in v {
        let _ = writeln!(tail, "    {},", inline(c));
    }
    tail.push_str("]\n");
}

fn severity(s: Severity) -> &'static str {
    match s {
        Severity::Error => "error",
        Severity::Warning => "warning",
    }
}

fn rule(r: &DerivedRule) -> String {
    let mut head = String::from("[[rule]]\n");
    let mut tail = String::new();
    let _ = writeln!(head, "kind = {}", q(r.rule.kind()));
    match &r.rule {
        Rule::RequiredIf {
            columns,
            when,
            source,
        }
        | Rule::AllowedIf {
            columns,
            when,
            source,
        } => {
            let _ = writeln!(head, "columns = {}", list(columns));
            condition("when", when, &mut head, &mut tail);
            let _ = writeln!(head, "source = {}", q(source));
        }
        Rule::Implies {
            when,
            then,
            severity: s,
            source,
        } => {
            condition("when", when, &mut head, &mut tail);
            condition("then", then, &mut head, &mut tail);
            let _ = writeln!(head, "severity = {}", q(severity(*s)));
            let _ = writeln!(head, "source = {}", q(source));
        }
        Rule::DateOrder {
            earlier,
            later,
            severity: s,
            source,
        } => {
            let _ = writeln!(head, "earlier = {}\nlater = {}", q(earlier), q(later));
            let _ = writeln!(head, "severity = {}", q(severity(*s)));
            let _ = writeln!(head, "source = {}", q(source));
        }
        other => {
            let text = toml::to_string(&crate::spec::rules::RulesFile {
                rule: vec![other.clone()],
            })
            .expect("rules serialize");
            return text;
        }
    }
    let mut from: Vec<String> = Vec::new();
    for o in &r.from {
        let s = format!("{} {}", o.item, o.field.label());
        if !from.contains(&s) {
            from.push(s);
        }
    }
    format!("# from: {}\n{head}{tail}", from.join(", "))
}

/// `derived/<DT>.toml`.
pub fn rules_toml(d: &Derived) -> String {
    let mut out = format!(
        "# {dt}: rules derived by `lifeline schemagen` from the 説明/備考 text of {src}.\n\
         # Generated: do not edit. Corrections go to ../rules/{dt}.toml ([[rule]] to add a rule,\n\
         # [[withdraw]] to take a derived one back, each with a reason); sentences that gave no\n\
         # rule are in ../review.tsv. Format: pipeline/spec/rules.rs.\n",
        dt = d.data_type,
        src = d.source
    );
    for r in &d.rules {
        out.push('\n');
        out.push_str(&rule(r));
    }
    out
}

fn cell(s: &str) -> String {
    s.replace(['\t', '\n', '\r'], " ")
}

/// `review.tsv` of every interface of one run, in the order given.
pub fn review_tsv(all: &[Derived]) -> String {
    let mut out = format!("{REVIEW_HEADER}\n");
    for d in all {
        for l in &d.review {
            let no = l.no.map(|n| n.to_string()).unwrap_or_default();
            let _ = writeln!(
                out,
                "{}\t{no}\t{}\t{}\t{}\t{}",
                d.data_type,
                l.item,
                l.field.label(),
                cell(&l.sentence),
                cell(&l.reason)
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::spec::derive::{derive, tests::schema};
    use crate::spec::rules::RulesFile;

    #[test]
    fn the_toml_reads_back_as_the_derived_rules() {
        let mut items = vec![("kind", "区分", "◎", "1:施設|2:通所", "")];
        let names: Vec<String> = (0..20).map(|i| format!("c{i:02}")).collect();
        for n in &names {
            items.push((n.as_str(), "X", "●", "", "区分＝1：施設の場合に必須"));
        }
        items.push((
            "all",
            "有無",
            "○",
            "0:無し|1:有り",
            "以下の項目のどれか１つを「1：有り」とした場合には「1：有り」とすること。",
        ));
        for n in &names {
            items.push((n.as_str(), "Y", "○", "0:無し|1:有り", ""));
        }
        let s = schema(&items[..items.len() - 15]);
        let d = derive(&s);
        let text = rules_toml(&d);
        assert!(text.contains("[rule.when]\nany = [\n"), "{text}");
        assert!(text.contains("# from: c00 説明, c01 説明"), "{text}");
        let back = RulesFile::parse("x", &text).unwrap();
        assert_eq!(back.rule, d.rules());
        assert_eq!(rules_toml(&derive(&s)), text);
    }

    #[test]
    fn review_lines_are_one_per_sentence_with_tabs_removed() {
        let s = schema(&[("a", "A", "", "", "施設入所時の状態を選択すること。")]);
        let tsv = review_tsv(&[derive(&s)]);
        let lines: Vec<&str> = tsv.lines().collect();
        assert_eq!(lines[0], REVIEW_HEADER);
        assert_eq!(lines[1].split('\t').count(), 6);
        assert!(lines[1].starts_with("TEST\t1\ta\t説明\t施設入所時の状態を選択すること。\t"));
    }
}
