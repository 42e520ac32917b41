//! `rampart controls [PATH...]`: the controls matrix. Each control of the
//! catalogue with the automation that covers it, this run's result over
//! PATH, the evidence the run leaves and its frequency.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_core::Outcome;
use rampart_report::matrix::{ControlResult, controls_matrix, to_text, with_history};
use rampart_report::store::Store;

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
    let frequencies: BTreeMap<String, String> = team
        .frequency
        .iter()
        .map(|(control, frequency)| (control.get_ref().clone(), frequency.get_ref().clone()))
        .collect();
    let evidence = vec!["findings of this run (--format json or sarif)".to_string()];
    let mut rows = controls_matrix(&report, &ran, &frequencies, &evidence);
    let store_path = args
        .store
        .clone()
        .unwrap_or_else(|| team.resolve(Path::new(proof::DEFAULT_STORE)));
    if args.store.is_some() || store_path.exists() {
        match Store::open(&store_path).and_then(|store| store.runs()) {
            Ok(runs) => {
                let runs: Vec<_> = runs.into_iter().map(|run| run.record).collect();
                let commit = CiContext::detect(start).commit;
                with_history(&mut rows, &runs, run_time(), commit.as_deref());
            }
            Err(error) => {
                eprintln!("rampart: run store {error}");
                return Outcome::Error;
            }
        }
    }
    for error in &report.errors {
        eprintln!("rampart: {error}");
    }
    match args.format {
        Format::Json => match serde_json::to_string_pretty(&rows) {
            Ok(json) => println!("{json}"),
            Err(error) => {
                eprintln!("rampart: {error}");
                return Outcome::Error;
            }
        },
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
