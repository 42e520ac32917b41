//! ## What it checks
//!
//! AKS clusters whose API server answers the internet: not
//! `private_cluster_enabled`, and no authorised IP ranges
//! (`api_server_access_profile.authorized_ip_ranges`, or the older
//! `api_server_authorized_ip_ranges`) or ranges covering the internet by
//! CIDR coverage (neither peer checks the ranges themselves).
//!
//! ## Why it matters
//!
//! The Kubernetes API is the cluster's front door: open to the internet,
//! any leaked credential or API server flaw is usable from anywhere.
//!
//! ## How to fix
//!
//! Make the cluster private, or list the networks that need the API.
//!
//! ## Example
//!
//! ```hcl
//! api_server_access_profile {
//!   authorized_ip_ranges = ["203.0.113.0/24"]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Cuts off clients outside the ranges (CI runners, laptops).

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::covers_internet;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-aks-public-api-server",
        title: "AKS API servers must not be open to the internet",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_6",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_115",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0041",
            },
            Reference {
                source: "tfsec",
                id: "azure-container-limit-authorized-ips",
            },
        ],
        fix: "Make the cluster private, or list the allowed ranges in api_server_access_profile.authorized_ip_ranges.",
    },
    kinds: &["azurerm_kubernetes_cluster"],
    check,
    source: include_str!("azure_aks_public_api_server.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body.bool("private_cluster_enabled") == Some(true) {
        return;
    }
    let ranges = body
        .block("api_server_access_profile")
        .and_then(|profile| profile.body.value("authorized_ip_ranges").cloned())
        .or_else(|| body.value("api_server_authorized_ip_ranges").cloned());
    match ranges {
        Some(ranges) if !ranges.is_known() => {
            if let Some(unknown) = ranges.first_unknown() {
                out.could_not_evaluate(resource.line, "api_server_access_profile.authorized_ip_ranges", unknown);
            }
        }
        Some(ranges) if !ranges.strings().is_empty() => {
            if let Some(internet) = covers_internet(ranges.strings()) {
                out.report(
                    resource.line,
                    "api_server_access_profile.authorized_ip_ranges",
                    format!("the API server's authorised ranges ({internet}) are the whole internet"),
                );
            }
        }
        _ => out.report(
            resource.line,
            "private_cluster_enabled",
            "the API server is public with no authorised IP ranges".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {}\nresource \"azurerm_kubernetes_cluster\" \"b\" {\n  api_server_access_profile {\n    authorized_ip_ranges = [\"0.0.0.0/0\"]\n  }\n}\n",
            &[
                (1, "private_cluster_enabled"),
                (2, "api_server_access_profile.authorized_ip_ranges"),
            ],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  private_cluster_enabled = true\n}\nresource \"azurerm_kubernetes_cluster\" \"b\" {\n  api_server_access_profile {\n    authorized_ip_ranges = [\"203.0.113.0/24\"]\n  }\n}\n",
        );
    }
}
