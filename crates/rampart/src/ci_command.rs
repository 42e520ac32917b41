//! `rampart ci [PATH]`: the articles' pipeline recipe in one command and
//! one threshold. Secrets in every file of the tree and in the commits
//! since the base, the manifests with rampart.toml's rules and the team's
//! Rego policies, then the exceptions and the baseline over all of it; the
//! chosen reports, the evidence bundle and the run record; exit 0, 1 or 2.

use std::path::PathBuf;

use rampart_core::{Outcome, Severity};
use rampart_scan::proof::Run;
use rampart_scan::secrets::History;
use rampart_scan::{ExceptionsFile, Flags, SecretsMode};

use crate::output::ReportFormat;
use crate::{config_command, parse_severity, progress, proof};

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

    /// A vulnerability report (Trivy or Grype JSON) to gate in the same
    /// run (repeatable): its vulnerabilities land on the workloads of the
    /// checked manifests that run the image, and an image no report covers
    /// is `image-not-scanned`.
    #[arg(long = "image-report", value_name = "FILE")]
    image_reports: Vec<PathBuf>,

    /// An OpenVEX document for the image reports (repeatable).
    #[arg(long, value_name = "FILE", requires = "image_reports")]
    vex: Vec<PathBuf>,

    /// Verify the signatures of the images the checked manifests run, in
    /// their registry, against rampart.toml's [[images.policy]].
    #[arg(long)]
    verify_images: bool,

    #[command(flatten)]
    registry: crate::images_command::RegistryArgs,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

pub fn run(args: &CiArgs) -> Outcome {
    let root = args.path.clone().unwrap_or_else(|| PathBuf::from("."));
    let Ok(team) = config_command::load(args.config.as_deref(), &root) else {
        return Outcome::Error;
    };
    let baseline = rampart_scan::secrets::baseline_file(args.baseline.as_deref(), &team);
    let flags = Flags {
        fail_on: args.fail_on,
        allow_empty: args.allow_empty,
        secrets: SecretsMode::Tree {
            history: (!args.no_history).then(|| History {
                base: args.base.clone(),
            }),
        },
        exceptions: args
            .exceptions
            .clone()
            .map_or(ExceptionsFile::Configured, ExceptionsFile::Path),
        policies: args.policies.clone(),
        baseline,
        tf_env: crate::terraform_env(),
        ..Flags::default()
    };
    let pipeline = match config_command::prepare(team, flags) {
        Ok(pipeline) => pipeline,
        Err(outcome) => return outcome,
    };
    let roots = [root.clone()];
    let mut scanned = pipeline.scan(&roots, &progress::Bars::new());
    // The scan has reported what these files could not give.
    let images = crate::images_command::WorkloadImageChecks {
        verify_signatures: args.verify_images,
        registry: &args.registry,
        pulled_with: Vec::new(),
        reports: &args.image_reports,
        vex: &args.vex,
    };
    if images.wanted() {
        let (objects, _) = crate::inventory_input::load_objects(&roots);
        let uses = rampart_k8s::workload::image_uses(&objects, &pipeline.kubernetes().workload_kinds);
        if let Err(outcome) = images.run(&pipeline, &mut scanned, &uses) {
            return outcome;
        }
    }
    let run = Run {
        command: "ci",
        report: &scanned.report,
        ran: &scanned.ran,
        left_out: &scanned.left_out,
        team: pipeline.team(),
        exceptions: pipeline.exceptions(),
        scanned: &roots,
        start: &root,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}
