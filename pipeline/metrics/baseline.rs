//! The baseline inventory (TOML): the paper forms and flows an office used before ICT, with
//! the factors only the office can declare — pages, copies, re-keying steps, minutes — and the
//! LIFE interface that replaces each form. One file per corporation; a `[[facility]]` section
//! gives one office its own inventory instead.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde::{Deserialize, Serialize};
use toml::Spanned;

use crate::spec::Registry;

#[derive(Debug, thiserror::Error)]
#[error("{path}:{line}: {message}")]
pub struct BaselineError {
    pub path: String,
    /// 1-based; 0 when the error is about the whole file.
    pub line: usize,
    pub message: String,
}

/// What one unit of a form is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Unit {
    /// One record of the replacing interface (one assessment, one plan).
    Record,
    /// One user in a month: users with a record of the replacing interface.
    UserMonth,
    /// One per facility and month, when the facility has any record of it.
    FacilityMonth,
}

/// How the paper form travelled before ICT.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Paper,
    Fax,
    Post,
    Hand,
}

/// One paper form or flow, as declared.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Form {
    pub id: String,
    pub name: String,
    pub unit: Unit,
    pub pages_per_unit: f64,
    /// Copies printed and kept.
    pub copies: u32,
    /// Sheets per unit still printed after ICT (a copy to sign, say).
    pub pages_after_per_unit: f64,
    /// Times each value was written again (handwritten → Excel → 請求ソフト: 2).
    pub transcriptions_before: Option<u32>,
    /// Values per unit that were written by hand.
    pub fields_per_unit: Option<u32>,
    /// Minutes per unit before ICT: (low, high).
    pub minutes_per_unit: Option<(f64, f64)>,
    /// Minutes per unit after ICT: (low, high); None: not declared (taken as 0).
    pub minutes_after_per_unit: Option<(f64, f64)>,
    pub channel: Channel,
    /// LIFE interfaces (data types) that replace it.
    pub replaced_by: Vec<String>,
    /// Other electronic outputs that replace it (`other:…`): lifeline cannot count these.
    pub replaced_elsewhere: Vec<String>,
    /// Units a month before ICT; None: taken as this month's electronic instances.
    pub units_per_month: Option<f64>,
    /// The line of the form in the baseline file.
    pub line: usize,
}

/// A baseline inventory.
#[derive(Debug, Clone)]
pub struct Baseline {
    pub name: String,
    /// Where the factors come from (a time study, a form count …), as declared.
    pub source: String,
    pub path: String,
    /// The corporation's inventory.
    pub forms: Vec<Form>,
    /// Offices with their own inventory.
    pub facilities: BTreeMap<String, Vec<Form>>,
}

impl Baseline {
    pub fn load(path: &Path, registry: &Registry) -> Result<Self, BaselineError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| BaselineError {
            path: shown.clone(),
            line: 0,
            message: e.to_string(),
        })?;
        Self::parse(&text, &shown, registry)
    }

    pub fn parse(text: &str, path: &str, registry: &Registry) -> Result<Self, BaselineError> {
        let line_of = |offset: usize| text[..offset.min(text.len())].matches('\n').count() + 1;
        let err = |line: usize, message: String| BaselineError {
            path: path.to_string(),
            line,
            message,
        };
        let file: FileToml = toml::from_str(text)
            .map_err(|e| err(e.span().map_or(0, |s| line_of(s.start)), e.message().into()))?;
        let forms = |list: Vec<Spanned<FormToml>>| -> Result<Vec<Form>, BaselineError> {
            let mut seen = BTreeSet::new();
            let mut out = Vec::new();
            for f in list {
                let line = line_of(f.span().start);
                let form = f
                    .into_inner()
                    .check(registry, line)
                    .map_err(|m| err(line, m))?;
                if !seen.insert(form.id.clone()) {
                    return Err(err(line, format!("form `{}` is listed twice", form.id)));
                }
                out.push(form);
            }
            Ok(out)
        };
        let mut facilities = BTreeMap::new();
        for f in file.facility {
            let line = line_of(f.span().start);
            let f = f.into_inner();
            if f.form.is_empty() {
                return Err(err(
                    line,
                    format!("facility {} lists no [[facility.form]]", f.id),
                ));
            }
            let id = f.id.clone();
            if facilities.insert(id.clone(), forms(f.form)?).is_some() {
                return Err(err(line, format!("facility {id} is listed twice")));
            }
        }
        let corporation = forms(file.form)?;
        if corporation.is_empty() && facilities.is_empty() {
            return Err(err(0, "no [[form]]: the inventory is empty".into()));
        }
        Ok(Baseline {
            name: file.name,
            source: file.source,
            path: path.to_string(),
            forms: corporation,
            facilities,
        })
    }

    /// The inventory of a facility: its own, or the corporation's.
    pub fn forms_for(&self, facility: &str) -> &[Form] {
        self.facilities
            .get(facility)
            .map_or(self.forms.as_slice(), Vec::as_slice)
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FileToml {
    name: String,
    #[serde(default)]
    source: String,
    #[serde(default)]
    form: Vec<Spanned<FormToml>>,
    #[serde(default)]
    facility: Vec<Spanned<FacilityToml>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FacilityToml {
    id: String,
    #[serde(default)]
    form: Vec<Spanned<FormToml>>,
}

/// Minutes: one number or `[low, high]`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Minutes {
    One(f64),
    Range([f64; 2]),
}

impl Minutes {
    fn range(&self, what: &str) -> Result<(f64, f64), String> {
        let (lo, hi) = match *self {
            Minutes::One(m) => (m, m),
            Minutes::Range([a, b]) => (a, b),
        };
        if !(lo.is_finite() && hi.is_finite() && lo >= 0.0 && lo <= hi) {
            return Err(format!(
                "{what}: minutes must be a number ≥ 0 or [low, high] with low ≤ high"
            ));
        }
        Ok((lo, hi))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct FormToml {
    id: String,
    name: String,
    unit: Unit,
    pages_per_unit: f64,
    copies: u32,
    #[serde(default)]
    pages_after_per_unit: f64,
    transcriptions_before: Option<u32>,
    fields_per_unit: Option<u32>,
    minutes_per_unit: Option<Minutes>,
    minutes_after_per_unit: Option<Minutes>,
    channel: Channel,
    #[serde(default)]
    replaced_by: Vec<String>,
    units_per_month: Option<f64>,
}

impl FormToml {
    fn check(self, registry: &Registry, line: usize) -> Result<Form, String> {
        let id = &self.id;
        if !(self.pages_per_unit.is_finite() && self.pages_per_unit > 0.0) {
            return Err(format!("form `{id}`: pages_per_unit must be more than 0"));
        }
        if self.copies == 0 {
            return Err(format!("form `{id}`: copies must be at least 1"));
        }
        let printed = self.pages_per_unit * f64::from(self.copies);
        if !(self.pages_after_per_unit >= 0.0 && self.pages_after_per_unit <= printed) {
            return Err(format!(
                "form `{id}`: pages_after_per_unit must be between 0 and pages_per_unit × copies ({printed})"
            ));
        }
        if let Some(u) = self.units_per_month
            && !(u.is_finite() && u >= 0.0)
        {
            return Err(format!("form `{id}`: units_per_month must be 0 or more"));
        }
        let mut replaced_by = Vec::new();
        let mut replaced_elsewhere = Vec::new();
        for r in &self.replaced_by {
            let life = r.strip_prefix("life:").unwrap_or(r);
            if r.contains(':') && !r.starts_with("life:") {
                replaced_elsewhere.push(r.clone());
            } else if registry.specs.iter().any(|s| s.schemas.contains_key(life)) {
                replaced_by.push(life.to_string());
            } else {
                return Err(format!(
                    "form `{id}`: `{r}` is not a LIFE interface (see `lifeline schemas list`); \
                     write other outputs as `other:NAME`"
                ));
            }
        }
        if replaced_by.is_empty() && self.units_per_month.is_none() {
            return Err(format!(
                "form `{id}`: no LIFE interface replaces it, so lifeline cannot count it: \
                 declare units_per_month"
            ));
        }
        let minutes_per_unit = self
            .minutes_per_unit
            .map(|m| m.range(&format!("form `{id}` minutes_per_unit")))
            .transpose()?;
        let minutes_after_per_unit = self
            .minutes_after_per_unit
            .map(|m| m.range(&format!("form `{id}` minutes_after_per_unit")))
            .transpose()?;
        Ok(Form {
            id: self.id,
            name: self.name,
            unit: self.unit,
            pages_per_unit: self.pages_per_unit,
            copies: self.copies,
            pages_after_per_unit: self.pages_after_per_unit,
            transcriptions_before: self.transcriptions_before,
            fields_per_unit: self.fields_per_unit,
            minutes_per_unit,
            minutes_after_per_unit,
            channel: self.channel,
            replaced_by,
            replaced_elsewhere,
            units_per_month: self.units_per_month,
            line,
        })
    }
}
