//! ## What it checks
//!
//! That a container adds only capabilities of the Pod Security Standards
//! baseline list: `AUDIT_WRITE`, `CHOWN`, `DAC_OVERRIDE`, `FOWNER`,
//! `FSETID`, `KILL`, `MKNOD`, `NET_BIND_SERVICE`, `SETFCAP`, `SETGID`,
//! `SETPCAP`, `SETUID`, `SYS_CHROOT`. `NET_RAW` is not on it.
//!
//! Capabilities that are outright dangerous (`SYS_ADMIN`, ...) are reported
//! by `no-dangerous-capabilities` instead, so one capability never yields
//! two findings.
//!
//! ## Why it matters
//!
//! A namespace that enforces the baseline profile rejects the pod; and each
//! extra capability (`NET_RAW` for spoofed packets, `IPC_LOCK`, `LEASE`, ...)
//! widens what a compromised process can do.
//!
//! ## How to fix
//!
//! Remove the capability, or replace it with one from the list above.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   capabilities:
//!     drop: ["ALL"]
//! ```

use super::super::prelude::*;
use super::{BASELINE_CAPABILITIES, DANGEROUS_CAPABILITIES, added_capabilities};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "capabilities-add-baseline",
        title: "Containers may add only the baseline capabilities",
        severity: Severity::Medium,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "capabilities_baseline",
            },
            Reference {
                source: "CIS",
                id: "5.2.8",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_25",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0022",
            },
        ],
        fix: "Remove capabilities outside the baseline list from `securityContext.capabilities.add`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        for (name, node, index) in added_capabilities(container) {
            if !BASELINE_CAPABILITIES.contains(&name.as_str()) && !DANGEROUS_CAPABILITIES.contains(&name.as_str()) {
                let message = format!(
                    "{} adds {name}, which the baseline Pod Security Standard does not allow",
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
    fn fires_on_net_raw_but_not_on_dangerous_or_baseline_ones() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        add: [NET_RAW, SYS_ADMIN, CHOWN]\n",
        );
        assert_findings(
            &findings,
            &[(9, "spec.containers[0].securityContext.capabilities.add[0]")],
        );
        assert!(findings[0].message.contains("NET_RAW"));
    }

    #[test]
    fn quiet_for_baseline_capabilities() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {add: [SETUID, KILL]}\n",
        );
    }
}
