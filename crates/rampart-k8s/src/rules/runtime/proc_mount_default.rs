//! ## What it checks
//!
//! That no container sets `securityContext.procMount` to anything but
//! `Default`.
//!
//! ## Why it matters
//!
//! The default `/proc` mount masks and makes read-only the paths that leak
//! host information or let a process reconfigure the kernel. `Unmasked`
//! removes that. The restricted profile forbids it in every case; the
//! baseline profile allows it only in pods with their own user namespace
//! (`hostUsers: false`), so the finding names which profile it breaks.
//!
//! ## How to fix
//!
//! Remove `procMount` (or set `Default`).
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   procMount: Default
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "proc-mount-default",
        title: "Containers must use the default /proc mount",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "procMount",
            },
            Reference {
                source: "PSS",
                id: "procMount_restricted",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0027",
            },
            Reference {
                source: "kube-linter",
                id: "unsafe-proc-mount",
            },
        ],
        fix: "Remove `securityContext.procMount` or set it to `Default`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        let Some(field) = container.security_field("procMount") else {
            continue;
        };
        let value = field.node.scalar_text().unwrap_or_default();
        if field.node.is_null() || value == "Default" {
            continue;
        }
        let profile = if pod.uses_user_namespace() {
            "the restricted Pod Security Standard"
        } else {
            "the baseline Pod Security Standard"
        };
        let message = format!(
            "{} sets procMount `{value}`, which {profile} forbids",
            container.describe()
        );
        out.report(field.node.pos, field.path, Some(container), message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_unmasked_even_with_a_user_namespace() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostUsers: false\n  containers:\n  - name: a\n    securityContext:\n      procMount: Unmasked\n",
        );
        assert_findings(&findings, &[(9, "spec.containers[0].securityContext.procMount")]);
        assert!(findings[0].message.contains("restricted"));
    }

    #[test]
    fn quiet_for_default() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext: {procMount: Default}\n  - name: b\n",
        );
    }
}
