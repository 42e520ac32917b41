//! ## What it checks
//!
//! GKE clusters with authorisation or authentication that bypasses RBAC
//! and IAM: `enable_legacy_abac = true`, a client certificate issued
//! (`master_auth.client_certificate_config.issue_client_certificate =
//! true`), or a basic-auth `password` in `master_auth`.
//!
//! ## Why it matters
//!
//! ABAC grants access no RBAC review sees; the client certificate and the
//! password are cluster-admin credentials that cannot be revoked short of
//! rotating the cluster's credentials.
//!
//! ## How to fix
//!
//! Remove them; use IAM and RBAC.
//!
//! ## Example
//!
//! ```hcl
//! master_auth {
//!   client_certificate_config {
//!     issue_client_certificate = false
//!   }
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks whoever authenticates with the certificate or password: move
//! them to IAM first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-legacy-authorization",
        title: "GKE must not use ABAC, client certificates or passwords",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_7",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_13",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0062",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0064",
            },
            Reference {
                source: "tfsec",
                id: "google-gke-use-rbac-permissions",
            },
        ],
        fix: "Remove enable_legacy_abac, and issue no client certificate or password in master_auth.",
    },
    kinds: &["google_container_cluster"],
    check,
    source: include_str!("gcp_gke_legacy_authorization.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if let Some(attr) = body.attr("enable_legacy_abac")
        && attr.value.as_bool() == Some(true)
    {
        out.report(
            attr.line,
            "enable_legacy_abac",
            "legacy ABAC grants access outside RBAC".to_string(),
        );
    }
    if let Some(auth) = body.block("master_auth") {
        let certificate = auth
            .body
            .block("client_certificate_config")
            .is_some_and(|config| config.body.bool("issue_client_certificate") == Some(true));
        let password = auth.body.str("password").is_some_and(|password| !password.is_empty());
        if certificate || password {
            out.report(
                auth.line,
                "master_auth",
                "the cluster issues a client certificate or takes a password: credentials RBAC cannot revoke"
                    .to_string(),
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
            "resource \"google_container_cluster\" \"a\" {\n  enable_legacy_abac = true\n  master_auth {\n    client_certificate_config {\n      issue_client_certificate = true\n    }\n  }\n}\n",
            &[(2, "enable_legacy_abac"), (3, "master_auth")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  enable_legacy_abac = false\n  master_auth {\n    client_certificate_config {\n      issue_client_certificate = false\n    }\n  }\n}\n",
        );
    }
}
