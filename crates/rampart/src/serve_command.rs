//! `rampart serve`: the admission webhook. Reads the configuration, builds
//! the pipeline once, serves until SIGTERM or Ctrl-C, then lets in-flight
//! requests finish.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use rampart_admission::{ImageChecks, Mode, ServeOptions, Settings};
use rampart_core::{Outcome, RuleSelector, Severity};
use rampart_images::signature::{SignatureChecker, SignaturePolicies, VerdictCache};
use rampart_scan::{ExceptionsFile, Flags, Pipeline, SecretsMode};

use crate::parse_severity;

#[derive(clap::Args, Clone)]
pub struct ServeArgs {
    /// Address and port to listen on.
    #[arg(long, default_value = "0.0.0.0:8443")]
    listen: SocketAddr,

    /// TLS certificate chain (PEM), reloaded when it changes on disk.
    #[arg(long, value_name = "FILE", requires = "tls_key")]
    tls_cert: Option<PathBuf>,

    /// TLS private key (PEM). Without --tls-cert and --tls-key the server
    /// speaks plain HTTP, for local trials only.
    #[arg(long, value_name = "FILE", requires = "tls_cert")]
    tls_key: Option<PathBuf>,

    /// audit (allow and log), warn (allow with warnings) or enforce (deny
    /// findings at or above --fail-on) [default: rampart.toml's
    /// admission.mode, or warn]. rampart.toml's [admission.rules] and
    /// [admission.namespaces] still set the modes they name.
    #[arg(long, value_parser = parse_mode)]
    mode: Option<Mode>,

    /// In enforce mode, deny findings at or above this severity [default:
    /// high, or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// A namespace never judged (repeatable) [default: rampart.toml's
    /// admission.exempt-namespaces, or kube-system and kube-node-lease];
    /// the server's own namespace (POD_NAMESPACE) always is.
    #[arg(long = "exempt-namespace", value_name = "NAMESPACE")]
    exempt_namespaces: Vec<String>,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// Rego policies to evaluate over every object (repeatable).
    #[arg(long = "policy", value_name = "DIR")]
    policies: Vec<PathBuf>,

    /// The exceptions file [default: rampart.toml's, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    /// How long one judgement may take, in milliseconds, before the
    /// failure policy answers (keep it below the webhook's timeoutSeconds).
    #[arg(long, default_value_t = 2000, value_name = "MS")]
    deadline_ms: u64,

    /// What to answer when a request cannot be judged in time: ignore
    /// (allow, with a warning) or fail (deny).
    #[arg(long, default_value = "ignore", value_parser = ["ignore", "fail"])]
    failure_policy: String,

    /// Judgements running at once; the others wait.
    #[arg(long, default_value_t = 64)]
    max_in_flight: usize,

    /// Also sum the decisions into the run store (allowed, warned and
    /// denied, per rule, by day), for `rampart metrics`.
    #[arg(long)]
    record: bool,

    /// The run store --record writes to [default: .rampart/evidence.db
    /// beside rampart.toml].
    #[arg(long, value_name = "FILE", requires = "record")]
    store: Option<PathBuf>,

    /// How often --record writes a record, in seconds (and at each UTC
    /// midnight, and on stopping).
    #[arg(long, default_value_t = 300, value_name = "SECONDS", requires = "record")]
    record_every: u64,

    /// Also serve /mutate for a MutatingWebhookConfiguration: each image
    /// named by tag whose signatures [[images.policy]] verified is
    /// rewritten to name:tag@digest, so the cluster runs what was verified.
    #[arg(long)]
    pin_image_digests: bool,

    /// Also serve POST /audit: the API server's audit webhook backend
    /// (--audit-webhook-config-file). Each event is judged by the detection
    /// rules of `rampart audit-log` (rampart.toml's [audit-log]) and each
    /// detection printed on standard output as a JSON line.
    #[arg(long)]
    audit: bool,
}

fn parse_mode(value: &str) -> Result<Mode, String> {
    value.parse()
}

/// The webhook's modes: the command line's, else rampart.toml's
/// `[admission]`, else warn; the server's own namespace is always exempt.
fn admission_settings(
    team: &rampart_core::Config,
    mode: Option<Mode>,
    fail_on: Option<Severity>,
    exempt_namespaces: &[String],
) -> Settings {
    let fail_on = fail_on.or(team.fail_on).unwrap_or(Severity::High);
    // rampart.toml's modes are checked when it is read.
    let parse = |mode: &str| mode.parse::<Mode>().unwrap_or(Mode::Warn);
    let admission = &team.admission;
    let mode = mode
        .or_else(|| admission.mode.as_ref().map(|mode| parse(mode.get_ref())))
        .unwrap_or(Mode::Warn);
    let rule_modes = admission
        .rules
        .iter()
        .map(|(rule, mode)| (RuleSelector::parse(rule.get_ref()), parse(mode.get_ref())))
        .collect();
    let namespace_modes = admission
        .namespaces
        .iter()
        .map(|(namespace, mode)| (namespace.clone(), parse(mode.get_ref())))
        .collect();
    let mut exempt = if !exempt_namespaces.is_empty() {
        exempt_namespaces.to_vec()
    } else if !admission.exempt_namespaces.is_empty() {
        admission.exempt_namespaces.clone()
    } else {
        Settings::default().exempt_namespaces
    };
    if let Ok(own) = std::env::var("POD_NAMESPACE") {
        exempt.push(own);
    }
    Settings {
        mode,
        rule_modes,
        namespace_modes,
        exempt_namespaces: exempt,
        fail_on,
        images: None,
    }
}

/// The pipeline and settings `args` and the configuration files give;
/// an error (or a broken exceptions file or policy) says why they cannot
/// serve. Run at start and on every reload.
fn build(args: &ServeArgs, cache: &Arc<VerdictCache>) -> Result<(Arc<Pipeline>, Settings), String> {
    let team = rampart_scan::config::load(args.config.as_deref(), std::path::Path::new("."))?;
    let mut settings = admission_settings(&team, args.mode, args.fail_on, &args.exempt_namespaces);
    settings.images = image_checks(&team, cache)?;
    let fail_on = settings.fail_on;
    let flags = Flags {
        object_rules_only: true,
        allow_empty: true,
        secrets: SecretsMode::TurnedOff,
        policies: args.policies.clone(),
        exceptions: args
            .exceptions
            .clone()
            .map_or(ExceptionsFile::Configured, ExceptionsFile::Path),
        fail_on: Some(fail_on),
        ..Flags::default()
    };
    let (pipeline, warnings) = Pipeline::prepare(team, flags)?;
    for warning in warnings {
        eprintln!("rampart serve: warning: {warning}");
    }
    // A webhook that silently dropped the team's exceptions or policies
    // would judge by rules nobody chose.
    if let Some(first) = pipeline.setup_errors().first() {
        let more = pipeline.setup_errors().len() - 1;
        let more = if more > 0 {
            format!(" (and {more} more)")
        } else {
            String::new()
        };
        return Err(format!("{first}{more}"));
    }
    Ok((Arc::new(pipeline), settings))
}

/// The signature checker for rampart.toml's `[[images.policy]]`, when there are any. The
/// registry credentials are the Docker config's of the user the webhook runs as.
fn image_checks(team: &rampart_core::Config, cache: &Arc<VerdictCache>) -> Result<Option<ImageChecks>, String> {
    if team.images.policies.is_empty() {
        return Ok(None);
    }
    let config_path = team
        .origin
        .as_ref()
        .map_or("rampart.toml".to_string(), |origin| origin.path.display().to_string());
    let policies = SignaturePolicies::from_config(&team.images, &config_path, &|path| team.resolve(path))
        .map_err(|error| error.to_string())?;
    let registry = rampart_registry::Registry::new(rampart_registry::RegistryOptions {
        insecure_hosts: team.images.insecure_registries.clone(),
        ..rampart_registry::RegistryOptions::default()
    })?;
    Ok(Some(ImageChecks(Arc::new(SignatureChecker::new(
        registry,
        policies,
        cache.clone(),
    )))))
}

/// `/audit`'s detector, with rampart.toml's `[audit-log]`; each detection a JSON line on
/// standard output, for the cluster's log pipeline.
fn audit_sink(team: &rampart_core::Config) -> rampart_admission::AuditSink {
    let settings = rampart_auditlog::Settings::from_config(&team.audit_log);
    let detector = rampart_auditlog::Detector::new(rampart_auditlog::rules::all().to_vec(), settings);
    rampart_admission::AuditSink {
        detector: Arc::new(std::sync::Mutex::new(detector)),
        emit: Arc::new(|finding| {
            use std::io::Write as _;
            if let Ok(line) = serde_json::to_string(finding) {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
        }),
    }
}

/// Appends each period's tally to the run store, as a `serve` record.
fn recorder(args: &ServeArgs, team: &rampart_core::Config) -> Result<rampart_admission::server::Recorder, String> {
    let path = rampart_scan::proof::store_path(args.store.as_deref(), team);
    let store = std::sync::Mutex::new(rampart_report::store::Store::open(&path)?);
    eprintln!("rampart serve: recording decisions in {}", path.display());
    Ok(Arc::new(move |period| {
        let record = rampart_report::store::RunRecord {
            time: rampart_core::unix_now(),
            command: "serve".to_string(),
            outcome: "pass".to_string(),
            admission: Some(period.clone()),
            ..Default::default()
        };
        let mut store = store.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        store.record(&record).map(drop)
    }))
}

pub fn run(args: &ServeArgs) -> Outcome {
    // One cache for the server's life: a reload keeps what was verified (entries are keyed by
    // each policy's fingerprint, so a changed policy verifies again).
    let ttl = rampart_scan::config::load(args.config.as_deref(), std::path::Path::new("."))
        .map(|team| team.images.cache_ttl_seconds())
        .unwrap_or(rampart_core::ImagesConfig::DEFAULT_CACHE_TTL_SECONDS);
    let cache = Arc::new(VerdictCache::in_memory(ttl));
    let (pipeline, settings) = match build(args, &cache) {
        Ok(built) => built,
        Err(error) => {
            eprintln!("rampart serve: {error}");
            return Outcome::Error;
        }
    };
    if args.pin_image_digests && settings.images.is_none() {
        eprintln!(
            "rampart serve: --pin-image-digests: rampart.toml has no [[images.policy]], so /mutate pins nothing until one is added"
        );
    }
    let mode = settings.mode;
    let mut watched = pipeline.sources();
    // Without a rampart.toml yet, one created beside the server is picked up.
    if pipeline.team().origin.is_none() && args.config.is_none() {
        watched.push(PathBuf::from(rampart_core::CONFIG_FILE));
    }
    let reload = {
        let args = args.clone();
        rampart_admission::server::Reload {
            build: Arc::new(move || build(&args, &cache)),
            watched,
        }
    };
    let record = match args.record.then(|| recorder(args, pipeline.team())).transpose() {
        Ok(record) => record,
        Err(error) => {
            eprintln!("rampart serve: {error}");
            return Outcome::Error;
        }
    };
    let options = ServeOptions {
        listen: args.listen,
        tls: args.tls_cert.clone().zip(args.tls_key.clone()),
        settings,
        deadline: Duration::from_millis(args.deadline_ms),
        max_in_flight: args.max_in_flight,
        fail_closed: args.failure_policy == "fail",
        reload: Some(reload),
        record,
        record_every: Duration::from_secs(args.record_every.max(1)),
        pin_image_digests: args.pin_image_digests,
        audit: args.audit.then(|| audit_sink(pipeline.team())),
        ..ServeOptions::default()
    };
    // Judgements are short and CPU-bound: a few blocking threads keep
    // memory and context switches low; the others wait for a permit.
    let cores = std::thread::available_parallelism().map_or(2, std::num::NonZero::get);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(cores)
        .max_blocking_threads((cores * 2).max(2))
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("rampart serve: {error}");
            return Outcome::Error;
        }
    };
    runtime.block_on(async move {
        let tls = options.tls.is_some();
        let running = match rampart_admission::start(options, pipeline).await {
            Ok(running) => running,
            Err(error) => {
                eprintln!("rampart serve: {error}");
                return Outcome::Error;
            }
        };
        // The handlers are in place before anyone is told the server
        // listens: a signal sent right after would otherwise kill it.
        let hangup = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::hangup());
        let terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate());
        let trigger = running.reload_trigger();
        if let Ok(mut hangup) = hangup {
            tokio::spawn(async move {
                while hangup.recv().await.is_some() {
                    eprintln!("rampart serve: SIGHUP: reloading the configuration");
                    trigger.notify_one();
                }
            });
        }
        let handle = running.handle();
        tokio::spawn(async move {
            stop_signal(terminate.ok()).await;
            eprintln!("rampart serve: stopping; finishing the requests in flight");
            handle.graceful_shutdown(Some(Duration::from_secs(10)));
        });
        eprintln!(
            "rampart serve: listening on {}://{} (mode {})",
            if tls { "https" } else { "http" },
            running.addr,
            mode.as_str()
        );
        match running.wait().await {
            Ok(()) => Outcome::Pass,
            Err(error) => {
                eprintln!("rampart serve: {error}");
                Outcome::Error
            }
        }
    })
}

/// SIGTERM (Kubernetes stopping the pod) or Ctrl-C.
async fn stop_signal(terminate: Option<tokio::signal::unix::Signal>) {
    let terminate = async {
        match terminate {
            Some(mut signal) => {
                signal.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = terminate => {}
    }
}

#[derive(clap::Subcommand)]
pub enum AdmissionCommand {
    /// Print everything a cluster needs to run the webhook: namespace,
    /// service account, deployment, PodDisruptionBudget, service, network
    /// policies, the ValidatingWebhookConfiguration and its certificate.
    Manifests {
        /// The namespace the webhook runs in.
        #[arg(long, short = 'n', default_value = "rampart-system")]
        namespace: String,
        /// The server image, pinned by digest [default: a placeholder to
        /// replace, e.g. with `kustomize edit set image`].
        #[arg(long)]
        image: Option<String>,
        /// The mode the webhook starts in: audit, warn or enforce.
        #[arg(long, default_value = "warn", value_parser = parse_mode)]
        mode: Mode,
        /// Embed this CA bundle (PEM) instead of using cert-manager.
        #[arg(long, value_name = "FILE")]
        ca_bundle: Option<PathBuf>,
        /// Run the server with --pin-image-digests and add the
        /// MutatingWebhookConfiguration that calls its /mutate.
        #[arg(long)]
        pin_image_digests: bool,
    },
    /// Exit 0 when the webhook accepts connections at the address (the
    /// image's HEALTHCHECK), 1 when it does not.
    Probe {
        #[arg(long, default_value = "127.0.0.1:8443")]
        address: SocketAddr,
    },
    /// Print ValidatingAdmissionPolicies and their bindings for the rules
    /// CEL expresses exactly (Kubernetes 1.30+), so a cluster enforces
    /// them with no webhook; the rules left out are listed in the header.
    Vap {
        /// The rule set: pss-baseline, pss-restricted, checklist or all
        /// [default: rampart.toml's profile, or all].
        #[arg(long, value_parser = crate::parse_profile)]
        profile: Option<rampart_core::Profile>,
        /// Every binding's action: deny, warn or audit [default: from
        /// rampart.toml's [admission] modes, as the webhook applies them:
        /// enforce denies at or above fail-on and warns below it].
        #[arg(long, value_parser = ["deny", "warn", "audit"])]
        action: Option<String>,
        /// In enforce mode, deny at or above this severity [default: high,
        /// or rampart.toml's fail-on].
        #[arg(long, value_parser = parse_severity)]
        fail_on: Option<Severity>,
        /// A namespace the bindings leave out (repeatable) [default:
        /// rampart.toml's admission.exempt-namespaces, or kube-system and
        /// kube-node-lease].
        #[arg(long = "exempt-namespace", value_name = "NAMESPACE")]
        exempt_namespaces: Vec<String>,
        /// The configuration file [default: the nearest rampart.toml].
        #[arg(long, value_name = "FILE")]
        config: Option<PathBuf>,
    },
}

/// `rampart admission vap`.
fn vap(
    profile: Option<rampart_core::Profile>,
    action: Option<&str>,
    fail_on: Option<Severity>,
    exempt_namespaces: &[String],
    config: Option<&std::path::Path>,
) -> Outcome {
    let team = match rampart_scan::config::load(config, std::path::Path::new(".")) {
        Ok(team) => team,
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    let settings = admission_settings(&team, None, fail_on, exempt_namespaces);
    let flags = Flags {
        object_rules_only: true,
        allow_empty: true,
        secrets: SecretsMode::TurnedOff,
        exceptions: ExceptionsFile::Ignored,
        profile,
        ..Flags::default()
    };
    let pipeline = match Pipeline::prepare(team, flags) {
        Ok((pipeline, _)) => pipeline,
        Err(error) => {
            eprintln!("rampart: {error}");
            return Outcome::Error;
        }
    };
    let team = pipeline.team();
    let non_waivable = team.non_waivable_selectors();
    let options = rampart_admission::vap::VapOptions {
        action: action.map(|action| match action {
            "deny" => "Deny",
            "warn" => "Warn",
            _ => "Audit",
        }),
        settings,
    };
    let generated = rampart_admission::vap::generate(
        pipeline.manifest_rules(),
        &options,
        |meta| team.severity_of(meta.id).unwrap_or(meta.severity),
        |meta| {
            !non_waivable
                .iter()
                .any(|selector| selector.matches(meta.id, meta.controls, meta.severity))
        },
    );
    if generated.included.is_empty() {
        eprintln!("rampart: no rule of this profile and configuration can be written as CEL");
        return Outcome::Error;
    }
    eprintln!(
        "rampart: {} rule(s) as ValidatingAdmissionPolicies; {} left out (listed in the header)",
        generated.included.len(),
        generated.left_out.len()
    );
    use std::io::Write;
    match std::io::stdout().lock().write_all(generated.yaml.as_bytes()) {
        Ok(()) => Outcome::Pass,
        Err(error) => crate::output_failed(error),
    }
}

pub fn admission(command: &AdmissionCommand) -> Outcome {
    let (namespace, image, mode, ca_bundle, pin_image_digests) = match command {
        AdmissionCommand::Manifests {
            namespace,
            image,
            mode,
            ca_bundle,
            pin_image_digests,
        } => (namespace, image, mode, ca_bundle, *pin_image_digests),
        AdmissionCommand::Vap {
            profile,
            action,
            fail_on,
            exempt_namespaces,
            config,
        } => {
            return vap(
                *profile,
                action.as_deref(),
                *fail_on,
                exempt_namespaces,
                config.as_deref(),
            );
        }
        AdmissionCommand::Probe { address } => {
            return match rampart_admission::server::probe(*address, Duration::from_secs(2)) {
                Ok(()) => Outcome::Pass,
                Err(error) => {
                    eprintln!("rampart: nothing answers at {address}: {error}");
                    Outcome::Fail
                }
            };
        }
    };
    let ca_bundle = match ca_bundle.as_deref().map(std::fs::read_to_string).transpose() {
        Ok(bundle) => bundle,
        Err(error) => {
            eprintln!("rampart: --ca-bundle: {error}");
            return Outcome::Error;
        }
    };
    let manifests = rampart_admission::manifests::Manifests {
        namespace: namespace.clone(),
        image: image
            .clone()
            .unwrap_or_else(|| rampart_admission::manifests::PLACEHOLDER_IMAGE.to_string()),
        mode: mode.as_str().to_string(),
        ca_bundle,
        pin_image_digests,
    };
    use std::io::Write;
    match std::io::stdout().lock().write_all(manifests.render().as_bytes()) {
        Ok(()) => Outcome::Pass,
        Err(error) => crate::output_failed(error),
    }
}
