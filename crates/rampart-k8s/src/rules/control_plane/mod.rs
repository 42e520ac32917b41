//! The control plane's own configuration, as files: the static pod
//! manifests of kube-apiserver (its command-line flags), and the
//! KubeletConfiguration, EncryptionConfiguration and audit Policy files.
//! kube-bench's CIS items are the reference; `rampart scan` reads these
//! files where they are (`/etc/kubernetes/manifests`, `/var/lib/kubelet`)
//! and `rampart audit` reads the static pods' mirror pods.

pub mod apiserver_admission_plugins;
pub mod apiserver_anonymous_auth;
pub mod apiserver_audit_log;
pub mod apiserver_audit_retention;
pub mod apiserver_authorization_mode;
pub mod apiserver_encryption_at_rest;
pub mod apiserver_profiling;
pub mod apiserver_tls;
pub mod audit_policy_coverage;
pub mod audit_policy_secrets;
pub mod controller_manager_exposure;
pub mod controller_manager_service_accounts;
pub mod encryption_config_secrets;
pub mod encryption_provider_strength;
pub mod etcd_tls;
pub mod kubelet_anonymous_auth;
pub mod kubelet_authorization_mode;
pub mod kubelet_certificate_rotation;
pub mod kubelet_read_only_port;
pub mod kubelet_seccomp_default;
pub mod node_version_skew;
pub mod scheduler_exposure;

use crate::object::Object;
use crate::yaml::{Node, Pos};

/// The kubelet's configuration file.
pub const KUBELET_CONFIGURATIONS: &[(&str, &str)] = &[("kubelet.config.k8s.io", "KubeletConfiguration")];

pub fn is_kubelet_configuration(object: &Object) -> bool {
    object.group() == "kubelet.config.k8s.io" && object.kind == "KubeletConfiguration"
}

/// One command-line flag as the manifest writes it.
pub struct Flag<'a> {
    pub name: &'a str,
    /// `None` for a bare `--flag`.
    pub value: Option<&'a str>,
    pub pos: Pos,
    /// `spec.containers[0].command[3]`.
    pub field: String,
}

/// The flags of a control-plane component's container, and where to
/// point when one is missing.
pub struct Component<'a> {
    pub flags: Vec<Flag<'a>>,
    /// The container's `command` (or the container itself).
    pub anchor: Pos,
    pub anchor_field: String,
    /// The container's image (`registry.k8s.io/kube-apiserver:v1.29.3`).
    pub image: Option<&'a str>,
}

impl Component<'_> {
    /// The last value given to `--name` (the last one wins, as for the
    /// binary); `Some(None)` for a bare flag.
    pub fn get(&self, name: &str) -> Option<&Flag<'_>> {
        self.flags.iter().rev().find(|flag| flag.name == name)
    }
}

/// What a flag must say.
pub enum Want {
    /// This value; a missing flag defaults to another (a bare boolean
    /// flag means `true`).
    Value(&'static str),
    /// Any value (a file): missing means the feature is off.
    Set,
    /// Anything but this value; a missing flag defaults to a safe one.
    Not(&'static str),
}

/// One flag a component must set, and why, for the finding.
pub struct Requirement {
    pub flag: &'static str,
    pub want: Want,
    pub why: &'static str,
}

/// What the controller manager and the scheduler must set: their ports
/// are for the node alone.
pub const EXPOSURE: &[Requirement] = &[
    Requirement {
        flag: "profiling",
        want: Want::Value("false"),
        why: "it serves profiling data (on by default)",
    },
    Requirement {
        flag: "bind-address",
        want: Want::Value("127.0.0.1"),
        why: "its port is reachable from every address",
    },
];

/// Reports each requirement `component` (running `program`) breaks: at the
/// flag when it is written, else at the command.
pub fn require(
    component: &Component<'_>,
    program: &str,
    requirements: &[Requirement],
    out: &mut crate::rules::Reporter<'_>,
) {
    for requirement in requirements {
        let flag = component.get(requirement.flag);
        let value = flag.map(|flag| flag.value.unwrap_or("true"));
        let broken = match requirement.want {
            Want::Value(wanted) => value != Some(wanted),
            Want::Set => value.is_none_or(|value| value.is_empty() || value == "true"),
            Want::Not(unwanted) => value == Some(unwanted),
        };
        if !broken {
            continue;
        }
        let name = requirement.flag;
        let why = requirement.why;
        match flag {
            Some(flag) => out.report(
                flag.pos,
                flag.field.clone(),
                None,
                format!("{program} sets `--{name}={}`: {why}", value.unwrap_or("")),
            ),
            None => out.report(
                component.anchor,
                component.anchor_field.clone(),
                None,
                format!("{program} does not set `--{name}`: {why}"),
            ),
        }
    }
}

/// The program a command runs: `kube-apiserver` for
/// `/usr/local/bin/kube-apiserver`.
fn program(command: &str) -> &str {
    command.rsplit('/').next().unwrap_or(command)
}

/// Whether `object` is a Pod running `binary` (a static pod manifest, or its
/// mirror pod read from a cluster).
pub fn runs(object: &Object, binary: &str) -> bool {
    component(object, binary).is_some()
}

/// The flags of the first container of a Pod whose command (or, without
/// one, first argument) runs `binary`.
pub fn component<'a>(object: &'a Object, binary: &str) -> Option<Component<'a>> {
    if object.kind != "Pod" || !object.group().is_empty() {
        return None;
    }
    let containers = object.root.get("spec")?.get("containers")?.as_seq();
    for (index, container) in containers.iter().enumerate() {
        let command = container.get("command").map(Node::as_seq).unwrap_or_default();
        let args = container.get("args").map(Node::as_seq).unwrap_or_default();
        let first = command.first().or(args.first()).and_then(Node::as_str);
        if first.map(program) != Some(binary) {
            continue;
        }
        let mut flags = Vec::new();
        for (list, items) in [("command", command), ("args", args)] {
            for (position, item) in items.iter().enumerate() {
                let Some(text) = item.as_str() else {
                    continue;
                };
                let Some(flag) = text.strip_prefix("--") else {
                    continue;
                };
                let (name, value) = match flag.split_once('=') {
                    Some((name, value)) => (name, Some(value)),
                    None => (flag, None),
                };
                flags.push(Flag {
                    name,
                    value,
                    pos: item.pos,
                    field: format!("spec.containers[{index}].{list}[{position}]"),
                });
            }
        }
        let (anchor, anchor_field) = match container.get("command") {
            Some(node) => (node.pos, format!("spec.containers[{index}].command")),
            None => (container.pos, format!("spec.containers[{index}]")),
        };
        return Some(Component {
            flags,
            anchor,
            anchor_field,
            image: container.get("image").and_then(Node::as_str),
        });
    }
    None
}
