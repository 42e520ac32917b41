//! The exceptions file a run applies: finding it, reading it, and applying
//! it to every engine's findings at once.

use std::path::Path;

use rampart_core::exceptions::{DEFAULT_FILE, DEFAULT_WARN_DAYS, Exceptions};
use rampart_core::{Config, Date, Finding, RuleSelector, ScanError};
use rampart_k8s::exceptions_file::parse_exceptions;

use crate::catalogue::is_rule_id;

/// The exceptions that apply to a scan, and how to judge them.
pub struct ExceptionSet {
    pub exceptions: Exceptions,
    pub warn_days: u32,
}

impl ExceptionSet {
    /// The day exceptions are judged on, read at each use: a server that
    /// runs for weeks stops honouring an exception the day it expires.
    /// (`SOURCE_DATE_EPOCH` fixes it for reproducible runs.)
    pub fn today(&self) -> Date {
        Date::from_unix(crate::context::run_time())
    }

    /// Applies the exceptions (rampart.toml's `non-waivable` rules
    /// excepted) and adds their own findings (expired, expiring, unused).
    /// Returns an error for each rule id an exception names that no engine
    /// has.
    pub fn apply(&self, findings: &mut Vec<Finding>, team: &Config) -> Vec<ScanError> {
        let today = self.today();
        let usage = self.exceptions.apply(findings, today, &team.non_waivable_selectors());
        findings.extend(self.exceptions.findings(&usage, today, self.warn_days));
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
                if is_rule_id(&id, findings, team) {
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
    let (path, required) = file_of(team, explicit);
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
    }))
}

/// The exceptions file that applies, and whether it must exist (named
/// explicitly or in rampart.toml) or may be absent (the default one).
pub fn file_of(team: &Config, explicit: Option<&Path>) -> (std::path::PathBuf, bool) {
    match (explicit, &team.exceptions.file) {
        (Some(path), _) => (path.to_path_buf(), true),
        (None, Some(path)) => (team.resolve(path), true),
        (None, None) => (team.resolve(Path::new(DEFAULT_FILE)), false),
    }
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
