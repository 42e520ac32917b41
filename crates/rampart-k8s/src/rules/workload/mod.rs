//! Workload health rules: resources and probes.

pub mod liveness_probe_set;
pub mod no_naked_pods;
pub mod readiness_probe_set;
pub mod resource_limits_set;
pub mod resource_requests_set;
pub mod unchecked_pod_template;

use crate::rules::Reporter;
use crate::workload::{Container, ContainerKind, PodSpec};

/// Reports a container that misses `resources.<section>.cpu` or `.memory`.
/// `also_set_by` is a section whose value Kubernetes copies in when this
/// one is missing (a limit becomes the request).
pub(crate) fn check_resources(pod: &PodSpec<'_>, section: &str, also_set_by: Option<&str>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        // Ephemeral containers may not declare resources.
        if container.kind == ContainerKind::Ephemeral {
            continue;
        }
        let is_set = |resource: &str| {
            let set_in = |s: &str| {
                container
                    .node
                    .get_path(&format!("resources.{s}"))
                    .and_then(|r| r.get(resource))
                    .is_some_and(|v| !v.is_null())
            };
            set_in(section) || also_set_by.is_some_and(set_in)
        };
        let missing: Vec<&str> = ["cpu", "memory"].into_iter().filter(|r| !is_set(r)).collect();
        if missing.is_empty() {
            continue;
        }
        let section_node = container.node.get_path(&format!("resources.{section}"));
        let anchor = section_node
            .or_else(|| container.node.get("resources"))
            .map(|n| n.pos)
            .unwrap_or(container.node.pos);
        let field = match missing.as_slice() {
            [one] => container.path(&format!("resources.{section}.{one}")),
            _ => container.path(&format!("resources.{section}")),
        };
        let message = format!("{} sets no {} {section}", container.describe(), missing.join(" or "));
        out.report(anchor, field, Some(container), message);
    }
}

/// Reports long-running containers without the given probe.
pub(crate) fn check_probe(pod: &PodSpec<'_>, probe: &str, out: &mut Reporter<'_>) {
    if pod.runs_to_completion {
        return;
    }
    for container in pod.regular_containers() {
        if container.node.get(probe).is_some_and(|p| !p.is_null()) {
            continue;
        }
        let message = format!("{} has no {probe}", container.describe());
        report_missing(container, probe, message, out);
    }
}

fn report_missing(container: &Container<'_>, field: &str, message: String, out: &mut Reporter<'_>) {
    out.report(container.node.pos, container.path(field), Some(container), message);
}
