//! ## What it checks
//!
//! GKE clusters whose control plane answers the internet: no private
//! endpoint (`private_cluster_config.enable_private_endpoint`), and either
//! no `master_authorized_networks_config` (anyone may connect) or
//! authorised ranges that cover the internet (CIDR coverage, not the
//! string `0.0.0.0/0`), or `gcp_public_cidrs_access_enabled = true`.
//!
//! ## Why it matters
//!
//! The Kubernetes API is the cluster's front door: on the internet,
//! every stolen credential and API server flaw is usable from anywhere.
//!
//! ## How to fix
//!
//! Use a private endpoint, or list the networks that need the API in
//! `master_authorized_networks_config`.
//!
//! ## Example
//!
//! ```hcl
//! master_authorized_networks_config {
//!   cidr_blocks {
//!     cidr_block   = "10.10.0.0/16"
//!     display_name = "corp"
//!   }
//! }
//! ```
//!
//! ## Fix safety
//!
//! Cuts off clients outside the listed networks (CI runners, laptops).

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::covers_internet;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-public-endpoint",
        title: "GKE control planes must not be open to the internet",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_20",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_18",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0061",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0053",
            },
            Reference {
                source: "tfsec",
                id: "google-gke-enable-master-networks",
            },
        ],
        fix: "Use a private endpoint, or list the allowed networks in master_authorized_networks_config.",
    },
    kinds: &["google_container_cluster"],
    check,
    source: include_str!("gcp_gke_public_endpoint.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body
        .block("private_cluster_config")
        .is_some_and(|config| config.body.bool("enable_private_endpoint") == Some(true))
    {
        return;
    }
    let Some(networks) = body.block("master_authorized_networks_config") else {
        return out.report(
            resource.line,
            "master_authorized_networks_config",
            "no authorised networks and no private endpoint: the control plane accepts connections from anywhere"
                .to_string(),
        );
    };
    if networks.body.bool("gcp_public_cidrs_access_enabled") == Some(true) {
        return out.report(
            networks.line,
            "master_authorized_networks_config.gcp_public_cidrs_access_enabled",
            "any Google Cloud public address may reach the control plane".to_string(),
        );
    }
    let mut cidrs: Vec<String> = Vec::new();
    for block in networks.body.blocks("cidr_blocks") {
        match block.body.value("cidr_block") {
            Some(value) if !value.is_known() => {
                if let Some(unknown) = value.first_unknown() {
                    return out.could_not_evaluate(
                        block.line,
                        "master_authorized_networks_config.cidr_blocks",
                        unknown,
                    );
                }
            }
            Some(value) => cidrs.extend(value.strings().into_iter().map(String::from)),
            None => {}
        }
    }
    if let Some(internet) = covers_internet(cidrs.iter().map(String::as_str)) {
        out.report(
            networks.line,
            "master_authorized_networks_config.cidr_blocks",
            format!("the authorised networks ({internet}) are the whole internet"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_without_networks_or_with_open_ones() {
        assert_hits(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {}\nresource \"google_container_cluster\" \"b\" {\n  master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block = \"0.0.0.0/1\"\n    }\n    cidr_blocks {\n      cidr_block = \"128.0.0.0/1\"\n    }\n  }\n}\n",
            &[
                (1, "master_authorized_networks_config"),
                (3, "master_authorized_networks_config.cidr_blocks"),
            ],
        );
    }

    #[test]
    fn quiet_when_private_or_limited() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  private_cluster_config {\n    enable_private_endpoint = true\n  }\n}\nresource \"google_container_cluster\" \"b\" {\n  master_authorized_networks_config {\n    cidr_blocks {\n      cidr_block = \"10.0.0.0/8\"\n    }\n  }\n}\n",
        );
    }
}
