//! ## What it checks
//!
//! AKS clusters with Kubernetes RBAC turned off
//! (`role_based_access_control_enabled = false`, or the older
//! `role_based_access_control { enabled = false }`; high), or with the
//! local cluster-admin account left on (`local_account_disabled` not
//! true).
//!
//! ## Why it matters
//!
//! Without RBAC every authenticated user is an administrator; the local
//! account is a cluster-admin credential outside Entra ID that cannot be
//! tied to a person or revoked without rotating the cluster's
//! certificates.
//!
//! ## How to fix
//!
//! Keep RBAC on, integrate Entra ID, and disable local accounts.
//!
//! ## Example
//!
//! ```hcl
//! local_account_disabled = true
//! azure_active_directory_role_based_access_control {
//!   azure_rbac_enabled = true
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks `az aks get-credentials --admin`: give administrators Entra ID
//! roles first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-aks-local-accounts",
        title: "AKS must use Entra ID RBAC, not local accounts",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_5",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_141",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0042",
            },
            Reference {
                source: "tfsec",
                id: "azure-container-use-rbac-permissions",
            },
        ],
        fix: "Set local_account_disabled = true and keep role_based_access_control_enabled on.",
    },
    kinds: &["azurerm_kubernetes_cluster"],
    check,
    source: include_str!("azure_aks_local_accounts.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    let rbac_off = body.bool("role_based_access_control_enabled") == Some(false)
        || body
            .block("role_based_access_control")
            .is_some_and(|rbac| rbac.body.bool("enabled") == Some(false));
    if rbac_off {
        out.report_with_severity(
            Severity::High,
            resource.line,
            "role_based_access_control_enabled",
            "Kubernetes RBAC is turned off".to_string(),
        );
    }
    if body.bool("local_account_disabled") != Some(true) {
        out.report(
            body.attr("local_account_disabled")
                .map_or(resource.line, |attr| attr.line),
            "local_account_disabled",
            "the local cluster-admin account is enabled: a credential outside Entra ID".to_string(),
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
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  role_based_access_control_enabled = false\n}\n",
            &[(1, "role_based_access_control_enabled"), (1, "local_account_disabled")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  local_account_disabled = true\n}\n",
        );
    }
}
