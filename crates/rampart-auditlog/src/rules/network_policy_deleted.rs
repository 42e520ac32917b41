//! ## What it checks
//!
//! Every NetworkPolicy (or Cilium, Calico or AdminNetworkPolicy policy) deleted, and let
//! through, by an identity that is not one of Kubernetes' own components (the namespace
//! controller deleting a namespace's contents).
//!
//! ## Why it matters
//!
//! A default-deny policy is the containment of a compromised pod; deleting it reopens
//! egress and lateral movement at once, and undoes a responder's quarantine.
//!
//! ## How to fix
//!
//! Re-apply the policy from the reviewed manifests and find out who deleted it; policies
//! should change only through the pipeline.
//!
//! ## Example
//!
//! ```text
//! audit.log:5: audit-network-policy-deleted: mallory deleted networkpolicies shop/default-deny
//! ```

use super::{Context, Hit, Rule, is_system_component};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-network-policy-deleted",
        title: "A network policy was deleted",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Re-apply the policy from the reviewed manifests and find out who deleted it.",
    },
    check,
    source: include_str!("network_policy_deleted.rs"),
    falco: &[],
    needs_request_object: false,
};

const POLICIES: &[&str] = &[
    "networkpolicies",
    "ciliumnetworkpolicies",
    "ciliumclusterwidenetworkpolicies",
    "globalnetworkpolicies",
    "adminnetworkpolicies",
    "baselineadminnetworkpolicies",
];

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if !POLICIES.contains(&event.resource()) || !matches!(event.verb.as_str(), "delete" | "deletecollection") {
        return;
    }
    if !event.succeeded() || is_system_component(event) {
        return;
    }
    out.push(Hit::new("verb", format!("deleted {}", event.describe_target())));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_deleted_policy() {
        let hits = hits(
            &super::RULE,
            &event("mallory", "delete", "networkpolicies", "shop/default-deny", 200, ""),
        );
        assert_eq!(hits[0].message, "deleted networkpolicies shop/default-deny");
    }

    #[test]
    fn quiet_on_the_namespace_controller_and_on_updates() {
        let controller = event(
            "system:serviceaccount:kube-system:namespace-controller",
            "deletecollection",
            "networkpolicies",
            "shop/",
            200,
            "",
        );
        assert!(hits(&super::RULE, &controller).is_empty());
        assert!(
            hits(
                &super::RULE,
                &event("alice", "update", "networkpolicies", "shop/default-deny", 200, "")
            )
            .is_empty()
        );
    }
}
