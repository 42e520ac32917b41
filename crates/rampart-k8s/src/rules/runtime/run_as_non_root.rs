//! ## What it checks
//!
//! That every container is made to run as non-root: its effective `runAsNonRoot`
//! (the container's, else the pod's) is `true`. Pods with their own user
//! namespace (`hostUsers: false`) are exempt, as in the Pod Security
//! Standards from 1.35.
//!
//! A container that sets a non-zero `runAsUser` but not `runAsNonRoot`
//! still fails: the restricted profile requires the field, and the message
//! says so.
//!
//! ## Why it matters
//!
//! Root in a container is root on the node's kernel: one kernel or runtime
//! bug away from the node. With `runAsNonRoot: true` the kubelet refuses to
//! start a container whose image would run as UID 0.
//!
//! ## How to fix
//!
//! Set `runAsNonRoot: true` on the pod (every container inherits it), build
//! the image with a numeric non-root `USER`, or set `runAsUser`.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   securityContext:
//!     runAsNonRoot: true
//!     runAsUser: 10001
//! ```
//!
//! ## Fix safety
//!
//! Safe when the container (or its pod) already sets `runAsUser` above 0:
//! `runAsNonRoot: true` then only states it. Otherwise unsafe, applied only
//! with `--unsafe`: an image whose user is root, or named rather than
//! numbered, no longer starts ("container has runAsNonRoot and image will run
//! as root"); set a numeric `runAsUser` the image supports.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "run-as-non-root",
        title: "Containers must run as non-root",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Restricted),
        references: &[
            Reference {
                source: "PSS",
                id: "runAsNonRoot",
            },
            Reference {
                source: "CIS",
                id: "5.2.7",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_23",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0012",
            },
        ],
        fix: "Set `securityContext.runAsNonRoot: true` on the pod and a non-root `runAsUser`.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "run-as-non-root",
    safety: FixSafety::Safe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    let Some(container) = container else {
        return Proposal::manual(FIX.safety, "the finding names no container");
    };
    let safety = if crate::fixes::runs_as_non_root_user(container) {
        FixSafety::Safe
    } else {
        FixSafety::Unsafe
    };
    Proposal::set(safety, "true")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if pod.uses_user_namespace() {
        return;
    }
    for container in pod.containers() {
        match container.effective_security_field("runAsNonRoot") {
            Some(field) if field.node.as_bool() == Some(true) => {}
            Some(field) => {
                let message = format!("{} may run as root (runAsNonRoot is not true)", container.describe());
                out.report(field.node.pos, field.path, Some(container), message);
            }
            None => {
                let uid = container
                    .effective_security_field("runAsUser")
                    .and_then(|f| f.node.as_i64());
                let message = match uid {
                    Some(uid) if uid > 0 => format!(
                        "{} sets runAsUser {uid} but not runAsNonRoot: true, which the restricted profile requires",
                        container.describe()
                    ),
                    _ => format!("{} may run as root (runAsNonRoot is not set)", container.describe()),
                };
                out.report(
                    container.security_anchor(),
                    container.security_path("runAsNonRoot"),
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
    fn container_false_overrides_pod_true() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    runAsNonRoot: true\n  containers:\n  - name: a\n  - name: b\n    securityContext:\n      runAsNonRoot: false\n",
        );
        assert_findings(&findings, &[(11, "spec.containers[1].securityContext.runAsNonRoot")]);
    }

    #[test]
    fn fires_when_unset_everywhere() {
        let findings = run(
            &super::RULE,
            "apiVersion: batch/v1\nkind: Job\nmetadata: {name: j}\nspec:\n  template:\n    spec:\n      initContainers:\n      - name: i\n      containers:\n      - name: a\n        securityContext: {runAsUser: 1000}\n",
        );
        assert_findings(
            &findings,
            &[
                (8, "spec.template.spec.initContainers[0].securityContext.runAsNonRoot"),
                (11, "spec.template.spec.containers[0].securityContext.runAsNonRoot"),
            ],
        );
        assert!(findings[1].message.contains("runAsUser 1000"));
    }

    #[test]
    fn quiet_when_pod_level_is_inherited_or_user_namespaced() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsNonRoot: true}\n  initContainers: [{name: i}]\n  containers: [{name: a, securityContext: {readOnlyRootFilesystem: true}}]\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostUsers: false\n  containers: [{name: a}]\n",
        );
    }
}
