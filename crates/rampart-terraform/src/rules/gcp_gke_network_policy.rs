//! ## What it checks
//!
//! GKE clusters that do not enforce NetworkPolicy objects: neither
//! `network_policy { enabled = true }` nor Dataplane V2
//! (`datapath_provider = "ADVANCED_DATAPATH"`, which enforces policy
//! whatever `network_policy` says). Autopilot clusters have Dataplane V2.
//!
//! ## Why it matters
//!
//! Without enforcement, the NetworkPolicies in the manifests (and the
//! `network` control's default-deny) are ignored: every pod reaches every
//! other, and one compromised pod reaches the databases.
//!
//! ## How to fix
//!
//! Create clusters with Dataplane V2.
//!
//! ## Example
//!
//! ```hcl
//! datapath_provider = "ADVANCED_DATAPATH"
//! ```
//!
//! ## Fix safety
//!
//! Changing the datapath recreates the cluster; enabling the Calico
//! network policy add-on recreates the node pools.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-network-policy",
        title: "GKE clusters must enforce network policy",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_12",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0056",
            },
            Reference {
                source: "tfsec",
                id: "google-gke-enable-network-policy",
            },
        ],
        fix: "Use Dataplane V2 (datapath_provider = \"ADVANCED_DATAPATH\") or network_policy { enabled = true }.",
    },
    kinds: &["google_container_cluster"],
    check,
    source: include_str!("gcp_gke_network_policy.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    let enforced = body.bool("enable_autopilot") == Some(true)
        || body.str("datapath_provider") == Some("ADVANCED_DATAPATH")
        || body
            .block("network_policy")
            .is_some_and(|policy| policy.body.bool("enabled") == Some(true));
    if !enforced {
        let line = body.block("network_policy").map_or(resource.line, |policy| policy.line);
        out.report(
            line,
            "network_policy",
            "network policy is not enforced: NetworkPolicy objects have no effect".to_string(),
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
            "resource \"google_container_cluster\" \"a\" {}\nresource \"google_container_cluster\" \"b\" {\n  network_policy {\n    enabled = false\n  }\n}\n",
            &[(1, "network_policy"), (3, "network_policy")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  datapath_provider = \"ADVANCED_DATAPATH\"\n}\nresource \"google_container_cluster\" \"b\" {\n  network_policy {\n    enabled = true\n  }\n}\nresource \"google_container_cluster\" \"c\" {\n  enable_autopilot = true\n}\n",
        );
    }
}
