//! The team's Rego policies a run evaluates.

use std::path::PathBuf;

use rampart_core::{Config, ScanError};
use rampart_policy::PolicySet;

/// The command line's and rampart.toml's policies, in the packages the
/// command line or rampart.toml names. `None` when there are none.
/// The policy folders a run reads: rampart.toml's, then the command
/// line's.
pub fn folders_of(team: &Config, paths: &[PathBuf]) -> Vec<PathBuf> {
    let mut all: Vec<PathBuf> = team
        .policies
        .iter()
        .chain(&team.policy.paths)
        .map(|path| team.resolve(path))
        .collect();
    all.extend(paths.iter().cloned());
    all
}

pub fn load(team: &Config, paths: &[PathBuf], namespaces: &[String]) -> Result<Option<PolicySet>, Vec<ScanError>> {
    let all = folders_of(team, paths);
    if all.is_empty() {
        return Ok(None);
    }
    let namespaces: Vec<String> = if namespaces.is_empty() {
        team.policy.namespace.iter().cloned().collect()
    } else {
        namespaces.to_vec()
    };
    PolicySet::load(&all, &namespaces).map(Some)
}
