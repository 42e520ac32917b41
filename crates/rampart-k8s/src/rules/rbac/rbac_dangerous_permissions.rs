//! ## What it checks
//!
//! That no role rule names a permission that lets its holder gain more
//! permissions or reach other workloads:
//!
//! - `escalate` or `bind` on roles and cluster roles; `impersonate` on
//!   users, groups, service accounts;
//! - `create` (or `get`, which sufficed for WebSocket clients before 1.31)
//!   on `pods/exec` and `pods/attach`; `create`, `update` or `patch` on
//!   `pods/ephemeralcontainers`; `create` on `serviceaccounts/token`; any
//!   verb on `nodes/proxy`;
//! - `create`, `update` or `patch` on pods or workload controllers (pods,
//!   deployments, replicasets, statefulsets, daemonsets, jobs, cronjobs,
//!   replicationcontrollers): the holder can run a pod as any service
//!   account of the namespace and so use its permissions; rewriting an
//!   existing pod template is the same escalation as creating one;
//! - `create` on `persistentvolumes` (a hostPath volume mounts any node
//!   path) and on `secrets` (a Secret of type
//!   `kubernetes.io/service-account-token` mints a token for any service
//!   account of the namespace);
//! - `update`/`patch` on `certificatesigningrequests/approval`, `approve` on
//!   `signers`;
//! - `create`/`update`/`patch`/`delete` on validating or mutating webhook
//!   configurations.
//!
//! One finding per rule entry lists what it grants. Grants reached only
//! through `*` are reported by `rbac-wildcard`.
//!
//! ## Why it matters
//!
//! Each of these is a known privilege-escalation path: exec into a pod that
//! holds a stronger token, mint a token for any service account, bind
//! yourself cluster-admin, approve your own client certificate, or
//! intercept every admission request.
//!
//! ## How to fix
//!
//! Keep such permissions for the few operators that need them, on separate
//! roles with an owner, a review date and an audit-log alert.
//!
//! ## Example
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["pods", "pods/log"]
//!     verbs: ["get", "list"]
//! ```

use super::super::prelude::*;
use super::{is_role, role_rules};
use crate::rbac::PolicyRule;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-dangerous-permissions",
        title: "Roles must not grant escalation paths",
        severity: Severity::High,
        controls: &[Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.1.8",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_155",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_156",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_157",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_158",
            },
            Reference {
                source: "kube-linter",
                id: "access-to-create-pods",
            },
        ],
        fix: "Move the permission to a separate, owned and reviewed operator role, or drop it.",
    },
    check: Check::Object(Subjects::Kinds(ROLES), check),
};

/// (verbs, API group, resources, what it allows)
const DANGEROUS: &[(&[&str], &str, &[&str], &str)] = &[
    (
        &["escalate"],
        "rbac.authorization.k8s.io",
        &["roles", "clusterroles"],
        "escalate roles",
    ),
    (
        &["bind"],
        "rbac.authorization.k8s.io",
        &["roles", "clusterroles"],
        "bind roles",
    ),
    (
        &["impersonate"],
        "",
        &["users", "groups", "serviceaccounts"],
        "impersonate",
    ),
    (
        &["impersonate"],
        "authentication.k8s.io",
        &["userextras", "uids"],
        "impersonate",
    ),
    // `get` too: before 1.31, exec and attach over WebSockets needed only it.
    (&["create", "get"], "", &["pods/exec", "pods/attach"], "exec into pods"),
    (
        &["create", "update", "patch"],
        "",
        &["pods/ephemeralcontainers"],
        "add debug containers to pods",
    ),
    (
        &["create"],
        "",
        &["serviceaccounts/token"],
        "mint service-account tokens",
    ),
    (
        &["get", "create", "update", "patch", "delete"],
        "",
        &["nodes/proxy"],
        "proxy to kubelets",
    ),
    // Rewriting a pod template (patch, update) runs code as the workload's
    // service account just as creating one does.
    (
        &["create", "update", "patch"],
        "",
        &["pods", "replicationcontrollers"],
        "create or rewrite pods",
    ),
    (
        &["create", "update", "patch"],
        "apps",
        &["deployments", "replicasets", "statefulsets", "daemonsets"],
        "create or rewrite workloads",
    ),
    (
        &["create", "update", "patch"],
        "batch",
        &["jobs", "cronjobs"],
        "create or rewrite workloads",
    ),
    // A hostPath PersistentVolume mounts any node path into a pod.
    (
        &["create"],
        "",
        &["persistentvolumes"],
        "create (hostPath) persistent volumes",
    ),
    // A Secret of type service-account-token mints a token for any
    // service account of the namespace.
    (
        &["create"],
        "",
        &["secrets"],
        "create Secrets (a token Secret mints any service account's token)",
    ),
    (
        &["update", "patch"],
        "certificates.k8s.io",
        &["certificatesigningrequests/approval"],
        "approve certificate requests",
    ),
    (
        &["approve"],
        "certificates.k8s.io",
        &["signers"],
        "approve certificate requests",
    ),
    (
        &["create", "update", "patch", "delete"],
        "admissionregistration.k8s.io",
        &["validatingwebhookconfigurations", "mutatingwebhookconfigurations"],
        "change admission webhooks",
    ),
];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_role(object) {
        return;
    }
    for (rule, node) in role_rules(object) {
        let grants = explicit_grants(&rule);
        if grants.is_empty() {
            continue;
        }
        out.report(
            node.pos,
            format!("rules[{}]", rule.index),
            None,
            format!(
                "{} `{}` rule {} lets its holder {}",
                object.kind,
                object.name,
                rule.index,
                grants.join(", ")
            ),
        );
    }
}

/// What the rule grants by naming verb and resource (not through `*`).
fn explicit_grants(rule: &PolicyRule) -> Vec<&'static str> {
    let mut grants: Vec<&'static str> = Vec::new();
    for (verbs, group, resources, what) in DANGEROUS {
        let verb = verbs.iter().any(|v| rule.verbs.iter().any(|r| r == v));
        let resource = resources.iter().any(|res| rule.resources.iter().any(|r| r == res));
        let in_group = rule.api_groups.iter().any(|g| g == group || g == "*");
        if verb && resource && in_group && !grants.contains(what) {
            grants.push(what);
        }
    }
    grants
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_once_per_rule_listing_the_grants() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, pods/exec]\n  verbs: [get, create]\n- apiGroups: [rbac.authorization.k8s.io]\n  resources: [clusterroles]\n  verbs: [bind, escalate]\n- apiGroups: [admissionregistration.k8s.io]\n  resources: [mutatingwebhookconfigurations]\n  verbs: [patch]\n- apiGroups: [\"\"]\n  resources: [nodes/proxy]\n  verbs: [get]\n",
        );
        assert_findings(
            &findings,
            &[(5, "rules[0]"), (8, "rules[1]"), (11, "rules[2]"), (14, "rules[3]")],
        );
        assert!(
            findings[0].message.contains("exec into pods") && findings[0].message.contains("create or rewrite pods")
        );
        assert!(findings[1].message.contains("escalate roles") && findings[1].message.contains("bind roles"));
    }

    #[test]
    fn rewriting_workloads_and_creating_volumes_or_secrets_are_escalation_paths() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: x}\nrules:\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [get, patch]\n- apiGroups: [batch]\n  resources: [cronjobs]\n  verbs: [update]\n- apiGroups: [\"\"]\n  resources: [persistentvolumes]\n  verbs: [create]\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [create]\n- apiGroups: [\"\"]\n  resources: [secrets, configmaps]\n  verbs: [get, update]\n",
        );
        assert_findings(
            &findings,
            &[(5, "rules[0]"), (8, "rules[1]"), (11, "rules[2]"), (14, "rules[3]")],
        );
        assert!(findings[0].message.contains("create or rewrite workloads"));
        assert!(findings[2].message.contains("persistent volumes"));
        assert!(findings[3].message.contains("token Secret"));
    }

    #[test]
    fn quiet_for_read_only_and_wildcard_only_rules() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: x}\nrules:\n- apiGroups: [\"\"]\n  resources: [pods, pods/log]\n  verbs: [get, list, watch]\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [\"*\"]\n",
        );
    }
}
