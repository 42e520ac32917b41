//! `rampart secrets`: search files for leaked credentials.

use std::path::{Path, PathBuf};

use rampart_core::{Outcome, Report, Severity, Summary};
use rampart_secrets::{
    Baseline, BaselineError, Catalogue, FingerprintKey, GitleaksConfig, Revisions, ScanOptions, scan_history,
    scan_paths, scan_staged,
};

use crate::scan::TOOL;
use crate::{Format, output, output_failed, parse_severity, progress};

#[derive(clap::Args)]
pub struct SecretsArgs {
    /// Files or folders to search (default: the current folder); '-' reads
    /// standard input. Folders honour .gitignore; hidden files are searched.
    paths: Vec<PathBuf>,

    /// Output format.
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,

    /// Exit 1 only for findings at or above this severity.
    #[arg(long, value_parser = parse_severity, default_value = "low")]
    fail_on: Severity,

    /// Print the secrets in full. Without it, only a few leading characters
    /// and the length are ever shown.
    #[arg(long)]
    show_secrets: bool,

    /// Skip files larger than this many bytes (they are counted).
    #[arg(long, default_value_t = 10 * 1024 * 1024, value_name = "BYTES")]
    max_file_size: u64,

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

    /// Use the rules and allowlists of a gitleaks configuration (TOML). With
    /// `[extend] useDefault = true` they add to the built-in rules; without
    /// it they replace them, as in gitleaks.
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
    let baseline = match load_baseline(args) {
        Ok(baseline) => baseline,
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    let key = match baseline.as_ref().map(Baseline::fingerprint_key) {
        Some(Ok(key)) => key,
        Some(Err(error)) => {
            eprintln!("rampart: baseline: {error}");
            return Outcome::Error;
        }
        None => FingerprintKey::DEFAULT,
    };
    let options = ScanOptions {
        max_file_size: args.max_file_size,
        show_secrets: args.show_secrets,
        key,
    };
    let loaded;
    let catalogue = match &args.config {
        Some(path) => match GitleaksConfig::load(path, Path::new(".")) {
            Ok(config) => {
                for warning in &config.warnings {
                    eprintln!("rampart: warning: {warning}");
                }
                loaded = config.catalogue;
                &loaded
            }
            Err(error) => {
                eprintln!("rampart: {error}");
                return Outcome::Error;
            }
        },
        None => Catalogue::builtin(),
    };
    let mut commits = 0;
    let mut scan = match &args.git {
        Some(repo) => {
            let revisions = Revisions {
                range: args.range.clone(),
                since: args.since.clone(),
                all_refs: args.all_refs,
            };
            let progress = progress::HistoryBar::new();
            let history = scan_history(repo, &revisions, catalogue, &options, &progress);
            progress.finish();
            match history {
                Ok(history) => {
                    commits = history.commits;
                    history.scan
                }
                Err(error) => {
                    eprintln!("rampart: {error}");
                    return Outcome::Error;
                }
            }
        }
        None if args.staged => match scan_staged(Path::new("."), catalogue, &options) {
            Ok(scan) => scan,
            Err(error) => {
                eprintln!("rampart: {error}");
                return Outcome::Error;
            }
        },
        None => scan_paths(&paths, catalogue, &options),
    };
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
            .or(args.baseline.as_ref())
            .expect("a baseline was named");
        baseline.suppress(&mut scan.findings, &format!("in baseline {}", source.display()));
    }
    let summary = Summary {
        files: scan.files,
        skipped_files: scan.skipped_files,
        commits,
        ..Summary::default()
    };
    let report = Report::new(TOOL, scan.findings, scan.errors, summary, Some(args.fail_on));
    let written = match args.format {
        Format::Json => output::json::write(&report),
        Format::Text => output::text::write(&report),
    };
    match written {
        Ok(()) => report.outcome(),
        Err(error) => output_failed(error),
    }
}

/// The baseline to match against or to write: `--write-baseline` keeps the
/// key of the file it replaces, so fingerprints stay comparable.
fn load_baseline(args: &SecretsArgs) -> Result<Option<Baseline>, BaselineError> {
    if let Some(path) = &args.write_baseline {
        if path.exists() {
            return Baseline::read(path).map(Some);
        }
        if let Some(existing) = &args.baseline {
            return Baseline::read(existing).map(Some);
        }
        return Baseline::new().map(Some);
    }
    args.baseline.as_deref().map(Baseline::read).transpose()
}
