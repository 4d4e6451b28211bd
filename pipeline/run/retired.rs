//! `emit.retired_spec`: an office's interface emitted in a 1.00 (2021) layout. Today's LIFE
//! (国保中央会) takes only the 2024 interfaces, whose files end with a `version` column; the 1.00
//! interfaces, which have none, were for the retired MHLW LIFE. Such a file is still written —
//! a profile target (`FORM_xxxx_2021`) or the job (`spec = "2021"`) asked for it — with one
//! warning per office and interface, on the first vendor file that feeds it (the file as a
//! whole), so that it shows in findings.json and in the summary; the exit status is unchanged.

use std::collections::BTreeSet;

use super::scope::{Scope, Scopes};
use crate::map::Profile;
use crate::normalize::ingest::FileIngest;
use crate::spec::Registry;
use crate::spec::ids::DataType;
use crate::validate::Severity;

/// The rule's name.
pub(super) const RULE: &str = "emit.retired_spec";

/// Whether interface `data_type` of spec `version` is one of the retired system's: known, and
/// without the `version` column every interface today's LIFE reads ends with.
pub fn is_retired(registry: &Registry, data_type: &str, version: &str) -> bool {
    registry
        .spec(version)
        .and_then(|s| s.schema(data_type))
        .is_some_and(|s| s.item("version").is_none())
}

/// The newest spec version that knows `data_type` completely in a current (2024) layout, if
/// any: what the office could emit instead.
fn current_of<'r>(registry: &'r Registry, data_type: &str) -> Option<&'r str> {
    registry
        .newest_complete(data_type)
        .filter(|s| {
            s.schema(data_type)
                .is_some_and(|x| x.item("version").is_some())
        })
        .map(|s| s.version.as_str())
}

/// Adds the warning to `files` (each with the index of its profile) for every interface of
/// the retired system their profiles' targets emit, once each.
pub(super) fn warn(
    files: &mut [(usize, FileIngest)],
    profiles: &[Profile],
    registry: &Registry,
    scopes: &mut Scopes,
) {
    let mut seen: BTreeSet<(String, String)> = BTreeSet::new();
    for (fi, (pi, file)) in files.iter_mut().enumerate() {
        let Some(profile) = profiles.get(*pi) else {
            continue;
        };
        let mut noted = false;
        for t in &profile.targets {
            if !is_retired(registry, &t.data_type, &t.spec)
                || !seen.insert((t.data_type.clone(), t.spec.clone()))
            {
                continue;
            }
            let (hint_ja, hint_en) = match current_of(registry, &t.data_type) {
                Some(v) => (
                    format!(
                        "ジョブの spec を auto（既定、ingest では --spec auto）にすると {v} で書き出します。"
                    ),
                    format!(
                        "`spec = \"auto\"` (the default; `ingest --spec auto`) emits it in {v}."
                    ),
                ),
                None => (
                    "lifeline はこの様式の2024年度版を完全には知りません。".to_string(),
                    "lifeline knows no complete 2024 interface for it.".to_string(),
                ),
            };
            let ja = format!(
                "{}（仕様 {}）は1.00の様式で、停止した旧LIFE（厚生労働省）向けです。現在のLIFEが受け付けるのは `version` 列のある2024年度版の様式です。{hint_ja}",
                t.data_type, t.spec
            );
            let en = format!(
                "{} (spec {}) is a 1.00 interface, for the retired MHLW LIFE: today's LIFE takes the 2024 interfaces, which end with a `version` column. {hint_en}",
                t.data_type, t.spec
            );
            scopes.note(
                file,
                fi,
                0,
                Severity::Warning,
                RULE,
                None,
                (ja, en),
                Scope::Interface(DataType::new(t.data_type.as_str())),
            );
            noted = true;
        }
        if noted {
            file.findings.sort();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Retired: a known interface without a `version` column (every 1.00 one); not a 2024 one,
    /// nor an interface the registry does not know.
    #[test]
    fn the_1_00_interfaces_are_the_retired_ones() {
        let r = Registry::embedded().unwrap();
        assert!(is_retired(&r, "SERVICE_USER_INFO", "2021"));
        assert!(is_retired(&r, "FORM_0000_2021", "2021"));
        assert!(!is_retired(&r, "SERVICE_USER_INFO", "3.10"));
        assert!(!is_retired(&r, "NUTRITION_CARE_PLAN_2024", "3.10"));
        assert!(!is_retired(&r, "FORM_0000_2021", "3.10"));
        assert!(!is_retired(&r, "NO_SUCH_INTERFACE", "2021"));
        assert_eq!(current_of(&r, "SERVICE_USER_INFO"), Some("3.10"));
        assert_eq!(current_of(&r, "FORM_0000_2021"), None);
        // Column IDs only is not knowing it.
        assert_eq!(current_of(&r, "ADL_MAINTENANCE_ADDITION_2024"), None);
    }
}
