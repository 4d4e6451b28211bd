//! A job source of LIFE files the office's own software wrote (`{ life = ["…/*.csv"] }`).
//! Each file is recognised as `validate` recognises it — line 1 the interface, line 2 the
//! column IDs, the spec by the `version` values and the header — and the files of one
//! interface and spec go through one profile made here: every item from the column of its own
//! ID, 外部システム管理番号 (and the detail number) kept as the vendor wrote them. So these
//! rows meet every check of a profiled source, the ledger, due and delta included.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use super::error::RunError;
use crate::decode::file::{open_regular, read_text};
use crate::decode::{ReadIssue, read_life_file};
use crate::map::Profile;
use crate::spec::Registry;

/// The name a made profile carries: `LIFE file <DATA_TYPE> (<spec>)`.
pub(super) const PROFILE_PREFIX: &str = "LIFE file ";

/// The items a LIFE file's profile keys its rows by.
const NUMBER: &str = "external_system_management_number";
const DETAIL: &str = "external_system_management_detail_number";

/// Files as (shown, path).
type Files = Vec<(String, PathBuf)>;

/// The files of a `life` source, grouped by (interface, spec), each group with its profile.
pub(super) fn sources(
    files: &[(String, PathBuf)],
    registry: &Registry,
) -> Result<Vec<(Profile, Files)>, RunError> {
    type Group = (BTreeSet<String>, Files);
    let mut groups: BTreeMap<(String, String), Group> = BTreeMap::new();
    for (shown, path) in files {
        let (key, header) = recognise(shown, path, registry)?;
        let g = groups.entry(key).or_default();
        g.0.extend(header);
        g.1.push((shown.clone(), path.clone()));
    }
    groups
        .into_iter()
        .map(|((data_type, spec), (columns, files))| {
            Ok((profile(&data_type, &spec, &columns, registry)?, files))
        })
        .collect()
}

/// (interface, spec version) of one LIFE file and its column IDs, or why it is not one
/// lifeline can take.
fn recognise(
    shown: &str,
    path: &Path,
    registry: &Registry,
) -> Result<((String, String), Vec<String>), RunError> {
    let read = |source| RunError::Read {
        path: shown.into(),
        source,
    };
    let (f, len) = open_regular(path).map_err(read)?;
    let bytes = read_text(f, len).map_err(read)?;
    let file = read_life_file(&bytes);
    let bad = |why: String| RunError::LifeSource {
        file: shown.to_string(),
        message: why,
    };
    if let Some(why) = file.issues.iter().find_map(fatal) {
        return Err(bad(why));
    }
    let header: Vec<&str> = file.header.iter().map(String::as_str).collect();
    let version = file
        .frame
        .column("version")
        .ok()
        .and_then(|c| c.str().ok().and_then(|s| s.iter().flatten().next()))
        .map(str::to_string);
    let Some(spec) = registry.detect(&file.data_type, &header, version.as_deref()) else {
        return Err(bad(format!(
            "line 1: `{}` is an interface lifeline has no spec data for (`lifeline schemas list`; \
             a 2024 interface's workbook can be given with `schemagen` and `--schemas`)",
            file.data_type
        )));
    };
    if spec.schemas[&file.data_type].partial {
        return Err(bad(format!(
            "line 1: lifeline knows only the column IDs of {} in spec {}, so its rows cannot be \
             checked; give the official workbook with `schemagen` and `--schemas`",
            file.data_type, spec.version
        )));
    }
    Ok(((file.data_type, spec.version.clone()), file.header))
}

/// Why the file cannot be told, for a read issue that makes it so.
fn fatal(issue: &ReadIssue) -> Option<String> {
    Some(match issue {
        ReadIssue::Decode(e) => format!("not text in UTF-8 or CP932 ({e})"),
        ReadIssue::NoDataType => "line 1 (the interface) is empty".into(),
        ReadIssue::HeaderOnLine1 => "line 1 holds column IDs: the interface line is missing".into(),
        ReadIssue::DataTypeNotId => "line 1 is not an interface name".into(),
        ReadIssue::NoHeader => "there is no line 2 (the column IDs)".into(),
        ReadIssue::HeaderNotIds { line } => format!("line {line} holds no column IDs"),
        ReadIssue::UnterminatedQuote { line } if *line <= 2 => {
            format!("line {line}: a quote opened there is never closed")
        }
        _ => return None,
    })
}

/// The identity profile of an interface in a spec: each item that is a column of one of the
/// files (`columns`) from that column, the office from `care_facility_id`, the rows keyed by
/// their own 外部システム管理番号. An item no file has is not mapped: the files leave it out,
/// and so does the file written (a ◎ item left out is an error on every row).
fn profile(
    data_type: &str,
    spec: &str,
    columns: &BTreeSet<String>,
    registry: &Registry,
) -> Result<Profile, RunError> {
    let schema = &registry.spec(spec).expect("recognised").schemas[data_type];
    let mut key = vec![NUMBER];
    if schema.item(DETAIL).is_some() {
        key.push(DETAIL);
    }
    let quoted = |v: &[&str]| {
        v.iter()
            .map(|s| format!("{s:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut text = format!(
        "name = \"{PROFILE_PREFIX}{data_type} ({spec})\"\n\
         [read]\ndelimiter = \",\"\nheader_min_aliases = 2\n\
         [facility]\ncolumn = \"care_facility_id\"\n\
         [[target]]\ndata_type = {data_type:?}\nspec = {spec:?}\nkey = [{}]\nkey_prefix = \"L\"\n\
         [target.columns]\n",
        quoted(&key)
    );
    let mapped = schema
        .items
        .iter()
        .filter(|i| i.id != "care_facility_id" && columns.contains(&i.id));
    for item in mapped {
        let _ = writeln!(text, "{} = {{ from = {:?} }}", item.id, item.id);
    }
    Profile::parse(&format!("{PROFILE_PREFIX}{data_type}"), &text, registry)
        .map_err(|e| RunError::Profile(format!("the profile made for {data_type}: {e}")))
}
