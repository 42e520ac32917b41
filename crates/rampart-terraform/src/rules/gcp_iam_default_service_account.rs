//! ## What it checks
//!
//! IAM grants at project, folder or organisation level to the default
//! Compute Engine (`…-compute@developer.gserviceaccount.com`) or App Engine
//! (`…@appspot.gserviceaccount.com`) service accounts.
//!
//! ## Why it matters
//!
//! Every VM and node that keeps the default account gets the role: one
//! compromised workload holds it.
//!
//! ## How to fix
//!
//! Give each workload its own service account.
//!
//! ## Example
//!
//! ```hcl
//! member = "serviceAccount:${google_service_account.app.email}"
//! ```
//!
//! ## Fix safety
//!
//! Workloads still on the default account lose the role.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-iam-default-service-account",
        title: "Default service accounts must not be granted roles",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_46",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_47",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_48",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0006",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0004",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0008",
            },
        ],
        fix: "Create a dedicated service account for the workload and grant it the narrow role.",
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
    source: include_str!("gcp_iam_default_service_account.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for field in ["member", "members"] {
        let Some(attr) = resource.body.attr(field) else {
            continue;
        };
        for member in attr.value.strings() {
            if member.ends_with("-compute@developer.gserviceaccount.com")
                || member.ends_with("@appspot.gserviceaccount.com")
            {
                out.report(
                    attr.line,
                    field,
                    format!("the default service account `{member}` is granted a role"),
                );
            }
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
            "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/storage.admin\"\n  member = \"serviceAccount:123-compute@developer.gserviceaccount.com\"\n}\n",
            &[(3, "member")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_project_iam_member\" \"a\" {\n  role = \"roles/storage.admin\"\n  member = \"serviceAccount:app@p.iam.gserviceaccount.com\"\n}\n",
        );
    }
}
