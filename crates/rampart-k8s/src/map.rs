//! The trust-boundary map: namespaces, workloads and the service accounts
//! they run as, what those accounts may do, the Services, Ingresses and load
//! balancers that expose workloads, and the network paths the policies
//! allow. Each path is classed `public` (reachable from outside the
//! cluster), `privileged` (a grant that can take over more than the
//! workload: cluster-admin-like, Secrets read, exec, escalation) or
//! `internal`. Rendered as Graphviz DOT, Mermaid or JSON.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;

use serde::Serialize;

use crate::inventory::{Inventory, Peer, PolicyFact, WorkloadFact};
use crate::rbac::{Rbac, RoleFact, RoleKind};
use crate::selector::Labels;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PathClass {
    Public,
    Privileged,
    Internal,
}

impl PathClass {
    fn colour(self) -> &'static str {
        match self {
            PathClass::Public => "#d62728",
            PathClass::Privileged => "#ff7f0e",
            PathClass::Internal => "#7f7f7f",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MapNode {
    pub id: String,
    pub kind: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct MapEdge {
    pub from: String,
    pub to: String,
    pub relation: String,
    pub class: PathClass,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct TrustMap {
    pub nodes: Vec<MapNode>,
    pub edges: Vec<MapEdge>,
}

const INTERNET: &str = "internet";
const ANY_POD: &str = "any-pod";

#[derive(Default)]
struct Builder {
    nodes: BTreeMap<String, MapNode>,
    edges: BTreeSet<MapEdge>,
}

impl Builder {
    fn node(&mut self, kind: &str, name: &str, namespace: Option<&str>) -> String {
        // A namespace node sits inside its own namespace's group.
        let namespace = if kind == "Namespace" { Some(name) } else { namespace };
        let id = match namespace {
            Some(ns) if kind == "Namespace" => format!("Namespace/{ns}"),
            Some(ns) => format!("{kind}/{ns}/{name}"),
            None if kind == "Internet" => INTERNET.to_string(),
            None if kind == "AnyPod" => ANY_POD.to_string(),
            None => format!("{kind}/{name}"),
        };
        self.nodes.entry(id.clone()).or_insert_with(|| MapNode {
            id: id.clone(),
            kind: kind.to_string(),
            name: name.to_string(),
            namespace: namespace.map(str::to_string),
        });
        id
    }

    fn edge(&mut self, from: &str, to: &str, relation: &str, class: PathClass) {
        self.edges.insert(MapEdge {
            from: from.to_string(),
            to: to.to_string(),
            relation: relation.to_string(),
            class,
        });
    }
}

/// `LoadBalancer at 203.0.113.7, lb.example.com` when a cluster showed
/// where the outside reaches it.
fn at_addresses(how: &str, addresses: &[String]) -> String {
    if addresses.is_empty() {
        how.to_string()
    } else {
        format!("{how} at {}", addresses.join(", "))
    }
}

/// Builds the map of everything the inventory knows.
pub fn build(inventory: &Inventory) -> TrustMap {
    let mut map = Builder::default();
    let mut namespaces: BTreeSet<&str> = inventory.namespaces.iter().map(|n| n.name.as_str()).collect();
    namespaces.extend(inventory.workloads.iter().map(|w| w.namespace.as_str()));

    // Exposure: internet -> Ingress -> Service -> workload.
    let mut routed: BTreeSet<(&str, &str)> = BTreeSet::new();
    for ingress in &inventory.ingresses {
        let internet = map.node("Internet", "internet", None);
        let node = map.node("Ingress", &ingress.name, Some(&ingress.namespace));
        let protocol = if ingress.tls { "https" } else { "http (no TLS)" };
        map.edge(
            &internet,
            &node,
            &at_addresses(protocol, &ingress.addresses),
            PathClass::Public,
        );
        for backend in &ingress.backends {
            let service = map.node("Service", backend, Some(&ingress.namespace));
            map.edge(&node, &service, "routes to", PathClass::Public);
            routed.insert((ingress.namespace.as_str(), backend.as_str()));
        }
    }
    for service in &inventory.services {
        let node = map.node("Service", &service.name, Some(&service.namespace));
        if service.public {
            let internet = map.node("Internet", "internet", None);
            map.edge(
                &internet,
                &node,
                &at_addresses(&service.service_type, &service.addresses),
                PathClass::Public,
            );
        }
        let exposed = service.public || routed.contains(&(service.namespace.as_str(), service.name.as_str()));
        let class = if exposed {
            PathClass::Public
        } else {
            PathClass::Internal
        };
        let Some(selector) = &service.selector else {
            continue;
        };
        for workload in inventory.workloads_matching(&service.namespace, selector) {
            let target = map.node(&workload.kind, &workload.name, Some(&workload.namespace));
            map.edge(&node, &target, "selects", class);
        }
    }

    // Identity: workload -> service account -> role.
    for workload in &inventory.workloads {
        let node = map.node(&workload.kind, &workload.name, Some(&workload.namespace));
        let account = map.node("ServiceAccount", &workload.service_account, Some(&workload.namespace));
        map.edge(&node, &account, "runs as", PathClass::Internal);
    }
    let rbac = &inventory.rbac;
    for binding in &rbac.bindings {
        let Some(role) = rbac.find_role(binding.role_kind, binding.namespace.as_deref(), &binding.role_name) else {
            continue;
        };
        let role_node = match role.kind {
            RoleKind::Role => map.node("Role", &role.name, role.namespace.as_deref()),
            RoleKind::ClusterRole => map.node("ClusterRole", &role.name, None),
        };
        let class = if is_privileged(rbac, role) {
            PathClass::Privileged
        } else {
            PathClass::Internal
        };
        let relation = match &binding.namespace {
            Some(ns) => format!("{} (in {ns})", binding.name),
            None => format!("{} (cluster-wide)", binding.name),
        };
        for subject in &binding.subjects {
            let subject_node = match subject.kind.as_str() {
                "ServiceAccount" => map.node("ServiceAccount", &subject.name, subject.namespace.as_deref()),
                kind => map.node(kind, &subject.name, None),
            };
            map.edge(&subject_node, &role_node, &relation, class);
        }
    }

    // Host access: a workload in the node's namespaces reaches everything
    // on the node.
    for workload in &inventory.workloads {
        let shared: Vec<&str> = workload
            .pss_violations
            .iter()
            .filter_map(|(_, rule)| HOST_ACCESS.iter().find(|(id, _)| id == rule).map(|(_, what)| *what))
            .collect();
        if shared.is_empty() {
            continue;
        }
        let node = map.node(&workload.kind, &workload.name, Some(&workload.namespace));
        let host = map.node("Host", "the node", None);
        map.edge(&node, &host, &shared.join(", "), PathClass::Privileged);
    }

    // Network: who may connect to each workload, and where it may connect.
    let namespace_labels: BTreeMap<&str, Labels> = namespaces
        .iter()
        .map(|ns| {
            let mut labels = inventory.namespace(ns).map(|n| n.labels.clone()).unwrap_or_default();
            labels.insert("kubernetes.io/metadata.name".to_string(), ns.to_string());
            (*ns, labels)
        })
        .collect();
    for workload in &inventory.workloads {
        let target = map.node(&workload.kind, &workload.name, Some(&workload.namespace));
        for direction in [Direction::Ingress, Direction::Egress] {
            let policies: Vec<_> = inventory
                .policies_in(&workload.namespace)
                .filter(|p| direction.governed_by(p) && p.selector.matches(&workload.labels))
                .collect();
            if policies.is_empty() {
                match direction {
                    Direction::Ingress => {
                        let any = map.node("AnyPod", "any pod of the cluster", None);
                        map.edge(&any, &target, "unrestricted ingress", PathClass::Internal);
                    }
                    Direction::Egress => {
                        let internet = map.node("Internet", "internet", None);
                        map.edge(&target, &internet, "unrestricted egress", PathClass::Public);
                    }
                }
                continue;
            }
            for policy in policies {
                let relation = format!("{} allowed by {}", direction.word(), policy.name);
                for peer in direction.peers(policy) {
                    for (other, class) in peer_nodes(&mut map, inventory, &namespace_labels, workload, peer) {
                        match direction {
                            Direction::Ingress => map.edge(&other, &target, &relation, class),
                            Direction::Egress => map.edge(&target, &other, &relation, class),
                        }
                    }
                }
            }
        }
    }
    // A namespace is drawn once: as the group of its objects, or, when it
    // holds none of them, as a node of its own.
    let drawn: BTreeSet<String> = map.nodes.values().filter_map(|n| n.namespace.clone()).collect();
    for namespace in &namespaces {
        if !drawn.contains(*namespace) {
            map.node("Namespace", namespace, None);
        }
    }
    TrustMap {
        nodes: map.nodes.into_values().collect(),
        edges: map.edges.into_iter().collect(),
    }
}

/// Pod Security rules whose breach shares a node namespace or the node
/// itself with the workload, and what it shares.
const HOST_ACCESS: &[(&str, &str)] = &[
    ("no-privileged", "privileged"),
    ("no-host-network", "hostNetwork"),
    ("no-host-pid", "hostPID"),
    ("no-host-ipc", "hostIPC"),
    ("no-host-path", "hostPath"),
];

#[derive(Clone, Copy)]
enum Direction {
    Ingress,
    Egress,
}

impl Direction {
    fn governed_by(self, policy: &PolicyFact) -> bool {
        match self {
            Direction::Ingress => policy.ingress,
            Direction::Egress => policy.egress,
        }
    }

    fn peers(self, policy: &PolicyFact) -> &[Peer] {
        match self {
            Direction::Ingress => &policy.ingress_peers,
            Direction::Egress => &policy.egress_peers,
        }
    }

    fn word(self) -> &'static str {
        match self {
            Direction::Ingress => "ingress",
            Direction::Egress => "egress",
        }
    }
}

/// The nodes a policy peer stands for, seen from `workload`, with the
/// class of the path to or from each.
fn peer_nodes(
    map: &mut Builder,
    inventory: &Inventory,
    namespace_labels: &BTreeMap<&str, Labels>,
    workload: &WorkloadFact,
    peer: &Peer,
) -> Vec<(String, PathClass)> {
    match peer {
        Peer::Anywhere => vec![(map.node("Internet", "internet", None), PathClass::Public)],
        Peer::Addresses(cidr) if cidr == "0.0.0.0/0" || cidr == "::/0" => {
            vec![(map.node("Internet", "internet", None), PathClass::Public)]
        }
        Peer::Addresses(cidr) => vec![(map.node("Addresses", cidr, None), PathClass::Internal)],
        Peer::Pods(selector) => inventory
            .workloads_matching(&workload.namespace, selector)
            .map(|other| {
                (
                    map.node(&other.kind, &other.name, Some(&other.namespace)),
                    PathClass::Internal,
                )
            })
            .collect(),
        Peer::Namespaces(selector, pods) => {
            if selector.is_empty() && pods.as_ref().is_none_or(|p| p.is_empty()) {
                return vec![(map.node("AnyPod", "any pod of the cluster", None), PathClass::Internal)];
            }
            let mut nodes = Vec::new();
            // A namespace named by the selector but not scanned (the
            // ingress controller's, kube-system) still appears.
            if let Some(named) = selector.required_label("kubernetes.io/metadata.name")
                && !namespace_labels.contains_key(named)
            {
                nodes.push((map.node("Namespace", named, None), PathClass::Internal));
            }
            for (namespace, labels) in namespace_labels {
                if !selector.matches(labels) {
                    continue;
                }
                match pods {
                    None => nodes.push((map.node("Namespace", namespace, None), PathClass::Internal)),
                    Some(pods) => {
                        for other in inventory.workloads_matching(namespace, pods) {
                            nodes.push((
                                map.node(&other.kind, &other.name, Some(&other.namespace)),
                                PathClass::Internal,
                            ));
                        }
                    }
                }
            }
            nodes
        }
    }
}

/// A role that can reach beyond its workload: admin-like, reads Secrets,
/// execs into pods, escalates, binds, impersonates, or mints tokens.
fn is_privileged(rbac: &Rbac, role: &RoleFact) -> bool {
    if rbac.is_admin(role) {
        return true;
    }
    rbac.effective_rules(role).iter().any(|e| {
        let rule = e.rule;
        (!rule.is_named() && ["get", "list", "watch"].iter().any(|v| rule.allows(v, "", "secrets")))
            || rule.allows("create", "", "pods/exec")
            || rule.allows("create", "", "serviceaccounts/token")
            || rule.allows("escalate", "rbac.authorization.k8s.io", "clusterroles")
            || rule.allows("bind", "rbac.authorization.k8s.io", "clusterroles")
            || rule.allows("impersonate", "", "users")
            || rule.allows("impersonate", "", "serviceaccounts")
    })
}

fn label(node: &MapNode) -> String {
    match node.kind.as_str() {
        "Internet" => "internet".to_string(),
        "AnyPod" => "any pod of the cluster".to_string(),
        "Namespace" => format!("namespace {} (any pod)", node.name),
        "Host" => "the node (host namespaces, files)".to_string(),
        kind => format!("{kind}\\n{}", node.name),
    }
}

fn quote(text: &str) -> String {
    format!(
        "\"{}\"",
        text.replace('\\', "\\\\").replace('"', "\\\"").replace("\\\\n", "\\n")
    )
}

/// The nodes grouped by namespace; cluster-wide nodes under `None`.
fn nodes_by_namespace(map: &TrustMap) -> BTreeMap<Option<&str>, Vec<&MapNode>> {
    let mut by_namespace: BTreeMap<Option<&str>, Vec<&MapNode>> = BTreeMap::new();
    for node in &map.nodes {
        by_namespace.entry(node.namespace.as_deref()).or_default().push(node);
    }
    by_namespace
}

/// Graphviz DOT: one cluster per namespace, edges coloured by class.
pub fn to_dot(map: &TrustMap) -> String {
    let mut out = String::from(
        "digraph trust {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\", fontsize=10];\n  edge [fontname=\"Helvetica\", fontsize=9];\n",
    );
    let by_namespace = nodes_by_namespace(map);
    for (namespace, nodes) in &by_namespace {
        let indent = if namespace.is_some() { "    " } else { "  " };
        if let Some(ns) = namespace {
            let _ = writeln!(
                out,
                "  subgraph {} {{\n    label={};",
                quote(&format!("cluster_{ns}")),
                quote(&format!("namespace {ns}"))
            );
        }
        for node in nodes {
            let shape = match node.kind.as_str() {
                "Internet" => "shape=doubleoctagon, style=filled, fillcolor=\"#fde0dc\"",
                "AnyPod" | "Addresses" => "shape=octagon",
                "Role" | "ClusterRole" => "shape=hexagon",
                "User" | "Group" | "ServiceAccount" => "shape=ellipse",
                "Service" | "Ingress" => "shape=cds",
                "Namespace" => "shape=folder",
                _ => "shape=box",
            };
            let _ = writeln!(
                out,
                "{indent}{} [label={}, {shape}];",
                quote(&node.id),
                quote(&label(node))
            );
        }
        if namespace.is_some() {
            out.push_str("  }\n");
        }
    }
    for edge in &map.edges {
        let _ = writeln!(
            out,
            "  {} -> {} [label={}, color={}];",
            quote(&edge.from),
            quote(&edge.to),
            quote(&edge.relation),
            quote(edge.class.colour())
        );
    }
    out.push_str("}\n");
    out
}

/// Mermaid flowchart: one subgraph per namespace, links styled by class.
pub fn to_mermaid(map: &TrustMap) -> String {
    let ids: BTreeMap<&str, String> = map
        .nodes
        .iter()
        .enumerate()
        .map(|(index, node)| (node.id.as_str(), format!("n{index}")))
        .collect();
    let text = |s: &str| s.replace('"', "#quot;").replace("\\n", " ");
    let mut out = String::from("flowchart LR\n");
    let by_namespace = nodes_by_namespace(map);
    for (namespace_index, (namespace, nodes)) in by_namespace.iter().enumerate() {
        if let Some(ns) = namespace {
            let _ = writeln!(out, "  subgraph ns{namespace_index}[\"namespace {}\"]", text(ns));
        }
        for node in nodes {
            let (open, close) = match node.kind.as_str() {
                "Internet" | "AnyPod" | "Addresses" => ("((", "))"),
                "Role" | "ClusterRole" => ("{{", "}}"),
                "User" | "Group" | "ServiceAccount" => ("([", "])"),
                _ => ("[", "]"),
            };
            let _ = writeln!(
                out,
                "    {}{open}\"{}\"{close}",
                ids[node.id.as_str()],
                text(&label(node))
            );
        }
        if namespace.is_some() {
            out.push_str("  end\n");
        }
    }
    for edge in &map.edges {
        let _ = writeln!(
            out,
            "  {} -->|\"{}\"| {}",
            ids[edge.from.as_str()],
            text(&edge.relation),
            ids[edge.to.as_str()]
        );
    }
    for (index, edge) in map.edges.iter().enumerate() {
        if edge.class != PathClass::Internal {
            let _ = writeln!(
                out,
                "  linkStyle {index} stroke:{},stroke-width:2px",
                edge.class.colour()
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::ScanConfig;
    use crate::loader::{LoadOptions, load_bytes};

    fn inventory(yaml: &str) -> Inventory {
        let loaded = load_bytes("m.yaml", yaml.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        Inventory::of_objects(&loaded.objects, &ScanConfig::default())
    }

    const APP: &str = "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  rules:\n  - http:\n      paths:\n      - path: /\n        pathType: Prefix\n        backend: {service: {name: web, port: {number: 80}}}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec: {selector: {app: web}}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      serviceAccountName: web\n      containers: [{name: a}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: db, namespace: shop}\nspec:\n  template:\n    metadata: {labels: {app: db}}\n    spec: {containers: [{name: a}]}\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: db, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: db}}\n  ingress: [{from: [{podSelector: {matchLabels: {app: web}}}]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: shop}\nrules: [{apiGroups: [\"\"], resources: [secrets], verbs: [list]}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: web-reads, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: [{kind: ServiceAccount, name: web}]\n";

    fn has(map: &TrustMap, from: &str, to: &str, class: PathClass) -> bool {
        map.edges
            .iter()
            .any(|e| e.from == from && e.to == to && e.class == class)
    }

    #[test]
    fn classes_public_internal_and_privileged_paths() {
        let map = build(&inventory(APP));
        assert!(has(&map, "internet", "Ingress/shop/web", PathClass::Public));
        assert!(has(&map, "Ingress/shop/web", "Service/shop/web", PathClass::Public));
        assert!(has(&map, "Service/shop/web", "Deployment/shop/web", PathClass::Public));
        assert!(has(
            &map,
            "Deployment/shop/web",
            "Deployment/shop/db",
            PathClass::Internal
        ));
        assert!(has(&map, "any-pod", "Deployment/shop/web", PathClass::Internal));
        assert!(has(
            &map,
            "Deployment/shop/web",
            "ServiceAccount/shop/web",
            PathClass::Internal
        ));
        assert!(has(
            &map,
            "ServiceAccount/shop/web",
            "Role/shop/reader",
            PathClass::Privileged
        ));
        assert!(
            !map.edges
                .iter()
                .any(|e| e.to == "Deployment/shop/db" && e.from == "any-pod")
        );
    }

    #[test]
    fn addresses_a_cluster_shows_label_the_public_edges() {
        let cluster = "apiVersion: v1\nkind: Service\nmetadata: {name: web, namespace: shop}\nspec:\n  type: ClusterIP\n  externalIPs: [198.51.100.4]\n  selector: {app: web}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: lb, namespace: shop}\nspec: {type: LoadBalancer}\nstatus:\n  loadBalancer:\n    ingress: [{ip: 203.0.113.7}, {hostname: lb.example.com}]\n---\napiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: web, namespace: shop}\nspec:\n  defaultBackend: {service: {name: web, port: {number: 80}}}\nstatus:\n  loadBalancer:\n    ingress: [{ip: 203.0.113.9}]\n";
        let map = build(&inventory(cluster));
        let relation = |to: &str| {
            map.edges
                .iter()
                .find(|e| e.from == "internet" && e.to == to)
                .map(|e| (e.relation.clone(), e.class))
        };
        assert_eq!(
            relation("Service/shop/web"),
            Some(("ClusterIP at 198.51.100.4".to_string(), PathClass::Public))
        );
        assert_eq!(
            relation("Service/shop/lb"),
            Some((
                "LoadBalancer at 203.0.113.7, lb.example.com".to_string(),
                PathClass::Public
            ))
        );
        assert_eq!(
            relation("Ingress/shop/web"),
            Some(("http (no TLS) at 203.0.113.9".to_string(), PathClass::Public))
        );
    }

    #[test]
    fn renders_dot_and_mermaid_with_every_node_and_edge() {
        let map = build(&inventory(APP));
        let dot = to_dot(&map);
        assert!(dot.starts_with("digraph trust {"));
        assert!(dot.contains("subgraph \"cluster_shop\""));
        assert_eq!(dot.matches(" -> ").count(), map.edges.len());
        let mermaid = to_mermaid(&map);
        assert!(mermaid.starts_with("flowchart LR"));
        assert_eq!(mermaid.matches(" -->|").count(), map.edges.len());
        assert!(mermaid.contains("linkStyle"));
    }
}
