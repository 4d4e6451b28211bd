//! One LIFE file, from its path or bytes to its report: read a few parts at a time
//! ([`LifeReader`]), each part's rows checked as a frame ([`super::validate_planned`]) with what the
//! rules carry from the parts before, the findings handed on part after part in the report's
//! order — gathered for a caller that wants them all, or kept in a [`Log`] for `lifeline
//! validate`, so that neither the rows nor the findings of a large file are held at once.

use std::io;
use std::path::Path;

use super::head::{header_checks, read_issue, unknown_data_type};
use super::log::Log;
use super::{
    Carry, Context, FileKeys, FileReport, Findings, ItemPlans, MAX_FILE_BYTES, Severity,
    SpecChoice, frame_lines, validate_planned, version,
};
use crate::decode::{DecodeError, LifeReader, ReadIssue, TextEncoding};
use crate::spec::Registry;

/// Reads and validates one file. `Err` only when the path cannot be read at all.
pub fn validate_path(
    path: &Path,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
) -> io::Result<FileReport> {
    gathering(|sink| read_path(path, registry, choice, ctx, false, sink))
}

/// [`validate_path`] as `lifeline validate` runs it: the findings in the report's [`Log`]
/// (`report.log`); with `keyed`, the keys the cross-file rules need ([`super::cross_file_checks`];
/// `None` for a file whose interface is not known). `Err` when the path cannot be read, or the
/// log cannot be kept.
pub fn validate_path_logged(
    path: &Path,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
    keyed: bool,
) -> io::Result<(FileReport, Option<FileKeys>)> {
    let mut log = Log::default();
    let (mut report, keys) = read_path(path, registry, choice, ctx, keyed, &mut |part| {
        log.add(part)
    })?;
    report.log = log;
    Ok((report, keys))
}

/// Validates the bytes of a LIFE import file.
pub fn validate_bytes(
    path: &str,
    bytes: &[u8],
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
) -> FileReport {
    let decoded = crate::decode::decode(bytes);
    let text = decoded.as_ref().map(|d| (d.text.as_ref(), d.encoding));
    gathering(|sink| validate_text(path, text, registry, choice, ctx, false, sink))
        .expect("findings gathered in memory cannot fail")
}

/// What is done with each part's findings, in order.
type Sink<'a> = dyn FnMut(Findings) -> io::Result<()> + 'a;

/// What `validate` gives, its findings gathered into the report.
fn gathering(
    validate: impl FnOnce(&mut Sink<'_>) -> io::Result<(FileReport, Option<FileKeys>)>,
) -> io::Result<FileReport> {
    let mut all = Findings::default();
    let (mut report, _) = validate(&mut |part| {
        all.append(part);
        Ok(())
    })?;
    report.findings = all;
    Ok(report)
}

fn read_path(
    path: &Path,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
    keyed: bool,
    sink: &mut Sink<'_>,
) -> io::Result<(FileReport, Option<FileKeys>)> {
    let shown = path.display().to_string();
    let (file, len) = crate::decode::file::open_regular(path)?;
    if len > MAX_FILE_BYTES {
        let mut f = Findings::default();
        let c = f.check(
            "file.too_large",
            Severity::Error,
            None,
            format!("ファイルが大きすぎます（{len}バイト、上限{MAX_FILE_BYTES}バイト）"),
            format!(
                "file too large to be a LIFE import file ({len} bytes; limit {MAX_FILE_BYTES})"
            ),
        );
        f.push(0, c, None);
        sink(f)?;
        return Ok((FileReport::of(&shown, None), None));
    }
    let bytes = crate::decode::file::read_text(file, len)?;
    // The bytes are let go once decoded: the file is held once, as text.
    let decoded = crate::decode::decode_owned(bytes);
    let text = decoded.as_ref().map(|(t, e)| (t.as_str(), *e));
    validate_text(&shown, text, registry, choice, ctx, keyed, sink)
}

/// Validates decoded text, or reports why the bytes could not be decoded.
fn validate_text(
    path: &str,
    text: Result<(&str, TextEncoding), &DecodeError>,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
    keyed: bool,
    sink: &mut Sink<'_>,
) -> io::Result<(FileReport, Option<FileKeys>)> {
    match text {
        Ok((text, encoding)) => {
            let reader = LifeReader::open(text, encoding);
            let at_once = parts_at_once();
            validate_reader(path, reader, registry, choice, ctx, keyed, at_once, sink)
        }
        Err(e) => {
            let mut out = Findings::default();
            read_issue(&ReadIssue::Decode(e.clone()), &mut out);
            sink(out)?;
            Ok((FileReport::of(path, None), None))
        }
    }
}

/// How many parts of a file ([`LifeReader`]) are read and checked at once: enough for every
/// core to parse one and then check its columns, few enough that memory stays a few parts'.
fn parts_at_once() -> usize {
    rayon::current_num_threads() * 2
}

/// Validates an opened file, `at_once` parts at a time, handing each part's findings to `sink`
/// in order: line by line, and on one line in the order the checks were made (the file's own
/// checks first). The report it returns has no findings of its own.
#[allow(clippy::too_many_arguments)]
pub(super) fn validate_reader(
    path: &str,
    mut reader: LifeReader<'_>,
    registry: &Registry,
    choice: &SpecChoice,
    ctx: &Context,
    keyed: bool,
    at_once: usize,
    sink: &mut Sink<'_>,
) -> io::Result<(FileReport, Option<FileKeys>)> {
    // The file's own findings (its head, its text, its header), merged into the parts' by line.
    let mut own = Findings::default();
    for issue in reader.head.issues.iter().chain(&reader.text_issues) {
        read_issue(issue, &mut own);
    }
    let head = reader.head.clone();
    let mut report = FileReport::of(path, head.encoding);
    report.data_type = (!head.data_type.is_empty()).then(|| head.data_type.clone());
    if head.data_type.is_empty() || head.header.is_empty() {
        own.sort();
        sink(own)?;
        return Ok((report, None));
    }
    let header: Vec<&str> = head.header.iter().map(String::as_str).collect();
    // The spec is chosen by the newest `version` the rows carry: that column is read first.
    let versions = reader
        .column(version::COLUMN)
        .map(|(ca, lines)| version::seen(&ca, &lines, &registry.catalogue))
        .unwrap_or_default();
    let spec = match choice {
        SpecChoice::Auto => registry.detect(&head.data_type, &header, version::newest(&versions)),
        SpecChoice::Version(v) => registry
            .spec(v)
            .filter(|s| s.schema(&head.data_type).is_some()),
    };
    let schema = spec.and_then(|s| s.schema(&head.data_type));
    match (spec, schema) {
        (Some(spec), Some(schema)) => {
            report.spec = Some(spec.version.clone());
            header_checks(&header, head.header_line, schema, &mut own);
            if schema.item(version::COLUMN).is_some() {
                let auto = *choice == SpecChoice::Auto;
                version::notes(&versions, spec, auto, &registry.catalogue, &mut own);
            }
        }
        _ => unknown_data_type(&head.data_type, registry, choice, &mut own),
    }
    own.sort();
    let mut own_next = 0;
    let rules = spec.map_or(&[][..], |s| s.rules(&head.data_type));
    let mut carry = Carry::default();
    let mut plans = None;
    let mut keys: Option<FileKeys> = None;
    while let Some((frame, issues)) = reader.next_rows(at_once) {
        let mut out = Findings::default();
        for issue in &issues {
            read_issue(issue, &mut out);
        }
        report.rows += frame.height();
        let lines = frame_lines(&frame);
        // A file of no rows (the run's check of a header) has nothing for the items and rules.
        if let (Some(spec), Some(schema), true) = (spec, schema, frame.height() > 0) {
            if schema.item(version::COLUMN).is_some() {
                version::check_values(&frame, &lines, schema, &registry.catalogue, &mut out);
            }
            let sheets = spec.code_sheets.as_ref();
            let plans = plans.get_or_insert_with(|| ItemPlans::new(&frame, schema, sheets));
            validate_planned(&frame, plans, schema, rules, ctx, &mut out, &mut carry);
            if keyed {
                let k = FileKeys::of(&frame, &lines, &head.data_type, schema, rules);
                match &mut keys {
                    Some(all) => all.append(k),
                    None => keys = Some(k),
                }
            }
        }
        out.sort();
        // The part holds the lines up to its last row's (or issue's); the file's own findings
        // up to there go with it.
        let upto = out
            .findings
            .iter()
            .map(|f| f.line)
            .chain(lines.last().copied())
            .max();
        sink(merged(&own, &mut own_next, upto.unwrap_or(0), out))?;
    }
    sink(merged(&own, &mut own_next, u64::MAX, Findings::default()))?;
    Ok((report, keys))
}

/// `part`'s findings with those of `own` from `*next` on that are on lines up to `upto`, in
/// order of line and, on one line, `own`'s first (`own`'s checks registered before the part's,
/// as whole-file validation orders them).
fn merged(own: &Findings, next: &mut usize, upto: u64, part: Findings) -> Findings {
    let end = *next + own.findings[*next..].partition_point(|f| f.line <= upto);
    let taken = &own.findings[*next..end];
    *next = end;
    if taken.is_empty() {
        return part;
    }
    // Only the checks the taken findings name, in their order of registration.
    let mut used: Vec<u32> = taken.iter().map(|f| f.check).collect();
    used.sort_unstable();
    used.dedup();
    let mut out = Findings {
        checks: used
            .iter()
            .map(|&c| own.checks[c as usize].clone())
            .collect(),
        ..Findings::default()
    };
    let at = |c: u32| used.binary_search(&c).expect("a used check") as u32;
    let base = out.checks.len() as u32;
    out.findings.extend(taken.iter().map(|f| super::Finding {
        check: at(f.check),
        ..f.clone()
    }));
    out.findings.extend(part.findings.into_iter().map(|mut f| {
        f.check += base;
        f
    }));
    out.checks.extend(part.checks);
    // By line, and on one line by check: `own`'s (numbered first) before the part's.
    out.sort();
    out
}
