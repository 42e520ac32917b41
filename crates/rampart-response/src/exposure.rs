//! The unauthorized-ingress-exposure playbook: what is really reachable (a load
//! balancer's address from its status, node ports, external IPs, Ingress hosts, host
//! ports), then the least disruptive cut first: narrow the load balancer to an allow-list
//! (its address kept), admit the pods' traffic only from the ingress controller, drop
//! external IPs (the CVE-2020-8554 vector); `--hard` turns the Service into a ClusterIP
//! one and deletes the Ingresses routing to it.

use rampart_k8s::Inventory;
use rampart_k8s::object::Object;
use rampart_k8s::selector::{LabelSelector, labels_of};
use serde_json::{Value, json};

use crate::identity::reference;
use crate::identity::who_can;
use crate::plan::{Action, Approval, Check, Exposure, Plan, Step};

/// Which exposure: one Service, one Ingress, or everything a namespace exposes.
pub enum Exposed<'a> {
    Service { namespace: &'a str, name: &'a str },
    Ingress { namespace: &'a str, name: &'a str },
    Namespace(&'a str),
}

pub struct ExposureTarget<'a> {
    pub incident: &'a str,
    pub exposed: Exposed<'a>,
    /// Source ranges the load balancers keep (empty: they are not narrowed).
    pub allow: &'a [String],
    /// The ingress controller's namespace (else found from its pods' labels).
    pub ingress_namespace: Option<&'a str>,
    /// ClusterIP for the Services, the Ingresses deleted.
    pub hard: bool,
}

/// `app.kubernetes.io/name` values of the common ingress controllers.
const CONTROLLERS: &[&str] = &[
    "ingress-nginx",
    "nginx-ingress",
    "traefik",
    "contour",
    "haproxy-ingress",
    "kong",
    "envoy-gateway",
    "istio-ingressgateway",
];

fn step(id: &str, title: String, action: Action, undo: Option<Action>, disruptive: bool, who: Vec<String>) -> Step {
    Step::new(
        id,
        title,
        (action, undo),
        disruptive,
        who,
        if id.starts_with("C2.3") || id.starts_with("C2.4") {
            Approval::Shutdown
        } else {
            Approval::Isolate
        },
    )
}

/// How a pod spec listens on its node: `host port 8080`, every port with hostNetwork.
pub(crate) fn on_its_node(spec: &Value) -> Vec<String> {
    let mut reach: Vec<String> = spec["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|container| container["ports"].as_array().into_iter().flatten())
        .filter_map(|port| port["hostPort"].as_i64())
        .map(|port| format!("host port {port}"))
        .collect();
    if spec["hostNetwork"] == true {
        reach.push("every port of its node (hostNetwork)".to_string());
    }
    reach
}

/// The Services an Ingress routes to.
pub(crate) fn backends(ingress: &Value) -> Vec<String> {
    let mut names = Vec::new();
    let mut add = |backend: &Value| {
        if let Some(name) = backend["service"]["name"].as_str().or(backend["serviceName"].as_str())
            && !names.iter().any(|known| known == name)
        {
            names.push(name.to_string());
        }
    };
    add(&ingress["spec"]["defaultBackend"]);
    add(&ingress["spec"]["backend"]);
    for rule in ingress["spec"]["rules"].as_array().into_iter().flatten() {
        for path in rule["http"]["paths"].as_array().into_iter().flatten() {
            add(&path["backend"]);
        }
    }
    names
}

fn addresses(status: &Value) -> Vec<String> {
    status["loadBalancer"]["ingress"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|entry| entry["ip"].as_str().or(entry["hostname"].as_str()))
        .map(str::to_string)
        .collect()
}

/// The plan, from the cluster's `objects` and their `inventory`.
pub fn ingress_exposure(
    objects: &[Object],
    inventory: &Inventory,
    target: &ExposureTarget<'_>,
) -> Result<Plan, String> {
    let incident = target.incident;
    let find = |kind: &str, namespace: &str, name: &str| {
        objects
            .iter()
            .find(|object| object.kind == kind && object.namespace.as_deref() == Some(namespace) && object.name == name)
    };
    let exposed_service = |service: &Object| {
        let json = service.root.to_json();
        matches!(json["spec"]["type"].as_str(), Some("LoadBalancer" | "NodePort"))
            || json["spec"]["externalIPs"]
                .as_array()
                .is_some_and(|ips| !ips.is_empty())
    };
    let ingresses_to = |namespace: &str, service: &str| -> Vec<&Object> {
        objects
            .iter()
            .filter(|object| object.kind == "Ingress" && object.namespace.as_deref() == Some(namespace))
            .filter(|ingress| backends(&ingress.root.to_json()).iter().any(|name| name == service))
            .collect()
    };
    // The Services and Ingresses in scope.
    let (services, ingresses, namespace, described): (Vec<&Object>, Vec<&Object>, &str, String) = match target.exposed {
        Exposed::Service { namespace, name } => {
            let service = find("Service", namespace, name)
                .ok_or_else(|| format!("no Service {namespace}/{name} among the objects read"))?;
            (
                vec![service],
                ingresses_to(namespace, name),
                namespace,
                format!("Service/{namespace}/{name}"),
            )
        }
        Exposed::Ingress { namespace, name } => {
            let ingress = find("Ingress", namespace, name)
                .ok_or_else(|| format!("no Ingress {namespace}/{name} among the objects read"))?;
            let services = backends(&ingress.root.to_json())
                .iter()
                .filter_map(|service| find("Service", namespace, service))
                .collect();
            (
                services,
                vec![ingress],
                namespace,
                format!("Ingress/{namespace}/{name}"),
            )
        }
        Exposed::Namespace(namespace) => {
            let services: Vec<&Object> = objects
                .iter()
                .filter(|object| object.kind == "Service" && object.namespace.as_deref() == Some(namespace))
                .filter(|service| exposed_service(service) || !ingresses_to(namespace, &service.name).is_empty())
                .collect();
            let ingresses: Vec<&Object> = objects
                .iter()
                .filter(|object| object.kind == "Ingress" && object.namespace.as_deref() == Some(namespace))
                .collect();
            (services, ingresses, namespace, format!("Namespace/{namespace}"))
        }
    };
    if services.is_empty() && ingresses.is_empty() {
        return Err(format!("nothing in {described} is exposed among the objects read"));
    }

    // C1: the real exposure.
    let mut exposed: Vec<Exposure> = Vec::new();
    for service in &services {
        let json = service.root.to_json();
        let kind = json["spec"]["type"].as_str().unwrap_or("ClusterIP").to_string();
        let mut reach = Vec::new();
        let node_ports: Vec<String> = json["spec"]["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|port| port["nodePort"].as_i64())
            .map(|port| format!("node port {port}"))
            .collect();
        if kind == "LoadBalancer" {
            let found = addresses(&json["status"]);
            reach.extend(found.iter().map(|address| format!("load balancer {address}")));
            if found.is_empty() {
                reach.push("a load balancer (no address in its status yet)".to_string());
            }
        }
        if matches!(kind.as_str(), "LoadBalancer" | "NodePort") {
            reach.extend(node_ports);
        }
        reach.extend(
            json["spec"]["externalIPs"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .map(|ip| format!("external IP {ip}")),
        );
        let ranges: Vec<String> = json["spec"]["loadBalancerSourceRanges"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .map(str::to_string)
            .collect();
        exposed.push(Exposure {
            object: format!("Service/{namespace}/{}", service.name),
            kind,
            reach,
            allowed_from: if ranges.is_empty() {
                vec!["anywhere".to_string()]
            } else {
                ranges
            },
        });
    }
    for ingress in &ingresses {
        let json = ingress.root.to_json();
        let mut reach: Vec<String> = json["spec"]["rules"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|rule| rule["host"].as_str())
            .map(|host| format!("host {host}"))
            .collect();
        if reach.is_empty() {
            reach.push("every host (no host rule)".to_string());
        }
        reach.extend(
            addresses(&json["status"])
                .iter()
                .map(|address| format!("address {address}")),
        );
        let tls = json["spec"]["tls"].as_array().is_some_and(|tls| !tls.is_empty());
        exposed.push(Exposure {
            object: format!("Ingress/{namespace}/{}", ingress.name),
            kind: if tls { "Ingress (TLS)" } else { "Ingress (plain HTTP)" }.to_string(),
            reach,
            allowed_from: vec!["anywhere the ingress controller is reachable from".to_string()],
        });
    }
    // Pods the Services select that also listen on their node.
    for service in &services {
        let Some(selector) = service
            .root
            .get_path("spec.selector")
            .filter(|selector| selector.size() > 0)
        else {
            continue;
        };
        let selector = LabelSelector::from_map(labels_of(Some(selector)));
        for pod in objects
            .iter()
            .filter(|object| object.kind == "Pod" && object.namespace.as_deref() == Some(namespace))
            .filter(|pod| selector.matches(&labels_of(pod.root.get_path("metadata.labels"))))
        {
            let reach = on_its_node(&pod.root.to_json()["spec"]);
            if !reach.is_empty() {
                exposed.push(Exposure {
                    object: format!("Pod/{namespace}/{}", pod.name),
                    kind: "host".to_string(),
                    reach,
                    allowed_from: vec!["anywhere the node is reachable from".to_string()],
                });
            }
        }
    }

    // The ingress controller: its pods, or its workloads' pod templates, say its name.
    let kinds = rampart_k8s::workload::WorkloadKinds::default();
    let ingress_namespace = target.ingress_namespace.map(str::to_string).or_else(|| {
        objects
            .iter()
            .find(|object| {
                let labels = labels_of(
                    kinds
                        .pod_of(object)
                        .and_then(|pod| pod.metadata)
                        .and_then(|metadata| metadata.get("labels")),
                );
                labels
                    .get("app.kubernetes.io/name")
                    .is_some_and(|name| CONTROLLERS.contains(&name.as_str()))
            })
            .and_then(|controller| controller.namespace.clone())
    });
    // Exposing the controller itself: admitting its own namespace would admit itself.
    let ingress_namespace = ingress_namespace.filter(|controller| controller != namespace);

    let mut steps = Vec::new();
    let mut notes = Vec::new();
    let mut checks = Vec::new();
    let who = |verb: &str, group: &str, resource: &str| who_can(inventory, verb, group, resource, Some(namespace));
    let mut number = 0;
    let mut next = || {
        number += 1;
        number
    };
    for service in &services {
        let json = service.root.to_json();
        let object = reference(service);
        let kind = json["spec"]["type"].as_str().unwrap_or("ClusterIP");
        if kind == "LoadBalancer" && !target.allow.is_empty() && !target.hard {
            let before = json["spec"]["loadBalancerSourceRanges"].clone();
            steps.push(step(
                &format!("C2.1.{}", next()),
                format!(
                    "Narrow {}'s load balancer to {} (its address kept)",
                    object.describe(),
                    target.allow.join(", ")
                ),
                Action::Patch {
                    object: object.clone(),
                    patch: json!({"spec": {"loadBalancerSourceRanges": target.allow}}),
                },
                Some(Action::Patch {
                    object: object.clone(),
                    patch: json!({"spec": {"loadBalancerSourceRanges": before}}),
                }),
                true,
                who("patch", "", "services"),
            ));
            checks.push(Check::Field {
                object: object.clone(),
                pointer: "/spec/loadBalancerSourceRanges".to_string(),
                equals: json!(target.allow),
            });
        } else if kind == "LoadBalancer" && !target.hard {
            notes.push(format!(
                "{} stays open to anywhere: give --allow CIDR to narrow its load balancer, or --hard to remove it",
                object.describe()
            ));
        }
        if json["spec"]["externalIPs"]
            .as_array()
            .is_some_and(|ips| !ips.is_empty())
        {
            steps.push(step(
                &format!("C3.{}", next()),
                format!(
                    "Remove {}'s external IPs (CVE-2020-8554: they can take over any address)",
                    object.describe()
                ),
                Action::Patch {
                    object: object.clone(),
                    patch: json!({"spec": {"externalIPs": null}}),
                },
                Some(Action::Patch {
                    object: object.clone(),
                    patch: json!({"spec": {"externalIPs": json["spec"]["externalIPs"]}}),
                }),
                true,
                who("patch", "", "services"),
            ));
            checks.push(Check::Field {
                object: object.clone(),
                pointer: "/spec/externalIPs".to_string(),
                equals: Value::Null,
            });
        }
        if target.hard && matches!(kind, "LoadBalancer" | "NodePort") {
            // ClusterIP keeps no node port; the ports are written back without them.
            let ports: Vec<Value> = json["spec"]["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|port| {
                    let mut port = port.clone();
                    if let Some(port) = port.as_object_mut() {
                        port.remove("nodePort");
                    }
                    port
                })
                .collect();
            let mut undo = json!({"spec": {"type": kind, "ports": json["spec"]["ports"]}});
            for key in [
                "loadBalancerSourceRanges",
                "externalTrafficPolicy",
                "allocateLoadBalancerNodePorts",
                "loadBalancerClass",
            ] {
                if !json["spec"][key].is_null() {
                    undo["spec"][key] = json["spec"][key].clone();
                }
            }
            steps.push(step(
                &format!("C2.3.{}", next()),
                format!(
                    "Make {} a ClusterIP Service: its load balancer and node ports go",
                    object.describe()
                ),
                Action::Patch {
                    object: object.clone(),
                    patch: json!({"spec": {
                        "type": "ClusterIP",
                        "ports": ports,
                        "loadBalancerSourceRanges": null,
                        "externalTrafficPolicy": null,
                        "allocateLoadBalancerNodePorts": null,
                        "healthCheckNodePort": null,
                        "loadBalancerClass": null
                    }}),
                },
                Some(Action::Patch {
                    object: object.clone(),
                    patch: undo,
                }),
                true,
                who("patch", "", "services"),
            ));
            checks.push(Check::Field {
                object: object.clone(),
                pointer: "/spec/type".to_string(),
                equals: json!("ClusterIP"),
            });
            if kind == "LoadBalancer" {
                notes.push(format!(
                    "{}'s load balancer address is released: undo gets a new one, which DNS must follow",
                    object.describe()
                ));
            }
        }
    }

    // C2.2: the pods admit traffic only from the ingress controller.
    let selectors: Vec<Value> = services
        .iter()
        .filter_map(|service| {
            service
                .root
                .get_path("spec.selector")
                .filter(|selector| selector.size() > 0)
        })
        .map(|selector| selector.to_json())
        .collect();
    for (index, selector) in selectors.iter().enumerate() {
        let name = format!(
            "rampart-ingress-{}{}",
            incident.to_ascii_lowercase(),
            if selectors.len() > 1 {
                format!("-{}", index + 1)
            } else {
                String::new()
            }
        );
        let mut peers: Vec<Value> = Vec::new();
        if let Some(controller) = &ingress_namespace {
            peers.push(json!({"namespaceSelector": {"matchLabels": {"kubernetes.io/metadata.name": controller}}}));
        }
        peers.extend(target.allow.iter().map(|cidr| json!({"ipBlock": {"cidr": cidr}})));
        let from = if peers.is_empty() {
            json!([])
        } else {
            json!([{"from": peers}])
        };
        let policy_ref = crate::plan::ObjectRef {
            api_version: "networking.k8s.io/v1".to_string(),
            kind: "NetworkPolicy".to_string(),
            namespace: Some(namespace.to_string()),
            name: name.clone(),
        };
        steps.push(step(
            &format!("C2.2.{}", index + 1),
            match (&ingress_namespace, target.allow.is_empty()) {
                (Some(controller), true) => {
                    format!("Admit the pods' traffic only from the ingress controller (namespace {controller})")
                }
                (Some(controller), false) => format!(
                    "Admit the pods' traffic only from the ingress controller (namespace {controller}) and {}",
                    target.allow.join(", ")
                ),
                (None, false) => format!("Admit the pods' traffic only from {}", target.allow.join(", ")),
                (None, true) => {
                    "Admit no traffic to the pods (no ingress controller found: --ingress-namespace names it)".to_string()
                }
            },
            Action::Create {
                object: policy_ref.clone(),
                manifest: json!({
                    "apiVersion": "networking.k8s.io/v1",
                    "kind": "NetworkPolicy",
                    "metadata": {"name": name, "namespace": namespace, "annotations": {"rampart.dev/incident": incident}},
                    "spec": {"podSelector": {"matchLabels": selector}, "policyTypes": ["Ingress"], "ingress": from}
                }),
            },
            Some(Action::Delete {
                object: policy_ref.clone(),
            }),
            true,
            who("create", "networking.k8s.io", "networkpolicies"),
        ));
        checks.push(Check::Exists { object: policy_ref });
        // Policies add up: one that already admits more keeps admitting it.
        let matched = LabelSelector::from_map(
            selector
                .as_object()
                .into_iter()
                .flatten()
                .filter_map(|(key, value)| Some((key.clone(), value.as_str()?.to_string())))
                .collect(),
        );
        for policy in inventory
            .policies
            .iter()
            .filter(|policy| policy.namespace == namespace && policy.ingress)
        {
            let pods_overlap = objects
                .iter()
                .filter(|object| object.kind == "Pod" && object.namespace.as_deref() == Some(namespace))
                .map(|pod| labels_of(pod.root.get_path("metadata.labels")))
                .any(|labels| matched.matches(&labels) && policy.selector.matches(&labels));
            if pods_overlap && !policy.ingress_peers.is_empty() {
                notes.push(format!(
                    "NetworkPolicy {namespace}/{} still admits traffic to these pods: NetworkPolicies add up, so narrow or delete it (or deny with the CNI's own policy)",
                    policy.name
                ));
            }
        }
    }
    if target.hard {
        for ingress in &ingresses {
            let object = reference(ingress);
            steps.push(step(
                &format!("C2.4.{}", next()),
                format!("Delete {}: its routes go", object.describe()),
                Action::Delete { object: object.clone() },
                Some(Action::Create {
                    object: object.clone(),
                    manifest: crate::credential::recreatable(ingress),
                }),
                true,
                who("delete", "networking.k8s.io", "ingresses"),
            ));
            checks.push(Check::Gone { object });
        }
    } else if !ingresses.is_empty() {
        notes.push(format!(
            "the Ingresses ({}) still route from the ingress controller: --hard deletes them, or narrow them at the controller (an allow-list annotation)",
            ingresses
                .iter()
                .map(|ingress| ingress.name.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ));
    }
    if exposed.iter().any(|found| found.kind == "host") {
        notes.push("pods listening on their node's ports stay reachable there: a NetworkPolicy may not cover host networking; remove hostPort/hostNetwork from their workload".to_string());
    }
    if !target.allow.is_empty() {
        notes.push("the policy admits the allow-list by source address: a load balancer keeps client addresses only with externalTrafficPolicy: Local (else traffic arrives from node addresses, which it does not name)".to_string());
    }
    notes.push("connections already open may survive a new policy, as the CNI decides".to_string());
    if steps.is_empty() {
        return Err(format!("nothing to do for {described}: give --allow CIDR or --hard"));
    }
    Ok(Plan {
        version: 1,
        incident: incident.to_string(),
        playbook: "ingress-exposure".to_string(),
        target: described,
        steps,
        notes,
        verify: vec![
            "each Service has no public address beyond the allow-list, no external IP".to_string(),
            "the ingress policy selects the Services' pods".to_string(),
        ],
        checks,
        exposed,
        ..Plan::default()
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_k8s::ScanConfig;
    use rampart_k8s::loader::{LoadOptions, load_bytes};

    const CLUSTER: &str = r#"
apiVersion: v1
kind: Service
metadata: {name: web, namespace: shop}
spec:
  type: LoadBalancer
  selector: {app: web}
  externalTrafficPolicy: Local
  externalIPs: [198.51.100.9]
  ports: [{port: 80, targetPort: 8080, nodePort: 30080}]
status: {loadBalancer: {ingress: [{ip: 203.0.113.7}]}}
---
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata: {name: shop, namespace: shop}
spec:
  rules: [{host: shop.example.com, http: {paths: [{path: /, pathType: Prefix, backend: {service: {name: web, port: {number: 80}}}}]}}]
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, labels: {app: web}}
spec: {containers: [{name: web, image: web:1, ports: [{containerPort: 8080, hostPort: 8080}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: controller-1, namespace: ingress-nginx, labels: {app.kubernetes.io/name: ingress-nginx}}
spec: {containers: [{name: c, image: nginx:1}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: web-open, namespace: shop}
spec: {podSelector: {matchLabels: {app: web}}, policyTypes: [Ingress], ingress: [{}]}
---
apiVersion: v1
kind: Service
metadata: {name: internal, namespace: shop}
spec: {selector: {app: internal}, ports: [{port: 80}]}
"#;

    fn plan(exposed: Exposed<'_>, allow: &[String], hard: bool) -> Result<Plan, String> {
        let loaded = load_bytes("cluster.yaml", CLUSTER.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let inventory = Inventory::of_objects(&loaded.objects, &ScanConfig::default());
        ingress_exposure(
            &loaded.objects,
            &inventory,
            &ExposureTarget {
                incident: "INC-2",
                exposed,
                allow,
                ingress_namespace: None,
                hard,
            },
        )
    }

    #[test]
    fn the_least_disruptive_cut_narrows_the_balancer_and_admits_only_the_controller() {
        let allow = vec!["10.0.0.0/8".to_string()];
        let plan = plan(
            Exposed::Service {
                namespace: "shop",
                name: "web",
            },
            &allow,
            false,
        )
        .unwrap();
        let exposed: Vec<String> = plan
            .exposed
            .iter()
            .map(|found| format!("{} {}: {}", found.object, found.kind, found.reach.join(", ")))
            .collect();
        assert_eq!(
            exposed,
            [
                "Service/shop/web LoadBalancer: load balancer 203.0.113.7, node port 30080, external IP 198.51.100.9",
                "Ingress/shop/shop Ingress (plain HTTP): host shop.example.com",
                "Pod/shop/web-1 host: host port 8080",
            ]
        );
        let ids: Vec<&str> = plan.steps.iter().map(|step| step.id.as_str()).collect();
        assert_eq!(ids, ["C2.1.1", "C3.2", "C2.2.1"]);
        assert_eq!(
            plan.steps[0].action,
            Action::Patch {
                object: crate::plan::ObjectRef {
                    api_version: "v1".into(),
                    kind: "Service".into(),
                    namespace: Some("shop".into()),
                    name: "web".into()
                },
                patch: json!({"spec": {"loadBalancerSourceRanges": ["10.0.0.0/8"]}}),
            }
        );
        assert!(
            matches!(&plan.steps[0].undo, Some(Action::Patch { patch, .. }) if patch["spec"]["loadBalancerSourceRanges"].is_null())
        );
        let Action::Create { manifest, .. } = &plan.steps[2].action else {
            panic!()
        };
        assert_eq!(manifest["spec"]["podSelector"]["matchLabels"], json!({"app": "web"}));
        assert_eq!(
            manifest["spec"]["ingress"][0]["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"],
            "ingress-nginx"
        );
        assert_eq!(
            manifest["spec"]["ingress"][0]["from"][1]["ipBlock"]["cidr"],
            "10.0.0.0/8"
        );
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("NetworkPolicy shop/web-open still admits traffic")),
            "{:?}",
            plan.notes
        );
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("the Ingresses (shop) still route"))
        );
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("pods listening on their node's ports"))
        );
        assert!(plan.checks.contains(&Check::Field {
            object: reference_of("Service", "web"),
            pointer: "/spec/externalIPs".into(),
            equals: Value::Null,
        }));
        assert!(plan.to_text().contains("\nexposed\n  - Service/shop/web (LoadBalancer): load balancer 203.0.113.7, node port 30080, external IP 198.51.100.9; from anywhere\n"));
    }

    fn reference_of(kind: &str, name: &str) -> crate::plan::ObjectRef {
        crate::plan::ObjectRef {
            api_version: "v1".into(),
            kind: kind.into(),
            namespace: Some("shop".into()),
            name: name.into(),
        }
    }

    #[test]
    fn hard_makes_the_service_cluster_ip_and_deletes_the_ingress_restorably() {
        let plan = plan(
            Exposed::Ingress {
                namespace: "shop",
                name: "shop",
            },
            &[],
            true,
        )
        .unwrap();
        let ids: Vec<&str> = plan.steps.iter().map(|step| step.id.as_str()).collect();
        assert_eq!(ids, ["C3.1", "C2.3.2", "C2.2.1", "C2.4.3"]);
        let Action::Patch { patch, .. } = &plan.steps[1].action else {
            panic!()
        };
        assert_eq!(patch["spec"]["type"], "ClusterIP");
        assert_eq!(patch["spec"]["ports"], json!([{"port": 80, "targetPort": 8080}]));
        assert!(patch["spec"]["externalTrafficPolicy"].is_null());
        let Some(Action::Patch { patch: undo, .. }) = &plan.steps[1].undo else {
            panic!()
        };
        assert_eq!(undo["spec"]["type"], "LoadBalancer");
        assert_eq!(undo["spec"]["ports"][0]["nodePort"], 30080);
        assert_eq!(undo["spec"]["externalTrafficPolicy"], "Local");
        assert!(
            matches!(&plan.steps[3].undo, Some(Action::Create { manifest, .. }) if manifest["spec"]["rules"][0]["host"] == "shop.example.com")
        );
        assert_eq!(plan.steps[1].approval, Approval::Shutdown);
        assert!(
            plan.notes
                .iter()
                .any(|note| note.contains("load balancer address is released"))
        );
    }

    #[test]
    fn a_namespace_plan_covers_what_it_exposes_and_an_unknown_service_is_an_error() {
        let plan = plan(Exposed::Namespace("shop"), &[], false).unwrap();
        assert!(!plan.exposed.iter().any(|found| found.object == "Service/shop/internal"));
        assert!(
            plan.notes
                .iter()
                .any(|note| note.starts_with("Service/shop/web stays open to anywhere"))
        );
        assert_eq!(
            super::tests::plan(
                Exposed::Service {
                    namespace: "shop",
                    name: "nope"
                },
                &[],
                false
            )
            .unwrap_err(),
            "no Service shop/nope among the objects read"
        );
    }
}
