//! ## What it checks
//!
//! That the pod mounts no `hostPath` volume. Sensitive paths (`/`, `/etc`,
//! runtime sockets, ...) are reported by `no-sensitive-host-path` instead,
//! so one volume never yields two findings.
//!
//! ## Why it matters
//!
//! A hostPath volume ties the pod to a node and hands it a piece of the
//! node's filesystem; writable, it lets a compromised container plant files
//! the node or other pods will read. The Pod Security Standards baseline
//! forbids every hostPath volume.
//!
//! ## How to fix
//!
//! Use an `emptyDir`, a PersistentVolumeClaim, or a CSI driver. Log
//! shippers and other node agents that need host files belong in a
//! dedicated namespace with an expiring exception, and mount read-only.
//!
//! ## Example
//!
//! ```yaml
//! volumes:
//!   - name: data
//!     persistentVolumeClaim:
//!       claimName: data
//! ```

use super::super::prelude::*;
use super::{host_path_volumes, sensitive_host_path};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-host-path",
        title: "Pods must not mount host paths",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "hostPathVolumes",
            },
            Reference {
                source: "CIS",
                id: "5.2.12",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0023",
            },
            Reference {
                source: "Polaris",
                id: "hostPathSet",
            },
        ],
        fix: "Replace the hostPath volume with an emptyDir, a PersistentVolumeClaim or a CSI volume.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for (index, name, host_path) in host_path_volumes(pod) {
        let path = host_path.get("path").and_then(Node::as_str).unwrap_or("");
        if sensitive_host_path(path).is_some() {
            continue;
        }
        let message = format!("volume `{name}` mounts host path {path}");
        out.report(
            host_path.pos,
            pod.path(&format!("volumes[{index}].hostPath")),
            None,
            message,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_ordinary_host_paths_only() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n  - name: logs\n    hostPath:\n      path: /var/log\n  - name: root\n    hostPath: {path: /}\n",
        );
        assert_findings(&findings, &[(8, "spec.volumes[0].hostPath")]);
    }

    #[test]
    fn quiet_without_host_paths() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n  - {name: e, emptyDir: {}}\n  - {name: c, configMap: {name: c}}\n",
        );
    }
}
