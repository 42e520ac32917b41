//! ## What it checks
//!
//! Azure Container Registries that let anyone pull
//! (`anonymous_pull_enabled = true`).
//!
//! ## Why it matters
//!
//! Every image becomes public: proprietary code and whatever secrets were
//! baked into layers leak.
//!
//! ## How to fix
//!
//! Turn it off; grant `AcrPull` to the identities that pull.
//!
//! ## Example
//!
//! ```hcl
//! anonymous_pull_enabled = false
//! ```
//!
//! ## Fix safety
//!
//! Breaks anonymous pullers: give them identities first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-acr-anonymous-pull",
        title: "ACR must not allow anonymous pull",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Images],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AZURE_138",
        }],
        fix: "Set anonymous_pull_enabled = false.",
    },
    kinds: &["azurerm_container_registry"],
    check,
    source: include_str!("azure_acr_anonymous_pull.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if let Some(attr) = resource.body.attr("anonymous_pull_enabled")
        && attr.value.as_bool() == Some(true)
    {
        out.report(
            attr.line,
            "anonymous_pull_enabled",
            "anyone can pull every image anonymously".to_string(),
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
            "resource \"azurerm_container_registry\" \"a\" {\n  anonymous_pull_enabled = true\n}\n",
            &[(2, "anonymous_pull_enabled")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_container_registry\" \"a\" {\n  anonymous_pull_enabled = false\n}\n",
        );
    }
}
