//! ## What it checks
//!
//! `azurerm_role_definition` whose `permissions.actions` include `*`,
//! whatever its assignable scopes (Trivy only flags it at `/`).
//!
//! ## Why it matters
//!
//! The role is Owner under another name, hidden from reviews that look
//! for Owner assignments.
//!
//! ## How to fix
//!
//! List the actions the role needs.
//!
//! ## Example
//!
//! ```hcl
//! permissions {
//!   actions = ["Microsoft.ContainerService/managedClusters/read"]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Holders lose the actions not listed.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-role-definition-wildcard",
        title: "Custom Azure roles must not allow every action",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_39",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0030",
            },
            Reference {
                source: "tfsec",
                id: "azure-authorization-limit-role-actions",
            },
        ],
        fix: "List the actions the role needs.",
    },
    kinds: &["azurerm_role_definition"],
    check,
    source: include_str!("azure_role_definition_wildcard.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for permissions in resource.body.blocks("permissions") {
        if let Some(attr) = permissions.body.attr("actions")
            && attr.value.strings().contains(&"*")
        {
            out.report(
                attr.line,
                "permissions.actions",
                "the custom role allows every action".to_string(),
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
            "resource \"azurerm_role_definition\" \"a\" {\n  permissions {\n    actions = [\"*\"]\n  }\n}\n",
            &[(3, "permissions.actions")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_role_definition\" \"a\" {\n  permissions {\n    actions = [\"Microsoft.Storage/*/read\"]\n  }\n}\n",
        );
    }
}
