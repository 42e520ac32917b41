//! Real denies. A NetworkPolicy only allows, and policies add up: a quarantine policy
//! cannot take away what another policy already allows the pod. Where the cluster serves a
//! policy that denies (AdminNetworkPolicy, Cilium's, Calico's), the playbooks add one: it
//! wins over every NetworkPolicy.

use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::plan::ObjectRef;

/// A policy engine that can deny.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Enforcer {
    /// `policy.networking.k8s.io/v1alpha1` AdminNetworkPolicy (cluster-scoped; priority 0
    /// comes first).
    AdminNetworkPolicy,
    /// `cilium.io/v2` CiliumNetworkPolicy (`egressDeny`, `ingressDeny`: denies win).
    Cilium,
    /// `crd.projectcalico.org/v1` GlobalNetworkPolicy (`order` 0, `action: Deny`).
    Calico,
}

impl Enforcer {
    /// The group, version and kind discovery asks for, most precise first.
    pub const ALL: [(Enforcer, &'static str, &'static str, &'static str); 3] = [
        (
            Enforcer::AdminNetworkPolicy,
            "policy.networking.k8s.io",
            "v1alpha1",
            "AdminNetworkPolicy",
        ),
        (Enforcer::Cilium, "cilium.io", "v2", "CiliumNetworkPolicy"),
        (Enforcer::Calico, "crd.projectcalico.org", "v1", "GlobalNetworkPolicy"),
    ];

    pub fn parse(name: &str) -> Option<Enforcer> {
        match name {
            "anp" | "admin-network-policy" => Some(Enforcer::AdminNetworkPolicy),
            "cilium" => Some(Enforcer::Cilium),
            "calico" => Some(Enforcer::Calico),
            _ => None,
        }
    }

    pub fn kind(self) -> &'static str {
        match self {
            Enforcer::AdminNetworkPolicy => "AdminNetworkPolicy",
            Enforcer::Cilium => "CiliumNetworkPolicy",
            Enforcer::Calico => "GlobalNetworkPolicy",
        }
    }

    fn reference(self, name: &str, namespace: &str) -> ObjectRef {
        let (api_version, namespace) = match self {
            Enforcer::AdminNetworkPolicy => ("policy.networking.k8s.io/v1alpha1", None),
            Enforcer::Cilium => ("cilium.io/v2", Some(namespace.to_string())),
            Enforcer::Calico => ("crd.projectcalico.org/v1", None),
        };
        ObjectRef {
            api_version: api_version.to_string(),
            kind: self.kind().to_string(),
            namespace,
            name: name.to_string(),
        }
    }

    /// The group and plural RBAC names for creating it.
    pub fn resource(self) -> (&'static str, &'static str) {
        match self {
            Enforcer::AdminNetworkPolicy => ("policy.networking.k8s.io", "adminnetworkpolicies"),
            Enforcer::Cilium => ("cilium.io", "ciliumnetworkpolicies"),
            Enforcer::Calico => ("crd.projectcalico.org", "globalnetworkpolicies"),
        }
    }
}

fn metadata(reference: &ObjectRef, incident: &str) -> Value {
    let mut metadata = json!({"name": reference.name, "annotations": {"rampart.dev/incident": incident}});
    if let Some(namespace) = &reference.namespace {
        metadata["namespace"] = json!(namespace);
    }
    metadata
}

/// A deny of all egress for the pods of `namespace` labelled `label=value`; with
/// `allow_dns`, kube-dns stays reachable where the engine lets an allow come first.
pub fn egress_deny(
    enforcer: Enforcer,
    incident: &str,
    namespace: &str,
    (label, value): (&str, &str),
    allow_dns: bool,
) -> (ObjectRef, Value) {
    let name = format!("rampart-quarantine-{}", incident.to_ascii_lowercase());
    let reference = enforcer.reference(&name, namespace);
    let metadata = metadata(&reference, incident);
    let manifest = match enforcer {
        Enforcer::AdminNetworkPolicy => {
            let mut rules = Vec::new();
            if allow_dns {
                rules.push(json!({
                    "name": "dns", "action": "Allow",
                    "to": [{"pods": {"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": "kube-system"}}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}}],
                    "ports": [{"portNumber": {"protocol": "UDP", "port": 53}}, {"portNumber": {"protocol": "TCP", "port": 53}}]
                }));
            }
            rules.push(json!({"name": "deny-all", "action": "Deny", "to": [{"namespaces": {}}, {"networks": ["0.0.0.0/0", "::/0"]}]}));
            json!({
                "apiVersion": reference.api_version, "kind": reference.kind, "metadata": metadata,
                "spec": {
                    "priority": 0,
                    "subject": {"pods": {
                        "namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": namespace}},
                        "podSelector": {"matchLabels": {label: value}}
                    }},
                    "egress": rules
                }
            })
        }
        Enforcer::Cilium => json!({
            "apiVersion": reference.api_version, "kind": reference.kind, "metadata": metadata,
            "spec": {
                "endpointSelector": {"matchLabels": {label: value}},
                "egressDeny": [{"toEntities": ["all"]}]
            }
        }),
        Enforcer::Calico => json!({
            "apiVersion": reference.api_version, "kind": reference.kind, "metadata": metadata,
            "spec": {
                "order": 0,
                "selector": format!("{label} == '{value}' && projectcalico.org/namespace == '{namespace}'"),
                "types": ["Egress"],
                "egress": if allow_dns {
                    json!([
                        {"action": "Allow", "protocol": "UDP", "destination": {"selector": "k8s-app == 'kube-dns'", "ports": [53]}},
                        {"action": "Allow", "protocol": "TCP", "destination": {"selector": "k8s-app == 'kube-dns'", "ports": [53]}},
                        {"action": "Deny"}
                    ])
                } else {
                    json!([{"action": "Deny"}])
                }
            }
        }),
    };
    (reference, manifest)
}

/// A deny of all traffic in and out of every pod of `namespace`.
pub fn namespace_deny(enforcer: Enforcer, incident: &str, namespace: &str) -> (ObjectRef, Value) {
    let name = format!("rampart-isolate-{}", incident.to_ascii_lowercase());
    let reference = enforcer.reference(&name, namespace);
    let metadata = metadata(&reference, incident);
    let manifest = match enforcer {
        Enforcer::AdminNetworkPolicy => json!({
            "apiVersion": reference.api_version, "kind": reference.kind, "metadata": metadata,
            "spec": {
                "priority": 0,
                "subject": {"namespaces": {"matchLabels": {"kubernetes.io/metadata.name": namespace}}},
                "ingress": [{"name": "deny-all", "action": "Deny", "from": [{"namespaces": {}}]}],
                "egress": [{"name": "deny-all", "action": "Deny", "to": [{"namespaces": {}}, {"networks": ["0.0.0.0/0", "::/0"]}]}]
            }
        }),
        Enforcer::Cilium => json!({
            "apiVersion": reference.api_version, "kind": reference.kind, "metadata": metadata,
            "spec": {
                "endpointSelector": {},
                "ingressDeny": [{"fromEntities": ["all"]}],
                "egressDeny": [{"toEntities": ["all"]}]
            }
        }),
        Enforcer::Calico => json!({
            "apiVersion": reference.api_version, "kind": reference.kind, "metadata": metadata,
            "spec": {
                "order": 0,
                "selector": format!("projectcalico.org/namespace == '{namespace}'"),
                "types": ["Ingress", "Egress"],
                "ingress": [{"action": "Deny"}],
                "egress": [{"action": "Deny"}]
            }
        }),
    };
    (reference, manifest)
}

/// What the responder must know about the engine's deny.
pub fn caveat(enforcer: Enforcer, allow_dns: bool) -> Option<String> {
    match (enforcer, allow_dns) {
        (Enforcer::Cilium, true) => Some("Cilium's deny wins over every allow, DNS included: the quarantined pod resolves no name".to_string()),
        (Enforcer::AdminNetworkPolicy, _) => Some("an AdminNetworkPolicy (v1alpha1) names no traffic from outside the cluster in its ingress rules: the NetworkPolicy still covers it".to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_engine_denies_the_quarantined_pod_with_its_own_selector() {
        let (reference, manifest) = egress_deny(
            Enforcer::AdminNetworkPolicy,
            "INC-1",
            "shop",
            ("rampart.dev/quarantine", "INC-1"),
            true,
        );
        assert_eq!(reference.namespace, None);
        assert_eq!(manifest["spec"]["priority"], 0);
        assert_eq!(manifest["spec"]["egress"][0]["action"], "Allow");
        assert_eq!(manifest["spec"]["egress"][1]["action"], "Deny");
        assert_eq!(
            manifest["spec"]["subject"]["pods"]["podSelector"]["matchLabels"]["rampart.dev/quarantine"],
            "INC-1"
        );
        let (reference, manifest) = egress_deny(
            Enforcer::Cilium,
            "INC-1",
            "shop",
            ("rampart.dev/quarantine", "INC-1"),
            false,
        );
        assert_eq!(reference.namespace.as_deref(), Some("shop"));
        assert_eq!(manifest["spec"]["egressDeny"][0]["toEntities"][0], "all");
        let (_, manifest) = egress_deny(
            Enforcer::Calico,
            "INC-1",
            "shop",
            ("rampart.dev/quarantine", "INC-1"),
            false,
        );
        assert_eq!(
            manifest["spec"]["selector"],
            "rampart.dev/quarantine == 'INC-1' && projectcalico.org/namespace == 'shop'"
        );
        assert_eq!(manifest["spec"]["egress"], json!([{"action": "Deny"}]));
        let (_, manifest) = namespace_deny(Enforcer::Cilium, "INC-1", "shop");
        assert_eq!(manifest["spec"]["endpointSelector"], json!({}));
        assert_eq!(manifest["metadata"]["namespace"], "shop");
        assert_eq!(Enforcer::parse("anp"), Some(Enforcer::AdminNetworkPolicy));
        assert_eq!(Enforcer::parse("weave"), None);
    }
}
