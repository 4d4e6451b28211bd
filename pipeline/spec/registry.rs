//! Loading the spec data: every `schemas/<version>/` folder, embedded at build time or read from
//! a directory given at run time (`--schemas DIR`), so a new workbook needs no rebuild.

use std::collections::BTreeMap;
use std::path::Path;

use include_dir::{Dir, include_dir};

use super::careplan::{self, Careplan};
use super::catalogue::{Catalogue, INTERFACES, VERSIONS};
use super::overrides::Overrides;
use super::rules::{Rule, RulesFile};
use super::{CodeSheets, Schema, SpecError};

static EMBEDDED: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/schemas");

/// The file holding rules that apply to every interface whose columns they name.
pub const COMMON_RULES: &str = "common-rules.toml";
/// The code sheets of one version.
pub const CODE_SHEETS: &str = "code-sheets.json";
/// When LIFE-linked add-ons need a submission.
pub const DUE: &str = "due.toml";
/// Child interfaces and their parents.
pub const PARENTS: &str = "parents.toml";

/// A child interface and its parent (see `schemas/parents.toml`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct ParentRule {
    pub child: String,
    pub parent: String,
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct ParentFile {
    parent: Vec<ParentRule>,
}

/// One submission-timing rule (see `schemas/due.toml`).
#[derive(Debug, Clone, PartialEq, serde::Deserialize, serde::Serialize)]
#[serde(deny_unknown_fields)]
pub struct DueRule {
    pub name: String,
    pub data_types: Vec<String>,
    /// Interfaces joined by their title: every interface whose title contains one of these
    /// (a workbook's 口腔衛生管理… sheet) counts as one of `data_types`, resolved when the spec
    /// data loads, so a new workbook's interface needs no TOML.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub titles: Vec<String>,
    #[serde(default)]
    pub every_months: Option<u32>,
    #[serde(default)]
    pub at_start: bool,
    #[serde(default)]
    pub at_end: bool,
    #[serde(default)]
    pub after_first_months: Vec<u32>,
}

impl DueRule {
    /// Adds to `data_types` every schema whose title contains one of `titles`.
    fn join_titles<'a>(&mut self, schemas: impl Iterator<Item = &'a Schema>) {
        for s in schemas {
            let joins =
                !s.title.is_empty() && self.titles.iter().any(|t| s.title.contains(t.as_str()));
            if joins && !self.data_types.contains(&s.data_type) {
                self.data_types.push(s.data_type.clone());
            }
        }
    }
}

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct DueFile {
    due: Vec<DueRule>,
}

/// Item IDs whose values are masked in every interface of every version, beyond those the
/// workbooks mark.
pub const PERSONAL_DATA: &str = "personal-data.toml";

#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct PersonalData {
    mask: Vec<String>,
}

/// Everything known about one spec version.
#[derive(Debug, Clone)]
pub struct Spec {
    pub version: String,
    pub schemas: BTreeMap<String, Schema>,
    pub code_sheets: Option<CodeSheets>,
    /// Rules per data type: the interface's own, then the common ones that apply.
    pub rules: BTreeMap<String, Vec<Rule>>,
}

impl Spec {
    pub fn schema(&self, data_type: &str) -> Option<&Schema> {
        self.schemas.get(data_type)
    }

    pub fn rules(&self, data_type: &str) -> &[Rule] {
        self.rules.get(data_type).map_or(&[], Vec::as_slice)
    }
}

/// All spec versions, oldest first.
#[derive(Debug, Clone)]
pub struct Registry {
    pub specs: Vec<Spec>,
    pub due: Vec<DueRule>,
    pub parents: Vec<ParentRule>,
    /// Accepted `version` values and each version's interfaces (see `catalogue.rs`).
    pub catalogue: Catalogue,
    /// The ケアプランデータ連携 4.1 layouts (`schemas/careplan-4.1/`).
    pub careplan: Careplan,
}

/// A file of the schema tree: path relative to the tree, and text.
struct TreeFile {
    rel: String,
    text: String,
}

impl Registry {
    /// The schemas compiled into this binary.
    pub fn embedded() -> Result<Self, SpecError> {
        let mut files = Vec::new();
        collect_embedded(&EMBEDDED, &mut files)?;
        Self::from_files("schemas", files)
    }

    /// The schemas under a directory laid out like `schemas/`.
    pub fn from_dir(root: &Path) -> Result<Self, SpecError> {
        let mut files = Vec::new();
        collect_dir(root, root, &mut files)?;
        let mut registry = Self::from_files(&root.display().to_string(), files)?;
        // A tree made from a LIFE workbook holds no care-plan layouts: the bundled ones apply.
        if registry.careplan.kinds.is_empty() {
            registry.careplan = Self::embedded()?.careplan;
        }
        Ok(registry)
    }

    fn from_files(root: &str, mut files: Vec<TreeFile>) -> Result<Self, SpecError> {
        files.sort_by(|a, b| a.rel.cmp(&b.rel));
        let path = |rel: &str| format!("{root}/{rel}");
        let mut common = RulesFile::default();
        let mut masked: std::collections::BTreeSet<String> = Default::default();
        let mut due = Vec::new();
        let mut parents = Vec::new();
        let mut specs: BTreeMap<String, Spec> = BTreeMap::new();
        let mut rule_files = Vec::new();
        let mut catalogue = Catalogue::default();
        let mut careplan_files: BTreeMap<&str, &str> = BTreeMap::new();
        for f in &files {
            let parts: Vec<&str> = f.rel.split('/').collect();
            match parts.as_slice() {
                [dir, name] if *dir == careplan::DIR => {
                    careplan_files.insert(name, &f.text);
                }
                [name] if *name == COMMON_RULES => {
                    common = RulesFile::parse(&path(&f.rel), &f.text)?
                }
                [name] if *name == DUE => {
                    let d: DueFile = toml::from_str(&f.text)
                        .map_err(|e| SpecError::invalid(path(&f.rel), e.to_string()))?;
                    due = d.due;
                }
                [name] if *name == PARENTS => {
                    let p: ParentFile = toml::from_str(&f.text)
                        .map_err(|e| SpecError::invalid(path(&f.rel), e.to_string()))?;
                    parents = p.parent;
                }
                [name] if *name == PERSONAL_DATA => {
                    let p: PersonalData = toml::from_str(&f.text)
                        .map_err(|e| SpecError::invalid(path(&f.rel), e.to_string()))?;
                    masked.extend(p.mask);
                }
                [name] if *name == VERSIONS => {
                    catalogue.versions = Catalogue::parse_versions(&path(&f.rel), &f.text)?;
                }
                [version, name] if *name == INTERFACES => {
                    let i = Catalogue::parse_interfaces(&path(&f.rel), &f.text)?;
                    catalogue.interfaces.insert(version.to_string(), i);
                }
                [version, name] => {
                    let spec = specs.entry(version.to_string()).or_insert_with(|| Spec {
                        version: version.to_string(),
                        schemas: BTreeMap::new(),
                        code_sheets: None,
                        rules: BTreeMap::new(),
                    });
                    if *name == CODE_SHEETS {
                        spec.code_sheets = Some(parse_json(&path(&f.rel), &f.text)?);
                    } else if let Some(stem) = name.strip_suffix(".json") {
                        let schema: Schema = parse_json(&path(&f.rel), &f.text)?;
                        if schema.data_type != stem {
                            return Err(SpecError::invalid(
                                path(&f.rel),
                                format!(
                                    "file name does not match data_type `{}`",
                                    schema.data_type
                                ),
                            ));
                        }
                        if let Some(e) = bad_item(&schema) {
                            return Err(SpecError::invalid(path(&f.rel), e));
                        }
                        spec.schemas.insert(schema.data_type.clone(), schema);
                    }
                }
                [version, dir @ ("derived" | "rules"), name] if name.ends_with(".toml") => {
                    let overrides = *dir == "rules";
                    let data_type = name.trim_end_matches(".toml");
                    rule_files.push((version.to_string(), data_type, overrides, f));
                }
                _ => {}
            }
        }
        // Derived files sort before rules files, so each interface's derived rules are in place
        // when its overrides are applied.
        rule_files.sort_by_key(|(_, _, overrides, _)| *overrides);
        for (version, data_type, overrides, f) in rule_files {
            let p = path(&f.rel);
            let spec = specs
                .get_mut(&version)
                .filter(|s| s.schemas.contains_key(data_type));
            let Some(spec) = spec else {
                return Err(SpecError::invalid(
                    &p,
                    format!("no schema {data_type} in version {version}"),
                ));
            };
            let rules = if overrides {
                let derived = spec.rules.remove(data_type).unwrap_or_default();
                Overrides::parse(&p, &f.text)?.apply(&p, derived)?
            } else {
                RulesFile::parse(&p, &f.text)?.rule
            };
            let file = RulesFile { rule: rules };
            file.check_against(&p, &spec.schemas[data_type])?;
            spec.rules.insert(data_type.to_string(), file.rule);
        }
        // An item that is personal data in one interface or version is personal data in all:
        // the 3.10 extracts lack the 備考 column that says 暗号化対象.
        masked.extend(
            specs
                .values()
                .flat_map(|s| s.schemas.values())
                .flat_map(|s| s.items.iter().filter(|i| i.sensitive).map(|i| i.id.clone())),
        );
        for item in specs
            .values_mut()
            .flat_map(|s| s.schemas.values_mut())
            .flat_map(|s| s.items.iter_mut())
        {
            item.sensitive |= masked.contains(&item.id);
        }
        for spec in specs.values_mut() {
            for schema in spec.schemas.values() {
                let rules = spec.rules.entry(schema.data_type.clone()).or_default();
                rules.extend(common.rule.iter().filter(|r| r.applies_to(schema)).cloned());
            }
        }
        for rule in &mut due {
            rule.join_titles(specs.values().flat_map(|s| s.schemas.values()));
        }
        let careplan = match (
            careplan_files.get("files.tsv"),
            careplan_files.get("items.tsv"),
            careplan_files.get("versions.tsv"),
        ) {
            (Some(f), Some(i), Some(v)) => Careplan::parse(&path(careplan::DIR), f, i, v)?,
            (None, None, None) => Careplan::default(),
            _ => {
                return Err(SpecError::invalid(
                    path(careplan::DIR),
                    "needs files.tsv, items.tsv and versions.tsv together",
                ));
            }
        };
        Ok(Registry {
            specs: specs.into_values().collect(),
            due,
            parents,
            catalogue,
            careplan,
        })
    }

    /// Every add-on name a `claim` condition uses, for checking `--claim`.
    pub fn claims(&self) -> std::collections::BTreeSet<&str> {
        let mut out = std::collections::BTreeSet::new();
        for rule in self.specs.iter().flat_map(|s| s.rules.values().flatten()) {
            rule.claims(&mut out);
        }
        out
    }

    pub fn spec(&self, version: &str) -> Option<&Spec> {
        self.specs.iter().find(|s| s.version == version)
    }

    /// The spec version a job or a command asks for an interface in: `None`/`auto` → the newest
    /// version that has it; a version → that one, if it has it.
    pub fn choose(&self, data_type: &str, choice: Option<&str>) -> Option<&Spec> {
        let mut having = self.specs.iter().filter(|s| s.schema(data_type).is_some());
        match choice {
            None | Some("auto") => having.next_back(),
            Some(v) => having.find(|s| s.version == v),
        }
    }

    /// The newest version that knows `data_type` completely (not by column IDs only): the
    /// spec `auto` emits an interface in.
    pub fn newest_complete(&self, data_type: &str) -> Option<&Spec> {
        self.specs
            .iter()
            .rev()
            .find(|s| s.schema(data_type).is_some_and(|x| !x.partial))
    }

    /// Picks the spec of a file from its data type and header (`--spec auto`): the versions
    /// that define the data type, narrowed by whether the header has a `version` column
    /// (3.x interfaces end with one; 2021 ones have none); the newest of those. A `version`
    /// value the catalogue knows names the spec (`0300` → 3.00), or its fallback when that spec
    /// is not loaded or lacks the interface (`0300` → 3.10).
    pub fn detect(&self, data_type: &str, header: &[&str], version: Option<&str>) -> Option<&Spec> {
        if let Some(v) = version.and_then(|v| self.catalogue.version(v)) {
            let loaded = |s: &str| self.spec(s).filter(|s| s.schemas.contains_key(data_type));
            let named = loaded(&v.spec).or_else(|| v.fallback.as_deref().and_then(loaded));
            if named.is_some() {
                return named;
            }
        }
        let has_version = header.contains(&"version");
        let candidates: Vec<&Spec> = self
            .specs
            .iter()
            .filter(|s| s.schemas.contains_key(data_type))
            .collect();
        candidates
            .iter()
            .rev()
            .find(|s| s.schemas[data_type].item("version").is_some() == has_version)
            .or(candidates.last())
            .copied()
    }
}

/// What is wrong with a schema's item ids: one given twice, or one named like the lineage
/// columns every frame carries (`__line`, `__source_file`). Columns are looked up by id, and a
/// frame cannot hold two columns of one name.
fn bad_item(schema: &Schema) -> Option<String> {
    let mut seen = std::collections::HashSet::new();
    schema.items.iter().find_map(|i| {
        if i.id.starts_with("__") {
            Some(format!(
                "item id `{}`: names beginning `__` are the pipeline's own",
                i.id
            ))
        } else if !seen.insert(i.id.as_str()) {
            Some(format!("item id `{}` is given more than once", i.id))
        } else {
            None
        }
    })
}

fn parse_json<T: serde::de::DeserializeOwned>(path: &str, text: &str) -> Result<T, SpecError> {
    serde_json::from_str(text).map_err(|e| SpecError::invalid(path, e.to_string()))
}

fn collect_embedded(dir: &Dir<'_>, out: &mut Vec<TreeFile>) -> Result<(), SpecError> {
    for f in dir.files() {
        let rel = f.path().to_string_lossy().replace('\\', "/");
        let text = f
            .contents_utf8()
            .ok_or_else(|| SpecError::invalid(&rel, "not UTF-8"))?;
        out.push(TreeFile {
            rel,
            text: text.to_string(),
        });
    }
    for d in dir.dirs() {
        collect_embedded(d, out)?;
    }
    Ok(())
}

fn collect_dir(root: &Path, dir: &Path, out: &mut Vec<TreeFile>) -> Result<(), SpecError> {
    let io = |source| SpecError::Io {
        path: dir.display().to_string(),
        source,
    };
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let p = entry.map_err(io)?.path();
        if p.is_dir() {
            collect_dir(root, &p, out)?;
        } else if matches!(
            p.extension().and_then(|e| e.to_str()),
            Some("json" | "toml")
        ) {
            let text = std::fs::read_to_string(&p).map_err(|source| SpecError::Io {
                path: p.display().to_string(),
                source,
            })?;
            let rel = p.strip_prefix(root).unwrap_or(&p);
            out.push(TreeFile {
                rel: rel.to_string_lossy().replace('\\', "/"),
                text,
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tree of one schema, 2021's FORM_0000_2021, its items changed by `edit`.
    fn load(edit: impl FnOnce(&mut Vec<serde_json::Value>)) -> Result<Registry, SpecError> {
        let rel = "2021/FORM_0000_2021.json";
        let text = EMBEDDED.get_file(rel).unwrap().contents_utf8().unwrap();
        let mut schema: serde_json::Value = serde_json::from_str(text).unwrap();
        edit(schema["items"].as_array_mut().unwrap());
        let files = vec![TreeFile {
            rel: rel.into(),
            text: schema.to_string(),
        }];
        Registry::from_files("tree", files)
    }

    #[test]
    fn a_schema_with_an_item_id_twice_is_refused_naming_file_and_id() {
        let e = load(|items| {
            let mut again = items[1].clone();
            again["no"] = serde_json::json!(items.len() + 1);
            items.push(again);
        })
        .unwrap_err();
        let id = load(|_| {}).unwrap().specs[0].schemas["FORM_0000_2021"].items[1]
            .id
            .clone();
        assert_eq!(
            e.to_string(),
            format!("tree/2021/FORM_0000_2021.json: item id `{id}` is given more than once")
        );
    }

    #[test]
    fn a_schema_with_an_item_id_named_like_a_lineage_column_is_refused() {
        let e = load(|items| items[1]["id"] = serde_json::json!("__line")).unwrap_err();
        assert_eq!(
            e.to_string(),
            "tree/2021/FORM_0000_2021.json: item id `__line`: names beginning `__` are the \
             pipeline's own"
        );
    }

    #[test]
    fn a_schema_whose_item_ids_differ_loads() {
        let r = load(|_| {}).unwrap();
        assert!(r.specs[0].schemas["FORM_0000_2021"].items.len() > 1);
    }
}
