//! ## What it checks
//!
//! Premium Azure Container Registries without content trust
//! (`trust_policy_enabled`, or the older `trust_policy { enabled }`).
//! Other SKUs cannot enable it and are left alone.
//!
//! ## Why it matters
//!
//! Without content trust the registry serves unsigned images: nothing
//! ties an image to the pipeline that built it.
//!
//! ## How to fix
//!
//! Turn content trust on and sign images in CI (or verify Sigstore
//! signatures at admission).
//!
//! ## Example
//!
//! ```hcl
//! trust_policy_enabled = true
//! ```
//!
//! ## Fix safety
//!
//! Clients that require trust stop pulling unsigned images.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-acr-content-trust",
        title: "Premium ACRs should enforce content trust",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Images],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AZURE_164",
        }],
        fix: "Set trust_policy_enabled = true (Premium SKU) and sign images.",
    },
    kinds: &["azurerm_container_registry"],
    check,
    source: include_str!("azure_acr_content_trust.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body.str("sku") != Some("Premium") {
        return;
    }
    let trusted = body.bool("trust_policy_enabled") == Some(true)
        || body
            .block("trust_policy")
            .is_some_and(|policy| policy.body.bool("enabled") == Some(true));
    if !trusted {
        out.report(
            resource.line,
            "trust_policy_enabled",
            "content trust is off: unsigned images are served".to_string(),
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
            "resource \"azurerm_container_registry\" \"a\" {\n  sku = \"Premium\"\n}\n",
            &[(1, "trust_policy_enabled")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_container_registry\" \"a\" {\n  sku = \"Premium\"\n  trust_policy_enabled = true\n}\nresource \"azurerm_container_registry\" \"b\" {\n  sku = \"Basic\"\n}\n",
        );
    }
}
