//! The configuration a run reads: the nearest `rampart.toml`, checked
//! against every engine's rule ids, and the effective configuration (with
//! the defaults it leaves unsaid) that `config show` and evidence print.

use std::path::{Path, PathBuf};

use rampart_core::{CONFIG_FILE, Config};

use crate::catalogue::known_rule;

/// The file given, else the nearest rampart.toml at or above `start`, else
/// the defaults; an error names the file and line.
pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Config, String> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => Config::discover(start),
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let config = Config::load(&path).map_err(|error| error.to_string())?;
    // Policy rules' ids come from their messages, known only once they
    // run: with policies configured, any id is taken.
    let has_policies = !config.policy.paths.is_empty() || !config.policies.is_empty();
    config
        .check_rule_ids(&|id| has_policies || id.starts_with("policy.") || known_rule(id))
        .map_err(|error| error.to_string())?;
    Ok(config)
}

/// The configuration in force, defaults written in, as TOML, headed by
/// where it comes from. (`fail-on` is left out when unset: `scan` defaults
/// to high, `secrets` to low.)
pub fn effective_toml(config: &Config) -> String {
    let origin = match &config.origin {
        Some(origin) => format!("# {}\n", origin.path.display()),
        None => format!("# no {CONFIG_FILE}: defaults\n"),
    };
    origin + &with_defaults(config.clone()).to_toml()
}

/// `config` with the defaults it leaves unsaid written in.
pub fn with_defaults(mut config: Config) -> Config {
    let defaults = rampart_k8s::ScanConfig::default();
    let kubernetes = &mut config.kubernetes;
    kubernetes.default_namespace.get_or_insert(defaults.default_namespace);
    kubernetes.owner_annotation.get_or_insert(defaults.owner_annotation);
    kubernetes.review_annotation.get_or_insert(defaults.review_annotation);
    config.profile.get_or_insert_default();
    config
        .exceptions
        .file
        .get_or_insert_with(|| PathBuf::from(rampart_core::exceptions::DEFAULT_FILE));
    config
        .exceptions
        .warn_days
        .get_or_insert(rampart_core::exceptions::DEFAULT_WARN_DAYS);
    config.policy.namespace.get_or_insert_with(|| "main".to_string());
    config.output.format.get_or_insert_with(|| "text".to_string());
    config
}
