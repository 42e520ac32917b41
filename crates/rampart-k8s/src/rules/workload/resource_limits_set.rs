//! ## What it checks
//!
//! That every container and init container sets CPU and memory limits
//! (`resources.limits.cpu` and `.memory`).
//!
//! ## Why it matters
//!
//! Without a memory limit a leaking or attacked process grows until the
//! node's OOM killer picks a victim, maybe another workload; without a CPU
//! limit a runaway loop (or a cryptominer) takes every core it can get. A
//! namespace with a ResourceQuota rejects pods without limits.
//!
//! ## How to fix
//!
//! Set limits from load tests. Teams that deliberately run without CPU
//! limits record that as an exception with its reason.
//!
//! ## Example
//!
//! ```yaml
//! resources:
//!   limits:
//!     cpu: 500m
//!     memory: 256Mi
//! ```
//!
//! ## Fix safety
//!
//! Needs input: the right limits depend on what the container uses.
//! `rampart fix` lists the container and writes nothing, unless
//! `--limits cpu=500m,memory=256Mi` gives the quantities (both, where
//! `resources.limits` is missing; the one missing otherwise). Measure first:
//! a memory limit below the container's use gets it killed.

use super::super::prelude::*;
use super::check_resources;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "resource-limits-set",
        title: "Containers must set CPU and memory limits",
        severity: Severity::Medium,
        controls: &[Control::Workload],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_K8S_11",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_13",
            },
            Reference {
                source: "kube-score",
                id: "container-resources",
            },
        ],
        fix: "Set `resources.limits.cpu` and `resources.limits.memory`.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "resource-limits-set",
    safety: FixSafety::NeedsInput,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, field: &str, context: &FixContext) -> Proposal {
    match crate::fixes::resources_value(field, "limits", &context.inputs.limits) {
        Some(value) => Proposal::set(FixSafety::NeedsInput, &value),
        None => Proposal::manual(
            FixSafety::NeedsInput,
            "the limits depend on what the container uses: measure it, then set resources.limits, or give them with --limits cpu=...,memory=...",
        ),
    }
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    check_resources(pod, "limits", None, out);
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_missing_limits_even_with_requests() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  initContainers:\n  - name: i\n    resources:\n      requests: {cpu: 1, memory: 1Gi}\n  containers:\n  - name: a\n    resources:\n      limits:\n        memory: 1Gi\n",
        );
        assert_findings(
            &findings,
            &[
                (7, "spec.initContainers[0].resources.limits"),
                (12, "spec.containers[0].resources.limits.cpu"),
            ],
        );
    }

    #[test]
    fn quiet_when_limited() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    resources: {limits: {cpu: 1, memory: 1Gi}}\n",
        );
    }
}
