//! The namespace-compromise playbook: preserve, cut the network, disable every identity,
//! stop every workload with its old state recorded, block re-creation, quarantine the nodes
//! that ran privileged pods, and list what to rotate. Each write records what undoes it, so
//! `rampart respond undo` can restore the namespace after eradication.

use rampart_k8s::Inventory;
use rampart_k8s::object::Object;
use serde_json::{Value, json};

use crate::identity::{
    Identity, RISKY, Rotations, consumers, legacy_tokens, reach_of, readable_secrets, reference, token_account, unbind,
    who_can,
};
use crate::plan::{Action, Approval, Check, ObjectRef, Plan, Rotation, Step};

/// The label (and taint-free marker) put on nodes that ran privileged pods of the namespace.
pub const NODE_LABEL: &str = "rampart.dev/suspect";

fn step(id: &str, title: String, action: Action, undo: Option<Action>, disruptive: bool, who: Vec<String>) -> Step {
    // E7 preserves (reads); E1 and E5 isolate; E2 and E6 revoke and rotate; E3 and E4 shut down.
    let approval = match id.split('.').next().unwrap_or(id) {
        "E1" | "E5" => Approval::Isolate,
        "E2" | "E6" => Approval::Revoke,
        "E3" | "E4" => Approval::Shutdown,
        _ => Approval::None,
    };
    Step::new(id, title, (action, undo), disruptive, who, approval)
}

/// Whether the pod spec is privileged, shares a host namespace or mounts a host path.
pub(crate) fn reaches_its_node(spec: &Value) -> bool {
    let containers = ["containers", "initContainers"]
        .iter()
        .filter_map(|list| spec[list].as_array())
        .flatten();
    let privileged = containers
        .clone()
        .any(|container| container["securityContext"]["privileged"] == true);
    let host = ["hostPID", "hostIPC", "hostNetwork"]
        .iter()
        .any(|field| spec[field] == true);
    let host_path = spec["volumes"]
        .as_array()
        .is_some_and(|volumes| volumes.iter().any(|volume| volume.get("hostPath").is_some()));
    privileged || host || host_path
}

/// Cordoning `node` and labelling it suspect: the write, its undo, and who may make it.
pub(crate) fn cordon(inventory: &Inventory, node: &str, incident: &str) -> (Action, Action, Vec<String>) {
    let node_ref = ObjectRef {
        api_version: "v1".to_string(),
        kind: "Node".to_string(),
        namespace: None,
        name: node.to_string(),
    };
    let who = who_can(inventory, "patch", "", "nodes", None);
    (
        Action::Patch {
            object: node_ref.clone(),
            patch: json!({"spec": {"unschedulable": true}, "metadata": {"labels": {NODE_LABEL: incident}}}),
        },
        Action::Patch {
            object: node_ref,
            patch: json!({"spec": {"unschedulable": null}, "metadata": {"labels": {NODE_LABEL: null}}}),
        },
        who,
    )
}

/// The plan for `namespace`, from the cluster's `objects` and their `inventory`.
pub fn namespace_compromise(
    objects: &[Object],
    inventory: &Inventory,
    incident: &str,
    namespace: &str,
    enforcer: Option<crate::deny::Enforcer>,
) -> Result<Plan, String> {
    let in_namespace: Vec<&Object> = objects
        .iter()
        .filter(|object| object.namespace.as_deref() == Some(namespace))
        .collect();
    let namespace_object = objects
        .iter()
        .find(|object| object.kind == "Namespace" && object.name == namespace);
    if in_namespace.is_empty() && namespace_object.is_none() {
        return Err(format!("no object of namespace {namespace} among the objects read"));
    }
    let who = |verb: &str, group: &str, resource: &str| who_can(inventory, verb, group, resource, Some(namespace));
    let mut steps = Vec::new();
    let mut notes = Vec::new();

    // E7 first: what the other steps would lose.
    let namespace_ref = ObjectRef {
        api_version: "v1".to_string(),
        kind: "Namespace".to_string(),
        namespace: None,
        name: namespace.to_string(),
    };
    steps.push(step(
        "E7",
        "Preserve the namespace before touching it".to_string(),
        Action::Capture {
            object: namespace_ref.clone(),
            what: vec![
                "every object (Secrets as metadata only)".to_string(),
                "events".to_string(),
                "logs of every container, previous runs too".to_string(),
            ],
        },
        None,
        false,
        who("get", "", "pods/log"),
    ));

    // E1: cut the network, in and out.
    let deny_name = format!("rampart-isolate-{}", incident.to_ascii_lowercase());
    let deny_ref = ObjectRef {
        api_version: "networking.k8s.io/v1".to_string(),
        kind: "NetworkPolicy".to_string(),
        namespace: Some(namespace.to_string()),
        name: deny_name.clone(),
    };
    steps.push(step(
        "E1",
        "Deny every pod of the namespace all ingress and egress".to_string(),
        Action::Create {
            object: deny_ref.clone(),
            manifest: json!({
                "apiVersion": "networking.k8s.io/v1",
                "kind": "NetworkPolicy",
                "metadata": {"name": deny_name, "namespace": namespace, "annotations": {"rampart.dev/incident": incident}},
                "spec": {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
            }),
        },
        Some(Action::Delete { object: deny_ref }),
        true,
        who("create", "networking.k8s.io", "networkpolicies"),
    ));
    let mut real_deny = None;
    if let Some(enforcer) = enforcer {
        let (reference, manifest) = crate::deny::namespace_deny(enforcer, incident, namespace);
        let (group, resource) = enforcer.resource();
        steps.push(step(
            "E1.1",
            format!(
                "Deny the namespace all traffic with a {} (it wins over the namespace's own NetworkPolicies)",
                enforcer.kind()
            ),
            Action::Create {
                object: reference.clone(),
                manifest,
            },
            Some(Action::Delete {
                object: reference.clone(),
            }),
            true,
            who("create", group, resource),
        ));
        notes.extend(crate::deny::caveat(enforcer, false));
        real_deny = Some(reference);
    }
    for policy in inventory
        .policies
        .iter()
        .filter(|policy| policy.namespace == namespace && enforcer.is_none())
    {
        if !policy.ingress_peers.is_empty() || !policy.egress_peers.is_empty() {
            notes.push(format!(
                "NetworkPolicy {namespace}/{} still allows some of the namespace's traffic: NetworkPolicies add up, so delete it (its manifest is preserved by E7) or deny with the CNI's own policy",
                policy.name
            ));
        }
    }

    // E2: disable every identity of the namespace.
    let accounts: Vec<&&Object> = in_namespace
        .iter()
        .filter(|object| object.kind == "ServiceAccount")
        .collect();
    let mut index = 0;
    // People who lose a binding of the namespace: responders among them lose it too.
    let mut people: Vec<String> = Vec::new();
    let ours = |subject: &Value, binding: &Object| {
        let binding_namespace = binding.namespace.as_deref();
        match subject["kind"].as_str().unwrap_or_default() {
            "ServiceAccount" => subject["namespace"].as_str().or(binding_namespace) == Some(namespace),
            // People bound inside the namespace lose that binding.
            "User" | "Group" => binding.kind == "RoleBinding" && binding_namespace == Some(namespace),
            _ => false,
        }
    };
    for unbinding in unbind(objects, &ours) {
        people.extend(
            unbinding
                .removed
                .iter()
                .filter(|subject| matches!(subject["kind"].as_str(), Some("User" | "Group")))
                .map(|subject| {
                    format!(
                        "{} {}",
                        subject["kind"].as_str().unwrap_or(""),
                        subject["name"].as_str().unwrap_or("")
                    )
                }),
        );
        index += 1;
        let (verb, group, resource) = unbinding.permission;
        steps.push(step(
            &format!("E2.{index}"),
            format!(
                "Unbind the namespace's identities from {}",
                unbinding.binding.describe()
            ),
            unbinding.action,
            Some(unbinding.undo),
            true,
            who(verb, group, resource),
        ));
    }
    for secret in legacy_tokens(objects, namespace, None) {
        index += 1;
        steps.push(step(
            &format!("E2.{index}"),
            "Delete a legacy service-account token (it never expires)".to_string(),
            Action::Delete {
                object: reference(secret),
            },
            None,
            true,
            who("delete", "", "secrets"),
        ));
    }
    for account in &accounts {
        index += 1;
        let before = account
            .root
            .get("automountServiceAccountToken")
            .map(|node| node.to_json());
        steps.push(step(
            &format!("E2.{index}"),
            format!("Stop mounting ServiceAccount {namespace}/{}'s token", account.name),
            Action::Patch {
                object: reference(account),
                patch: json!({"automountServiceAccountToken": false}),
            },
            Some(Action::Patch {
                object: reference(account),
                patch: json!({"automountServiceAccountToken": before.unwrap_or(Value::Null)}),
            }),
            false,
            who("patch", "", "serviceaccounts"),
        ));
    }
    if !accounts.is_empty() {
        notes.push("Tokens already issued to the namespace's service accounts stay valid until they expire or their pod is deleted: E3 ends the pods; recreating an account (a new UID) kills every token it had".to_string());
    }

    // E3: stop every workload, its state recorded.
    let owned_by_deployment = |object: &Object| {
        object.root.get_path("metadata.ownerReferences").is_some_and(|owners| {
            owners
                .as_seq()
                .iter()
                .any(|owner| owner.get("kind").and_then(|kind| kind.as_str()) == Some("Deployment"))
        })
    };
    let mut stopped = 0;
    for workload in &in_namespace {
        let object = reference(workload);
        let (action, undo, resource) = match workload.kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" if !owned_by_deployment(workload) => {
                let replicas = workload
                    .root
                    .get_path("spec.replicas")
                    .and_then(|node| node.as_i64())
                    .unwrap_or(1);
                (
                    Action::Patch {
                        object: object.clone(),
                        patch: json!({"spec": {"replicas": 0}, "metadata": {"annotations": {"rampart.dev/replicas-before": replicas.to_string()}}}),
                    },
                    Action::Patch {
                        object: object.clone(),
                        patch: json!({"spec": {"replicas": replicas}, "metadata": {"annotations": {"rampart.dev/replicas-before": null}}}),
                    },
                    crate::plan::resource_of(&workload.kind),
                )
            }
            "CronJob" | "Job" => {
                let before = workload
                    .root
                    .get_path("spec.suspend")
                    .and_then(|node| node.as_bool())
                    .unwrap_or(false);
                (
                    Action::Patch {
                        object: object.clone(),
                        patch: json!({"spec": {"suspend": true}}),
                    },
                    Action::Patch {
                        object: object.clone(),
                        patch: json!({"spec": {"suspend": before}}),
                    },
                    crate::plan::resource_of(&workload.kind),
                )
            }
            "DaemonSet" => {
                let before = workload
                    .root
                    .get_path("spec.template.spec.nodeSelector")
                    .map(|node| node.to_json())
                    .unwrap_or(Value::Null);
                (
                    Action::Patch {
                        object: object.clone(),
                        patch: json!({"spec": {"template": {"spec": {"nodeSelector": {"rampart.dev/quarantined-never": "true"}}}}}),
                    },
                    Action::Patch {
                        object: object.clone(),
                        patch: json!({"spec": {"template": {"spec": {"nodeSelector": restore_selector(before)}}}}),
                    },
                    "daemonsets".to_string(),
                )
            }
            "Pod" if workload.root.get_path("metadata.ownerReferences").is_none() => (
                Action::Delete { object: object.clone() },
                Action::Manual {
                    instruction: format!(
                        "recreate bare pod {namespace}/{} from the manifest E7 preserved",
                        workload.name
                    ),
                },
                "pods".to_string(),
            ),
            _ => continue,
        };
        stopped += 1;
        let group = match workload.kind.as_str() {
            "Deployment" | "StatefulSet" | "ReplicaSet" | "DaemonSet" => "apps",
            "CronJob" | "Job" => "batch",
            _ => "",
        };
        let verb = if matches!(action, Action::Delete { .. }) {
            "delete"
        } else {
            "patch"
        };
        steps.push(step(
            &format!("E3.{stopped}"),
            format!("Stop {}", object.describe()),
            action,
            Some(undo),
            true,
            who(verb, group, &resource),
        ));
    }

    people.sort();
    people.dedup();
    let locked_out: Vec<&String> = people
        .iter()
        .filter(|person| {
            steps
                .iter()
                .filter(|step| step.id.starts_with("E3") || step.id.starts_with("E4"))
                .any(|step| step.who_can.contains(person))
        })
        .collect();
    if !locked_out.is_empty() {
        notes.push(format!(
            "E2 removes the namespace's RoleBindings of people, and {} may run the later steps only through them: run E2 last, or act as another identity",
            locked_out.iter().map(|person| person.as_str()).collect::<Vec<_>>().join(", ")
        ));
    }

    // E4: block re-creation.
    let quota_name = format!("rampart-freeze-{}", incident.to_ascii_lowercase());
    let quota_ref = ObjectRef {
        api_version: "v1".to_string(),
        kind: "ResourceQuota".to_string(),
        namespace: Some(namespace.to_string()),
        name: quota_name.clone(),
    };
    steps.push(step(
        "E4.1",
        "Allow no new pod in the namespace".to_string(),
        Action::Create {
            object: quota_ref.clone(),
            manifest: json!({
                "apiVersion": "v1",
                "kind": "ResourceQuota",
                "metadata": {"name": quota_name, "namespace": namespace, "annotations": {"rampart.dev/incident": incident}},
                "spec": {"hard": {"pods": "0"}}
            }),
        },
        Some(Action::Delete { object: quota_ref }),
        true,
        who("create", "", "resourcequotas"),
    ));
    let enforce_before = namespace_object
        .and_then(|object| object.root.get_path("metadata.labels"))
        .and_then(|labels| labels.get("pod-security.kubernetes.io/enforce"))
        .map(|node| node.to_json())
        .unwrap_or(Value::Null);
    steps.push(step(
        "E4.2",
        "Enforce the restricted Pod Security profile".to_string(),
        Action::Patch {
            object: namespace_ref.clone(),
            patch: json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": "restricted"}}}),
        },
        Some(Action::Patch {
            object: namespace_ref,
            patch: json!({"metadata": {"labels": {"pod-security.kubernetes.io/enforce": enforce_before}}}),
        }),
        false,
        who_can(inventory, "patch", "", "namespaces", Some(namespace)),
    ));

    // E5: the nodes its privileged pods ran on.
    let mut nodes: Vec<String> = in_namespace
        .iter()
        .filter(|object| object.kind == "Pod")
        .filter_map(|pod| {
            let json = pod.root.to_json();
            let node = json["spec"]["nodeName"].as_str()?.to_string();
            reaches_its_node(&json["spec"]).then_some(node)
        })
        .collect();
    nodes.sort();
    nodes.dedup();
    for (number, node) in nodes.iter().enumerate() {
        let (action, undo, who) = cordon(inventory, node, incident);
        steps.push(step(
            &format!("E5.{}", number + 1),
            format!("Cordon and mark node {node}: a privileged or host-path pod of the namespace ran there"),
            action,
            Some(undo),
            true,
            who,
        ));
    }

    // E6: what to rotate: the namespace's Secrets, those its accounts could read
    // elsewhere, and the cloud identities they act as.
    let mut rotate = Rotations::default();
    for secret in in_namespace.iter().filter(|object| object.kind == "Secret") {
        if token_account(secret).is_none() {
            rotate.add(Rotation {
                credential: format!("{namespace}/{}", secret.name),
                why: "in the compromised namespace".to_string(),
                consumers: consumers(objects, namespace, &secret.name),
            });
        }
    }
    for account in &accounts {
        let identity = Identity::ServiceAccount {
            namespace: namespace.to_string(),
            name: account.name.clone(),
        };
        let reach = reach_of(inventory, &identity);
        for secret in readable_secrets(objects, &reach) {
            let secret_namespace = secret.namespace.as_deref().unwrap_or_default();
            if secret_namespace != namespace && token_account(secret).is_none() {
                rotate.add(Rotation {
                    credential: format!("{secret_namespace}/{}", secret.name),
                    why: format!("readable by {}", identity.describe()),
                    consumers: consumers(objects, secret_namespace, &secret.name),
                });
            }
        }
        rotate.add_cloud(account, &identity);
    }
    if !rotate.0.is_empty() {
        steps.push(step(
            "E6",
            "Rotate the namespace's credentials at their source, then restart what reads them".to_string(),
            Action::Manual {
                instruction: format!(
                    "{} (environment variables and subPath mounts never refresh: restart their consumers)",
                    rotate.instruction()
                ),
            },
            None,
            false,
            Vec::new(),
        ));
    }

    // What the namespace's accounts could do that matters most, each to be denied after.
    let mut checks = vec![
        Check::Exists {
            object: ObjectRef {
                api_version: "networking.k8s.io/v1".to_string(),
                kind: "NetworkPolicy".to_string(),
                namespace: Some(namespace.to_string()),
                name: format!("rampart-isolate-{}", incident.to_ascii_lowercase()),
            },
        },
        Check::Exists {
            object: ObjectRef {
                api_version: "v1".to_string(),
                kind: "ResourceQuota".to_string(),
                namespace: Some(namespace.to_string()),
                name: format!("rampart-freeze-{}", incident.to_ascii_lowercase()),
            },
        },
        Check::NoRunningPods {
            namespace: namespace.to_string(),
            selector: String::new(),
        },
    ];
    if let Some(object) = real_deny {
        checks.push(Check::Exists { object });
    }
    for (verb, group, resource) in RISKY {
        for grant in inventory.rbac.who_can(verb, Some(group), resource, None) {
            let subject = &grant.subject;
            if subject.kind != "ServiceAccount" || subject.namespace.as_deref() != Some(namespace) {
                continue;
            }
            let check = Check::Denied {
                user: format!("system:serviceaccount:{namespace}:{}", subject.name),
                groups: Vec::new(),
                verb: verb.to_string(),
                group: group.to_string(),
                resource: resource.to_string(),
                namespace: grant.namespace.clone(),
            };
            if !checks.contains(&check) {
                checks.push(check);
            }
        }
    }

    Ok(Plan {
        version: 1,
        incident: incident.to_string(),
        playbook: "namespace-compromise".to_string(),
        target: format!("Namespace/{namespace}"),
        steps,
        notes,
        verify: vec![
            format!(
                "NetworkPolicy {namespace}/rampart-isolate-{} selects every pod of the namespace",
                incident.to_ascii_lowercase()
            ),
            format!("no pod of {namespace} is Running"),
            format!("access reviews deny every service account of {namespace} what its bindings gave"),
            format!("a pod created in {namespace} is refused (quota pods: 0)"),
        ],
        checks,
        rotate: rotate.0,
        ..Plan::default()
    })
}

/// The merge-patch value that puts a DaemonSet's node selector back: none (`null`) when it
/// had none, else its keys with the quarantine's removed (a merge patch merges maps).
fn restore_selector(before: Value) -> Value {
    match before {
        Value::Object(mut selector) => {
            selector.insert("rampart.dev/quarantined-never".to_string(), Value::Null);
            Value::Object(selector)
        }
        _ => Value::Null,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_k8s::ScanConfig;
    use rampart_k8s::loader::{LoadOptions, load_bytes};

    const CLUSTER: &str = r#"
apiVersion: v1
kind: Namespace
metadata: {name: shop, labels: {pod-security.kubernetes.io/enforce: baseline}}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
---
apiVersion: v1
kind: Secret
metadata: {name: web-token, namespace: shop, annotations: {kubernetes.io/service-account.name: web}}
type: kubernetes.io/service-account-token
---
apiVersion: v1
kind: Secret
metadata: {name: db-credentials, namespace: shop}
type: Opaque
---
apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: web, namespace: shop}
rules: [{apiGroups: [""], resources: [secrets], verbs: [get]}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: web, namespace: shop}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: web}
subjects: [{kind: ServiceAccount, name: web}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: readers}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}
subjects: [{kind: ServiceAccount, name: web, namespace: shop}, {kind: Group, name: auditors}]
---
apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: ops}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}
subjects: [{kind: Group, name: sre}]
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template: {metadata: {labels: {app: web}}, spec: {containers: [{name: a, image: x}]}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {name: web-7d9, namespace: shop, ownerReferences: [{kind: Deployment, name: web}]}
spec: {replicas: 3}
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: report, namespace: shop}
spec: {schedule: "0 3 * * *", jobTemplate: {spec: {template: {spec: {containers: [{name: a, image: x}]}}}}}
---
apiVersion: v1
kind: Pod
metadata: {name: debug, namespace: shop}
spec: {nodeName: worker-2, hostPID: true, containers: [{name: a, image: x}]}
"#;

    fn plan() -> Plan {
        let loaded = load_bytes("cluster.yaml", CLUSTER.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        namespace_compromise(&loaded.objects, &inventory, "INC-9", "shop", None).unwrap()
    }

    fn step<'a>(plan: &'a Plan, id: &str) -> &'a Step {
        plan.steps
            .iter()
            .find(|step| step.id == id)
            .unwrap_or_else(|| panic!("no step {id}: {plan:#?}"))
    }

    #[test]
    fn the_plan_preserves_first_then_isolates_disables_and_stops() {
        let plan = plan();
        let ids: Vec<&str> = plan.steps.iter().map(|step| step.id.as_str()).collect();
        assert_eq!(
            ids,
            [
                "E7", "E1", "E2.1", "E2.2", "E2.3", "E2.4", "E3.1", "E3.2", "E3.3", "E4.1", "E4.2", "E5.1", "E6"
            ]
        );
        // The namespace's own binding goes whole; the shared one keeps its other subject.
        assert!(matches!(&step(&plan, "E2.1").action, Action::Delete { object } if object.name == "web"));
        let Action::Patch { patch, .. } = &step(&plan, "E2.2").action else {
            panic!()
        };
        assert_eq!(patch["subjects"], json!([{"kind": "Group", "name": "auditors"}]));
        let Some(Action::Patch { patch: undo, .. }) = &step(&plan, "E2.2").undo else {
            panic!()
        };
        assert_eq!(undo["subjects"].as_array().unwrap().len(), 2);
        assert!(matches!(&step(&plan, "E2.3").action, Action::Delete { object } if object.name == "web-token"));
        // The Deployment is scaled with its count kept; its ReplicaSet is left to it.
        let Action::Patch { patch, .. } = &step(&plan, "E3.1").action else {
            panic!()
        };
        assert_eq!(patch["spec"]["replicas"], 0);
        assert_eq!(patch["metadata"]["annotations"]["rampart.dev/replicas-before"], "3");
        assert!(
            plan.steps
                .iter()
                .all(|step| !step.action.describe().contains("web-7d9"))
        );
        let Action::Patch { patch, .. } = &step(&plan, "E3.2").action else {
            panic!()
        };
        assert_eq!(patch["spec"]["suspend"], true);
        assert!(matches!(&step(&plan, "E3.3").action, Action::Delete { object } if object.name == "debug"));
        let Some(Action::Patch { patch: undo, .. }) = &step(&plan, "E4.2").undo else {
            panic!()
        };
        assert_eq!(
            undo["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
            "baseline"
        );
        assert!(step(&plan, "E5.1").title.contains("worker-2"));
        let Action::Manual { instruction } = &step(&plan, "E6").action else {
            panic!()
        };
        assert!(instruction.contains("shop/db-credentials"));
        // The sre group's cluster-admin lets it do everything; nobody else is named for nodes.
        assert_eq!(step(&plan, "E5.1").who_can, ["Group sre"]);
        // Its Role let the web account read Secrets: once contained, a review must deny it.
        assert_eq!(plan.checks.len(), 4, "{:?}", plan.checks);
        let mut owned = plan.clone();
        owned.assign_approvers(Some("team-platform"), Some("team-security"), None);
        assert_eq!(step(&owned, "E7").approver, None);
        assert_eq!(step(&owned, "E1").approver.as_deref(), Some("team-platform"));
        assert_eq!(step(&owned, "E2.3").approver.as_deref(), Some("team-security"));
        assert_eq!(step(&owned, "E3.1").approval, Approval::Shutdown);
        assert!(
            owned
                .to_text()
                .contains("approved by: nobody named ([response] shutdown in rampart.toml)")
        );
        assert_eq!(
            plan.checks[3],
            Check::Denied {
                user: "system:serviceaccount:shop:web".into(),
                groups: Vec::new(),
                verb: "get".into(),
                group: String::new(),
                resource: "secrets".into(),
                namespace: Some("shop".into()),
            }
        );
    }

    #[test]
    fn a_real_deny_comes_right_after_the_network_policy_and_is_checked() {
        let loaded = load_bytes("cluster.yaml", CLUSTER.as_bytes(), &LoadOptions::default());
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        let plan = namespace_compromise(
            &loaded.objects,
            &inventory,
            "INC-9",
            "shop",
            Some(crate::deny::Enforcer::AdminNetworkPolicy),
        )
        .unwrap();
        assert_eq!(plan.steps[2].id, "E1.1");
        let Action::Create { object, manifest } = &plan.steps[2].action else {
            panic!()
        };
        assert_eq!(
            (object.kind.as_str(), object.namespace.as_deref()),
            ("AdminNetworkPolicy", None)
        );
        assert_eq!(
            manifest["spec"]["subject"]["namespaces"]["matchLabels"]["kubernetes.io/metadata.name"],
            "shop"
        );
        assert!(plan.checks.contains(&Check::Exists { object: object.clone() }));
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("an AdminNetworkPolicy (v1alpha1)"))
        );
    }

    #[test]
    fn a_daemonsets_selector_is_put_back_as_it_was() {
        assert_eq!(restore_selector(Value::Null), Value::Null);
        assert_eq!(
            restore_selector(json!({"pool": "edge"})),
            json!({"pool": "edge", "rampart.dev/quarantined-never": null})
        );
    }

    #[test]
    fn an_unknown_namespace_is_an_error() {
        let loaded = load_bytes("cluster.yaml", CLUSTER.as_bytes(), &LoadOptions::default());
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        assert!(namespace_compromise(&loaded.objects, &inventory, "INC-9", "nope", None).is_err());
    }
}
