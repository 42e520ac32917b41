//! The secrets engine as a run uses it: the catalogue rampart.toml (or a
//! gitleaks configuration) asks for, the baseline and its fingerprint key,
//! the commits since a base, and merging its findings with the manifest
//! rules' without reporting a credential twice.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_core::{Baseline, BaselineError, CONFIG_FILE, Config, Control, Finding, FingerprintKey, ScanError};
use rampart_secrets::allowlist::Allowlist;
use rampart_secrets::{Catalogue, GitleaksConfig, HistoryProgress, Revisions, RuleSpec, ScanOptions, scan_history};

/// The catalogue to search with when it is not the built-in one as is: a
/// gitleaks configuration's, and rampart.toml's rules and allowlists on
/// top; with the gitleaks configuration's warnings.
pub fn catalogue(gitleaks_file: Option<&Path>, team: &Config) -> Result<(Option<Catalogue>, Vec<String>), String> {
    let mut warnings = Vec::new();
    let mut catalogue = match gitleaks_file {
        Some(path) => {
            let config = GitleaksConfig::load(path, Path::new(".")).map_err(|error| error.to_string())?;
            warnings.extend(config.warnings.iter().map(ToString::to_string));
            Some(config.catalogue)
        }
        None => None,
    };
    let config_file = team
        .origin
        .as_ref()
        .map_or(CONFIG_FILE.into(), |origin| origin.path.display().to_string());
    if !team.secrets.rules.is_empty() {
        if catalogue.is_some() {
            return Err(format!(
                "{config_file}: secrets.rules add to the built-in rules; with a gitleaks configuration, put them in it"
            ));
        }
        let mut specs = rampart_secrets::catalogue::builtin_specs();
        for table in &team.secrets.rules {
            let spec: RuleSpec = toml::Value::Table(table.clone())
                .try_into()
                .map_err(|error| format!("{config_file}: secrets.rules: {error}"))?;
            specs.push(spec);
        }
        catalogue =
            Some(Catalogue::from_specs(specs).map_err(|error| format!("{config_file}: secrets.rules: {error}"))?);
    }
    let allow = &team.secrets;
    if allow.allow_paths.is_empty() && allow.allow_regexes.is_empty() && allow.stopwords.is_empty() {
        return Ok((catalogue, warnings));
    }
    let compile = |patterns: &[String], key: &str| {
        patterns
            .iter()
            .map(|pattern| rampart_secrets::catalogue::compile_regex(pattern))
            .collect::<Result<Vec<_>, _>>()
            .map_err(|error| format!("{config_file}: secrets.{key}: {error}"))
    };
    let lists = [
        Allowlist {
            description: "rampart.toml secrets.allow-paths".into(),
            paths: compile(&allow.allow_paths, "allow-paths")?,
            ..Allowlist::default()
        },
        Allowlist {
            description: "rampart.toml secrets.allow-regexes".into(),
            regexes: compile(&allow.allow_regexes, "allow-regexes")?,
            ..Allowlist::default()
        },
        Allowlist {
            description: "rampart.toml secrets.stopwords".into(),
            stopwords: allow.stopwords.iter().map(|word| word.to_ascii_lowercase()).collect(),
            ..Allowlist::default()
        },
    ];
    let mut catalogue = match catalogue.take() {
        Some(catalogue) => catalogue,
        None => {
            Catalogue::from_specs(rampart_secrets::catalogue::builtin_specs()).map_err(|error| error.to_string())?
        }
    };
    catalogue.allowlists.extend(lists);
    Ok((Some(catalogue), warnings))
}

/// The baseline to match against or to write, and the key the secrets
/// engine fingerprints with (the baseline's, else the default).
pub fn baseline_and_key(
    write: Option<&Path>,
    read: Option<&Path>,
) -> Result<(Option<Baseline>, FingerprintKey), String> {
    let baseline = load_baseline(write, read).map_err(|error| error.to_string())?;
    let key = match baseline.as_ref().map(Baseline::fingerprint_key) {
        Some(Ok(key)) => key,
        Some(Err(error)) => return Err(format!("baseline: {error}")),
        None => FingerprintKey::DEFAULT,
    };
    Ok((baseline, key))
}

/// The baseline to match against or to write: `--write-baseline` keeps the
/// key of the file it replaces, so fingerprints stay comparable.
fn load_baseline(write: Option<&Path>, read: Option<&Path>) -> Result<Option<Baseline>, BaselineError> {
    if let Some(path) = write {
        if path.exists() {
            return Baseline::read(path).map(Some);
        }
        if let Some(existing) = read.filter(|existing| existing.exists()) {
            return Baseline::read(existing).map(Some);
        }
        return Baseline::new().map(Some);
    }
    read.map(Baseline::read).transpose()
}

/// Which commits to search besides the tree: those since `base` (the CI's
/// pull-request target or the default branch when `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct History {
    pub base: Option<String>,
}

/// Secrets in the commits since the base; `None` outside a repository.
pub fn history_findings(
    root: &Path,
    base: Option<&str>,
    catalogue: &Catalogue,
    options: &ScanOptions,
    progress: &dyn HistoryProgress,
) -> Result<Option<(Vec<Finding>, usize)>, ScanError> {
    if rampart_secrets::head_of(root).is_none() {
        return Ok(None);
    }
    let base = base.map(str::to_string).or_else(|| ci_base(root));
    // Named as the tree search names them, so a secret still in the tree
    // has the same fingerprint in both and is reported once.
    let revisions = Revisions {
        range: None,
        since: base.clone(),
        all_refs: false,
        folder: folder_in_repo(root).unwrap_or_default(),
        shown_under: Some(root.to_path_buf()),
    };
    match scan_history(root, &revisions, catalogue, options, progress) {
        Ok(history) => Ok(Some((history.scan.findings, history.commits))),
        Err(error) => {
            let hint = match &base {
                Some(base) => format!(
                    "; fetch the base revision `{base}` (a shallow clone lacks it: actions/checkout with fetch-depth: 0, GIT_DEPTH: 0 on GitLab), or pass --base or --no-history"
                ),
                None => String::new(),
            };
            Err(ScanError::new(
                root.display().to_string(),
                None,
                format!("{error}{hint}"),
            ))
        }
    }
}

/// Where `root` is inside its repository (`/`-separated; empty at the top).
fn folder_in_repo(root: &Path) -> Option<String> {
    let top = std::fs::canonicalize(rampart_secrets::repo_root(root)?).ok()?;
    let here = std::fs::canonicalize(root).ok()?;
    let relative = here.strip_prefix(&top).ok()?;
    Some(relative.to_string_lossy().replace('\\', "/"))
}

/// The base from the CI's pull-request variables, else the default
/// branch.
fn ci_base(root: &Path) -> Option<String> {
    let var = |name: &str| std::env::var(name).ok().filter(|value| !value.is_empty());
    if let Some(target) = var("GITHUB_BASE_REF") {
        return Some(format!("origin/{target}"));
    }
    if let Some(sha) = var("CI_MERGE_REQUEST_DIFF_BASE_SHA") {
        return Some(sha);
    }
    rampart_secrets::default_base(root)
}

/// Adds history findings to the tree's, except a secret still in the tree
/// (reported there, once).
pub fn add_history(tree: &mut Vec<Finding>, history: Vec<Finding>) {
    let in_tree: HashSet<String> = tree
        .iter()
        .filter_map(|finding| finding.secret.as_ref().map(|secret| secret.fingerprint.clone()))
        .collect();
    tree.extend(history.into_iter().filter(|finding| {
        finding
            .secret
            .as_ref()
            .is_none_or(|secret| !in_tree.contains(&secret.fingerprint))
    }));
}

/// Adds the secrets engine's findings, except where another engine's rule
/// already reported a credential on the same line of the same file.
pub fn add_secrets(findings: &mut Vec<Finding>, secrets: Vec<Finding>) {
    let reported: HashSet<(Arc<str>, usize)> = findings
        .iter()
        .filter(|finding| finding.controls.contains(&Control::Secrets))
        .map(|finding| (finding.location.path.clone(), finding.location.line))
        .collect();
    findings.extend(
        secrets
            .into_iter()
            .filter(|leak| !reported.contains(&(leak.location.path.clone(), leak.location.line))),
    );
}

/// The baseline a command reads: the one given, else rampart.toml's
/// `secrets.baseline`.
pub fn baseline_file(explicit: Option<&Path>, team: &Config) -> Option<PathBuf> {
    explicit
        .map(Path::to_path_buf)
        .or_else(|| team.secrets.baseline.as_ref().map(|path| team.resolve(path)))
}

/// Adds the secrets engine's findings for one file to another engine's,
/// except where a rule of that engine already reported a credential on
/// the same line with more context (a ConfigMap key, an `ENV` name); the
/// `credential_rules` findings say what the secrets engine makes of the
/// value, so a reviewer can triage it without seeing it.
pub fn merge_leaks(findings: &mut Vec<Finding>, leaks: Vec<Finding>, credential_rules: &[&str]) {
    let reported: HashSet<usize> = findings
        .iter()
        .filter(|finding| finding.controls.contains(&Control::Secrets))
        .map(|finding| finding.location.line)
        .collect();
    for finding in findings.iter_mut() {
        if !credential_rules.contains(&&*finding.rule) {
            continue;
        }
        let verdict = match leaks.iter().find(|leak| leak.location.line == finding.location.line) {
            Some(leak) => format!("the secrets engine matches it as `{}`", leak.rule),
            None => "the secrets engine knows no credential format in it".to_string(),
        };
        finding.message = format!("{} ({verdict})", finding.message);
    }
    findings.extend(leaks.into_iter().filter(|leak| !reported.contains(&leak.location.line)));
}
