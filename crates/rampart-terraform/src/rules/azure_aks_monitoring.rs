//! ## What it checks
//!
//! AKS clusters without the Azure Monitor agent: no `oms_agent` block (or,
//! in the azurerm 2.x shape, `addon_profile.oms_agent.enabled` not true).
//!
//! ## Why it matters
//!
//! Without it, container logs and metrics stay on the nodes; an incident
//! has no record once a pod is gone.
//!
//! ## How to fix
//!
//! Enable Container Insights, and send the `kube-audit` diagnostic log to
//! a workspace.
//!
//! ## Example
//!
//! ```hcl
//! oms_agent {
//!   log_analytics_workspace_id = azurerm_log_analytics_workspace.main.id
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe; ingestion costs money.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "azure-aks-monitoring",
        title: "AKS clusters should send logs to Azure Monitor",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AZURE_4",
            },
            Reference {
                source: "Trivy",
                id: "AZU-0040",
            },
            Reference {
                source: "tfsec",
                id: "azure-container-logging",
            },
        ],
        fix: "Add an oms_agent block (Container Insights) and diagnostic settings for kube-audit.",
    },
    kinds: &["azurerm_kubernetes_cluster"],
    check,
    source: include_str!("azure_aks_monitoring.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let legacy = resource
        .body
        .block("addon_profile")
        .and_then(|profile| profile.body.block("oms_agent"))
        .is_some_and(|agent| agent.body.bool("enabled") == Some(true));
    if !legacy && resource.body.block("oms_agent").is_none() {
        out.report(
            resource.line,
            "oms_agent",
            "the cluster sends no logs to Azure Monitor".to_string(),
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
            &[(1, "oms_agent")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"azurerm_kubernetes_cluster\" \"a\" {\n  oms_agent {\n    log_analytics_workspace_id = \"w\"\n  }\n}\n",
        );
    }
}
