//! ## What it checks
//!
//! In a cluster audit, that a validating admission webhook judging pod
//! creation whose `namespaceSelector` only leaves namespaces out (`NotIn`,
//! `DoesNotExist`: the policy engines' way of exempting) does not leave out
//! a namespace that runs workloads. The `kube-*` namespaces and the
//! webhook's own namespace (where its Service is) are exempt on purpose
//! and not reported; opt-in selectors (`matchLabels`, `In`, `Exists`),
//! which choose what a webhook serves, are not judged. A namespace's labels
//! are those the cluster shows, plus `kubernetes.io/metadata.name`, which
//! the API server sets on every namespace.
//!
//! ## Why it matters
//!
//! An exemption label is a door around every policy the engine enforces:
//! whoever may label a namespace can take it out of admission control,
//! and an exemption added for a migration tends to stay. The workloads in
//! such a namespace are admitted without the checks the rest of the
//! cluster relies on.
//!
//! ## How to fix
//!
//! Remove the exemption label from the namespace (or the value from the
//! webhook's `NotIn` list); if the namespace needs an exception, grant it
//! per rule with a dated, owned exception instead of taking it out of
//! admission as a whole. Restrict who may label namespaces.
//!
//! ## Example
//!
//! ```sh
//! kubectl label namespace payments policy.example.com/ignore-
//! ```
//!
//! ## Fix safety
//!
//! Pods the namespace creates afterwards are judged: those breaking an
//! enforced policy are refused. Run the engine in audit mode on the
//! namespace first.

use std::collections::BTreeSet;

use crate::selector::Labels;

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "webhook-skips-workload-namespaces",
        title: "Webhooks do not exempt namespaces with workloads",
        severity: Severity::Medium,
        controls: &[Control::Admission],
        pss: None,
        references: &[],
        fix: "Remove the exemption from the namespace; grant a dated, owned exception per rule instead.",
    },
    check: Check::Inventory(
        Subjects::InCluster(&[("admissionregistration.k8s.io", "ValidatingWebhookConfiguration")]),
        check,
    ),
};

/// How many namespaces a finding names before it counts the rest.
const NAMED: usize = 5;

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    let workload_namespaces: BTreeSet<&str> = inventory.workloads.iter().map(|w| w.namespace.as_str()).collect();
    for webhook in &inventory.cluster.webhooks {
        if !webhook.namespace_selector.only_excludes() {
            continue;
        }
        let skipped: Vec<&str> = workload_namespaces
            .iter()
            .copied()
            .filter(|namespace| {
                !namespace.starts_with("kube-") && Some(*namespace) != webhook.service_namespace.as_deref()
            })
            .filter(|namespace| {
                let mut labels: Labels = inventory
                    .namespace(namespace)
                    .map(|n| n.labels.clone())
                    .unwrap_or_default();
                labels.insert("kubernetes.io/metadata.name".to_string(), namespace.to_string());
                !webhook.namespace_selector.matches(&labels)
            })
            .collect();
        if skipped.is_empty() {
            continue;
        }
        let mut named = skipped.iter().take(NAMED).copied().collect::<Vec<_>>().join(", ");
        if skipped.len() > NAMED {
            named.push_str(&format!(" and {} more", skipped.len() - NAMED));
        }
        let plural = if skipped.len() == 1 { "" } else { "s" };
        out.report(
            &webhook.site,
            webhook.site.pos,
            webhook.field.clone(),
            format!(
                "webhook `{}` of ValidatingWebhookConfiguration `{}` leaves out {} namespace{plural} running workloads: {named}",
                webhook.name,
                webhook.configuration,
                skipped.len()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const CONFIGURATION: &str = "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {name: policy}\nwebhooks:\n- name: validate.policy.example.com\n  clientConfig: {service: {name: policy, namespace: policy-system}}\n  rules: [{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}]\n  namespaceSelector:\n    matchExpressions:\n    - {key: policy.example.com/ignore, operator: DoesNotExist}\n    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [monitoring]}\n---\n";

    fn namespace(name: &str, labels: &str) -> String {
        format!("apiVersion: v1\nkind: Namespace\nmetadata:\n  name: {name}\n  labels: {{{labels}}}\n---\n")
    }

    fn workload(namespace: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: app, namespace: {namespace}}}\nspec:\n  containers: [{{name: c, image: 'app:1'}}]\n---\n"
        )
    }

    fn objects() -> String {
        [
            CONFIGURATION.to_string(),
            namespace("shop", ""),
            namespace("payments", "policy.example.com/ignore: 'true'"),
            workload("shop"),
            workload("payments"),
            workload("monitoring"),
            workload("kube-system"),
            workload("policy-system"),
        ]
        .concat()
    }

    #[test]
    fn fires_on_an_exempting_selector_that_leaves_workload_namespaces_out() {
        let findings = run_with(&super::RULE, &objects(), &in_cluster(&[]));
        assert_findings(&findings, &[(8, "webhooks[0].namespaceSelector")]);
        assert_eq!(
            findings[0].message,
            "webhook `validate.policy.example.com` of ValidatingWebhookConfiguration `policy` leaves out 2 namespaces running workloads: monitoring, payments"
        );
    }

    #[test]
    fn quiet_for_opt_in_selectors_for_exempt_namespaces_and_in_a_repository() {
        let opt_in = objects().replace(
            "    matchExpressions:\n    - {key: policy.example.com/ignore, operator: DoesNotExist}\n    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [monitoring]}\n",
            "    matchLabels: {policy.example.com/enforce: 'true'}\n",
        );
        assert!(run_with(&super::RULE, &opt_in, &in_cluster(&[])).is_empty());
        let only_exempt = [
            CONFIGURATION.to_string(),
            namespace("shop", ""),
            workload("shop"),
            workload("kube-system"),
            workload("policy-system"),
        ]
        .concat();
        assert!(run_with(&super::RULE, &only_exempt, &in_cluster(&[])).is_empty());
        assert_quiet(&super::RULE, &objects());
    }
}
