//! Inline waivers: annotations on an object or its pod template that
//! suppress findings about it.
//!
//! Ours: `rampart.dev/ignore: "rule-a,rule-b"` with
//! `rampart.dev/ignore-reason`, and per container
//! `rampart.dev/ignore.<container>: "rule-a"`. The peers' annotations are
//! read too and mapped to our rule ids (table in [`PEER_CHECKS`]), so teams
//! that migrate keep their waivers. A suppressed finding stays in the
//! report, marked, with the reason; rules named `non-waivable` in
//! rampart.toml cannot be suppressed.

use std::collections::HashMap;
use std::sync::Arc;

use rampart_core::{Finding, ResourceRef, RuleSelector};

use crate::object::Object;
use crate::workload::WorkloadKinds;
use crate::yaml::{Entry, Node};

/// The annotation prefix of our own waivers.
pub const IGNORE: &str = "rampart.dev/ignore";
pub const IGNORE_REASON: &str = "rampart.dev/ignore-reason";

/// One waiver read from an annotation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Waiver {
    /// Our rule ids; `*` waives every rule.
    pub rules: Vec<String>,
    /// Only findings about this container.
    pub container: Option<String>,
    pub reason: Option<String>,
    /// The annotation it came from, for the report.
    pub annotation: String,
    /// The file and 1-based line of the annotation.
    pub path: Arc<str>,
    pub line: usize,
}

impl Waiver {
    /// Whether the annotation is ours (`rampart.dev/ignore...`), whose
    /// values are our rule ids as the user typed them; the peers' are
    /// mapped to ours and cannot name an unknown one.
    pub fn is_ours(&self) -> bool {
        self.annotation.starts_with(IGNORE)
    }
}

/// A peer tool whose waiver annotations are honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Peer {
    KubeScore,
    KubeLinter,
    Polaris,
    Checkov,
}

impl Peer {
    pub fn name(self) -> &'static str {
        match self {
            Peer::KubeScore => "kube-score",
            Peer::KubeLinter => "kube-linter",
            Peer::Polaris => "Polaris",
            Peer::Checkov => "Checkov",
        }
    }
}

/// A peer's check id and the rules of ours that check the same thing.
pub const PEER_CHECKS: &[(Peer, &str, &[&str])] = &[
    (Peer::KubeScore, "container-image-tag", &["image-tag-not-latest"]),
    (
        Peer::KubeScore,
        "container-resources",
        &["resource-requests-set", "resource-limits-set"],
    ),
    (Peer::KubeScore, "container-seccomp-profile", &["seccomp-required"]),
    (
        Peer::KubeScore,
        "container-security-context-privileged",
        &["no-privileged"],
    ),
    (
        Peer::KubeScore,
        "container-security-context-readonlyrootfilesystem",
        &["read-only-root-fs"],
    ),
    (
        Peer::KubeScore,
        "container-security-context-user-group-id",
        &["run-as-non-root", "run-as-user-not-zero"],
    ),
    (
        Peer::KubeScore,
        "pod-probes",
        &["liveness-probe-set", "readiness-probe-set"],
    ),
    (Peer::KubeScore, "pod-networkpolicy", &["workload-network-policy"]),
    (Peer::KubeScore, "service-targets-pod", &["service-selects-pods"]),
    (Peer::KubeScore, "service-type", &["service-no-nodeport"]),
    (Peer::KubeLinter, "privileged-container", &["no-privileged"]),
    (
        Peer::KubeLinter,
        "privilege-escalation-container",
        &["no-privilege-escalation"],
    ),
    (Peer::KubeLinter, "run-as-non-root", &["run-as-non-root"]),
    (Peer::KubeLinter, "no-read-only-root-fs", &["read-only-root-fs"]),
    (Peer::KubeLinter, "sensitive-host-mounts", &["no-sensitive-host-path"]),
    (Peer::KubeLinter, "host-network", &["no-host-network"]),
    (Peer::KubeLinter, "host-pid", &["no-host-pid"]),
    (Peer::KubeLinter, "host-ipc", &["no-host-ipc"]),
    (Peer::KubeLinter, "unsafe-proc-mount", &["proc-mount-default"]),
    (Peer::KubeLinter, "unsafe-sysctls", &["sysctls-safe"]),
    (Peer::KubeLinter, "latest-tag", &["image-tag-not-latest"]),
    (
        Peer::KubeLinter,
        "unset-cpu-requirements",
        &["resource-requests-set", "resource-limits-set"],
    ),
    (
        Peer::KubeLinter,
        "unset-memory-requirements",
        &["resource-requests-set", "resource-limits-set"],
    ),
    (Peer::KubeLinter, "no-liveness-probe", &["liveness-probe-set"]),
    (Peer::KubeLinter, "no-readiness-probe", &["readiness-probe-set"]),
    (Peer::KubeLinter, "env-var-secret", &["no-literal-secret-env"]),
    (
        Peer::KubeLinter,
        "default-service-account",
        &["no-default-service-account"],
    ),
    (Peer::KubeLinter, "use-namespace", &["no-default-namespace"]),
    (Peer::KubeLinter, "non-isolated-pod", &["workload-network-policy"]),
    (Peer::KubeLinter, "exposed-services", &["service-no-nodeport"]),
    (Peer::KubeLinter, "dangling-service", &["service-selects-pods"]),
    (
        Peer::KubeLinter,
        "cluster-admin-role-binding",
        &["rbac-cluster-admin-binding"],
    ),
    (Peer::KubeLinter, "wildcard-in-rules", &["rbac-wildcard"]),
    (Peer::KubeLinter, "access-to-secrets", &["rbac-secrets-read"]),
    (
        Peer::KubeLinter,
        "access-to-create-pods",
        &["rbac-dangerous-permissions"],
    ),
    (Peer::Polaris, "runAsPrivileged", &["no-privileged"]),
    (
        Peer::Polaris,
        "privilegeEscalationAllowed",
        &["no-privilege-escalation"],
    ),
    (Peer::Polaris, "runAsRootAllowed", &["run-as-non-root"]),
    (Peer::Polaris, "notReadOnlyRootFilesystem", &["read-only-root-fs"]),
    (Peer::Polaris, "insecureCapabilities", &["capabilities-drop-all"]),
    (Peer::Polaris, "dangerousCapabilities", &["no-dangerous-capabilities"]),
    (Peer::Polaris, "hostNetworkSet", &["no-host-network"]),
    (Peer::Polaris, "hostPIDSet", &["no-host-pid"]),
    (Peer::Polaris, "hostIPCSet", &["no-host-ipc"]),
    (Peer::Polaris, "hostPortSet", &["no-host-port"]),
    (Peer::Polaris, "hostPathSet", &["no-host-path"]),
    (Peer::Polaris, "procMount", &["proc-mount-default"]),
    (Peer::Polaris, "hostProcess", &["no-windows-host-process"]),
    (Peer::Polaris, "tagNotSpecified", &["image-tag-not-latest"]),
    (Peer::Polaris, "cpuRequestsMissing", &["resource-requests-set"]),
    (Peer::Polaris, "memoryRequestsMissing", &["resource-requests-set"]),
    (Peer::Polaris, "cpuLimitsMissing", &["resource-limits-set"]),
    (Peer::Polaris, "memoryLimitsMissing", &["resource-limits-set"]),
    (Peer::Polaris, "livenessProbeMissing", &["liveness-probe-set"]),
    (Peer::Polaris, "readinessProbeMissing", &["readiness-probe-set"]),
    (
        Peer::Polaris,
        "automountServiceAccountToken",
        &["no-automount-sa-token"],
    ),
    (Peer::Polaris, "missingNetworkPolicy", &["workload-network-policy"]),
    (Peer::Polaris, "tlsSettingsMissing", &["ingress-tls"]),
    (Peer::Polaris, "sensitiveContainerEnvVar", &["no-literal-secret-env"]),
    (
        Peer::Polaris,
        "clusterrolebindingClusterAdmin",
        &["rbac-cluster-admin-binding"],
    ),
    (
        Peer::Polaris,
        "rolebindingClusterAdminClusterRole",
        &["rbac-cluster-admin-binding"],
    ),
    (
        Peer::Polaris,
        "clusterrolePodExecAttach",
        &["rbac-dangerous-permissions"],
    ),
    (Peer::Polaris, "rolePodExecAttach", &["rbac-dangerous-permissions"]),
    (Peer::Checkov, "CKV_K8S_8", &["liveness-probe-set"]),
    (Peer::Checkov, "CKV_K8S_9", &["readiness-probe-set"]),
    (Peer::Checkov, "CKV_K8S_10", &["resource-requests-set"]),
    (Peer::Checkov, "CKV_K8S_11", &["resource-limits-set"]),
    (Peer::Checkov, "CKV_K8S_12", &["resource-requests-set"]),
    (Peer::Checkov, "CKV_K8S_13", &["resource-limits-set"]),
    (Peer::Checkov, "CKV_K8S_14", &["image-tag-not-latest"]),
    (Peer::Checkov, "CKV_K8S_16", &["no-privileged"]),
    (Peer::Checkov, "CKV_K8S_17", &["no-host-pid"]),
    (Peer::Checkov, "CKV_K8S_18", &["no-host-ipc"]),
    (Peer::Checkov, "CKV_K8S_19", &["no-host-network"]),
    (Peer::Checkov, "CKV_K8S_20", &["no-privilege-escalation"]),
    (Peer::Checkov, "CKV_K8S_21", &["no-default-namespace"]),
    (Peer::Checkov, "CKV_K8S_22", &["read-only-root-fs"]),
    (
        Peer::Checkov,
        "CKV_K8S_23",
        &["run-as-non-root", "run-as-user-not-zero"],
    ),
    (Peer::Checkov, "CKV_K8S_25", &["capabilities-add-baseline"]),
    (Peer::Checkov, "CKV_K8S_26", &["no-host-port"]),
    (Peer::Checkov, "CKV_K8S_31", &["seccomp-required"]),
    (Peer::Checkov, "CKV_K8S_37", &["capabilities-drop-all"]),
    (Peer::Checkov, "CKV_K8S_38", &["no-automount-sa-token"]),
    (Peer::Checkov, "CKV_K8S_39", &["no-dangerous-capabilities"]),
    (Peer::Checkov, "CKV_K8S_41", &["no-default-service-account"]),
    (Peer::Checkov, "CKV_K8S_42", &["no-default-service-account"]),
    (Peer::Checkov, "CKV_K8S_43", &["image-digest-pinned"]),
    (Peer::Checkov, "CKV_K8S_49", &["rbac-wildcard"]),
    (Peer::Checkov, "CKV2_K8S_5", &["rbac-secrets-read"]),
    (Peer::Checkov, "CKV2_K8S_6", &["workload-network-policy"]),
];

/// Our rules a peer's check id stands for; empty when we have none.
pub fn rules_for(peer: Peer, check: &str) -> Vec<String> {
    PEER_CHECKS
        .iter()
        .filter(|(tool, id, _)| *tool == peer && id.eq_ignore_ascii_case(check))
        .flat_map(|(_, _, rules)| rules.iter().map(|rule| rule.to_string()))
        .collect()
}

/// The waivers an object carries: on its own metadata, and for workloads
/// on the pod template's.
pub fn waivers_of(object: &Object, kinds: &WorkloadKinds) -> Vec<Waiver> {
    let own = annotations(object.root.get("metadata"));
    let object_reason = reason_in(own);
    let mut waivers = read(&object.path, own, true, None);
    if let Some(pod) = kinds.pod_of(object) {
        // Only our own and kube-score's are read on the pod template, as
        // those tools do; the object's reason covers them too.
        waivers.extend(read(&object.path, pod.annotations(), false, object_reason));
    }
    waivers
}

fn annotations(metadata: Option<&Node>) -> &[Entry] {
    metadata
        .and_then(|m| m.get("annotations"))
        .map(Node::entries)
        .unwrap_or(&[])
}

fn text(node: &Node) -> String {
    node.scalar_text()
        .map(|text| text.trim().to_string())
        .unwrap_or_default()
}

fn list(value: &str) -> Vec<String> {
    value
        .split([',', ' '])
        .map(str::trim)
        .filter(|item| !item.is_empty())
        .map(str::to_string)
        .collect()
}

/// `rampart.dev/ignore-reason`, when set and not empty.
fn reason_in(entries: &[Entry]) -> Option<String> {
    entries
        .iter()
        .find(|entry| entry.key == IGNORE_REASON)
        .map(|entry| text(&entry.value))
        .filter(|reason| !reason.is_empty())
}

fn read(path: &Arc<str>, entries: &[Entry], top_level: bool, inherited_reason: Option<String>) -> Vec<Waiver> {
    let our_reason = reason_in(entries).or(inherited_reason);
    let mut waivers = Vec::new();
    let mut push = |rules: Vec<String>, container: Option<String>, reason: Option<String>, entry: &Entry| {
        if !rules.is_empty() {
            waivers.push(Waiver {
                rules,
                container,
                reason,
                annotation: entry.key.to_string(),
                path: path.clone(),
                line: entry.value.pos.line as usize,
            });
        }
    };
    for entry in entries {
        let key = entry.key.as_str();
        let value = text(&entry.value);
        if key == IGNORE {
            let rules = list(&value)
                .into_iter()
                .map(|rule| if rule == "all" { "*".into() } else { rule })
                .collect();
            push(rules, None, our_reason.clone(), entry);
        } else if let Some(container) = key.strip_prefix("rampart.dev/ignore.") {
            push(list(&value), Some(container.to_string()), our_reason.clone(), entry);
        } else if key == "kube-score/ignore" {
            let rules = list(&value)
                .iter()
                .flat_map(|check| rules_for(Peer::KubeScore, check))
                .collect();
            push(rules, None, our_reason.clone(), entry);
        } else if !top_level {
            continue;
        } else if let Some(check) = key.strip_prefix("ignore-check.kube-linter.io/") {
            let reason = Some(value).filter(|reason| !reason.is_empty()).or(our_reason.clone());
            push(rules_for(Peer::KubeLinter, check), None, reason, entry);
        } else if key == "kube-linter.io/ignore-all" {
            let reason = Some(value).filter(|reason| !reason.is_empty()).or(our_reason.clone());
            push(vec!["*".into()], None, reason, entry);
        } else if key == "polaris.fairwinds.com/exempt" && value.eq_ignore_ascii_case("true") {
            push(vec!["*".into()], None, our_reason.clone(), entry);
        } else if let Some(check) = key
            .strip_prefix("polaris.fairwinds.com/")
            .and_then(|rest| rest.strip_suffix("-exempt"))
            && value.eq_ignore_ascii_case("true")
        {
            push(rules_for(Peer::Polaris, check), None, our_reason.clone(), entry);
        } else if key.starts_with("checkov.io/skip") {
            // `CKV_K8S_20=reason`
            let (check, reason) = value.split_once('=').unwrap_or((value.as_str(), ""));
            let reason = Some(reason.trim().to_string())
                .filter(|r| !r.is_empty())
                .or(our_reason.clone());
            push(rules_for(Peer::Checkov, check.trim()), None, reason, entry);
        }
    }
    waivers
}

/// Marks the findings that a waiver on their object covers. Findings of
/// `non_waivable` rules stay as they are.
pub fn apply(
    findings: &mut [Finding],
    waivers: &HashMap<Arc<ResourceRef>, Vec<Waiver>>,
    non_waivable: &[RuleSelector],
) {
    if waivers.is_empty() {
        return;
    }
    for finding in findings.iter_mut() {
        // A waiver cannot silence the finding that it gives no reason.
        if finding.rule == "waiver-without-reason" {
            continue;
        }
        let Some(resource) = &finding.resource else {
            continue;
        };
        let Some(list) = waivers.get(resource) else {
            continue;
        };
        let covering = list.iter().find(|waiver| {
            waiver.rules.iter().any(|rule| rule == "*" || *rule == finding.rule)
                && waiver
                    .container
                    .as_ref()
                    .is_none_or(|container| finding.container.as_ref() == Some(container))
        });
        let Some(waiver) = covering else {
            continue;
        };
        if non_waivable
            .iter()
            .any(|selector| selector.matches(&finding.rule, &finding.controls, finding.severity))
        {
            continue;
        }
        finding.suppressed = true;
        finding.suppression_reason = Some(match &waiver.reason {
            Some(reason) => format!("{}: {reason}", waiver.annotation),
            None => format!("{} (no reason given)", waiver.annotation),
        });
    }
}

/// The mapping table as Markdown, for `docs/waivers.md`.
pub fn peer_table_markdown() -> String {
    let mut out = String::from(
        "# Waivers from other tools\n\n\
         Rampart honours the waiver annotations of kube-score, kube-linter, Polaris and\n\
         Checkov, mapped to its own rules, so teams that migrate keep them. Generated\n\
         from `crates/rampart-k8s/src/waivers.rs`.\n\n\
         | Annotation | Scope |\n|---|---|\n\
         | `rampart.dev/ignore: \"rule-a,rule-b\"` (with `rampart.dev/ignore-reason`) | object or pod template |\n\
         | `rampart.dev/ignore.<container>: \"rule-a\"` | one container |\n\
         | `kube-score/ignore: \"check-a,check-b\"` | object or pod template |\n\
         | `ignore-check.kube-linter.io/<check>: \"<reason>\"`, `kube-linter.io/ignore-all` | object |\n\
         | `polaris.fairwinds.com/<check>-exempt: \"true\"`, `polaris.fairwinds.com/exempt: \"true\"` | object |\n\
         | `checkov.io/skip<N>: \"<CKV id>=<reason>\"` | object |\n\n\
         | Tool | Check | Rampart rules |\n|---|---|---|\n",
    );
    for (peer, check, rules) in PEER_CHECKS {
        let rules: Vec<String> = rules.iter().map(|rule| format!("`{rule}`")).collect();
        out.push_str(&format!("| {} | `{check}` | {} |\n", peer.name(), rules.join(", ")));
    }
    out
}
