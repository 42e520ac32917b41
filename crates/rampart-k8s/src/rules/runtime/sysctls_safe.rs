//! ## What it checks
//!
//! That the pod sets only safe sysctls in `securityContext.sysctls`:
//! `kernel.shm_rmid_forced`, `net.ipv4.ip_local_port_range`,
//! `net.ipv4.ip_unprivileged_port_start`, `net.ipv4.tcp_syncookies`,
//! `net.ipv4.ping_group_range`, `net.ipv4.ip_local_reserved_ports` (1.27),
//! `net.ipv4.tcp_keepalive_time`, `net.ipv4.tcp_fin_timeout`,
//! `net.ipv4.tcp_keepalive_intvl`, `net.ipv4.tcp_keepalive_probes` (1.29),
//! `net.ipv4.tcp_rmem`, `net.ipv4.tcp_wmem` (1.32),
//! `net.ipv4.tcp_slow_start_after_idle`, `net.ipv4.tcp_notsent_lowat` (1.37).
//! The version is the Kubernetes release whose baseline profile first
//! allows it.
//!
//! ## Why it matters
//!
//! Unsafe sysctls are not namespaced per pod: setting them changes the node
//! for every pod on it, or lets one pod starve the others. The Pod Security
//! Standards baseline allows only the list above.
//!
//! ## How to fix
//!
//! Remove the sysctl, or tune it on dedicated nodes through their
//! configuration rather than from a pod.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   sysctls:
//!     - name: net.ipv4.ip_local_port_range
//!       value: "32768 60999"
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "sysctls-safe",
        title: "Pods may set only safe sysctls",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "sysctls",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0026",
            },
            Reference {
                source: "kube-linter",
                id: "unsafe-sysctls",
            },
        ],
        fix: "Remove the unsafe sysctl from `securityContext.sysctls`.",
    },
    check: Check::Pod(check),
};

pub const SAFE_SYSCTLS: &[&str] = &[
    "kernel.shm_rmid_forced",
    "net.ipv4.ip_local_port_range",
    "net.ipv4.ip_unprivileged_port_start",
    "net.ipv4.tcp_syncookies",
    "net.ipv4.ping_group_range",
    "net.ipv4.ip_local_reserved_ports",
    "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout",
    "net.ipv4.tcp_keepalive_intvl",
    "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem",
    "net.ipv4.tcp_wmem",
    "net.ipv4.tcp_slow_start_after_idle",
    "net.ipv4.tcp_notsent_lowat",
];

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(sysctls) = pod.security_field("sysctls") else {
        return;
    };
    for (index, sysctl) in sysctls.node.as_seq().iter().enumerate() {
        let Some(name_node) = sysctl.get("name") else {
            continue;
        };
        // The kernel accepts `/` as the separator too.
        let name = name_node.scalar_text().unwrap_or_default().replace('/', ".");
        if !SAFE_SYSCTLS.contains(&name.as_str()) {
            out.report(
                name_node.pos,
                format!("{}[{index}].name", sysctls.path),
                None,
                format!("pod sets the unsafe sysctl {name}"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_unsafe_sysctls() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    sysctls:\n    - name: net.ipv4.tcp_syncookies\n      value: \"1\"\n    - name: kernel.msgmax\n      value: \"65536\"\n  containers: [{name: a}]\n",
        );
        assert_findings(&findings, &[(9, "spec.securityContext.sysctls[1].name")]);
    }

    #[test]
    fn quiet_for_safe_sysctls_in_either_notation() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    sysctls: [{name: kernel.shm_rmid_forced, value: \"1\"}, {name: net/ipv4/tcp_fin_timeout, value: \"30\"}]\n  containers: [{name: a}]\n",
        );
    }
}
