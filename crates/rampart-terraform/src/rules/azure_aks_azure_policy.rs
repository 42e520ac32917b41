//! ## What it checks
//!
//! AKS clusters without the Azure Policy add-on (`azure_policy_enabled`,
//! or `addon_profile.azure_policy.enabled`).
//!
//! ## Why it matters
//!
//! Without an admission policy engine, nothing at the cluster's door stops
//! a manifest that breaks the rules the CI gate checks (another engine, or
//! `rampart serve`, does the same job: waive the rule then).
//!
//! ## How to fix
//!
//! Enable the add-on and assign the Kubernetes baseline initiative.
//!
//! ## Example
//!
//! ```hcl
//! azure_policy_enabled = true
//! ```
//!
//! ## Fix safety
//!
//! Assigned policies in deny mode reject workloads: start in audit mode.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-aks-azure-policy",
        title: "AKS clusters should run the Azure Policy add-on",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Admission],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_116",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0066",
            },
        ],
        fix: "Set azure_policy_enabled = true, or run another admission policy engine.",
    },
    kinds: &["azurerm_kubernetes_cluster"],
    check,
    source: include_str!("azure_aks_azure_policy.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let legacy = resource
        .body
        .block("addon_profile")
        .and_then(|profile| profile.body.block("azure_policy"))
        .is_some_and(|policy| policy.body.bool("enabled") == Some(true));
    if !legacy && resource.body.bool("azure_policy_enabled") != Some(true) {
        out.report(
            resource.line,
            "azure_policy_enabled",
            "no admission policy add-on".to_string(),
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
            &[(1, "azure_policy_enabled")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  azure_policy_enabled = true\n}\n",
        );
    }
}
