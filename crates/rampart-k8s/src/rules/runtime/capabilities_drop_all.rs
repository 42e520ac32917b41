//! ## What it checks
//!
//! That every container drops all capabilities:
//! `securityContext.capabilities.drop` contains `ALL`, spelled so: Pod
//! Security admission compares it case-sensitively, and `all` is reported
//! with that reason.
//!
//! Pods declared for Windows (`spec.os.name: windows`) are exempt, as in
//! the Pod Security Standards.
//!
//! ## Why it matters
//!
//! Container runtimes grant a default set of capabilities (`NET_RAW`,
//! `CHOWN`, `SETUID`, `DAC_OVERRIDE`, ...). Dropping them all, then adding
//! back only what is needed, is the least-privilege baseline that the
//! restricted Pod Security Standard requires.
//!
//! ## How to fix
//!
//! Add `drop: ["ALL"]` to each container's `securityContext.capabilities`.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   capabilities:
//!     drop: ["ALL"]
//! ```
//!
//! ## Fix safety
//!
//! Safe when the container is known to run as a user other than root (its
//! or the pod's `runAsUser` above 0) and declares no port below 1024: such a
//! process holds no capability to lose. Otherwise unsafe, applied only with
//! `--unsafe`: an image running as root may need `CHOWN`, `SETUID`,
//! `SETGID` or `NET_BIND_SERVICE` (add back what it needs). `rampart fix`
//! writes `drop: [ALL]`, or appends `ALL` to a drop list in its style; an
//! `add` list is never touched.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "capabilities-drop-all",
        title: "Containers must drop all capabilities",
        severity: Severity::Medium,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Restricted),
        references: &[
            Reference {
                source: "PSS",
                id: "capabilities_restricted",
            },
            Reference {
                source: "CIS",
                id: "5.2.10",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_37",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0003",
            },
        ],
        fix: "Set `securityContext.capabilities.drop: [\"ALL\"]`.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "capabilities-drop-all",
    safety: FixSafety::Safe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    let Some(container) = container else {
        return Proposal::manual(FIX.safety, "the finding names no container");
    };
    let low_port = container.field("ports").is_some_and(|ports| {
        ports
            .node
            .as_seq()
            .iter()
            .filter_map(|port| port.get("containerPort").and_then(Node::as_i64))
            .any(|port| port < 1024)
    });
    let safety = if crate::fixes::runs_as_non_root_user(container) && !low_port {
        FixSafety::Safe
    } else {
        FixSafety::Unsafe
    };
    Proposal::set(safety, "[ALL]")
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    // The restricted profile exempts Windows pods from this Linux control.
    if pod.is_windows() {
        return;
    }
    for container in pod.containers() {
        let drop = container.security_field("capabilities.drop");
        let dropped: Vec<&str> = drop
            .as_ref()
            .map(|d| d.node.as_seq().iter().filter_map(|c| c.as_str()).collect())
            .unwrap_or_default();
        // Admission compares `ALL` case-sensitively: `all` drops nothing
        // and a restricted namespace rejects the pod.
        if dropped.contains(&"ALL") {
            continue;
        }
        let message = match dropped.iter().find(|c| c.eq_ignore_ascii_case("ALL")) {
            Some(spelled) => format!(
                "{} drops `{spelled}`, which is not `ALL`: capability names are case-sensitive, so nothing is dropped by it and Pod Security admission (restricted) rejects the pod",
                container.describe()
            ),
            None => format!("{} does not drop all capabilities", container.describe()),
        };
        match drop {
            Some(field) => out.report(field.node.pos, field.path, Some(container), message),
            None => {
                let anchor = container
                    .security_field("capabilities")
                    .map(|c| c.node.pos)
                    .unwrap_or_else(|| container.security_anchor());
                out.report(
                    anchor,
                    container.security_path("capabilities.drop"),
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
    fn fires_when_missing_or_partial() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: x\n  - name: b\n    securityContext:\n      capabilities:\n        drop: [NET_RAW]\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "spec.containers[0].securityContext.capabilities.drop"),
                (11, "spec.containers[1].securityContext.capabilities.drop"),
            ],
        );
    }

    #[test]
    fn fires_on_lowercase_all_saying_why() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {drop: [all]}\n",
        );
        assert_findings(
            &findings,
            &[(8, "spec.containers[0].securityContext.capabilities.drop")],
        );
        assert!(
            findings[0].message.contains("case-sensitive"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn quiet_when_all_is_dropped() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {drop: [NET_RAW, ALL]}\n",
        );
    }
}
