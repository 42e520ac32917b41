//! Exposure rules: Services and Ingresses reachable from outside.

pub mod ingress_tls;
pub mod service_loadbalancer_restricted;
pub mod service_no_nodeport;
pub mod service_selects_pods;

use crate::object::Object;

/// A core Service's `spec.type`.
pub(crate) fn service_type(object: &Object) -> Option<&str> {
    if object.kind != "Service" || !object.group().is_empty() {
        return None;
    }
    Some(
        object
            .root
            .get_path("spec.type")
            .and_then(crate::yaml::Node::as_str)
            .unwrap_or("ClusterIP"),
    )
}
