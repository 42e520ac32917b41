//! The Terraform engine inside the pipeline: its settings, the secrets
//! engine over each `.tf` file, and plan JSON recognised among the JSON
//! inputs.

use std::io::Read;
use std::path::Path;

use rampart_core::{Config, Finding, FingerprintKey, ScanError};
use rampart_k8s::files::{Input, read_input};
use rampart_terraform::{Checked, Rule, TerraformConfig};

use crate::pipeline::Flags;

/// The engine's settings: the command line's variables and var files,
/// `TF_VAR_*`, and rampart.toml's `non-waivable`.
pub fn terraform_config(team: &Config, flags: &Flags) -> TerraformConfig {
    TerraformConfig {
        options: rampart_terraform::eval::Options {
            var_files: flags.tf_var_files.clone(),
            vars: flags.tf_vars.clone(),
            env: flags.tf_env.clone(),
            max_file_size: flags.max_file_size,
        },
        non_waivable: team.non_waivable_selectors(),
    }
}

/// Whether a JSON input is a Terraform plan (`terraform show -json`),
/// from its first 4 KiB.
pub fn is_plan(path: &Path) -> bool {
    if path.extension().is_none_or(|ext| ext != "json") {
        return false;
    }
    let mut head = [0u8; 4096];
    let read = std::fs::File::open(path)
        .and_then(|mut file| file.read(&mut head))
        .unwrap_or(0);
    rampart_terraform::is_plan_json(path, &head[..read])
}

/// A plan, checked, with the secrets engine over the same bytes.
pub fn check_plan(
    input: &Input,
    config: &TerraformConfig,
    rules: &[&'static Rule],
    secrets: Option<(&rampart_secrets::Detector<'_>, &FingerprintKey)>,
    max_file_size: u64,
) -> Result<(Checked, Vec<Finding>), ScanError> {
    let bytes = read_input(input, max_file_size)?;
    let name = input.display_name();
    let checked = rampart_terraform::check_plan(&name, &bytes, config, rules);
    Ok((checked, leaks(&name, &bytes, secrets)))
}

/// The secrets engine over a `.tf` file (the Terraform engine reads whole
/// folders itself).
pub fn search_file(
    input: &Input,
    secrets: Option<(&rampart_secrets::Detector<'_>, &FingerprintKey)>,
    max_file_size: u64,
) -> Result<Vec<Finding>, ScanError> {
    if secrets.is_none() {
        return Ok(Vec::new());
    }
    let bytes = read_input(input, max_file_size)?;
    Ok(leaks(&input.display_name(), &bytes, secrets))
}

fn leaks(name: &str, bytes: &[u8], secrets: Option<(&rampart_secrets::Detector<'_>, &FingerprintKey)>) -> Vec<Finding> {
    let Some((detector, key)) = secrets else {
        return Vec::new();
    };
    let options = rampart_secrets::ScanOptions {
        key: key.clone(),
        ..rampart_secrets::ScanOptions::default()
    };
    rampart_secrets::scan_bytes(detector, name, bytes, &options)
}
