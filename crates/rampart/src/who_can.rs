//! `rampart who-can VERB RESOURCE PATH...`: the subjects the scanned RBAC
//! objects allow to do something, and why; on a live cluster
//! (`--context`), optionally confirmed subject by subject by the API
//! server (`--verify`).

use std::io::Write;
use std::path::PathBuf;

use rampart_cluster::access_review::{Question, Verdict, review};
use rampart_core::Outcome;
use rampart_k8s::rbac::{Grant, Subject};
use serde::Serialize;

use crate::inventory_input::{ClusterSource, Needs};
use crate::{Format, output_failed};

#[derive(clap::Args)]
pub struct WhoCanArgs {
    /// The verb: get, list, create, update, patch, delete, escalate, bind,
    /// impersonate, ...
    verb: String,
    /// The resource, optionally with its API group and a subresource:
    /// `secrets`, `pods/exec`, `deployments.apps`, `clusterroles.rbac.authorization.k8s.io`.
    resource: String,
    /// Manifest files or folders holding the RBAC objects; '-' reads stdin.
    #[arg(
        required_unless_present_any = ["context", "kubeconfig", "snapshot"],
        conflicts_with_all = ["context", "kubeconfig", "snapshot"]
    )]
    paths: Vec<PathBuf>,
    #[command(flatten)]
    source: ClusterSource,
    /// Ask the live cluster's API server whether each subject found may
    /// really do it (a SubjectAccessReview each; needs `create` on
    /// subjectaccessreviews).
    #[arg(long)]
    verify: bool,
    /// As `kubectl -n`: objects that set no namespace land in this one (as
    /// for `rampart scan -n`), and only grants that apply in it are shown
    /// (cluster-wide ones included) [default: objects land in `default`,
    /// grants in every namespace are shown].
    #[arg(long, short = 'n')]
    namespace: Option<String>,
    #[arg(long, short = 'f', value_enum, default_value_t = Format::Text)]
    format: Format,
}

/// `deployments.apps/scale` -> (`deployments/scale`, Some(`apps`)).
fn split_resource(text: &str) -> (String, Option<String>) {
    let (base, subresource) = match text.split_once('/') {
        Some((base, sub)) => (base, Some(sub)),
        None => (text, None),
    };
    let (name, group) = match base.split_once('.') {
        Some((name, group)) => (name, Some(group.to_string())),
        None => (base, None),
    };
    let resource = match subresource {
        Some(sub) => format!("{name}/{sub}"),
        None => name.to_string(),
    };
    (resource, group)
}

#[derive(Serialize)]
struct Answer<'a> {
    verb: &'a str,
    resource: &'a str,
    #[serde(rename = "apiGroup")]
    api_group: Option<&'a str>,
    namespace: Option<&'a str>,
    grants: &'a [Grant],
    /// Bindings whose role is not in the scan (nor built in): what they
    /// grant is unknown.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    unresolved: Vec<Unresolved<'a>>,
    errors: &'a [rampart_core::ScanError],
    /// The API server's answers, with `--verify`.
    #[serde(skip_serializing_if = "Option::is_none")]
    verified: Option<&'a [Verified]>,
}

/// The API server's answer for one subject where a grant applies.
#[derive(Serialize)]
struct Verified {
    subject: Subject,
    /// Where it was asked; `None`: cluster-wide.
    namespace: Option<String>,
    #[serde(flatten)]
    verdict: Verdict,
}

#[derive(Serialize)]
struct Unresolved<'a> {
    binding: &'a str,
    role: &'a str,
}

pub fn run(args: &WhoCanArgs) -> Outcome {
    let (resource, group) = split_resource(&args.resource);
    if args.verify && !args.source.is_live() {
        eprintln!("error: --verify asks the API server: name the cluster with --context or --kubeconfig");
        return Outcome::Error;
    }
    let mut config = rampart_k8s::ScanConfig::default();
    if let Some(namespace) = &args.namespace {
        config.default_namespace = namespace.clone();
    }
    let needs = Needs {
        kinds: |wanted| wanted.group == "rbac.authorization.k8s.io",
        keep: |_| true,
        // Bindings elsewhere grant nothing in the namespace asked about.
        namespaces: args.namespace.iter().cloned().collect(),
    };
    let loaded = match crate::inventory_input::load_from(&args.paths, &args.source, &config, needs) {
        Ok(loaded) => loaded,
        Err(message) => {
            eprintln!("error: {message}");
            return Outcome::Error;
        }
    };
    let (inventory, mut errors) = (loaded.inventory, loaded.errors);
    let grants = inventory
        .rbac
        .who_can(&args.verb, group.as_deref(), &resource, args.namespace.as_deref());
    let unresolved = inventory.rbac.unresolved_bindings();
    let verified = match (&loaded.session, args.verify) {
        (Some(session), true) => Some(verify(session, args, group.as_deref(), &resource, &grants, &mut errors)),
        _ => None,
    };
    let written = match args.format {
        Format::Json => {
            let answer = Answer {
                verb: &args.verb,
                resource: &resource,
                api_group: group.as_deref(),
                namespace: args.namespace.as_deref(),
                grants: &grants,
                unresolved: unresolved
                    .iter()
                    .map(|(binding, role)| Unresolved { binding, role })
                    .collect(),
                errors: &errors,
                verified: verified.as_deref(),
            };
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &answer)
                .map_err(crate::json_write_error)
                .and_then(|()| writeln!(out))
        }
        Format::Text => write_text(
            args,
            &resource,
            group.as_deref(),
            &grants,
            &unresolved,
            verified.as_deref(),
            &errors,
        ),
    };
    match written {
        Err(error) => output_failed(error),
        Ok(()) if !errors.is_empty() => Outcome::Error,
        Ok(()) => Outcome::Pass,
    }
}

/// One SubjectAccessReview per subject and place a grant applies in: the
/// namespace asked about, else the grant's own (cluster-wide for a
/// ClusterRoleBinding). The first refusal to review at all is one error,
/// and no more are asked.
fn verify(
    session: &crate::inventory_input::Session,
    args: &WhoCanArgs,
    group: Option<&str>,
    resource: &str,
    grants: &[Grant],
    errors: &mut Vec<rampart_core::ScanError>,
) -> Vec<Verified> {
    let mut asked: Vec<Verified> = Vec::new();
    for grant in grants {
        let namespace = args.namespace.clone().or_else(|| grant.namespace.clone());
        if asked
            .iter()
            .any(|done| done.subject == grant.subject && done.namespace == namespace)
        {
            continue;
        }
        // Without a group asked for, the one the granting rule names.
        let group = group
            .or_else(|| grant.rule.api_groups.iter().map(String::as_str).find(|g| *g != "*"))
            .unwrap_or("");
        let question = Question {
            verb: &args.verb,
            group,
            resource,
            namespace: namespace.as_deref(),
        };
        match session
            .runtime
            .block_on(review(&session.connection, &grant.subject, question))
        {
            Ok(verdict) => asked.push(Verified {
                subject: grant.subject.clone(),
                namespace,
                verdict,
            }),
            Err(message) => {
                errors.push(rampart_core::ScanError::new(
                    format!("cluster:{}", session.connection.context),
                    None,
                    message,
                ));
                break;
            }
        }
    }
    asked
}

fn write_text(
    args: &WhoCanArgs,
    resource: &str,
    group: Option<&str>,
    grants: &[Grant],
    unresolved: &[(String, String)],
    verified: Option<&[Verified]>,
    errors: &[rampart_core::ScanError],
) -> std::io::Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let group = group.map(|g| format!(" (API group {g})")).unwrap_or_default();
    let scope = args
        .namespace
        .as_ref()
        .map(|ns| format!(" in namespace {ns}"))
        .unwrap_or_default();
    if grants.is_empty() {
        writeln!(
            out,
            "Nobody in the {} can {} {resource}{group}{scope}.",
            if args.source.is_live() || !args.source.snapshot.is_empty() {
                "cluster"
            } else {
                "scanned manifests"
            },
            args.verb
        )?;
    } else {
        writeln!(out, "Who can {} {resource}{group}{scope}:", args.verb)?;
    }
    let mut current = None;
    for grant in grants {
        if current != Some(&grant.subject) {
            writeln!(out, "  {}", grant.subject.describe())?;
            for answer in verified
                .unwrap_or_default()
                .iter()
                .filter(|v| v.subject == grant.subject)
            {
                let place = answer
                    .namespace
                    .as_ref()
                    .map_or("cluster-wide".to_string(), |ns| format!("in namespace {ns}"));
                let reason = if answer.verdict.reason.is_empty() {
                    String::new()
                } else {
                    format!(" ({})", answer.verdict.reason)
                };
                if answer.verdict.allowed {
                    writeln!(out, "    confirmed by the API server {place}{reason}")?;
                } else {
                    writeln!(out, "    NOT confirmed: the API server denies it {place}{reason}")?;
                }
            }
            current = Some(&grant.subject);
        }
        let aggregated = grant
            .aggregated_from
            .as_ref()
            .map(|r| format!(" (aggregated from {r})"))
            .unwrap_or_default();
        let limited = match &grant.namespace {
            Some(ns) => format!("in namespace {ns}"),
            None => "cluster-wide".to_string(),
        };
        let names = if grant.rule.resource_names.is_empty() {
            String::new()
        } else {
            format!(" resourceNames {:?}", grant.rule.resource_names)
        };
        writeln!(
            out,
            "    {limited}: {} -> {}{aggregated} rule {}: verbs {:?} resources {:?} apiGroups {:?}{names}",
            grant.binding, grant.role, grant.rule_index, grant.rule.verbs, grant.rule.resources, grant.rule.api_groups
        )?;
    }
    for (binding, role) in unresolved {
        writeln!(
            out,
            "note: {binding} binds {role}, which is not in the {}: what it grants is unknown",
            if args.source.is_live() || !args.source.snapshot.is_empty() {
                "cluster"
            } else {
                "scanned manifests"
            }
        )?;
    }
    for error in errors {
        writeln!(out, "error {error}")?;
    }
    out.flush()
}

#[cfg(test)]
mod tests {
    use super::split_resource;

    #[test]
    fn resources_split_into_name_group_and_subresource() {
        assert_eq!(split_resource("secrets"), ("secrets".to_string(), None));
        assert_eq!(split_resource("pods/exec"), ("pods/exec".to_string(), None));
        assert_eq!(
            split_resource("deployments.apps/scale"),
            ("deployments/scale".to_string(), Some("apps".to_string()))
        );
        assert_eq!(
            split_resource("clusterroles.rbac.authorization.k8s.io"),
            (
                "clusterroles".to_string(),
                Some("rbac.authorization.k8s.io".to_string())
            )
        );
    }
}
