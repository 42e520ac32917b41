//! ## What it checks
//!
//! `google_compute_firewall` rules that let the internet reach remote
//! administration or a data store (SSH, RDP, databases, the Kubernetes
//! API… as `aws-security-group-open-ingress` lists them) or every port:
//! direction `INGRESS` (the default), `source_ranges` covering the
//! internet by CIDR coverage, an `allow` block whose protocol is `all` or
//! whose ports (`"22"`, `"20-25"`, none meaning all) include one. Source
//! or target tags do not hide a public range: tags choose which VMs the
//! rule applies to, not who may connect.
//!
//! ## Why it matters
//!
//! Every VM the rule targets answers the whole internet on that port:
//! the first thing scanners and brute-force bots try.
//!
//! ## How to fix
//!
//! Restrict `source_ranges` to known networks, use Identity-Aware Proxy's
//! range (`35.235.240.0/20`) for SSH and RDP, or remove the rule.
//!
//! ## Example
//!
//! ```hcl
//! resource "google_compute_firewall" "ssh" {
//!   source_ranges = ["35.235.240.0/20"]
//!   allow {
//!     protocol = "tcp"
//!     ports    = ["22"]
//!   }
//! }
//! ```
//!
//! ## Fix safety
//!
//! Cuts off whoever connected from elsewhere: check the firewall logs.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::{covers_internet, describe_ports, port_range};
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-firewall-open-ingress",
        title: "Firewalls must not open admin or data ports to all",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_2",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_3",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_75",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_77",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_GCP_12",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0027",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0070",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0071",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0072",
            },
            Reference {
                source: "tfsec",
                id: "google-compute-no-public-ingress",
            },
        ],
        fix: "Restrict source_ranges to known networks (IAP's 35.235.240.0/20 for SSH and RDP).",
    },
    kinds: &["google_compute_firewall"],
    check,
    source: include_str!("gcp_firewall_open_ingress.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body
        .str("direction")
        .is_some_and(|direction| !direction.eq_ignore_ascii_case("INGRESS"))
    {
        return;
    }
    if body.bool("disabled") == Some(true) {
        return;
    }
    let Some(sources) = body.attr("source_ranges") else {
        return;
    };
    if let Some(unknown) = sources.value.first_unknown() {
        out.could_not_evaluate(sources.line, "source_ranges", unknown);
        return;
    }
    let Some(internet) = covers_internet(sources.value.strings()) else {
        return;
    };
    for (index, allow) in body.blocks("allow").iter().enumerate() {
        let protocol = allow.body.str("protocol").unwrap_or("all").to_ascii_lowercase();
        let ranges: Vec<(u32, u32)> = match allow.body.value("ports") {
            _ if protocol == "all" => vec![(0, 65535)],
            None => vec![(0, 65535)],
            Some(ports) => {
                if let Some(unknown) = ports.first_unknown() {
                    out.could_not_evaluate(allow.line, format!("allow[{index}].ports"), unknown);
                    continue;
                }
                match ports.as_list() {
                    Some([]) => vec![(0, 65535)],
                    Some(items) => items.iter().filter_map(port_range).collect(),
                    None => port_range(ports).into_iter().collect(),
                }
            }
        };
        let opened: Vec<String> = ranges
            .iter()
            .filter_map(|(from, to)| describe_ports(*from, *to))
            .collect();
        if opened.is_empty() {
            continue;
        }
        let all = opened.iter().any(|ports| ports == "all ports");
        let described = if all {
            "all ports".to_string()
        } else {
            opened.join(", ")
        };
        out.report_with_severity(
            if all { Severity::Critical } else { Severity::High },
            allow.line,
            format!("allow[{index}]"),
            format!("firewall lets {internet} reach {described}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_public_ssh_all_ports_and_ranges() {
        assert_hits(
            &super::RULE,
            "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"0.0.0.0/0\"]\n  target_tags = [\"web\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"80\", \"20-25\"]\n  }\n  allow {\n    protocol = \"all\"\n  }\n}\n",
            &[(4, "allow[0]"), (8, "allow[1]")],
        );
    }

    #[test]
    fn quiet_for_egress_private_ranges_web_ports_and_iap() {
        assert_quiet(
            &super::RULE,
            "resource \"google_compute_firewall\" \"a\" {\n  source_ranges = [\"0.0.0.0/0\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"443\"]\n  }\n}\nresource \"google_compute_firewall\" \"b\" {\n  source_ranges = [\"35.235.240.0/20\"]\n  allow {\n    protocol = \"tcp\"\n    ports = [\"22\"]\n  }\n}\nresource \"google_compute_firewall\" \"c\" {\n  direction = \"EGRESS\"\n  destination_ranges = [\"0.0.0.0/0\"]\n  allow {\n    protocol = \"all\"\n  }\n}\n",
        );
    }
}
