//! ## What it checks
//!
//! That no container, init container or ephemeral container sets
//! `securityContext.privileged: true`.
//!
//! ## Why it matters
//!
//! A privileged container has every capability, sees every device of the
//! node and is not confined by seccomp or AppArmor: escaping to the node is a
//! matter of mounting its disk. The Pod Security Standards baseline forbids
//! it.
//!
//! ## How to fix
//!
//! Remove `privileged: true`. If the workload needs one kernel feature, add
//! that capability alone, and keep such workloads in a namespace of their
//! own with an exception that expires.
//!
//! ## Example
//!
//! ```yaml
//! containers:
//!   - name: app
//!     securityContext:
//!       privileged: false
//! ```
//!
//! ## Fix safety
//!
//! Unsafe, applied only with `--unsafe`: `rampart fix` writes `privileged:
//! false`; a container that loads kernel modules, manages devices or changes the
//! node's network stops working. Grant the one capability it needs instead.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-privileged",
        title: "Containers must not run privileged",
        severity: Severity::Critical,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "privileged",
            },
            Reference {
                source: "CIS",
                id: "5.2.2",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_16",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0017",
            },
        ],
        fix: "Remove `securityContext.privileged: true`; add only the capability the workload needs.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "no-privileged",
    safety: FixSafety::Unsafe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    Proposal::set(FixSafety::Unsafe, "false")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        if let Some(field) = container.security_field("privileged")
            && field.node.as_bool() == Some(true)
        {
            let message = format!("{} runs privileged", container.describe());
            out.report(field.node.pos, field.path, Some(container), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_each_kind_of_container() {
        let findings = run(
            &super::RULE,
            r#"apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  template:
    spec:
      initContainers:
        - name: setup
          securityContext: {privileged: true}
      containers:
        - name: app
          securityContext:
            privileged: true
      ephemeralContainers:
        - name: debug
          securityContext:
            privileged: true
"#,
        );
        assert_findings(
            &findings,
            &[
                (9, "spec.template.spec.initContainers[0].securityContext.privileged"),
                (13, "spec.template.spec.containers[0].securityContext.privileged"),
                (
                    17,
                    "spec.template.spec.ephemeralContainers[0].securityContext.privileged",
                ),
            ],
        );
        assert_eq!(findings[1].container.as_deref(), Some("app"));
        assert_eq!(findings[1].location.column, 13);
    }

    #[test]
    fn quiet_when_false_or_unset() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext: {privileged: false}\n  - name: b\n",
        );
    }
}
