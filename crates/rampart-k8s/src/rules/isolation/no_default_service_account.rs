//! ## What it checks
//!
//! That the pod names its own service account: `serviceAccountName` is set
//! and is not `default`.
//!
//! ## Why it matters
//!
//! Every pod of a namespace that sets no service account shares `default`.
//! A permission granted to one of them is granted to all, and the audit log
//! cannot tell them apart. Each service gets its own identity, with only the
//! permissions it needs.
//!
//! ## How to fix
//!
//! Create a ServiceAccount for the workload and set `serviceAccountName`.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   serviceAccountName: checkout
//!   automountServiceAccountToken: false
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-default-service-account",
        title: "Workloads must use their own service account",
        severity: Severity::Medium,
        controls: &[Control::Isolation, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.1.5",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_41",
            },
            Reference {
                source: "kube-linter",
                id: "default-service-account",
            },
        ],
        fix: "Create a ServiceAccount for the workload and set `serviceAccountName`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let field = pod
        .field("serviceAccountName")
        .filter(|f| f.node.as_str().is_some_and(|n| !n.is_empty()))
        .or_else(|| {
            pod.field("serviceAccount")
                .filter(|f| f.node.as_str().is_some_and(|n| !n.is_empty()))
        });
    match field {
        Some(field) if field.node.as_str() != Some("default") => {}
        Some(field) => out.report(
            field.node.pos,
            field.path,
            None,
            "pod runs as the namespace's `default` service account".to_string(),
        ),
        None => out.report(
            pod.spec.pos,
            pod.path("serviceAccountName"),
            None,
            "pod sets no service account, so it runs as `default`".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_when_unset_or_default() {
        let findings = run(
            &super::RULE,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: a}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: default\n  containers: [{name: a}]\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "spec.template.spec.serviceAccountName"),
                (13, "spec.serviceAccountName"),
            ],
        );
    }

    #[test]
    fn quiet_with_a_dedicated_account() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: checkout\n  containers: [{name: a}]\n",
        );
    }
}
