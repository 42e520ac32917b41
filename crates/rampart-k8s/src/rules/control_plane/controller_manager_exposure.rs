//! ## What it checks
//!
//! That kube-controller-manager's static pod (or its mirror pod) turns profiling off
//! (`--profiling=false`, CIS 1.3.2) and listens on the loopback address
//! only (`--bind-address=127.0.0.1`, CIS 1.3.7).
//!
//! ## Why it matters
//!
//! kube-controller-manager serves its health, metrics and, with profiling on, `/debug/pprof`
//! on its secure port; bound to every address, that port is reachable from
//! pods and the network, and profiles reveal the program's memory, its
//! requests and what it is doing, and cost CPU on demand.
//!
//! ## How to fix
//!
//! Add `--profiling=false` and `--bind-address=127.0.0.1` (kubeadm
//! binds to 127.0.0.1 already).
//!
//! ## Example
//!
//! ```yaml
//! - --profiling=false
//! - --bind-address=127.0.0.1
//! ```
//!
//! ## Fix safety
//!
//! A metrics scraper that reads the port from another host loses it;
//! scrape through the node or a local agent.

use super::super::prelude::*;
use super::{component, require};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "controller-manager-exposure",
        title: "The controller manager serves no profiling data off the node",
        severity: Severity::Low,
        controls: &[Control::Runtime],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.3.2",
            },
            Reference {
                source: "CIS",
                id: "1.3.7",
            },
        ],
        fix: "Add --profiling=false and --bind-address=127.0.0.1 to kube-controller-manager's command.",
    },
    check: Check::Object(Subjects::Component("kube-controller-manager"), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(found) = component(object, "kube-controller-manager") {
        require(&found, "kube-controller-manager", super::EXPOSURE, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn pod(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-controller-manager, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n{flags}"
        )
    }

    #[test]
    fn fires_on_profiling_and_every_address() {
        let findings = run(&super::RULE, &pod("    - --bind-address=0.0.0.0\n"));
        assert_findings(
            &findings,
            &[(7, "spec.containers[0].command"), (9, "spec.containers[0].command[1]")],
        );
        assert_eq!(
            findings[1].message,
            "kube-controller-manager sets `--bind-address=0.0.0.0`: its port is reachable from every address"
        );
    }

    #[test]
    fn quiet_on_loopback_without_profiling() {
        assert_quiet(
            &super::RULE,
            &pod("    - --bind-address=127.0.0.1\n    - --profiling=false\n"),
        );
    }
}
