//! ## What it checks
//!
//! That every container sets `securityContext.allowPrivilegeEscalation:
//! false` explicitly. Pods declared for Windows (`spec.os.name: windows`)
//! are exempt, as in the Pod Security Standards.
//!
//! ## Why it matters
//!
//! The field sets the kernel's `no_new_privs` flag. Left unset it defaults
//! to true: a setuid binary in the image, or a file capability, lets a
//! compromised process gain more privilege than the container started with.
//! The restricted Pod Security Standard requires `false`.
//!
//! ## How to fix
//!
//! Set `allowPrivilegeEscalation: false` on every container (it cannot be
//! set on the pod).
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   allowPrivilegeEscalation: false
//! ```
//!
//! ## Fix safety
//!
//! Safe. `rampart fix` writes `allowPrivilegeEscalation: false` on the
//! container. A privileged container, or one adding `SYS_ADMIN`, is left to a
//! person: the API server refuses `false` beside either, so those go first.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-privilege-escalation",
        title: "Containers must not allow privilege escalation",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Restricted),
        references: &[
            Reference {
                source: "PSS",
                id: "allowPrivilegeEscalation",
            },
            Reference {
                source: "CIS",
                id: "5.2.6",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_20",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0001",
            },
        ],
        fix: "Set `securityContext.allowPrivilegeEscalation: false` on the container.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "no-privilege-escalation",
    safety: FixSafety::Safe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    let Some(container) = container else {
        return Proposal::manual(FIX.safety, "the finding names no container");
    };
    if crate::fixes::privileged_or_sys_admin(container) {
        return Proposal::manual(
            FixSafety::Safe,
            "the container is privileged or adds SYS_ADMIN, beside which the API server refuses allowPrivilegeEscalation: false: remove those first",
        );
    }
    Proposal::set(FixSafety::Safe, "false")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if pod.is_windows() {
        return;
    }
    for container in pod.containers() {
        match container.security_field("allowPrivilegeEscalation") {
            Some(field) if field.node.as_bool() == Some(false) => {}
            Some(field) => {
                let message = format!("{} allows privilege escalation", container.describe());
                out.report(field.node.pos, field.path, Some(container), message);
            }
            None => {
                let message = format!(
                    "{} does not set allowPrivilegeEscalation: false (it defaults to true)",
                    container.describe()
                );
                out.report(
                    container.security_anchor(),
                    container.security_path("allowPrivilegeEscalation"),
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
    fn fires_when_true_or_unset() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      allowPrivilegeEscalation: true\n  - name: b\n    image: x\n",
        );
        assert_findings(
            &findings,
            &[
                (8, "spec.containers[0].securityContext.allowPrivilegeEscalation"),
                (9, "spec.containers[1].securityContext.allowPrivilegeEscalation"),
            ],
        );
    }

    #[test]
    fn quiet_when_false_or_windows() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext: {allowPrivilegeEscalation: false}\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  os: {name: windows}\n  containers: [{name: a}]\n",
        );
    }
}
