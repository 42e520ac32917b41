//! ## What it checks
//!
//! GKE Standard clusters whose nodes get public IP addresses: no
//! `private_cluster_config { enable_private_nodes = true }`. Autopilot
//! clusters are left alone (their nodes are managed).
//!
//! ## Why it matters
//!
//! Public nodes are reachable from the internet on every port their
//! firewall rules open (NodePorts included), and every node is one more
//! host to scan.
//!
//! ## How to fix
//!
//! Turn private nodes on, with Cloud NAT for outbound traffic.
//!
//! ## Example
//!
//! ```hcl
//! private_cluster_config {
//!   enable_private_nodes    = true
//!   master_ipv4_cidr_block = "172.16.0.0/28"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Recreates the cluster; nodes need Cloud NAT to reach the internet.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-private-nodes",
        title: "GKE nodes must not have public IP addresses",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_25",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_64",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0059",
            },
            Reference {
                source: "tfsec",
                id: "google-gke-enable-private-cluster",
            },
        ],
        fix: "Set private_cluster_config { enable_private_nodes = true }.",
    },
    kinds: &["google_container_cluster"],
    check,
    source: include_str!("gcp_gke_private_nodes.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body.bool("enable_autopilot") == Some(true) {
        return;
    }
    let config = body.block("private_cluster_config");
    if config
        .as_ref()
        .is_none_or(|config| config.body.bool("enable_private_nodes") != Some(true))
    {
        out.report(
            config.map_or(resource.line, |config| config.line),
            "private_cluster_config.enable_private_nodes",
            "nodes have public IP addresses".to_string(),
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
            "resource \"google_container_cluster\" \"a\" {}\n",
            &[(1, "private_cluster_config.enable_private_nodes")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  private_cluster_config {\n    enable_private_nodes = true\n  }\n}\n",
        );
    }
}
