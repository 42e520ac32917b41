//! `rampart secrets`: search files for leaked credentials.

use std::path::{Path, PathBuf};

use rampart_core::{CONFIG_FILE, Outcome, Report, Selection, Severity, Summary};
use rampart_scan::catalogue::{EXCEPTIONS_ENGINE, SECRETS_ENGINE, Selected, rules_that_ran};
use rampart_scan::proof::Run;
use rampart_scan::secrets::{baseline_and_key, baseline_file, catalogue};
use rampart_scan::{TOOL, apply_team_config};
use rampart_secrets::{Catalogue, Revisions, ScanOptions, SecretsScan, scan_history, scan_paths, scan_staged};

use crate::{config_command, output, parse_severity, progress, proof};

#[derive(clap::Args)]
pub struct SecretsArgs {
    /// Files or folders to search (default: the current folder); '-' reads
    /// standard input. Folders honour .gitignore; hidden files are searched.
    paths: Vec<PathBuf>,

    /// Output format, repeatable: text, json or sarif [default: text, or
    /// rampart.toml's output.format]. Each goes to the --output FILE in the
    /// same position, the last one without a file to standard output.
    #[arg(long, short = 'f', value_enum)]
    format: Vec<output::ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// Exit 1 only for findings at or above this severity [default: low, or
    /// rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// Print the secrets in full. Without it, only a few leading characters
    /// and the length are ever shown.
    #[arg(long)]
    show_secrets: bool,

    /// Skip files larger than this many bytes (they are counted) [default:
    /// 10 MiB, or rampart.toml's secrets.max-file-size].
    #[arg(long, value_name = "BYTES")]
    max_file_size: Option<u64>,

    /// Search the history of the git repository at REPO (default: the
    /// current folder) instead of files: every commit reachable from HEAD,
    /// each unique blob once, each secret at the commit that introduced it.
    #[arg(long, value_name = "REPO", num_args = 0..=1, default_missing_value = ".", conflicts_with = "paths")]
    git: Option<PathBuf>,

    /// With --git: only commits not reachable from REV (a branch, tag or
    /// commit), e.g. the base of a pull request.
    #[arg(long, value_name = "REV", requires = "git")]
    since: Option<String>,

    /// With --git: only commits in A..B.
    #[arg(long, value_name = "A..B", requires = "git")]
    range: Option<String>,

    /// With --git: start from every branch, tag and remote ref, not only HEAD.
    #[arg(long, requires = "git", conflicts_with = "range")]
    all_refs: bool,

    /// Search only what is staged for the next commit in the repository of
    /// the current folder, and report only secrets the change adds (for
    /// pre-commit hooks).
    #[arg(long, conflicts_with_all = ["paths", "git"])]
    staged: bool,

    /// Findings recorded in this baseline are reported as suppressed and do
    /// not fail; only new ones do.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// A gitleaks configuration (TOML) whose rules and allowlists to use:
    /// with `[extend] useDefault = true` they add to the built-in rules,
    /// without it they replace them, as in gitleaks. A file named
    /// rampart.toml is read as Rampart's own configuration instead (found
    /// at or above the first path when not given).
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Record every finding of this run in FILE (keeping its key when it
    /// exists) and exit 0. The file holds keyed hashes, never a secret.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,
}

pub fn run(args: &SecretsArgs) -> Outcome {
    let paths = if args.paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        args.paths.clone()
    };
    if paths.iter().filter(|path| path.as_os_str() == "-").count() > 1 {
        eprintln!("rampart: '-' (standard input) may be given only once");
        return Outcome::Error;
    }
    let (team_file, gitleaks_file) = match &args.config {
        Some(path) if path.file_name().is_some_and(|name| name == CONFIG_FILE) => (Some(path.as_path()), None),
        Some(path) => (None, Some(path.clone())),
        None => (None, None),
    };
    let start = if args.git.is_some() || args.staged {
        Path::new(".")
    } else {
        paths[0].as_path()
    };
    let Ok(team) = config_command::load(team_file, start) else {
        return Outcome::Error;
    };
    let baseline_file = baseline_file(args.baseline.as_deref(), &team);
    let (baseline, key) = match baseline_and_key(args.write_baseline.as_deref(), baseline_file.as_deref()) {
        Ok(read) => read,
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    let options = ScanOptions {
        max_file_size: args
            .max_file_size
            .or(team.secrets.max_file_size)
            .unwrap_or(ScanOptions::default().max_file_size),
        show_secrets: args.show_secrets,
        key,
    };
    let gitleaks_file = gitleaks_file.or_else(|| team.secrets.gitleaks_config.as_ref().map(|path| team.resolve(path)));
    let custom = match catalogue(gitleaks_file.as_deref(), &team) {
        Ok((custom, warnings)) => {
            for warning in warnings {
                eprintln!("rampart: warning: {warning}");
            }
            custom
        }
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    let catalogue = custom.as_ref().unwrap_or_else(|| Catalogue::builtin());
    let Ok((mut scan, commits)) = search(args, &paths, catalogue, &options) else {
        return Outcome::Error;
    };
    let mut shared = rampart_secrets::environments::shared_across_environments(&scan.findings);
    scan.findings.append(&mut shared);
    // Profiles choose manifest rules; this command is the secrets engine.
    apply_team_config(
        &mut scan.findings,
        &team,
        &Selection::new(&team, &[]),
        rampart_core::Profile::All,
    );
    let exception_set = match rampart_scan::exceptions::load(&team, None) {
        Ok(set) => set,
        Err(errors) => {
            scan.errors.extend(errors);
            None
        }
    };
    if let Some(set) = &exception_set {
        let unknown = set.apply(&mut scan.findings, &team);
        scan.errors.extend(unknown);
    }
    scan.findings
        .sort_by(|a, b| a.location.cmp(&b.location).then_with(|| a.rule.cmp(&b.rule)));
    scan.errors.sort();
    if let Some(mut baseline) = baseline {
        if let Some(path) = &args.write_baseline {
            baseline.accept(&scan.findings);
            if let Err(error) = baseline.write(path) {
                eprintln!("rampart: cannot write the baseline: {error}");
                return Outcome::Error;
            }
            eprintln!(
                "rampart: recorded {} finding(s) in {}",
                baseline.findings.len(),
                path.display()
            );
        }
        let source = args
            .write_baseline
            .as_ref()
            .or(baseline_file.as_ref())
            .expect("a baseline was named");
        baseline.suppress(&mut scan.findings, &format!("in baseline {}", source.display()));
    }
    let summary = Summary {
        files: scan.files,
        skipped_files: scan.skipped_files,
        commits,
        ..Summary::default()
    };
    let fail_on = args.fail_on.or(team.fail_on).unwrap_or(Severity::Low);
    let files = scan.files;
    let mut report = Report::new(TOOL, scan.findings, scan.errors, summary, Some(fail_on));
    report.coverage.add_engine(SECRETS_ENGINE, files + commits);
    if let Some(set) = &exception_set {
        report
            .coverage
            .add_engine(EXCEPTIONS_ENGINE, set.exceptions.list().len());
    }
    let ran = rules_that_ran(&Selected::default(), Some(catalogue), exception_set.is_some());
    let run = Run {
        command: "secrets",
        report: &report,
        ran: &ran,
        left_out: &[],
        team: &team,
        exceptions: exception_set.as_ref(),
        scanned: &[],
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &proof::ProofArgs::default())
}

/// Searches what the arguments name: history, the index, or files. Returns
/// the scan and the number of commits walked.
fn search(
    args: &SecretsArgs,
    paths: &[PathBuf],
    catalogue: &Catalogue,
    options: &ScanOptions,
) -> Result<(SecretsScan, usize), ()> {
    if let Some(repo) = &args.git {
        let revisions = Revisions {
            range: args.range.clone(),
            since: args.since.clone(),
            all_refs: args.all_refs,
            ..Revisions::default()
        };
        let progress = progress::HistoryBar::new();
        let history = scan_history(repo, &revisions, catalogue, options, &progress);
        progress.finish();
        return history
            .map(|history| (history.scan, history.commits))
            .map_err(|error| eprintln!("rampart: {error}"));
    }
    if args.staged {
        return scan_staged(Path::new("."), catalogue, options)
            .map(|scan| (scan, 0))
            .map_err(|error| eprintln!("rampart: {error}"));
    }
    Ok((scan_paths(paths, catalogue, options), 0))
}
