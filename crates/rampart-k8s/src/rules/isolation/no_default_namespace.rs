//! ## What it checks
//!
//! That no workload lands in the `default` namespace: its
//! `metadata.namespace` is set to something else, or, when unset, the scan's
//! `--namespace` (default `default`, as for `kubectl apply`) is.
//!
//! ## Why it matters
//!
//! Namespaces are the unit of isolation: Pod Security labels, network
//! policies, quotas and RBAC all attach to them. `default` usually has none
//! of that, and whatever runs there shares it with everything else put there
//! by accident.
//!
//! ## How to fix
//!
//! Give each service its own namespace and set `metadata.namespace`, or
//! scan Helm output rendered with `--namespace`.
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   name: checkout
//!   namespace: shop
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-default-namespace",
        title: "Workloads must not run in the default namespace",
        severity: Severity::Medium,
        controls: &[Control::Isolation],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.7.4",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_21",
            },
            Reference {
                source: "kube-linter",
                id: "use-namespace",
            },
        ],
        fix: "Set `metadata.namespace` to the service's own namespace.",
    },
    check: Check::Object(Subjects::Workloads, check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let is_workload = context.config.workload_kinds.find(object).is_some();
    if !is_workload || context.namespace_of(object) != "default" {
        return;
    }
    let metadata = object.root.get("metadata");
    match metadata.and_then(|m| m.get("namespace")).filter(|n| !n.is_null()) {
        Some(node) => out.report(
            node.pos,
            "metadata.namespace".to_string(),
            None,
            format!("{} `{}` runs in the default namespace", object.kind, object.name),
        ),
        None => out.report(
            metadata.map(|m| m.pos).unwrap_or(object.root.pos),
            "metadata.namespace".to_string(),
            None,
            format!(
                "{} `{}` sets no namespace, so it lands in `default` (scan with --namespace if it is applied with -n)",
                object.kind, object.name
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ScanConfig;
    use crate::rule_testing::*;

    const UNSET: &str = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\nspec:\n  containers: [{name: a}]\n";

    #[test]
    fn fires_when_default_or_unset() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  namespace: default\nspec:\n  containers: [{name: a}]\n",
        );
        assert_findings(&findings, &[(5, "metadata.namespace")]);
        assert_findings(&run(&super::RULE, UNSET), &[(3, "metadata.namespace")]);
    }

    #[test]
    fn quiet_in_a_named_namespace_or_with_a_scan_namespace() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers: [{name: a}]\n",
        );
        let config = ScanConfig {
            default_namespace: "shop".to_string(),
            ..ScanConfig::default()
        };
        assert!(run_with(&super::RULE, UNSET, &config).is_empty());
    }

    #[test]
    fn quiet_for_objects_that_are_not_workloads() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: c}\ndata: {a: b}\n",
        );
    }
}
