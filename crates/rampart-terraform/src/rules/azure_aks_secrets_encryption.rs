//! ## What it checks
//!
//! AKS clusters without KMS encryption of etcd with a Key Vault key: no
//! `key_management_service` block. Neither Checkov nor Trivy checks this.
//!
//! ## Why it matters
//!
//! Without it, Secrets are protected only by the platform's storage
//! encryption; the team cannot audit, restrict or revoke the key.
//!
//! ## How to fix
//!
//! Add `key_management_service` with a Key Vault key the cluster's
//! identity may use.
//!
//! ## Example
//!
//! ```hcl
//! key_management_service {
//!   key_vault_key_id = azurerm_key_vault_key.aks.id
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe to add; the key must stay available or the cluster cannot read
//! its Secrets.

use rampart_core::{Control, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-aks-secrets-encryption",
        title: "AKS must encrypt Secrets with a Key Vault key",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Secrets],
        pss: None,
        references: &[],
        fix: "Add key_management_service { key_vault_key_id = ... }.",
    },
    kinds: &["azurerm_kubernetes_cluster"],
    check,
    source: include_str!("azure_aks_secrets_encryption.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.body.block("key_management_service").is_none() {
        out.report(
            resource.line,
            "key_management_service",
            "Secrets are not encrypted with a Key Vault key".to_string(),
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
            "resource \"azurerm_kubernetes_cluster\" \"a\" {}\n",
            &[(1, "key_management_service")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  key_management_service {\n    key_vault_key_id = \"k\"\n  }\n}\n",
        );
    }
}
