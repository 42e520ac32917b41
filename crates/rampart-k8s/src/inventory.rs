//! The inventory: what the scan knows about every object once all inputs are
//! read, kept as small facts rather than parsed trees. Cross-resource rules
//! (network policies, namespaces, services) read it.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use rampart_core::{PssLevel, ResourceRef};

use std::ops::Not;

use crate::cluster_facts::ClusterFacts;
use crate::engine::ScanConfig;
use crate::object::Object;
use crate::rbac::{Rbac, RoleKind, binding_fact, role_fact};
use crate::selector::{LabelSelector, Labels, labels_of};
use crate::waivers::Waiver;
use crate::yaml::{Node, Pos};

/// Where a fact came from, for findings about it.
#[derive(Debug, Clone)]
pub struct Site {
    pub path: Arc<str>,
    pub pos: Pos,
    pub resource: Arc<ResourceRef>,
}

impl Site {
    fn of(object: &Object, pos: Pos) -> Site {
        Site {
            path: object.path.clone(),
            pos,
            resource: object.resource.clone(),
        }
    }
}

#[derive(Debug, Clone)]
pub struct NamespaceFact {
    pub name: String,
    pub labels: Labels,
    pub site: Site,
    /// `metadata.labels`, or `metadata` when there are none.
    pub labels_pos: Pos,
}

#[derive(Debug, Clone)]
pub struct WorkloadFact {
    pub namespace: String,
    pub name: String,
    pub kind: String,
    /// The pod template's labels, their field path and position.
    pub labels: Labels,
    pub labels_field: String,
    pub labels_pos: Pos,
    /// The service account the pod runs as.
    pub service_account: String,
    pub site: Site,
    /// Pod Security Standards rules the pod breaks: (level, rule id).
    pub pss_violations: Vec<(PssLevel, &'static str)>,
}

#[derive(Debug, Clone)]
pub struct PolicyFact {
    pub namespace: String,
    pub name: String,
    pub selector: LabelSelector,
    pub site: Site,
    /// Governs ingress (`Ingress` in its policy types) and egress.
    pub ingress: bool,
    pub egress: bool,
    /// The sources its ingress rules admit.
    pub ingress_peers: Vec<Peer>,
    /// The destinations its egress rules allow.
    pub egress_peers: Vec<Peer>,
    /// Selects every pod and allows no ingress.
    pub default_deny_ingress: bool,
    /// Selects every pod and allows no egress.
    pub default_deny_egress: bool,
}

#[derive(Debug, Clone)]
pub struct ServiceFact {
    pub namespace: String,
    pub name: String,
    /// `None` for a Service without selector (endpoints managed by hand).
    pub selector: Option<LabelSelector>,
    /// Reachable from outside the cluster: a LoadBalancer without source
    /// ranges or internal annotation, or a NodePort.
    pub public: bool,
    /// `ClusterIP`, `NodePort`, `LoadBalancer`, `ExternalName`.
    pub service_type: String,
    /// Where the outside reaches it, as a cluster shows: `spec.externalIPs`
    /// and the load balancer's `status.loadBalancer.ingress` addresses.
    pub addresses: Vec<String>,
    pub site: Site,
}

#[derive(Debug, Clone)]
pub struct IngressFact {
    pub namespace: String,
    pub name: String,
    /// Names of the Services it routes to.
    pub backends: Vec<String>,
    pub tls: bool,
    /// `status.loadBalancer.ingress` addresses, as a cluster shows.
    pub addresses: Vec<String>,
    pub site: Site,
}

/// Who an ingress rule of a NetworkPolicy lets in.
#[derive(Debug, Clone)]
pub enum Peer {
    /// Pods of the policy's namespace.
    Pods(LabelSelector),
    /// Pods (all, or selected) of the namespaces a selector matches.
    Namespaces(LabelSelector, Option<LabelSelector>),
    /// An address range.
    Addresses(String),
    /// A rule without `from`: every source.
    Anywhere,
}

/// Small facts about every object of the scan.
#[derive(Debug, Default, Clone)]
pub struct Inventory {
    /// (namespace, name) of each ServiceAccount -> its
    /// `automountServiceAccountToken`, when set, and where it is.
    service_accounts: HashMap<(String, String), (Option<bool>, Site)>,
    pub namespaces: Vec<NamespaceFact>,
    pub workloads: Vec<WorkloadFact>,
    pub policies: Vec<PolicyFact>,
    pub services: Vec<ServiceFact>,
    pub ingresses: Vec<IngressFact>,
    /// Namespaces with a ResourceQuota or a LimitRange.
    pub limited_namespaces: BTreeSet<String>,
    /// Namespaces holding custom resources, which operators may turn into
    /// pods the scan cannot see.
    pub custom_resource_namespaces: BTreeSet<String>,
    /// Roles and bindings.
    pub rbac: Rbac,
    /// What only a cluster audit records.
    pub cluster: ClusterFacts,
    /// Waiver annotations, by the object that carries them.
    pub waivers: HashMap<Arc<ResourceRef>, Vec<Waiver>>,
    /// Indexes by namespace, built once every input is in (see
    /// [`Inventory::build_indexes`]), so cross-resource rules stay linear.
    namespace_index: HashMap<String, usize>,
    policies_by_namespace: HashMap<String, Vec<usize>>,
    workloads_by_namespace: HashMap<String, Vec<usize>>,
    /// Hash of (namespace, label key, label value) -> workloads whose pods
    /// carry it. Hashed to spare three strings per label; a collision only
    /// adds candidates, which the selector then rejects.
    workloads_by_label: HashMap<u64, Vec<usize>>,
}

/// API groups served by Kubernetes itself; anything else is a custom
/// resource.
const BUILTIN_GROUPS: &[&str] = &[
    "",
    "apps",
    "batch",
    "autoscaling",
    "policy",
    "extensions",
    "networking.k8s.io",
    "rbac.authorization.k8s.io",
    "storage.k8s.io",
    "scheduling.k8s.io",
    "coordination.k8s.io",
    "discovery.k8s.io",
    "node.k8s.io",
    "events.k8s.io",
    "certificates.k8s.io",
    "admissionregistration.k8s.io",
    "apiextensions.k8s.io",
    "apiregistration.k8s.io",
    "flowcontrol.apiserver.k8s.io",
    "resource.k8s.io",
];

/// Labels that controllers add to pods at run time; a manifest's pod
/// template never carries them, so selectors on them are not judged.
const RUNTIME_LABELS: &[&str] = &[
    "statefulset.kubernetes.io/pod-name",
    "apps.kubernetes.io/pod-index",
    "controller-revision-hash",
    "pod-template-hash",
    "pod-template-generation",
    "batch.kubernetes.io/job-name",
    "batch.kubernetes.io/controller-uid",
    "job-name",
    "controller-uid",
];

impl Inventory {
    /// Records the facts of one object. `pss_violations` are those of its
    /// pod, when it is a workload. Returns whether the object carries a
    /// waiver annotation.
    pub fn record(
        &mut self,
        object: &Object,
        config: &ScanConfig,
        pss_violations: Option<Vec<(PssLevel, &'static str)>>,
    ) -> bool {
        let namespace = || {
            object
                .namespace
                .clone()
                .unwrap_or_else(|| config.default_namespace.clone())
        };
        let waivers = crate::waivers::waivers_of(object, &config.workload_kinds);
        let waived = !waivers.is_empty();
        if waived {
            self.waivers.entry(object.resource.clone()).or_default().extend(waivers);
        }
        let workload_kind = config.workload_kinds.find(object);
        if config.cluster {
            let namespace = namespace();
            self.cluster
                .record(object, &namespace, workload_kind, |pos| Site::of(object, pos));
        }
        let core = object.group().is_empty();
        let workload = workload_kind.is_some();
        if !workload && !BUILTIN_GROUPS.contains(&object.group()) && object.namespace.is_some() {
            self.custom_resource_namespaces.insert(namespace());
        }
        if let Some(violations) = pss_violations
            && let Some(kind) = workload_kind
        {
            let metadata = object.root.get_path(&kind.pod_metadata_path);
            let labels = metadata.and_then(|m| m.get("labels"));
            self.workloads.push(WorkloadFact {
                namespace: namespace(),
                name: object.name.clone(),
                kind: object.kind.clone(),
                labels: labels_of(labels),
                labels_field: format!("{}.labels", kind.pod_metadata_path),
                labels_pos: labels.or(metadata).unwrap_or(&object.root).pos,
                service_account: object
                    .root
                    .get_path(&kind.pod_spec_path)
                    .and_then(|spec| spec.get("serviceAccountName").or_else(|| spec.get("serviceAccount")))
                    .and_then(Node::as_str)
                    .filter(|name| !name.is_empty())
                    .unwrap_or("default")
                    .to_string(),
                site: Site::of(object, object.root.pos),
                pss_violations: violations,
            });
            return waived;
        }
        match (object.kind.as_str(), core) {
            ("ServiceAccount", true) => {
                let automount = object.root.get("automountServiceAccountToken").and_then(Node::as_bool);
                self.service_accounts.insert(
                    (namespace(), object.name.clone()),
                    // Where its name is: what a finding about it points at.
                    (
                        automount,
                        Site::of(
                            object,
                            object
                                .root
                                .get_path("metadata.name")
                                .map_or(object.root.pos, |name| name.pos),
                        ),
                    ),
                );
            }
            ("Namespace", true) => {
                let metadata = object.root.get("metadata");
                let labels = metadata.and_then(|m| m.get("labels"));
                self.namespaces.push(NamespaceFact {
                    name: object.name.clone(),
                    labels: labels_of(labels),
                    site: Site::of(object, object.root.pos),
                    labels_pos: labels.or(metadata).map(|n| n.pos).unwrap_or(object.root.pos),
                });
            }
            ("ResourceQuota" | "LimitRange", true) => {
                self.limited_namespaces.insert(namespace());
            }
            ("Service", true) => {
                let selector = object
                    .root
                    .get_path("spec.selector")
                    .filter(|s| !s.entries().is_empty())
                    .map(|s| {
                        let mut labels = labels_of(Some(s));
                        labels.retain(|key, _| !RUNTIME_LABELS.contains(&key.as_str()));
                        LabelSelector::from_map(labels)
                    });
                self.services.push(ServiceFact {
                    namespace: namespace(),
                    name: object.name.clone(),
                    selector,
                    public: crate::rules::service_is_public(object)
                        || object
                            .root
                            .get_path("spec.externalIPs")
                            .is_some_and(|ips| !ips.as_seq().is_empty()),
                    service_type: object
                        .root
                        .get_path("spec.type")
                        .and_then(Node::as_str)
                        .unwrap_or("ClusterIP")
                        .to_string(),
                    addresses: object
                        .root
                        .get_path("spec.externalIPs")
                        .map(Node::as_seq)
                        .unwrap_or(&[])
                        .iter()
                        .filter_map(Node::as_str)
                        .map(str::to_string)
                        .chain(load_balancer_addresses(object))
                        .collect(),
                    site: Site::of(object, object.root.pos),
                });
            }
            ("Ingress", false) if matches!(object.group(), "networking.k8s.io" | "extensions") => {
                self.ingresses.push(ingress_fact(object, namespace()));
            }
            ("Role" | "ClusterRole" | "RoleBinding" | "ClusterRoleBinding", false)
                if object.group() == "rbac.authorization.k8s.io" =>
            {
                let site = Site::of(object, object.root.pos);
                let scope = object.kind.starts_with("Cluster").not().then(namespace);
                match object.kind.as_str() {
                    "Role" => self.rbac.add_role(role_fact(object, RoleKind::Role, scope, site)),
                    "ClusterRole" => self
                        .rbac
                        .roles
                        .push(role_fact(object, RoleKind::ClusterRole, None, site)),
                    _ => self.rbac.add_binding(binding_fact(object, scope, site)),
                }
            }
            ("NetworkPolicy", false) if object.group() == "networking.k8s.io" => {
                self.policies.push(policy_fact(object, namespace()));
            }
            _ => {}
        }
        waived
    }

    pub fn merge(&mut self, other: Inventory) {
        self.service_accounts.extend(other.service_accounts);
        self.namespaces.extend(other.namespaces);
        self.workloads.extend(other.workloads);
        self.policies.extend(other.policies);
        self.services.extend(other.services);
        self.ingresses.extend(other.ingresses);
        self.limited_namespaces.extend(other.limited_namespaces);
        self.custom_resource_namespaces.extend(other.custom_resource_namespaces);
        self.rbac.extend(other.rbac);
        self.cluster.merge(other.cluster);
        for (resource, waivers) in other.waivers {
            self.waivers.entry(resource).or_default().extend(waivers);
        }
    }

    /// Indexes the facts by namespace. Call once after the last merge.
    pub fn build_indexes(&mut self) {
        self.namespace_index = self
            .namespaces
            .iter()
            .enumerate()
            .map(|(index, ns)| (ns.name.clone(), index))
            .collect();
        self.policies_by_namespace.clear();
        for (index, policy) in self.policies.iter().enumerate() {
            self.policies_by_namespace
                .entry(policy.namespace.clone())
                .or_default()
                .push(index);
        }
        self.workloads_by_namespace.clear();
        self.workloads_by_label.clear();
        for (index, workload) in self.workloads.iter().enumerate() {
            self.workloads_by_namespace
                .entry(workload.namespace.clone())
                .or_default()
                .push(index);
            for (key, value) in &workload.labels {
                self.workloads_by_label
                    .entry(label_key(&workload.namespace, key, value))
                    .or_default()
                    .push(index);
            }
        }
    }

    /// The NetworkPolicies of a namespace.
    pub fn policies_in<'a>(&'a self, namespace: &str) -> impl Iterator<Item = &'a PolicyFact> {
        self.policies_by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&index| &self.policies[index])
    }

    /// The workloads of a namespace.
    pub fn workloads_in<'a>(&'a self, namespace: &str) -> impl Iterator<Item = &'a WorkloadFact> {
        self.workloads_by_namespace
            .get(namespace)
            .into_iter()
            .flatten()
            .map(|&index| &self.workloads[index])
    }

    /// The workloads of a namespace whose pod labels `selector` matches,
    /// found through the label index when the selector requires a label.
    pub fn workloads_matching<'a>(
        &'a self,
        namespace: &'a str,
        selector: &'a LabelSelector,
    ) -> Box<dyn Iterator<Item = &'a WorkloadFact> + 'a> {
        // The rarest required label narrows the candidates the most (a
        // release label may be on every pod of the namespace).
        let smallest = selector
            .required_labels()
            .map(|(key, value)| {
                self.workloads_by_label
                    .get(&label_key(namespace, key, value))
                    .map(Vec::as_slice)
                    .unwrap_or(&[])
            })
            .min_by_key(|bucket| bucket.len());
        match smallest {
            Some(bucket) => Box::new(
                bucket
                    .iter()
                    .map(|&index| &self.workloads[index])
                    .filter(move |w| selector.matches(&w.labels)),
            ),
            None => Box::new(
                self.workloads_in(namespace)
                    .filter(move |w| selector.matches(&w.labels)),
            ),
        }
    }

    /// The namespaces in which the scan holds at least one ServiceAccount
    /// (in a cluster, every namespace whose ServiceAccounts were read:
    /// each has `default`).
    pub fn service_account_namespaces(&self) -> BTreeSet<&str> {
        self.service_accounts
            .keys()
            .map(|(namespace, _)| namespace.as_str())
            .collect()
    }

    /// `Some(automount setting)` when the scan holds that ServiceAccount.
    pub fn service_account(&self, namespace: &str, name: &str) -> Option<Option<bool>> {
        self.service_accounts
            .get(&(namespace.to_string(), name.to_string()))
            .map(|(automount, _)| *automount)
    }

    /// Every ServiceAccount the scan holds: (namespace, name, where), in
    /// no particular order.
    pub fn service_accounts(&self) -> impl Iterator<Item = (&str, &str, &Site)> {
        self.service_accounts
            .iter()
            .map(|((namespace, name), (_, site))| (namespace.as_str(), name.as_str(), site))
    }

    pub fn namespace(&self, name: &str) -> Option<&NamespaceFact> {
        match self.namespace_index.get(name) {
            Some(&index) => Some(&self.namespaces[index]),
            None if self.namespace_index.is_empty() => self.namespaces.iter().find(|n| n.name == name),
            None => None,
        }
    }

    /// The namespaces that hold workloads, each with its first workload.
    pub fn namespaces_with_workloads(&self) -> Vec<(&str, &WorkloadFact)> {
        let mut seen = BTreeSet::new();
        self.workloads
            .iter()
            .filter(|w| seen.insert(w.namespace.as_str()))
            .map(|w| (w.namespace.as_str(), w))
            .collect()
    }

    /// Where a finding about a namespace points, and the field: its
    /// Namespace object when the scan has one, else the namespace's first
    /// workload.
    pub fn namespace_anchor<'a>(&'a self, name: &str, first_workload: &'a WorkloadFact) -> (&'a Site, &'static str) {
        match self.namespace(name) {
            Some(ns) => (&ns.site, "metadata.name"),
            None => (&first_workload.site, "metadata.namespace"),
        }
    }

    /// The facts of objects already in memory, indexed, with each
    /// workload's Pod Security verdicts.
    pub fn of_objects(objects: &[Object], config: &ScanConfig) -> Inventory {
        // With no rule selected the engine still records each workload's
        // Pod Security breaches (the map classes host access by them).
        let (_, mut inventory) = crate::engine::check_file(objects, config, &[]);
        inventory.build_indexes();
        inventory
    }
}

fn ingress_fact(object: &Object, namespace: String) -> IngressFact {
    let spec = object.root.get("spec");
    let mut backends = Vec::new();
    let mut add = |backend: Option<&Node>| {
        // networking.k8s.io/v1: service.name; extensions/v1beta1: serviceName.
        let name = backend.and_then(|b| b.get_path("service.name").or_else(|| b.get("serviceName")));
        if let Some(name) = name.and_then(Node::as_str)
            && !backends.iter().any(|b| b == name)
        {
            backends.push(name.to_string());
        }
    };
    add(spec.and_then(|s| s.get("defaultBackend").or_else(|| s.get("backend"))));
    for rule in spec.and_then(|s| s.get("rules")).map(Node::as_seq).unwrap_or(&[]) {
        for path in rule.get_path("http.paths").map(Node::as_seq).unwrap_or(&[]) {
            add(path.get("backend"));
        }
    }
    IngressFact {
        namespace,
        name: object.name.clone(),
        backends,
        tls: spec.and_then(|s| s.get("tls")).is_some_and(|t| !t.as_seq().is_empty()),
        addresses: load_balancer_addresses(object).collect(),
        site: Site::of(object, object.root.pos),
    }
}

/// The IPs and host names of `status.loadBalancer.ingress`.
fn load_balancer_addresses(object: &Object) -> impl Iterator<Item = String> + '_ {
    object
        .root
        .get_path("status.loadBalancer.ingress")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .filter_map(|entry| entry.get("ip").or_else(|| entry.get("hostname")).and_then(Node::as_str))
        .map(str::to_string)
}

/// The peers of a policy's `ingress` rules (`from`) or `egress` rules
/// (`to`).
fn peers(spec: Option<&Node>, rules_key: &str, peers_key: &str) -> Vec<Peer> {
    let mut peers = Vec::new();
    for rule in spec.and_then(|s| s.get(rules_key)).map(Node::as_seq).unwrap_or(&[]) {
        let from = rule.get(peers_key).map(Node::as_seq).unwrap_or(&[]);
        if from.is_empty() {
            peers.push(Peer::Anywhere);
            continue;
        }
        for peer in from {
            let pods = peer
                .get("podSelector")
                .filter(|n| n.is_map())
                .map(LabelSelector::from_node);
            if let Some(namespaces) = peer.get("namespaceSelector").filter(|n| n.is_map()) {
                peers.push(Peer::Namespaces(LabelSelector::from_node(namespaces), pods));
            } else if let Some(pods) = pods {
                peers.push(Peer::Pods(pods));
            } else if let Some(cidr) = peer.get_path("ipBlock.cidr").and_then(Node::as_str) {
                peers.push(Peer::Addresses(cidr.to_string()));
            }
        }
    }
    peers
}

fn label_key(namespace: &str, key: &str, value: &str) -> u64 {
    use std::hash::{Hash, Hasher};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    (namespace, key, value).hash(&mut hasher);
    hasher.finish()
}

/// Policy types default to Ingress, plus Egress when egress rules exist.
fn policy_fact(object: &Object, namespace: String) -> PolicyFact {
    let spec = object.root.get("spec");
    let selector_node = spec.and_then(|s| s.get("podSelector"));
    // `podSelector` is required; `{}` (or null) selects every pod.
    let selector = selector_node
        .filter(|n| n.is_map())
        .map(LabelSelector::from_node)
        .unwrap_or_default();
    let types: Vec<&str> = spec
        .and_then(|s| s.get("policyTypes"))
        .map(|t| t.as_seq().iter().filter_map(Node::as_str).collect())
        .unwrap_or_default();
    let rules = |key: &str| spec.and_then(|s| s.get(key)).map(|r| r.as_seq().len()).unwrap_or(0);
    let has_ingress_type = if types.is_empty() {
        true
    } else {
        types.contains(&"Ingress")
    };
    let has_egress_type = if types.is_empty() {
        rules("egress") > 0
    } else {
        types.contains(&"Egress")
    };
    PolicyFact {
        namespace,
        name: object.name.clone(),
        ingress_peers: if has_ingress_type {
            peers(spec, "ingress", "from")
        } else {
            Vec::new()
        },
        egress_peers: if has_egress_type {
            peers(spec, "egress", "to")
        } else {
            Vec::new()
        },
        ingress: has_ingress_type,
        egress: has_egress_type,
        default_deny_ingress: selector.is_empty() && has_ingress_type && rules("ingress") == 0,
        default_deny_egress: selector.is_empty() && has_egress_type && rules("egress") == 0,
        selector,
        site: Site::of(object, object.root.pos),
    }
}
