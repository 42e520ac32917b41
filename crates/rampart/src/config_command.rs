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
                    print!("{}", rampart_scan::config::with_defaults(config).to_toml());
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
    rampart_scan::config::load(explicit, start).map_err(|error| eprintln!("rampart: {error}"))
}

/// The pipeline for `team` and the command line's `flags`; errors and
/// warnings are printed.
pub fn prepare(team: rampart_core::Config, flags: rampart_scan::Flags) -> Result<rampart_scan::Pipeline, Outcome> {
    match rampart_scan::Pipeline::prepare(team, flags) {
        Ok((pipeline, warnings)) => {
            for warning in warnings {
                eprintln!("rampart: warning: {warning}");
            }
            Ok(pipeline)
        }
        Err(error) => {
            eprintln!("rampart: {error}");
            Err(Outcome::Error)
        }
    }
}
