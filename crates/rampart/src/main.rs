//! `rampart`: hardening checks for Kubernetes, with proof.
//!
//! This crate parses arguments, runs the scan pipeline (`rampart-scan`)
//! and writes the reports; the work happens in the library crates.

mod audit_command;
mod audit_log_command;
mod breakglass_command;
mod ci_command;
mod config_command;
mod controls_command;
mod drill_command;
mod evidence_command;
mod exceptions_command;
mod fix_command;
mod images_command;
mod init_command;
mod inventory_input;
mod map_command;
mod metrics_command;
mod output;
mod policy_command;
mod progress;
mod proof;
mod respond_command;
mod rules_command;
mod scan;
mod secrets_command;
mod serve_command;
mod who_can;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

// Scans allocate millions of small nodes from several threads; mimalloc
// does that markedly faster than the system allocator (bench/README.md).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;
use rampart_core::{Outcome, Profile, Severity};

#[derive(Parser)]
#[command(name = "rampart", version, about = "Hardening checks for Kubernetes, Terraform and Dockerfiles, with proof", long_about = None)]
struct Cli {
    /// When to colour the terminal output.
    #[arg(long, value_enum, default_value_t = ColorWhen::Auto, global = true)]
    color: ColorWhen,

    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Scan Kubernetes manifests, Terraform (and plan JSON) and Dockerfiles
    /// (files, folders, or '-' for stdin).
    Scan(Box<ScanArgs>),
    /// The CI gate in one command: secrets in the tree and in the commits
    /// since the base, manifests and the team's policies, exceptions and
    /// baseline; reports, evidence bundle and run record; exit 0/1/2.
    Ci(ci_command::CiArgs),
    /// Search files for leaked credentials (API keys, tokens, private keys,
    /// passwords); secrets are redacted in every output.
    Secrets(secrets_command::SecretsArgs),
    /// List every rule: id, severity, controls, title.
    Rules {
        #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
        format: Format,
    },
    /// List the exceptions (accepted risks) with their status and days left;
    /// with paths, also which ones match nothing.
    Exceptions(exceptions_command::ExceptionsArgs),
    /// The team's Rego policies: `rampart policy test DIR` runs their tests.
    #[command(subcommand)]
    Policy(policy_command::PolicyCommand),
    /// The controls matrix: each control with the automation covering it,
    /// this run's result (pass, fail, excepted, not evaluated), evidence
    /// and frequency.
    Controls(controls_command::ControlsArgs),
    /// Evidence: `verify` checks a bundle's hashes and signature and the
    /// run store's chain; `keygen` makes a signing key.
    #[command(subcommand)]
    Evidence(evidence_command::EvidenceCommand),
    /// The articles' metrics from the run store: digest-pinned workloads,
    /// findings per control over time, blocked runs against exceptions,
    /// exceptions near expiry, mean time to fix.
    Metrics(metrics_command::MetricsArgs),
    /// Write or show the configuration (rampart.toml).
    #[command(subcommand)]
    Config(config_command::ConfigCommand),
    /// Print a rule's documentation.
    Explain {
        /// The rule id, e.g. run-as-non-root.
        rule: String,
    },
    /// The admission webhook: AdmissionReviews judged by the same rules,
    /// waivers, exceptions and policies as `scan` (POST /validate, GET
    /// /healthz, /readyz, /metrics).
    Serve(serve_command::ServeArgs),
    /// What runs the webhook: `rampart admission manifests`.
    #[command(subcommand)]
    Admission(serve_command::AdmissionCommand),
    /// Who can VERB RESOURCE, according to the RBAC objects of manifests, a
    /// snapshot or a live cluster: every subject, with the binding -> role
    /// -> rule chain; `--verify` asks the live API server about each.
    WhoCan(who_can::WhoCanArgs),
    /// What runs in a cluster, judged like `rampart scan` judges manifests:
    /// read live (the kubeconfig's context; Secrets as metadata only) or
    /// from a snapshot (`kubectl get ... -A -o json`).
    Audit(audit_command::AuditArgs),
    /// What images answer: `gate` judges the scanners' vulnerability
    /// reports (Trivy, Grype JSON) with VEX and exceptions.
    #[command(subcommand)]
    Images(images_command::ImagesCommand),
    /// Judge Kubernetes audit logs with the detection rules: exec into
    /// pods, unexpected Secret reads, RBAC changes, privileged workloads,
    /// anonymous access, refusal spikes, guards turned off ('-' for stdin).
    AuditLog(Box<audit_log_command::AuditLogArgs>),
    /// Containment playbooks: the plan for an incident (read-only), step by
    /// step with who may run and approve each; apply it with a journal,
    /// verify containment, undo, write its evidence and its follow-ups.
    #[command(subcommand)]
    Respond(respond_command::RespondCommand),
    /// Rehearse a playbook on a synthetic victim in a sandbox namespace:
    /// time to detect, to contain, to verify; per playbook, over time.
    #[command(subcommand)]
    Drill(drill_command::DrillCommand),
    /// Emergency access: a binding bounded in time, with its reason and
    /// requester, recorded; every use and every overstay flagged.
    #[command(subcommand)]
    Breakglass(breakglass_command::BreakglassCommand),
    /// The trust-boundary map of manifests, a snapshot or a live cluster:
    /// namespaces, workloads, service accounts and what they may do,
    /// exposure, and allowed network paths, each classed public,
    /// privileged or internal.
    Map(map_command::MapArgs),
    /// Write the fixes rules offer into the manifests: a diff by default,
    /// `--write` to apply the safe ones, `--unsafe` for those that can
    /// change behaviour; each re-checked before it is kept, comments and
    /// layout untouched.
    Fix(fix_command::FixArgs),
    /// Write a hardened starting point: a web app, worker, cron job,
    /// internal API or namespace, as a Kustomize base with dev and prod
    /// overlays that passes Rampart's own scan.
    Init(init_command::InitArgs),
}

#[derive(clap::Args)]
struct ScanArgs {
    /// Files or folders to scan; '-' reads standard input.
    #[arg(required = true)]
    paths: Vec<PathBuf>,

    /// Output format, repeatable: text, json, sarif, junit, markdown or
    /// html [default: text, or rampart.toml's output.format]. Each goes to
    /// the --output FILE in the same position, the last one without a file
    /// to standard output.
    #[arg(long, short = 'f', value_enum)]
    format: Vec<output::ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// Exit 1 only for findings at or above this severity [default: high,
    /// or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// The configuration file [default: the nearest rampart.toml at or above
    /// the first path].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// A registry images may come from (host, or host/path prefix). Repeat
    /// for several; without any, registries are not checked.
    #[arg(long = "allowed-registry", value_name = "REGISTRY")]
    allowed_registries: Vec<String>,

    /// Namespace of objects that set none, as `kubectl apply -n` would use
    /// [default: default].
    #[arg(long, short = 'n')]
    namespace: Option<String>,

    /// Annotation that names the owner of a Role, ClusterRole or binding
    /// [default: rampart.dev/owner].
    #[arg(long, value_name = "KEY")]
    owner_annotation: Option<String>,

    /// Annotation that gives the date (YYYY-MM-DD) an RBAC object must be
    /// reviewed by [default: rampart.dev/review-by].
    #[arg(long, value_name = "KEY")]
    review_annotation: Option<String>,

    /// Do not run this rule (repeatable). Namespace-level rules judge only
    /// what was scanned; skip them when scanning part of a system.
    #[arg(long = "skip", value_name = "RULE")]
    skip: Vec<String>,

    /// Refuse files larger than this many bytes.
    #[arg(long, default_value_t = 64 * 1024 * 1024, value_name = "BYTES")]
    max_file_size: u64,

    /// The rule set: pss-baseline, pss-restricted, checklist (the articles'
    /// compact deployment gate) or all [default: all, or rampart.toml's
    /// profile]. The summary says how many of its controls pass.
    #[arg(long, value_parser = parse_profile)]
    profile: Option<Profile>,

    /// A folder (or file) of Rego policies to evaluate over every object,
    /// conftest style (repeatable; adds to rampart.toml's policy.paths).
    #[arg(long = "policy", value_name = "DIR")]
    policies: Vec<PathBuf>,

    /// The Rego package whose deny/violation/warn rules run (repeatable;
    /// `*` for all) [default: main, or rampart.toml's policy.namespace].
    #[arg(long = "policy-namespace", value_name = "PACKAGE")]
    policy_namespaces: Vec<String>,

    /// Findings recorded in this baseline are reported as suppressed and do
    /// not fail; only new ones do. Fingerprints ignore line numbers.
    #[arg(long, value_name = "FILE")]
    baseline: Option<PathBuf>,

    /// Record every finding of this run in FILE (keeping its key when it
    /// exists) and exit 0. The file holds keyed hashes, never a secret.
    #[arg(long, value_name = "FILE")]
    write_baseline: Option<PathBuf>,

    /// The exceptions file [default: rampart.toml's exceptions.file, or
    /// .rampart/exceptions.yaml when it exists].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    /// Do not search the manifests for leaked credentials (the secrets
    /// engine of `rampart secrets` runs over the same files by default).
    #[arg(long)]
    no_secrets: bool,

    /// Render Helm charts (`helm template`) and Kustomize folders (`kubectl
    /// kustomize`, else `kustomize build`) and check what they deploy,
    /// instead of their files as they are. Runs those programs; their
    /// errors are reported.
    #[arg(long)]
    render: bool,

    /// Accept a scan that finds no Kubernetes object (by default that is an
    /// error, exit 2: a gate over nothing proves nothing).
    #[arg(long)]
    allow_empty: bool,

    /// A Terraform variables file for the root modules, as `terraform plan
    /// -var-file` (repeatable; after terraform.tfvars and *.auto.tfvars).
    #[arg(long = "var-file", value_name = "FILE")]
    var_files: Vec<PathBuf>,

    /// A Terraform variable for the root modules, as `terraform plan -var`
    /// (repeatable; wins over every file). `TF_VAR_name` is read too.
    #[arg(long = "var", value_name = "NAME=VALUE", value_parser = parse_var)]
    vars: Vec<(String, String)>,

    /// Do not run this engine (repeatable): manifests, dockerfiles,
    /// terraform or secrets. Its files are passed over and the controls
    /// its rules prove are partial at best.
    #[arg(long = "skip-engine", value_enum, value_name = "ENGINE")]
    skip_engines: Vec<EngineName>,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

/// The engines `--skip-engine` names.
#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum EngineName {
    Manifests,
    Dockerfiles,
    Terraform,
    Secrets,
}

impl EngineName {
    fn engine(self) -> rampart_scan::Engine {
        match self {
            EngineName::Manifests => rampart_scan::Engine::Manifests,
            EngineName::Dockerfiles => rampart_scan::Engine::Dockerfiles,
            EngineName::Terraform => rampart_scan::Engine::Terraform,
            EngineName::Secrets => rampart_scan::Engine::Secrets,
        }
    }
}

fn parse_var(value: &str) -> Result<(String, String), String> {
    value
        .split_once('=')
        .map(|(name, value)| (name.trim().to_string(), value.to_string()))
        .filter(|(name, _)| !name.is_empty())
        .ok_or_else(|| format!("`{value}` is not NAME=VALUE"))
}

/// `TF_VAR_name` variables of the environment, as Terraform reads them.
fn terraform_env() -> Vec<(String, String)> {
    std::env::vars()
        .filter_map(|(name, value)| name.strip_prefix("TF_VAR_").map(|name| (name.to_string(), value)))
        .collect()
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum Format {
    Text,
    Json,
}

#[derive(Clone, Copy, PartialEq, Eq, ValueEnum)]
enum ColorWhen {
    Auto,
    Always,
    Never,
}

fn parse_severity(value: &str) -> Result<Severity, String> {
    value.parse()
}

fn parse_profile(value: &str) -> Result<Profile, String> {
    value.parse()
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let choice = match cli.color {
        ColorWhen::Auto => anstream::ColorChoice::Auto,
        ColorWhen::Always => anstream::ColorChoice::Always,
        ColorWhen::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let outcome = match cli.command {
        Command::Scan(args) => scan::run(&args),
        Command::Secrets(args) => secrets_command::run(&args),
        Command::Ci(args) => ci_command::run(&args),
        Command::Evidence(command) => evidence_command::run(&command),
        Command::Metrics(args) => metrics_command::run(&args),
        Command::Rules { format } => rules_command::list(format),
        Command::Explain { rule } => rules_command::explain(&rule),
        Command::WhoCan(args) => who_can::run(&args),
        Command::Audit(args) => audit_command::run(&args),
        Command::Serve(args) => serve_command::run(&args),
        Command::Admission(command) => serve_command::admission(&command),
        Command::Map(args) => map_command::run(&args),
        Command::Fix(args) => fix_command::run(&args),
        Command::Init(args) => init_command::run(&args),
        Command::Images(command) => images_command::run(&command),
        Command::AuditLog(args) => audit_log_command::run(&args),
        Command::Respond(command) => respond_command::run(&command),
        Command::Drill(command) => drill_command::run(&command),
        Command::Breakglass(command) => breakglass_command::run(&command),
        Command::Config(command) => config_command::run(&command),
        Command::Controls(args) => controls_command::run(&args),
        Command::Policy(command) => policy_command::run(&command),
        Command::Exceptions(args) => exceptions_command::run(&args),
    };
    ExitCode::from(outcome as u8)
}

/// A JSON writer's error as the I/O error underneath (a closed pipe stays
/// a closed pipe, which is not reported).
fn json_write_error(error: serde_json::Error) -> std::io::Error {
    match error.io_error_kind() {
        Some(kind) => std::io::Error::new(kind, error),
        None => std::io::Error::other(error),
    }
}

/// Exit for a failure to write output (a closed pipe, a full disk).
fn output_failed(error: std::io::Error) -> Outcome {
    if error.kind() != std::io::ErrorKind::BrokenPipe {
        eprintln!("rampart: cannot write output: {error}");
    }
    Outcome::Error
}
