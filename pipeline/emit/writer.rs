//! The LIFE file writer: data-type line, header in the spec's order, CRLF after every line,
//! quotes only where a value needs them (`,` `"`), values trimmed. UTF-8 with BOM by default,
//! CP932 on request — a character CP932 cannot hold is an error naming line and column, never a
//! silent `?` or `&#NNNNN;`. Written by hand, not with csv::Writer: LIFE's quoting differs
//! (a line break in a value is an error, not a quoted field), and the lines are built a block of
//! rows at a time from the frame's columns, each value encoded once, straight to CP932.

use encoding_rs::{EncoderResult, SHIFT_JIS};
use polars::prelude::*;

use super::verify::RowSum;
use crate::spec::Schema;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputEncoding {
    /// UTF-8 with a byte-order mark (what Excel and LIFE both read).
    Utf8Bom,
    /// Shift_JIS as Windows writes it (CP932).
    Cp932,
}

impl OutputEncoding {
    /// The encoding a reader finds the file in.
    pub fn text_encoding(self) -> crate::decode::TextEncoding {
        match self {
            OutputEncoding::Utf8Bom => crate::decode::TextEncoding::Utf8Bom,
            OutputEncoding::Cp932 => crate::decode::TextEncoding::Cp932,
        }
    }
}

/// Why a frame cannot be written as a LIFE file. Lines are those of the file being written.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WriteError {
    #[error("line {line}, column {column}: {ch:?} (U+{code:04X}) cannot be written in CP932", code = *ch as u32)]
    Unencodable { line: u64, column: String, ch: char },
    #[error("line {line}, column {column}: a line break inside a value (LIFE ends records at CR)")]
    LineBreak { line: u64, column: String },
    #[error("column `{column}` is not an item of {data_type}")]
    UnknownColumn { column: String, data_type: String },
    #[error("column `{column}` is not a string column")]
    NotText { column: String },
}

/// The value that tells LIFE to delete a stored value: exactly one half-width space. It is
/// written only when a frame holds exactly this value, i.e. on purpose.
pub const CLEAR: &str = " ";

/// Characters the CP932 encoder maps to a byte that decodes as another character (WHATWG
/// Shift_JIS: ¥ → `\`, ‾ → `~`, − → －): writing them would change the data.
const CP932_LOSSY: [char; 3] = ['\u{A5}', '\u{203E}', '\u{2212}'];

/// Writes the schema's columns that the frame has (spec order; lineage columns starting with
/// `__` are skipped). Null → empty field.
pub fn write_life_file(
    schema: &Schema,
    frame: &DataFrame,
    encoding: OutputEncoding,
) -> Result<Vec<u8>, WriteError> {
    let rows = LifeRows::new(schema, frame)?;
    let mut out = rows.header(encoding);
    out.reserve(frame.height() * rows.header.len() * 4);
    let mut failed = None;
    rows.encode(encoding, &mut out, |_, _, e, _| {
        if let Some(e) = e {
            failed.get_or_insert(e);
        }
    });
    match failed {
        Some(e) => Err(e),
        None => Ok(out),
    }
}

/// A frame's rows as LIFE lines: the schema's columns the frame has, in spec order.
pub struct LifeRows<'a> {
    data_type: &'a str,
    header: Vec<&'a str>,
    columns: Vec<std::borrow::Cow<'a, StringChunked>>,
    height: usize,
}

impl<'a> LifeRows<'a> {
    pub fn new(schema: &'a Schema, frame: &'a DataFrame) -> Result<Self, WriteError> {
        for name in frame.get_column_names() {
            if !name.starts_with("__") && schema.item(name).is_none() {
                return Err(WriteError::UnknownColumn {
                    column: name.to_string(),
                    data_type: schema.data_type.clone(),
                });
            }
        }
        let (mut header, mut columns) = (Vec::new(), Vec::new());
        for item in &schema.items {
            if let Ok(c) = frame.column(&item.id) {
                let ca = c.str().map_err(|_| WriteError::NotText {
                    column: item.id.clone(),
                })?;
                header.push(item.id.as_str());
                columns.push(ca.rechunk());
            }
        }
        Ok(LifeRows {
            data_type: &schema.data_type,
            header,
            columns,
            height: frame.height(),
        })
    }

    /// How many columns the lines have.
    pub fn columns(&self) -> usize {
        self.header.len()
    }

    /// The file's first lines: byte-order mark (UTF-8), data type, header.
    pub fn header(&self, encoding: OutputEncoding) -> Vec<u8> {
        let mut out = Vec::with_capacity(64 + self.header.len() * 24);
        if encoding == OutputEncoding::Utf8Bom {
            out.extend_from_slice(b"\xEF\xBB\xBF");
        }
        out.extend_from_slice(self.data_type.as_bytes());
        out.extend_from_slice(b"\r\n");
        out.extend_from_slice(self.header.join(",").as_bytes());
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Appends every row's line to `out`, calling `done(row, out's length, error, sum)` after
    /// each: a row that cannot be written leaves nothing in `out`, and its error names the line
    /// it would have had in a file of this frame alone; `sum` is the [`RowSum`] of the row's
    /// values as the frame holds them, for the check of the line when it is written.
    pub fn encode(
        &self,
        encoding: OutputEncoding,
        out: &mut Vec<u8>,
        mut done: impl FnMut(usize, usize, Option<WriteError>, u64),
    ) {
        let mut enc = Encoder::new(encoding);
        each_row(&self.columns, self.height, |i, row| {
            let start = out.len();
            let mut sum = RowSum::default();
            row.values().for_each(|v| sum.value(v));
            let values = row.values().map(|v| v.unwrap_or(""));
            let e = self.line(values, i as u64 + 3, &mut enc, out).err();
            if e.is_some() {
                out.truncate(start);
            }
            done(i, out.len(), e, sum.finish());
        });
    }

    fn line<'v>(
        &self,
        row: impl Iterator<Item = &'v str>,
        line: u64,
        enc: &mut Encoder,
        out: &mut Vec<u8>,
    ) -> Result<(), WriteError> {
        for (i, v) in row.enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let v = if v == CLEAR { v } else { trim_blanks(v) };
            let special = v.bytes().any(|b| matches!(b, b'\r' | b'\n' | b',' | b'"'));
            if !special {
                enc.put(v, out)
                    .map_err(|ch| unencodable(line, self.header[i], ch))?;
                continue;
            }
            if v.contains(['\r', '\n']) {
                return Err(WriteError::LineBreak {
                    line,
                    column: self.header[i].to_string(),
                });
            }
            out.push(b'"');
            enc.put(&v.replace('"', "\"\""), out)
                .map_err(|ch| unencodable(line, self.header[i], ch))?;
            out.push(b'"');
        }
        out.extend_from_slice(b"\r\n");
        Ok(())
    }
}

impl WriteError {
    /// The error with the line the row has in the file actually written.
    pub fn at_line(self, at: u64) -> WriteError {
        match self {
            WriteError::Unencodable { column, ch, .. } => WriteError::Unencodable {
                line: at,
                column,
                ch,
            },
            WriteError::LineBreak { column, .. } => WriteError::LineBreak { line: at, column },
            e => e,
        }
    }
}

/// Rows gathered per block (see [`each_row`]): a block's values of every column fit in the
/// core's cache.
const BLOCK: usize = 64;

/// Calls `f(row, values)` for each of the `height` rows of string columns, in order. Rows go a
/// block at a time, the block's values gathered column after column first: each column's array
/// is read in order (direct indexed access, no iterator per column), not one cache line of
/// every column per row.
pub fn each_row<'a>(
    columns: &'a [std::borrow::Cow<'_, StringChunked>],
    height: usize,
    mut f: impl FnMut(usize, Row<'_, 'a>),
) {
    let arrays: Vec<_> = columns.iter().map(|ca| ca.downcast_as_array()).collect();
    let mut cells: Vec<Option<&str>> = Vec::with_capacity(BLOCK * arrays.len());
    for first in (0..height).step_by(BLOCK) {
        let n = BLOCK.min(height - first);
        cells.clear();
        for arr in &arrays {
            cells.extend((first..first + n).map(|row| arr.get(row)));
        }
        for r in 0..n {
            f(
                first + r,
                Row {
                    cells: &cells,
                    n,
                    r,
                },
            );
        }
    }
}

/// One row of [`each_row`]'s block.
#[derive(Clone, Copy)]
pub struct Row<'c, 'a> {
    cells: &'c [Option<&'a str>],
    n: usize,
    r: usize,
}

impl<'c, 'a> Row<'c, 'a> {
    /// The row's values, in the columns' order (None for a null).
    #[inline]
    pub fn values(self) -> impl Iterator<Item = Option<&'a str>> + 'c {
        self.cells
            .chunks_exact(self.n)
            .map(move |column| column[self.r])
    }
}

/// A value without the half-width spaces and tabs around it (ASCII: cut byte-wise).
fn trim_blanks(v: &str) -> &str {
    let b = v.as_bytes();
    let blank = |c: &u8| matches!(c, b' ' | b'\t');
    let start = b.iter().position(|c| !blank(c)).unwrap_or(b.len());
    let end = b.iter().rposition(|c| !blank(c)).map_or(start, |e| e + 1);
    &v[start..end]
}

fn unencodable(line: u64, column: &str, ch: char) -> WriteError {
    WriteError::Unencodable {
        line,
        column: column.to_string(),
        ch,
    }
}

/// Appends text in the output encoding; `Err(ch)` for a character it cannot hold exactly.
struct Encoder(Option<encoding_rs::Encoder>);

impl Encoder {
    fn new(encoding: OutputEncoding) -> Self {
        Encoder(match encoding {
            OutputEncoding::Utf8Bom => None,
            OutputEncoding::Cp932 => Some(SHIFT_JIS.new_encoder()),
        })
    }

    fn put(&mut self, s: &str, out: &mut Vec<u8>) -> Result<(), char> {
        let Some(enc) = &mut self.0 else {
            out.extend_from_slice(s.as_bytes());
            return Ok(());
        };
        if s.is_ascii() {
            out.extend_from_slice(s.as_bytes());
            return Ok(());
        }
        if let Some(c) = s.chars().find(|c| CP932_LOSSY.contains(c)) {
            return Err(c);
        }
        let need = enc
            .max_buffer_length_from_utf8_without_replacement(s.len())
            .unwrap_or(s.len() * 2);
        out.reserve(need);
        match enc.encode_from_utf8_to_vec_without_replacement(s, out, true) {
            (EncoderResult::InputEmpty, _) => Ok(()),
            (EncoderResult::Unmappable(c), _) => Err(c),
            (EncoderResult::OutputFull, _) => unreachable!("reserved the maximum length"),
        }
    }
}

#[cfg(test)]
mod tests {
    proptest::proptest! {
        /// Cutting blanks byte-wise is `trim_matches` on the two characters.
        #[test]
        fn trim_blanks_is_trim_matches(v in "[ \ta　あ]{0,12}") {
            proptest::prop_assert_eq!(super::trim_blanks(&v), v.trim_matches([' ', '\t']));
        }
    }
}
