//! A file validated a few parts at a time says what it says validated whole.

use proptest::prelude::*;

use std::path::Path;

use super::file::validate_reader;
use super::*;
use crate::decode::LifeReader;
use crate::spec::Registry;

/// A finding as the reports show it: (line, rule, column, value, message).
type Shown<'a> = (u64, &'a str, Option<&'a str>, Option<&'a str>, &'a str);

/// Each finding as the reports show it, in order.
fn shown(r: &FileReport) -> Vec<Shown<'_>> {
    let f = &r.findings;
    f.findings
        .iter()
        .map(|x| {
            let c = &f.checks[x.check as usize];
            let value = x.value.as_deref();
            (
                x.line,
                c.rule,
                c.column.as_deref(),
                value,
                c.message_en.as_str(),
            )
        })
        .collect()
}

/// A bundled sample's text (some are CP932), without its BOM.
fn sample(name: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let bytes = std::fs::read(root.join("samples/life").join(name)).expect("bundled sample");
    let text = crate::decode::decode(&bytes)
        .expect("a sample decodes")
        .text;
    text.trim_start_matches('\u{FEFF}').to_string()
}

/// A bundled LIFE sample's rows, messed up: fields emptied, made wrong, rows repeated (a
/// duplicate key), cut short, blank lines and quoted line breaks between them.
fn messy(name: &'static str) -> impl Strategy<Value = String> {
    let text = sample(name);
    let lines: Vec<String> = text.lines().map(str::to_string).collect();
    let width = lines[1].split(',').count();
    let edit = (
        0..width,
        prop_oneof![
            Just(String::new()),
            Just("X".to_string()),
            Just("99999999999".to_string()),
            Just("20261399".to_string()),
            Just("\"a\r\nb\"".to_string()),
        ],
    );
    let row = (
        0..lines.len() - 2,
        proptest::collection::vec(edit, 0..4),
        0..10u8,
    );
    proptest::collection::vec(row, 0..30).prop_map(move |rows| {
        let mut t = format!("{}\r\n{}\r\n", lines[0], lines[1]);
        for (pick, edits, shape) in rows {
            let mut fields: Vec<String> = lines[2 + pick].split(',').map(str::to_string).collect();
            for (at, v) in edits {
                fields[at] = v;
            }
            match shape {
                0 => fields.truncate(width / 2),
                1 => t.push_str("\r\n"),
                _ => {}
            }
            t.push_str(&fields.join(","));
            t.push_str("\r\n");
        }
        t
    })
}

/// Validates `text` cut into parts of `part` bytes, `at_once` parts at a time: the report with
/// the findings gathered, and the same findings as a [`Log`] keeps them, walked back.
fn run(text: &str, part: usize, at_once: usize) -> (FileReport, Option<FileKeys>, FileReport) {
    let registry = Registry::embedded().expect("embedded schemas load");
    let ctx = Context::default();
    let go = |sink: &mut dyn FnMut(Findings) -> std::io::Result<()>| {
        let reader = LifeReader::open_in_parts(text, TextEncoding::Utf8, part);
        let choice = SpecChoice::Auto;
        validate_reader(
            "t.csv", reader, &registry, &choice, &ctx, true, at_once, sink,
        )
        .expect("in memory")
    };
    let mut all = Findings::default();
    let (mut kept, keys) = go(&mut |f| {
        all.append(f);
        Ok(())
    });
    kept.findings = all;
    let mut log = Log::default();
    let (mut logged, _) = go(&mut |f| log.add(f));
    // The log walked back into a report of findings in memory, as `each` gives them.
    let mut back = Findings::default();
    let checks: Vec<Check> = log.checks.clone();
    logged.log = log;
    let mut found = Vec::new();
    logged
        .each(|line, c, v| {
            found.push((line, c, v.map(str::to_string)));
            Ok(())
        })
        .expect("in memory");
    back.checks = checks;
    for (line, c, v) in found {
        back.push(line, c as u32, v.as_deref());
    }
    logged.log = Log::default();
    logged.findings = back;
    (kept, keys, logged)
}

fn both(text: &str, part: usize, at_once: usize) -> Result<(), TestCaseError> {
    let (whole, whole_keys, _) = run(text, usize::MAX, usize::MAX);
    let (cut, cut_keys, logged) = run(text, part, at_once);
    prop_assert_eq!(shown(&cut), shown(&whole));
    prop_assert_eq!(shown(&logged), shown(&whole));
    prop_assert_eq!(cut.rows, whole.rows);
    prop_assert_eq!(format!("{cut_keys:?}"), format!("{whole_keys:?}"));
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    #[test]
    fn forms_in_parts_as_whole(text in messy("FORM_0000_2021_2_mistakes.csv"), part in 1usize..400, at_once in 1usize..4) {
        both(&text, part, at_once)?;
    }

    #[test]
    fn users_in_parts_as_whole(text in messy("SERVICE_USER_INFO_3.10_2_mistakes.csv"), part in 1usize..400, at_once in 1usize..4) {
        both(&text, part, at_once)?;
    }
}
