//! Declarative, typed validation rules: per interface `schemas/<version>/derived/<DATA_TYPE>.toml`
//! (derived by `lifeline schemagen` from the workbook's 説明/備考 text, see [`super::derive`])
//! corrected by `schemas/<version>/rules/<DATA_TYPE>.toml` (see [`super::overrides`]), and
//! `schemas/common-rules.toml` for every interface. Nothing parses prose at run time.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Schema, SpecError};

/// A severity a rule may be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
}

/// A condition over one row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawCondition", into = "RawCondition")]
pub enum Condition {
    /// The column holds one of these codes.
    In {
        column: String,
        values: Vec<String>,
    },
    /// The column holds a value (not empty, not the single-space clear marker).
    Present {
        column: String,
    },
    /// The column is empty.
    Absent {
        column: String,
    },
    All(Vec<Condition>),
    Any(Vec<Condition>),
    Not(Box<Condition>),
    /// The office claims this add-on (passed with `--claim`); the file cannot tell.
    Claim(String),
}

#[derive(Debug, Clone, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCondition {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    column: Option<String>,
    #[serde(default, rename = "in", skip_serializing_if = "Option::is_none")]
    values: Option<Vec<String>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    present: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    all: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    any: Option<Vec<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    not: Option<Box<Condition>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    claim: Option<String>,
}

impl TryFrom<RawCondition> for Condition {
    type Error = String;
    fn try_from(r: RawCondition) -> Result<Self, String> {
        let shape = (r.column, r.values, r.present, r.all, r.any, r.not, r.claim);
        match shape {
            (Some(column), Some(values), None, None, None, None, None) if !values.is_empty() => {
                Ok(Condition::In { column, values })
            }
            (Some(column), None, Some(true), None, None, None, None) => {
                Ok(Condition::Present { column })
            }
            (Some(column), None, Some(false), None, None, None, None) => {
                Ok(Condition::Absent { column })
            }
            (None, None, None, Some(all), None, None, None) if !all.is_empty() => {
                Ok(Condition::All(all))
            }
            (None, None, None, None, Some(any), None, None) if !any.is_empty() => {
                Ok(Condition::Any(any))
            }
            (None, None, None, None, None, Some(not), None) => Ok(Condition::Not(not)),
            (None, None, None, None, None, None, Some(claim)) => Ok(Condition::Claim(claim)),
            _ => Err(
                "a condition is one of: { column, in = [..] }, { column, present = true|false }, \
                      { all = [..] }, { any = [..] }, { not = {..} }, { claim = \"..\" }"
                    .to_string(),
            ),
        }
    }
}

impl From<Condition> for RawCondition {
    fn from(c: Condition) -> Self {
        let mut r = RawCondition::default();
        match c {
            Condition::In { column, values } => {
                r.column = Some(column);
                r.values = Some(values);
            }
            Condition::Present { column } => {
                r.column = Some(column);
                r.present = Some(true);
            }
            Condition::Absent { column } => {
                r.column = Some(column);
                r.present = Some(false);
            }
            Condition::All(v) => r.all = Some(v),
            Condition::Any(v) => r.any = Some(v),
            Condition::Not(c) => r.not = Some(c),
            Condition::Claim(c) => r.claim = Some(c),
        }
        r
    }
}

impl Condition {
    /// Every column the condition reads.
    pub fn columns<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Condition::In { column, .. }
            | Condition::Present { column }
            | Condition::Absent { column } => out.push(column),
            Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| c.columns(out)),
            Condition::Not(c) => c.columns(out),
            Condition::Claim(_) => {}
        }
    }
}

impl Condition {
    fn claims<'a>(&'a self, out: &mut std::collections::BTreeSet<&'a str>) {
        match self {
            Condition::Claim(c) => {
                out.insert(c);
            }
            Condition::All(v) | Condition::Any(v) => v.iter().for_each(|c| c.claims(out)),
            Condition::Not(c) => c.claims(out),
            _ => {}
        }
    }
}

impl fmt::Display for Condition {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fn join(f: &mut fmt::Formatter<'_>, v: &[Condition], op: &str) -> fmt::Result {
            f.write_str("(")?;
            for (i, c) in v.iter().enumerate() {
                if i > 0 {
                    write!(f, " {op} ")?;
                }
                write!(f, "{c}")?;
            }
            f.write_str(")")
        }
        match self {
            Condition::In { column, values } if values.len() == 1 => {
                write!(f, "{column} = {}", values[0])
            }
            Condition::In { column, values } => write!(f, "{column} in {{{}}}", values.join(", ")),
            Condition::Present { column } => write!(f, "{column} is filled"),
            Condition::Absent { column } => write!(f, "{column} is empty"),
            Condition::All(v) => join(f, v, "and"),
            Condition::Any(v) => join(f, v, "or"),
            Condition::Not(c) => write!(f, "not {c}"),
            Condition::Claim(c) => write!(f, "the office claims {c}"),
        }
    }
}

/// Check-digit schemes of identifiers.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CheckScheme {
    /// 保険者番号: 5 digits + Luhn-type check digit (weights 2,1,2,1,2).
    InsurerNo,
    /// 事業所番号: 9 characters (3rd may be A–Z) + mod-10 check digit, weights 2-1 from the right.
    CareFacilityId,
}

fn default_error() -> Severity {
    Severity::Error
}
fn default_warning() -> Severity {
    Severity::Warning
}

/// One rule of a rules file.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// ●: the columns must be filled when the condition holds (rule `cond.required`).
    RequiredIf {
        columns: Vec<String>,
        when: Condition,
        #[serde(default)]
        source: String,
    },
    /// 「…の場合に入力可能」: the columns may be filled only when the condition holds
    /// (rule `cond.not_allowed`).
    AllowedIf {
        columns: Vec<String>,
        when: Condition,
        #[serde(default)]
        source: String,
    },
    /// When `when` holds, `then` must hold too (rule `cond.inconsistent`).
    Implies {
        when: Condition,
        then: Condition,
        #[serde(default = "default_warning")]
        severity: Severity,
        #[serde(default)]
        source: String,
    },
    /// `earlier` must not be after `later` (rule `date.order`).
    DateOrder {
        earlier: String,
        later: String,
        #[serde(default = "default_error")]
        severity: Severity,
        #[serde(default)]
        source: String,
    },
    /// No two rows share these columns' values (rule `key.duplicate`).
    /// Columns the interface lacks are left out of the key.
    Unique {
        columns: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        only: Vec<String>,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        except: Vec<String>,
    },
    /// Identifier check digit (rule `value.check_digit`, warning).
    CheckDigit { column: String, scheme: CheckScheme },
    /// An identifier of exactly `len` characters, e.g. 被保険者番号 (rule `value.fixed_length`):
    /// the schema's 文字数 is a maximum, and an Excel round trip strips leading zeros. Only a
    /// shorter value is this rule's (a longer one is `value.length`'s).
    FixedLength {
        column: String,
        len: usize,
        #[serde(default = "default_error")]
        severity: Severity,
        #[serde(default)]
        source: String,
    },
    /// A number outside [min, max] is implausible (rule `value.implausible`, warning).
    Plausible { column: String, min: f64, max: f64 },
    /// BMI from height (cm) and weight (kg) outside [min, max], or a `bmi` column that
    /// disagrees with them by more than 0.15 (one decimal of rounding on each of the three values;
    /// rule `value.bmi`, warning).
    Bmi {
        height: String,
        weight: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        bmi: Option<String>,
        min: f64,
        max: f64,
    },
}

impl Rule {
    /// The `kind` the rules files give this rule.
    pub fn kind(&self) -> &'static str {
        match self {
            Rule::RequiredIf { .. } => "required_if",
            Rule::AllowedIf { .. } => "allowed_if",
            Rule::Implies { .. } => "implies",
            Rule::DateOrder { .. } => "date_order",
            Rule::Unique { .. } => "unique",
            Rule::CheckDigit { .. } => "check_digit",
            Rule::FixedLength { .. } => "fixed_length",
            Rule::Plausible { .. } => "plausible",
            Rule::Bmi { .. } => "bmi",
        }
    }

    /// The workbook wording the rule stands for, where it has one.
    pub fn source(&self) -> Option<&str> {
        match self {
            Rule::RequiredIf { source, .. }
            | Rule::AllowedIf { source, .. }
            | Rule::Implies { source, .. }
            | Rule::DateOrder { source, .. }
            | Rule::FixedLength { source, .. } => Some(source),
            _ => None,
        }
    }

    /// The columns the rule needs.
    pub fn columns(&self) -> Vec<&str> {
        let mut out = Vec::new();
        match self {
            Rule::RequiredIf { columns, when, .. } | Rule::AllowedIf { columns, when, .. } => {
                out.extend(columns.iter().map(String::as_str));
                when.columns(&mut out);
            }
            Rule::Implies { when, then, .. } => {
                when.columns(&mut out);
                then.columns(&mut out);
            }
            Rule::DateOrder { earlier, later, .. } => out.extend([earlier.as_str(), later]),
            Rule::Unique { columns, .. } => out.extend(columns.iter().map(String::as_str)),
            Rule::CheckDigit { column, .. }
            | Rule::FixedLength { column, .. }
            | Rule::Plausible { column, .. } => out.push(column),
            Rule::Bmi {
                height,
                weight,
                bmi,
                ..
            } => {
                out.extend([height.as_str(), weight]);
                out.extend(bmi.as_deref());
            }
        }
        out
    }

    /// The add-on names its conditions use.
    pub fn claims<'a>(&'a self, out: &mut std::collections::BTreeSet<&'a str>) {
        match self {
            Rule::RequiredIf { when, .. } | Rule::AllowedIf { when, .. } => when.claims(out),
            Rule::Implies { when, then, .. } => {
                when.claims(out);
                then.claims(out);
            }
            _ => {}
        }
    }

    /// Whether a rule from the common file applies to this interface.
    pub fn applies_to(&self, schema: &Schema) -> bool {
        match self {
            Rule::Unique { only, except, .. } => {
                (only.is_empty() || only.contains(&schema.data_type))
                    && !except.contains(&schema.data_type)
            }
            Rule::Bmi { height, weight, .. } => {
                schema.item(height).is_some() && schema.item(weight).is_some()
            }
            _ => self.columns().iter().all(|c| schema.item(c).is_some()),
        }
    }
}

/// The contents of a rules file.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RulesFile {
    #[serde(default)]
    pub rule: Vec<Rule>,
}

impl RulesFile {
    pub fn parse(path: &str, text: &str) -> Result<Self, SpecError> {
        toml::from_str(text).map_err(|e| SpecError::invalid(path, e.to_string()))
    }

    /// Checks that every column a rule names exists in the schema and that every code a
    /// condition names is in that column's code list, so a typo fails at load time.
    pub fn check_against(&self, path: &str, schema: &Schema) -> Result<(), SpecError> {
        for (i, rule) in self.rule.iter().enumerate() {
            let at = |msg: String| SpecError::invalid(path, format!("rule #{}: {msg}", i + 1));
            for col in rule.columns() {
                if schema.item(col).is_none() {
                    return Err(at(format!(
                        "column `{col}` is not an item of {}",
                        schema.data_type
                    )));
                }
            }
            let mut conds = Vec::new();
            match rule {
                Rule::RequiredIf { when, .. } | Rule::AllowedIf { when, .. } => conds.push(when),
                Rule::Implies { when, then, .. } => conds.extend([when, then]),
                _ => {}
            }
            for c in conds {
                check_codes(c, schema).map_err(at)?;
            }
        }
        Ok(())
    }
}

fn check_codes(c: &Condition, schema: &Schema) -> Result<(), String> {
    match c {
        Condition::In { column, values } => {
            let item = schema.item(column).expect("columns checked before");
            for v in values {
                if !item.codes.is_empty() && !item.codes.iter().any(|k| &k.code == v) {
                    return Err(format!("`{v}` is not a code of `{column}`"));
                }
            }
            Ok(())
        }
        Condition::All(v) | Condition::Any(v) => v.iter().try_for_each(|c| check_codes(c, schema)),
        Condition::Not(c) => check_codes(c, schema),
        _ => Ok(()),
    }
}
