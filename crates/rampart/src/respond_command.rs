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
    Plan(PlanCommand),
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
}

/// What every plan reads and writes.
#[derive(clap::Args)]
pub struct PlanArgs {
    /// What `kubectl get <kinds> -A -o json` wrote (pods, workloads, network
    /// policies, RBAC, service accounts, Secrets' metadata), or manifest
    /// files and folders.
    #[arg(long = "snapshot", value_name = "FILE", required = true, num_args = 1..)]
    snapshot: Vec<PathBuf>,

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
        RespondCommand::Plan(PlanCommand::SuspiciousEgress(args)) => {
            let Some((namespace, pod)) = args.pod.split_once('/') else {
                eprintln!("error: --pod {}: give NAMESPACE/NAME", args.pod);
                return Outcome::Error;
            };
            plan(&args.plan, |objects, inventory, incident| {
                let target = rampart_response::egress::EgressTarget {
                    incident,
                    namespace,
                    pod,
                    allow_dns: args.allow_dns,
                };
                rampart_response::egress::suspicious_egress(objects, inventory, &target)
            })
        }
        RespondCommand::Plan(PlanCommand::NamespaceCompromise(args)) => {
            plan(&args.plan, |objects, inventory, incident| {
                rampart_response::namespace::namespace_compromise(objects, inventory, incident, &args.namespace)
            })
        }
    }
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

/// Reads the objects, makes the plan with `make`, prints it and writes it.
fn plan(
    args: &PlanArgs,
    make: impl FnOnce(&[rampart_k8s::Object], &rampart_k8s::Inventory, &str) -> Result<rampart_response::Plan, String>,
) -> Outcome {
    let (objects, errors) = crate::inventory_input::load_objects(&args.snapshot);
    for error in &errors {
        eprintln!("error: {error}");
    }
    let inventory = rampart_k8s::Inventory::of_objects(&objects, &rampart_k8s::ScanConfig::default());
    let incident = args.incident.clone().unwrap_or_else(incident_now);
    let plan = match make(&objects, &inventory, &incident) {
        Ok(plan) => plan,
        Err(error) => {
            eprintln!("error: {error}");
            return Outcome::Error;
        }
    };
    let json = serde_json::to_string_pretty(&plan).unwrap_or_default() + "\n";
    if let Some(path) = &args.output {
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
