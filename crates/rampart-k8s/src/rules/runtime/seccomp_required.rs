//! ## What it checks
//!
//! That every container runs under a seccomp profile: its effective
//! `seccompProfile.type` (the container's, else the pod's) is
//! `RuntimeDefault` or `Localhost`. `Unconfined` is reported by
//! `seccomp-not-unconfined` instead.
//!
//! Pods declared for Windows (`spec.os.name: windows`) are exempt, as in
//! the Pod Security Standards.
//!
//! ## Why it matters
//!
//! Unless the kubelet is configured with `--seccomp-default`, a container
//! without a profile runs with no system-call filter at all. The restricted
//! Pod Security Standard requires a profile to be set explicitly.
//!
//! ## How to fix
//!
//! Set it once on the pod; every container inherits it.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   securityContext:
//!     seccompProfile:
//!       type: RuntimeDefault
//! ```
//!
//! ## Fix safety
//!
//! Safe. `rampart fix` writes `seccompProfile: {type: RuntimeDefault}` on
//! the container: the profile container runtimes apply by default outside
//! Kubernetes. A privileged container is left to a person (no profile applies
//! to it). A program that needs a syscall the default profile blocks fails
//! with "operation not permitted": give it a `Localhost` profile instead.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "seccomp-required",
        title: "Containers must run with a seccomp profile",
        severity: Severity::Medium,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Restricted),
        references: &[
            Reference {
                source: "PSS",
                id: "seccompProfile_restricted",
            },
            Reference {
                source: "CIS",
                id: "5.7.2",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_31",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0030",
            },
        ],
        fix: "Set `securityContext.seccompProfile.type: RuntimeDefault` on the pod.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "seccomp-required",
    safety: FixSafety::Safe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    let Some(container) = container else {
        return Proposal::manual(FIX.safety, "the finding names no container");
    };
    let privileged = container
        .security_field("privileged")
        .and_then(|field| field.node.as_bool())
        == Some(true);
    if privileged {
        return Proposal::manual(
            FixSafety::Safe,
            "the container is privileged, so no seccomp profile applies to it: remove privileged first",
        );
    }
    Proposal::set(FixSafety::Safe, "RuntimeDefault")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    // The restricted profile exempts Windows pods from this Linux control.
    if pod.is_windows() {
        return;
    }
    let annotation = |key: &str| {
        pod.annotations()
            .iter()
            .find(|e| &*e.key == key)
            .and_then(|e| e.value.as_str())
    };
    let pod_annotation = annotation("seccomp.security.alpha.kubernetes.io/pod");
    for container in pod.containers() {
        match container.effective_security_field("seccompProfile.type") {
            Some(field) => {
                let value = field.node.scalar_text().unwrap_or_default();
                if value == "RuntimeDefault" || value == "Localhost" || value == "Unconfined" {
                    continue;
                }
                let message = format!("{} has an unknown seccomp profile type `{value}`", container.describe());
                out.report(field.node.pos, field.path, Some(container), message);
            }
            None => {
                // Clusters before 1.19 read the profile from annotations;
                // `docker/default` is the old name of `runtime/default`.
                let container_annotation = annotation(&format!(
                    "container.seccomp.security.alpha.kubernetes.io/{}",
                    container.name
                ));
                let annotated = container_annotation
                    .or(pod_annotation)
                    .is_some_and(|v| v == "runtime/default" || v == "docker/default" || v.starts_with("localhost/"));
                if annotated {
                    continue;
                }
                let message = format!("{} runs without a seccomp profile", container.describe());
                out.report(
                    container.security_anchor(),
                    container.security_path("seccompProfile.type"),
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
    fn quiet_for_windows_pods() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  os: {name: windows}\n  containers:\n  - name: a\n    securityContext: {capabilities: {add: [CHOWN]}}\n",
        );
    }

    #[test]
    fn fires_per_container_without_a_profile() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n  - name: b\n    securityContext:\n      runAsNonRoot: true\n  - name: c\n    securityContext: {seccompProfile: {type: RuntimeDefault}}\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "spec.containers[0].securityContext.seccompProfile.type"),
                (8, "spec.containers[1].securityContext.seccompProfile.type"),
            ],
        );
    }

    #[test]
    fn legacy_annotations_count_per_container() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    container.seccomp.security.alpha.kubernetes.io/a: docker/default\nspec:\n  containers:\n  - name: a\n  - name: b\n",
        );
        assert_findings(
            &findings,
            &[(10, "spec.containers[1].securityContext.seccompProfile.type")],
        );
    }

    #[test]
    fn quiet_when_the_pod_sets_it_for_all() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    seccompProfile: {type: RuntimeDefault}\n  initContainers: [{name: i}]\n  containers: [{name: a}, {name: b}]\n",
        );
    }
}
