//! ## What it checks
//!
//! That the pod spec does not set `hostNetwork: true`.
//!
//! ## Why it matters
//!
//! A pod with `hostNetwork` shares the node's network stack: it can bind the node's ports, reach services listening on localhost (the kubelet, cloud metadata proxies) and sniff traffic of other pods on the node. The Pod Security Standards baseline
//! forbids it.
//!
//! ## How to fix
//!
//! Remove `hostNetwork: true` (the default is `false`). Node agents that truly
//! need it belong in a dedicated namespace, with an exception that expires.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   hostNetwork: false
//! ```
//!
//! ## Fix safety
//!
//! Unsafe, applied only with `--unsafe`: `rampart fix` writes `hostNetwork: false`;
//! the pod gets its own network namespace: whatever listened on the node's address, or reached the node's loopback, stops working, and `dnsPolicy: ClusterFirstWithHostNet` loses its point.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-host-network",
        title: "Pods must not share the node's network namespace",
        severity: Severity::High,
        controls: &[Control::Runtime, Control::Isolation],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "hostNamespaces",
            },
            Reference {
                source: "CIS",
                id: "5.2.5",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_19",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0009",
            },
        ],
        fix: "Remove `hostNetwork: true` from the pod spec.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "no-host-network",
    safety: FixSafety::Unsafe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    Proposal::set(FixSafety::Unsafe, "false")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(field) = pod.field("hostNetwork")
        && field.node.as_bool() == Some(true)
    {
        out.report(
            field.node.pos,
            field.path,
            None,
            "pod shares the node's network namespace (`hostNetwork: true`)".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_a_cronjob_pod() {
        let findings = run(
            &super::RULE,
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostNetwork: true\n          containers: [{name: a}]\n",
        );
        assert_findings(&findings, &[(9, "spec.jobTemplate.spec.template.spec.hostNetwork")]);
    }

    #[test]
    fn quiet_when_false_unset_or_not_a_workload() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostNetwork: false\n  containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  hostNetwork: true\n",
        );
    }
}
