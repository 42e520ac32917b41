//! ## What it checks
//!
//! That a Service's selector matches the pod labels of at least one workload
//! of its namespace in the scan. Services without a selector (endpoints
//! managed by hand) are not checked, and neither are Services of namespaces
//! where the scan holds no workload at all, or holds custom resources (an
//! operator may create the pods): the rule judges only what was scanned.
//! Selector labels that controllers add at run time
//! (`statefulset.kubernetes.io/pod-name`, `pod-template-hash`, ...) are left
//! out of the comparison.
//!
//! ## Why it matters
//!
//! A Service that selects nothing is a typo waiting to become an outage, or
//! a leftover that a later, unrelated workload with matching labels will
//! silently start receiving traffic for.
//!
//! ## How to fix
//!
//! Fix the selector or the pod labels, or delete the Service.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   selector: {app: checkout}   # matches spec.template.metadata.labels
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "service-selects-pods",
        title: "Services must select some pod",
        severity: Severity::Low,
        controls: &[Control::Workload],
        pss: None,
        references: &[
            Reference {
                source: "kube-score",
                id: "service-targets-pod",
            },
            Reference {
                source: "kube-linter",
                id: "dangling-service",
            },
        ],
        fix: "Make the selector match the workload's pod labels, or delete the Service.",
    },
    check: Check::Inventory(Subjects::Kinds(SERVICES), check),
};

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    for service in &inventory.services {
        let Some(selector) = &service.selector else {
            continue;
        };
        if inventory.custom_resource_namespaces.contains(&service.namespace) {
            continue;
        }
        if inventory.workloads_in(&service.namespace).next().is_none() {
            continue;
        }
        if inventory
            .workloads_matching(&service.namespace, selector)
            .next()
            .is_some()
        {
            continue;
        }
        out.report(
            &service.site,
            service.site.pos,
            "spec.selector".to_string(),
            format!(
                "Service `{}` selects no pod of namespace `{}` {}",
                service.name,
                service.namespace,
                context.looked_in()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const WEB: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec: {containers: [{name: a}]}\n";

    #[test]
    fn fires_for_a_selector_that_matches_nothing() {
        let yaml = format!(
            "{WEB}---\napiVersion: v1\nkind: Service\nmetadata: {{name: typo, namespace: shop}}\nspec:\n  selector: {{app: wbe}}\n"
        );
        assert_findings(&run(&super::RULE, &yaml), &[(9, "spec.selector")]);
    }

    #[test]
    fn quiet_where_an_operator_may_create_the_pods() {
        let yaml = format!(
            "{WEB}---\napiVersion: v1\nkind: Service\nmetadata: {{name: prometheus, namespace: shop}}\nspec: {{selector: {{app: prometheus}}}}\n---\napiVersion: monitoring.coreos.com/v1\nkind: Prometheus\nmetadata: {{name: k8s, namespace: shop}}\nspec: {{replicas: 2}}\n"
        );
        assert_quiet(&super::RULE, &yaml);
    }

    #[test]
    fn quiet_for_matching_selectorless_or_unscanned_namespaces() {
        let yaml = format!(
            "{WEB}---\napiVersion: v1\nkind: Service\nmetadata: {{name: web, namespace: shop}}\nspec: {{selector: {{app: web}}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: external, namespace: shop}}\nspec: {{ports: [{{port: 80}}]}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: other, namespace: elsewhere}}\nspec: {{selector: {{app: x}}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {{name: web-0, namespace: shop}}\nspec: {{selector: {{app: web, statefulset.kubernetes.io/pod-name: web-0}}}}\n"
        );
        assert_quiet(&super::RULE, &yaml);
    }
}
