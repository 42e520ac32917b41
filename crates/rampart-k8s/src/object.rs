//! A Kubernetes object as loaded: its identity plus its positioned tree.

use std::sync::Arc;

use rampart_core::ResourceRef;

use crate::yaml::Node;

#[derive(Debug, Clone)]
pub struct Object {
    pub api_version: String,
    pub kind: String,
    /// `metadata.name`, else `metadata.generateName`, else empty.
    pub name: String,
    /// `metadata.namespace` as written; `None` when the manifest sets none.
    pub namespace: Option<String>,
    pub root: Node,
    /// The file it came from (`<stdin>` for standard input).
    pub path: Arc<str>,
    /// Identity for findings, shared by all of them.
    pub resource: Arc<ResourceRef>,
}

/// Whether objects of `kind` belong to no namespace, for the kinds Kubernetes and the
/// common add-ons serve (an unknown custom kind is taken as namespaced).
pub fn is_cluster_scoped(kind: &str) -> bool {
    matches!(
        kind,
        "Namespace"
            | "Node"
            | "PersistentVolume"
            | "StorageClass"
            | "ClusterRole"
            | "ClusterRoleBinding"
            | "CustomResourceDefinition"
            | "ValidatingWebhookConfiguration"
            | "MutatingWebhookConfiguration"
            | "ValidatingAdmissionPolicy"
            | "ValidatingAdmissionPolicyBinding"
            | "MutatingAdmissionPolicy"
            | "MutatingAdmissionPolicyBinding"
            | "PriorityClass"
            | "IngressClass"
            | "RuntimeClass"
            | "APIService"
            | "CSIDriver"
            | "CSINode"
            | "VolumeAttachment"
            | "CertificateSigningRequest"
            | "PodSecurityPolicy"
            | "FlowSchema"
            | "PriorityLevelConfiguration"
            | "GatewayClass"
            | "ClusterIssuer"
            | "ClusterPolicy"
            | "AdminNetworkPolicy"
            | "BaselineAdminNetworkPolicy"
            | "GlobalNetworkPolicy"
            | "ClusterTriggerAuthentication"
    )
}

impl Object {
    pub fn new(api_version: String, kind: String, root: Node, path: Arc<str>) -> Self {
        let metadata = root.get("metadata");
        let name = metadata
            .and_then(|m| m.get("name").or_else(|| m.get("generateName")))
            .and_then(|n| n.scalar_text())
            .map(|n| n.into_owned())
            .unwrap_or_default();
        let namespace = metadata
            .and_then(|m| m.get("namespace"))
            .and_then(Node::as_str)
            .filter(|ns| !ns.is_empty())
            .map(str::to_string);
        let resource = Arc::new(ResourceRef {
            api_version: api_version.clone(),
            kind: kind.clone(),
            namespace: namespace.clone(),
            name: name.clone(),
        });
        Object {
            api_version,
            kind,
            name,
            namespace,
            root,
            path,
            resource,
        }
    }

    /// The API group: `apps` for `apps/v1`, empty for the core group `v1`.
    pub fn group(&self) -> &str {
        match self.api_version.split_once('/') {
            Some((group, _)) => group,
            None => "",
        }
    }

    pub fn annotation(&self, key: &str) -> Option<&str> {
        self.root.get("metadata")?.get("annotations")?.get(key)?.as_str()
    }
}
