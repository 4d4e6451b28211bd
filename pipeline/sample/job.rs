//! A job over generated files, so `lifeline run --config <dir>/job.toml` takes them as they
//! are: `job.toml` and the two profiles it names (copies of `samples/profiles/`). Each office
//! gets its ほのぼの user master, its assessment export and its 第6表 実績 (`careplan/`, which
//! users were served); the カナミック files are generated for the ingest tests and left out (a
//! second SERVICE_USER_INFO of the same users).

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use super::SampleFile;

/// The month every generated file is about.
pub const MONTH: &str = "2026-10";

const PROFILES: [(&str, &str); 2] = [
    (
        "honobono-kaigo",
        include_str!("../../samples/profiles/honobono-kaigo.toml"),
    ),
    (
        "assessment",
        include_str!("../../samples/profiles/assessment.toml"),
    ),
];

/// `job.toml` and `profiles/*.toml` for the offices of the generated files at `paths`.
pub fn job_files<'a>(paths: impl IntoIterator<Item = &'a Path>) -> Vec<SampleFile> {
    let offices: BTreeSet<&str> = paths
        .into_iter()
        .filter(|p| p.starts_with("assessment"))
        .filter_map(|p| p.file_name()?.to_str()?.split('_').next())
        .collect();
    let mut text = format!(
        "# Made by `lifeline sample`: every generated office, its ほのぼの user master, its\n\
         # assessment export and its 第6表 実績. Run: lifeline run --config <this file>\n\
         month = \"{MONTH}\"\n"
    );
    for id in offices {
        text.push_str(&format!(
            "\n[[facility]]\nid = \"{id}\"\nsource = [\n    \
             {{ profile = \"profiles/honobono-kaigo.toml\", inputs = [\"honobono-kaigo/{id}_*\"] }},\n    \
             {{ profile = \"profiles/assessment.toml\", inputs = [\"assessment/{id}_*\"] }},\n    \
             {{ careplan = [\"careplan/UPJSK_*_{id}_*.CSV\"] }},\n]\n"
        ));
    }
    let mut out = vec![SampleFile {
        path: PathBuf::from("job.toml"),
        bytes: text.into_bytes(),
    }];
    for (name, toml) in PROFILES {
        out.push(SampleFile {
            path: PathBuf::from("profiles").join(format!("{name}.toml")),
            bytes: toml.as_bytes().to_vec(),
        });
    }
    out
}
