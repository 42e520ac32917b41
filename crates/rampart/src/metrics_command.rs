//! `rampart metrics`: the articles' metrics from the run store.

use std::path::{Path, PathBuf};

use rampart_core::Outcome;
use rampart_report::metrics::{compute, to_text};
use rampart_report::store::Store;
use rampart_scan::proof;

use crate::{Format, config_command};

#[derive(clap::Args)]
pub struct MetricsArgs {
    /// The run store [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,

    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

pub fn run(args: &MetricsArgs) -> Outcome {
    let Ok(team) = config_command::load(args.config.as_deref(), Path::new(".")) else {
        return Outcome::Error;
    };
    let path = args
        .store
        .clone()
        .unwrap_or_else(|| team.resolve(Path::new(proof::DEFAULT_STORE)));
    if !path.exists() {
        eprintln!(
            "rampart: {}: no run store; record runs with `rampart scan --record` or `rampart ci --record`",
            path.display()
        );
        return Outcome::Error;
    }
    let runs = match Store::open(&path).and_then(|store| store.runs()) {
        Ok(runs) => runs,
        Err(error) => {
            eprintln!("rampart: run store {error}");
            return Outcome::Error;
        }
    };
    let records: Vec<_> = runs.into_iter().map(|run| run.record).collect();
    let metrics = compute(&records);
    match args.format {
        Format::Text => print!("{}", to_text(&metrics)),
        Format::Json => {
            if let Err(outcome) = crate::output::print_json(&metrics) {
                return outcome;
            }
        }
    }
    Outcome::Pass
}
