//! Finding the header (one line, or Excel's two) and reading the preamble's cells: the
//! office's 事業所番号, and values the profile takes from it.

use super::{Ingest, PREAMBLE_KEPT};
use crate::decode::Table;
use crate::decode::text::{code, label_key};
use crate::map::Cell;
use crate::validate::Severity;

impl Ingest<'_> {
    /// Looks for the header line in a table; on finding it, resolves the profile's targets
    /// against it. Lines before it are the preamble (the last of them, with a two-line header,
    /// its upper line).
    pub(super) fn find_header(&mut self, table: &Table) -> Option<usize> {
        let upper = self.preamble.last().map(|(_, f)| f.clone());
        let found = self.profile.find_header(table, upper.as_deref());
        let before = found.as_ref().map_or(table.len(), |(h, _)| *h);
        for r in table.records().take(before) {
            if self.preamble.len() < PREAMBLE_KEPT {
                self.preamble
                    .push((r.line, r.iter().map(str::to_string).collect()));
            }
        }
        let (h, keys) = found?;
        self.header = Some(self.resolve(table.record(h).line, keys));
        Some(h)
    }

    /// The value of a preamble cell, as written (trimmed); None when the preamble lacks it.
    pub(super) fn preamble_cell(&self, cell: &Cell) -> Option<String> {
        let value = match cell {
            Cell::At { line, field } => self
                .preamble
                .iter()
                .find(|(l, _)| *l == *line as u64)
                .and_then(|(_, f)| f.get(field - 1))
                .map(|v| v.trim_matches([' ', '\t', '\u{3000}']).to_string()),
            Cell::Label { key, .. } => self.preamble.iter().find_map(|(_, fields)| {
                let i = fields
                    .iter()
                    .position(|f| label_key(f).starts_with(key.as_str()))?;
                let after = after_label(&fields[i], key);
                if !after.is_empty() {
                    return Some(after.to_string());
                }
                fields[i + 1..]
                    .iter()
                    .map(|f| f.trim_matches([' ', '\t', '\u{3000}']))
                    .find(|f| !f.is_empty())
                    .map(str::to_string)
            }),
        };
        value.filter(|v| !v.is_empty())
    }

    /// The 事業所番号 of the preamble cell the profile names: checked to be one, and against the
    /// one given (the job's office, `--facility`); a disagreement is an error naming both, and
    /// then no row has an office.
    pub(super) fn preamble_facility(&mut self, cell: &Cell) -> Option<String> {
        let raw = self.preamble_cell(cell)?;
        let id = code(&raw);
        let shaped = id.len() == 10 && id.bytes().all(|b| b.is_ascii_alphanumeric());
        if !shaped {
            self.sink.note(
                0,
                0,
                Some("care_facility_id"),
                Severity::Error,
                "ingest.facility",
                format!("前置き行の事業所番号「{raw}」が事業所番号の形ではありません"),
                format!(
                    "the preamble's 事業所番号 `{raw}` is not a 10-character 事業所番号: check \
                     the profile's [facility] preamble cell"
                ),
            );
            return None;
        }
        if let Some(given) = self.given
            && given != id
        {
            self.sink.note(
                0,
                0,
                Some("care_facility_id"),
                Severity::Error,
                "ingest.facility_mismatch",
                format!("ファイルの事業所番号は{id}ですが、指定された事業所番号は{given}です"),
                format!(
                    "the file says 事業所番号 {id}, the job / --facility says {given}: none of \
                     its rows is used"
                ),
            );
            // Neither office is chosen: the rows have no 事業所番号, each one quarantined.
            return None;
        }
        Some(id)
    }
}

/// The text after a label and a colon (half- or full-width) in a cell: `事業所番号：1370099010`
/// → `1370099010`; `key` is the label's `label_key`.
fn after_label<'v>(cell: &'v str, key: &str) -> &'v str {
    // Walk the cell's characters until their keys spell the label.
    let mut built = String::new();
    let mut end = 0;
    for (i, c) in cell.char_indices() {
        if built.len() >= key.len() {
            break;
        }
        built.push_str(&label_key(c.encode_utf8(&mut [0; 4])));
        end = i + c.len_utf8();
    }
    cell[end..]
        .trim_start_matches([' ', '\t', '\u{3000}', ':', '：'])
        .trim_end_matches([' ', '\t', '\u{3000}'])
}
