//! Runtime rules: the Pod Security Standards field by field, and the
//! checklist's runtime hardening.

pub mod apparmor_not_unconfined;
pub mod capabilities_add_baseline;
pub mod capabilities_add_restricted;
pub mod capabilities_drop_all;
pub mod no_dangerous_capabilities;
pub mod no_host_ipc;
pub mod no_host_network;
pub mod no_host_path;
pub mod no_host_pid;
pub mod no_host_port;
pub mod no_privilege_escalation;
pub mod no_privileged;
pub mod no_probe_host_override;
pub mod no_sensitive_host_path;
pub mod no_windows_host_process;
pub mod proc_mount_default;
pub mod read_only_root_fs;
pub mod restricted_volume_types;
pub mod run_as_non_root;
pub mod run_as_user_not_zero;
pub mod seccomp_not_unconfined;
pub mod seccomp_required;
pub mod selinux_options_restricted;
pub mod sysctls_safe;

use crate::workload::{Container, PodSpec};
use crate::yaml::Node;

/// Capabilities the Pod Security Standards baseline lets a container add.
pub const BASELINE_CAPABILITIES: &[&str] = &[
    "AUDIT_WRITE",
    "CHOWN",
    "DAC_OVERRIDE",
    "FOWNER",
    "FSETID",
    "KILL",
    "MKNOD",
    "NET_BIND_SERVICE",
    "SETFCAP",
    "SETGID",
    "SETPCAP",
    "SETUID",
    "SYS_CHROOT",
];

/// Capabilities that hand a container a path to the node or the kernel.
pub const DANGEROUS_CAPABILITIES: &[&str] = &[
    "ALL",
    "SYS_ADMIN",
    "NET_ADMIN",
    "SYS_PTRACE",
    "SYS_MODULE",
    "SYS_RAWIO",
    "SYS_BOOT",
    "SYS_TIME",
    "DAC_READ_SEARCH",
    "BPF",
    "PERFMON",
    "MAC_ADMIN",
    "MAC_OVERRIDE",
    "SYSLOG",
];

/// `cap_sys_admin` and `CAP_SYS_ADMIN` both mean `SYS_ADMIN` to runtimes.
pub(crate) fn normalize_capability(name: &str) -> String {
    let upper = name.trim().to_ascii_uppercase();
    upper.strip_prefix("CAP_").map(str::to_string).unwrap_or(upper)
}

/// The capabilities a container adds: (normalized name, its node, its index).
pub(crate) fn added_capabilities<'a>(container: &Container<'a>) -> Vec<(String, &'a Node, usize)> {
    let Some(add) = container.security_field("capabilities.add") else {
        return Vec::new();
    };
    add.node
        .as_seq()
        .iter()
        .enumerate()
        .filter_map(|(i, node)| node.as_str().map(|name| (normalize_capability(name), node, i)))
        .collect()
}

/// Socket files of container runtimes: a host path ending in one of them
/// hands the container the runtime.
pub const RUNTIME_SOCKETS: &[&str] = &[
    "docker.sock",
    "containerd.sock",
    "crio.sock",
    "cri-dockerd.sock",
    "podman.sock",
];

/// Host paths that give a container the node, matched exactly or below,
/// with why.
pub const SENSITIVE_HOST_PATHS: &[(&str, &str)] = &[
    ("/etc", "node configuration"),
    ("/proc", "kernel and process interface"),
    ("/sys", "kernel interface"),
    ("/dev", "node devices"),
    ("/boot", "kernel and boot files"),
    ("/root", "root's home directory"),
    ("/var/run", "runtime sockets and state"),
    ("/run", "runtime sockets and state"),
    ("/var/lib/kubelet", "kubelet state and pod secrets"),
    ("/var/lib/docker", "container runtime state"),
    ("/var/lib/containerd", "container runtime state"),
    ("/var/lib/crio", "container runtime state"),
    ("/var/lib/etcd", "etcd data"),
    ("/etc/kubernetes", "cluster credentials"),
];

/// Public CA bundles and the syslog socket are ordinary host paths (still
/// reported by `no-host-path`), not a way to take over the node.
pub const ORDINARY_HOST_PATHS: &[&str] = &[
    "/etc/ssl/certs",
    "/etc/pki/ca-trust",
    "/etc/ca-certificates",
    "/dev/log",
];

/// Host paths that give a container the node: runtime sockets, the root
/// filesystem, configuration, kernel interfaces, kubelet state.
pub(crate) fn sensitive_host_path(path: &str) -> Option<&'static str> {
    let trimmed = path.trim_end_matches('/');
    let path = if trimmed.is_empty() { "/" } else { trimmed };
    if RUNTIME_SOCKETS.iter().any(|s| path.ends_with(s)) {
        return Some("container runtime socket");
    }
    if path == "/" {
        return Some("the node's root filesystem");
    }
    if ORDINARY_HOST_PATHS
        .iter()
        .any(|p| path == *p || path.strip_prefix(p).is_some_and(|rest| rest.starts_with('/')))
    {
        return None;
    }
    SENSITIVE_HOST_PATHS
        .iter()
        .find(|(prefix, _)| path == *prefix || path.strip_prefix(prefix).is_some_and(|rest| rest.starts_with('/')))
        .map(|(_, why)| *why)
}

/// The hostPath volumes of a pod: (volume index, volume name, path node).
pub(crate) fn host_path_volumes<'a>(pod: &PodSpec<'a>) -> Vec<(usize, &'a str, &'a Node)> {
    let Some(volumes) = pod.spec.get("volumes") else {
        return Vec::new();
    };
    volumes
        .as_seq()
        .iter()
        .enumerate()
        .filter_map(|(i, volume)| {
            let host_path = volume.get("hostPath").filter(|h| !h.is_null())?;
            let name = volume.get("name").and_then(Node::as_str).unwrap_or("");
            Some((i, name, host_path))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sensitive_paths_match_exactly_or_below_never_by_prefix_text() {
        assert!(sensitive_host_path("/").is_some());
        assert!(sensitive_host_path("/etc").is_some());
        assert!(sensitive_host_path("/var/run/docker.sock").is_some());
        assert!(sensitive_host_path("/run/containerd/containerd.sock").is_some());
        assert!(sensitive_host_path("/proc/").is_some());
        assert!(sensitive_host_path("/etcd-backup").is_none());
        assert!(sensitive_host_path("/var/log").is_none());
        assert!(sensitive_host_path("/data").is_none());
        assert!(sensitive_host_path("/etc/ssl/certs").is_none());
        assert!(sensitive_host_path("/dev/log").is_none());
        assert!(sensitive_host_path("/etc/ssl/private").is_some());
    }

    #[test]
    fn capability_names_normalize() {
        assert_eq!(normalize_capability("cap_sys_admin"), "SYS_ADMIN");
        assert_eq!(normalize_capability("NET_RAW"), "NET_RAW");
    }
}
