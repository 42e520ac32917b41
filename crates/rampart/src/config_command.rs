//! `rampart config init | show`, and finding the configuration every
//! command reads.

use std::path::{Path, PathBuf};

use rampart_core::{CONFIG_FILE, Config, Outcome, STARTER};

#[derive(clap::Subcommand)]
pub enum ConfigCommand {
    /// Write a commented rampart.toml in the current folder.
    Init {
        /// Replace an existing file.
        #[arg(long)]
        force: bool,
    },
    /// Print the configuration that applies to PATH (default: the current
    /// folder) and where it comes from.
    Show {
        path: Option<PathBuf>,
        /// A configuration file instead of the nearest rampart.toml.
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

pub fn run(command: &ConfigCommand) -> Outcome {
    match command {
        ConfigCommand::Init { force } => {
            let path = Path::new(CONFIG_FILE);
            if path.exists() && !force {
                eprintln!("rampart: {CONFIG_FILE} exists; --force replaces it");
                return Outcome::Error;
            }
            match std::fs::write(path, STARTER) {
                Ok(()) => {
                    eprintln!("rampart: wrote {CONFIG_FILE}");
                    Outcome::Pass
                }
                Err(error) => {
                    eprintln!("rampart: cannot write {CONFIG_FILE}: {error}");
                    Outcome::Error
                }
            }
        }
        ConfigCommand::Show { path, config } => {
            let start = path.clone().unwrap_or_else(|| PathBuf::from("."));
            match load(config.as_deref(), &start) {
                Ok(config) => {
                    match &config.origin {
                        Some(origin) => println!("# {}", origin.path.display()),
                        None => println!("# no {CONFIG_FILE} at or above {}: defaults", start.display()),
                    }
                    print!("{}", with_defaults(config).to_toml());
                    Outcome::Pass
                }
                Err(()) => Outcome::Error,
            }
        }
    }
}

/// The configuration for a command: the file given, else the nearest
/// rampart.toml at or above `start`, else the defaults. Errors are printed.
pub fn load(explicit: Option<&Path>, start: &Path) -> Result<Config, ()> {
    let path = match explicit {
        Some(path) => Some(path.to_path_buf()),
        None => Config::discover(start),
    };
    let Some(path) = path else {
        return Ok(Config::default());
    };
    let config = Config::load(&path).map_err(|error| eprintln!("rampart: {error}"))?;
    // Policy rules' ids come from their messages, known only once they
    // run: with policies configured, any id is taken.
    let has_policies = !config.policy.paths.is_empty() || !config.policies.is_empty();
    config
        .check_rule_ids(&|id| has_policies || id.starts_with("policy.") || known_rule(id))
        .map_err(|error| eprintln!("rampart: {error}"))?;
    Ok(config)
}

/// A rule id of any engine.
pub fn known_rule(id: &str) -> bool {
    rampart_k8s::rules::find(id).is_some()
        || rampart_core::exceptions::RULES.iter().any(|meta| meta.id == id)
        || rampart_secrets::Catalogue::builtin()
            .rules
            .iter()
            .any(|rule| rule.spec.id == id)
}

/// The configuration with the defaults it leaves unsaid written in, so
/// `config show` is the whole effective configuration. (`fail-on` is left
/// out when unset: `scan` defaults to high, `secrets` to low.)
/// The configuration in force, defaults written in, as TOML.
pub fn effective_toml(config: &Config) -> String {
    let origin = match &config.origin {
        Some(origin) => format!("# {}\n", origin.path.display()),
        None => format!("# no {CONFIG_FILE}: defaults\n"),
    };
    origin + &with_defaults(config.clone()).to_toml()
}

fn with_defaults(mut config: Config) -> Config {
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
