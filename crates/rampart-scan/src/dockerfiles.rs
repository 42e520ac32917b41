//! The Dockerfile engine inside the pipeline: one Dockerfile checked, with
//! the secrets engine over the same bytes.

use rampart_core::{Config, Coverage, Finding, FingerprintKey, InlineWaiver, ScanError};
use rampart_dockerfile::{DockerfileConfig, Rule};
use rampart_k8s::files::{Input, read_input};

use crate::pipeline::Flags;
use crate::secrets::merge_leaks;

/// Dockerfile rules whose finding names a credential the secrets engine
/// may recognise on the same line.
const CREDENTIAL_VALUE_RULES: &[&str] = &["dockerfile-secret-in-env-or-arg"];

/// The engine's settings: the same allowed registries as the manifests'
/// images, and rampart.toml's `non-waivable`.
pub fn dockerfile_config(team: &Config, flags: &Flags) -> DockerfileConfig {
    DockerfileConfig {
        allowed_registries: if flags.allowed_registries.is_empty() {
            team.kubernetes.allowed_registries.clone()
        } else {
            flags.allowed_registries.clone()
        },
        non_waivable: team.non_waivable_selectors(),
    }
}

/// One Dockerfile, checked.
pub struct CheckedDockerfile {
    pub findings: Vec<Finding>,
    pub waivers: Vec<InlineWaiver>,
    pub errors: Vec<ScanError>,
    pub coverage: Coverage,
    pub stages: usize,
}

pub fn check_input(
    input: &Input,
    config: &DockerfileConfig,
    rules: &[&'static Rule],
    secrets: Option<(&rampart_secrets::Detector<'_>, &FingerprintKey)>,
    max_file_size: u64,
) -> Result<CheckedDockerfile, ScanError> {
    let bytes = read_input(input, max_file_size)?;
    let name = input.display_name();
    let checked = rampart_dockerfile::check(&name, &bytes, config, rules);
    let mut findings = checked.findings;
    if let Some((detector, key)) = secrets {
        let options = rampart_secrets::ScanOptions {
            key: key.clone(),
            ..rampart_secrets::ScanOptions::default()
        };
        let leaks = rampart_secrets::scan_bytes(detector, &name, &bytes, &options);
        merge_leaks(&mut findings, leaks, CREDENTIAL_VALUE_RULES);
    }
    Ok(CheckedDockerfile {
        findings,
        waivers: checked.waivers,
        errors: checked.errors,
        coverage: checked.coverage,
        stages: checked.stages,
    })
}
