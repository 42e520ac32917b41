//! ## What it checks
//!
//! That a container adds no capability except `NET_BIND_SERVICE`, as the
//! restricted Pod Security Standard demands. This rule reports capabilities
//! of the baseline list (`CHOWN`, `SETUID`, ...); capabilities outside it are
//! reported by `capabilities-add-baseline` or `no-dangerous-capabilities`.
//!
//! Pods declared for Windows (`spec.os.name: windows`) are exempt, as in
//! the Pod Security Standards.
//!
//! ## Why it matters
//!
//! Even the baseline capabilities let a process change file ownership,
//! switch users or bypass file permission checks. A hardened workload needs
//! none of them; binding a port below 1024 is the one common exception.
//!
//! ## How to fix
//!
//! Drop `ALL` and add back nothing, or only `NET_BIND_SERVICE`. Fix file
//! ownership at image build time instead of with `CHOWN` at run time.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   capabilities:
//!     drop: ["ALL"]
//!     add: ["NET_BIND_SERVICE"]
//! ```

use super::super::prelude::*;
use super::{BASELINE_CAPABILITIES, added_capabilities};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "capabilities-add-restricted",
        title: "Containers may add only NET_BIND_SERVICE",
        severity: Severity::Low,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Restricted),
        references: &[
            Reference {
                source: "PSS",
                id: "capabilities_restricted",
            },
            Reference {
                source: "CIS",
                id: "5.2.9",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0106",
            },
        ],
        fix: "Add no capability but `NET_BIND_SERVICE`; fix file ownership in the image instead.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    // The restricted profile exempts Windows pods from this Linux control.
    if pod.is_windows() {
        return;
    }
    for container in pod.containers() {
        for (name, node, index) in added_capabilities(container) {
            if name != "NET_BIND_SERVICE" && BASELINE_CAPABILITIES.contains(&name.as_str()) {
                let message = format!(
                    "{} adds {name}; the restricted Pod Security Standard allows only NET_BIND_SERVICE",
                    container.describe()
                );
                let path = container.security_path(&format!("capabilities.add[{index}]"));
                out.report(node.pos, path, Some(container), message);
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
    fn fires_on_baseline_capabilities_other_than_net_bind_service() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        add: [NET_BIND_SERVICE, CHOWN, SYS_ADMIN]\n",
        );
        assert_findings(
            &findings,
            &[(9, "spec.containers[0].securityContext.capabilities.add[1]")],
        );
    }

    #[test]
    fn quiet_for_net_bind_service_alone() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {add: [NET_BIND_SERVICE], drop: [ALL]}\n",
        );
    }
}
