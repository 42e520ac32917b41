//! ## What it checks
//!
//! AKS clusters without a network policy engine:
//! `network_profile.network_policy` unset.
//!
//! ## Why it matters
//!
//! Without an engine, NetworkPolicy objects are accepted and ignored:
//! every pod reaches every other.
//!
//! ## How to fix
//!
//! Set `network_policy` to `azure`, `calico` or `cilium`.
//!
//! ## Example
//!
//! ```hcl
//! network_profile {
//!   network_plugin = "azure"
//!   network_policy = "azure"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Recreates the cluster on older API versions; existing policies start
//! to be enforced.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-aks-network-policy",
        title: "AKS clusters must enforce network policy",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_7",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0043",
            },
            Reference {
                source: "tfsec",
                id: "azure-container-configured-network-policy",
            },
        ],
        fix: "Set network_profile.network_policy (azure, calico or cilium).",
    },
    kinds: &["azurerm_kubernetes_cluster"],
    check,
    source: include_str!("azure_aks_network_policy.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let profile = resource.body.block("network_profile");
    let policy = profile
        .as_ref()
        .and_then(|profile| profile.body.str("network_policy").map(String::from));
    if policy.is_none() {
        out.report(
            profile.map_or(resource.line, |profile| profile.line),
            "network_profile.network_policy",
            "no network policy engine: NetworkPolicy objects have no effect".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  network_profile {\n    network_plugin = \"kubenet\"\n  }\n}\n",
            &[(2, "network_profile.network_policy")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  network_profile {\n    network_plugin = \"azure\"\n    network_policy = \"calico\"\n  }\n}\n",
        );
    }
}
