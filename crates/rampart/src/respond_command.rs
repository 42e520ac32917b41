//! `rampart respond`: containment playbooks. `plan` reads the cluster's objects (a
//! snapshot, or manifests) and prints the plan, or writes it for `apply`; nothing is
//! written to any cluster.

use std::io::Write as _;
use std::path::PathBuf;

use rampart_core::Outcome;

use crate::output_failed;

#[derive(clap::Subcommand)]
pub enum RespondCommand {
    /// The containment plan for an incident, step by step, read-only.
    #[command(subcommand)]
    Plan(Box<PlanCommand>),
    /// Run a plan against a cluster, step by step, journalling each step and
    /// what undoes it; asks before each disruptive step unless --yes.
    Apply(ApplyArgs),
    /// Play back the undo of every step a journal says was done, newest first.
    Undo(UndoArgs),
    /// Check that containment holds (the deny policy is there, no pod runs,
    /// access reviews deny the accounts); the first pass records the time to
    /// containment in the journal.
    Verify(UndoArgs),
    /// Write the incident's evidence bundle: the plan, the journal (each
    /// step's times and result, every verification), the captures and the
    /// objects before and after each write, with a manifest (and signature).
    Evidence(EvidenceArgs),
    /// After containment: the permanent follow-ups as files for a pull
    /// request (NetworkPolicy, Namespace with Pod Security, the RBAC
    /// removed, the image block and policy, the rules to make non-waivable,
    /// the rotation checklist).
    Harden(HardenArgs),
}

#[derive(clap::Args)]
pub struct HardenArgs {
    /// The incident: its id (incidents/<id>/plan.json), or a plan or
    /// journal file.
    incident: String,
    /// Where to write [default: incidents/<id>/harden/].
    #[arg(long, short = 'o', value_name = "DIR")]
    output: Option<PathBuf>,
}

/// The journal an argument names: a file, or an incident's id.
fn journal_of(given: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(given);
    if path.is_file() || given.ends_with(".json") {
        return Ok(path);
    }
    Ok(PathBuf::from("incidents").join(given).join("journal.json"))
}

#[derive(clap::Args)]
pub struct EvidenceArgs {
    /// The incident's id (incidents/<id>/journal.json), or the journal
    /// `rampart respond apply` wrote.
    #[arg(value_parser = journal_of)]
    journal: PathBuf,
    /// The bundle's folder [default: evidence/ beside the journal].
    #[arg(long, value_name = "DIR")]
    evidence: Option<PathBuf>,
    /// Sign the manifest with this Ed25519 key (PKCS#8 PEM, `rampart
    /// evidence keygen`).
    #[arg(long, value_name = "FILE")]
    sign_key: Option<PathBuf>,
    /// The run store whose record of the incident the bundle names
    /// [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
}

/// Where each run's record of the incident goes.
#[derive(clap::Args)]
pub struct Recording {
    /// The run store [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
    /// Do not record the incident in the run store.
    #[arg(long)]
    no_record: bool,
}

#[derive(clap::Args)]
pub struct ApplyArgs {
    /// The plan `rampart respond plan ... -o` wrote.
    plan: PathBuf,
    #[command(flatten)]
    cluster: Cluster,
    /// Send every write with dryRun=All: the API server judges it (admission
    /// included), nothing changes. Captures still run.
    #[arg(long)]
    dry_run: bool,
    /// Run disruptive steps without asking.
    #[arg(long)]
    yes: bool,
    /// The journal [default: incidents/<incident>/journal.json]; captures go
    /// beside it.
    #[arg(long, value_name = "FILE")]
    journal: Option<PathBuf>,
    #[command(flatten)]
    recording: Recording,
}

#[derive(clap::Args)]
pub struct UndoArgs {
    /// The incident's id (incidents/<id>/journal.json), or the journal
    /// `rampart respond apply` wrote.
    #[arg(value_parser = journal_of)]
    journal: PathBuf,
    #[command(flatten)]
    cluster: Cluster,
    #[command(flatten)]
    recording: Recording,
}

/// The cluster a plan is applied to (a drill staged in, a grant made in).
#[derive(clap::Args)]
pub struct Cluster {
    /// The kubeconfig context.
    #[arg(long)]
    pub context: Option<String>,
    /// The kubeconfig [default: $KUBECONFIG, else ~/.kube/config, else the
    /// pod's service account].
    #[arg(long, value_name = "FILE")]
    pub kubeconfig: Option<PathBuf>,
}

#[derive(clap::Subcommand)]
pub enum PlanCommand {
    /// A pod sending traffic it should not: capture, label, deny its egress,
    /// end it.
    SuspiciousEgress(EgressArgs),
    /// A namespace an intruder holds: preserve it, cut its network, disable
    /// its identities, stop its workloads, block re-creation, cordon the
    /// nodes its privileged pods ran on, list what to rotate.
    NamespaceCompromise(NamespaceArgs),
    /// A leaked credential (a token, a client certificate, a kubeconfig, an
    /// app Secret): what it reaches, revoke what Kubernetes can, and every
    /// credential to rotate with what reads it.
    CredentialLeak(CredentialArgs),
    /// An image with a known vulnerability (or a compromised build): the pods
    /// running it by digest, their owners, nodes and exposure; refuse it at
    /// admission; move the workloads to the fixed image.
    VulnerableImage(ImageArgs),
    /// A Service or Ingress reachable from where it should not be: the real
    /// exposure from status, then the least disruptive cut (narrow the load
    /// balancer, admit only the ingress controller, drop external IPs);
    /// --hard removes the load balancer and the Ingresses.
    IngressExposure(ExposureArgs),
}

#[derive(clap::Args)]
#[group(id = "exposed", required = true, multiple = false)]
pub struct ExposedArgs {
    /// The Service, as NAMESPACE/NAME.
    #[arg(long, value_name = "NAMESPACE/NAME", group = "exposed")]
    service: Option<String>,
    /// The Ingress, as NAMESPACE/NAME (and the Services it routes to).
    #[arg(long, value_name = "NAMESPACE/NAME", group = "exposed")]
    ingress: Option<String>,
    /// Everything the namespace exposes.
    #[arg(long, short = 'n', value_name = "NAMESPACE", group = "exposed")]
    namespace: Option<String>,
}

#[derive(clap::Args)]
pub struct ExposureArgs {
    #[command(flatten)]
    exposed: ExposedArgs,

    /// Source ranges the load balancers keep (repeatable): they are narrowed
    /// to these, their address kept.
    #[arg(long, value_name = "CIDR")]
    allow: Vec<String>,

    /// The ingress controller's namespace [default: found from its pods'
    /// app.kubernetes.io/name label].
    #[arg(long, value_name = "NAMESPACE")]
    ingress_namespace: Option<String>,

    /// Make the Services ClusterIP (their load balancer address is released)
    /// and delete the Ingresses routing to them.
    #[arg(long)]
    hard: bool,

    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(clap::Args)]
pub struct ImageArgs {
    /// The image: a digest (`sha256:...`), a reference with one, a tag
    /// (`ghcr.io/acme/web:1.4.1`) or, with --family, its repository.
    #[arg(long, value_name = "IMAGE")]
    image: String,

    /// Block every tag and digest of the image's repository, but --fixed and
    /// --except.
    #[arg(long)]
    family: bool,

    /// The fixed image (`name:tag@sha256:...`): the workloads move to it,
    /// and the block lets it through.
    #[arg(long, value_name = "IMAGE")]
    fixed: Option<String>,

    /// Other references the block lets through.
    #[arg(long, value_name = "IMAGE")]
    except: Vec<String>,

    /// Why (the advisory): shown by the policy and every finding.
    #[arg(long, value_name = "TEXT")]
    reason: Option<String>,

    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(clap::Args)]
#[group(id = "leaked", required = true, multiple = false)]
pub struct Leaked {
    /// The leaked credential's file (`-`: standard input): a service-account
    /// or OIDC token, a bootstrap token, a client certificate (PEM) or a
    /// kubeconfig. Decoded here, never sent anywhere, never printed.
    #[arg(long, value_name = "FILE", group = "leaked")]
    credential: Option<PathBuf>,
    /// A leaked app Secret, as NAMESPACE/NAME.
    #[arg(long, value_name = "NAMESPACE/NAME", group = "leaked")]
    secret: Option<String>,
    /// A leaked service account's credential, as NAMESPACE/NAME.
    #[arg(long, value_name = "NAMESPACE/NAME", group = "leaked")]
    service_account: Option<String>,
    /// A leaked user's credential (a client certificate's CN).
    #[arg(long, value_name = "NAME", group = "leaked")]
    user: Option<String>,
    /// A finding of a Rampart JSON report (--report): its secret's
    /// fingerprint, or PATH:LINE.
    #[arg(long, value_name = "FINGERPRINT|PATH:LINE", group = "leaked", requires = "report")]
    finding: Option<String>,
}

#[derive(clap::Args)]
pub struct CredentialArgs {
    #[command(flatten)]
    leaked: Leaked,

    /// The report (`rampart scan|audit|secrets --format json`) --finding is in.
    #[arg(long, value_name = "FILE")]
    report: Option<PathBuf>,

    /// The groups the leaked user arrives with (a certificate's O), for --user.
    #[arg(long = "group", value_name = "GROUP", requires = "user")]
    groups: Vec<String>,

    /// Delete and recreate the service account: a new UID ends every token it
    /// had, those bound to no object too.
    #[arg(long)]
    recreate_account: bool,

    #[command(flatten)]
    plan: PlanArgs,
}

/// What every plan reads and writes.
#[derive(clap::Args)]
pub struct PlanArgs {
    /// What `kubectl get <kinds> -A -o json` wrote (pods, workloads, network
    /// policies, RBAC, service accounts, Secrets' metadata), or manifest
    /// files and folders; the plan is made offline.
    #[arg(long = "snapshot", value_name = "FILE", num_args = 1..)]
    snapshot: Vec<PathBuf>,

    /// Read the live cluster of this kubeconfig context (read-only; access
    /// reviews confirm what a credential reaches).
    #[arg(long, conflicts_with = "snapshot")]
    context: Option<String>,

    /// The kubeconfig of the live cluster [default: $KUBECONFIG, else
    /// ~/.kube/config, else the pod's service account].
    #[arg(long, value_name = "FILE", conflicts_with = "snapshot")]
    kubeconfig: Option<PathBuf>,

    /// The namespace of manifest objects that name none, as `kubectl apply
    /// -n` would put them [default: default]; snapshots name theirs.
    #[arg(long, value_name = "NAMESPACE", default_value = "default")]
    default_namespace: String,

    /// The engine that denies outright, for the playbooks that cut traffic:
    /// anp (AdminNetworkPolicy), cilium, calico, or none [default: what a
    /// live cluster serves; none for a snapshot].
    #[arg(long, value_name = "ENGINE", value_parser = ["anp", "cilium", "calico", "none"])]
    deny_with: Option<String>,

    /// The incident's id [default: INC- and the time now].
    #[arg(long, value_name = "ID")]
    incident: Option<String>,

    /// text or json [default: text].
    #[arg(long, short = 'f', value_parser = ["text", "json"], default_value = "text")]
    format: String,

    /// Write the plan (JSON, for `rampart respond apply`) here.
    #[arg(long, short = 'o', value_name = "FILE")]
    output: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct EgressArgs {
    /// The pod, as NAMESPACE/NAME.
    #[arg(long, value_name = "NAMESPACE/NAME")]
    pod: String,

    /// Let the quarantined pod still resolve names (kube-dns), to watch what
    /// it tries next.
    #[arg(long)]
    allow_dns: bool,

    #[command(flatten)]
    plan: PlanArgs,
}

#[derive(clap::Args)]
pub struct NamespaceArgs {
    /// The namespace.
    #[arg(long, short = 'n', value_name = "NAMESPACE")]
    namespace: String,

    #[command(flatten)]
    plan: PlanArgs,
}

pub fn run(command: &RespondCommand) -> Outcome {
    match command {
        RespondCommand::Apply(args) => apply(args),
        RespondCommand::Undo(args) => undo(args),
        RespondCommand::Verify(args) => verify(args),
        RespondCommand::Evidence(args) => evidence(args),
        RespondCommand::Harden(args) => harden(args),
        RespondCommand::Plan(plan_command) => run_plan(plan_command),
    }
}

fn run_plan(command: &PlanCommand) -> Outcome {
    match command {
        PlanCommand::SuspiciousEgress(args) => {
            let Some((namespace, pod)) = args.pod.split_once('/') else {
                eprintln!("error: --pod {}: give NAMESPACE/NAME", args.pod);
                return Outcome::Error;
            };
            plan(
                &args.plan,
                &[namespace.to_string()],
                |objects, inventory, incident, enforcer| {
                    let target = rampart_response::egress::EgressTarget {
                        incident,
                        namespace,
                        pod,
                        allow_dns: args.allow_dns,
                        enforcer,
                    };
                    rampart_response::egress::suspicious_egress(objects, inventory, &target)
                },
            )
        }
        PlanCommand::NamespaceCompromise(args) => {
            // Cluster-wide bindings and the nodes are read whole; namespaced kinds of the
            // namespace only.
            plan(
                &args.plan,
                std::slice::from_ref(&args.namespace),
                |objects, inventory, incident, enforcer| {
                    rampart_response::namespace::namespace_compromise(
                        objects,
                        inventory,
                        incident,
                        &args.namespace,
                        enforcer,
                    )
                },
            )
        }
        PlanCommand::IngressExposure(args) => {
            use rampart_response::exposure::{Exposed, ExposureTarget, ingress_exposure};
            fn named<'a>(flag: &str, value: &'a str) -> Result<(&'a str, &'a str), String> {
                value
                    .split_once('/')
                    .ok_or_else(|| format!("{flag} {value}: give NAMESPACE/NAME"))
            }
            let exposed = match (&args.exposed.service, &args.exposed.ingress, &args.exposed.namespace) {
                (Some(service), _, _) => {
                    named("--service", service).map(|(namespace, name)| Exposed::Service { namespace, name })
                }
                (_, Some(ingress), _) => {
                    named("--ingress", ingress).map(|(namespace, name)| Exposed::Ingress { namespace, name })
                }
                (_, _, namespace) => Ok(Exposed::Namespace(namespace.as_deref().unwrap_or_default())),
            };
            let exposed = match exposed {
                Ok(exposed) => exposed,
                Err(error) => {
                    eprintln!("error: {error}");
                    return Outcome::Error;
                }
            };
            for range in &args.allow {
                if !valid_cidr(range) {
                    eprintln!("error: --allow {range}: give a CIDR (10.0.0.0/8, 2001:db8::/32)");
                    return Outcome::Error;
                }
            }
            plan(&args.plan, &[], |objects, inventory, incident, _| {
                let target = ExposureTarget {
                    incident,
                    exposed,
                    allow: &args.allow,
                    ingress_namespace: args.ingress_namespace.as_deref(),
                    hard: args.hard,
                };
                ingress_exposure(objects, inventory, &target)
            })
        }
        PlanCommand::VulnerableImage(args) => {
            let block = blocked_image(args);
            plan(&args.plan, &[], |objects, inventory, incident, _| {
                let block = rampart_core::BlockedImage {
                    reason: Some(block.reason.clone().unwrap_or_else(|| format!("incident {incident}"))),
                    ..block.clone()
                };
                let target = rampart_response::vulnerable::ImageTarget {
                    incident,
                    block: &block,
                    fixed: args.fixed.as_deref(),
                };
                rampart_response::vulnerable::vulnerable_image(objects, inventory, &target)
            })
        }
        PlanCommand::CredentialLeak(args) => {
            let credential = match leaked_credential(args) {
                Ok(credential) => credential,
                Err(error) => {
                    eprintln!("error: {error}");
                    return Outcome::Error;
                }
            };
            let options = rampart_response::credential::LeakOptions {
                recreate_account: args.recreate_account,
            };
            plan(&args.plan, &[], |objects, inventory, incident, _| {
                rampart_response::credential::credential_leak(objects, inventory, incident, &credential, options)
            })
        }
    }
}

/// `10.0.0.0/8`, `2001:db8::/32`.
fn valid_cidr(range: &str) -> bool {
    let Some((address, bits)) = range.split_once('/') else {
        return false;
    };
    match (address.parse::<std::net::IpAddr>(), bits.parse::<u8>()) {
        (Ok(std::net::IpAddr::V4(_)), Ok(bits)) => bits <= 32,
        (Ok(std::net::IpAddr::V6(_)), Ok(bits)) => bits <= 128,
        _ => false,
    }
}

/// What the flags block: the image, or its repository with --family; the fixed image
/// and the exceptions let through.
fn blocked_image(args: &ImageArgs) -> rampart_core::BlockedImage {
    let image = if args.family {
        let reference = rampart_core::ImageRef::parse(&args.image);
        format!("{}/{}", reference.registry, reference.repository)
    } else {
        args.image.trim().to_string()
    };
    let mut except = args.except.clone();
    except.extend(args.fixed.clone());
    rampart_core::BlockedImage {
        image,
        reason: args.reason.clone(),
        except,
    }
}

/// What leaked, from the flags: a file classified offline, or a named Secret, account
/// or user.
fn leaked_credential(args: &CredentialArgs) -> Result<rampart_response::credential::Credential, String> {
    use rampart_response::credential::{Credential, classify};
    let split = |flag: &str, value: &str| {
        value
            .split_once('/')
            .map(|(namespace, name)| (namespace.to_string(), name.to_string()))
            .ok_or_else(|| format!("{flag} {value}: give NAMESPACE/NAME"))
    };
    let leaked = &args.leaked;
    if let Some(path) = &leaked.credential {
        let bytes = if path.as_os_str() == "-" {
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut std::io::stdin(), &mut bytes).map_err(|error| format!("-: {error}"))?;
            bytes
        } else {
            std::fs::read(path).map_err(|error| format!("{}: {error}", path.display()))?
        };
        return classify(&bytes).map_err(|error| format!("{}: {error}", path.display()));
    }
    if let (Some(selector), Some(report)) = (&leaked.finding, &args.report) {
        let text = std::fs::read_to_string(report).map_err(|error| format!("{}: {error}", report.display()))?;
        let json: serde_json::Value =
            serde_json::from_str(&text).map_err(|error| format!("{}: not JSON: {error}", report.display()))?;
        return rampart_response::credential::from_finding(&json, selector)
            .map_err(|error| format!("{}: {error}", report.display()));
    }
    if let Some(secret) = &leaked.secret {
        let (namespace, name) = split("--secret", secret)?;
        return Ok(Credential::Secret { namespace, name });
    }
    if let Some(account) = &leaked.service_account {
        let (namespace, name) = split("--service-account", account)?;
        return Ok(Credential::Account { namespace, name });
    }
    let name = leaked.user.clone().unwrap_or_default();
    Ok(Credential::User {
        name,
        groups: args.groups.clone(),
    })
}

/// `INC-20261205-051500` from the time now (or `SOURCE_DATE_EPOCH`).
fn incident_now() -> String {
    let now = std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|value| value.parse().ok())
        .unwrap_or_else(rampart_core::unix_now);
    let stamp = rampart_core::rfc3339(now).replace(['-', ':'], "").replace('T', "-");
    format!("INC-{}", stamp.trim_end_matches('Z'))
}

/// A live cluster the plan was read from, still connected.
struct Live {
    runtime: tokio::runtime::Runtime,
    connection: rampart_cluster::live::Connection,
}

/// What a plan is made from: the objects, what could not be read, and the live cluster
/// they came from.
struct Read {
    objects: Vec<rampart_k8s::Object>,
    errors: Vec<rampart_core::ScanError>,
    live: Option<Live>,
}

/// Reads the objects of the snapshot, or of the live cluster (namespaced kinds of
/// `namespaces` only; empty: all).
fn read_objects(args: &PlanArgs, namespaces: &[String]) -> Result<Read, String> {
    if args.context.is_none() && args.kubeconfig.is_none() {
        if args.snapshot.is_empty() {
            return Err(
                "give the cluster: --snapshot FILE..., or --context (or --kubeconfig) for the live one".to_string(),
            );
        }
        let (mut objects, errors) = crate::inventory_input::load_objects(&args.snapshot);
        let mut placed = 0;
        for object in objects
            .iter_mut()
            .filter(|object| object.namespace.is_none() && !rampart_k8s::object::is_cluster_scoped(&object.kind))
        {
            object.namespace = Some(args.default_namespace.clone());
            placed += 1;
        }
        if placed > 0 {
            eprintln!(
                "note: {placed} object{} name no namespace: taken as in `{}` (--default-namespace)",
                if placed == 1 { "" } else { "s" },
                args.default_namespace
            );
        }
        // A cluster holds one object per name: the last one read stands, as `kubectl
        // apply` of the files in order would leave it.
        let before = objects.len();
        let mut seen = std::collections::HashSet::new();
        objects.reverse();
        objects.retain(|object| {
            seen.insert((
                object.group().to_string(),
                object.kind.clone(),
                object.namespace.clone(),
                object.name.clone(),
            ))
        });
        objects.reverse();
        if objects.len() < before {
            eprintln!(
                "note: {} object{} named twice: the last one read stands",
                before - objects.len(),
                if before - objects.len() == 1 { " is" } else { "s are" }
            );
        }
        return Ok(Read {
            objects,
            errors,
            live: None,
        });
    }
    let runtime = runtime().ok_or("no runtime")?;
    let connection = runtime.block_on(rampart_cluster::live::connect(
        args.kubeconfig.as_deref(),
        args.context.as_deref(),
    ))?;
    let wanted = rampart_cluster::live::wanted_kinds(&[]);
    let (objects, errors) = runtime.block_on(rampart_cluster::inventory_reader::read_live_objects(
        &connection,
        &wanted,
        namespaces,
    ));
    Ok(Read {
        objects,
        errors,
        live: Some(Live { runtime, connection }),
    })
}

/// The first engine that can deny which the live cluster serves.
fn served_enforcer(live: &Live) -> Option<rampart_response::deny::Enforcer> {
    use rampart_response::deny::Enforcer;
    let wanted: Vec<rampart_cluster::live::Wanted> = Enforcer::ALL
        .iter()
        .map(|(_, group, version, kind)| rampart_cluster::live::Wanted {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            metadata_only: false,
        })
        .collect();
    let discovered = live.runtime.block_on(rampart_cluster::live::discover(
        &live.connection,
        &wanted,
        &rampart_cluster::live::ListOptions::default(),
    ));
    Enforcer::ALL
        .iter()
        .find(|(_, _, _, kind)| discovered.served.iter().any(|served| served.kind == *kind))
        .map(|(enforcer, _, _, _)| *enforcer)
}

/// Reads the objects, makes the plan with `make`, prints it and writes it.
fn plan(
    args: &PlanArgs,
    namespaces: &[String],
    make: impl FnOnce(
        &[rampart_k8s::Object],
        &rampart_k8s::Inventory,
        &str,
        Option<rampart_response::deny::Enforcer>,
    ) -> Result<rampart_response::Plan, String>,
) -> Outcome {
    let Read { objects, errors, live } = match read_objects(args, namespaces) {
        Ok(read) => read,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    for error in &errors {
        eprintln!("error: {error}");
    }
    let inventory = rampart_k8s::Inventory::of_objects(&objects, &rampart_k8s::ScanConfig::default());
    let incident = args.incident.clone().unwrap_or_else(incident_now);
    let Ok(team) = crate::config_command::load(None, std::path::Path::new(".")) else {
        return Outcome::Error;
    };
    let enforcer = match args.deny_with.as_deref() {
        Some(name) => rampart_response::deny::Enforcer::parse(name),
        None => live.as_ref().and_then(served_enforcer),
    };
    let mut plan = match make(&objects, &inventory, &incident, enforcer) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    plan.assign_approvers(
        team.response.isolate.as_deref(),
        team.response.revoke.as_deref(),
        team.response.shutdown.as_deref(),
    );
    if let Some(live) = &live
        && let Some(principal) = plan.identity.clone()
    {
        // What the RBAC read says it reaches, asked of the API server itself.
        let client = live.connection.client();
        let (user, groups) = (principal.user, principal.groups);
        for reach in &mut plan.reach {
            let answer = live.runtime.block_on(rampart_response::apply::allowed(
                client,
                &user,
                &groups,
                &reach.verb,
                &reach.group,
                &reach.resource,
                reach.namespace.as_deref(),
            ));
            match answer {
                Ok(allowed) => reach.confirmed = Some(allowed),
                Err(error) => eprintln!("warning: an access review for {}: {error}", reach.describe()),
            }
        }
    }
    let json = serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n";
    if let Some(path) = &args.output {
        if let Some(folder) = path.parent().filter(|folder| !folder.as_os_str().is_empty())
            && let Err(error) = std::fs::create_dir_all(folder)
        {
            eprintln!("error: {}: {error}", folder.display());
            return Outcome::Error;
        }
        if let Err(error) = std::fs::write(path, &json) {
            eprintln!("error: {}: {error}", path.display());
            return Outcome::Error;
        }
        eprintln!("plan written to {}: nothing was changed", path.display());
    }
    let text = if args.format == "json" { json } else { plan.to_text() };
    // With -o the JSON went to the file; text is still shown.
    if (args.output.is_none() || args.format == "text")
        && let Err(error) = std::io::stdout().lock().write_all(text.as_bytes())
    {
        return output_failed(error);
    }
    if errors.is_empty() {
        Outcome::Pass
    } else {
        Outcome::Error
    }
}

fn runtime() -> Option<tokio::runtime::Runtime> {
    match tokio::runtime::Builder::new_current_thread().enable_all().build() {
        Ok(runtime) => Some(runtime),
        Err(error) => {
            eprintln!("error: {error}");
            None
        }
    }
}

/// Asks on the terminal whether to run a disruptive step; without a terminal, no.
fn ask(step: &rampart_response::Step) -> bool {
    use std::io::IsTerminal as _;
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "{} {}: disruptive, not run without a terminal to ask on (--yes runs it)",
            step.id, step.title
        );
        return false;
    }
    eprint!("{} {}: {}\nrun it? [y/N] ", step.id, step.title, step.action.describe());
    let mut answer = String::new();
    let _ = std::io::stdin().read_line(&mut answer);
    matches!(answer.trim(), "y" | "Y" | "yes")
}

fn apply(args: &ApplyArgs) -> Outcome {
    let plan: rampart_response::Plan = match std::fs::read_to_string(&args.plan)
        .map_err(|error| error.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|error| format!("not a plan: {error}")))
    {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {}: {error}", args.plan.display());
            return Outcome::Error;
        }
    };
    let journal_path = args
        .journal
        .clone()
        .unwrap_or_else(|| PathBuf::from("incidents").join(&plan.incident).join("journal.json"));
    if let Some(folder) = journal_path.parent().filter(|folder| !folder.as_os_str().is_empty())
        && let Err(error) = std::fs::create_dir_all(folder)
    {
        eprintln!("error: {}: {error}", folder.display());
        return Outcome::Error;
    }
    let Some(runtime) = runtime() else {
        return Outcome::Error;
    };
    let applied = runtime.block_on(async {
        let connection =
            rampart_cluster::live::connect(args.cluster.kubeconfig.as_deref(), args.cluster.context.as_deref()).await?;
        let mut confirm = |step: &rampart_response::Step| args.yes || ask(step);
        rampart_response::apply::apply(connection.client(), &plan, args.dry_run, &journal_path, &mut confirm).await
    });
    let journal = match applied {
        Ok(journal) => journal,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    if let Ok(copy) = serde_json::to_string_pretty(&plan)
        && let Some(folder) = journal_path.parent()
    {
        let _ = std::fs::write(folder.join("plan.json"), copy + "\n");
    }
    record(&journal, &journal_path, &args.recording);
    let mut failed = false;
    for entry in &journal.entries {
        let result = match &entry.result {
            rampart_response::apply::StepResult::Done => "done".to_string(),
            rampart_response::apply::StepResult::DryRun => "dry run: accepted".to_string(),
            rampart_response::apply::StepResult::Skipped(why) => format!("skipped: {why}"),
            rampart_response::apply::StepResult::Failed(why) => {
                failed = true;
                format!("failed: {why}")
            }
        };
        eprintln!("{} {}: {result}", entry.step, entry.action.describe());
    }
    let left = plan.steps.len() - journal.entries.len();
    eprintln!(
        "journal: {}{}",
        journal_path.display(),
        if left > 0 {
            format!(" ({left} step{} not run)", if left == 1 { "" } else { "s" })
        } else {
            String::new()
        }
    );
    if failed {
        Outcome::Error
    } else if left > 0 {
        Outcome::Fail
    } else {
        Outcome::Pass
    }
}

fn undo(args: &UndoArgs) -> Outcome {
    let mut journal = match rampart_response::apply::Journal::read(&args.journal) {
        Ok(journal) => journal,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    if journal.dry_run {
        eprintln!(
            "error: {}: a dry run changed nothing: there is nothing to undo",
            args.journal.display()
        );
        return Outcome::Error;
    }
    let Some(runtime) = runtime() else {
        return Outcome::Error;
    };
    let undone = runtime.block_on(async {
        let connection =
            rampart_cluster::live::connect(args.cluster.kubeconfig.as_deref(), args.cluster.context.as_deref()).await?;
        rampart_response::apply::undo(connection.client(), &mut journal, &args.journal).await
    });
    if let Err(error) = undone {
        eprintln!("error: {error}");
        return Outcome::Error;
    }
    record(&journal, &args.journal, &args.recording);
    let mut failed = false;
    for entry in &journal.undone {
        let result = match &entry.result {
            rampart_response::apply::StepResult::Failed(why) => {
                failed = true;
                format!("failed: {why}")
            }
            _ => "undone".to_string(),
        };
        eprintln!("{} {}: {result}", entry.step, entry.action.describe());
    }
    if failed { Outcome::Error } else { Outcome::Pass }
}

fn verify(args: &UndoArgs) -> Outcome {
    let mut journal = match rampart_response::apply::Journal::read(&args.journal) {
        Ok(journal) => journal,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    if journal.checks.is_empty() {
        eprintln!("error: {}: the plan had no checks to run", args.journal.display());
        return Outcome::Error;
    }
    let Some(runtime) = runtime() else {
        return Outcome::Error;
    };
    let verified = runtime.block_on(async {
        let connection =
            rampart_cluster::live::connect(args.cluster.kubeconfig.as_deref(), args.cluster.context.as_deref()).await?;
        rampart_response::apply::verify(connection.client(), &mut journal, &args.journal).await
    });
    let passed = match verified {
        Ok(passed) => passed,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    record(&journal, &args.journal, &args.recording);
    if let Some(last) = journal.verified.last() {
        for result in &last.results {
            let mark = if result.passed { "pass" } else { "FAIL" };
            let detail = if result.detail.is_empty() {
                String::new()
            } else {
                format!(" ({})", result.detail)
            };
            println!("{mark}  {}{detail}", result.check);
        }
    }
    match (passed, journal.contained_after) {
        (true, Some(seconds)) => println!("contained {seconds} s after the first step"),
        (true, None) => println!("contained"),
        (false, _) => println!("not contained yet"),
    }
    if passed { Outcome::Pass } else { Outcome::Fail }
}

/// The drill that staged an incident (`DRILL-<id>`), and when it injected its signal.
fn drill_of(incident: &str) -> (Option<String>, Option<i64>) {
    let Some(id) = incident.strip_prefix("DRILL-") else {
        return (None, None);
    };
    let injected = rampart_response::drill::Drill::read(&crate::drill_command::state_path(id))
        .ok()
        .map(|drill| drill.injected);
    (Some(id.to_string()), injected)
}

/// Adds the incident's state to the run store, unless told not to; a store that cannot
/// be written is a warning (the journal holds everything).
fn record(journal: &rampart_response::Journal, journal_path: &std::path::Path, recording: &Recording) {
    if recording.no_record || journal.dry_run {
        return;
    }
    let (drill, declared) = drill_of(&journal.incident);
    let incident = journal.incident_record(drill.as_deref(), declared);
    let recorded = crate::proof::append_to_store(
        recording.store.as_deref(),
        &rampart_report::store::RunRecord {
            time: rampart_core::unix_now(),
            command: "respond".to_string(),
            outcome: if incident.contained.is_some() { "pass" } else { "fail" }.to_string(),
            incident: Some(incident),
            ..rampart_report::store::RunRecord::default()
        },
    );
    if let Err(error) = recorded {
        eprintln!(
            "warning: the incident was not recorded: {error} (journal: {})",
            journal_path.display()
        );
    }
}

/// Writes the incident's bundle from its journal's folder.
fn evidence(args: &EvidenceArgs) -> Outcome {
    let journal = match rampart_response::apply::Journal::read(&args.journal) {
        Ok(journal) => journal,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    let folder = args
        .journal
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), std::path::Path::to_path_buf);
    let dir = args.evidence.clone().unwrap_or_else(|| folder.join("evidence"));
    let key = match args
        .sign_key
        .as_deref()
        .map(rampart_report::evidence::signing::read_signing_key)
        .transpose()
    {
        Ok(key) => key,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    // The plan, the journal, and every file the journal names.
    let mut files: Vec<String> = vec!["journal.json".to_string()];
    if folder.join("plan.json").exists() {
        files.insert(0, "plan.json".to_string());
    }
    for entry in journal.entries.iter().chain(&journal.undone) {
        for captured in &entry.captured {
            if !files.contains(captured) {
                files.push(captured.clone());
            }
        }
    }
    let store_head = crate::config_command::load(None, std::path::Path::new("."))
        .ok()
        .map(|team| rampart_scan::proof::store_path(args.store.as_deref(), &team))
        .filter(|path| path.exists())
        .and_then(|path| {
            let store = rampart_report::store::Store::open(&path).ok()?;
            let runs = store.runs_without_fingerprints().ok()?;
            let run = runs.iter().rev().find(|run| {
                run.record
                    .incident
                    .as_ref()
                    .is_some_and(|incident| incident.id == journal.incident)
            })?;
            Some(serde_json::json!({"store": path.display().to_string(), "seq": run.seq, "hash": run.hash}))
        });
    let written = (|| -> std::io::Result<()> {
        let mut bundle = rampart_report::evidence::BundleWriter::create(&dir)?;
        for name in &files {
            let source = if name == "journal.json" {
                args.journal.clone()
            } else {
                folder.join(name)
            };
            let bytes = std::fs::read(&source)
                .map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", source.display())))?;
            bundle.add(name, |out| out.write_all(&bytes))?;
        }
        if let Some(head) = &store_head {
            bundle.add("store.json", |out| {
                out.write_all((serde_json::to_string_pretty(head).unwrap_or_default() + "\n").as_bytes())
            })?;
        }
        bundle.finish(
            &rampart_core::rfc3339(rampart_core::unix_now()),
            &format!("rampart {}", env!("CARGO_PKG_VERSION")),
            key.as_ref(),
        )?;
        Ok(())
    })();
    match written {
        Ok(()) => {
            eprintln!(
                "evidence of {} written to {} ({} files)",
                journal.incident,
                dir.display(),
                files.len()
            );
            Outcome::Pass
        }
        Err(error) => {
            eprintln!("error: {error}");
            Outcome::Error
        }
    }
}

/// Writes the follow-up files of an incident's plan.
fn harden(args: &HardenArgs) -> Outcome {
    let given = PathBuf::from(&args.incident);
    let plan_path = if given.is_file() {
        // A journal's plan is beside it.
        if given.file_name().is_some_and(|name| name == "journal.json") {
            given.with_file_name("plan.json")
        } else {
            given
        }
    } else {
        PathBuf::from("incidents").join(&args.incident).join("plan.json")
    };
    let plan: rampart_response::Plan = match std::fs::read_to_string(&plan_path)
        .map_err(|error| error.to_string())
        .and_then(|text| serde_json::from_str(&text).map_err(|error| format!("not a plan: {error}")))
    {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {}: {error}", plan_path.display());
            return Outcome::Error;
        }
    };
    let files = match rampart_response::harden::harden(&plan) {
        Ok(files) => files,
        Err(error) => {
            eprintln!("error: {}: {error}", plan_path.display());
            return Outcome::Error;
        }
    };
    let dir = args
        .output
        .clone()
        .unwrap_or_else(|| PathBuf::from("incidents").join(&plan.incident).join("harden"));
    if let Err(error) = std::fs::create_dir_all(&dir) {
        eprintln!("error: {}: {error}", dir.display());
        return Outcome::Error;
    }
    for file in &files {
        let path = dir.join(&file.name);
        if let Err(error) = std::fs::write(&path, &file.content) {
            eprintln!("error: {}: {error}", path.display());
            return Outcome::Error;
        }
        println!("{}: {}", path.display(), file.purpose);
    }
    Outcome::Pass
}
