//! Facts only a running cluster holds: its Nodes' kubelet versions, the
//! Secrets it stores and what refers to them, the image digests its pods
//! run, and how far its validating webhooks reach. Recorded only in a
//! cluster audit (`ScanConfig::cluster`): a repository has none of them,
//! and the scan of one should not pay for them.

use std::collections::{BTreeMap, HashSet};

use crate::inventory::Site;
use crate::object::Object;
use crate::selector::LabelSelector;
use crate::workload::WorkloadKind;
use crate::yaml::{Node, Pos};

/// The namespace of a reference whose namespace is decided per volume.
pub const ANY_NAMESPACE: &str = "*";

#[derive(Debug, Default, Clone)]
pub struct ClusterFacts {
    pub nodes: Vec<NodeFact>,
    /// What the kube-apiserver pods run (`v1.29.3`, from their image tag),
    /// for when the API server's own `/version` was not read.
    pub apiserver_images: Vec<String>,
    pub secrets: Vec<SecretFact>,
    /// (namespace, name) of each Secret a pod, ServiceAccount, Ingress,
    /// PersistentVolume or StorageClass names; namespace [`ANY_NAMESPACE`]
    /// for a StorageClass's per-claim templates.
    pub secret_references: HashSet<(String, String)>,
    /// Image as the pod spec writes it (unpinned ones only) -> digest the
    /// nodes pulled -> the pods running it. Counted, not listed: a cluster
    /// runs tens of thousands of pods and a handful of images.
    pub running_images: BTreeMap<String, BTreeMap<String, RunningDigest>>,
    pub webhooks: Vec<WebhookFact>,
}

/// A value of a Secret that a Secret of another cluster of the same audit
/// holds too (compared by keyed hash; the value is never kept).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SharedValue {
    pub namespace: String,
    pub name: String,
    /// The key under `data`.
    pub key: String,
    /// Where else it is: `staging: shop/db-credentials key password`.
    pub elsewhere: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct NodeFact {
    pub name: String,
    /// `status.nodeInfo.kubeletVersion` (`v1.29.3`).
    pub kubelet_version: String,
    pub site: Site,
}

#[derive(Debug, Clone)]
pub struct SecretFact {
    pub namespace: String,
    pub name: String,
    /// Something that is not a pod names it by design (a controller owns
    /// it, it is a service-account token, a Helm release, a bootstrap
    /// token or cert-manager's): whether it is used is not ours to judge.
    pub managed: bool,
    /// Where its name is.
    pub site: Site,
}

/// The pods running one image by one digest.
#[derive(Debug, Clone)]
pub struct RunningDigest {
    pub pods: usize,
    /// The first of them, in reading order.
    pub first: RunningImage,
}

/// One container of a pod as it runs.
#[derive(Debug, Clone)]
pub struct RunningImage {
    pub namespace: String,
    pub pod: String,
    /// The pod's controller (`ReplicaSet/web-5d9c7b`), if any.
    pub owner: Option<String>,
    pub container: String,
    /// Where `imageID` is.
    pub site: Site,
    pub field: String,
}

/// One webhook of a ValidatingWebhookConfiguration that judges pods as
/// they are created.
#[derive(Debug, Clone)]
pub struct WebhookFact {
    pub configuration: String,
    pub name: String,
    pub index: usize,
    pub namespace_selector: LabelSelector,
    /// The namespace of the Service it calls: the engine's own, which it
    /// leaves out on purpose.
    pub service_namespace: Option<String>,
    pub site: Site,
    pub field: String,
}

impl ClusterFacts {
    /// Notes `object`, whose workload kind (if it is a workload) the
    /// caller found already.
    pub fn record(
        &mut self,
        object: &Object,
        namespace: &str,
        workload_kind: Option<&WorkloadKind>,
        site: impl Fn(Pos) -> Site,
    ) {
        if let Some(kind) = workload_kind {
            if let Some(spec) = object.root.get_path(&kind.pod_spec_path) {
                self.note_pod_references(namespace, spec);
            }
            if object.kind == "Pod" && object.group().is_empty() {
                self.note_pod(object, namespace, &site);
            }
            return;
        }
        let core = object.group().is_empty();
        match (object.kind.as_str(), core) {
            ("Node", true) => {
                if let Some(version) = object.root.get_path("status.nodeInfo.kubeletVersion")
                    && let Some(text) = version.as_str()
                {
                    self.nodes.push(NodeFact {
                        name: object.name.clone(),
                        kubelet_version: text.to_string(),
                        site: site(version.pos),
                    });
                }
            }
            ("Secret", true) => self.secrets.push(SecretFact {
                namespace: namespace.to_string(),
                name: object.name.clone(),
                managed: is_managed_secret(object),
                site: site(object.root.get_path("metadata.name").map_or(object.root.pos, |n| n.pos)),
            }),
            ("ServiceAccount", true) => {
                for key in ["secrets", "imagePullSecrets"] {
                    for item in object.root.get(key).map(Node::as_seq).unwrap_or(&[]) {
                        self.refer(namespace, item.get("name"));
                    }
                }
            }
            ("Ingress", false) if matches!(object.group(), "networking.k8s.io" | "extensions") => {
                for tls in object.root.get_path("spec.tls").map(Node::as_seq).unwrap_or(&[]) {
                    self.refer(namespace, tls.get("secretName"));
                }
                // ingress-nginx's auth-secret, auth-tls-secret, ...: `name`
                // or `namespace/name`.
                for entry in object
                    .root
                    .get_path("metadata.annotations")
                    .map(Node::entries)
                    .unwrap_or(&[])
                {
                    if entry.key.ends_with("-secret")
                        && let Some(value) = entry.value.as_str()
                    {
                        let (ns, name) = value.split_once('/').unwrap_or((namespace, value));
                        self.secret_references.insert((ns.to_string(), name.to_string()));
                    }
                }
            }
            ("PersistentVolume", true) => {
                // `spec.csi.nodePublishSecretRef`, `spec.cephfs.secretRef`...:
                // a reference with its own namespace.
                for source in object.root.get("spec").map(Node::entries).unwrap_or(&[]) {
                    for entry in source.value.entries() {
                        if entry.key.ends_with("ecretRef") {
                            self.refer_in(entry.value.get("namespace"), namespace, entry.value.get("name"));
                        }
                    }
                }
            }
            ("StorageClass", false) if object.group() == "storage.k8s.io" => {
                // `csi.storage.k8s.io/provisioner-secret-name` with its
                // `-namespace`, in-tree `adminSecretName` with
                // `adminSecretNamespace`, `secretName` with `secretNamespace`.
                let parameters = object.root.get("parameters").map(Node::entries).unwrap_or(&[]);
                for entry in parameters {
                    let key = &*entry.key;
                    let stem = key
                        .strip_suffix("secret-name")
                        .map(|stem| format!("{stem}secret-namespace"))
                        .or_else(|| {
                            key.strip_suffix("SecretName")
                                .map(|stem| format!("{stem}SecretNamespace"))
                        })
                        .or_else(|| (key == "secretName").then(|| "secretNamespace".to_string()));
                    if let Some(namespace_key) = stem {
                        let named_namespace = parameters.iter().find(|other| *other.key == *namespace_key);
                        self.refer_in(named_namespace.map(|other| &other.value), "default", Some(&entry.value));
                    }
                }
            }
            ("ValidatingWebhookConfiguration", false) if object.group() == "admissionregistration.k8s.io" => {
                self.note_webhooks(object, &site);
            }
            _ => {}
        }
    }

    pub fn merge(&mut self, other: ClusterFacts) {
        self.nodes.extend(other.nodes);
        self.apiserver_images.extend(other.apiserver_images);
        self.secrets.extend(other.secrets);
        self.secret_references.extend(other.secret_references);
        for (image, digests) in other.running_images {
            let known = self.running_images.entry(image).or_default();
            for (digest, running) in digests {
                match known.get_mut(&digest) {
                    // Ours came first: keep our example.
                    Some(counted) => counted.pods += running.pods,
                    None => {
                        known.insert(digest, running);
                    }
                }
            }
        }
        self.webhooks.extend(other.webhooks);
    }

    /// A reference that may name its namespace (`None`: the fallback; a
    /// template such as `${pvc.namespace}`: any namespace, `*`).
    fn refer_in(&mut self, named: Option<&Node>, fallback: &str, name: Option<&Node>) {
        let namespace = match named.and_then(Node::as_str).filter(|namespace| !namespace.is_empty()) {
            Some(template) if template.contains('$') => ANY_NAMESPACE,
            Some(namespace) => namespace,
            None => fallback,
        };
        self.refer(namespace, name);
    }

    fn refer(&mut self, namespace: &str, name: Option<&Node>) {
        if let Some(name) = name.and_then(Node::as_str).filter(|name| !name.is_empty()) {
            self.secret_references.insert((namespace.to_string(), name.to_string()));
        }
    }

    /// The Secrets a pod spec names: volumes (`secret`, projected sources,
    /// and any volume source's `secretRef` or `nodePublishSecretRef`),
    /// environment of every container, and image pull secrets.
    fn note_pod_references(&mut self, namespace: &str, spec: &Node) {
        for volume in spec.get("volumes").map(Node::as_seq).unwrap_or(&[]) {
            self.refer(namespace, volume.get_path("secret.secretName"));
            for source in volume.get_path("projected.sources").map(Node::as_seq).unwrap_or(&[]) {
                self.refer(namespace, source.get_path("secret.name"));
            }
            for entry in volume.entries() {
                for key in ["secretRef", "nodePublishSecretRef", "controllerPublishSecretRef"] {
                    self.refer(namespace, entry.value.get(key).and_then(|r| r.get("name")));
                }
            }
        }
        for list in ["containers", "initContainers", "ephemeralContainers"] {
            for container in spec.get(list).map(Node::as_seq).unwrap_or(&[]) {
                for env in container.get("env").map(Node::as_seq).unwrap_or(&[]) {
                    self.refer(namespace, env.get_path("valueFrom.secretKeyRef.name"));
                }
                for source in container.get("envFrom").map(Node::as_seq).unwrap_or(&[]) {
                    self.refer(namespace, source.get_path("secretRef.name"));
                }
            }
        }
        for item in spec.get("imagePullSecrets").map(Node::as_seq).unwrap_or(&[]) {
            self.refer(namespace, item.get("name"));
        }
    }

    /// The digests a pod's containers run, and the API server's version
    /// when the pod is one.
    fn note_pod(&mut self, object: &Object, namespace: &str, site: &impl Fn(Pos) -> Site) {
        let Some(spec) = object.root.get("spec") else {
            return;
        };
        if let Some(component) = crate::rules::control_plane_component(object, "kube-apiserver")
            && let Some(tag) = component
                .image
                .and_then(|image| image.rsplit_once(':'))
                .map(|(_, tag)| tag)
        {
            self.apiserver_images.push(tag.to_string());
        }
        let owner = object
            .root
            .get_path("metadata.ownerReferences")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .find(|owner| owner.get("controller").and_then(Node::as_bool) == Some(true))
            .and_then(|owner| {
                Some(format!(
                    "{}/{}",
                    owner.get("kind")?.as_str()?,
                    owner.get("name")?.as_str()?
                ))
            });
        for (statuses, containers) in [
            ("containerStatuses", "containers"),
            ("initContainerStatuses", "initContainers"),
            ("ephemeralContainerStatuses", "ephemeralContainers"),
        ] {
            let declared = spec.get(containers).map(Node::as_seq).unwrap_or(&[]);
            let Some(statuses_node) = object.root.get_path("status").and_then(|s| s.get(statuses)) else {
                continue;
            };
            for (index, status) in statuses_node.as_seq().iter().enumerate() {
                let (Some(name), Some(image_id)) = (status.get("name").and_then(Node::as_str), status.get("imageID"))
                else {
                    continue;
                };
                let Some(digest) = image_id.as_str().and_then(digest_of) else {
                    continue;
                };
                // The spec's image as written; the status's is normalised
                // (`docker.io/library/nginx:1.27`).
                let image = declared
                    .iter()
                    .find(|c| c.get("name").and_then(Node::as_str) == Some(name))
                    .and_then(|c| c.get("image"))
                    .or_else(|| status.get("image"))
                    .and_then(Node::as_str);
                // A pinned image cannot drift.
                let Some(image) = image.filter(|image| !image.contains('@')) else {
                    continue;
                };
                if let Some(counted) = self
                    .running_images
                    .get_mut(image)
                    .and_then(|digests| digests.get_mut(digest))
                {
                    counted.pods += 1;
                    continue;
                }
                let first = RunningImage {
                    namespace: namespace.to_string(),
                    pod: object.name.clone(),
                    owner: owner.clone(),
                    container: name.to_string(),
                    site: site(image_id.pos),
                    field: format!("status.{statuses}[{index}].imageID"),
                };
                self.running_images
                    .entry(image.to_string())
                    .or_default()
                    .insert(digest.to_string(), RunningDigest { pods: 1, first });
            }
        }
    }

    fn note_webhooks(&mut self, object: &Object, site: &impl Fn(Pos) -> Site) {
        for (index, webhook) in object
            .root
            .get("webhooks")
            .map(Node::as_seq)
            .unwrap_or(&[])
            .iter()
            .enumerate()
        {
            if !crate::rules::webhook_covers_pod_creation(webhook) {
                continue;
            }
            let selector = webhook.get("namespaceSelector").filter(|s| !s.is_null());
            self.webhooks.push(WebhookFact {
                configuration: object.name.clone(),
                name: webhook.get("name").and_then(Node::as_str).unwrap_or("?").to_string(),
                index,
                namespace_selector: selector.map(LabelSelector::from_node).unwrap_or_default(),
                service_namespace: webhook
                    .get_path("clientConfig.service.namespace")
                    .and_then(Node::as_str)
                    .map(str::to_string),
                site: site(selector.unwrap_or(webhook).pos),
                field: format!("webhooks[{index}].namespaceSelector"),
            });
        }
    }
}

/// The digest in a container status's `imageID`:
/// `docker-pullable://nginx@sha256:…`, `docker.io/library/nginx@sha256:…`,
/// or a bare image id `sha256:…` where the runtime knows no repository
/// digest (an image built or loaded on the node).
pub fn digest_of(image_id: &str) -> Option<&str> {
    let digest = match image_id.rsplit_once('@') {
        Some((_, digest)) => digest,
        None => image_id.rsplit_once("://").map_or(image_id, |(_, rest)| rest),
    };
    digest.contains(':').then_some(digest).filter(|d| !d.is_empty())
}

/// Secrets that controllers, not pods, consume by design.
fn is_managed_secret(object: &Object) -> bool {
    let metadata = object.root.get("metadata");
    let owned = metadata
        .and_then(|m| m.get("ownerReferences"))
        .is_some_and(|owners| !owners.as_seq().is_empty());
    let labelled = |key: &str| {
        metadata
            .and_then(|m| m.get_path("labels"))
            .and_then(|l| l.get(key))
            .and_then(Node::as_str)
    };
    let secret_type = object.root.get("type").and_then(Node::as_str).unwrap_or("");
    owned
        || object.annotation("kubernetes.io/service-account.name").is_some()
        || object.annotation("cert-manager.io/certificate-name").is_some()
        || matches!(
            secret_type,
            "kubernetes.io/service-account-token" | "helm.sh/release.v1" | "bootstrap.kubernetes.io/token"
        )
        || labelled("owner") == Some("helm")
        || object.name.starts_with("sh.helm.release.v1.")
        || object.name.starts_with("bootstrap-token-")
}

#[cfg(test)]
mod tests {
    use super::digest_of;

    #[test]
    fn digests_are_read_from_every_image_id_form() {
        assert_eq!(
            digest_of("docker-pullable://nginx@sha256:0123abcd"),
            Some("sha256:0123abcd")
        );
        assert_eq!(
            digest_of("docker.io/library/nginx@sha256:0123abcd"),
            Some("sha256:0123abcd")
        );
        assert_eq!(digest_of("sha256:77aa"), Some("sha256:77aa"));
        assert_eq!(digest_of("docker://sha256:77aa"), Some("sha256:77aa"));
        assert_eq!(digest_of(""), None);
        assert_eq!(digest_of("nginx@"), None);
    }
}
