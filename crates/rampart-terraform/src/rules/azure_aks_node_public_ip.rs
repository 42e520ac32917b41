//! ## What it checks
//!
//! AKS node pools with public IP addresses: `node_public_ip_enabled` (or
//! the older `enable_node_public_ip`) true, in the default node pool or a
//! separate one.
//!
//! ## Why it matters
//!
//! Each node answers the internet on whatever its NSG opens, NodePorts
//! included.
//!
//! ## How to fix
//!
//! Keep nodes private; expose services through load balancers.
//!
//! ## Example
//!
//! ```hcl
//! node_public_ip_enabled = false
//! ```
//!
//! ## Fix safety
//!
//! Recreates the node pool.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-aks-node-public-ip",
        title: "AKS nodes must not have public IP addresses",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AZURE_143",
        }],
        fix: "Set node_public_ip_enabled = false (the default).",
    },
    kinds: &["azurerm_kubernetes_cluster", "azurerm_kubernetes_cluster_node_pool"],
    check,
    source: include_str!("azure_aks_node_public_ip.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let mut bodies = vec![(resource.body.clone(), String::new())];
    for pool in resource.body.blocks("default_node_pool") {
        bodies.push((pool.body, "default_node_pool.".to_string()));
    }
    for (body, prefix) in bodies {
        for field in ["node_public_ip_enabled", "enable_node_public_ip"] {
            if let Some(attr) = body.attr(field)
                && attr.value.as_bool() == Some(true)
            {
                out.report(
                    attr.line,
                    format!("{prefix}{field}"),
                    "nodes get public IP addresses".to_string(),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  default_node_pool {\n    node_public_ip_enabled = true\n  }\n}\n",
            &[(3, "default_node_pool.node_public_ip_enabled")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  default_node_pool {\n    node_public_ip_enabled = false\n  }\n}\n",
        );
    }
}
