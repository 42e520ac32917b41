//! ## What it checks
//!
//! That neither the pod nor any container sets `runAsUser: 0`. Pods with
//! their own user namespace (`hostUsers: false`) are exempt, as in the Pod
//! Security Standards from 1.35.
//!
//! ## Why it matters
//!
//! UID 0 is root, whatever `runAsNonRoot` says elsewhere: an explicit
//! `runAsUser: 0` makes the kubelet refuse the pod when `runAsNonRoot` is
//! true, and runs it as root when it is not. The restricted Pod Security
//! Standard forbids it.
//!
//! ## How to fix
//!
//! Set a non-zero UID (10000 or above keeps clear of host users).
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   runAsUser: 10001
//! ```
//!
//! ## Fix safety
//!
//! Needs input: the UID must be one the image can run as. `rampart fix`
//! lists the finding and writes nothing, unless `--run-as-user UID` gives it.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "run-as-user-not-zero",
        title: "Pods and containers must not run as UID 0",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Restricted),
        references: &[
            Reference {
                source: "PSS",
                id: "runAsUser",
            },
            Reference {
                source: "CIS",
                id: "5.2.7",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0105",
            },
        ],
        fix: "Set `runAsUser` to a non-zero UID such as 10001.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "run-as-user-not-zero",
    safety: FixSafety::NeedsInput,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, context: &FixContext) -> Proposal {
    match context.inputs.run_as_user {
        Some(uid) if uid > 0 => Proposal::set(FixSafety::NeedsInput, &uid.to_string()),
        _ => Proposal::manual(
            FixSafety::NeedsInput,
            "the UID must be one the image can run as: give it with --run-as-user",
        ),
    }
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if pod.uses_user_namespace() {
        return;
    }
    if let Some(field) = pod.security_field("runAsUser")
        && field.node.as_i64() == Some(0)
    {
        out.report(
            field.node.pos,
            field.path,
            None,
            "pod runs as root (runAsUser: 0)".to_string(),
        );
    }
    for container in pod.containers() {
        if let Some(field) = container.security_field("runAsUser")
            && field.node.as_i64() == Some(0)
        {
            let message = format!("{} runs as root (runAsUser: 0)", container.describe());
            out.report(field.node.pos, field.path, Some(container), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_pod_and_container_uid_zero() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    runAsUser: 0\n  containers:\n  - name: a\n    securityContext: {runAsUser: 0}\n  - name: b\n    securityContext: {runAsUser: 1000}\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "spec.securityContext.runAsUser"),
                (9, "spec.containers[0].securityContext.runAsUser"),
            ],
        );
    }

    #[test]
    fn quiet_for_non_zero_or_unset() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 10001}\n  containers: [{name: a}]\n",
        );
    }
}
