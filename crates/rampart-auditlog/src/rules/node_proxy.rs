//! ## What it checks
//!
//! Every request through `nodes/proxy` let through, by an identity that is not one of
//! Kubernetes' own components.
//!
//! ## Why it matters
//!
//! `nodes/proxy` reaches the kubelet's API with the API server's authority: running
//! commands in any container of the node, reading its pods' logs and environment, without
//! a trace in the pod's own audit events.
//!
//! ## How to fix
//!
//! Find out who used it; monitoring agents that scrape the kubelet should read
//! `nodes/metrics` or `nodes/stats` instead. Take `nodes/proxy` from every other role.
//!
//! ## Example
//!
//! ```text
//! audit.log:61: audit-node-proxy: mallory get nodes/proxy worker-1
//! ```

use super::{Context, Hit, Rule, is_system_component};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-node-proxy",
        title: "Someone reached a kubelet through nodes/proxy",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Find out who used it; give monitoring nodes/metrics or nodes/stats instead and take nodes/proxy from every other role.",
    },
    check,
    source: include_str!("node_proxy.rs"),
    falco: &[],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "nodes" || event.subresource() != Some("proxy") {
        return;
    }
    if !event.succeeded() || is_system_component(event) {
        return;
    }
    out.push(Hit::new(
        "objectRef.subresource",
        format!("{} {}", event.verb, event.describe_target()),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_node_proxy() {
        let hits = hits(
            &super::RULE,
            &event("mallory", "get", "nodes/proxy", "worker-1", 200, ""),
        );
        assert_eq!(hits[0].message, "get nodes/proxy worker-1");
    }

    #[test]
    fn quiet_on_node_stats_and_refusals() {
        assert!(
            hits(
                &super::RULE,
                &event("prometheus", "get", "nodes/stats", "worker-1", 200, "")
            )
            .is_empty()
        );
        assert!(
            hits(
                &super::RULE,
                &event("mallory", "get", "nodes/proxy", "worker-1", 403, "")
            )
            .is_empty()
        );
    }
}
