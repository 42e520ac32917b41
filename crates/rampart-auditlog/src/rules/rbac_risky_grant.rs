//! ## What it checks
//!
//! Every Role, ClusterRole or binding created or changed, and let through, whose request
//! object breaks the manifest RBAC rules: wildcards (`rbac-wildcard`), permissions that
//! escalate or reach other workloads (`rbac-dangerous-permissions`: escalate, bind,
//! impersonate, `pods/exec`, `nodes/proxy`, ...), Secret reads without names
//! (`rbac-secrets-read`), `cluster-admin` granted (`rbac-cluster-admin-binding`), and
//! anonymous or all-authenticated subjects (`rbac-anonymous-binding`). It needs the
//! request object: the log policy must record RBAC objects at `Request` level or above.
//!
//! ## Why it matters
//!
//! The manifests in git are checked before they merge; a grant made straight against the
//! API is not. This is the same judgement, made on what reached the cluster.
//!
//! ## How to fix
//!
//! Revert the grant unless it is intended, and then make it in the reviewed manifests with
//! its owner and review date; `rampart explain` on the named rule says how to narrow it.
//!
//! ## Example
//!
//! ```text
//! audit.log:21: audit-rbac-risky-grant: alice ClusterRoleBinding/pwn grants cluster-admin to user alice (rbac-cluster-admin-binding)
//! ```

use super::{Context, Hit, Rule, kind_of, manifest_hits, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-rbac-risky-grant",
        title: "A role or binding granting risky access reached the cluster",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Revert the grant unless intended; make it in the reviewed manifests, narrowed as the named rule explains.",
    },
    check,
    source: include_str!("rbac_risky_grant.rs"),
    falco: &[
        "Attach to cluster-admin Role",
        "ClusterRole With Wildcard Created",
        "ClusterRole With Pod Exec Created",
    ],
    needs_request_object: true,
};

const MANIFEST_RULES: &[&str] = &[
    "rbac-wildcard",
    "rbac-dangerous-permissions",
    "rbac-secrets-read",
    "rbac-cluster-admin-binding",
    "rbac-anonymous-binding",
];

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let resource = event.resource();
    if !matches!(
        resource,
        "roles" | "clusterroles" | "rolebindings" | "clusterrolebindings"
    ) || event.api_group() != "rbac.authorization.k8s.io"
        || event.subresource().is_some()
    {
        return;
    }
    if !writes(event) || !event.succeeded() {
        return;
    }
    manifest_hits(event, kind_of(resource), MANIFEST_RULES, out);
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn rbac(verb: &str, resource: &str, target: &str, object: &str) -> String {
        event(
            "alice",
            verb,
            resource,
            target,
            201,
            &format!("\"requestObject\":{object}"),
        )
        .replace(
            "\"apiVersion\":\"v1\"",
            "\"apiGroup\":\"rbac.authorization.k8s.io\",\"apiVersion\":\"v1\"",
        )
    }

    #[test]
    fn fires_on_wildcards_exec_and_cluster_admin() {
        let wildcard = rbac(
            "create",
            "clusterroles",
            "everything",
            r#"{"kind":"ClusterRole","apiVersion":"rbac.authorization.k8s.io/v1","metadata":{"name":"everything"},"rules":[{"apiGroups":[""],"resources":["*"],"verbs":["get"]}]}"#,
        );
        let hits = hits(&super::RULE, &wildcard);
        assert!(
            fields(&hits)
                .iter()
                .any(|field| field.starts_with("requestObject.rules[0]")),
            "{hits:?}"
        );
        assert!(
            hits.iter().any(|hit| hit.message.ends_with("(rbac-wildcard)")),
            "{hits:?}"
        );
        let admin = rbac(
            "create",
            "clusterrolebindings",
            "pwn",
            r#"{"metadata":{"name":"pwn"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"cluster-admin"},"subjects":[{"kind":"User","name":"alice","apiGroup":"rbac.authorization.k8s.io"}]}"#,
        );
        let hits = super::super::testing::hits(&super::RULE, &admin);
        assert!(
            hits.iter()
                .any(|hit| hit.message.ends_with("(rbac-cluster-admin-binding)")),
            "{hits:?}"
        );
    }

    #[test]
    fn quiet_on_a_narrow_role_and_without_the_request_object() {
        let narrow = rbac(
            "create",
            "roles",
            "shop/reader",
            r#"{"metadata":{"name":"reader","namespace":"shop"},"rules":[{"apiGroups":[""],"resources":["configmaps"],"verbs":["get"]}]}"#,
        );
        assert!(hits(&super::RULE, &narrow).is_empty());
        let metadata_only = event("alice", "create", "clusterroles", "everything", 201, "").replace(
            "\"apiVersion\":\"v1\"",
            "\"apiGroup\":\"rbac.authorization.k8s.io\",\"apiVersion\":\"v1\"",
        );
        assert!(hits(&super::RULE, &metadata_only).is_empty());
    }
}
