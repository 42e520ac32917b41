//! ## What it checks
//!
//! That every Namespace sets the Pod Security Admission label
//! `pod-security.kubernetes.io/enforce` to `baseline` or `restricted`.
//! A missing label means `privileged` (unless the cluster's admission
//! configuration sets another default), and so does an explicit
//! `privileged`.
//!
//! ## Why it matters
//!
//! The CI checks only see what goes through CI. Admission is the control
//! that holds for everything that reaches the API server: `kubectl apply`
//! from a laptop, an operator creating pods, a compromised CI token.
//!
//! ## How to fix
//!
//! Label the namespace `restricted` (or `baseline` for workloads that need
//! more), and pin the version; add `audit` and `warn` at the same level.
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   labels:
//!     pod-security.kubernetes.io/enforce: restricted
//!     pod-security.kubernetes.io/enforce-version: v1.33
//! ```

use super::super::prelude::*;
use super::ENFORCE_LABEL;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "namespace-pss-enforce",
        title: "Namespaces must enforce a Pod Security Standard",
        severity: Severity::High,
        controls: &[Control::Admission],
        pss: None,
        references: &[Reference {
            source: "Kubescape",
            id: "C-0192",
        }],
        fix: "Label the namespace `pod-security.kubernetes.io/enforce: restricted` (or `baseline`).",
    },
    check: Check::Object(Subjects::Kinds(&[("", "Namespace")]), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind != "Namespace" || !object.group().is_empty() {
        return;
    }
    let metadata = object.root.get("metadata");
    let labels = metadata.and_then(|m| m.get("labels"));
    let field = format!("metadata.labels.{ENFORCE_LABEL}");
    match labels.and_then(|l| l.get(ENFORCE_LABEL)) {
        Some(value) => {
            let level = value.scalar_text().unwrap_or_default();
            if level != "baseline" && level != "restricted" {
                out.report(
                    value.pos,
                    field,
                    None,
                    format!("namespace `{}` enforces the `{level}` Pod Security level", object.name),
                );
            }
        }
        None => out.report(
            labels.or(metadata).unwrap_or(&object.root).pos,
            field,
            None,
            format!(
                "namespace `{}` has no `{ENFORCE_LABEL}` label, so admission enforces nothing",
                object.name
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_when_missing_or_privileged() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n  labels:\n    pod-security.kubernetes.io/enforce: privileged\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: c\n  labels:\n    team: x\n",
        );
        assert_findings(
            &findings,
            &[
                (3, "metadata.labels.pod-security.kubernetes.io/enforce"),
                (11, "metadata.labels.pod-security.kubernetes.io/enforce"),
                (17, "metadata.labels.pod-security.kubernetes.io/enforce"),
            ],
        );
    }

    #[test]
    fn quiet_for_baseline_and_restricted() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: a\n  labels: {pod-security.kubernetes.io/enforce: restricted}\n---\napiVersion: v1\nkind: Namespace\nmetadata:\n  name: b\n  labels: {pod-security.kubernetes.io/enforce: baseline}\n",
        );
    }
}
