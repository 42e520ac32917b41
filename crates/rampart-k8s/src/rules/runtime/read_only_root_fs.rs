//! ## What it checks
//!
//! That every container sets `securityContext.readOnlyRootFilesystem: true`.
//!
//! ## Why it matters
//!
//! An attacker who gets code execution in a container usually writes next:
//! a downloaded tool, a modified binary, a web shell. A read-only root
//! filesystem stops that, and makes the container's state exactly its
//! image. The workload's real writes go to declared volumes.
//!
//! ## How to fix
//!
//! Set `readOnlyRootFilesystem: true` and mount an `emptyDir` where the
//! application writes (`/tmp`, caches).
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   readOnlyRootFilesystem: true
//! volumeMounts:
//!   - name: tmp
//!     mountPath: /tmp
//! ```
//!
//! ## Fix safety
//!
//! Unsafe, applied only with `rampart fix --unsafe`: programs that write to
//! `/tmp`, caches or run directories fail on a read-only root until a
//! writable `emptyDir` is mounted where they write. The fix writes
//! `readOnlyRootFilesystem: true`; the mounts are the reviewer's to add.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "read-only-root-fs",
        title: "Containers must use a read-only root filesystem",
        severity: Severity::Medium,
        controls: &[Control::Runtime],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_K8S_22",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0014",
            },
            Reference {
                source: "kube-linter",
                id: "no-read-only-root-fs",
            },
        ],
        fix: "Set `securityContext.readOnlyRootFilesystem: true` and mount an emptyDir where the app writes.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "read-only-root-fs",
    safety: FixSafety::Unsafe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    Proposal::set(FixSafety::Unsafe, "true")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        match container.security_field("readOnlyRootFilesystem") {
            Some(field) if field.node.as_bool() == Some(true) => {}
            Some(field) => {
                let message = format!("{} has a writable root filesystem", container.describe());
                out.report(field.node.pos, field.path, Some(container), message);
            }
            None => {
                let message = format!(
                    "{} has a writable root filesystem (readOnlyRootFilesystem is not set)",
                    container.describe()
                );
                out.report(
                    container.security_anchor(),
                    container.security_path("readOnlyRootFilesystem"),
                    Some(container),
                    message,
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_when_false_or_unset() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      readOnlyRootFilesystem: false\n  - name: b\n    securityContext:\n      runAsNonRoot: true\n",
        );
        assert_findings(
            &findings,
            &[
                (8, "spec.containers[0].securityContext.readOnlyRootFilesystem"),
                (10, "spec.containers[1].securityContext.readOnlyRootFilesystem"),
            ],
        );
    }

    #[test]
    fn quiet_when_true() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext: {readOnlyRootFilesystem: true}\n",
        );
    }
}
