//! `rampart controls [PATH...]`: the controls matrix. Each control of the
//! catalogue with the automation that covers it, this run's result over
//! PATH, the evidence the run leaves and its frequency.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_core::{Control, Outcome, exceptions};
use rampart_report::RuleInfo;
use rampart_report::matrix::{ControlResult, controls_matrix, to_text};

use crate::{Format, config_command, exceptions_command, scan};

#[derive(clap::Args)]
pub struct ControlsArgs {
    /// What to scan (default: the current folder).
    paths: Vec<PathBuf>,

    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
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
    let mut ran: Vec<(String, RuleInfo)> = selected
        .iter()
        .map(|rule| {
            (
                "manifests".to_string(),
                RuleInfo {
                    id: rule.meta.id.to_string(),
                    title: rule.meta.title.to_string(),
                    severity: rule.meta.severity,
                    controls: rule.meta.controls.to_vec(),
                    help: String::new(),
                },
            )
        })
        .collect();
    if searched_secrets {
        ran.extend(rampart_secrets::Catalogue::builtin().rules.iter().map(|rule| {
            (
                "secrets".to_string(),
                RuleInfo {
                    id: rule.spec.id.clone(),
                    title: rule.spec.title.clone(),
                    severity: rule.spec.severity,
                    controls: vec![Control::Secrets],
                    help: String::new(),
                },
            )
        }));
    }
    if exception_set.is_some() {
        ran.extend(exceptions::RULES.iter().map(|meta| {
            (
                "exceptions file".to_string(),
                RuleInfo {
                    id: meta.id.to_string(),
                    title: meta.title.to_string(),
                    severity: meta.severity,
                    controls: meta.controls.to_vec(),
                    help: String::new(),
                },
            )
        }));
    }
    let frequencies: BTreeMap<String, String> = team
        .frequency
        .iter()
        .map(|(control, frequency)| (control.get_ref().clone(), frequency.get_ref().clone()))
        .collect();
    let evidence = vec!["findings of this run (--format json or sarif)".to_string()];
    let rows = controls_matrix(&report, &ran, &frequencies, &evidence);
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
    } else if rows.iter().any(|row| row.result == ControlResult::Fail) {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}
