//! Exposure rules: Services and Ingresses reachable from outside.

pub mod ingress_tls;
pub mod service_external_ips;
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

/// Whether a Service is reachable from outside the cluster: a NodePort, or
/// a LoadBalancer without source ranges or a cloud's internal annotation.
pub(crate) fn service_is_public(object: &Object) -> bool {
    match service_type(object) {
        Some("NodePort") => true,
        Some("LoadBalancer") => !service_loadbalancer_restricted::is_restricted(object),
        _ => false,
    }
}
