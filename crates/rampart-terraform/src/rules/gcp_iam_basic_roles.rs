//! ## What it checks
//!
//! Project, folder and organisation IAM grants of the basic roles
//! `roles/owner` (high) and `roles/editor`, to anyone.
//!
//! ## Why it matters
//!
//! Basic roles grant thousands of permissions across every service: an
//! editor can read most data and deploy anything, an owner can also change
//! IAM.
//!
//! ## How to fix
//!
//! Use predefined roles scoped to the service, or custom roles.
//!
//! ## Example
//!
//! ```hcl
//! role = "roles/container.developer"
//! ```
//!
//! ## Fix safety
//!
//! The member loses permissions the narrow role lacks: check the IAM
//! recommender first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-iam-basic-roles",
        title: "Projects must not grant the basic owner and editor roles",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_117",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_116",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_42",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0007",
            },
            Reference {
                source: "tfsec",
                id: "google-iam-no-privileged-service-accounts",
            },
        ],
        fix: "Grant predefined or custom roles with the permissions the member uses.",
    },
    kinds: &[
        "google_project_iam_member",
        "google_project_iam_binding",
        "google_folder_iam_member",
        "google_folder_iam_binding",
        "google_organization_iam_member",
        "google_organization_iam_binding",
    ],
    check,
    source: include_str!("gcp_iam_basic_roles.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(attr) = resource.body.attr("role") else {
        return;
    };
    match attr.value.as_str() {
        Some("roles/owner") => out.report_with_severity(
            Severity::High,
            attr.line,
            "role",
            "the basic owner role is granted".to_string(),
        ),
        Some("roles/editor") => out.report(attr.line, "role", "the basic editor role is granted".to_string()),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/editor\"\n  member = \"user:dana@example.com\"\n}\n",
            &[(2, "role")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/container.developer\"\n  member = \"user:dana@example.com\"\n}\n",
        );
    }
}
