//! `rampart exceptions`: each exception with its status, and with paths,
//! how many findings it matches.

use std::path::{Path, PathBuf};

use rampart_core::Outcome;
use rampart_core::exceptions::{DEFAULT_FILE, Status};

use crate::Format;

#[derive(clap::Args)]
pub struct ExceptionsArgs {
    /// Scan these paths (manifests and secrets) to tell which exceptions
    /// match nothing; without them, usage is not judged.
    paths: Vec<PathBuf>,

    /// The exceptions file [default: rampart.toml's exceptions.file, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    file: Option<PathBuf>,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// One row of `rampart exceptions`.
#[derive(serde::Serialize)]
struct Row<'a> {
    #[serde(flatten)]
    exception: &'a rampart_core::exceptions::Exception,
    status: &'static str,
    days_left: i64,
    /// Findings it matched, when paths were scanned.
    #[serde(skip_serializing_if = "Option::is_none")]
    matched: Option<usize>,
}

pub fn run(args: &ExceptionsArgs) -> Outcome {
    let start = args.paths.first().map_or(Path::new("."), PathBuf::as_path);
    let Ok(team) = crate::config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let set = match rampart_scan::exceptions::load(&team, args.file.as_deref()) {
        Ok(Some(set)) => set,
        Ok(None) => {
            eprintln!("rampart: no exceptions file ({DEFAULT_FILE}, or rampart.toml's exceptions.file)");
            return Outcome::Pass;
        }
        Err(errors) => {
            for error in errors {
                eprintln!("rampart: {error}");
            }
            return Outcome::Error;
        }
    };
    let matched = if args.paths.is_empty() {
        None
    } else {
        match rampart_scan::pipeline::matches_per_exception(&args.paths, &team, &set) {
            Ok(counts) => Some(counts),
            Err(error) => {
                eprintln!("rampart: {error}");
                return Outcome::Error;
            }
        }
    };
    let rows: Vec<Row<'_>> = set
        .exceptions
        .list()
        .iter()
        .enumerate()
        .map(|(index, exception)| {
            let matched = matched.as_ref().map(|counts| counts[index]);
            let status = match (exception.status(set.today(), set.warn_days), matched) {
                (Status::Expired, _) => "expired",
                (_, Some(0)) => "unused",
                (Status::Expiring, _) => "expiring",
                (Status::Active, _) => "active",
            };
            Row {
                exception,
                status,
                days_left: exception.days_left(set.today()),
                matched,
            }
        })
        .collect();
    let expired = rows.iter().any(|row| row.status == "expired");
    match args.format {
        Format::Json => {
            if let Err(outcome) = crate::output::print_json(&rows) {
                return outcome;
            }
        }
        Format::Text => {
            println!(
                "{:<24} {:<9} {:>9}  {:<10}  {:<20}  RULES",
                "ID", "STATUS", "DAYS LEFT", "EXPIRES", "OWNER"
            );
            for row in &rows {
                let e = row.exception;
                let rules = if e.rules.is_empty() {
                    "(all)".to_string()
                } else {
                    e.rules.join(",")
                };
                println!(
                    "{:<24} {:<9} {:>9}  {:<10}  {:<20}  {rules}",
                    e.id,
                    row.status,
                    row.days_left,
                    e.expires.to_string(),
                    e.owner
                );
            }
        }
    }
    // An expired exception fails, as it fails the scan.
    if expired { Outcome::Fail } else { Outcome::Pass }
}
