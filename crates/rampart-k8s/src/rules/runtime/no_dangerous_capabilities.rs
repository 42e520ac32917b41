//! ## What it checks
//!
//! That no container adds a capability that opens the node or the kernel to
//! it: `ALL`, `SYS_ADMIN`, `NET_ADMIN`, `SYS_PTRACE`, `SYS_MODULE`,
//! `SYS_RAWIO`, `SYS_BOOT`, `SYS_TIME`, `DAC_READ_SEARCH`, `BPF`, `PERFMON`,
//! `MAC_ADMIN`, `MAC_OVERRIDE`, `SYSLOG` (with or without the `CAP_` prefix).
//!
//! Each added capability gets exactly one finding: dangerous ones here,
//! other non-baseline ones under `capabilities-add-baseline`, baseline ones
//! beyond `NET_BIND_SERVICE` under `capabilities-add-restricted`.
//!
//! ## Why it matters
//!
//! `SYS_ADMIN` is nearly root on the node (mount, namespaces, BPF);
//! `SYS_PTRACE` reads other processes' memory; `SYS_MODULE` loads kernel
//! code; `NET_ADMIN` rewrites the node's firewall and routes. None is in the
//! Pod Security Standards baseline list.
//!
//! ## How to fix
//!
//! Remove the capability. If a tool inside the image needs it, find the
//! narrower capability or move the task to a node agent outside the cluster.
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
use super::{DANGEROUS_CAPABILITIES, added_capabilities};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-dangerous-capabilities",
        title: "Containers must not add dangerous capabilities",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "capabilities_baseline",
            },
            Reference {
                source: "CIS",
                id: "5.2.9",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_39",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0005",
            },
        ],
        fix: "Remove the capability from `securityContext.capabilities.add`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        for (name, node, index) in added_capabilities(container) {
            if DANGEROUS_CAPABILITIES.contains(&name.as_str()) {
                let message = format!("{} adds the dangerous capability {name}", container.describe());
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
    fn fires_once_per_dangerous_capability() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities:\n        add:\n        - CHOWN\n        - cap_sys_admin\n        - NET_ADMIN\n",
        );
        assert_findings(
            &findings,
            &[
                (11, "spec.containers[0].securityContext.capabilities.add[1]"),
                (12, "spec.containers[0].securityContext.capabilities.add[2]"),
            ],
        );
        assert!(findings[0].message.contains("SYS_ADMIN"));
    }

    #[test]
    fn quiet_for_baseline_capabilities() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    securityContext:\n      capabilities: {add: [NET_BIND_SERVICE, CHOWN], drop: [ALL]}\n",
        );
    }
}
