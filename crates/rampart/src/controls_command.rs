//! `rampart controls [PATH...]`: the controls matrix. Each control of the
//! catalogue with the automation that covers it, this run's result over
//! PATH, the evidence the run leaves and its frequency.

use std::path::{Path, PathBuf};

use rampart_core::Outcome;
use rampart_report::matrix::{ControlResult, to_text};

use crate::ci_context::{CiContext, run_time};
use crate::{Format, config_command, exceptions_command, output, proof, scan};

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
    let exception_set = match exceptions_command::load(&team, None) {
        Ok(set) => set,
        Err(errors) => {
            for error in errors {
                eprintln!("rampart: {error}");
            }
            return Outcome::Error;
        }
    };
    let (report, selected, searched_secrets) = scan::scan_with_team(&paths, &team, exception_set.as_ref());
    let ran = output::rules_that_ran(
        &selected,
        searched_secrets.then(rampart_secrets::Catalogue::builtin),
        exception_set.is_some(),
    );
    let left_out = output::rules_left_out(&selected, false);
    let store_path = proof::store_path(args.store.as_deref(), &team);
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
        &team,
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
