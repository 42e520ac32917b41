//! ## What it checks
//!
//! Storage accounts that accept plain HTTP (`https_traffic_only_enabled`
//! or `enable_https_traffic_only` false) or TLS below 1.2
//! (`min_tls_version` `TLS1_0` or `TLS1_1`).
//!
//! ## Why it matters
//!
//! Data and account keys cross the network readable or with broken
//! ciphers.
//!
//! ## How to fix
//!
//! Require HTTPS and TLS 1.2.
//!
//! ## Example
//!
//! ```hcl
//! https_traffic_only_enabled = true
//! min_tls_version            = "TLS1_2"
//! ```
//!
//! ## Fix safety
//!
//! Breaks clients that only speak HTTP or old TLS.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-storage-secure-transfer",
        title: "Azure Storage must require HTTPS and TLS 1.2",
        severity: Severity::Medium,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_3",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_44",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0008",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0011",
            },
        ],
        fix: "Set https_traffic_only_enabled = true and min_tls_version = \"TLS1_2\".",
    },
    kinds: &["azurerm_storage_account"],
    check,
    source: include_str!("azure_storage_secure_transfer.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    for field in ["https_traffic_only_enabled", "enable_https_traffic_only"] {
        if let Some(attr) = body.attr(field)
            && attr.value.as_bool() == Some(false)
        {
            out.report(attr.line, field, "the account accepts plain HTTP".to_string());
        }
    }
    if let Some(attr) = body.attr("min_tls_version")
        && let Some(version @ ("TLS1_0" | "TLS1_1")) = attr.value.as_str()
    {
        out.report(
            attr.line,
            "min_tls_version",
            format!("the account accepts {version}, below TLS 1.2"),
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
            "resource \"azurerm_storage_account\" \"a\" {\n  https_traffic_only_enabled = false\n  min_tls_version = \"TLS1_0\"\n}\n",
            &[(2, "https_traffic_only_enabled"), (3, "min_tls_version")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_storage_account\" \"a\" {\n  https_traffic_only_enabled = true\n  min_tls_version = \"TLS1_2\"\n}\n",
        );
    }
}
