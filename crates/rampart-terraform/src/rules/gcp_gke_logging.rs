//! ## What it checks
//!
//! GKE clusters with logging turned off (`logging_service = "none"`), or
//! whose `logging_config.enable_components` leaves out `APISERVER` (the
//! control plane's own log); neither peer checks the components.
//!
//! ## Why it matters
//!
//! Without the API server's log, changes made through the API cannot be
//! investigated.
//!
//! ## How to fix
//!
//! Keep Cloud Logging on and include the control-plane components.
//!
//! ## Example
//!
//! ```hcl
//! logging_config {
//!   enable_components = ["SYSTEM_COMPONENTS", "WORKLOADS", "APISERVER"]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe; log volume costs money.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-logging",
        title: "GKE must send its control-plane logs",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_1",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0060",
            },
            Reference {
                source: "tfsec",
                id: "google-gke-enable-stackdriver-logging",
            },
        ],
        fix: "Keep logging_service on, and include APISERVER in logging_config.enable_components.",
    },
    kinds: &["google_container_cluster"],
    check,
    source: include_str!("gcp_gke_logging.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if let Some(attr) = resource.body.attr("logging_service")
        && attr.value.as_str() == Some("none")
    {
        return out.report(attr.line, "logging_service", "Cloud Logging is turned off".to_string());
    }
    if let Some(config) = resource.body.block("logging_config")
        && let Some(components) = config.body.value("enable_components")
        && components.is_known()
        && !components.strings().contains(&"APISERVER")
    {
        out.report(
            config.line,
            "logging_config.enable_components",
            "the API server's log is not collected".to_string(),
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
            "resource \"google_container_cluster\" \"a\" {\n  logging_config {\n    enable_components = [\"SYSTEM_COMPONENTS\"]\n  }\n}\nresource \"google_container_cluster\" \"b\" {\n  logging_service = \"none\"\n}\n",
            &[(2, "logging_config.enable_components"), (7, "logging_service")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  logging_config {\n    enable_components = [\"SYSTEM_COMPONENTS\", \"APISERVER\"]\n  }\n}\n",
        );
    }
}
