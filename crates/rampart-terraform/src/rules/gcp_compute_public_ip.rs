//! ## What it checks
//!
//! Compute Engine instances and templates whose network interface has an
//! `access_config` block: an external IP address.
//!
//! ## Why it matters
//!
//! Every port the firewall opens answers the internet directly, and the
//! VM is one more host to scan and patch in a hurry.
//!
//! ## How to fix
//!
//! Remove `access_config`; reach VMs through IAP TCP forwarding or a load
//! balancer, and give them Cloud NAT for outbound traffic.
//!
//! ## Example
//!
//! ```hcl
//! network_interface {
//!   subnetwork = google_compute_subnetwork.private.id
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks inbound connections to the external address, and outbound
//! traffic without Cloud NAT.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-compute-public-ip",
        title: "VMs should not have public IP addresses",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_40",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0031",
            },
            Reference {
                source: "tfsec",
                id: "google-compute-no-public-ip",
            },
        ],
        fix: "Remove access_config and reach the VM through IAP or a load balancer; use Cloud NAT for egress.",
    },
    kinds: &["google_compute_instance", "google_compute_instance_template"],
    check,
    source: include_str!("gcp_compute_public_ip.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for (index, interface) in resource.body.blocks("network_interface").iter().enumerate() {
        for access in interface.body.blocks("access_config") {
            out.report(
                access.line,
                format!("network_interface[{index}].access_config"),
                "the interface has an external IP address".to_string(),
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
            "resource \"google_compute_instance\" \"a\" {\n  network_interface {\n    network = \"default\"\n    access_config {}\n  }\n}\n",
            &[(4, "network_interface[0].access_config")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_compute_instance\" \"a\" {\n  network_interface {\n    network = \"default\"\n  }\n}\n",
        );
    }
}
