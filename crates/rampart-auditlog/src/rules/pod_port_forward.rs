//! ## What it checks
//!
//! Every port-forward to a pod the API server let through.
//!
//! ## Why it matters
//!
//! A port-forward tunnels a laptop straight into a pod's network namespace, around
//! NetworkPolicies, Services and ingress controls: a database or an admin port that nothing
//! exposes is reachable for as long as the tunnel lives.
//!
//! ## How to fix
//!
//! Confirm who opened it and why; take `pods/portforward` from roles that do not need it.
//!
//! ## Example
//!
//! ```text
//! audit.log:90: audit-pod-port-forward: bob port-forwarded to pods data/postgres-0
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-pod-port-forward",
        title: "Someone opened a port-forward into a pod",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Confirm who opened it and why; take pods/portforward from roles that do not need it.",
    },
    check,
    source: include_str!("pod_port_forward.rs"),
    falco: &["port-forward"],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "pods" || event.subresource() != Some("portforward") || !event.succeeded() {
        return;
    }
    let target = event.describe_target();
    let ports = event.query_values("ports");
    let mut message = format!(
        "port-forwarded to pods {}",
        target.trim_start_matches("pods/portforward ")
    );
    if !ports.is_empty() {
        message.push_str(&format!(" (ports {})", ports.join(", ")));
    }
    out.push(Hit::new("objectRef.subresource", message));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_an_allowed_port_forward() {
        let hits = hits(
            &super::RULE,
            &event("bob", "create", "pods/portforward", "data/postgres-0", 101, ""),
        );
        assert_eq!(hits[0].message, "port-forwarded to pods data/postgres-0");
    }

    #[test]
    fn quiet_when_refused() {
        assert!(
            hits(
                &super::RULE,
                &event("bob", "create", "pods/portforward", "data/postgres-0", 403, "")
            )
            .is_empty()
        );
    }
}
