//! Spec facts that belong to no one interface: which `version` column values LIFE accepts and
//! which spec data checks each (`schemas/versions.toml`), and which interfaces a spec version
//! has, known or not (`schemas/<version>/interfaces.toml`).

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use super::SpecError;
use super::ids::is_id_shaped;

/// The file of accepted `version` values, at the top of a schema tree.
pub const VERSIONS: &str = "versions.toml";
/// The file of a version's interfaces, in its folder.
pub const INTERFACES: &str = "interfaces.toml";

/// One accepted value of the `version` column.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct VersionValue {
    /// The value as a file carries it, e.g. `0310`.
    pub value: String,
    /// The spec version whose data checks it, e.g. `3.10`.
    pub spec: String,
    /// The spec version that checks it when `spec` is not loaded (or lacks the interface).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fallback: Option<String>,
    /// Why checking with `fallback` is sound; the report quotes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Where the fact comes from.
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct VersionsFile {
    version: Vec<VersionValue>,
}

/// One interface of a spec version, whether its items are bundled or not.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interface {
    /// The Japanese name, as the spec or the sources name it.
    pub name: String,
    /// The physical name (line 1 of a file); absent when it is not known yet.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data_type: Option<String>,
    /// What a schema's title contains when it is this interface (a schema from a user's
    /// workbook, whose physical name the catalogue does not know); default: `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title_contains: Option<String>,
    /// The 2021 interfaces it replaces.
    #[serde(default)]
    pub replaces: Vec<String>,
    /// Where the facts come from, with their tags (`[C3] S7`, `[U]` …).
    pub evidence: String,
}

impl Interface {
    /// Whether `data_type` / `title` is this interface.
    pub fn is(&self, data_type: &str, title: &str) -> bool {
        match &self.data_type {
            Some(d) => d == data_type,
            None => {
                let key = self.title_contains.as_deref().unwrap_or(&self.name);
                title.contains(key)
            }
        }
    }
}

/// A version's `interfaces.toml`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interfaces {
    /// How every physical name of this version ends (`_2024`): a file whose data type ends so
    /// is one of this version's interfaces even when its items are not bundled.
    pub data_type_suffix: String,
    pub interface: Vec<Interface>,
}

/// What the tree says about versions and interfaces.
#[derive(Debug, Clone, Default)]
pub struct Catalogue {
    /// Accepted `version` values, in file order. Empty: the tree has no `versions.toml`, and
    /// `version` values are not checked.
    pub versions: Vec<VersionValue>,
    /// Per spec version, its `interfaces.toml`.
    pub interfaces: BTreeMap<String, Interfaces>,
}

impl Catalogue {
    /// Reads `versions.toml`, refusing what cannot be trusted.
    pub fn parse_versions(path: &str, text: &str) -> Result<Vec<VersionValue>, SpecError> {
        let f: VersionsFile =
            toml::from_str(text).map_err(|e| SpecError::invalid(path, e.to_string()))?;
        let mut seen = BTreeSet::new();
        for v in &f.version {
            let bad = |m: String| {
                Err(SpecError::invalid(
                    path,
                    format!("version `{}`: {m}", v.value),
                ))
            };
            if v.value.len() != 4 || !v.value.bytes().all(|b| b.is_ascii_digit()) {
                return bad("a version value is 4 digits (e.g. `0310`)".into());
            }
            if !seen.insert(v.value.as_str()) {
                return bad("given more than once".into());
            }
            if v.spec.trim().is_empty() {
                return bad("`spec` is empty".into());
            }
            match (&v.fallback, &v.reason) {
                (Some(f), _) if *f == v.spec => {
                    return bad(format!("`fallback` is its own spec `{f}`"));
                }
                (Some(_), None) => return bad("a `fallback` needs a `reason`".into()),
                (None, Some(_)) => return bad("a `reason` without a `fallback`".into()),
                _ => {}
            }
        }
        Ok(f.version)
    }

    /// Reads a version's `interfaces.toml`, refusing what cannot be trusted.
    pub fn parse_interfaces(path: &str, text: &str) -> Result<Interfaces, SpecError> {
        let f: Interfaces =
            toml::from_str(text).map_err(|e| SpecError::invalid(path, e.to_string()))?;
        if f.data_type_suffix.is_empty() {
            return Err(SpecError::invalid(path, "`data_type_suffix` is empty"));
        }
        let mut names = BTreeSet::new();
        let mut types = BTreeSet::new();
        for i in &f.interface {
            let bad = |m: String| {
                Err(SpecError::invalid(
                    path,
                    format!("interface `{}`: {m}", i.name),
                ))
            };
            if i.name.trim().is_empty() {
                return Err(SpecError::invalid(path, "an interface without a `name`"));
            }
            if !names.insert(i.name.as_str()) {
                return bad("given more than once".into());
            }
            if let Some(d) = &i.data_type {
                if !is_id_shaped(d) {
                    return bad(format!("`data_type` `{d}` is not a physical name"));
                }
                if !types.insert(d.as_str()) {
                    return bad(format!("`data_type` `{d}` is given more than once"));
                }
            }
            if let Some(bad_form) = i.replaces.iter().find(|r| !is_id_shaped(r)) {
                return bad(format!("`replaces` `{bad_form}` is not a physical name"));
            }
        }
        Ok(f)
    }

    /// The entry of a `version` value.
    pub fn version(&self, value: &str) -> Option<&VersionValue> {
        self.versions.iter().find(|v| v.value == value)
    }

    /// The accepted values, lowest first, e.g. `0300, 0310`.
    pub fn accepted(&self) -> Vec<&str> {
        let mut out: Vec<&str> = self.versions.iter().map(|v| v.value.as_str()).collect();
        out.sort_unstable();
        out
    }

    /// The spec versions that list `data_type` as theirs, or whose physical names end like it:
    /// an interface the tree should know but whose items may not be bundled.
    pub fn claiming(&self, data_type: &str) -> Vec<&str> {
        self.interfaces
            .iter()
            .filter(|(_, f)| {
                data_type.ends_with(&f.data_type_suffix)
                    || f.interface
                        .iter()
                        .any(|i| i.data_type.as_deref() == Some(data_type))
            })
            .map(|(v, _)| v.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn versions(text: &str) -> Result<Vec<VersionValue>, SpecError> {
        Catalogue::parse_versions("t/versions.toml", text)
    }

    const OK: &str = "[[version]]\nvalue = \"0310\"\nspec = \"3.10\"\nsource = \"s\"\n";

    #[test]
    fn a_well_formed_versions_file_loads() {
        let v = versions(OK).unwrap();
        assert_eq!((v[0].value.as_str(), v[0].spec.as_str()), ("0310", "3.10"));
    }

    #[test]
    fn broken_versions_files_are_refused_naming_the_value() {
        for (text, want) in [
            (
                OK.replace("0310", "310"),
                "version `310`: a version value is 4 digits (e.g. `0310`)",
            ),
            (format!("{OK}{OK}"), "version `0310`: given more than once"),
            (
                OK.replace("source", "fallback = \"3.00\"\nsource"),
                "version `0310`: a `fallback` needs a `reason`",
            ),
            (
                OK.replace("source", "fallback = \"3.10\"\nreason = \"r\"\nsource"),
                "version `0310`: `fallback` is its own spec `3.10`",
            ),
        ] {
            let e = versions(&text).unwrap_err().to_string();
            assert_eq!(e, format!("t/versions.toml: {want}"), "{text}");
        }
        assert!(versions("[[version]]\nvalue = \"0310\"\n").is_err());
    }

    #[test]
    fn broken_interfaces_files_are_refused() {
        let one =
            "data_type_suffix = \"_2024\"\n[[interface]]\nname = \"口腔\"\nevidence = \"[U]\"\n";
        assert!(Catalogue::parse_interfaces("i", one).is_ok());
        let twice = format!("{one}[[interface]]\nname = \"口腔\"\nevidence = \"[U]\"\n");
        assert_eq!(
            Catalogue::parse_interfaces("i", &twice)
                .unwrap_err()
                .to_string(),
            "i: interface `口腔`: given more than once"
        );
        let bad = one.replace("evidence", "data_type = \"口腔\"\nevidence");
        assert_eq!(
            Catalogue::parse_interfaces("i", &bad)
                .unwrap_err()
                .to_string(),
            "i: interface `口腔`: `data_type` `口腔` is not a physical name"
        );
    }
}
