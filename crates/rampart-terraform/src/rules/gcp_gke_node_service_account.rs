//! ## What it checks
//!
//! GKE node pools (and a cluster's default pool) whose `node_config` names
//! no `service_account`, or the Compute Engine default account: nodes then
//! run with the default account, often Editor on the project. Autopilot
//! clusters are left alone.
//!
//! ## Why it matters
//!
//! Every pod that reaches the node's credentials acts with them.
//!
//! ## How to fix
//!
//! Create a node service account with the logging, monitoring and image
//! pull roles only.
//!
//! ## Example
//!
//! ```hcl
//! node_config {
//!   service_account = google_service_account.nodes.email
//! }
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
        id: "gcp-gke-node-service-account",
        title: "GKE nodes must not run as the default service account",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV2_GCP_1",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0050",
            },
            Reference {
                source: "tfsec",
                id: "google-gke-use-service-account",
            },
        ],
        fix: "Set node_config.service_account to a dedicated least-privilege account.",
    },
    kinds: &["google_container_cluster", "google_container_node_pool"],
    check,
    source: include_str!("gcp_gke_node_service_account.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.body.bool("enable_autopilot") == Some(true) {
        return;
    }
    let configs = resource.body.blocks("node_config");
    if configs.is_empty() && resource.kind == "google_container_node_pool" {
        return out.report(
            resource.line,
            "node_config.service_account",
            "the nodes run as the default service account".to_string(),
        );
    }
    for config in configs {
        let account = config.body.value("service_account");
        if account.is_some_and(|a| !a.is_known()) {
            continue;
        }
        let default = account
            .and_then(|a| a.as_str())
            .is_none_or(|a| a == "default" || a.ends_with("-compute@developer.gserviceaccount.com"));
        if default {
            out.report(
                config.line,
                "node_config.service_account",
                "the nodes run as the default service account".to_string(),
            );
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
            "resource \"google_container_node_pool\" \"a\" {\n  node_config {\n    machine_type = \"e2-standard-4\"\n  }\n}\n",
            &[(2, "node_config.service_account")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_node_pool\" \"a\" {\n  node_config {\n    service_account = \"nodes@p.iam.gserviceaccount.com\"\n  }\n}\n",
        );
    }
}
