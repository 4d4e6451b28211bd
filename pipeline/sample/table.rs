//! A vendor file before it becomes bytes: preamble, header, rows, trailer; the wrong values
//! `dirty` puts in; and the CSV/TSV writer (quoting, CRLF, CP932 or UTF-8 with BOM).

use std::path::PathBuf;

use super::rng::Rng;
use super::{Expected, SampleFile};

/// The text encoding of a vendor file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Encoding {
    /// Windows-31J, as desktop care software writes it.
    Cp932,
    /// UTF-8 with a byte-order mark.
    Utf8Bom,
}

/// One data row.
pub(super) struct Row {
    pub(super) cells: Vec<String>,
    /// The reason the pipeline must quarantine the row (a dummy user), if any.
    pub(super) quarantine: Option<&'static str>,
}

pub(super) struct Table {
    pub(super) path: PathBuf,
    pub(super) encoding: Encoding,
    pub(super) delimiter: char,
    /// Lines before the header, as fields.
    pub(super) preamble: Vec<Vec<String>>,
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Row>,
    /// Lines after the data (合計 …), as fields.
    pub(super) trailer: Vec<Vec<String>>,
    /// Which fields are written in double quotes. Fields holding the delimiter, a quote or a
    /// line break are always quoted.
    pub(super) quoting: Quoting,
}

/// Which fields a vendor quotes.
#[derive(Debug, Clone, Copy)]
pub(super) enum Quoting {
    /// Every field of every line (カナミック).
    All,
    /// The data fields of these columns (ほのぼの quotes text, not numbers or dates).
    Columns(&'static [&'static str]),
    /// Only where the value needs it.
    Minimal,
}

/// How a wrong value is made for a column.
#[derive(Clone, Copy)]
pub(super) enum Spoil {
    /// Not a calendar date.
    Date,
    /// A label with no code.
    Label(&'static [&'static str]),
    /// Kana that has no half-width form: the kanji of the named column of the same row.
    KanjiFrom(&'static str),
    /// Barthel Index points no level is worth.
    Barthel,
    /// Not a number.
    Number,
}

const BAD_DATES: [&str; 5] = [
    "2026/13/45",
    "令和8年2月30日",
    "R8.13.01",
    "2026-02-30",
    "1945/0/12",
];
const BAD_POINTS: [&str; 3] = ["7", "12", "3"];
const BAD_NUMBERS: [&str; 3] = ["150cm", "百五十", "約45"];

impl Table {
    /// The physical line of data row `i` (1-based lines; preamble, then the header).
    pub(super) fn line_of(&self, i: usize) -> u64 {
        (self.preamble.len() + 2 + i) as u64
    }

    pub(super) fn column(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    /// Rows that must be quarantined, as designed findings.
    pub(super) fn quarantined(&self, out: &mut Vec<Expected>) {
        for (i, r) in self.rows.iter().enumerate() {
            if let Some(reason) = r.quarantine {
                out.push(Expected {
                    path: self.path.clone(),
                    line: self.line_of(i),
                    column: String::new(),
                    rule: "ingest.quarantined",
                    value: reason.to_string(),
                    designed: true,
                });
            }
        }
    }

    /// With probability `p` per non-empty value of the listed columns (rows that are not
    /// quarantined), replaces the value with a wrong one and records the finding it must
    /// cause. `placeholders` are not values.
    pub(super) fn spoil(
        &mut self,
        rng: &mut Rng,
        p: f64,
        columns: &[(&str, Spoil)],
        placeholders: &[&str],
        out: &mut Vec<Expected>,
    ) {
        let cols: Vec<(usize, Spoil)> = columns
            .iter()
            .filter_map(|(name, s)| self.column(name).map(|i| (i, *s)))
            .collect();
        for i in 0..self.rows.len() {
            let line = self.line_of(i);
            for &(c, spoil) in &cols {
                // Always draw, so the choice of cells does not depend on the values.
                let hit = rng.chance(p);
                let choice = rng.next_u64();
                let Some(row) = self.rows.get(i) else {
                    continue;
                };
                let current = row.cells.get(c).map(|v| v.trim()).unwrap_or("");
                if !hit
                    || row.quarantine.is_some()
                    || current.is_empty()
                    || placeholders.contains(&current)
                {
                    continue;
                }
                let pick = |xs: &[&'static str]| -> &'static str {
                    let n = xs.len().max(1) as u64;
                    xs.get((choice % n) as usize).copied().unwrap_or("")
                };
                let (bad, rule) = match spoil {
                    Spoil::Date => (pick(&BAD_DATES).to_string(), "ingest.date"),
                    Spoil::Label(xs) => (pick(xs).to_string(), "ingest.label"),
                    Spoil::Barthel => (pick(&BAD_POINTS).to_string(), "ingest.barthel"),
                    Spoil::Number => (pick(&BAD_NUMBERS).to_string(), "ingest.number"),
                    Spoil::KanjiFrom(name) => {
                        let kanji = self
                            .column(name)
                            .and_then(|k| row.cells.get(k))
                            .cloned()
                            .unwrap_or_default();
                        (
                            if kanji.is_empty() {
                                "漢字".into()
                            } else {
                                kanji
                            },
                            "ingest.kana",
                        )
                    }
                };
                if bad == current {
                    continue;
                }
                if let Some(cell) = self.rows.get_mut(i).and_then(|r| r.cells.get_mut(c)) {
                    cell.clone_from(&bad);
                }
                out.push(Expected {
                    path: self.path.clone(),
                    line,
                    column: self.header.get(c).cloned().unwrap_or_default(),
                    rule,
                    value: bad,
                    designed: false,
                });
            }
        }
    }

    /// The file's bytes: CRLF line ends, quoting by the table's policy, then encoded.
    pub(super) fn render(&self) -> SampleFile {
        let mut text = String::new();
        if self.encoding == Encoding::Utf8Bom {
            text.push('\u{FEFF}');
        }
        for p in &self.preamble {
            self.line(&mut text, p, None);
        }
        self.line(&mut text, &self.header, None);
        for r in &self.rows {
            self.line(&mut text, &r.cells, Some(&self.header));
        }
        for t in &self.trailer {
            self.line(&mut text, t, None);
        }
        let bytes = match self.encoding {
            Encoding::Utf8Bom => text.into_bytes(),
            Encoding::Cp932 => encoding_rs::SHIFT_JIS.encode(&text).0.into_owned(),
        };
        SampleFile {
            path: self.path.clone(),
            bytes,
        }
    }

    /// Appends one line. `names` is the header for data rows (the `Columns` policy applies to
    /// data rows only).
    fn line(&self, text: &mut String, fields: &[String], names: Option<&[String]>) {
        for (i, f) in fields.iter().enumerate() {
            if i > 0 {
                text.push(self.delimiter);
            }
            let must = f.contains(self.delimiter)
                || f.contains('"')
                || f.contains('\n')
                || f.contains('\r');
            let policy = match self.quoting {
                Quoting::All => true,
                Quoting::Minimal => false,
                Quoting::Columns(cols) => names
                    .and_then(|n| n.get(i))
                    .is_some_and(|n| cols.contains(&n.as_str())),
            };
            push_field(text, f, must || policy);
        }
        text.push_str("\r\n");
    }
}

/// Appends one field, in quotes (a quote inside doubled) or as it is.
pub(super) fn push_field(text: &mut String, f: &str, quoted: bool) {
    if quoted {
        text.push('"');
        text.push_str(&f.replace('"', "\"\""));
        text.push('"');
    } else {
        text.push_str(f);
    }
}
