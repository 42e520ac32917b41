//! ## What it checks
//!
//! That no liveness, readiness or startup probe, and no `postStart` or
//! `preStop` lifecycle hook, sets `httpGet.host` or `tcpSocket.host` to
//! another host. The Pod Security Standards baseline forbids it from
//! Kubernetes 1.34, which allows exactly `127.0.0.1` and `::1` (KEP-4940);
//! so does this rule.
//!
//! ## Why it matters
//!
//! The kubelet runs probes and hooks from the node. A `host` field makes the
//! kubelet connect to any address it can reach, including services on the
//! node's loopback and the cloud metadata endpoint: a server-side request
//! forgery with the node's network identity.
//!
//! ## How to fix
//!
//! Remove `host`; probes then target the pod's own IP.
//!
//! ## Example
//!
//! ```yaml
//! livenessProbe:
//!   httpGet:
//!     path: /healthz
//!     port: 8080
//! ```
//!
//! ## Fix safety
//!
//! Safe when the probe or hook's port is one the container declares
//! (`containerPort`, or a port's name): `rampart fix` removes `host`, and the
//! kubelet then checks the pod itself, where that port listens. Otherwise
//! unsafe, applied only with `--unsafe`: the port may not listen in the pod, and
//! a failing liveness probe restarts the container.

use super::super::prelude::*;
use crate::fixes::{Fix, FixContext, Proposal};
use rampart_core::FixSafety;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-probe-host-override",
        title: "Probes and lifecycle hooks must not target another host",
        severity: Severity::Medium,
        controls: &[Control::Runtime, Control::Network],
        pss: Some(PssLevel::Baseline),
        references: &[Reference {
            source: "PSS",
            id: "hostProbesAndHostLifecycle",
        }],
        fix: "Remove `host` from the probe or hook; it then targets the pod itself.",
    },
    check: Check::Pod(check),
};

const HANDLERS: &[&str] = &[
    "livenessProbe",
    "readinessProbe",
    "startupProbe",
    "lifecycle.postStart",
    "lifecycle.preStop",
];

/// Hosts the Pod Security Standards allow.
const LOOPBACK: &[&str] = &["127.0.0.1", "::1"];

pub static FIX: Fix = Fix {
    rule: "no-probe-host-override",
    safety: FixSafety::Safe,
    propose,
};

fn propose(_pod: &PodSpec<'_>, container: Option<&Container<'_>>, field: &str, _context: &FixContext) -> Proposal {
    let Some(container) = container else {
        return Proposal::manual(FIX.safety, "the finding names no container");
    };
    // `...livenessProbe.httpGet.host` → `livenessProbe.httpGet.port`, relative to the container.
    let port = HANDLERS.iter().find_map(|handler| {
        ["httpGet", "tcpSocket"].iter().find_map(|action| {
            let relative = format!("{handler}.{action}");
            field
                .ends_with(&format!(".{relative}.host"))
                .then(|| container.field(&format!("{relative}.port")))
                .flatten()
        })
    });
    let declared = port.is_some_and(|port| {
        container
            .field("ports")
            .map(|ports| ports.node.as_seq())
            .unwrap_or_default()
            .iter()
            .any(|declared| match (port.node.as_i64(), port.node.as_str()) {
                (Some(number), _) => declared.get("containerPort").and_then(|p| p.as_i64()) == Some(number),
                (None, Some(name)) => declared.get("name").and_then(|n| n.as_str()) == Some(name),
                _ => false,
            })
    });
    Proposal::remove(if declared { FixSafety::Safe } else { FixSafety::Unsafe })
}

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        for handler in HANDLERS {
            for action in ["httpGet", "tcpSocket"] {
                let Some(host) = container.field(&format!("{handler}.{action}.host")) else {
                    continue;
                };
                // Kubernetes 1.34 (KEP-4940) allows the loopback addresses:
                // the probe still targets the pod's own network namespace.
                let targets_elsewhere = host
                    .node
                    .as_str()
                    .is_some_and(|h| !h.is_empty() && !LOOPBACK.contains(&h));
                if targets_elsewhere {
                    let message = format!(
                        "{} {handler} targets host {}",
                        container.describe(),
                        host.node.as_str().unwrap_or_default()
                    );
                    out.report(host.node.pos, host.path, Some(container), message);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_probe_and_hook_hosts() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    livenessProbe:\n      httpGet: {path: /, port: 80, host: 169.254.169.254}\n    lifecycle:\n      preStop:\n        tcpSocket:\n          port: 22\n          host: 10.0.0.1\n",
        );
        assert_findings(
            &findings,
            &[
                (8, "spec.containers[0].livenessProbe.httpGet.host"),
                (13, "spec.containers[0].lifecycle.preStop.tcpSocket.host"),
            ],
        );
    }

    #[test]
    fn quiet_without_host_or_with_empty_host() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    livenessProbe: {httpGet: {path: /, port: 80}}\n    readinessProbe: {tcpSocket: {port: 80, host: \"\"}}\n    startupProbe: {httpGet: {port: 80, host: 127.0.0.1}}\n    lifecycle: {preStop: {tcpSocket: {port: 80, host: \"::1\"}}}\n",
        );
    }
}
