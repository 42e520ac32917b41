//! The suspicious-egress playbook, for one pod: capture first, label it additively, deny
//! its egress, then end it so connections opened before the policy do not survive it.
//!
//! NetworkPolicies only add up: a deny-all policy cannot take away what another policy
//! already allows the pod, so the plan names every policy that still allows it egress.
//! The label is added, never changed: the pod keeps its ReplicaSet and Service (a changed
//! label would orphan it, and the ReplicaSet would start a replacement).

use rampart_k8s::Inventory;
use rampart_k8s::inventory::Peer;
use rampart_k8s::object::Object;
use rampart_k8s::selector::labels_of;
use serde_json::json;

use crate::identity::who_can;
use crate::plan::{Action, Approval, Check, ObjectRef, Plan, Step};

/// The label that marks a pod quarantined, valued with the incident.
pub const QUARANTINE_LABEL: &str = "rampart.dev/quarantine";

pub struct EgressTarget<'a> {
    pub incident: &'a str,
    pub namespace: &'a str,
    pub pod: &'a str,
    /// Let the quarantined pod resolve names (kube-dns), to watch what it tries next.
    pub allow_dns: bool,
    /// The engine that can deny outright, where the cluster serves one.
    pub enforcer: Option<crate::deny::Enforcer>,
}

/// The plan, from the cluster's `objects` and their `inventory`.
pub fn suspicious_egress(objects: &[Object], inventory: &Inventory, target: &EgressTarget<'_>) -> Result<Plan, String> {
    let (namespace, name, incident) = (target.namespace, target.pod, target.incident);
    let pod = objects
        .iter()
        .find(|object| object.kind == "Pod" && object.namespace.as_deref() == Some(namespace) && object.name == name)
        .ok_or_else(|| format!("no pod {namespace}/{name} among the objects read"))?;
    let labels = labels_of(pod.root.get_path("metadata.labels"));
    let owner = pod
        .root
        .get_path("metadata.ownerReferences")
        .and_then(|owners| owners.as_seq().first().cloned())
        .map(|owner| {
            format!(
                "{}/{}",
                owner.get("kind").and_then(|kind| kind.as_str()).unwrap_or("?"),
                owner.get("name").and_then(|name| name.as_str()).unwrap_or("?")
            )
        });
    let pod_ref = ObjectRef {
        api_version: "v1".to_string(),
        kind: "Pod".to_string(),
        namespace: Some(namespace.to_string()),
        name: name.to_string(),
    };
    let policy_name = format!("rampart-quarantine-{}", incident.to_ascii_lowercase());
    let policy_ref = ObjectRef {
        api_version: "networking.k8s.io/v1".to_string(),
        kind: "NetworkPolicy".to_string(),
        namespace: Some(namespace.to_string()),
        name: policy_name.clone(),
    };
    let egress = if target.allow_dns {
        json!([{
            "to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}],
            "ports": [{"protocol": "UDP", "port": 53}, {"protocol": "TCP", "port": 53}]
        }])
    } else {
        json!([])
    };
    let policy = json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": {
            "name": policy_name,
            "namespace": namespace,
            "labels": {QUARANTINE_LABEL: incident},
            "annotations": {"rampart.dev/incident": incident}
        },
        "spec": {
            "podSelector": {"matchLabels": {QUARANTINE_LABEL: incident}},
            "policyTypes": ["Egress"],
            "egress": egress
        }
    });
    let mut steps = vec![
        Step {
            id: "D1".to_string(),
            title: "Capture what ending the pod would lose".to_string(),
            action: Action::Capture {
                object: pod_ref.clone(),
                what: vec![
                    "logs of every container".to_string(),
                    "logs of their previous runs".to_string(),
                    "events".to_string(),
                ],
            },
            undo: None,
            disruptive: false,
            who_can: who_can(inventory, "get", "", "pods/log", Some(namespace)),
            approval: Approval::None,
            approver: None,
        },
        Step {
            id: "D2".to_string(),
            title: "Label the pod for quarantine (added, no label changed)".to_string(),
            action: Action::Patch {
                object: pod_ref.clone(),
                patch: json!({"metadata": {"labels": {QUARANTINE_LABEL: incident}}}),
            },
            undo: Some(Action::Patch {
                object: pod_ref.clone(),
                patch: json!({"metadata": {"labels": {QUARANTINE_LABEL: null}}}),
            }),
            disruptive: false,
            who_can: who_can(inventory, "patch", "", "pods", Some(namespace)),
            approval: Approval::Isolate,
            approver: None,
        },
        Step {
            id: "D3".to_string(),
            title: if target.allow_dns {
                "Deny the pod's egress but DNS".to_string()
            } else {
                "Deny the pod's egress".to_string()
            },
            action: Action::Create {
                object: policy_ref.clone(),
                manifest: policy,
            },
            undo: Some(Action::Delete { object: policy_ref }),
            disruptive: true,
            who_can: who_can(
                inventory,
                "create",
                "networking.k8s.io",
                "networkpolicies",
                Some(namespace),
            ),
            approval: Approval::Isolate,
            approver: None,
        },
        Step {
            id: "D4".to_string(),
            title: "End the pod, so connections opened before the policy end too".to_string(),
            action: Action::Delete { object: pod_ref },
            undo: None,
            disruptive: true,
            who_can: who_can(inventory, "delete", "", "pods", Some(namespace)),
            approval: Approval::Shutdown,
            approver: None,
        },
    ];
    let mut notes = Vec::new();
    let mut checks = Vec::new();
    if let Some(enforcer) = target.enforcer {
        let (reference, manifest) = crate::deny::egress_deny(
            enforcer,
            incident,
            namespace,
            (QUARANTINE_LABEL, incident),
            target.allow_dns,
        );
        let (group, resource) = enforcer.resource();
        steps.insert(
            3,
            Step {
                id: "D3.1".to_string(),
                title: format!(
                    "Deny the pod's egress with a {} (it wins over every NetworkPolicy)",
                    enforcer.kind()
                ),
                action: Action::Create {
                    object: reference.clone(),
                    manifest,
                },
                undo: Some(Action::Delete {
                    object: reference.clone(),
                }),
                disruptive: true,
                who_can: who_can(inventory, "create", group, resource, Some(namespace)),
                approval: Approval::Isolate,
                approver: None,
            },
        );
        checks.push(Check::Exists { object: reference });
        notes.extend(crate::deny::caveat(enforcer, target.allow_dns));
    }
    let mut quarantined = labels.clone();
    quarantined.insert(QUARANTINE_LABEL.to_string(), incident.to_string());
    for policy in &inventory.policies {
        if policy.namespace != namespace || !policy.egress || !policy.selector.matches(&quarantined) {
            continue;
        }
        if policy.egress_peers.is_empty() || target.enforcer.is_some() {
            continue;
        }
        let reach: Vec<String> = policy.egress_peers.iter().map(describe_peer).collect();
        notes.push(format!(
            "NetworkPolicy {namespace}/{} still allows this pod egress to {}: NetworkPolicies add up, so the quarantine policy cannot take it away; remove the pod from its selector or delete it, or deny with the CNI's own policy (Cilium, Calico, AdminNetworkPolicy)",
            policy.name,
            reach.join(", ")
        ));
    }
    notes.push(
        "Connections opened before the policy may survive it, as the CNI decides: D4 ends them once D1 has captured what the pod held".to_string(),
    );
    match &owner {
        Some(owner) => notes.push(format!(
            "{owner} starts a replacement without the quarantine label: if it is compromised too, run the namespace-compromise playbook"
        )),
        None => notes.push("A bare pod: nothing starts it again once D4 deletes it".to_string()),
    }
    Ok(Plan {
        version: 1,
        incident: incident.to_string(),
        playbook: "suspicious-egress".to_string(),
        target: format!("Pod/{namespace}/{name}"),
        steps,
        notes,
        verify: vec![
            format!("NetworkPolicy {namespace}/{policy_name} selects every pod labelled {QUARANTINE_LABEL}={incident}"),
            format!("no pod labelled {QUARANTINE_LABEL}={incident} is Running"),
            "the pod's logs and events are in the incident's evidence".to_string(),
        ],
        checks: [
            Check::Exists {
                object: ObjectRef {
                    api_version: "networking.k8s.io/v1".to_string(),
                    kind: "NetworkPolicy".to_string(),
                    namespace: Some(namespace.to_string()),
                    name: policy_name.clone(),
                },
            },
            Check::NoRunningPods {
                namespace: namespace.to_string(),
                selector: format!("{QUARANTINE_LABEL}={incident}"),
            },
        ]
        .into_iter()
        .chain(checks)
        .collect(),
        ..Plan::default()
    })
}

fn describe_peer(peer: &Peer) -> String {
    match peer {
        Peer::Anywhere => "anywhere".to_string(),
        Peer::Addresses(cidr) => cidr.clone(),
        Peer::Pods(_) => "pods of its namespace".to_string(),
        Peer::Namespaces(_, _) => "pods of other namespaces".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_k8s::ScanConfig;
    use rampart_k8s::loader::{LoadOptions, load_bytes};

    const CLUSTER: &str = r#"
apiVersion: v1
kind: Pod
metadata:
  name: web-7d9-x2
  namespace: shop
  labels: {app: web, pod-template-hash: 7d9}
  ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-7d9}]
spec:
  containers: [{name: app, image: shop/web:1}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: web}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 0.0.0.0/0}}]}]
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: db-egress, namespace: shop}
spec:
  podSelector: {matchLabels: {app: db}}
  policyTypes: [Egress]
  egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8}}]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: responders, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}
subjects: [{kind: Group, name: oncall, apiGroup: rbac.authorization.k8s.io}]
"#;

    fn plan(pod: &str, allow_dns: bool) -> Result<Plan, String> {
        let loaded = load_bytes("cluster.yaml", CLUSTER.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        suspicious_egress(
            &loaded.objects,
            &inventory,
            &EgressTarget {
                incident: "INC-42",
                namespace: "shop",
                pod,
                allow_dns,
                enforcer: None,
            },
        )
    }

    #[test]
    fn the_plan_captures_labels_denies_and_ends_in_that_order() {
        let plan = plan("web-7d9-x2", false).unwrap();
        let ids: Vec<&str> = plan.steps.iter().map(|step| step.id.as_str()).collect();
        assert_eq!(ids, ["D1", "D2", "D3", "D4"]);
        assert_eq!(
            plan.steps[1].action,
            Action::Patch {
                object: ObjectRef {
                    api_version: "v1".into(),
                    kind: "Pod".into(),
                    namespace: Some("shop".into()),
                    name: "web-7d9-x2".into()
                },
                patch: json!({"metadata": {"labels": {"rampart.dev/quarantine": "INC-42"}}}),
            }
        );
        let Action::Create { manifest, .. } = &plan.steps[2].action else {
            panic!("D3 creates the policy");
        };
        assert_eq!(manifest["metadata"]["name"], "rampart-quarantine-inc-42");
        assert_eq!(
            manifest["spec"]["podSelector"]["matchLabels"]["rampart.dev/quarantine"],
            "INC-42"
        );
        assert_eq!(manifest["spec"]["egress"], json!([]));
        assert!(matches!(plan.steps[2].undo, Some(Action::Delete { .. })));
        assert!(plan.steps[3].disruptive && plan.steps[3].undo.is_none());
        // The admin binding of the on-call group lets it do each write.
        assert!(
            plan.steps
                .iter()
                .all(|step| step.who_can.contains(&"Group oncall".to_string())),
            "{plan:#?}"
        );
    }

    #[test]
    fn policies_that_still_allow_egress_are_named() {
        let plan = plan("web-7d9-x2", true).unwrap();
        assert!(
            plan.notes[0].starts_with("NetworkPolicy shop/web-egress still allows this pod egress to 0.0.0.0/0"),
            "{:?}",
            plan.notes
        );
        assert!(!plan.notes.iter().any(|note| note.contains("db-egress")));
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("ReplicaSet/web-7d9 starts a replacement"))
        );
        let Action::Create { manifest, .. } = &plan.steps[2].action else {
            panic!("D3 creates the policy");
        };
        assert_eq!(manifest["spec"]["egress"][0]["ports"][0]["port"], 53);
        let text = plan.to_text();
        assert!(
            text.starts_with("incident INC-42: suspicious-egress for Pod/shop/web-7d9-x2\n"),
            "{text}"
        );
        assert!(
            text.contains("D4 End the pod, so connections opened before the policy end too (disruptive)"),
            "{text}"
        );
        assert!(text.contains("    may delete pods: Group oncall"), "{text}");
        let json = serde_json::to_string(&plan).unwrap();
        let read: Plan = serde_json::from_str(&json).unwrap();
        assert_eq!(read, plan);
        assert_eq!(plan.steps[0].action.permission(), Some(("get", "pods/log".to_string())));
    }

    #[test]
    fn a_pod_not_among_the_objects_is_an_error() {
        assert_eq!(
            plan("nope", false).unwrap_err(),
            "no pod shop/nope among the objects read"
        );
    }
}
