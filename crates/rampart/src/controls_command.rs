//! `rampart controls [PATH...]`: the controls matrix. Each control of the
//! catalogue with the automation that covers it, this run's result over
//! PATH, the evidence the run leaves and its frequency.

use std::path::{Path, PathBuf};

use rampart_core::Outcome;
use rampart_report::matrix::{ControlResult, to_text};
use rampart_scan::context::{CiContext, run_time};
use rampart_scan::{Flags, Quiet, Scanned, proof};

use crate::{Format, config_command};

#[derive(clap::Args)]
pub struct ControlsArgs {
    /// What to scan (default: the current folder).
    paths: Vec<PathBuf>,

    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The run store whose records complete the matrix: a control this
    /// run does not check takes its last recorded result, or "stale" when
    /// that is older than its frequency [default: .rampart/evidence.db
    /// when it exists].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
}

pub fn run(args: &ControlsArgs) -> Outcome {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    let start = paths.first().map_or(Path::new("."), PathBuf::as_path);
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let flags = Flags {
        allow_empty: true,
        ..Flags::default()
    };
    let pipeline = match config_command::prepare(team, flags) {
        Ok(pipeline) => pipeline,
        Err(outcome) => return outcome,
    };
    let team = pipeline.team();
    let Scanned { report, ran, left_out } = pipeline.scan(&paths, &Quiet);
    let store_path = proof::store_path(args.store.as_deref(), team);
    let history = if args.store.is_some() || store_path.exists() {
        match proof::open_store(&store_path, false) {
            Ok((_, history)) => history,
            Err(error) => {
                eprintln!("rampart: run store {error}");
                return Outcome::Error;
            }
        }
    } else {
        Vec::new()
    };
    let commit = CiContext::detect(start).commit;
    let rows = proof::matrix_with_history(
        &report,
        &ran,
        &left_out,
        team,
        &[proof::THIS_RUN.to_string()],
        &history,
        (run_time(), commit.as_deref()),
    );
    for error in &report.errors {
        eprintln!("rampart: {error}");
    }
    match args.format {
        Format::Json => {
            if let Err(outcome) = crate::output::print_json(&rows) {
                return outcome;
            }
        }
        Format::Text => print!("{}", to_text(&rows)),
    }
    if !report.errors.is_empty() {
        Outcome::Error
    } else if rows
        .iter()
        .any(|row| matches!(row.result, ControlResult::Fail | ControlResult::Stale))
    {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}
