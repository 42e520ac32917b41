//! ## What it checks
//!
//! Containers readable anonymously (`container_access_type` `blob` or
//! `container` on `azurerm_storage_container`), and accounts that allow
//! it (`allow_nested_items_to_be_public`, formerly
//! `allow_blob_public_access`, set true).
//!
//! ## Why it matters
//!
//! Public containers are listed and downloaded by anyone who guesses the
//! account name: the classic storage leak.
//!
//! ## How to fix
//!
//! Keep containers private; share with SAS tokens or Entra ID.
//!
//! ## Example
//!
//! ```hcl
//! allow_nested_items_to_be_public = false
//! ```
//!
//! ## Fix safety
//!
//! Breaks anonymous readers: move them to SAS tokens or a CDN.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-storage-public-access",
        title: "Azure Storage containers must not be public",
        severity: Severity::High,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_34",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_190",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0007",
            },
            Reference {
                source: "tfsec",
                id: "azure-storage-no-public-access",
            },
        ],
        fix: "Set container_access_type = \"private\" and allow_nested_items_to_be_public = false.",
    },
    kinds: &["azurerm_storage_container", "azurerm_storage_account"],
    check,
    source: include_str!("azure_storage_public_access.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if resource.kind == "azurerm_storage_container" {
        if let Some(attr) = body.attr("container_access_type")
            && let Some(access @ ("blob" | "container")) = attr.value.as_str()
        {
            out.report(
                attr.line,
                "container_access_type",
                format!("the container is public (`{access}` access)"),
            );
        }
        return;
    }
    for field in ["allow_nested_items_to_be_public", "allow_blob_public_access"] {
        if let Some(attr) = body.attr(field)
            && attr.value.as_bool() == Some(true)
        {
            out.report(attr.line, field, "the account lets containers be public".to_string());
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
            "resource \"azurerm_storage_container\" \"a\" {\n  container_access_type = \"blob\"\n}\nresource \"azurerm_storage_account\" \"b\" {\n  allow_nested_items_to_be_public = true\n}\n",
            &[(2, "container_access_type"), (5, "allow_nested_items_to_be_public")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_storage_container\" \"a\" {\n  container_access_type = \"private\"\n}\nresource \"azurerm_storage_account\" \"b\" {\n  allow_nested_items_to_be_public = false\n}\n",
        );
    }
}
