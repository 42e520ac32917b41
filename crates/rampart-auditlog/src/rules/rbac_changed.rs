//! ## What it checks
//!
//! Every Role, ClusterRole, RoleBinding or ClusterRoleBinding created, changed or deleted
//! by an identity that is not one of Kubernetes' own components (the API server
//! reconciling its default roles, the aggregation controller), and let through. A change
//! to a `system:` role is named as such.
//!
//! ## Why it matters
//!
//! "Log admin actions": who may do what changes here, and an intruder who got a foothold
//! makes it stick here (a binding to a role of their own, a `system:` role quietly
//! widened). These changes should come from the pipeline that applies reviewed manifests,
//! not from people.
//!
//! ## How to fix
//!
//! Check the change against the reviewed manifests; apply RBAC only from the pipeline
//! (its identity listed as expected in the team's runbook) and revert what does not match.
//!
//! ## Example
//!
//! ```text
//! audit.log:3: audit-rbac-changed: alice deleted clusterroles system:aggregate-to-edit (a system: role)
//! ```

use super::{Context, Hit, Rule, is_system_component, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-rbac-changed",
        title: "A role or a binding was created, changed or deleted",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Check the change against the reviewed manifests; apply RBAC only from the pipeline and revert what does not match.",
    },
    check,
    source: include_str!("rbac_changed.rs"),
    falco: &[
        "System ClusterRole Modified/Deleted",
        "K8s Role Created",
        "K8s Role Deleted",
        "K8s ClusterRole Created",
        "K8s ClusterRole Deleted",
        "K8s RoleBinding Created",
        "K8s RoleBinding Deleted",
        "K8s ClusterRoleBinding Created",
        "K8s ClusterRoleBinding Deleted",
    ],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if !matches!(
        event.resource(),
        "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings"
    ) || event.api_group() != "rbac.authorization.k8s.io"
    {
        return;
    }
    if !(writes(event) || matches!(event.verb.as_str(), "delete" | "deletecollection")) || !event.succeeded() {
        return;
    }
    if is_system_component(event) {
        return;
    }
    let done = match event.verb.as_str() {
        "create" => "created",
        "update" | "patch" => "changed",
        _ => "deleted",
    };
    let mut message = format!("{done} {}", event.describe_target());
    if event.name().is_some_and(|name| name.starts_with("system:")) {
        message.push_str(" (a system: role)");
    }
    out.push(Hit::new("verb", message));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn rbac(user: &str, verb: &str, resource: &str, target: &str, code: u16) -> String {
        event(user, verb, resource, target, code, "").replace(
            "\"apiVersion\":\"v1\"",
            "\"apiGroup\":\"rbac.authorization.k8s.io\",\"apiVersion\":\"v1\"",
        )
    }

    #[test]
    fn fires_on_a_person_changing_rbac() {
        let deleted = hits(
            &super::RULE,
            &rbac("alice", "delete", "clusterroles", "system:aggregate-to-edit", 200),
        );
        assert_eq!(
            deleted[0].message,
            "deleted clusterroles system:aggregate-to-edit (a system: role)"
        );
        let bound = hits(
            &super::RULE,
            &rbac("alice", "create", "rolebindings", "shop/viewers", 201),
        );
        assert_eq!(bound[0].message, "created rolebindings shop/viewers");
    }

    #[test]
    fn quiet_on_reads_refusals_and_the_control_plane() {
        assert!(hits(&super::RULE, &rbac("alice", "get", "clusterroles", "admin", 200)).is_empty());
        assert!(hits(&super::RULE, &rbac("alice", "delete", "clusterroles", "admin", 403)).is_empty());
        let aggregation = rbac(
            "system:serviceaccount:kube-system:clusterrole-aggregation-controller",
            "update",
            "clusterroles",
            "admin",
            200,
        );
        assert!(hits(&super::RULE, &aggregation).is_empty());
        assert!(
            hits(
                &super::RULE,
                &rbac("system:apiserver", "update", "clusterroles", "system:discovery", 200)
            )
            .is_empty()
        );
    }
}
