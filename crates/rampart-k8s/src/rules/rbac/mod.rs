//! RBAC rules: least privilege for roles and bindings.

pub mod rbac_anonymous_binding;
pub mod rbac_binding_missing_subject;
pub mod rbac_breakglass_expired;
pub mod rbac_cluster_admin_binding;
pub mod rbac_dangerous_permissions;
pub mod rbac_default_sa_binding;
pub mod rbac_owner_review;
pub mod rbac_review_expired;
pub mod rbac_role_unused;
pub mod rbac_secrets_read;
pub mod rbac_wildcard;

use crate::object::Object;
use crate::rbac::PolicyRule;
use crate::yaml::Node;

/// Role or ClusterRole of the RBAC API group.
pub(crate) fn is_role(object: &Object) -> bool {
    matches!(object.kind.as_str(), "Role" | "ClusterRole") && object.group() == "rbac.authorization.k8s.io"
}

/// RoleBinding or ClusterRoleBinding of the RBAC API group.
pub(crate) fn is_binding(object: &Object) -> bool {
    matches!(object.kind.as_str(), "RoleBinding" | "ClusterRoleBinding")
        && object.group() == "rbac.authorization.k8s.io"
}

/// Is a Role, ClusterRole or one of their bindings.
pub(crate) fn is_rbac_object(object: &Object) -> bool {
    is_role(object) || is_binding(object)
}

/// The role's `rules`, parsed, with their nodes.
pub(crate) fn role_rules(object: &Object) -> Vec<(PolicyRule, &Node)> {
    object
        .root
        .get("rules")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(index, node)| (PolicyRule::from_node(index, node), node))
        .collect()
}

/// The binding's subjects: (index, kind, name, node).
pub(crate) fn binding_subjects(object: &Object) -> Vec<(usize, &str, &str, &Node)> {
    object
        .root
        .get("subjects")
        .map(Node::as_seq)
        .unwrap_or(&[])
        .iter()
        .enumerate()
        .map(|(index, node)| {
            let text = |key: &str| node.get(key).and_then(Node::as_str).unwrap_or("");
            (index, text("kind"), text("name"), node)
        })
        .collect()
}
