//! ## What it checks
//!
//! `roles/iam.serviceAccountUser` and
//! `roles/iam.serviceAccountTokenCreator` granted at project, folder or
//! organisation level.
//!
//! ## Why it matters
//!
//! The member can act as every service account below: a path to the most
//! privileged one.
//!
//! ## How to fix
//!
//! Grant the role on the one service account
//! (`google_service_account_iam_member`).
//!
//! ## Example
//!
//! ```hcl
//! resource "google_service_account_iam_member" "deployer" {
//!   service_account_id = google_service_account.app.name
//!   role               = "roles/iam.serviceAccountUser"
//!   member             = "serviceAccount:ci@p.iam.gserviceaccount.com"
//! }
//! ```
//!
//! ## Fix safety
//!
//! The member can no longer act as the other service accounts.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-iam-impersonation",
        title: "Service account impersonation must not be granted broadly",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_41",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_49",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_44",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_45",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0011",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0005",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0009",
            },
        ],
        fix: "Grant serviceAccountUser or TokenCreator on the one service account that needs it.",
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
    source: include_str!("gcp_iam_impersonation.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(attr) = resource.body.attr("role") else {
        return;
    };
    if let Some(role @ ("roles/iam.serviceAccountUser" | "roles/iam.serviceAccountTokenCreator")) = attr.value.as_str()
    {
        out.report(
            attr.line,
            "role",
            format!("`{role}` at this level lets the member act as every service account below it"),
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
            "resource \"google_project_iam_binding\" \"a\" {\n  role = \"roles/iam.serviceAccountTokenCreator\"\n  members = [\"group:ops@example.com\"]\n}\n",
            &[(2, "role")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_project_iam_binding\" \"a\" {\n  role = \"roles/viewer\"\n  members = [\"group:ops@example.com\"]\n}\n",
        );
    }
}
