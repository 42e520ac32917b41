//! ## What it checks
//!
//! That every workload is selected by at least one NetworkPolicy of its
//! namespace, with full label-selector semantics (`matchLabels`,
//! `matchExpressions`, `podSelector: {}` selects every pod). It judges only
//! the scanned manifests.
//!
//! ## Why it matters
//!
//! A pod that no policy selects is not isolated at all: it accepts traffic
//! from anywhere in the cluster and may connect anywhere, whatever the other
//! policies of the namespace say.
//!
//! ## How to fix
//!
//! Add a default-deny policy to the namespace (it selects every pod), then
//! a policy for the workload's allowed flows, selecting its pod labels.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   podSelector:
//!     matchLabels: {app: checkout}
//!   policyTypes: [Ingress, Egress]
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "workload-network-policy",
        title: "Workloads must be selected by a NetworkPolicy",
        severity: Severity::Medium,
        controls: &[Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "kube-score",
                id: "pod-networkpolicy",
            },
            Reference {
                source: "kube-linter",
                id: "non-isolated-pod",
            },
            Reference {
                source: "Polaris",
                id: "missingNetworkPolicy",
            },
        ],
        fix: "Add a NetworkPolicy in the workload's namespace whose podSelector matches its pod labels.",
    },
    check: Check::Inventory(check),
};

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    for workload in &inventory.workloads {
        let selected = inventory
            .policies_in(&workload.namespace)
            .any(|p| p.selector.matches(&workload.labels));
        if !selected {
            out.report(
                &workload.site,
                workload.labels_pos,
                workload.labels_field.clone(),
                format!(
                    "{} `{}` is selected by no NetworkPolicy of namespace `{}`",
                    workload.kind, workload.name, workload.namespace
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const DEPLOYMENTS: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: web, tier: front}\n    spec:\n      containers: [{name: a}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db, namespace: shop}\nspec:\n  template:\n    metadata:\n      labels: {app: db}\n    spec:\n      containers: [{name: a}]\n";

    #[test]
    fn fires_for_workloads_no_policy_selects() {
        let yaml = format!(
            "{DEPLOYMENTS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: web, namespace: shop}}\nspec:\n  podSelector:\n    matchExpressions: [{{key: tier, operator: In, values: [front]}}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: db, namespace: elsewhere}}\nspec:\n  podSelector: {{matchLabels: {{app: db}}}}\n"
        );
        let findings = run(&super::RULE, &yaml);
        assert_findings(&findings, &[(17, "spec.template.metadata.labels")]);
        assert!(findings[0].message.contains("`db`"));
    }

    #[test]
    fn quiet_when_an_empty_selector_covers_the_namespace() {
        let yaml = format!(
            "{DEPLOYMENTS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress]\n"
        );
        assert_quiet(&super::RULE, &yaml);
    }
}
