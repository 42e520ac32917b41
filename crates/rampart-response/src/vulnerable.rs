//! The vulnerable-image playbook: find every pod running the image by what it pulled (its
//! digest, `status.containerStatuses[].imageID`), not only by the tag it names; say which
//! workloads own them, on which nodes, how exposed; stop the image spreading with a
//! ValidatingAdmissionPolicy (and the rampart.toml block CI and the webhook read); move
//! the workloads to the fixed image first, so their rollouts replace the old pods (pods
//! deleted under an unfixed controller only come back).

use rampart_core::{BlockedImage, ImageRef};
use rampart_k8s::Inventory;
use rampart_k8s::object::Object;
use rampart_k8s::selector::{LabelSelector, labels_of};
use rampart_k8s::workload::WorkloadKinds;
use serde_json::{Value, json};

use crate::identity::reference;
use crate::namespace::{cordon, reaches_its_node};
use crate::plan::{Action, Affected, Approval, Check, ObjectRef, Plan, Step};

pub struct ImageTarget<'a> {
    pub incident: &'a str,
    /// What is blocked: a digest, a tag, or the repository (the family), with the
    /// references still allowed.
    pub block: &'a BlockedImage,
    /// The fixed image (`name@sha256:...`) the workloads move to.
    pub fixed: Option<&'a str>,
}

fn step(id: &str, title: String, action: Action, undo: Option<Action>, disruptive: bool, who: Vec<String>) -> Step {
    let approval = match id.split('.').next().unwrap_or(id) {
        "B3" | "B4" => Approval::Isolate,
        "B5" => Approval::Shutdown,
        _ => Approval::None,
    };
    Step::new(id, title, (action, undo), disruptive, who, approval)
}

/// The objects that can own pods, by kind, namespace and name.
type Owners<'a> = std::collections::HashMap<(&'a str, Option<&'a str>, &'a str), &'a Object>;

/// The object that stands for `object` in a plan: its controller's controller, as far as
/// the objects read go (a pod → its ReplicaSet → its Deployment).
fn top_owner<'a>(owners: &Owners<'a>, object: &'a Object) -> &'a Object {
    let mut current = object;
    for _ in 0..4 {
        let controller = current
            .root
            .get_path("metadata.ownerReferences")
            .map(|owners| owners.as_seq())
            .unwrap_or(&[])
            .iter()
            .find(|owner| owner.get("controller").and_then(|flag| flag.as_bool()) != Some(false))
            .and_then(|owner| Some((owner.get("kind")?.as_str()?, owner.get("name")?.as_str()?)));
        let Some((kind, name)) = controller else {
            break;
        };
        match owners.get(&(kind, current.namespace.as_deref(), name)) {
            Some(owner) => current = owner,
            None => break,
        }
    }
    current
}

/// A container naming (or running) a blocked image.
#[derive(Clone)]
struct Blocked {
    /// `initContainers` or `containers`.
    list: &'static str,
    name: String,
    /// The image, and what it pulled when that is what the block names.
    image: String,
}

/// The containers of a pod spec (init first) whose image, or whose pulled image in
/// `statuses`, the block names.
fn blocked_containers(spec: &Value, statuses: &Value, block: &BlockedImage) -> Vec<Blocked> {
    let pulled = |name: &str| -> Option<String> {
        ["initContainerStatuses", "containerStatuses"]
            .iter()
            .filter_map(|list| statuses[list].as_array())
            .flatten()
            .find(|status| status["name"].as_str() == Some(name))
            .and_then(|status| status["imageID"].as_str())
            .map(str::to_string)
    };
    let mut found = Vec::new();
    for list in ["initContainers", "containers"] {
        for container in spec[list].as_array().into_iter().flatten() {
            let image = container["image"].as_str().unwrap_or_default();
            let name = container["name"].as_str().unwrap_or_default().to_string();
            if block.blocks(image) {
                found.push(Blocked {
                    list,
                    name,
                    image: image.to_string(),
                });
            } else if let Some(id) = pulled(&name).filter(|id| block.blocks(id)) {
                found.push(Blocked {
                    list,
                    name,
                    image: format!("{image} (runs {id})"),
                });
            }
        }
    }
    found
}

/// How the pod is reachable: Services selecting it (their type), Ingresses routing to
/// them, host ports and host networking.
fn exposure(objects: &[Object], pod: &Object, spec: &Value) -> Vec<String> {
    let labels = labels_of(pod.root.get_path("metadata.labels"));
    let mut found = Vec::new();
    for service in objects
        .iter()
        .filter(|object| object.kind == "Service" && object.namespace == pod.namespace)
    {
        let Some(selector) = service
            .root
            .get_path("spec.selector")
            .filter(|selector| selector.size() > 0)
        else {
            continue;
        };
        if !LabelSelector::from_map(labels_of(Some(selector))).matches(&labels) {
            continue;
        }
        let kind = service
            .root
            .get_path("spec.type")
            .and_then(|kind| kind.as_str())
            .unwrap_or("ClusterIP");
        found.push(format!("Service {} ({kind})", service.name));
        for ingress in objects
            .iter()
            .filter(|object| object.kind == "Ingress" && object.namespace == pod.namespace)
        {
            if crate::exposure::backends(&ingress.root.to_json()).contains(&service.name) {
                found.push(format!("Ingress {}", ingress.name));
            }
        }
    }
    found.extend(crate::exposure::on_its_node(spec));
    found
}

/// The CEL test that an image string `i` is blocked.
fn blocked_expression(block: &BlockedImage) -> String {
    let quote = |text: &str| format!("'{}'", text.replace('\\', "\\\\").replace('\'', "\\'"));
    // The ways a reference to `registry/repository` may be written.
    let spellings = |reference: &ImageRef<'_>| -> Vec<String> {
        let full = format!("{}/{}", reference.registry, reference.repository);
        if reference.registry != "docker.io" {
            return vec![full];
        }
        let mut names = vec![
            full,
            format!("index.docker.io/{}", reference.repository),
            reference.repository.clone(),
        ];
        if let Some(short) = reference.repository.strip_prefix("library/") {
            names.push(short.to_string());
            names.push(format!("docker.io/{short}"));
        }
        names
    };
    let matches = |reference: &str| -> String {
        if reference.starts_with("sha256:") {
            return format!("i.endsWith({})", quote(&format!("@{reference}")));
        }
        let parsed = ImageRef::parse(reference);
        if let Some(digest) = parsed.digest {
            return format!("i.endsWith({})", quote(&format!("@{digest}")));
        }
        let names = spellings(&parsed);
        let alternatives: Vec<String> = match parsed.tag {
            Some(tag) => names
                .iter()
                .flat_map(|name| {
                    let tagged = format!("{name}:{tag}");
                    [
                        format!("i == {}", quote(&tagged)),
                        format!("i.startsWith({})", quote(&format!("{tagged}@"))),
                    ]
                })
                .collect(),
            None => names
                .iter()
                .flat_map(|name| {
                    [
                        format!("i == {}", quote(name)),
                        format!("i.startsWith({})", quote(&format!("{name}:"))),
                        format!("i.startsWith({})", quote(&format!("{name}@"))),
                    ]
                })
                .collect(),
        };
        format!("({})", alternatives.join(" || "))
    };
    let mut expression = matches(&block.image);
    for allowed in &block.except {
        expression = format!("{expression} && !{}", matches(allowed));
    }
    expression
}

/// The ValidatingAdmissionPolicy (and its binding) that refuses every pod and workload
/// naming a blocked image.
pub fn admission_policy(incident: &str, block: &BlockedImage) -> (Value, Value) {
    let name = format!("rampart-block-{}", incident.to_ascii_lowercase());
    let reason = block.reason.clone().unwrap_or_else(|| format!("incident {incident}"));
    let operations = json!(["CREATE", "UPDATE"]);
    let policy = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicy",
        "metadata": {"name": name, "annotations": {"rampart.dev/incident": incident}},
        "spec": {
            "failurePolicy": "Fail",
            "matchConstraints": {"resourceRules": [
                {"apiGroups": [""], "apiVersions": ["v1"], "operations": operations, "resources": ["pods", "replicationcontrollers"]},
                {"apiGroups": ["apps"], "apiVersions": ["v1"], "operations": operations, "resources": ["deployments", "replicasets", "daemonsets", "statefulsets"]},
                {"apiGroups": ["batch"], "apiVersions": ["v1"], "operations": operations, "resources": ["jobs", "cronjobs"]}
            ]},
            "variables": [
                {"name": "spec", "expression": "object.kind == 'Pod' ? object.spec : (object.kind == 'CronJob' ? object.spec.jobTemplate.spec.template.spec : object.spec.template.spec)"},
                {"name": "images", "expression": "(has(variables.spec.initContainers) ? variables.spec.initContainers : []).map(c, c.image) + variables.spec.containers.map(c, c.image)"}
            ],
            "validations": [{
                "expression": format!("!variables.images.exists(i, {})", blocked_expression(block)),
                "message": format!("image {} is blocked: {reason}", block.image),
                "reason": "Forbidden"
            }]
        }
    });
    let binding = json!({
        "apiVersion": "admissionregistration.k8s.io/v1",
        "kind": "ValidatingAdmissionPolicyBinding",
        "metadata": {"name": name, "annotations": {"rampart.dev/incident": incident}},
        "spec": {"policyName": name, "validationActions": ["Deny"]}
    });
    (policy, binding)
}

/// The `[[images.block]]` entry for rampart.toml.
pub fn config_block(block: &BlockedImage) -> String {
    let mut text = format!("[[images.block]]\nimage = {:?}\n", block.image);
    if let Some(reason) = &block.reason {
        text.push_str(&format!("reason = {reason:?}\n"));
    }
    if !block.except.is_empty() {
        let except: Vec<String> = block.except.iter().map(|item| format!("{item:?}")).collect();
        text.push_str(&format!("except = [{}]\n", except.join(", ")));
    }
    text
}

/// The plan, from the cluster's `objects` and their `inventory`.
pub fn vulnerable_image(objects: &[Object], inventory: &Inventory, target: &ImageTarget<'_>) -> Result<Plan, String> {
    let (incident, block) = (target.incident, target.block);
    let kinds = WorkloadKinds::default();
    let mut affected: Vec<Affected> = Vec::new();
    // Workloads to move to the fixed image, with their blocked containers.
    let mut owners: Vec<(&Object, Vec<Blocked>)> = Vec::new();
    let mut nodes: Vec<String> = Vec::new();
    let by_name: Owners<'_> = objects
        .iter()
        .filter(|object| object.kind != "Pod")
        .map(|object| {
            (
                (object.kind.as_str(), object.namespace.as_deref(), object.name.as_str()),
                object,
            )
        })
        .collect();
    for pod in objects.iter().filter(|object| object.kind == "Pod") {
        let json = pod.root.to_json();
        let containers = blocked_containers(&json["spec"], &json["status"], block);
        if containers.is_empty() {
            continue;
        }
        let phase = json["status"]["phase"].as_str().unwrap_or("Running");
        if matches!(phase, "Succeeded" | "Failed") {
            continue;
        }
        let owner = top_owner(&by_name, pod);
        let node = json["spec"]["nodeName"].as_str().map(str::to_string);
        if reaches_its_node(&json["spec"])
            && let Some(node) = &node
            && !nodes.contains(node)
        {
            nodes.push(node.clone());
        }
        affected.push(Affected {
            pod: format!("{}/{}", pod.namespace.as_deref().unwrap_or_default(), pod.name),
            workload: format!(
                "{}/{}/{}",
                owner.kind,
                owner.namespace.as_deref().unwrap_or_default(),
                owner.name
            ),
            node,
            images: containers.iter().map(|container| container.image.clone()).collect(),
            exposure: exposure(objects, pod, &json["spec"]),
        });
        if !owners.iter().any(|(known, _)| std::ptr::eq(*known, owner)) {
            // The owner's template names the image, or a tag that now pulls the blocked
            // build: then the pod's containers, by name, are the ones to move.
            let in_template = if std::ptr::eq(owner, pod) {
                Vec::new()
            } else {
                kinds
                    .pod_of(owner)
                    .map(|spec| blocked_containers(&spec.spec.to_json(), &Value::Null, block))
                    .unwrap_or_default()
            };
            owners.push((
                owner,
                if in_template.is_empty() {
                    containers
                } else {
                    in_template
                },
            ));
        }
    }
    // Workloads not running (scaled to zero, CronJobs between runs) whose template names it.
    for workload in objects.iter().filter(|object| object.kind != "Pod") {
        if workload.root.get_path("metadata.ownerReferences").is_some() {
            continue;
        }
        let Some(spec) = kinds.pod_of(workload) else {
            continue;
        };
        let containers = blocked_containers(&spec.spec.to_json(), &Value::Null, block);
        if !containers.is_empty() && !owners.iter().any(|(known, _)| std::ptr::eq(*known, workload)) {
            owners.push((workload, containers));
        }
    }
    if affected.is_empty() && owners.is_empty() {
        return Err(format!(
            "no pod or workload among the objects read runs {}: nothing to contain (block it with `[[images.block]]` to keep it out)",
            block.image
        ));
    }

    let mut steps = Vec::new();
    let mut notes = Vec::new();
    // B3: nodes where an affected pod had host access.
    for (number, node) in nodes.iter().enumerate() {
        let (action, undo, who) = cordon(inventory, node, incident);
        steps.push(step(
            &format!("B3.{}", number + 1),
            format!("Cordon and mark node {node}: a privileged or host-access pod ran the image there"),
            action,
            Some(undo),
            true,
            who,
        ));
    }
    if affected.iter().any(|found| !found.exposure.is_empty()) {
        notes.push("pods reachable from outside run the image: if it is being exploited, run suspicious-egress on them (or namespace-compromise on their namespace) before redeploying".to_string());
    }

    // B4: stop it spreading.
    let (policy, binding) = admission_policy(incident, block);
    let name = format!("rampart-block-{}", incident.to_ascii_lowercase());
    let policy_ref = ObjectRef {
        api_version: "admissionregistration.k8s.io/v1".to_string(),
        kind: "ValidatingAdmissionPolicy".to_string(),
        namespace: None,
        name: name.clone(),
    };
    let binding_ref = ObjectRef {
        kind: "ValidatingAdmissionPolicyBinding".to_string(),
        ..policy_ref.clone()
    };
    let who_admission =
        |resource: &str| crate::identity::who_can(inventory, "create", "admissionregistration.k8s.io", resource, None);
    steps.push(step(
        "B4.1",
        format!(
            "Refuse every pod and workload naming {} (a ValidatingAdmissionPolicy)",
            block.image
        ),
        Action::Create {
            object: policy_ref.clone(),
            manifest: policy,
        },
        Some(Action::Delete {
            object: policy_ref.clone(),
        }),
        false,
        who_admission("validatingadmissionpolicies"),
    ));
    steps.push(step(
        "B4.2",
        "Bind the policy to deny (cluster-wide)".to_string(),
        Action::Create {
            object: binding_ref.clone(),
            manifest: binding,
        },
        Some(Action::Delete {
            object: binding_ref.clone(),
        }),
        true,
        who_admission("validatingadmissionpolicybindings"),
    ));
    steps.push(step(
        "B4.3",
        "Keep it out of CI, the webhook and audits too".to_string(),
        Action::Manual {
            instruction: format!("add to rampart.toml (image-blocked):\n{}", config_block(block)),
        },
        None,
        false,
        Vec::new(),
    ));
    notes.push("while the policy binds, a pod an unfixed controller starts is refused: its workload stays short of replicas until B5 moves it to the fixed image".to_string());

    // B5: the fixed image first; the rollout replaces the old pods.
    for (number, (owner, containers)) in owners.iter().enumerate() {
        let id = format!("B5.{}", number + 1);
        let object = reference(owner);
        let described = object.describe();
        let patchable = matches!(
            owner.kind.as_str(),
            "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "CronJob" | "ReplicationController"
        );
        let (Some(fixed), true) = (target.fixed, patchable) else {
            let controlled = owner.root.get_path("metadata.ownerReferences").is_some();
            let instruction = match (owner.kind.as_str(), target.fixed) {
                ("Pod", _) if controlled => {
                    format!("{described}'s controller was not among the objects read: move it to the fixed image")
                }
                ("Pod", _) => format!("recreate bare pod {described} from a manifest naming the fixed image"),
                ("Job", _) => {
                    format!("a Job's template cannot change: delete {described} and run it again with the fixed image")
                }
                (_, None) => format!(
                    "move {described} to the fixed image (push it, then `rampart fix --pin-digests` its manifests, or plan again with --fixed)"
                ),
                _ => format!("move {described} to the fixed image"),
            };
            steps.push(step(
                &id,
                format!("Move {described} to the fixed image"),
                Action::Manual { instruction },
                None,
                true,
                Vec::new(),
            ));
            continue;
        };
        let Some(spec) = kinds.pod_of(owner) else {
            continue;
        };
        let spec_json = spec.spec.to_json();
        // A merge patch replaces a list whole: each list is written back with only the
        // blocked images changed.
        let mut patch_spec = serde_json::Map::new();
        let mut undo_spec = serde_json::Map::new();
        for list in ["initContainers", "containers"] {
            let names: Vec<&str> = containers
                .iter()
                .filter(|container| container.list == list)
                .map(|container| container.name.as_str())
                .collect();
            let before = spec_json[list].clone();
            let mut after = before.clone();
            let mut changed = false;
            for container in after.as_array_mut().into_iter().flatten() {
                if names.contains(&container["name"].as_str().unwrap_or_default()) {
                    container["image"] = json!(fixed);
                    changed = true;
                }
            }
            if changed {
                patch_spec.insert(list.to_string(), after);
                undo_spec.insert(list.to_string(), before);
            }
        }
        let wrap = |inner: serde_json::Map<String, Value>| -> Value {
            let inner = Value::Object(inner);
            match owner.kind.as_str() {
                "CronJob" => json!({"spec": {"jobTemplate": {"spec": {"template": {"spec": inner}}}}}),
                _ => json!({"spec": {"template": {"spec": inner}}}),
            }
        };
        let group = if owner.kind == "CronJob" { "batch" } else { "apps" };
        steps.push(step(
            &id,
            format!("Move {described} to {fixed}: its rollout replaces the old pods"),
            Action::Patch {
                object: object.clone(),
                patch: wrap(patch_spec),
            },
            Some(Action::Patch {
                object: object.clone(),
                patch: wrap(undo_spec),
            }),
            true,
            crate::identity::who_can(
                inventory,
                "patch",
                group,
                &crate::plan::resource_of(&owner.kind),
                owner.namespace.as_deref(),
            ),
        ));
    }
    if target.fixed.is_some() {
        notes.push("the workloads' manifests in git still name the old image: change them too (rampart fix --pin-digests), or the next deploy brings it back (and the policy refuses it)".to_string());
    }

    let checks = vec![
        Check::Exists { object: policy_ref },
        Check::Exists { object: binding_ref },
        Check::ImageNotRunning { block: block.clone() },
    ];
    Ok(Plan {
        version: 1,
        incident: incident.to_string(),
        playbook: "vulnerable-image".to_string(),
        target: format!("Image {}", block.image),
        steps,
        notes,
        verify: vec![
            format!("ValidatingAdmissionPolicy {name} and its binding refuse the image"),
            format!("no pod runs {} (by the digest it pulled)", block.image),
        ],
        checks,
        affected,
        ..Plan::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_k8s::ScanConfig;
    use rampart_k8s::loader::{LoadOptions, load_bytes};

    const BAD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
    const GOOD: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

    fn cluster() -> String {
        format!(
            r#"
apiVersion: apps/v1
kind: Deployment
metadata: {{name: web, namespace: shop}}
spec:
  replicas: 2
  template:
    metadata: {{labels: {{app: web}}}}
    spec:
      containers:
      - {{name: proxy, image: envoy:1}}
      - {{name: web, image: "ghcr.io/acme/web:1.4.1"}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata: {{name: web-7d9, namespace: shop, ownerReferences: [{{kind: Deployment, name: web, controller: true}}]}}
spec: {{template: {{spec: {{containers: [{{name: proxy, image: "envoy:1"}}, {{name: web, image: "ghcr.io/acme/web:1.4.1"}}]}}}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: web-7d9-a, namespace: shop, labels: {{app: web}}, ownerReferences: [{{kind: ReplicaSet, name: web-7d9, controller: true}}]}}
spec:
  nodeName: worker-1
  containers:
  - {{name: istio-proxy, image: istio:1}}
  - {{name: proxy, image: "envoy:1"}}
  - {{name: web, image: "ghcr.io/acme/web:1.4.1"}}
status:
  phase: Running
  containerStatuses:
  - {{name: web, imageID: "ghcr.io/acme/web@{BAD}"}}
---
apiVersion: v1
kind: Service
metadata: {{name: web, namespace: shop}}
spec: {{type: LoadBalancer, selector: {{app: web}}}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {{name: shop, namespace: shop}}
spec: {{rules: [{{http: {{paths: [{{path: /, pathType: Prefix, backend: {{service: {{name: web, port: {{number: 80}}}}}}}}]}}}}]}}
---
apiVersion: batch/v1
kind: CronJob
metadata: {{name: report, namespace: shop}}
spec: {{schedule: "0 3 * * *", jobTemplate: {{spec: {{template: {{spec: {{containers: [{{name: report, image: "ghcr.io/acme/web@{BAD}"}}]}}}}}}}}}}
---
apiVersion: v1
kind: Pod
metadata: {{name: debug, namespace: ops}}
spec: {{nodeName: worker-2, hostPID: true, containers: [{{name: a, image: "mirror.local/web@{BAD}"}}]}}
---
apiVersion: v1
kind: Pod
metadata: {{name: api, namespace: shop}}
spec: {{nodeName: worker-1, containers: [{{name: a, image: "ghcr.io/acme/api:1"}}]}}
"#
        )
    }

    fn plan(block: &BlockedImage, fixed: Option<&str>) -> Result<Plan, String> {
        let text = cluster();
        let loaded = load_bytes("cluster.yaml", text.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        vulnerable_image(
            &loaded.objects,
            &inventory,
            &ImageTarget {
                incident: "INC-3",
                block,
                fixed,
            },
        )
    }

    fn digest_block() -> BlockedImage {
        BlockedImage {
            image: BAD.to_string(),
            reason: Some("CVE-2026-1234".to_string()),
            except: Vec::new(),
        }
    }

    #[test]
    fn pods_are_found_by_the_digest_they_pulled_and_their_owners_moved_to_the_fix() {
        let fixed = format!("ghcr.io/acme/web:1.4.2@{GOOD}");
        let plan = plan(&digest_block(), Some(&fixed)).unwrap();
        let affected: Vec<(&str, &str, Option<&str>)> = plan
            .affected
            .iter()
            .map(|found| (found.pod.as_str(), found.workload.as_str(), found.node.as_deref()))
            .collect();
        assert_eq!(
            affected,
            [
                ("shop/web-7d9-a", "Deployment/shop/web", Some("worker-1")),
                ("ops/debug", "Pod/ops/debug", Some("worker-2")),
            ]
        );
        assert_eq!(
            plan.affected[0].images,
            [format!("ghcr.io/acme/web:1.4.1 (runs ghcr.io/acme/web@{BAD})")]
        );
        assert_eq!(
            plan.affected[0].exposure,
            ["Service web (LoadBalancer)", "Ingress shop"]
        );
        let ids: Vec<&str> = plan.steps.iter().map(|step| step.id.as_str()).collect();
        assert_eq!(ids, ["B3.1", "B4.1", "B4.2", "B4.3", "B5.1", "B5.2", "B5.3"]);
        assert!(plan.steps[0].title.contains("worker-2"));
        // The Deployment's web container (by name: the pod has an injected sidecar) moves.
        let Action::Patch { patch, .. } = &plan.steps[4].action else {
            panic!("{plan:#?}")
        };
        assert_eq!(
            patch["spec"]["template"]["spec"]["containers"],
            json!([{"name": "proxy", "image": "envoy:1"}, {"name": "web", "image": fixed}])
        );
        let Some(Action::Patch { patch: undo, .. }) = &plan.steps[4].undo else {
            panic!()
        };
        assert_eq!(
            undo["spec"]["template"]["spec"]["containers"][1]["image"],
            "ghcr.io/acme/web:1.4.1"
        );
        assert!(
            matches!(&plan.steps[6].action, Action::Patch { object, patch } if object.kind == "CronJob" && patch["spec"]["jobTemplate"]["spec"]["template"]["spec"]["containers"][0]["image"] == json!(fixed))
        );
        assert!(
            matches!(&plan.steps[5].action, Action::Manual { instruction } if instruction.starts_with("recreate bare pod Pod/ops/debug"))
        );
        let Action::Manual { instruction } = &plan.steps[3].action else {
            panic!()
        };
        assert!(
            instruction.contains(&format!(
                "[[images.block]]\nimage = \"{BAD}\"\nreason = \"CVE-2026-1234\"\n"
            )),
            "{instruction}"
        );
        assert_eq!(plan.checks[2], Check::ImageNotRunning { block: digest_block() });
        let text = plan.to_text();
        assert!(
            text.contains(
                "\naffected\n  - shop/web-7d9-a of Deployment/shop/web on worker-1: ghcr.io/acme/web:1.4.1 (runs"
            ),
            "{text}"
        );
        assert!(
            text.contains("      reached through Service web (LoadBalancer), Ingress shop\n"),
            "{text}"
        );
    }

    #[test]
    fn without_the_fix_the_move_is_left_to_a_person_and_an_unused_image_is_an_error() {
        let plan = plan(&digest_block(), None).unwrap();
        assert!(matches!(&plan.steps[4].action, Action::Manual { instruction } if instruction.contains("--fixed")));
        let other = BlockedImage {
            image: "ghcr.io/acme/nope".to_string(),
            reason: None,
            except: Vec::new(),
        };
        let error = super::tests::plan(&other, None).unwrap_err();
        assert!(
            error.starts_with("no pod or workload among the objects read runs ghcr.io/acme/nope"),
            "{error}"
        );
    }

    mod cel {
        use super::*;
        use kube_cel::KubeCelExt;
        use kube_cel::cel::{Context, Program, Value as Cel};
        use std::collections::HashMap;

        fn to_cel(value: &Value) -> Cel {
            match value {
                Value::Null => Cel::Null,
                Value::Bool(flag) => Cel::Bool(*flag),
                Value::Number(number) => Cel::Int(number.as_i64().unwrap_or_default()),
                Value::String(text) => Cel::String(text.clone().into()),
                Value::Array(items) => Cel::List(items.iter().map(to_cel).collect::<Vec<_>>().into()),
                Value::Object(map) => map
                    .iter()
                    .map(|(key, value)| (key.clone(), to_cel(value)))
                    .collect::<HashMap<String, Cel>>()
                    .into(),
            }
        }

        /// Whether the generated policy admits `object`, evaluated with the Kubernetes CEL
        /// libraries.
        fn admits(block: &BlockedImage, object: Value) -> bool {
            let (policy, _) = admission_policy("INC-3", block);
            let mut variables: HashMap<String, Cel> = HashMap::new();
            for variable in policy["spec"]["variables"].as_array().unwrap() {
                let program = Program::compile(variable["expression"].as_str().unwrap()).unwrap();
                let mut context = Context::default().with_all();
                context.add_variable_from_value("object", to_cel(&object));
                context.add_variable_from_value("variables", variables.clone());
                let value = program.execute(&context).unwrap();
                variables.insert(variable["name"].as_str().unwrap().to_string(), value);
            }
            let expression = policy["spec"]["validations"][0]["expression"].as_str().unwrap();
            let program = Program::compile(expression).unwrap_or_else(|error| panic!("{expression}: {error:?}"));
            let mut context = Context::default().with_all();
            context.add_variable_from_value("object", to_cel(&object));
            context.add_variable_from_value("variables", variables);
            match program.execute(&context).unwrap() {
                Cel::Bool(admitted) => admitted,
                other => panic!("not a bool: {other:?}"),
            }
        }

        fn pod(image: &str) -> Value {
            json!({"kind": "Pod", "spec": {"containers": [{"name": "a", "image": image}]}})
        }

        #[test]
        fn the_policy_refuses_the_digest_in_every_kind_and_admits_the_fix() {
            let block = digest_block();
            assert!(!admits(&block, pod(&format!("ghcr.io/acme/web@{BAD}"))));
            assert!(admits(&block, pod(&format!("ghcr.io/acme/web@{GOOD}"))));
            assert!(admits(&block, pod("ghcr.io/acme/web:1.4.1")));
            let deployment = json!({"kind": "Deployment", "spec": {"template": {"spec": {
                "initContainers": [{"name": "i", "image": format!("mirror.local/web:1@{BAD}")}],
                "containers": [{"name": "a", "image": "envoy:1"}]}}}});
            assert!(!admits(&block, deployment));
            let cronjob = json!({"kind": "CronJob", "spec": {"jobTemplate": {"spec": {"template": {"spec": {
                "containers": [{"name": "a", "image": format!("x@{BAD}")}]}}}}}});
            assert!(!admits(&block, cronjob));
        }

        #[test]
        fn a_family_is_refused_by_every_spelling_but_its_exceptions() {
            let family = BlockedImage {
                image: "nginx".to_string(),
                reason: None,
                except: vec!["nginx:1.27".to_string(), format!("nginx@{GOOD}")],
            };
            for refused in [
                "nginx",
                "nginx:1.25",
                "library/nginx:1.25",
                "docker.io/library/nginx:1.25",
                "docker.io/nginx:1.25",
                "index.docker.io/library/nginx:1.25",
            ] {
                assert!(!admits(&family, pod(refused)), "{refused}");
                assert!(family.blocks(refused), "the rule agrees: {refused}");
            }
            for admitted in ["nginx:1.27", "nginxinc/nginx:1", "ghcr.io/nginx:1", "nginx-exporter:1"] {
                assert!(admits(&family, pod(admitted)), "{admitted}");
                assert!(!family.blocks(admitted), "the rule agrees: {admitted}");
            }
            assert!(admits(&family, pod(&format!("docker.io/library/nginx:1.28@{GOOD}"))));
            let quoted = BlockedImage {
                image: "ghcr.io/acme/it's".to_string(),
                reason: None,
                except: Vec::new(),
            };
            assert!(!admits(&quoted, pod("ghcr.io/acme/it's:1")));
        }
    }
}
