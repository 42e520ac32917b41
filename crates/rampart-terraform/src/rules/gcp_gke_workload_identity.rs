//! ## What it checks
//!
//! GKE Standard clusters without `workload_identity_config`, and clusters
//! or node pools whose `node_config.workload_metadata_config.mode` is
//! `GCE_METADATA` (the node's metadata server exposed to pods).
//! Autopilot clusters always use Workload Identity.
//!
//! ## Why it matters
//!
//! Without Workload Identity, every pod can fetch the node's service
//! account token from the metadata server: a compromised pod acts with the
//! node's Google Cloud permissions.
//!
//! ## How to fix
//!
//! Enable Workload Identity on the cluster and `GKE_METADATA` on node
//! pools; bind Kubernetes service accounts to Google service accounts.
//!
//! ## Example
//!
//! ```hcl
//! workload_identity_config {
//!   workload_pool = "${var.project}.svc.id.goog"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Pods that relied on the node's credentials lose them: bind their
//! service accounts first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-workload-identity",
        title: "GKE must use Workload Identity",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_69",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0057",
            },
            Reference {
                source: "tfsec",
                id: "google-gke-node-metadata-security",
            },
        ],
        fix: "Set workload_identity_config { workload_pool = \"<project>.svc.id.goog\" } and node pools' workload_metadata_config { mode = \"GKE_METADATA\" }.",
    },
    kinds: &["google_container_cluster", "google_container_node_pool"],
    check,
    source: include_str!("gcp_gke_workload_identity.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if resource.kind == "google_container_cluster"
        && body.bool("enable_autopilot") != Some(true)
        && body.block("workload_identity_config").is_none()
    {
        out.report(
            resource.line,
            "workload_identity_config",
            "no Workload Identity: pods reach the node service account's credentials".to_string(),
        );
    }
    for config in body.blocks("node_config") {
        for metadata in config.body.blocks("workload_metadata_config") {
            if metadata.body.str("mode") == Some("GCE_METADATA") {
                out.report(
                    metadata.line,
                    "node_config.workload_metadata_config.mode",
                    "the node's metadata server, with its credentials, is exposed to pods".to_string(),
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
            "resource \"google_container_cluster\" \"a\" {}\nresource \"google_container_node_pool\" \"b\" {\n  node_config {\n    workload_metadata_config {\n      mode = \"GCE_METADATA\"\n    }\n  }\n}\n",
            &[
                (1, "workload_identity_config"),
                (4, "node_config.workload_metadata_config.mode"),
            ],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  workload_identity_config {\n    workload_pool = \"p.svc.id.goog\"\n  }\n}\nresource \"google_container_node_pool\" \"b\" {\n  node_config {\n    workload_metadata_config {\n      mode = \"GKE_METADATA\"\n    }\n  }\n}\n",
        );
    }
}
