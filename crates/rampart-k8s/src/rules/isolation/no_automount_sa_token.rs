//! ## What it checks
//!
//! That the pod does not get a service-account token it did not ask for:
//! `automountServiceAccountToken: false` on the pod, or, when the pod does
//! not set it, on its ServiceAccount (when that account is part of the
//! scan). An explicit `true` on the pod is reported wherever the account
//! stands.
//!
//! ## Why it matters
//!
//! The mounted token is a credential for the Kubernetes API. Most
//! applications never call the API, so the token only serves an attacker
//! who gets into the container: to list secrets, create pods, or move
//! sideways, with whatever the account was granted.
//!
//! ## How to fix
//!
//! Set `automountServiceAccountToken: false` on the ServiceAccount or the
//! pod. Workloads that call the API set it to `true` on the pod alone, with
//! an exception that says why.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: ServiceAccount
//! metadata:
//!   name: checkout
//! automountServiceAccountToken: false
//! ```
//!
//! ## Fix safety
//!
//! Safe when no RoleBinding or ClusterRoleBinding of the scan names the
//! pod's service account: a token that grants nothing is not used (beyond
//! discovery). Otherwise unsafe, applied only with `--unsafe`: a pod that
//! calls the API (an operator, a controller, leader election, a Vault or
//! OIDC login with the account's token) stops working. `rampart fix`
//! writes `automountServiceAccountToken: false` on the pod.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-automount-sa-token",
        title: "Service-account tokens must not be mounted unless needed",
        severity: Severity::Medium,
        controls: &[Control::Isolation, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.1.6",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_38",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0036",
            },
            Reference {
                source: "Polaris",
                id: "automountServiceAccountToken",
            },
        ],
        fix: "Set `automountServiceAccountToken: false` on the pod or its ServiceAccount.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "no-automount-sa-token",
    safety: FixSafety::Safe,
    propose,
};

fn propose(pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, context: &FixContext) -> Proposal {
    let account = pod
        .spec
        .get("serviceAccountName")
        .or_else(|| pod.spec.get("serviceAccount"))
        .and_then(Node::as_str)
        .filter(|name| !name.is_empty())
        .unwrap_or("default");
    let namespace = pod.object.namespace.as_deref().unwrap_or("default");
    let bound = context
        .bound_accounts
        .contains(&(namespace.to_string(), account.to_string()));
    Proposal::set(if bound { FixSafety::Unsafe } else { FixSafety::Safe }, "false")
}

fn check(pod: &PodSpec<'_>, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(field) = pod.field("automountServiceAccountToken") {
        match field.node.as_bool() {
            Some(false) => return,
            Some(true) => {
                out.report(
                    field.node.pos,
                    field.path,
                    None,
                    "pod mounts its service-account token (automountServiceAccountToken: true)".to_string(),
                );
                return;
            }
            None => {}
        }
    }
    let account = pod
        .spec
        .get("serviceAccountName")
        .or_else(|| pod.spec.get("serviceAccount"))
        .and_then(Node::as_str)
        .filter(|n| !n.is_empty())
        .unwrap_or("default");
    let namespace = context.namespace_of(pod.object).to_string();
    out.report_if(
        Condition::UnlessServiceAccountDisablesAutomount {
            namespace,
            name: account.to_string(),
        },
        pod.spec.pos,
        pod.path("automountServiceAccountToken"),
        None,
        format!(
            "pod gets a token of service account `{account}` mounted; neither the pod nor the account turns automount off"
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_when_nothing_turns_it_off() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  serviceAccountName: app\n  containers: [{name: a}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app}\nautomountServiceAccountToken: true\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q}\nspec:\n  automountServiceAccountToken: true\n  serviceAccountName: quiet\n  containers: [{name: a}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: quiet}\nautomountServiceAccountToken: false\n",
        );
        assert_findings(
            &findings,
            &[
                (4, "spec.automountServiceAccountToken"),
                (17, "spec.automountServiceAccountToken"),
            ],
        );
    }

    #[test]
    fn quiet_when_the_pod_or_its_account_in_the_same_namespace_turns_it_off() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  automountServiceAccountToken: false\n  containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  serviceAccountName: app\n  containers: [{name: a}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: shop}\nautomountServiceAccountToken: false\n",
        );
    }

    #[test]
    fn an_account_in_another_namespace_does_not_count() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  serviceAccountName: app\n  containers: [{name: a}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: app, namespace: other}\nautomountServiceAccountToken: false\n",
        );
        assert_findings(&findings, &[(4, "spec.automountServiceAccountToken")]);
    }
}
