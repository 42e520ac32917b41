//! Network rules: default-deny policies, policy coverage, open policies.
//!
//! Namespace-level rules judge only what was scanned: a namespace whose
//! policies live in another repository looks unprotected. Turn such rules
//! off with `--skip RULE` when scanning part of a system.

pub mod namespace_default_deny_egress;
pub mod namespace_default_deny_ingress;
pub mod network_policy_allow_all_ingress;
pub mod network_policy_internet_egress;
pub mod workload_network_policy;

use crate::inventory::{Inventory, PolicyFact};
use crate::object::Object;
use crate::rules::InventoryReporter;

/// Reports each namespace with workloads that no policy of `is_deny` covers.
pub(crate) fn report_missing_default_deny(
    inventory: &Inventory,
    direction: &str,
    is_deny: fn(&PolicyFact) -> bool,
    context: &crate::RuleContext<'_>,
    out: &mut InventoryReporter<'_>,
) {
    for (namespace, first) in inventory.namespaces_with_workloads() {
        let covered = inventory.policies_in(namespace).any(is_deny);
        if covered {
            continue;
        }
        let message = format!(
            "namespace `{namespace}` runs workloads but has no default-deny {direction} NetworkPolicy {}",
            context.looked_in()
        );
        let (site, field) = inventory.namespace_anchor(namespace, first);
        out.report(site, site.pos, field.to_string(), message);
    }
}

/// A NetworkPolicy of the `networking.k8s.io` group.
pub(crate) fn is_network_policy(object: &Object) -> bool {
    object.kind == "NetworkPolicy" && object.group() == "networking.k8s.io"
}
