//! ## What it checks
//!
//! That every workload is selected, in its namespace, by a NetworkPolicy
//! that governs its ingress and by one that governs its egress (`Ingress`
//! and `Egress` in `policyTypes`; without `policyTypes`, a policy governs
//! ingress, and egress only if it has egress rules). Selection has full
//! label-selector semantics (`matchLabels`, `matchExpressions`,
//! `podSelector: {}` selects every pod). It judges only the scanned
//! manifests.
//!
//! ## Why it matters
//!
//! A pod that no policy selects for a direction is not isolated in that
//! direction: it accepts traffic from anywhere in the cluster, or may
//! connect anywhere, whatever the other policies of the namespace say.
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
    check: Check::Inventory(Subjects::Workloads, check),
};

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    for workload in &inventory.workloads {
        let selecting: Vec<_> = inventory
            .policies_in(&workload.namespace)
            .filter(|p| p.selector.matches(&workload.labels))
            .collect();
        let mut missing = Vec::new();
        if !selecting.iter().any(|p| p.ingress) {
            missing.push("ingress");
        }
        if !selecting.iter().any(|p| p.egress) {
            missing.push("egress");
        }
        if missing.is_empty() {
            continue;
        }
        out.report(
            &workload.site,
            workload.labels_pos,
            workload.labels_field.clone(),
            format!(
                "{} `{}` is selected by no NetworkPolicy governing its {} in namespace `{}`",
                workload.kind,
                workload.name,
                missing.join(" or "),
                workload.namespace
            ),
        );
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
        assert_findings(
            &findings,
            &[
                (7, "spec.template.metadata.labels"),
                (17, "spec.template.metadata.labels"),
            ],
        );
        assert!(findings[0].message.contains("`web`") && findings[0].message.contains("its egress"));
        assert!(findings[1].message.contains("`db`") && findings[1].message.contains("ingress or egress"));
    }

    #[test]
    fn quiet_when_an_empty_selector_covers_the_namespace() {
        let yaml = format!(
            "{DEPLOYMENTS}---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {{name: deny, namespace: shop}}\nspec:\n  podSelector: {{}}\n  policyTypes: [Ingress, Egress]\n"
        );
        assert_quiet(&super::RULE, &yaml);
    }
}
