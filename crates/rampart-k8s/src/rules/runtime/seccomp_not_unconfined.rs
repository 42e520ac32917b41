//! ## What it checks
//!
//! That no pod or container sets `seccompProfile.type: Unconfined`, and that
//! the legacy annotations `seccomp.security.alpha.kubernetes.io/pod` and
//! `container.seccomp.security.alpha.kubernetes.io/<name>` are not
//! `unconfined`.
//!
//! ## Why it matters
//!
//! Seccomp filters the system calls a container may make; the runtime's
//! default profile blocks dozens used in kernel exploits and escapes.
//! `Unconfined` turns the filter off. The Pod Security Standards baseline
//! forbids it; a pod that sets no profile at all is reported by
//! `seccomp-required` instead.
//!
//! ## How to fix
//!
//! Set `RuntimeDefault` (or a `Localhost` profile).
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   seccompProfile:
//!     type: RuntimeDefault
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-not-unconfined",
        title: "Seccomp must not be disabled",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "seccompProfile_baseline",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0104",
            },
        ],
        fix: "Set `seccompProfile.type: RuntimeDefault`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(field) = pod.security_field("seccompProfile.type")
        && field.node.as_str() == Some("Unconfined")
    {
        out.report(
            field.node.pos,
            field.path,
            None,
            "pod turns seccomp off (`Unconfined`)".to_string(),
        );
    }
    for container in pod.containers() {
        if let Some(field) = container.security_field("seccompProfile.type")
            && field.node.as_str() == Some("Unconfined")
        {
            let message = format!("{} turns seccomp off (`Unconfined`)", container.describe());
            out.report(field.node.pos, field.path, Some(container), message);
        }
    }
    for entry in pod.annotations() {
        let legacy = &*entry.key == "seccomp.security.alpha.kubernetes.io/pod"
            || entry.key.starts_with("container.seccomp.security.alpha.kubernetes.io/");
        if legacy && entry.value.as_str() == Some("unconfined") {
            let path = format!("{}.annotations.{}", pod.metadata_path, entry.key);
            out.report(
                entry.value.pos,
                path,
                None,
                "annotation turns seccomp off (`unconfined`)".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_unconfined_pod_container_and_annotation() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    seccomp.security.alpha.kubernetes.io/pod: unconfined\nspec:\n  securityContext:\n    seccompProfile: {type: Unconfined}\n  containers:\n  - name: a\n    securityContext:\n      seccompProfile:\n        type: Unconfined\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "metadata.annotations.seccomp.security.alpha.kubernetes.io/pod"),
                (9, "spec.securityContext.seccompProfile.type"),
                (14, "spec.containers[0].securityContext.seccompProfile.type"),
            ],
        );
    }

    #[test]
    fn quiet_for_runtime_default_or_unset() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n  - name: b\n    securityContext: {seccompProfile: {type: Localhost, localhostProfile: p.json}}\n",
        );
    }
}
