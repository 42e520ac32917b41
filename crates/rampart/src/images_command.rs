//! `rampart images`: what images answer. `gate`: the scanners'
//! vulnerability reports judged against the team's threshold, VEX and
//! exceptions; `verify`: their signatures in the registry against the
//! team's `[[images.policy]]` (or a `--key`); `resolve`: the digest each
//! tag names now.

use std::path::{Path, PathBuf};

use rampart_core::{Outcome, Report, Selection, Severity, Summary};
use rampart_images::gate::{GateInputs, run_gate};
use rampart_images::signature::{SignatureChecker, SignaturePolicies, VerdictCache};
use rampart_scan::catalogue::{EXCEPTIONS_ENGINE, IMAGES_ENGINE, listed_rule};
use rampart_scan::proof::Run;
use rampart_scan::{TOOL, apply_team_config};

use crate::{config_command, output, parse_severity, proof};

#[derive(clap::Subcommand)]
pub enum ImagesCommand {
    /// Judge Trivy or Grype JSON reports: one finding per vulnerability at
    /// its severity, VEX statements and exceptions applied; exit 1 for a
    /// finding at or above --fail-on.
    Gate(GateArgs),
    /// Verify the cosign signatures of images (references, or the images
    /// the manifests under PATHs run) in their registry, against
    /// rampart.toml's [[images.policy]] or --key; exit 1 for an image not
    /// signed as its policy requires, 2 when a registry could not be asked.
    Verify(VerifyArgs),
    /// Ask the registry which digest each image's tag names now (an image
    /// reference, or the images the manifests under PATHs run).
    Resolve(ResolveArgs),
}

/// How Rampart reaches registries.
#[derive(clap::Args)]
pub(crate) struct RegistryArgs {
    /// Credentials for a registry, as HOST=USER:PASSWORD or HOST=token:TOKEN
    /// (repeatable); others come from the Docker config
    /// (~/.docker/config.json, its credHelpers and credsStore).
    #[arg(long, value_name = "HOST=USER:PASSWORD")]
    registry_auth: Vec<String>,

    /// Reach this registry (host or host:port) over plain HTTP (repeatable);
    /// loopback registries always are.
    #[arg(long, value_name = "HOST")]
    insecure_registry: Vec<String>,

    /// Seconds to wait for a registry to answer.
    #[arg(long, value_name = "SECONDS", default_value_t = 10)]
    registry_timeout: u64,
}

#[derive(clap::Args)]
pub struct VerifyArgs {
    /// Image references (`ghcr.io/acme/shop:1.4.2`) or manifest files and
    /// folders whose workloads' images are verified.
    #[arg(required = true, value_name = "IMAGE|PATH")]
    targets: Vec<String>,

    /// A cosign public key every image must be signed with, instead of
    /// rampart.toml's policies.
    #[arg(long, value_name = "FILE")]
    key: Option<PathBuf>,

    /// Verify every time: neither read nor write .rampart/image-signatures.json.
    #[arg(long)]
    no_cache: bool,

    #[command(flatten)]
    registry: RegistryArgs,

    /// Exit 1 only for findings at or above this severity [default: high,
    /// or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// Output format, repeatable: text, json, sarif, junit, markdown or
    /// html [default: text, or rampart.toml's output.format].
    #[arg(long, short = 'f', value_enum)]
    format: Vec<output::ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// The configuration file whose [[images.policy]] apply [default: the
    /// nearest rampart.toml].
    #[arg(long, value_name = "FILE", visible_alias = "policy")]
    config: Option<PathBuf>,

    /// The exceptions file [default: rampart.toml's, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

#[derive(clap::Args)]
pub struct ResolveArgs {
    /// Image references or manifest files and folders.
    #[arg(required = true, value_name = "IMAGE|PATH")]
    targets: Vec<String>,

    #[command(flatten)]
    registry: RegistryArgs,

    /// Print JSON: [{"image", "digest"} or {"image", "error"}].
    #[arg(long)]
    json: bool,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct GateArgs {
    /// Reports as the scanners write them: `trivy image --format json`,
    /// `grype -o json` (their SARIF and CycloneDX are read as a fallback,
    /// with a note saying what they lose).
    #[arg(required = true, value_name = "REPORT")]
    reports: Vec<PathBuf>,

    /// An OpenVEX document whose `not_affected` and `fixed` statements set
    /// findings aside (repeatable; later statements win).
    #[arg(long, value_name = "FILE")]
    vex: Vec<PathBuf>,

    /// Manifests (files or folders) whose workloads run the images: each
    /// report's vulnerabilities are reported on the containers running its
    /// image, and an image no report covers is `image-not-scanned`.
    #[arg(long, value_name = "PATH", num_args = 1..)]
    manifests: Vec<PathBuf>,

    /// A `.trivyignore` to report: its lines are waivers with no owner, so
    /// each is a finding; they set nothing aside.
    #[arg(long, value_name = "FILE")]
    trivyignore: Option<PathBuf>,

    /// Set aside vulnerabilities with no fixed version yet (still listed,
    /// as suppressed).
    #[arg(long)]
    ignore_unfixed: bool,

    /// Days a report stays recent [default: rampart.toml's
    /// images.report-max-age-days, else 7].
    #[arg(long, value_name = "DAYS")]
    max_age: Option<u32>,

    /// Exit 1 only for findings at or above this severity [default: high,
    /// or rampart.toml's fail-on].
    #[arg(long, value_parser = parse_severity)]
    fail_on: Option<Severity>,

    /// Output format, repeatable: text, json, sarif, junit, markdown or
    /// html [default: text, or rampart.toml's output.format].
    #[arg(long, short = 'f', value_enum)]
    format: Vec<output::ReportFormat>,

    /// Where the --format in the same position is written (repeatable).
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Vec<PathBuf>,

    /// The configuration file [default: the nearest rampart.toml].
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,

    /// The exceptions file [default: rampart.toml's, or
    /// .rampart/exceptions.yaml].
    #[arg(long, value_name = "FILE")]
    exceptions: Option<PathBuf>,

    #[command(flatten)]
    proof: proof::ProofArgs,
}

pub fn run(command: &ImagesCommand) -> Outcome {
    match command {
        ImagesCommand::Gate(args) => gate(args),
        ImagesCommand::Verify(args) => verify(args),
        ImagesCommand::Resolve(args) => resolve(args),
    }
}

/// The registry client the flags and rampart.toml describe.
/// The registry client: `--registry-auth` first, then `pulled_with` (a cluster's pull
/// secrets, the first for a host winning), then the Docker config.
fn registry_client(
    args: &RegistryArgs,
    team: &rampart_core::Config,
    pulled_with: &[(String, rampart_registry::Credential)],
) -> Result<rampart_registry::Registry, String> {
    let mut credentials = std::collections::HashMap::new();
    for entry in &args.registry_auth {
        let (host, credential) =
            rampart_registry::parse_registry_auth(entry).map_err(|error| format!("--registry-auth: {error}"))?;
        credentials.insert(host, credential);
    }
    for (host, credential) in pulled_with {
        credentials.entry(host.clone()).or_insert_with(|| credential.clone());
    }
    let mut insecure_hosts = team.images.insecure_registries.clone();
    insecure_hosts.extend(args.insecure_registry.iter().cloned());
    rampart_registry::Registry::new(rampart_registry::RegistryOptions {
        insecure_hosts,
        credentials,
        docker_config: true,
        timeout: std::time::Duration::from_secs(args.registry_timeout.max(1)),
    })
}

/// Splits targets into image references and manifest paths (what exists on disk), and
/// reads the images the manifests' workloads run.
fn images_of(
    targets: &[String],
    errors: &mut Vec<rampart_core::ScanError>,
) -> (Vec<String>, Vec<rampart_core::ImageUse>, Vec<PathBuf>) {
    let (paths, references): (Vec<&String>, Vec<&String>) =
        targets.iter().partition(|target| Path::new(target.as_str()).exists());
    let paths: Vec<PathBuf> = paths.into_iter().map(PathBuf::from).collect();
    let uses = if paths.is_empty() {
        Vec::new()
    } else {
        let (objects, mut failed) = crate::inventory_input::load_objects(&paths);
        errors.append(&mut failed);
        rampart_k8s::workload::image_uses(&objects, &rampart_k8s::ScanConfig::default().workload_kinds)
    };
    let references = references.into_iter().cloned().collect();
    (references, uses, paths)
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|error| format!("the async runtime could not start: {error}"))
}

/// rampart.toml's selection and the exceptions file applied to `findings` (what cannot be
/// read joins `errors`); the exceptions, for the run's evidence.
pub(crate) fn accept(
    team: &rampart_core::Config,
    exceptions: Option<&Path>,
    findings: &mut Vec<rampart_core::Finding>,
    errors: &mut Vec<rampart_core::ScanError>,
) -> Option<rampart_scan::exceptions::ExceptionSet> {
    apply_team_config(findings, team, &Selection::new(team, &[]), rampart_core::Profile::All);
    let exception_set = match rampart_scan::exceptions::load(team, exceptions) {
        Ok(set) => set,
        Err(mut failed) => {
            errors.append(&mut failed);
            None
        }
    };
    if let Some(set) = &exception_set {
        errors.extend(set.apply(findings, team));
    }
    exception_set
}

/// The rules an images command ran, as its evidence lists them: `ran` under the images
/// engine, and the exceptions' own rules when a file was read (its entries counted).
fn rules_listed(
    ran: &[&'static rampart_core::RuleMeta],
    exception_set: Option<&rampart_scan::exceptions::ExceptionSet>,
    coverage: &mut rampart_core::Coverage,
) -> Vec<(String, rampart_report::RuleInfo)> {
    let mut listed: Vec<_> = ran.iter().map(|meta| listed_rule(IMAGES_ENGINE, meta)).collect();
    if let Some(set) = exception_set {
        coverage.add_engine(EXCEPTIONS_ENGINE, set.exceptions.list().len());
        listed.extend(
            rampart_core::exceptions::RULES
                .iter()
                .map(|meta| listed_rule(EXCEPTIONS_ENGINE, meta)),
        );
    }
    listed
}

/// What a run asks of the images its workloads run (`rampart ci`, `rampart audit`): their
/// signatures verified, their vulnerability reports gated.
pub(crate) struct WorkloadImageChecks<'a> {
    pub verify_signatures: bool,
    pub registry: &'a RegistryArgs,
    /// Credentials from the cluster's pull secrets (`audit`), after `--registry-auth`.
    pub pulled_with: Vec<(String, rampart_registry::Credential)>,
    pub reports: &'a [PathBuf],
    pub vex: &'a [PathBuf],
}

impl WorkloadImageChecks<'_> {
    pub fn wanted(&self) -> bool {
        self.verify_signatures || !self.reports.is_empty()
    }

    /// Adds the checks' findings on the workloads of `uses` to `scanned`, their rules to its
    /// evidence, and the workloads' image summary; `Err` (exit 2) when the signatures cannot
    /// be checked at all.
    pub fn run(
        &self,
        pipeline: &rampart_scan::Pipeline,
        scanned: &mut rampart_scan::Scanned,
        uses: &[rampart_core::ImageUse],
    ) -> Result<(), Outcome> {
        let mut checks = rampart_images::summary::ChecksRan::default();
        if self.verify_signatures {
            let now = rampart_core::unix_now();
            match signature_checker(pipeline.team(), None, self.registry, &self.pulled_with, false, now) {
                Ok(checker) => {
                    let mut run = rampart_images::signature::verify_images(checker, &[], uses, now);
                    checks.signatures = Some(rampart_images::summary::SignatureSets::take(&mut run.found));
                    pipeline.add_signature_check(scanned, run);
                }
                Err(error) => {
                    eprintln!("error: --verify-images: {error}");
                    return Err(Outcome::Error);
                }
            }
        }
        if !self.reports.is_empty() {
            let inputs = GateInputs {
                reports: self.reports,
                vex: self.vex,
                trivyignore: None,
                ignore_unfixed: false,
                max_age_days: i64::from(pipeline.team().images.report_max_age_days()),
                today: rampart_core::Date::today(),
            };
            let mut gate = run_gate(&inputs, Some(uses));
            for note in &gate.notes {
                eprintln!("note: {note}");
            }
            checks.stale = gate.stale_workloads.take();
            pipeline.add_image_gate(scanned, gate);
        }
        if !uses.is_empty() && (checks.signatures.is_some() || checks.stale.is_some()) {
            let fail_on = scanned.report.summary.fail_on.unwrap_or(Severity::High);
            scanned.report.summary.images = Some(rampart_images::summary::image_summary(
                uses,
                &scanned.report.findings,
                &checks,
                fail_on,
            ));
        }
        Ok(())
    }
}

/// The signature checker for a run: `--key`, else rampart.toml's policies (an error when
/// there are none: a verification with nothing to verify against proves nothing).
pub(crate) fn signature_checker(
    team: &rampart_core::Config,
    key: Option<&Path>,
    registry: &RegistryArgs,
    pulled_with: &[(String, rampart_registry::Credential)],
    no_cache: bool,
    now: i64,
) -> Result<std::sync::Arc<SignatureChecker>, String> {
    let policies = match key {
        Some(key) => SignaturePolicies::for_key(key),
        None => {
            let config_path = team
                .origin
                .as_ref()
                .map_or("rampart.toml".to_string(), |origin| origin.path.display().to_string());
            SignaturePolicies::from_config(&team.images, &config_path, &|path| team.resolve(path))
        }
    }
    .map_err(|error| error.to_string())?;
    if policies.policies.is_empty() {
        return Err(
            "no signature policy: give --key FILE, or add [[images.policy]] to rampart.toml (see `rampart config init`)"
                .to_string(),
        );
    }
    let registry = registry_client(registry, team, pulled_with)?;
    let cache = if no_cache {
        VerdictCache::in_memory(0)
    } else {
        VerdictCache::in_file(
            team.resolve(Path::new(".rampart/image-signatures.json")),
            team.images.cache_ttl_seconds(),
            now,
        )
    };
    Ok(std::sync::Arc::new(SignatureChecker::new(
        registry,
        policies,
        std::sync::Arc::new(cache),
    )))
}

fn verify(args: &VerifyArgs) -> Outcome {
    let start = Path::new(".");
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let mut errors = Vec::new();
    let (references, uses, paths) = images_of(&args.targets, &mut errors);
    if references.is_empty() && uses.is_empty() && errors.is_empty() {
        // A verification of nothing proves nothing: say so rather than pass.
        eprintln!(
            "error: no image to verify: no workload in {} names one",
            args.targets.join(", ")
        );
        return Outcome::Error;
    }
    let now = rampart_core::unix_now();
    let checker = match signature_checker(&team, args.key.as_deref(), &args.registry, &[], args.no_cache, now) {
        Ok(checker) => checker,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    let mut run = rampart_images::signature::verify_images(checker, &references, &uses, now);
    errors.append(&mut run.found.errors);
    let mut findings = std::mem::take(&mut run.found.findings);
    let exception_set = accept(&team, args.exceptions.as_deref(), &mut findings, &mut errors);
    let fail_on = args.fail_on.or(team.fail_on).unwrap_or(Severity::High);
    let files: std::collections::HashSet<&str> = uses.iter().map(|image_use| image_use.path.as_ref()).collect();
    let workloads: std::collections::HashSet<_> = uses.iter().map(|image_use| &image_use.resource).collect();
    let summary = Summary {
        files: files.len(),
        workloads: workloads.len(),
        ..Summary::default()
    };
    let signature_sets = rampart_images::summary::SignatureSets::take(&mut run.found);
    let mut report = Report::new(TOOL, findings, errors, summary, Some(fail_on));
    if !uses.is_empty() {
        let ran = rampart_images::summary::ChecksRan {
            signatures: Some(signature_sets),
            stale: None,
        };
        report.summary.images = Some(rampart_images::summary::image_summary(
            &uses,
            &report.findings,
            &ran,
            fail_on,
        ));
    }
    run.cover(&mut report.coverage);
    let ran = rules_listed(&run.ran(), exception_set.as_ref(), &mut report.coverage);
    let run = Run {
        command: "images verify",
        report: &report,
        ran: &ran,
        left_out: &[],
        team: &team,
        exceptions: exception_set.as_ref(),
        scanned: &paths,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}

/// An image and its digest, or why it could not be resolved.
pub(crate) type Resolved = (String, Result<String, String>);

/// Each image's digest at its registry now (manifest HEAD: a multi-platform image's index
/// digest), or why not.
pub(crate) fn resolve_digests(
    registry: &RegistryArgs,
    team: &rampart_core::Config,
    images: &[String],
) -> Result<Vec<Resolved>, String> {
    let registry = registry_client(registry, team, &[])?;
    let runtime = runtime().map_err(|error| error.to_string())?;
    Ok(runtime.block_on(async {
        let mut results = Vec::with_capacity(images.len());
        for image in images {
            let digest = match rampart_registry::parse_reference(image) {
                Ok(reference) => registry.resolve(&reference).await.map_err(|error| error.to_string()),
                Err(error) => Err(error),
            };
            results.push((image.clone(), digest));
        }
        results
    }))
}

fn resolve(args: &ResolveArgs) -> Outcome {
    let Ok(team) = config_command::load(args.config.as_deref(), Path::new(".")) else {
        return Outcome::Error;
    };
    let mut errors = Vec::new();
    let (mut images, uses, _) = images_of(&args.targets, &mut errors);
    for image_use in &uses {
        if !images.contains(&image_use.image) {
            images.push(image_use.image.clone());
        }
    }
    for error in &errors {
        eprintln!("error: {error}");
    }
    let resolved = match resolve_digests(&args.registry, &team, &images) {
        Ok(resolved) => resolved,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    let failed = !errors.is_empty() || resolved.iter().any(|(_, digest)| digest.is_err());
    if args.json {
        let entries: Vec<serde_json::Value> = resolved
            .iter()
            .map(|(image, digest)| match digest {
                Ok(digest) => serde_json::json!({"image": image, "digest": digest}),
                Err(error) => serde_json::json!({"image": image, "error": error}),
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&entries).unwrap_or_default());
    } else {
        for (image, digest) in &resolved {
            match digest {
                Ok(digest) => println!("{image}\t{digest}"),
                Err(error) => eprintln!("error: {image}: {error}"),
            }
        }
    }
    if failed { Outcome::Error } else { Outcome::Pass }
}

fn gate(args: &GateArgs) -> Outcome {
    let start = Path::new(".");
    let Ok(team) = config_command::load(args.config.as_deref(), start) else {
        return Outcome::Error;
    };
    let mut errors = Vec::new();
    let uses = (!args.manifests.is_empty()).then(|| {
        let (objects, mut failed) = crate::inventory_input::load_objects(&args.manifests);
        errors.append(&mut failed);
        rampart_k8s::workload::image_uses(&objects, &rampart_k8s::ScanConfig::default().workload_kinds)
    });
    let inputs = GateInputs {
        reports: &args.reports,
        vex: &args.vex,
        trivyignore: args.trivyignore.as_deref(),
        ignore_unfixed: args.ignore_unfixed,
        max_age_days: i64::from(args.max_age.unwrap_or_else(|| team.images.report_max_age_days())),
        today: rampart_core::Date::today(),
    };
    let mut gated = run_gate(&inputs, uses.as_deref());
    for note in &gated.notes {
        eprintln!("note: {note}");
    }
    errors.append(&mut gated.errors);
    let mut findings = std::mem::take(&mut gated.findings);
    let exception_set = accept(&team, args.exceptions.as_deref(), &mut findings, &mut errors);
    let fail_on = args.fail_on.or(team.fail_on).unwrap_or(Severity::High);
    let summary = Summary {
        files: gated.reports,
        workloads: gated.workloads,
        ..Summary::default()
    };
    let mut report = Report::new(TOOL, findings, errors, summary, Some(fail_on));
    if let Some(uses) = uses.as_deref().filter(|uses| !uses.is_empty()) {
        let ran = rampart_images::summary::ChecksRan {
            signatures: None,
            stale: gated.stale_workloads.take(),
        };
        report.summary.images = Some(rampart_images::summary::image_summary(
            uses,
            &report.findings,
            &ran,
            fail_on,
        ));
    }
    gated.cover(&mut report.coverage);
    let ran = rules_listed(&gated.ran(), exception_set.as_ref(), &mut report.coverage);
    let run = Run {
        command: "images gate",
        report: &report,
        ran: &ran,
        left_out: &[],
        team: &team,
        exceptions: exception_set.as_ref(),
        scanned: &args.reports,
        start,
    };
    proof::conclude(&run, &args.format, &args.output, &args.proof)
}
