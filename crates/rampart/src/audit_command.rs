//! `rampart audit`: what runs in a cluster, judged by the same pipeline as
//! `rampart scan`: read live (the kubeconfig's context) or from snapshots
//! (`--snapshot`).

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
    #[arg(long, value_name = "FILE", num_args = 1..)]
    snapshot: Vec<PathBuf>,

    /// The kubeconfig context to audit, and the cluster's name in findings
    /// (`cluster:<context>/<namespace>/<kind>/<name>`); repeatable, each
    /// cluster judged on its own and reported together [default: the
    /// kubeconfig's current context; with --snapshot, the first file's name].
    #[arg(long)]
    context: Vec<String>,

    /// Read the Secrets' values of every --context (the identity needs
    /// `list` on secrets) to find credentials two clusters share. Each
    /// value is hashed in memory with a key drawn for this run; no value or
    /// hash is printed or stored.
    #[arg(long, conflicts_with = "snapshot")]
    compare_secret_values: bool,

    /// The kubeconfig [default: $KUBECONFIG, else ~/.kube/config, else the
    /// pod's service account when run in a cluster].
    #[arg(long, value_name = "FILE", conflicts_with = "snapshot")]
    kubeconfig: Option<PathBuf>,

    /// Audit only this namespace (repeatable) [default: all]; cluster-scoped
    /// kinds (RBAC, webhooks, nodes, namespaces) are read whole.
    #[arg(
        long = "namespace",
        short = 'n',
        value_name = "NAMESPACE",
        conflicts_with = "snapshot"
    )]
    namespaces: Vec<String>,

    /// Lists read at once from the API server.
    #[arg(long, default_value_t = 4, value_name = "N", conflicts_with = "snapshot")]
    concurrency: usize,

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

    /// Verify the signatures of the images the cluster's workloads run, in
    /// their registry, against rampart.toml's [[images.policy]] (a pod
    /// running its controller's image is checked once, as the controller).
    #[arg(long)]
    verify_images: bool,

    /// With --verify-images on a live cluster, do not read the pull secrets
    /// the workloads name (by default each is fetched by name, only its
    /// Docker config kept in memory for the registries, never printed).
    #[arg(long, requires = "verify_images", conflicts_with = "snapshot")]
    no_pull_secrets: bool,

    /// A vulnerability report (Trivy or Grype JSON) for the images the
    /// cluster runs (repeatable): its vulnerabilities land on the workloads
    /// running the image, and a running image no report covers is
    /// `image-not-scanned`.
    #[arg(long = "image-report", value_name = "FILE")]
    image_reports: Vec<PathBuf>,

    /// An OpenVEX document for the image reports (repeatable).
    #[arg(long, value_name = "FILE", requires = "image_reports")]
    vex: Vec<PathBuf>,

    #[command(flatten)]
    registry: crate::images_command::RegistryArgs,

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
    if !args.snapshot.is_empty() && args.context.len() > 1 {
        eprintln!("error: a snapshot is one cluster: give at most one --context to name it");
        return Outcome::Error;
    }
    if args.compare_secret_values && args.context.len() < 2 {
        eprintln!("error: --compare-secret-values compares clusters: give two --context or more");
        return Outcome::Error;
    }
    // Connected before the pipelines are prepared: the rules judge by the
    // API server's version.
    let mut clusters: Vec<Option<Live>> = Vec::new();
    if args.snapshot.is_empty() {
        let contexts: Vec<Option<&str>> = if args.context.is_empty() {
            vec![None]
        } else {
            args.context.iter().map(|context| Some(context.as_str())).collect()
        };
        for context in contexts {
            match Live::connect(args.kubeconfig.as_deref(), context) {
                Ok(live) => clusters.push(Some(live)),
                Err(message) => {
                    eprintln!("error: {message}");
                    return Outcome::Error;
                }
            }
        }
    } else {
        clusters.push(None);
    }
    let (shared, mut comparison_errors) = if args.compare_secret_values {
        compare_secret_values(&clusters, &args.namespaces)
    } else {
        (vec![None; clusters.len()], Vec::new())
    };
    let mut images = crate::images_command::WorkloadImageChecks {
        verify_signatures: args.verify_images,
        registry: &args.registry,
        pulled_with: Vec::new(),
        reports: &args.image_reports,
        vex: &args.vex,
    };
    let mut audited: Option<(rampart_scan::Pipeline, rampart_scan::Scanned)> = None;
    let mut contexts: Vec<String> = Vec::new();
    let mut image_uses = Vec::new();
    for (live, shared) in clusters.into_iter().zip(shared) {
        let flags = Flags {
            profile: args.profile,
            skip: args.skip.clone(),
            fail_on: args.fail_on,
            allowed_registries: args.allowed_registries.clone(),
            cluster: true,
            cluster_namespaces: args.namespaces.clone(),
            cluster_version: live.as_ref().and_then(|live| live.version.clone()),
            shared_secret_values: shared,
            // The cluster's objects carry their namespaces.
            secrets: SecretsMode::TurnedOff,
            exceptions: args
                .exceptions
                .clone()
                .map_or(ExceptionsFile::Configured, ExceptionsFile::Path),
            policies: args.policies.clone(),
            ..Flags::default()
        };
        let pipeline = match config_command::prepare(team.clone(), flags) {
            Ok(pipeline) => pipeline,
            Err(outcome) => return outcome,
        };
        let live_context = live.as_ref().map(|live| live.connection.context.clone());
        let (context, scanned, mut uses, pull_secrets) = audit_one(args, &pipeline, live, images.wanted());
        contexts.push(context);
        image_uses.append(&mut uses);
        if let Some(live_context) = live_context
            && args.verify_images
            && !args.no_pull_secrets
            && !pull_secrets.is_empty()
        {
            images.pulled_with.extend(pull_credentials(
                args.kubeconfig.as_deref(),
                &live_context,
                &pull_secrets,
            ));
        }
        audited = Some(match audited {
            None => (pipeline, scanned),
            Some((first, mut together)) => {
                together.report.absorb(scanned.report);
                (first, together)
            }
        });
    }
    let Some((pipeline, mut scanned)) = audited else {
        return Outcome::Error;
    };
    let scanned_paths: Vec<PathBuf> = if args.snapshot.is_empty() {
        contexts
            .iter()
            .map(|context| PathBuf::from(format!("cluster:{context}")))
            .collect()
    } else {
        args.snapshot.clone()
    };
    if !comparison_errors.is_empty() {
        scanned.report.errors.append(&mut comparison_errors);
        scanned.report.recount();
    }
    if images.wanted()
        && let Err(outcome) = images.run(&pipeline, &mut scanned, &image_uses)
    {
        return outcome;
    }
    pipeline.set_compliance(&mut scanned);
    let run = Run {
        command: "audit",
        report: &scanned.report,
        ran: &scanned.ran,
        left_out: &scanned.left_out,
        team: pipeline.team(),
        exceptions: pipeline.exceptions(),
        scanned: &scanned_paths,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}

/// What one cluster shares with the others, when compared.
type Shared = Option<std::sync::Arc<Vec<rampart_k8s::cluster_facts::SharedValue>>>;

/// The registry credentials in the pull secrets `names` (namespace, name); a secret that
/// cannot be read is a warning (the images it serves may then be refused by their registry,
/// which is the error that counts).
fn pull_credentials(
    kubeconfig: Option<&Path>,
    context: &str,
    names: &[(String, String)],
) -> Vec<(String, rampart_registry::Credential)> {
    // A connection of its own: the audit's client lived on the reader's runtime, gone now.
    let context = (context != "in-cluster").then_some(context);
    let read = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|error| error.to_string())
        .and_then(|runtime| {
            runtime.block_on(async {
                let connection = rampart_cluster::live::connect(kubeconfig, context).await?;
                Ok(rampart_cluster::pull_secrets::read_pull_secrets(&connection, names).await)
            })
        });
    let read = match read {
        Ok(read) => read,
        Err(error) => {
            eprintln!("warning: pull secrets not read: {error}");
            return Vec::new();
        }
    };
    for unread in &read.unread {
        eprintln!("warning: pull secret {unread}");
    }
    let mut credentials = Vec::new();
    for secret in &read.secrets {
        match rampart_registry::credentials_from_docker_config(&secret.docker_config) {
            Ok(mut found) => credentials.append(&mut found),
            Err(error) => eprintln!("warning: pull secret {}/{}: {error}", secret.namespace, secret.name),
        }
    }
    credentials
}

/// Hashes every cluster's Secret values with one key drawn for the run and
/// finds those two clusters share. If one cluster's values cannot be read,
/// nothing is compared (the rule judges nothing) and that is an error.
fn compare_secret_values(
    clusters: &[Option<Live>],
    namespaces: &[String],
) -> (Vec<Shared>, Vec<rampart_core::ScanError>) {
    let nothing = vec![None; clusters.len()];
    let key = match rampart_core::FingerprintKey::random() {
        Ok(key) => key,
        Err(message) => {
            return (
                nothing,
                vec![rampart_core::ScanError::new("--compare-secret-values", None, message)],
            );
        }
    };
    let mut hashed = Vec::new();
    let mut errors = Vec::new();
    for live in clusters.iter().flatten() {
        let values = live
            .runtime
            .block_on(rampart_cluster::secret_values::hash_secret_values(
                &live.connection,
                namespaces,
                &key,
                &rampart_cluster::live::ListOptions::default(),
            ));
        match values {
            Ok(values) => hashed.push((live.connection.context.clone(), values)),
            Err(error) => errors.push(error),
        }
    }
    if !errors.is_empty() {
        return (nothing, errors);
    }
    let shared = rampart_cluster::secret_values::shared_between(&hashed)
        .into_iter()
        .map(|values| Some(std::sync::Arc::new(values)))
        .collect();
    (shared, errors)
}

/// Audits one cluster, live or from the snapshot files: its name, what
/// the pipeline made of it, and (when `image_uses`) the images its
/// workloads run, each pod running its controller's image folded into it,
/// and the pull secrets (namespace, name) they name.
fn audit_one(
    args: &AuditArgs,
    pipeline: &rampart_scan::Pipeline,
    live: Option<Live>,
    image_uses: bool,
) -> (
    String,
    rampart_scan::Scanned,
    Vec<rampart_core::ImageUse>,
    Vec<(String, String)>,
) {
    // The cluster's pieces come from one reader thread, in batches over a
    // bounded channel; the pipeline's workers parse, make safe and judge
    // them as they come: the cluster is never held whole. One hand-off per
    // piece would cost more than cutting it.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Vec<rampart_cluster::Piece>>(16);
    let reading = match &live {
        Some(live) => format!("cluster {}", live.connection.context),
        None => format!("{} snapshot file(s)", args.snapshot.len()),
    };
    let batcher = std::sync::Arc::new(std::sync::Mutex::new(Batcher {
        batch: Vec::with_capacity(BATCH),
        sender,
        bar: progress::ReadingBar::new(&reading),
    }));
    let (context, reader): (String, Reader) = if let Some(live) = live {
        live.read(args, pipeline, batcher.clone())
    } else {
        let context = args
            .context
            .first()
            .cloned()
            .unwrap_or_else(|| rampart_cluster::snapshot::default_context(&args.snapshot));
        let paths = args.snapshot.clone();
        let batcher = batcher.clone();
        let thread = std::thread::spawn(move || {
            let read = rampart_cluster::stream_snapshot(&paths, &mut |piece| batcher_push(&batcher, piece));
            (read.files, read.errors)
        });
        (context, thread)
    };
    drop(batcher);
    let maker = rampart_cluster::ObjectMaker::new(&context);
    let uses = std::sync::Mutex::new((Vec::new(), Vec::new()));
    let load = |pieces: Vec<rampart_cluster::Piece>| {
        let mut loaded = rampart_k8s::LoadedFile::default();
        for piece in pieces {
            let (objects, mut errors) = maker.make(piece);
            loaded.documents += objects.len() + errors.len();
            loaded.objects.extend(objects.into_iter().map(|made| made.object));
            loaded.errors.append(&mut errors);
        }
        if image_uses {
            let kinds = &pipeline.kubernetes().workload_kinds;
            let mut found = rampart_k8s::workload::image_uses(&loaded.objects, kinds);
            let mut pull_secrets = rampart_k8s::workload::image_pull_secrets(&loaded.objects, kinds);
            let mut collected = uses.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
            collected.0.append(&mut found);
            collected.1.append(&mut pull_secrets);
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
        read
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
    let (uses, mut pull_secrets) = uses.into_inner().unwrap_or_else(std::sync::PoisonError::into_inner);
    let uses = match owners.get() {
        Some(owners) => rampart_cluster::fold_image_uses(uses, owners),
        None => uses,
    };
    pull_secrets.sort();
    pull_secrets.dedup();
    (context, scanned, uses, pull_secrets)
}

/// The thread that reads the cluster: what it read (files or lists) and
/// what it could not.
type Reader = std::thread::JoinHandle<(usize, Vec<rampart_core::ScanError>)>;

/// Pieces gathered into batches for the judges; the last batch goes when
/// the reader is done (the batcher is dropped).
struct Batcher {
    batch: Vec<rampart_cluster::Piece>,
    sender: std::sync::mpsc::SyncSender<Vec<rampart_cluster::Piece>>,
    bar: progress::ReadingBar,
}

impl Drop for Batcher {
    fn drop(&mut self) {
        let _ = self.sender.send(std::mem::take(&mut self.batch));
    }
}

fn batcher_push(batcher: &std::sync::Mutex<Batcher>, piece: rampart_cluster::Piece) {
    let mut batcher = batcher.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    batcher.batch.push(piece);
    batcher.bar.object_read();
    if batcher.batch.len() == BATCH {
        let full = std::mem::replace(&mut batcher.batch, Vec::with_capacity(BATCH));
        let _ = batcher.sender.send(full);
    }
}

/// A live cluster, connected.
struct Live {
    runtime: tokio::runtime::Runtime,
    connection: rampart_cluster::live::Connection,
    /// What its `/version` says, when it answered.
    version: Option<String>,
}

impl Live {
    fn connect(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<Live, String> {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .map_err(|error| error.to_string())?;
        let connection = runtime.block_on(rampart_cluster::live::connect(kubeconfig, context))?;
        // Not fatal, nor worth a word: the rules that compare versions
        // fall back on what the cluster's objects say (and say so), and
        // discovery reports an unreachable server.
        let version = runtime
            .block_on(rampart_cluster::live::server_version(&connection))
            .ok();
        Ok(Live {
            runtime,
            connection,
            version,
        })
    }

    /// Starts reading every list on a thread of its own.
    fn read(
        self,
        args: &AuditArgs,
        pipeline: &rampart_scan::Pipeline,
        batcher: std::sync::Arc<std::sync::Mutex<Batcher>>,
    ) -> (String, Reader) {
        let Live {
            runtime, connection, ..
        } = self;
        let context = connection.context.clone();
        let wanted = rampart_cluster::live::wanted_kinds(&pipeline.kubernetes().workload_kinds.group_kinds());
        let namespaces = args.namespaces.clone();
        let concurrency = args.concurrency;
        let thread = std::thread::spawn(move || {
            let each: std::sync::Arc<std::sync::Mutex<dyn FnMut(rampart_cluster::Piece) + Send>> =
                std::sync::Arc::new(std::sync::Mutex::new(move |piece| batcher_push(&batcher, piece)));
            let read = runtime.block_on(rampart_cluster::live::read_cluster(
                &connection,
                &wanted,
                &namespaces,
                &rampart_cluster::live::ListOptions::default(),
                concurrency,
                each,
            ));
            (read.lists.len(), read.errors)
        });
        (context, thread)
    }
}
