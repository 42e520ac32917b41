//! The exceptions file: finding it, applying it to a scan's findings, and
//! `rampart exceptions`, which lists each exception with its status.

use std::path::{Path, PathBuf};

use rampart_core::exceptions::{DEFAULT_FILE, DEFAULT_WARN_DAYS, Exceptions, Status};
use rampart_core::{Config, Date, Finding, Outcome, RuleSelector, ScanError};
use rampart_k8s::exceptions_file::parse_exceptions;

use crate::Format;

/// The exceptions that apply to a scan, and how to judge them.
pub struct ExceptionSet {
    pub exceptions: Exceptions,
    pub warn_days: u32,
    pub today: Date,
}

impl ExceptionSet {
    /// Applies the exceptions (rampart.toml's `non-waivable` rules
    /// excepted) and adds their own findings (expired, expiring, unused).
    /// Returns an error for each rule id an exception names that no engine
    /// has.
    pub fn apply(&self, findings: &mut Vec<Finding>, team: &Config) -> Vec<ScanError> {
        let usage = self
            .exceptions
            .apply(findings, self.today, &team.non_waivable_selectors());
        findings.extend(self.exceptions.findings(&usage, self.today, self.warn_days));
        self.unknown_rules(findings, team)
    }

    /// Rule ids the exceptions name that no engine has: a typo that would
    /// accept nothing, reported at the exception's line. Selectors
    /// (`prefix-*`, controls, severities) are not ids.
    fn unknown_rules(&self, findings: &[Finding], team: &Config) -> Vec<ScanError> {
        let mut errors = Vec::new();
        for exception in self.exceptions.list() {
            for rule in &exception.rules {
                let RuleSelector::Id(id) = RuleSelector::parse(rule) else {
                    continue;
                };
                if crate::scan::is_rule_id(&id, findings, team) {
                    continue;
                }
                errors.push(ScanError::new(
                    &exception.file,
                    Some(exception.line),
                    format!(
                        "exception `{}` names `{id}`, which is not a rule id, so it accepts nothing (`rampart rules` lists them)",
                        exception.id
                    ),
                ));
            }
        }
        errors
    }
}

/// Reads the exceptions file: `explicit`, else rampart.toml's
/// `exceptions.file`, else `.rampart/exceptions.yaml` beside rampart.toml
/// (or in the current folder). Only the default may be absent.
pub fn load(team: &Config, explicit: Option<&Path>) -> Result<Option<ExceptionSet>, Vec<ScanError>> {
    let (path, required) = match (explicit, &team.exceptions.file) {
        (Some(path), _) => (path.to_path_buf(), true),
        (None, Some(path)) => (team.resolve(path), true),
        (None, None) => (team.resolve(Path::new(DEFAULT_FILE)), false),
    };
    if !required && !path.exists() {
        return Ok(None);
    }
    let display = display_path(&path);
    let text =
        std::fs::read_to_string(&path).map_err(|error| vec![ScanError::new(&display, None, error.to_string())])?;
    let list = parse_exceptions(&display, &text)?;
    let exceptions = Exceptions::new(list).map_err(|message| vec![ScanError::new(&display, None, message)])?;
    Ok(Some(ExceptionSet {
        exceptions,
        warn_days: team.exceptions.warn_days.unwrap_or(DEFAULT_WARN_DAYS),
        today: Date::from_unix(crate::ci_context::run_time()),
    }))
}

/// A path as findings show it: relative to the current folder when under it.
fn display_path(path: &Path) -> String {
    let current = std::env::current_dir().ok();
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    match current.as_deref().and_then(|dir| absolute.strip_prefix(dir).ok()) {
        Some(relative) => relative.display().to_string(),
        None => path.display().to_string(),
    }
}

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
    let set = match load(&team, args.file.as_deref()) {
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
    let matched = (!args.paths.is_empty()).then(|| crate::scan::matches_per_exception(&args.paths, &team, &set));
    let rows: Vec<Row<'_>> = set
        .exceptions
        .list()
        .iter()
        .enumerate()
        .map(|(index, exception)| {
            let matched = matched.as_ref().map(|counts| counts[index]);
            let status = match (exception.status(set.today, set.warn_days), matched) {
                (Status::Expired, _) => "expired",
                (_, Some(0)) => "unused",
                (Status::Expiring, _) => "expiring",
                (Status::Active, _) => "active",
            };
            Row {
                exception,
                status,
                days_left: exception.days_left(set.today),
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
