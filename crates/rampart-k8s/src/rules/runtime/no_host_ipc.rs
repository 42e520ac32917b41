//! ## What it checks
//!
//! That the pod spec does not set `hostIPC: true`.
//!
//! ## Why it matters
//!
//! A pod with `hostIPC` shares the node's System V IPC and POSIX shared memory: it can read and write the shared memory of other processes on the node. The Pod Security Standards baseline
//! forbids it.
//!
//! ## How to fix
//!
//! Remove `hostIPC: true` (the default is `false`). Node agents that truly
//! need it belong in a dedicated namespace, with an exception that expires.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   hostIPC: false
//! ```
//!
//! ## Fix safety
//!
//! Unsafe, applied only with `--unsafe`: `rampart fix` writes `hostIPC: false`;
//! the pod no longer shares the node's shared memory and semaphores: a process that talks to a node daemon that way stops working.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-host-ipc",
        title: "Pods must not share the node's IPC namespace",
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
                id: "5.2.4",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_18",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0008",
            },
        ],
        fix: "Remove `hostIPC: true` from the pod spec.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "no-host-ipc",
    safety: FixSafety::Unsafe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    Proposal::set(FixSafety::Unsafe, "false")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(field) = pod.field("hostIPC")
        && field.node.as_bool() == Some(true)
    {
        out.report(
            field.node.pos,
            field.path,
            None,
            "pod shares the node's IPC namespace (`hostIPC: true`)".to_string(),
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
            "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          hostIPC: true\n          containers: [{name: a}]\n",
        );
        assert_findings(&findings, &[(9, "spec.jobTemplate.spec.template.spec.hostIPC")]);
    }

    #[test]
    fn quiet_when_false_unset_or_not_a_workload() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostIPC: false\n  containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: example.com/v1\nkind: Widget\nmetadata: {name: w}\nspec:\n  hostIPC: true\n",
        );
    }
}
