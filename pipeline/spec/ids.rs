//! Names that say which office and which interface a value belongs to, as types: a 事業所番号
//! and a data type are both text, and swapping two `&str` arguments compiles.

use std::borrow::Cow;
use std::fmt;

use serde::Serialize;

/// A column ID or data type as LIFE spells them: an ASCII letter, then letters, digits and `_`;
/// at most 128 long (the longest known, a 3.10 data type, has 66).
/// Anything else is never echoed into a report (it may be a name from a misplaced data row).
pub fn is_id_shaped(s: &str) -> bool {
    s.len() <= 128
        && s.bytes().next().is_some_and(|b| b.is_ascii_alphabetic())
        && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

/// A 事業所番号: LIFE's are 10 digits, kept as text (leading zeros count). Taken as the job
/// file gives it; the rules on the LIFE files check the digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct FacilityId(String);

impl FacilityId {
    pub fn new(id: impl Into<String>) -> Self {
        FacilityId(id.into())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for FacilityId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

/// A LIFE interface's data type, as its file names and the spec spell it
/// (`SERVICE_USER_INFO`, `FORM_0000_2021` …). The ones the code names are constants, with no
/// allocation; the others come from the spec and profiles.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct DataType(Cow<'static, str>);

impl DataType {
    /// The users (利用者情報): a form row's user must be in it, and the due calendar reads its
    /// service dates.
    pub const SERVICE_USER_INFO: DataType = DataType(Cow::Borrowed("SERVICE_USER_INFO"));

    pub fn new(name: impl Into<String>) -> Self {
        DataType(Cow::Owned(name.into()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn is_service_user_info(&self) -> bool {
        *self == Self::SERVICE_USER_INFO
    }
}

/// Pads like a `str`, so `{:<66}` lines up tables.
impl fmt::Display for DataType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.pad(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_data_type_from_text_equals_its_constant() {
        let read = DataType::new(String::from("SERVICE_USER_INFO"));
        assert_eq!(read, DataType::SERVICE_USER_INFO);
        assert!(read.is_service_user_info());
        let form = DataType::new("FORM_0000_2021");
        assert!(!form.is_service_user_info());
        assert_eq!(form.as_str(), "FORM_0000_2021");
        assert!(
            form < DataType::SERVICE_USER_INFO,
            "ordered by name, as text"
        );
    }

    #[test]
    fn ids_show_and_serialize_as_their_text() {
        let id = FacilityId::new("0123456789");
        assert_eq!(id.as_str(), "0123456789");
        assert_eq!(format!("[{id:>12}]"), "[  0123456789]");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"0123456789\"");
        let t = DataType::new("FORM_0000_2021");
        assert_eq!(format!("[{t:<16}]"), "[FORM_0000_2021  ]");
        assert_eq!(
            serde_json::to_string(&DataType::SERVICE_USER_INFO).unwrap(),
            "\"SERVICE_USER_INFO\""
        );
    }
}
