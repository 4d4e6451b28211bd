//! The ケアプランデータ連携標準仕様 4.1 CSV layouts as data (`schemas/careplan-4.1/`): the file
//! kinds with their name patterns, row keys and send units (`files.tsv`), every column of every
//! kind (`items.tsv`), and which CSVバージョン applies from which 提供年月 (`versions.tsv`).
//! Each column keeps its basis and whether the source text was damaged there (`low`).

use super::SpecError;

/// The folder of `schemas/` these files live in.
pub const DIR: &str = "careplan-4.1";

/// What an item holds, from the layout's 書式 text (the layout has no 属性 column).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attr {
    /// 年月: `YYYYMM`.
    YearMonth,
    /// 日付: `YYYYMMDD`.
    Date,
    /// 時刻: `HHMM`.
    Time,
    /// 番号: digits (保険者番号 6, 事業所番号 10; 被保険者番号 also `H` + 9).
    Number,
    /// コード: a value of `codes`, or of a table the layout names.
    Code,
    /// 整数: ASCII digits.
    Integer,
    /// 小数: `99.99`.
    Decimal,
    /// 郵便番号: `XXX-XXXX`.
    Postal,
    /// フリーテキスト.
    Text,
    /// フラグ列: 31 characters of `0`/`1`.
    Flags,
    /// 未使用: 「※使用しない」.
    Unused,
}

/// Each attr as `items.tsv` writes it.
const ATTRS: [(&str, Attr); 11] = [
    ("年月", Attr::YearMonth),
    ("日付", Attr::Date),
    ("時刻", Attr::Time),
    ("番号", Attr::Number),
    ("コード", Attr::Code),
    ("整数", Attr::Integer),
    ("小数", Attr::Decimal),
    ("郵便番号", Attr::Postal),
    ("フリーテキスト", Attr::Text),
    ("フラグ列", Attr::Flags),
    ("未使用", Attr::Unused),
];

impl Attr {
    /// As `items.tsv` writes it (`年月` …).
    pub fn label(self) -> &'static str {
        ATTRS
            .iter()
            .find(|(_, a)| *a == self)
            .map_or("", |(l, _)| l)
    }

    fn of(label: &str) -> Option<Self> {
        ATTRS.iter().find(|(l, _)| *l == label).map(|(_, a)| *a)
    }
}

/// 必須 as the layout marks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Need {
    /// ○.
    Required,
    /// 条件: depends on another item (the 書式 text says which).
    Conditional,
    Optional,
}

impl Need {
    /// As `items.tsv` writes it: `○`, `条件` or nothing.
    pub fn mark(self) -> &'static str {
        match self {
            Need::Required => "○",
            Need::Conditional => "条件",
            Need::Optional => "",
        }
    }
}

/// One column of a file kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Column {
    /// No. (1-based field index).
    pub no: usize,
    pub name: String,
    pub attr: Attr,
    /// The attr is inferred: the layout prints no 書式 for the item.
    pub attr_inferred: bool,
    /// The printed 項目長; `None` when 「―」 (free length) or not printed.
    pub max_len: Option<usize>,
    pub need: Need,
    /// (code, label) in layout order.
    pub codes: Vec<(String, String)>,
    pub note: String,
    /// The source text is damaged here: a finding that rests on this column is a warning.
    pub low: bool,
    pub basis: String,
    /// A 被保険者番号: 10 digits, or `H` and 9 digits (生保単独).
    pub insured: bool,
    /// A time that may be `9999` (no time), as its note says.
    pub no_time: bool,
}

impl Column {
    /// Personal data: its values are masked in reports (free text, 被保険者番号, birthdays,
    /// addresses and postcodes).
    pub fn sensitive(&self) -> bool {
        self.attr == Attr::Text
            || ["被保険者番号", "生年月日", "郵便番号", "住所", "電話"]
                .iter()
                .any(|w| self.name.contains(w))
    }
}

/// One file kind (UPJSK, UP1KYO …).
#[derive(Debug, Clone, PartialEq)]
pub struct Kind {
    /// The name prefix before the first `_` of the parts (e.g. `UPKIHON_SUB1`).
    pub code: String,
    pub name_ja: String,
    /// Fields per record; `None` for the JPEG.
    pub columns: Option<usize>,
    /// The file name carries a `YYYYMM` month after the prefix.
    pub month_in_name: bool,
    /// The No. whose value must equal the name's month.
    pub month_item: Option<usize>,
    /// The Nos. that identify one record of a file; empty when the layout gives none.
    pub row_key: Vec<usize>,
    /// The row key is inferred from the record unit, not printed: a duplicate is a warning.
    pub row_key_low: bool,
    /// The kinds that must be in the same send unit (same sender, receiver and timestamp).
    pub unit_with: Vec<String>,
    pub items: Vec<Column>,
}

impl Kind {
    pub fn column(&self, no: usize) -> Option<&Column> {
        self.items.get(no.checked_sub(1)?)
    }
}

/// A CSVバージョン value and the first 提供年月 (`YYYYMM` as a number) it applies to.
#[derive(Debug, Clone, PartialEq)]
pub struct CsvVersion {
    pub value: String,
    pub from: u32,
    pub edition: String,
}

/// The whole layout.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Careplan {
    pub kinds: Vec<Kind>,
    /// Oldest first.
    pub versions: Vec<CsvVersion>,
}

impl Careplan {
    /// The kind of a file name: the longest kind code the name starts with, followed by `_`.
    pub fn kind_of(&self, file_name: &str) -> Option<&Kind> {
        self.kinds
            .iter()
            .filter(|k| {
                file_name
                    .strip_prefix(k.code.as_str())
                    .is_some_and(|rest| rest.starts_with('_'))
            })
            .max_by_key(|k| k.code.len())
    }

    pub fn kind(&self, code: &str) -> Option<&Kind> {
        self.kinds.iter().find(|k| k.code == code)
    }

    /// The CSVバージョン that applies to a 提供年月 (`YYYYMM` as a number).
    pub fn version_for(&self, month: u32) -> Option<&CsvVersion> {
        self.versions.iter().rev().find(|v| v.from <= month)
    }

    /// Reads the three files of `schemas/careplan-4.1/` (`path` names them in errors).
    pub fn parse(path: &str, files: &str, items: &str, versions: &str) -> Result<Self, SpecError> {
        let mut kinds = Vec::new();
        let p = format!("{path}/files.tsv");
        for (line, row) in rows(&p, files, 13)? {
            let bad = |what: &str| SpecError::invalid(format!("{p}:{line}"), what.to_string());
            let nums = |s: &str| -> Result<Vec<usize>, SpecError> {
                s.split(',')
                    .filter(|x| !x.is_empty())
                    .map(|x| x.parse().map_err(|_| bad("row_key: not numbers")))
                    .collect()
            };
            kinds.push(Kind {
                code: row[0].to_string(),
                name_ja: row[1].to_string(),
                columns: match row[5] {
                    "" => None,
                    n => Some(n.parse().map_err(|_| bad("columns: not a number"))?),
                },
                month_in_name: row[8] == "yes",
                month_item: match row[9] {
                    "" => None,
                    n => Some(n.parse().map_err(|_| bad("month_item: not a number"))?),
                },
                row_key: nums(row[10])?,
                row_key_low: row[11] == "low",
                unit_with: row[12]
                    .split(',')
                    .filter(|x| !x.is_empty())
                    .map(str::to_string)
                    .collect(),
                items: Vec::new(),
            });
        }
        let p = format!("{path}/items.tsv");
        for (line, row) in rows(&p, items, 10)? {
            let bad = |what: String| SpecError::invalid(format!("{p}:{line}"), what);
            let kind = kinds
                .iter_mut()
                .find(|k| k.code == row[0])
                .ok_or_else(|| bad(format!("no file kind {}", row[0])))?;
            let no: usize = row[1].parse().map_err(|_| bad("no: not a number".into()))?;
            if no != kind.items.len() + 1 {
                return Err(bad(format!("{} No.{no} out of order", kind.code)));
            }
            let (attr_text, inferred) = match row[3].strip_suffix('*') {
                Some(a) => (a, true),
                None => (row[3], false),
            };
            kind.items.push(Column {
                no,
                name: row[2].to_string(),
                attr: Attr::of(attr_text)
                    .ok_or_else(|| bad(format!("unknown attr {attr_text}")))?,
                attr_inferred: inferred,
                max_len: row[4].parse().ok(),
                need: [Need::Required, Need::Conditional, Need::Optional]
                    .into_iter()
                    .find(|n| n.mark() == row[5])
                    .ok_or_else(|| bad(format!("unknown required mark {}", row[5])))?,
                codes: codes(row[6]).ok_or_else(|| bad(format!("codes: {}", row[6])))?,
                note: row[7].to_string(),
                low: row[8] == "low",
                basis: row[9].to_string(),
                insured: row[2].contains("被保険者番号"),
                no_time: row[7].contains("9999"),
            });
        }
        for k in &kinds {
            if k.columns.is_some_and(|n| n != k.items.len()) {
                return Err(SpecError::invalid(
                    &p,
                    format!(
                        "{}: {} items for {:?} columns",
                        k.code,
                        k.items.len(),
                        k.columns
                    ),
                ));
            }
        }
        let p = format!("{path}/versions.tsv");
        let mut out = Vec::new();
        for (line, row) in rows(&p, versions, 4)? {
            let from = row[1]
                .parse()
                .map_err(|_| SpecError::invalid(format!("{p}:{line}"), "from_month: not YYYYMM"))?;
            out.push(CsvVersion {
                value: row[0].to_string(),
                from,
                edition: row[2].to_string(),
            });
        }
        out.sort_by_key(|v| v.from);
        Ok(Careplan {
            kinds,
            versions: out,
        })
    }
}

/// The data rows of a TSV with a header: (line, at least `min` fields).
fn rows<'t>(
    path: &str,
    text: &'t str,
    min: usize,
) -> Result<Vec<(usize, Vec<&'t str>)>, SpecError> {
    let mut out = Vec::new();
    for (i, l) in text.lines().enumerate().skip(1) {
        if l.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = l.split('\t').collect();
        if f.len() < min {
            return Err(SpecError::invalid(
                format!("{path}:{}", i + 1),
                format!("{} fields, {min} expected", f.len()),
            ));
        }
        out.push((i + 1, f));
    }
    Ok(out)
}

/// `1:該当;0:非該当` → [(1, 該当), (0, 非該当)].
fn codes(s: &str) -> Option<Vec<(String, String)>> {
    s.split(';')
        .filter(|c| !c.is_empty())
        .map(|c| {
            let (code, label) = c.split_once(':')?;
            Some((code.trim().to_string(), label.trim().to_string()))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bundled() -> Careplan {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/schemas/careplan-4.1");
        let read = |f: &str| std::fs::read_to_string(format!("{dir}/{f}")).unwrap();
        Careplan::parse(
            DIR,
            &read("files.tsv"),
            &read("items.tsv"),
            &read("versions.tsv"),
        )
        .unwrap()
    }

    #[test]
    fn bundled_layout_reads_whole() {
        let c = bundled();
        assert_eq!(c.kinds.len(), 18);
        let jsk = c.kind("UPJSK").unwrap();
        assert_eq!(jsk.items.len(), 25);
        assert_eq!(jsk.month_item, Some(5));
        let c23 = jsk.column(23).unwrap();
        assert_eq!(
            c23.codes,
            vec![("1".into(), "該当".into()), ("0".into(), "非該当".into())]
        );
        assert!(jsk.column(19).unwrap().low);
        assert_eq!(
            c.kind("UP1KYO").unwrap().unit_with,
            ["UP2KYO", "UP3KYO", "UPHOSOKU"]
        );
        assert_eq!(c.kind("UPKIHON_IMAGE").unwrap().columns, None);
    }

    #[test]
    fn kinds_by_name_take_the_longest_prefix() {
        let c = bundled();
        let k = |n: &str| c.kind_of(n).map(|k| k.code.as_str());
        assert_eq!(
            k("UPKIHON_SUB1_1370000018_43_1370000026_15_20261105093000.CSV"),
            Some("UPKIHON_SUB1")
        );
        assert_eq!(
            k("UPKIHON_1370000018_43_1370000026_15_20261105093000.CSV"),
            Some("UPKIHON")
        );
        assert_eq!(k("UPJSK_202610_x.CSV"), Some("UPJSK"));
        assert_eq!(k("UPJSKX_202610.CSV"), None);
        assert_eq!(k("FORM_0000_2021.csv"), None);
    }

    #[test]
    fn the_version_of_a_month() {
        let c = bundled();
        let v = |m| c.version_for(m).map(|v| v.value.as_str());
        assert_eq!(v(202610), Some("202407"));
        assert_eq!(v(202503), Some("202208"));
        assert_eq!(v(202010), Some("202003"));
        assert_eq!(v(202002), None);
    }

    #[test]
    fn a_damaged_table_is_refused() {
        let c = |items: &str| {
            Careplan::parse(
                "x",
                "h\nDLT1KYO\t削除\td\tp\t△\t2\tk\tu\tno\t\t\t\t\n",
                items,
                "h\n",
            )
        };
        assert!(c("h\nDLT1KYO\t1\tCSVバージョン\t年月\t6\t○\t\tn\thigh\tb\nDLT1KYO\t2\t保険者番号\t番号\t6\t○\t\tn\thigh\tb\n").is_ok());
        // Out of order, an unknown attr, a column count that does not match.
        assert!(c("h\nDLT1KYO\t2\t保険者番号\t番号\t6\t○\t\tn\thigh\tb\n").is_err());
        assert!(c("h\nDLT1KYO\t1\tCSVバージョン\t謎\t6\t○\t\tn\thigh\tb\nDLT1KYO\t2\t保険者番号\t番号\t6\t○\t\tn\thigh\tb\n").is_err());
        assert!(c("h\nDLT1KYO\t1\tCSVバージョン\t年月\t6\t○\t\tn\thigh\tb\n").is_err());
    }
}
