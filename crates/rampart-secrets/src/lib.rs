//! Finds leaked credentials in files (and, later, git history) and reports
//! them as Rampart findings with the secret redacted.
//!
//! The rule catalogue is data (`src/rules.toml`); [`Detector`] runs it with
//! a keyword automaton and per-line regexes; [`scan_paths`] walks files in
//! parallel and turns what it finds into [`Finding`]s.

pub mod allowlist;
pub mod catalogue;
pub mod detector;
pub mod environments;
pub mod evidence;
pub mod files;
pub mod filters;
pub mod gitleaks;
pub mod history;
pub mod staged;

use std::borrow::Cow;
use std::path::PathBuf;
use std::sync::Arc;

use rampart_core::{Control, Finding, Location, ScanError, SecretEvidence};
use rayon::prelude::*;

pub use catalogue::{Catalogue, CatalogueError, CompiledRule, RuleSpec};
pub use detector::{Detected, Detector};
pub use evidence::{FingerprintKey, fingerprint, redact};
pub use gitleaks::GitleaksConfig;
pub use history::{GitError, HistoryProgress, HistoryScan, Revisions, default_base, head_of, repo_root, scan_history};
pub use staged::scan_staged;

const CONTROLS: &[Control] = &[Control::Secrets];
const FIX: &str = "Revoke and rotate the credential, remove it from the file and its history, and load it at run time from a secret manager.";

/// How a scan reads and reports.
#[derive(Debug, Clone)]
pub struct ScanOptions {
    /// Larger files are skipped and counted.
    pub max_file_size: u64,
    /// Put the secret itself in findings (`--show-secrets`).
    pub show_secrets: bool,
    pub key: FingerprintKey,
}

impl Default for ScanOptions {
    fn default() -> Self {
        ScanOptions {
            max_file_size: 10 * 1024 * 1024,
            show_secrets: false,
            key: FingerprintKey::DEFAULT,
        }
    }
}

/// What a scan of files found.
#[derive(Debug, Default)]
pub struct SecretsScan {
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    /// Files read and searched.
    pub files: usize,
    /// Files passed over: binary or larger than the limit.
    pub skipped_files: usize,
    pub bytes: u64,
}

/// Scans every file under `paths` in parallel.
pub fn scan_paths(paths: &[PathBuf], catalogue: &Catalogue, options: &ScanOptions) -> SecretsScan {
    let (sources, errors) = files::discover(paths);
    let detector = Detector::new(catalogue);
    let per_file: Vec<Result<FileResult, ScanError>> = sources
        .par_iter()
        .map(|source| {
            let name = source.display_name();
            Ok(match files::read(source, options.max_file_size)? {
                files::Content::Text(bytes) => FileResult::Searched {
                    findings: scan_bytes(&detector, &name, &bytes, options),
                    bytes: bytes.len() as u64,
                },
                files::Content::Binary | files::Content::TooLarge => FileResult::Skipped,
            })
        })
        .collect();
    let mut scan = SecretsScan {
        errors,
        ..SecretsScan::default()
    };
    for result in per_file {
        match result {
            Ok(FileResult::Searched { findings, bytes }) => {
                scan.files += 1;
                scan.bytes += bytes;
                scan.findings.extend(findings);
            }
            Ok(FileResult::Skipped) => scan.skipped_files += 1,
            Err(error) => scan.errors.push(error),
        }
    }
    scan
}

enum FileResult {
    Searched { findings: Vec<Finding>, bytes: u64 },
    Skipped,
}

/// The findings in one file's content.
pub fn scan_bytes(detector: &Detector<'_>, path: &str, bytes: &[u8], options: &ScanOptions) -> Vec<Finding> {
    let shared_path: Arc<str> = Arc::from(path);
    detector
        .detect(path, bytes)
        .into_iter()
        .map(|detected| to_finding(detector.catalogue(), &shared_path, &detected, options))
        .collect()
}

/// A detection as a finding: redacted, fingerprinted.
pub fn to_finding(catalogue: &Catalogue, path: &Arc<str>, detected: &Detected, options: &ScanOptions) -> Finding {
    let spec = &catalogue.rules[detected.rule].spec;
    let (message, secret) = if detected.secret.is_empty() {
        (format!("{}: {path}", spec.title), None)
    } else {
        let redacted = redact(&detected.secret);
        let encoding = match detected.decoded {
            Some(encoding) => format!(" ({encoding}-encoded)"),
            None => String::new(),
        };
        let evidence = SecretEvidence {
            fingerprint: fingerprint(&options.key, &spec.id, path, &detected.secret),
            entropy: (detected.entropy * 100.0).round() / 100.0,
            decoded: detected.decoded,
            commit: None,
            value: options
                .show_secrets
                .then(|| String::from_utf8_lossy(&detected.secret).into_owned()),
            value_hash: Some(environments::value_hash(&detected.secret)),
            redacted: redacted.clone(),
        };
        (
            format!("{}: {redacted}{encoding}", spec.title),
            Some(Box::new(evidence)),
        )
    };
    Finding {
        rule: Cow::Owned(spec.id.clone()),
        severity: spec.severity,
        message,
        location: Location {
            path: path.clone(),
            line: detected.line,
            column: detected.column,
        },
        resource: None,
        field: String::new(),
        container: None,
        controls: Cow::Borrowed(CONTROLS),
        fix: Cow::Borrowed(FIX),
        suppressed: false,
        suppression_reason: None,
        secret,
        event: None,
    }
}
