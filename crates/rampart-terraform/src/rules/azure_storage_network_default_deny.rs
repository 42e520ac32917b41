//! ## What it checks
//!
//! Storage accounts reachable from any network: `public_network_access_enabled`
//! not false and no `network_rules` with `default_action = "Deny"` (inline,
//! or a separate `azurerm_storage_account_network_rules`).
//!
//! ## Why it matters
//!
//! The account's endpoints answer every address on the internet; one
//! leaked key or SAS token is usable from anywhere.
//!
//! ## How to fix
//!
//! Deny by default and allow the virtual networks (or private endpoints)
//! that need the account.
//!
//! ## Example
//!
//! ```hcl
//! network_rules {
//!   default_action             = "Deny"
//!   virtual_network_subnet_ids = [azurerm_subnet.app.id]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Clients outside the allowed networks lose access.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-storage-network-default-deny",
        title: "Storage accounts should deny network access by default",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_35",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_59",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0012",
            },
            Reference {
                source: "tfsec",
                id: "azure-storage-default-action-deny",
            },
        ],
        fix: "Set network_rules { default_action = \"Deny\" } (or public_network_access_enabled = false) and allow the subnets that need it.",
    },
    kinds: &["azurerm_storage_account", "azurerm_storage_account_network_rules"],
    check,
    source: include_str!("azure_storage_network_default_deny.rs"),
};

fn check(resource: &Resource, context: &Context<'_>, out: &mut Reporter) {
    let denies = |action: Option<&str>| action.is_some_and(|action| action.eq_ignore_ascii_case("Deny"));
    if resource.kind == "azurerm_storage_account_network_rules" {
        if let Some(attr) = resource.body.attr("default_action")
            && !denies(attr.value.as_str())
        {
            out.report(
                attr.line,
                "default_action",
                "the account's network rules allow every network".to_string(),
            );
        }
        return;
    }
    if resource.body.bool("public_network_access_enabled") == Some(false) {
        return;
    }
    let inline = resource
        .body
        .block("network_rules")
        .is_some_and(|rules| denies(rules.body.str("default_action")));
    let separate = context
        .beside(resource, "azurerm_storage_account_network_rules")
        .any(|rules| {
            rules
                .body
                .value("storage_account_id")
                .is_some_and(|id| super::refers_to(id, resource, "id"))
        });
    if !inline && !separate {
        out.report(
            resource.line,
            "network_rules.default_action",
            "the account accepts connections from any network".to_string(),
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
            "resource \"azurerm_storage_account\" \"a\" {\n  name = \"a\"\n}\n",
            &[(1, "network_rules.default_action")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_storage_account\" \"a\" {\n  network_rules {\n    default_action = \"Deny\"\n  }\n}\nresource \"azurerm_storage_account\" \"b\" {\n  public_network_access_enabled = false\n}\n",
        );
    }
}
