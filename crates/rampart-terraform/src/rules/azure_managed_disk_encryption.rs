//! ## What it checks
//!
//! Azure managed disks with `encryption_settings` turned off (`enabled =
//! false`). Disks without the block are encrypted by the platform and
//! pass, as in Checkov.
//!
//! ## Why it matters
//!
//! Disabling Azure Disk Encryption settings removes the key the team
//! controls; snapshots and copies become readable with storage access.
//!
//! ## How to fix
//!
//! Remove the setting, or encrypt with a disk encryption set.
//!
//! ## Example
//!
//! ```hcl
//! disk_encryption_set_id = azurerm_disk_encryption_set.main.id
//! ```
//!
//! ## Fix safety
//!
//! Safe.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-managed-disk-encryption",
        title: "Managed disks must not turn encryption off",
        severity: Severity::High,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_2",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0038",
            },
            Reference {
                source: "tfsec",
                id: "azure-compute-enable-disk-encryption",
            },
        ],
        fix: "Remove encryption_settings { enabled = false }, or use a disk_encryption_set_id.",
    },
    kinds: &["azurerm_managed_disk"],
    check,
    source: include_str!("azure_managed_disk_encryption.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for settings in resource.body.blocks("encryption_settings") {
        if settings.body.bool("enabled") == Some(false) {
            out.report(
                settings.line,
                "encryption_settings.enabled",
                "disk encryption is turned off".to_string(),
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
            "resource \"azurerm_managed_disk\" \"a\" {\n  encryption_settings {\n    enabled = false\n  }\n}\n",
            &[(2, "encryption_settings.enabled")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_managed_disk\" \"a\" {}\nresource \"azurerm_managed_disk\" \"b\" {\n  encryption_settings {\n    enabled = true\n  }\n}\n",
        );
    }
}
