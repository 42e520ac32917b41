//! ## What it checks
//!
//! Azure network security rules, inline (`security_rule` blocks of
//! `azurerm_network_security_group`) or standalone
//! (`azurerm_network_security_rule`), that allow inbound traffic from the
//! internet to remote administration, a data store (as
//! `aws-security-group-open-ingress` lists them) or every port: `access =
//! "Allow"`, `direction = "Inbound"`, a source of `*`, `Internet`, `Any`,
//! `0.0.0.0/0` or ranges covering it (`source_address_prefix` or
//! `source_address_prefixes`), and `destination_port_range(s)` including
//! one (`*` is every port).
//!
//! ## Why it matters
//!
//! SSH and RDP open to the internet are among the most attacked services
//! on Azure; exposed databases leak data without any exploit.
//!
//! ## How to fix
//!
//! Use Azure Bastion or a VPN for administration, and restrict sources to
//! the virtual networks or service tags that need the port.
//!
//! ## Example
//!
//! ```hcl
//! security_rule {
//!   name                       = "ssh-from-bastion"
//!   access                     = "Allow"
//!   direction                  = "Inbound"
//!   protocol                   = "Tcp"
//!   destination_port_range     = "22"
//!   source_address_prefix      = "10.0.250.0/26"
//!   source_port_range          = "*"
//!   destination_address_prefix = "*"
//!   priority                   = 100
//! }
//! ```
//!
//! ## Fix safety
//!
//! Cuts off whoever connected from elsewhere: check the NSG flow logs.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::{covers_internet, describe_ports, port_range};
use super::{Context, Reporter, Rule};
use crate::resource::{Body, Resource};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-nsg-open-ingress",
        title: "Network security rules must not open admin ports to all",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_9",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_10",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0047",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0048",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0050",
            },
            Reference {
                source: "tfsec",
                id: "azure-network-ssh-blocked-from-internet",
            },
            Reference {
                source: "tfsec",
                id: "azure-network-disable-rdp-from-internet",
            },
            Reference {
                source: "tfsec",
                id: "azure-network-no-public-ingress",
            },
        ],
        fix: "Use Azure Bastion or a VPN, and allow the port only from the networks that need it.",
    },
    kinds: &["azurerm_network_security_group", "azurerm_network_security_rule"],
    check,
    source: include_str!("azure_nsg_open_ingress.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.kind == "azurerm_network_security_rule" {
        judge(&resource.body, resource.line, String::new(), out);
        return;
    }
    for (index, rule) in resource.body.blocks("security_rule").iter().enumerate() {
        judge(&rule.body, rule.line, format!("security_rule[{index}]"), out);
    }
}

fn judge(rule: &Body, line: usize, field: String, out: &mut Reporter) {
    let is = |name: &str, wanted: &str| rule.str(name).is_some_and(|value| value.eq_ignore_ascii_case(wanted));
    if !is("access", "Allow") || !is("direction", "Inbound") {
        return;
    }
    let mut sources: Vec<&str> = Vec::new();
    for name in ["source_address_prefix", "source_address_prefixes"] {
        if let Some(attr) = rule.attr(name) {
            if let Some(unknown) = attr.value.first_unknown() {
                out.could_not_evaluate(attr.line, name, unknown);
                return;
            }
            sources.extend(attr.value.strings());
        }
    }
    let Some(internet) = covers_internet(sources) else {
        return;
    };
    let mut ranges: Vec<(u32, u32)> = Vec::new();
    for name in ["destination_port_range", "destination_port_ranges"] {
        if let Some(value) = rule.value(name) {
            if let Some(unknown) = value.first_unknown() {
                out.could_not_evaluate(line, name, unknown);
                return;
            }
            match value.as_list() {
                Some(items) => ranges.extend(items.iter().filter_map(port_range)),
                None => ranges.extend(port_range(value)),
            }
        }
    }
    let opened: Vec<String> = ranges
        .iter()
        .filter_map(|(from, to)| describe_ports(*from, *to))
        .collect();
    if opened.is_empty() {
        return;
    }
    let all = opened.iter().any(|ports| ports == "all ports");
    let described = if all {
        "all ports".to_string()
    } else {
        opened.join(", ")
    };
    let field = if field.is_empty() {
        "source_address_prefix".to_string()
    } else {
        field
    };
    out.report_with_severity(
        if all { Severity::Critical } else { Severity::High },
        line,
        field,
        format!("inbound rule lets {internet} reach {described}"),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_internet_tags_stars_and_standalone_rules() {
        assert_hits(
            &super::RULE,
            "resource \"azurerm_network_security_group\" \"a\" {\n  security_rule {\n    access = \"Allow\"\n    direction = \"Inbound\"\n    source_address_prefix = \"Internet\"\n    destination_port_range = \"3389\"\n  }\n  security_rule {\n    access = \"Allow\"\n    direction = \"Inbound\"\n    source_address_prefix = \"*\"\n    destination_port_range = \"*\"\n  }\n}\nresource \"azurerm_network_security_rule\" \"ssh\" {\n  access = \"Allow\"\n  direction = \"Inbound\"\n  source_address_prefixes = [\"0.0.0.0/0\"]\n  destination_port_ranges = [\"443\", \"22\"]\n}\n",
            &[
                (2, "security_rule[0]"),
                (8, "security_rule[1]"),
                (15, "source_address_prefix"),
            ],
        );
    }

    #[test]
    fn quiet_for_deny_outbound_private_and_web() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_network_security_group\" \"a\" {\n  security_rule {\n    access = \"Deny\"\n    direction = \"Inbound\"\n    source_address_prefix = \"*\"\n    destination_port_range = \"22\"\n  }\n  security_rule {\n    access = \"Allow\"\n    direction = \"Outbound\"\n    source_address_prefix = \"*\"\n    destination_port_range = \"22\"\n  }\n  security_rule {\n    access = \"Allow\"\n    direction = \"Inbound\"\n    source_address_prefix = \"VirtualNetwork\"\n    destination_port_range = \"22\"\n  }\n  security_rule {\n    access = \"Allow\"\n    direction = \"Inbound\"\n    source_address_prefix = \"*\"\n    destination_port_range = \"443\"\n  }\n}\n",
        );
    }
}
