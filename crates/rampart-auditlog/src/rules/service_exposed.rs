//! ## What it checks
//!
//! Every Service created or changed, and let through, that exposes pods beyond the
//! cluster: `type: NodePort` or `LoadBalancer`, or `externalIPs`. It needs the request
//! object (the log policy's `Request` level for Services).
//!
//! ## Why it matters
//!
//! "Unauthorized ingress exposure": one field turns an internal service into one every
//! node (or the internet) answers for, around the ingress controller's TLS and
//! authentication. `externalIPs` can also capture other traffic (CVE-2020-8554).
//!
//! ## How to fix
//!
//! Expose through the ingress controller; where a load balancer is needed, restrict
//! `loadBalancerSourceRanges`. Revert exposures nobody asked for.
//!
//! ## Example
//!
//! ```text
//! audit.log:17: audit-service-exposed: alice services shop/db is type NodePort
//! ```

use super::{Context, Hit, Rule, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-service-exposed",
        title: "A Service was exposed outside the cluster",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Expose through the ingress controller, or restrict loadBalancerSourceRanges; revert exposures nobody asked for.",
    },
    check,
    source: include_str!("service_exposed.rs"),
    falco: &["Create NodePort Service"],
    needs_request_object: true,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "services" || event.subresource().is_some() || !writes(event) || !event.succeeded() {
        return;
    }
    let Some(object) = event.request_json() else {
        return;
    };
    let spec = &object["spec"];
    if let Some(kind @ ("NodePort" | "LoadBalancer")) = spec["type"].as_str() {
        out.push(Hit::new(
            "requestObject.spec.type",
            format!("{} is type {kind}", event.describe_target()),
        ));
    }
    if spec["externalIPs"].as_array().is_some_and(|ips| !ips.is_empty()) {
        out.push(Hit::new(
            "requestObject.spec.externalIPs",
            format!("{} sets externalIPs", event.describe_target()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_node_ports_and_external_ips() {
        let line = event(
            "alice",
            "create",
            "services",
            "shop/db",
            201,
            r#""requestObject":{"spec":{"type":"NodePort","externalIPs":["1.2.3.4"]}}"#,
        );
        assert_eq!(
            fields(&hits(&super::RULE, &line)),
            ["requestObject.spec.type", "requestObject.spec.externalIPs"]
        );
    }

    #[test]
    fn quiet_on_cluster_ips() {
        let line = event(
            "alice",
            "create",
            "services",
            "shop/db",
            201,
            r#""requestObject":{"spec":{"type":"ClusterIP"}}"#,
        );
        assert!(hits(&super::RULE, &line).is_empty());
    }
}
