//! ## What it checks
//!
//! That every container and init container requests CPU and memory
//! (`resources.requests.cpu` and `.memory`). A limit without a request
//! counts as a request, because Kubernetes copies the limit in.
//!
//! ## Why it matters
//!
//! The scheduler places pods by their requests. Without them a pod lands on
//! a node that cannot hold it, is the first evicted under pressure
//! (BestEffort), and one noisy workload can starve its neighbours.
//!
//! ## How to fix
//!
//! Set requests from observed usage (p90 is a good start).
//!
//! ## Example
//!
//! ```yaml
//! resources:
//!   requests:
//!     cpu: 100m
//!     memory: 128Mi
//! ```
//!
//! ## Fix safety
//!
//! Needs input: the right requests depend on what the container uses.
//! `rampart fix` lists the container and writes nothing, unless
//! `--requests cpu=100m,memory=128Mi` gives the quantities (both, where
//! `resources.requests` is missing; the one missing otherwise), taken from
//! its observed use.

use super::super::prelude::*;
use super::check_resources;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "resource-requests-set",
        title: "Containers must request CPU and memory",
        severity: Severity::Low,
        controls: &[Control::Workload],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_K8S_10",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_12",
            },
            Reference {
                source: "kube-score",
                id: "container-resources",
            },
        ],
        fix: "Set `resources.requests.cpu` and `resources.requests.memory`.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "resource-requests-set",
    safety: FixSafety::NeedsInput,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, field: &str, context: &FixContext) -> Proposal {
    match crate::fixes::resources_value(field, "requests", &context.inputs.requests) {
        Some(value) => Proposal::set(FixSafety::NeedsInput, &value),
        None => Proposal::manual(
            FixSafety::NeedsInput,
            "the requests depend on what the container uses: set resources.requests from its observed use, or give them with --requests cpu=...,memory=...",
        ),
    }
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    check_resources(pod, "requests", Some("limits"), out);
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_missing_requests() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n    resources:\n      requests:\n        cpu: 100m\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "spec.containers[0].resources.requests"),
                (10, "spec.containers[1].resources.requests.memory"),
            ],
        );
        assert!(findings[0].message.contains("cpu or memory"));
    }

    #[test]
    fn quiet_when_requested_or_defaulted_from_limits() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    resources: {requests: {cpu: 1, memory: 1Gi}}\n  - name: b\n    resources: {limits: {cpu: 1, memory: 1Gi}}\n  ephemeralContainers:\n  - name: debug\n",
        );
    }
}
