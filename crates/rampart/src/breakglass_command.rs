//! `rampart breakglass`: emergency access, bounded in time, marked, recorded and revocable.

use std::path::PathBuf;

use rampart_core::Outcome;
use rampart_response::breakglass::{Grant, grant_plan, listed};

#[derive(clap::Subcommand)]
pub enum BreakglassCommand {
    /// Bind a user or group to a ClusterRole until an expiry, with the
    /// reason and the requester on the binding; recorded in the run store.
    Grant(GrantArgs),
    /// Delete a break-glass binding before (or after) its expiry.
    Revoke(RevokeArgs),
    /// The break-glass bindings in the cluster, expired ones flagged (exit 1
    /// when one is).
    List(ListArgs),
}

#[derive(clap::Args)]
#[group(id = "who", required = true, multiple = false)]
pub struct Who {
    /// The user to grant.
    #[arg(long, group = "who")]
    user: Option<String>,
    /// The group to grant.
    #[arg(long, group = "who")]
    group: Option<String>,
}

#[derive(clap::Args)]
pub struct GrantArgs {
    #[command(flatten)]
    who: Who,
    /// The ClusterRole to grant (cluster-admin, admin, edit, ...).
    #[arg(long)]
    role: String,
    /// Grant it within this namespace only (a RoleBinding).
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    /// How long: 30m, 2h (at most 24h).
    #[arg(long = "for", value_name = "DURATION")]
    duration: String,
    /// Why: the incident.
    #[arg(long)]
    reason: String,
    /// Who asks [default: $USER].
    #[arg(long)]
    requester: Option<String>,
    #[command(flatten)]
    cluster: crate::drill_command::Cluster,
    /// The run store [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct RevokeArgs {
    /// The binding's name.
    name: String,
    /// Its namespace, for a RoleBinding.
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    #[command(flatten)]
    cluster: crate::drill_command::Cluster,
    /// The run store [default: .rampart/evidence.db beside rampart.toml].
    #[arg(long, value_name = "FILE")]
    store: Option<PathBuf>,
}

#[derive(clap::Args)]
pub struct ListArgs {
    #[command(flatten)]
    cluster: crate::drill_command::Cluster,
    /// text or json.
    #[arg(long, short = 'f', value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

pub fn run(command: &BreakglassCommand) -> Outcome {
    let result = match command {
        BreakglassCommand::Grant(args) => grant(args),
        BreakglassCommand::Revoke(args) => revoke(args),
        BreakglassCommand::List(args) => list(args),
    };
    result.unwrap_or_else(|error| {
        eprintln!("error: {error}");
        Outcome::Error
    })
}

fn record(store: Option<&std::path::Path>, entry: rampart_report::store::BreakglassRecord) -> Result<(), String> {
    crate::proof::append_to_store(
        store,
        &rampart_report::store::RunRecord {
            time: rampart_core::unix_now(),
            command: "breakglass".to_string(),
            outcome: "pass".to_string(),
            breakglass: Some(entry),
            ..rampart_report::store::RunRecord::default()
        },
    )
}

fn grant(args: &GrantArgs) -> Result<Outcome, String> {
    let seconds = crate::audit_log_command::duration_seconds(&args.duration)
        .map_err(|error| format!("--for {}: {error}", args.duration))?;
    let requester = args
        .requester
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_default();
    let (subject_kind, subject) = match (&args.who.user, &args.who.group) {
        (Some(user), _) => ("User", user.as_str()),
        (_, group) => ("Group", group.as_deref().unwrap_or_default()),
    };
    let expires = rampart_core::unix_now() + seconds;
    let plan = grant_plan(&Grant {
        subject_kind,
        subject,
        role: &args.role,
        namespace: args.namespace.as_deref(),
        expires,
        reason: &args.reason,
        requester: &requester,
    })?;
    let runtime = crate::drill_command::runtime()?;
    let connection = crate::drill_command::connect(&runtime, &args.cluster)?;
    let journal_path = PathBuf::from(".rampart/breakglass").join(format!("{}.json", plan.incident));
    std::fs::create_dir_all(".rampart/breakglass").map_err(|error| format!(".rampart/breakglass: {error}"))?;
    let journal = runtime.block_on(rampart_response::apply::apply(
        connection.client(),
        &plan,
        false,
        &journal_path,
        &mut |_| true,
    ))?;
    if let Some(rampart_response::StepResult::Failed(why)) = journal.entries.first().map(|entry| &entry.result) {
        return Err(format!("the grant was refused: {why}"));
    }
    let binding = match &args.namespace {
        Some(namespace) => format!("RoleBinding/{namespace}/{}", plan.incident),
        None => format!("ClusterRoleBinding/{}", plan.incident),
    };
    record(
        args.store.as_deref(),
        rampart_report::store::BreakglassRecord {
            action: "grant".to_string(),
            binding: binding.clone(),
            subject: format!("{subject_kind} {subject}"),
            role: args.role.clone(),
            expires: Some(expires),
            reason: args.reason.clone(),
            requester: requester.clone(),
        },
    )?;
    let namespace_flag = args
        .namespace
        .as_deref()
        .map(|namespace| format!(" -n {namespace}"))
        .unwrap_or_default();
    println!(
        "granted {binding}: {subject_kind} {subject} may act as ClusterRole {} until {} ({})",
        args.role,
        rampart_core::rfc3339(expires),
        args.reason
    );
    println!(
        "every use shows in the audit log (audit-breakglass-used); past its expiry, rbac-breakglass-expired flags it"
    );
    println!("revoke: rampart breakglass revoke {}{namespace_flag}", plan.incident);
    Ok(Outcome::Pass)
}

fn revoke(args: &RevokeArgs) -> Result<Outcome, String> {
    let runtime = crate::drill_command::runtime()?;
    let connection = crate::drill_command::connect(&runtime, &args.cluster)?;
    let object = rampart_response::ObjectRef {
        api_version: "rbac.authorization.k8s.io/v1".to_string(),
        kind: if args.namespace.is_some() {
            "RoleBinding"
        } else {
            "ClusterRoleBinding"
        }
        .to_string(),
        namespace: args.namespace.clone(),
        name: args.name.clone(),
    };
    if !args.name.starts_with(rampart_core::breakglass::PREFIX) {
        return Err(format!(
            "{}: not a break-glass binding (their names start {})",
            args.name,
            rampart_core::breakglass::PREFIX
        ));
    }
    let deleted = runtime.block_on(rampart_response::apply::delete(connection.client(), &object))?;
    record(
        args.store.as_deref(),
        rampart_report::store::BreakglassRecord {
            action: "revoke".to_string(),
            binding: object.describe(),
            ..rampart_report::store::BreakglassRecord::default()
        },
    )?;
    println!(
        "{} {}",
        object.describe(),
        if deleted { "revoked" } else { "was gone already" }
    );
    Ok(Outcome::Pass)
}

fn list(args: &ListArgs) -> Result<Outcome, String> {
    let runtime = crate::drill_command::runtime()?;
    let connection = crate::drill_command::connect(&runtime, &args.cluster)?;
    let bindings = runtime.block_on(rampart_response::apply::bindings_labelled(
        connection.client(),
        rampart_core::breakglass::LABEL,
    ))?;
    let found = listed(&bindings, rampart_core::unix_now());
    if args.format == "json" {
        println!("{}", serde_json::to_string_pretty(&found).unwrap_or_default());
    } else if found.is_empty() {
        println!("no break-glass binding");
    } else {
        for grant in &found {
            println!(
                "{} {}: {} as {} until {} (reason: {}; requested by {})",
                if grant.expired { "EXPIRED" } else { "active " },
                grant.binding,
                grant.subjects.join(", "),
                grant.role,
                grant.expires.as_deref().unwrap_or("no expiry"),
                grant.reason.as_deref().unwrap_or("none given"),
                grant.requester.as_deref().unwrap_or("nobody named")
            );
        }
    }
    Ok(if found.iter().any(|grant| grant.expired) {
        Outcome::Fail
    } else {
        Outcome::Pass
    })
}
