//! ## What it checks
//!
//! That every namespace running workloads has a ResourceQuota or a
//! LimitRange in the scanned manifests. The finding points at the Namespace
//! object when the scan holds it, otherwise at the namespace's first
//! workload.
//!
//! ## Why it matters
//!
//! Without a quota one namespace can take the whole cluster's capacity, by
//! mistake (a runaway HPA, a job loop) or on purpose (a compromised
//! workload spawning pods). A LimitRange also gives containers default
//! requests and limits.
//!
//! ## How to fix
//!
//! Add a ResourceQuota sized for the service, and a LimitRange with
//! defaults.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: v1
//! kind: ResourceQuota
//! metadata: {name: shop, namespace: shop}
//! spec:
//!   hard: {requests.cpu: "4", requests.memory: 8Gi, limits.cpu: "8", limits.memory: 16Gi}
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "namespace-resource-quota",
        title: "Namespaces with workloads must have a quota or limit range",
        severity: Severity::Low,
        controls: &[Control::Workload, Control::Isolation],
        pss: None,
        references: &[
            Reference {
                source: "Trivy",
                id: "KSV-0039",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0040",
            },
        ],
        fix: "Add a ResourceQuota (and a LimitRange with defaults) to the namespace.",
    },
    check: Check::Inventory(Subjects::Workloads, check),
};

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    for (namespace, first) in inventory.namespaces_with_workloads() {
        if inventory.limited_namespaces.contains(namespace) {
            continue;
        }
        let message = format!("namespace `{namespace}` runs workloads but has no ResourceQuota or LimitRange");
        let (site, field) = inventory.namespace_anchor(namespace, first);
        out.report(site, site.pos, field.to_string(), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const PODS: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  containers: [{name: c}]\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: q, namespace: b}\nspec:\n  containers: [{name: c}]\n";

    #[test]
    fn fires_for_namespaces_without_either() {
        let yaml = format!(
            "{PODS}---\napiVersion: v1\nkind: LimitRange\nmetadata: {{name: l, namespace: a}}\nspec: {{limits: []}}\n"
        );
        assert_findings(&run(&super::RULE, &yaml), &[(7, "metadata.namespace")]);
    }

    #[test]
    fn quiet_with_a_quota_or_limit_range_each() {
        let yaml = format!(
            "{PODS}---\napiVersion: v1\nkind: LimitRange\nmetadata: {{name: l, namespace: a}}\nspec: {{limits: []}}\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {{name: q, namespace: b}}\nspec: {{hard: {{pods: \"10\"}}}}\n"
        );
        assert_quiet(&super::RULE, &yaml);
    }
}
