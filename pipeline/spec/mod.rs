//! The LIFE specification as data: interface schemas, code sheets and conditional rules,
//! loaded from `schemas/<version>/` (embedded in the binary, or from a directory).

pub mod calendar;
pub mod careplan;
pub mod catalogue;
pub mod derive;
pub mod ids;
pub mod overrides;
mod registry;
pub mod rules;
pub mod schemagen;

pub use registry::{DueRule, ParentRule, Registry, Spec};

use serde::{Deserialize, Serialize};

/// ファイル項目のタイプ, as the workbook spells it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum ItemType {
    /// 文字列: length counted in characters.
    #[serde(rename = "文字列")]
    Text,
    /// 数値: integer digits + decimal digits.
    #[serde(rename = "数値")]
    Number,
    /// 数字: a string of ASCII digits.
    #[serde(rename = "数字")]
    Digits,
    /// Not known from the sources we have (3.10 header-only interfaces).
    #[serde(rename = "unknown")]
    Unknown,
}

/// 必須 mark.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Req {
    /// ◎ 常に必須: the record cannot be imported without it.
    #[serde(rename = "◎")]
    Always,
    /// ○ 確定取込時必須: required for a confirmed import.
    #[serde(rename = "○")]
    Confirmed,
    /// ● 確定取込時かつその他条件に応じて必須: see the rules file.
    #[serde(rename = "●")]
    Conditional,
    /// No mark: optional.
    #[serde(rename = "")]
    Optional,
    /// Not known from the sources we have.
    #[serde(rename = "unknown")]
    Unknown,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Code {
    pub code: String,
    pub label: String,
}

/// 範囲, where the workbook states one.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Range {
    pub min: f64,
    pub max: f64,
}

/// One ファイル項目 (CSV column) of an interface.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Item {
    pub no: Option<u32>,
    /// ファイル項目ID exactly as the spec spells it, typos included.
    pub id: String,
    pub name: String,
    #[serde(rename = "type")]
    pub ty: ItemType,
    /// 整数桁 (文字数): characters for text, integer digits for numbers.
    pub len: Option<u32>,
    /// 小数点以下の桁数.
    pub dec: Option<u32>,
    pub req: Req,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub range: Option<Range>,
    /// 書式, e.g. `YYYYMMDD`, `HHmm`.
    pub fmt: Option<String>,
    /// コード値, in spec order. Empty when the item has no code list.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<Code>,
    /// The code sheet the コード値 cell refers to (e.g. `職種コード`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_sheet: Option<String>,
    /// Text of the コード値 cell that is neither a code nor a sheet reference (e.g. `ICD10`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code_note: Option<String>,
    /// The 説明 allows day `00` for an unknown day (「発症（日）が不明な場合には00日として入力」).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub day_may_be_00: bool,
    /// Personal data: shown only inside the office, hashed, or encrypted (mask in reports).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sensitive: bool,
    /// 説明.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
    /// 備考.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One interface (one kind of LIFE file).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Schema {
    /// The physical name on line 1 of the file, e.g. `FORM_0000_2021`.
    pub data_type: String,
    pub title: String,
    /// Spec version, e.g. `2021` or `3.10`.
    pub spec: String,
    /// Where the facts come from.
    pub source: String,
    /// True when types, lengths or requirement marks are not known.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub partial: bool,
    pub items: Vec<Item>,
}

impl Schema {
    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }
}

/// A code sheet of the workbook (職種コード, ICFコード …).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSheet {
    pub name: String,
    pub codes: Vec<Code>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodeSheets {
    pub spec: String,
    pub source: String,
    pub sheets: Vec<CodeSheet>,
}

/// Errors while loading or generating spec data.
#[derive(Debug, thiserror::Error)]
pub enum SpecError {
    #[error("{path}: {message}")]
    Invalid { path: String, message: String },
    #[error("{path}: {source}")]
    Io {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    Workbook { path: String, message: String },
}

impl SpecError {
    pub(crate) fn invalid(path: impl Into<String>, message: impl Into<String>) -> Self {
        SpecError::Invalid {
            path: path.into(),
            message: message.into(),
        }
    }
}

impl Item {
    /// The requirement mark as the spec writes it.
    pub fn req_mark(&self) -> &'static str {
        match self.req {
            Req::Always => "◎",
            Req::Confirmed => "○",
            Req::Conditional => "●",
            Req::Optional => "",
            Req::Unknown => "?",
        }
    }
}
