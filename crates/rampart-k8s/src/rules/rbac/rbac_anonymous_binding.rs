//! ## What it checks
//!
//! That no RoleBinding or ClusterRoleBinding has `system:unauthenticated`,
//! `system:anonymous`, `system:authenticated` or `system:serviceaccounts`
//! (every service account of the cluster) as a subject, and that no
//! ClusterRoleBinding grants `system:serviceaccounts:<namespace>` (every
//! service account of a namespace) its role cluster-wide. A RoleBinding to
//! a namespace's own service-account group stays within that namespace and
//! is not reported.
//!
//! ## Why it matters
//!
//! `system:anonymous` and `system:unauthenticated` are whoever reaches the
//! API server without credentials; `system:authenticated` is anyone with any
//! credential, including every service account of every namespace and, on
//! some managed clusters, any account of the cloud provider. A permission
//! given to them is given to the world. `system:serviceaccounts` is the
//! token of any pod: one compromised pod, anywhere, holds the grant.
//!
//! ## How to fix
//!
//! Bind named users, groups of your identity provider, or service accounts.
//!
//! ## Example
//!
//! ```yaml
//! subjects:
//!   - kind: Group
//!     name: platform-team
//! ```

use super::super::prelude::*;
use super::{binding_subjects, is_binding};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-anonymous-binding",
        title: "No binding to anonymous or all authenticated users",
        severity: Severity::Critical,
        controls: &[Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Kubescape",
                id: "C-0262",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0122",
            },
        ],
        fix: "Replace the system group with named users, groups or service accounts.",
    },
    check: Check::Object(Subjects::Kinds(BINDINGS), check),
};

const EVERYONE: &[&str] = &[
    "system:unauthenticated",
    "system:anonymous",
    "system:authenticated",
    // Every service account of the cluster: any pod's token.
    "system:serviceaccounts",
];

/// `system:serviceaccounts:<namespace>`: every service account of one
/// namespace. Granted cluster-wide, any pod there holds the whole grant.
const NAMESPACE_ACCOUNTS: &str = "system:serviceaccounts:";

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_binding(object) {
        return;
    }
    let role = object
        .root
        .get_path("roleRef.name")
        .and_then(Node::as_str)
        .unwrap_or("?");
    let cluster_wide = object.kind == "ClusterRoleBinding";
    for (index, kind, name, node) in binding_subjects(object) {
        if kind != "Group" && kind != "User" {
            continue;
        }
        let whom = if EVERYONE.contains(&name) {
            "everyone it names"
        } else if cluster_wide && name.starts_with(NAMESPACE_ACCOUNTS) {
            "every service account of that namespace, in every namespace"
        } else {
            continue;
        };
        out.report(
            node.pos,
            format!("subjects[{index}]"),
            None,
            format!(
                "{} `{}` grants `{role}` to {kind} `{name}`: {whom}",
                object.kind, object.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_everyone_groups() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: open}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: Group, name: system:authenticated}\n- {kind: User, name: system:anonymous}\n- {kind: Group, name: devs}\n",
        );
        assert_findings(&findings, &[(6, "subjects[0]"), (7, "subjects[1]")]);
    }

    #[test]
    fn fires_on_service_account_groups_granted_cluster_wide() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: sa}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\nsubjects:\n- {kind: Group, name: system:serviceaccounts}\n- {kind: Group, name: system:serviceaccounts:monitoring}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: every-sa, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: Group, name: system:serviceaccounts}\n",
        );
        assert_findings(
            &findings,
            &[(6, "subjects[0]"), (7, "subjects[1]"), (14, "subjects[0]")],
        );
        assert!(
            findings[1].message.contains("in every namespace"),
            "{}",
            findings[1].message
        );
    }

    #[test]
    fn quiet_for_named_subjects_and_a_namespace_granting_its_own_accounts() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: ok, namespace: monitoring}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects:\n- {kind: Group, name: system:serviceaccounts:monitoring}\n- {kind: User, name: alice}\n",
        );
    }
}
