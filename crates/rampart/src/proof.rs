//! The proof flags every scanning command shares, and finishing a run:
//! the pipeline's proof (matrix, record), the reports, the bundle.

use std::path::PathBuf;

use rampart_core::Outcome;
use rampart_scan::proof::{ProofOptions, Run, prove, write_bundle};

use crate::output::{self, ReportContext, ReportFormat};
use crate::output_failed;

#[derive(clap::Args, Clone, Default)]
pub struct ProofArgs {
    /// Write an evidence bundle to DIR: the findings (JSON and SARIF), the
    /// controls matrix, the exceptions, the effective configuration, the
    /// inputs with their SHA-256, versions, time and CI context, and
    /// manifest.json hashing every file.
    #[arg(long, value_name = "DIR")]
    pub evidence: Option<PathBuf>,

    /// Sign the bundle's manifest with this Ed25519 private key (PKCS#8
    /// PEM, as `rampart evidence keygen` or `openssl genpkey -algorithm
    /// ed25519` write it).
    #[arg(long, value_name = "KEY", requires = "evidence")]
    pub sign_key: Option<PathBuf>,

    /// Record this run in the run store, for `rampart metrics`, trends and
    /// stale controls.
    #[arg(long)]
    pub record: bool,

    /// The run store (SQLite) [default: .rampart/evidence.db beside
    /// rampart.toml, or in the current folder].
    #[arg(long, value_name = "FILE")]
    pub store: Option<PathBuf>,
}

/// Proves the run, writes its reports and its bundle; returns the exit.
pub fn conclude(run: &Run<'_>, formats: &[ReportFormat], outputs: &[PathBuf], proof: &ProofArgs) -> Outcome {
    // The metrics are only shown by the HTML page.
    let html = formats.contains(&ReportFormat::Html)
        || (formats.is_empty() && ReportFormat::configured(run.team) == ReportFormat::Html);
    let options = ProofOptions {
        evidence: proof.evidence.clone(),
        sign_key: proof.sign_key.clone(),
        record: proof.record,
        store: proof.store.clone(),
        metrics: html,
    };
    let proven = match prove(run, &options) {
        Ok(proven) => proven,
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    let context = ReportContext {
        team: run.team,
        ran: run.ran,
        matrix: &proven.matrix,
        exceptions: &proven.exceptions,
        metrics: proven.metrics.as_ref(),
    };
    let outcome = output::emit(run.report, formats, outputs, &context);
    if let Some(dir) = &proof.evidence {
        match write_bundle(run, &proven, dir) {
            Ok(signed) => eprintln!(
                "rampart: evidence in {}{}",
                dir.display(),
                if signed { " (signed)" } else { "" }
            ),
            Err(error) => {
                eprintln!("rampart: cannot write the evidence bundle: {error}");
                return output_failed(error);
            }
        }
    }
    outcome
}

/// Appends `record` to the run store (`store`, else the one beside rampart.toml), for the
/// commands that record outside a scan: `respond`, `drill`, `breakglass`.
pub fn append_to_store(
    store: Option<&std::path::Path>,
    record: &rampart_report::store::RunRecord,
) -> Result<(), String> {
    let team = crate::config_command::load(None, std::path::Path::new("."))
        .map_err(|_| "rampart.toml could not be read".to_string())?;
    let path = rampart_scan::proof::store_path(store, &team);
    rampart_report::store::Store::open(&path)
        .and_then(|mut opened| opened.record(record))
        .map(|_| ())
        .map_err(|error| format!("the run store {}: {error}", path.display()))
}
