//! `rampart who-can VERB RESOURCE PATH...`: the subjects the scanned RBAC
//! objects allow to do something, and why.

use std::io::Write;
use std::path::PathBuf;

use rampart_core::Outcome;
use rampart_k8s::rbac::Grant;
use serde::Serialize;

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
    #[arg(required = true)]
    paths: Vec<PathBuf>,
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
}

#[derive(Serialize)]
struct Unresolved<'a> {
    binding: &'a str,
    role: &'a str,
}

pub fn run(args: &WhoCanArgs) -> Outcome {
    let (resource, group) = split_resource(&args.resource);
    let mut config = rampart_k8s::ScanConfig::default();
    if let Some(namespace) = &args.namespace {
        config.default_namespace = namespace.clone();
    }
    let (inventory, errors) = crate::inventory_input::load(&args.paths, &config);
    let grants = inventory
        .rbac
        .who_can(&args.verb, group.as_deref(), &resource, args.namespace.as_deref());
    let unresolved = inventory.rbac.unresolved_bindings();
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
            };
            let mut out = std::io::stdout().lock();
            serde_json::to_writer_pretty(&mut out, &answer)
                .map_err(crate::json_write_error)
                .and_then(|()| writeln!(out))
        }
        Format::Text => write_text(args, &resource, group.as_deref(), &grants, &unresolved, &errors),
    };
    match written {
        Err(error) => output_failed(error),
        Ok(()) if !errors.is_empty() => Outcome::Error,
        Ok(()) => Outcome::Pass,
    }
}

fn write_text(
    args: &WhoCanArgs,
    resource: &str,
    group: Option<&str>,
    grants: &[Grant],
    unresolved: &[(String, String)],
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
            "Nobody in the scanned manifests can {} {resource}{group}{scope}.",
            args.verb
        )?;
    } else {
        writeln!(out, "Who can {} {resource}{group}{scope}:", args.verb)?;
    }
    let mut current = None;
    for grant in grants {
        if current != Some(&grant.subject) {
            writeln!(out, "  {}", grant.subject.describe())?;
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
            "note: {binding} binds {role}, which is not in the scanned manifests: what it grants is unknown"
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
