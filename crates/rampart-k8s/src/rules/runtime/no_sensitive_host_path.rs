//! ## What it checks
//!
//! That no `hostPath` volume mounts a sensitive part of the node: a
//! container runtime socket (`docker.sock`, `containerd.sock`, `crio.sock`),
//! `/`, `/etc`, `/proc`, `/sys`, `/dev`, `/boot`, `/root`, `/var/run`, `/run`,
//! or the kubelet's, runtime's or etcd's state under `/var/lib`.
//!
//! Other host paths, including public CA bundles (`/etc/ssl/certs`,
//! `/etc/pki/ca-trust`, `/etc/ca-certificates`) and the syslog socket
//! `/dev/log`, are reported by `no-host-path`.
//!
//! ## Why it matters
//!
//! The runtime socket lets a container start a privileged container on the
//! node; `/etc` and `/root` hold credentials and let it add users or SSH
//! keys; `/proc` and `/sys` reach the kernel; the kubelet's directory holds
//! every pod's secrets. Each is a direct path to owning the node.
//!
//! ## How to fix
//!
//! Remove the volume. Read what the workload needs through the Kubernetes
//! API, a ConfigMap, or a purpose-built CSI driver.
//!
//! ## Example
//!
//! ```yaml
//! volumes:
//!   - name: cache
//!     emptyDir: {}
//! ```

use super::super::prelude::*;
use super::{host_path_volumes, sensitive_host_path};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-sensitive-host-path",
        title: "Pods must not mount sensitive host paths",
        severity: Severity::Critical,
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
                source: "Checkov",
                id: "CKV_K8S_27",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0006",
            },
            Reference {
                source: "kube-linter",
                id: "sensitive-host-mounts",
            },
        ],
        fix: "Remove the hostPath volume; get the data through the API, a ConfigMap or a CSI driver.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for (index, name, host_path) in host_path_volumes(pod) {
        let Some(path_node) = host_path.get("path") else {
            continue;
        };
        let Some(path) = path_node.as_str() else {
            continue;
        };
        if let Some(why) = sensitive_host_path(path) {
            let message = format!("volume `{name}` mounts {path} from the node ({why})");
            out.report(
                path_node.pos,
                pod.path(&format!("volumes[{index}].hostPath.path")),
                None,
                message,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_the_runtime_socket_and_etc() {
        let findings = run(
            &super::RULE,
            "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: d}\nspec:\n  template:\n    spec:\n      containers: [{name: a}]\n      volumes:\n      - name: sock\n        hostPath:\n          path: /var/run/docker.sock\n      - name: logs\n        hostPath: {path: /var/log}\n      - name: etc\n        hostPath: {path: /etc/}\n",
        );
        assert_findings(
            &findings,
            &[
                (11, "spec.template.spec.volumes[0].hostPath.path"),
                (15, "spec.template.spec.volumes[2].hostPath.path"),
            ],
        );
        assert!(findings[0].message.contains("runtime socket"));
    }

    #[test]
    fn quiet_for_ordinary_host_paths_and_other_volumes() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a}]\n  volumes:\n  - {name: l, hostPath: {path: /var/log/app}}\n  - {name: e, emptyDir: {}}\n",
        );
    }
}
