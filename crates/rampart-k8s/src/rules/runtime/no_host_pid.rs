//! ## What it checks
//!
//! That the pod spec does not set `hostPID: true`.
//!
//! ## Why it matters
//!
//! A pod with `hostPID` sees every process of the node: it can read their environment (secrets included) through /proc and, with ptrace, take them over. The Pod Security Standards baseline
//! forbids it.
//!
//! ## How to fix
//!
//! Remove `hostPID: true` (the default is `false`). Node agents that truly
//! need it belong in a dedicated namespace, with an exception that expires.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   hostPID: false
//! ```
//!
//! ## Fix safety
//!
//! Unsafe, applied only with `--unsafe`: `rampart fix` writes `hostPID: false`;
//! the pod no longer sees the node's processes: a monitoring or debugging agent that reads them stops working.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-host-pid",
        title: "Pods must not share the node's PID namespace",
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
                id: "5.2.3",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_17",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0010",
            },
        ],
        fix: "Remove `hostPID: true` from the pod spec.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "no-host-pid",
    safety: FixSafety::Unsafe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    Proposal::set(FixSafety::Unsafe, "false")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(field) = pod.field("hostPID")
        && field.node.as_bool() == Some(true)
    {
        out.report(
            field.node.pos,
            field.path,
            None,
            "pod shares the node's PID namespace (`hostPID: true`)".to_string(),
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
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostPID: true\n          containers: [{name: a}]\n",
        );
        assert_findings(&findings, &[(9, "spec.jobTemplate.spec.template.spec.hostPID")]);
    }

    #[test]
    fn quiet_when_false_unset_or_not_a_workload() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: false\n  containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  hostPID: true\n",
        );
    }
}
