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

/// Objects handed from the reader to the judges at once.
const BATCH: usize = 64;

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
    // One thread cuts the files into pieces; the pipeline's workers parse
    // them, make them safe and judge them as they come: the snapshot is
    // never held whole. Pieces cross in batches: one hand-off per piece
    // costs more than cutting it.
    let maker = rampart_cluster::ObjectMaker::new(&context);
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<rampart_cluster::Piece>>(16);
    let reader = {
        let paths = args.snapshot.clone();
        std::thread::spawn(move || {
            let mut batch = Vec::with_capacity(BATCH);
            let read = rampart_cluster::stream_snapshot(&paths, &mut |piece| {
                batch.push(piece);
                if batch.len() == BATCH {
                    let _ = sender.send(std::mem::replace(&mut batch, Vec::with_capacity(BATCH)));
                }
            });
            let _ = sender.send(batch);
            read
        })
    };
    // A batch is judged as one file: one coverage table and inventory per
    // batch, not per object.
    let load = |pieces: Vec<rampart_cluster::Piece>| {
        let mut loaded = rampart_k8s::LoadedFile::default();
        for piece in pieces {
            let (objects, mut errors) = maker.make(piece);
            loaded.documents += objects.len() + errors.len();
            loaded.objects.extend(objects.into_iter().map(|made| made.object));
            loaded.errors.append(&mut errors);
        }
        loaded
    };
    let mut reader = Some(reader);
    let owners = std::sync::OnceLock::new();
    let mut finish_reading = || {
        let read = reader
            .take()
            .map(|thread| thread.join().unwrap_or_default())
            .unwrap_or_default();
        let _ = owners.set(maker.take_owners());
        (read.files, read.errors)
    };
    let scanned = pipeline.scan_documents(
        receiver.into_iter(),
        &load,
        &progress::Bars::new(),
        &mut finish_reading,
        &|findings| {
            if let Some(owners) = owners.get() {
                rampart_cluster::fold(findings, owners);
            }
        },
    );
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
