//! ## What it checks
//!
//! Azure network interfaces with a public IP
//! (`ip_configuration.public_ip_address_id`).
//!
//! ## Why it matters
//!
//! The VM answers the internet on every port its NSG opens.
//!
//! ## How to fix
//!
//! Keep VMs private; use a load balancer for services and Bastion for
//! administration.
//!
//! ## Example
//!
//! ```hcl
//! ip_configuration {
//!   name                          = "internal"
//!   subnet_id                     = azurerm_subnet.private.id
//!   private_ip_address_allocation = "Dynamic"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks direct connections to the public address.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-nic-public-ip",
        title: "Network interfaces should not carry public IPs",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AZURE_119",
        }],
        fix: "Remove public_ip_address_id; expose services through a load balancer or Azure Bastion.",
    },
    kinds: &["azurerm_network_interface"],
    check,
    source: include_str!("azure_nic_public_ip.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for (index, configuration) in resource.body.blocks("ip_configuration").iter().enumerate() {
        if let Some(attr) = configuration.body.attr("public_ip_address_id")
            && !matches!(attr.value, crate::value::Value::Null)
        {
            out.report(
                attr.line,
                format!("ip_configuration[{index}].public_ip_address_id"),
                "the interface carries a public IP address".to_string(),
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
            "resource \"azurerm_network_interface\" \"a\" {\n  ip_configuration {\n    name = \"x\"\n    public_ip_address_id = \"pip\"\n  }\n}\n",
            &[(4, "ip_configuration[0].public_ip_address_id")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_network_interface\" \"a\" {\n  ip_configuration {\n    name = \"x\"\n  }\n}\n",
        );
    }
}
