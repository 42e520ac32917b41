//! ## What it checks
//!
//! Azure Container Registries with the admin user on (`admin_enabled =
//! true`). Trivy has no ACR check.
//!
//! ## Why it matters
//!
//! The admin user is one shared password with push and pull rights:
//! unaudited, unscoped, and usually copied into many pipelines.
//!
//! ## How to fix
//!
//! Turn it off; give clusters and pipelines managed identities with
//! `AcrPull` or `AcrPush`.
//!
//! ## Example
//!
//! ```hcl
//! admin_enabled = false
//! ```
//!
//! ## Fix safety
//!
//! Breaks clients that log in with the admin password: give them
//! identities first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-acr-admin-user",
        title: "ACR must not enable the admin user",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Images],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AZURE_137",
        }],
        fix: "Set admin_enabled = false and use Entra ID identities.",
    },
    kinds: &["azurerm_container_registry"],
    check,
    source: include_str!("azure_acr_admin_user.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if let Some(attr) = resource.body.attr("admin_enabled")
        && attr.value.as_bool() == Some(true)
    {
        out.report(
            attr.line,
            "admin_enabled",
            "the admin user (one shared push password) is on".to_string(),
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
            "resource \"azurerm_container_registry\" \"a\" {\n  admin_enabled = true\n}\n",
            &[(2, "admin_enabled")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_container_registry\" \"a\" {\n  admin_enabled = false\n}\n",
        );
    }
}
