//! Which temporary registry files belong to dead writers (SPEC §7 "Writes": temporary
//! files left by dead writers are removed at the next write).
//!
//! A write goes to `registry.json.tmp.<pid>.<random>` and is renamed over the registry; a
//! writer killed in between leaves that file. The host lists them under the lock, the core
//! names the pids to check, then the files whose writer is gone.

use crate::registry::lock::MAX_PID;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Every temporary file's name starts with this.
pub const TEMP_PREFIX: &str = "registry.json.tmp.";
const MAX_RANDOM_CHARS: usize = 64;

/// `temp_files_json`'s request.
#[derive(Debug, Default, Deserialize, JsonSchema)]
pub struct TempFilesRequest {
    /// The names in the registry's folder that start with `registry.json.tmp.`.
    #[serde(default)]
    pub names: Vec<String>,
    /// Which pids run on this host (decimal pid → alive), as the host checked them.
    #[serde(default)]
    pub alive: BTreeMap<String, bool>,
}

/// `temp_files_json`'s answer.
#[derive(Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(untagged)]
pub enum TempFilesAnswer {
    /// Check these pids (`kill(pid, 0)`) and ask again with them in `alive`.
    Check { check_pids: Vec<u32> },
    /// Unlink these names: their writers are gone.
    Remove { remove: Vec<String> },
}

/// The writer's pid of a well-formed temp file name: `registry.json.tmp.<pid>.<random>`.
fn writer_pid(name: &str) -> Option<u32> {
    let (pid, random) = name.strip_prefix(TEMP_PREFIX)?.split_once('.')?;
    let well_formed = !pid.is_empty()
        && pid.bytes().all(|b| b.is_ascii_digit())
        && !pid.starts_with('0')
        && (1..=MAX_RANDOM_CHARS).contains(&random.len())
        && random.bytes().all(|b| b.is_ascii_alphanumeric());
    if !well_formed {
        return None;
    }
    pid.parse::<u64>()
        .ok()
        .filter(|pid| *pid <= MAX_PID)
        .and_then(|pid| u32::try_from(pid).ok())
}

/// The pids still to check, else the names to remove (docs/core-api.md, `temp_files_json`).
pub fn judge(request: &TempFilesRequest) -> TempFilesAnswer {
    let alive = |pid: u32| request.alive.get(&pid.to_string()).copied();
    let writers: Vec<(&String, u32)> = request
        .names
        .iter()
        .filter_map(|name| Some((name, writer_pid(name)?)))
        .collect();
    let unknown: BTreeSet<u32> = writers
        .iter()
        .map(|&(_, pid)| pid)
        .filter(|&pid| alive(pid).is_none())
        .collect();
    if !unknown.is_empty() {
        return TempFilesAnswer::Check {
            check_pids: unknown.into_iter().collect(),
        };
    }
    let mut remove: Vec<String> = writers
        .into_iter()
        .filter(|&(_, pid)| alive(pid) == Some(false))
        .map(|(name, _)| name.clone())
        .collect();
    remove.sort();
    remove.dedup();
    TempFilesAnswer::Remove { remove }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(names: &[&str], alive: &[(u32, bool)]) -> TempFilesRequest {
        TempFilesRequest {
            names: names.iter().map(|n| (*n).to_owned()).collect(),
            alive: alive.iter().map(|(p, a)| (p.to_string(), *a)).collect(),
        }
    }

    #[test]
    fn pids_are_asked_first_then_only_dead_writers_files_are_removed() {
        let names = [
            "registry.json.tmp.77.ab12",
            "registry.json.tmp.1234.9f3a1c",
            "registry.json.tmp.77.cd34",
        ];
        assert_eq!(
            judge(&request(&names, &[])),
            TempFilesAnswer::Check {
                check_pids: vec![77, 1234]
            }
        );
        assert_eq!(
            judge(&request(&names, &[(77, true)])),
            TempFilesAnswer::Check {
                check_pids: vec![1234]
            }
        );
        assert_eq!(
            judge(&request(&names, &[(77, false), (1234, true)])),
            TempFilesAnswer::Remove {
                remove: vec![
                    "registry.json.tmp.77.ab12".into(),
                    "registry.json.tmp.77.cd34".into()
                ]
            }
        );
    }

    #[test]
    fn names_not_of_a_temp_file_are_never_removed_nor_asked() {
        let names = [
            "registry.json",
            "registry.json.lock",
            "registry.json.tmp.",
            "registry.json.tmp.77",
            "registry.json.tmp.77.",
            "registry.json.tmp.077.ab",
            "registry.json.tmp.-77.ab",
            "registry.json.tmp.9223372036854775808.ab",
            "registry.json.tmp.2147483648.ab",
            "registry.json.tmp.77.a/b",
            "registry.json.tmp.77.a.b",
            "registry.json.tmp.0.ab",
            "other.tmp.77.ab",
        ];
        assert_eq!(
            judge(&request(&names, &[])),
            TempFilesAnswer::Remove { remove: vec![] }
        );
        let long = format!("registry.json.tmp.5.{}", "a".repeat(65));
        assert_eq!(
            judge(&request(&[&long], &[(5, false)])),
            TempFilesAnswer::Remove { remove: vec![] }
        );
    }
}
