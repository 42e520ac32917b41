//! ## What it checks
//!
//! Key Vault keys and secrets without `expiration_date`.
//!
//! ## Why it matters
//!
//! Credentials that never expire are never rotated: the articles' "rotate
//! on schedule" has no deadline to enforce.
//!
//! ## How to fix
//!
//! Set an expiry and rotate before it (a `rotation_policy` for keys).
//!
//! ## Example
//!
//! ```hcl
//! expiration_date = "2027-06-30T00:00:00Z"
//! ```
//!
//! ## Fix safety
//!
//! Consumers fail after the date unless the value is rotated.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-key-vault-key-expiry",
        title: "Key Vault keys and secrets should expire",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Secrets],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_40",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_41",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0014",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0017",
            },
            Reference {
                source: "tfsec",
                id: "azure-keyvault-ensure-key-expiry",
            },
        ],
        fix: "Set expiration_date (and a rotation policy for keys).",
    },
    kinds: &["azurerm_key_vault_key", "azurerm_key_vault_secret"],
    check,
    source: include_str!("azure_key_vault_key_expiry.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.body.value("expiration_date").is_none() {
        out.report(resource.line, "expiration_date", "it never expires".to_string());
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"azurerm_key_vault_secret\" \"a\" {\n  name = \"db\"\n}\n",
            &[(1, "expiration_date")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_key_vault_key\" \"a\" {\n  expiration_date = \"2027-06-30T00:00:00Z\"\n}\n",
        );
    }
}
