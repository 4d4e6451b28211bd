//! What became of the LIFE files an office's own software wrote (`life` sources), for the
//! manifest: per interface, the LIFE file written from them, whether it is byte for byte the
//! one file it came from, and otherwise every reason it is not.

use serde::Serialize;

use crate::decode::TextEncoding;
use crate::emit::OutputEncoding;

/// One interface fed by LIFE files.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct FromLife {
    pub data_type: String,
    /// The LIFE files read, as the job names them.
    pub inputs: Vec<String>,
    /// The LIFE file written (none when no row was emitted).
    pub output: Option<String>,
    /// The output is byte for byte the one input.
    pub identical: bool,
    /// Why it is not (empty when it is).
    pub changes: Vec<String>,
}

/// A LIFE file read: as shown, its SHA-256, its encoding.
pub(super) struct Input<'a> {
    pub shown: &'a str,
    pub sha256: &'a str,
    pub encoding: Option<TextEncoding>,
}

/// The LIFE file written for an interface: (name, SHA-256), and its rows left out.
pub(super) struct Output<'a> {
    pub file: Option<(&'a str, &'a str)>,
    pub quarantined: usize,
    pub unchanged: usize,
}

/// Describes the file written for `data_type` from `inputs`; `profiled`: exports read through
/// a profile fed the interface too.
pub(super) fn describe(
    data_type: &str,
    inputs: &[Input<'_>],
    profiled: bool,
    output: &Output<'_>,
    encoding: OutputEncoding,
) -> FromLife {
    let identical = match (inputs, output.file) {
        ([one], Some((_, sha))) => !profiled && one.sha256 == sha,
        _ => false,
    };
    let mut changes = Vec::new();
    if !identical {
        if output.file.is_none() {
            changes.push("no row emitted: no LIFE file written".into());
        }
        if inputs.len() > 1 {
            changes.push(format!(
                "rows of {} LIFE files merged into one",
                inputs.len()
            ));
        }
        if profiled {
            changes.push("rows from the office's exports read through a profile added".into());
        }
        let (want, name) = match encoding {
            OutputEncoding::Utf8Bom => (TextEncoding::Utf8Bom, "UTF-8 with BOM"),
            OutputEncoding::Cp932 => (TextEncoding::Cp932, "CP932"),
        };
        for i in inputs {
            if let Some(e) = i.encoding.filter(|e| *e != want) {
                changes.push(format!("{}: re-encoded from {e} to {name}", i.shown));
            }
        }
        if output.quarantined > 0 {
            changes.push(format!(
                "{} rows withheld (quarantine.csv, findings.csv)",
                output.quarantined
            ));
        }
        if output.unchanged > 0 {
            changes.push(format!(
                "{} rows left out as sent before unchanged (--delta)",
                output.unchanged
            ));
        }
        if changes.is_empty() {
            changes.push(
                "rewritten in lifeline's form: columns in the spec's order, CRLF line ends, \
                 quotes only where needed, values trimmed"
                    .into(),
            );
        }
    }
    FromLife {
        data_type: data_type.to_string(),
        inputs: inputs.iter().map(|i| i.shown.to_string()).collect(),
        output: output.file.map(|(name, _)| name.to_string()),
        identical,
        changes,
    }
}
