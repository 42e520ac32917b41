//! `rampart audit`: what runs in a cluster, judged by the same pipeline as
//! `rampart scan`. Today from snapshots (`--snapshot`); reading a live
//! cluster comes next.

use std::path::{Path, PathBuf};

use rampart_core::{Outcome, Profile, Severity};
use rampart_scan::proof::Run;
use rampart_scan::{ExceptionsFile, Flags, SecretsMode};

use crate::{config_command, output, parse_profile, parse_severity, progress, proof};

#[derive(clap::Args)]
pub struct AuditArgs {
    /// What `kubectl get <kinds> -A -o json` (or `-o yaml`) wrote: a List,
    /// or several files; '-' reads standard input. Secrets lose their
    /// values and every object its last-applied annotation before anything
    /// else reads them.
    #[arg(long, value_name = "FILE", num_args = 1.., required = true)]
    snapshot: Vec<PathBuf>,

    /// The cluster's name in findings (`cluster:<context>/<namespace>/<kind>/<name>`)
    /// [default: the first snapshot's file name].
    #[arg(long)]
    context: Option<String>,

    /// Output format, repeatable: text, json, sarif, junit, markdown or
    /// html [default: text, or rampart.toml's output.format].
    #[arg(long, short = 'f', value_enum)]
    format: Vec<output::ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// Exit 1 only for findings at or above this severity [default: high,
    /// or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The rule set: pss-baseline, pss-restricted, checklist or all.
    #[arg(long, value_parser = parse_profile)]
    profile: Option<Profile>,

    /// Do not run this rule (repeatable).
    #[arg(long = "skip", value_name = "RULE")]
    skip: Vec<String>,

    /// A registry images may come from (repeatable).
    #[arg(long = "allowed-registry", value_name = "REGISTRY")]
    allowed_registries: Vec<String>,

    /// Rego policies to evaluate over every object (repeatable).
    #[arg(long = "policy", value_name = "DIR")]
    policies: Vec<PathBuf>,

    /// The exceptions file [default: rampart.toml's, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

pub fn run(args: &AuditArgs) -> Outcome {
    let start = Path::new(".");
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let flags = Flags {
        profile: args.profile,
        skip: args.skip.clone(),
        fail_on: args.fail_on,
        allowed_registries: args.allowed_registries.clone(),
        // The cluster's objects carry their namespaces.
        secrets: SecretsMode::TurnedOff,
        exceptions: args
            .exceptions
            .clone()
            .map_or(ExceptionsFile::Configured, ExceptionsFile::Path),
        policies: args.policies.clone(),
        ..Flags::default()
    };
    let pipeline = match config_command::prepare(team, flags) {
        Ok(pipeline) => pipeline,
        Err(outcome) => return outcome,
    };
    let context = args
        .context
        .clone()
        .unwrap_or_else(|| rampart_cluster::snapshot::default_context(&args.snapshot));
    let snapshot = rampart_cluster::read_snapshot(&args.snapshot, &context);
    let owners = snapshot.owners;
    let documents: Vec<(String, Vec<u8>)> = snapshot
        .objects
        .into_iter()
        .map(|object| (object.name, object.json))
        .collect();
    let scanned = pipeline.scan_documents(
        &documents,
        snapshot.files,
        snapshot.errors,
        &progress::Bars::new(),
        &|findings| rampart_cluster::fold(findings, &owners),
    );
    drop(documents);
    let run = Run {
        command: "audit",
        report: &scanned.report,
        ran: &scanned.ran,
        left_out: &scanned.left_out,
        team: pipeline.team(),
        exceptions: pipeline.exceptions(),
        scanned: &args.snapshot,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}
