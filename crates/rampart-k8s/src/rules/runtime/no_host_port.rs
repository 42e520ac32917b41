//! ## What it checks
//!
//! That no container port sets a `hostPort` other than 0.
//!
//! ## Why it matters
//!
//! A host port publishes the container on the node's own address, around
//! Services and NetworkPolicies, and limits where the pod can be scheduled.
//! The Pod Security Standards baseline forbids it.
//!
//! ## How to fix
//!
//! Remove `hostPort`; expose the pod through a Service (and an Ingress or a
//! LoadBalancer when it must be reached from outside).
//!
//! ## Example
//!
//! ```yaml
//! ports:
//!   - containerPort: 8080
//! ```
//!
//! ## Fix safety
//!
//! Unsafe, applied only with `--unsafe`: `rampart fix` removes `hostPort`;
//! whatever reached the container at the node's address stops reaching it. Put
//! a Service in front first.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-host-port",
        title: "Containers must not bind host ports",
        severity: Severity::Medium,
        controls: &[Control::Runtime, Control::Network],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "hostPorts",
            },
            Reference {
                source: "CIS",
                id: "5.2.13",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_26",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0024",
            },
        ],
        fix: "Remove `hostPort` and expose the pod through a Service.",
    },
    check: Check::Pod(check),
};

pub static FIX: Fix = Fix {
    rule: "no-host-port",
    safety: FixSafety::Unsafe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, _container: Option<&Container<'_>>, _field: &str, _context: &FixContext) -> Proposal {
    Proposal::remove(FixSafety::Unsafe)
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        let Some(ports) = container.field("ports") else {
            continue;
        };
        for (index, port) in ports.node.as_seq().iter().enumerate() {
            let Some(host_port) = port.get("hostPort") else {
                continue;
            };
            if host_port.as_i64().is_some_and(|p| p != 0) {
                let message = format!(
                    "{} binds host port {}",
                    container.describe(),
                    host_port.as_i64().unwrap_or_default()
                );
                out.report(
                    host_port.pos,
                    container.path(&format!("ports[{index}].hostPort")),
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
    fn fires_on_a_host_port() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    ports:\n    - containerPort: 80\n    - containerPort: 443\n      hostPort: 443\n",
        );
        assert_findings(&findings, &[(10, "spec.containers[0].ports[1].hostPort")]);
    }

    #[test]
    fn quiet_for_zero_or_absent_host_ports() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    ports: [{containerPort: 80, hostPort: 0}, {containerPort: 81}]\n",
        );
    }
}
