//! ## What it checks
//!
//! That no RoleBinding or ClusterRoleBinding grants a role to a namespace's
//! `default` service account.
//!
//! ## Why it matters
//!
//! Every pod that names no service account runs as `default`. A permission
//! given to it is given to all of them, including the ones added later by
//! someone who never saw the binding.
//!
//! ## How to fix
//!
//! Create a service account for the workload that needs the permission and
//! bind that one.
//!
//! ## Example
//!
//! ```yaml
//! subjects:
//!   - kind: ServiceAccount
//!     name: checkout
//!     namespace: shop
//! ```

use super::super::prelude::*;
use super::{binding_subjects, is_binding};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-default-sa-binding",
        title: "No role is bound to a default service account",
        severity: Severity::Medium,
        controls: &[Control::Rbac, Control::Isolation],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.1.5",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_42",
            },
        ],
        fix: "Bind a dedicated service account of the workload instead of `default`.",
    },
    check: Check::Object(Subjects::Kinds(BINDINGS), check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_binding(object) {
        return;
    }
    let role = object
        .root
        .get_path("roleRef.name")
        .and_then(Node::as_str)
        .unwrap_or("?");
    for (index, kind, name, node) in binding_subjects(object) {
        if kind == "ServiceAccount" && name == "default" {
            let namespace = node
                .get("namespace")
                .and_then(Node::as_str)
                .unwrap_or_else(|| context.namespace_of(object));
            out.report(
                node.pos,
                format!("subjects[{index}]"),
                None,
                format!(
                    "{} `{}` grants `{role}` to the default service account of `{namespace}`",
                    object.kind, object.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_default_accounts() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: ServiceAccount, name: default}\n- {kind: ServiceAccount, name: checkout}\n",
        );
        assert_findings(&findings, &[(6, "subjects[0]")]);
        assert!(findings[0].message.contains("`shop`"));
    }

    #[test]
    fn quiet_for_dedicated_accounts() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects: [{kind: ServiceAccount, name: checkout}, {kind: User, name: default}]\n",
        );
    }
}
