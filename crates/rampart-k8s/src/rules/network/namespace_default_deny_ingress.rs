//! ## What it checks
//!
//! That every namespace running workloads has a default-deny ingress
//! NetworkPolicy: one that selects every pod (`podSelector: {}`), lists
//! `Ingress` in `policyTypes` and allows no ingress. Other policies then allow
//! exactly what is needed.
//!
//! The finding points at the Namespace object when the scan holds it,
//! otherwise at the namespace's first workload. It judges only the scanned
//! manifests: skip it (`--skip namespace-default-deny-ingress`) when the
//! namespace's policies live elsewhere.
//!
//! ## Why it matters
//!
//! Without it, every pod of the namespace accepts connections from every pod of the cluster: one compromised workload anywhere can reach databases, admin ports and internal APIs.
//!
//! ## How to fix
//!
//! Add a default-deny ingress policy to the namespace, then one policy per
//! allowed flow.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: networking.k8s.io/v1
//! kind: NetworkPolicy
//! metadata:
//!   name: default-deny-ingress
//!   namespace: shop
//! spec:
//!   podSelector: {}
//!   policyTypes: [Ingress]
//! ```

use super::super::prelude::*;
use super::report_missing_default_deny;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "namespace-default-deny-ingress",
        title: "Namespaces must deny ingress by default",
        severity: Severity::Medium,
        controls: &[Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "NSA",
                id: "network-separation",
            },
            Reference {
                source: "Kubescape",
                id: "C-0260",
            },
        ],
        fix: "Add a NetworkPolicy with `podSelector: {}` and `policyTypes: [Ingress]` and no ingress rules.",
    },
    check: Check::Inventory(Subjects::Workloads, check),
};

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    report_missing_default_deny(inventory, "ingress", |p| p.default_deny_ingress, context, out);
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const WORKLOADS: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers: [{name: a}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: other}\nspec:\n  containers: [{name: a}]\n";

    #[test]
    fn fires_per_namespace_at_the_namespace_or_its_first_workload() {
        let findings = run(&super::RULE, WORKLOADS);
        assert_findings(&findings, &[(1, "metadata.name"), (12, "metadata.namespace")]);
        assert!(findings[0].message.contains("`shop`"));
    }

    #[test]
    fn a_policy_that_only_allows_does_not_count() {
        let yaml = format!(
            "{WORKLOADS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: allow, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n  ingress: [{{from: [{{podSelector: {{}}}}]}}]\n  egress: [{{to: [{{podSelector: {{}}}}]}}]\n"
        );
        assert_findings(
            &run(&super::RULE, &yaml),
            &[(1, "metadata.name"), (12, "metadata.namespace")],
        );
    }

    #[test]
    fn quiet_with_default_deny_in_each_namespace() {
        let yaml = format!(
            "{WORKLOADS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: other}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n"
        );
        assert_quiet(&super::RULE, &yaml);
    }
}
