//! `rampart ci [PATH]`: the articles' pipeline recipe in one command and
//! one threshold. Secrets in every file of the tree and in the commits
//! since the base, the manifests with rampart.toml's rules and the team's
//! Rego policies, then the exceptions and the baseline over all of it; the
//! chosen reports, the evidence bundle and the run record; exit 0, 1 or 2.

use std::collections::HashSet;
use std::path::{Path, PathBuf};

use rampart_core::{Finding, Outcome, Report, ScanError, Selection, Severity};
use rampart_secrets::{Catalogue, Revisions, ScanOptions, default_base, scan_history, scan_paths};

use crate::output::{self, ReportFormat};
use crate::scan::{TOOL, apply_team_config, scan_manifests_for_gate, set_compliance};
use crate::secrets_command::{baseline_and_key, catalogue};
use crate::{config_command, exceptions_command, parse_severity, policy_command, progress, proof};

#[derive(clap::Args)]
pub struct CiArgs {
    /// The repository or folder to check [default: the current folder].
    path: Option<PathBuf>,

    /// Search the commits since this revision (the merge base with it) for
    /// secrets [default: the pull request's target branch from the CI's
    /// variables, else the default branch (origin/HEAD, main, master); on
    /// the default branch itself, HEAD's own commit].
    #[arg(long, value_name = "REV")]
    base: Option<String>,

    /// Do not search the git history, only the files as they are.
    #[arg(long)]
    no_history: bool,

    /// Exit 1 for open findings at or above this severity [default: high,
    /// or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// Output format, repeatable: text, json, sarif, junit, markdown or
    /// html; each to the --output in the same position [default: text].
    #[arg(long, short = 'f', value_enum)]
    format: Vec<ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Rego policies to evaluate over every object (repeatable; adds to
    /// rampart.toml's policy.paths).
    #[arg(long = "policy", value_name = "DIR")]
    policies: Vec<PathBuf>,

    /// Findings in this baseline do not fail [default: rampart.toml's
    /// secrets.baseline].
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// The exceptions file [default: rampart.toml's, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    /// Accept a folder with nothing to check (by default that is an
    /// error, exit 2: a gate over nothing proves nothing).
    #[arg(long)]
    allow_empty: bool,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

pub fn run(args: &CiArgs) -> Outcome {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let Ok(team) = config_command::load(args.config.as_deref(), &root) else {
        return Outcome::Error;
    };
    let fail_on = args.fail_on.or(team.fail_on).unwrap_or(Severity::High);
    let baseline_file = args
        .baseline
        .clone()
        .or_else(|| team.secrets.baseline.as_ref().map(|path| team.resolve(path)));
    let Ok((baseline, key)) = baseline_and_key(None, baseline_file.as_deref()) else {
        return Outcome::Error;
    };
    let gitleaks_file = team.secrets.gitleaks_config.as_ref().map(|path| team.resolve(path));
    let Ok(custom) = catalogue(gitleaks_file.as_deref(), &team) else {
        return Outcome::Error;
    };
    let catalogue = custom.as_ref().unwrap_or_else(|| Catalogue::builtin());
    let mut errors: Vec<ScanError> = Vec::new();
    let exception_set = match exceptions_command::load(&team, args.exceptions.as_deref()) {
        Ok(set) => set,
        Err(failed) => {
            errors.extend(failed);
            None
        }
    };
    let policies = match policy_command::load_for_scan(&team, &args.policies, &[]) {
        Ok(policies) => policies,
        Err(failed) => {
            errors.extend(failed);
            None
        }
    };

    let roots = [root.clone()];
    let (manifests, selected) = scan_manifests_for_gate(&roots, &team, policies.as_ref(), fail_on);
    let options = ScanOptions {
        key,
        ..ScanOptions::default()
    };
    let tree = scan_paths(&roots, catalogue, &options);
    let mut summary = manifests.summary.clone();
    summary.files = tree.files;
    summary.skipped_files = tree.skipped_files;
    errors.extend(manifests.errors);
    errors.extend(tree.errors);
    let mut findings = manifests.findings;
    let mut secrets = tree.findings;
    if !args.no_history {
        match history_findings(&root, args.base.as_deref(), catalogue, &options) {
            Ok(Some((found, commits))) => {
                summary.commits = commits;
                // A secret still in the tree is reported there, once.
                let in_tree: HashSet<String> = secrets
                    .iter()
                    .filter_map(|finding| finding.secret.as_ref().map(|secret| secret.fingerprint.clone()))
                    .collect();
                secrets.extend(found.into_iter().filter(|finding| {
                    finding
                        .secret
                        .as_ref()
                        .is_none_or(|secret| !in_tree.contains(&secret.fingerprint))
                }));
            }
            Ok(None) => {}
            Err(error) => errors.push(error),
        }
    }
    apply_team_config(
        &mut secrets,
        &team,
        &Selection::new(&team, &[]),
        rampart_core::Profile::All,
    );
    add_secrets(&mut findings, secrets);
    if let Some(set) = &exception_set {
        errors.extend(set.apply(&mut findings, &team));
    }
    if let (Some(baseline), Some(name)) = (&baseline, &baseline_file) {
        baseline.suppress(&mut findings, &format!("in baseline {}", name.display()));
    }
    let profile = team.profile.unwrap_or_default();
    if summary.objects == 0 && tree.files == 0 && summary.commits == 0 && !args.allow_empty {
        errors.push(ScanError::new(
            root.display().to_string(),
            None,
            "nothing to check: no file to search for secrets and no Kubernetes object, so no control was checked (pass --allow-empty to accept it)",
        ));
    }
    errors.sort();
    errors.dedup();
    let mut coverage = manifests.coverage;
    coverage.add_engine(output::SECRETS_ENGINE, tree.files + summary.commits);
    if let Some(set) = &exception_set {
        coverage.add_engine(output::EXCEPTIONS_ENGINE, set.exceptions.list().len());
    }
    let mut report = Report::new(TOOL, findings, errors, summary, Some(fail_on));
    report.coverage = coverage;
    let ran = output::rules_that_ran(&selected, Some(catalogue), exception_set.is_some());
    let left_out = output::rules_left_out(&selected, false);
    set_compliance(&mut report, profile, &ran, &left_out);
    let run = proof::Run {
        command: "ci",
        report: &report,
        ran: &ran,
        left_out: &left_out,
        team: &team,
        exceptions: exception_set.as_ref(),
        scanned: &roots,
        start: &root,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}

/// Secrets in the commits since the base; `None` outside a repository.
fn history_findings(
    root: &Path,
    base: Option<&str>,
    catalogue: &Catalogue,
    options: &ScanOptions,
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
    let bar = progress::HistoryBar::new();
    let scanned = scan_history(root, &revisions, catalogue, options, &bar);
    bar.finish();
    match scanned {
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
    default_base(root)
}

/// Adds the secrets engine's findings, except where a manifest rule
/// already reported a credential on the same line of the same file.
fn add_secrets(findings: &mut Vec<Finding>, secrets: Vec<Finding>) {
    let reported: HashSet<(std::sync::Arc<str>, usize)> = findings
        .iter()
        .filter(|finding| finding.controls.contains(&rampart_core::Control::Secrets))
        .map(|finding| (finding.location.path.clone(), finding.location.line))
        .collect();
    findings.extend(
        secrets
            .into_iter()
            .filter(|leak| !reported.contains(&(leak.location.path.clone(), leak.location.line))),
    );
}
