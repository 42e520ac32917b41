//! ## What it checks
//!
//! IAM grants to everyone on Google Cloud resources that hold data or
//! images: `allUsers` (anyone on the internet) or
//! `allAuthenticatedUsers` (anyone with a Google account) as `member` or
//! in `members` of the `_iam_member` and `_iam_binding` resources of
//! Cloud Storage buckets, Artifact Registry repositories, and Cloud KMS
//! keys and key rings.
//!
//! ## Why it matters
//!
//! The objects or images become downloadable by anyone; bucket leaks are
//! the most common cloud data breach, and public images leak code and the
//! secrets baked into them.
//!
//! ## How to fix
//!
//! Grant the role to the groups or service accounts that need it;
//! enforce `public_access_prevention` on buckets.
//!
//! ## Example
//!
//! ```hcl
//! resource "google_storage_bucket_iam_member" "reader" {
//!   bucket = google_storage_bucket.reports.name
//!   role   = "roles/storage.objectViewer"
//!   member = "group:analysts@example.com"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks anonymous readers: serve public content through a CDN.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-public-iam-member",
        title: "Buckets, registries and keys must not be granted to all",
        severity: Severity::High,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_28",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_101",
            },
            Reference {
                source: "Checkov",
                id: "CKV_GCP_112",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0001",
            },
            Reference {
                source: "tfsec",
                id: "google-storage-no-public-access",
            },
        ],
        fix: "Grant the role to named groups or service accounts, not allUsers or allAuthenticatedUsers.",
    },
    kinds: &[
        "google_storage_bucket_iam_member",
        "google_storage_bucket_iam_binding",
        "google_artifact_registry_repository_iam_member",
        "google_artifact_registry_repository_iam_binding",
        "google_kms_crypto_key_iam_member",
        "google_kms_crypto_key_iam_binding",
        "google_kms_key_ring_iam_member",
        "google_kms_key_ring_iam_binding",
    ],
    check,
    source: include_str!("gcp_public_iam_member.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for field in ["member", "members"] {
        let Some(attr) = resource.body.attr(field) else {
            continue;
        };
        if let Some(unknown) = attr.value.first_unknown() {
            return out.could_not_evaluate(attr.line, field, unknown);
        }
        for member in attr.value.strings() {
            if member == "allUsers" || member == "allAuthenticatedUsers" {
                let role = resource.body.str("role").unwrap_or("a role");
                out.report(attr.line, field, format!("`{member}` is granted {role}"));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_all_users() {
        assert_hits(
            &super::RULE,
            "resource \"google_storage_bucket_iam_member\" \"a\" {\n  role = \"roles/storage.objectViewer\"\n  member = \"allUsers\"\n}\nresource \"google_artifact_registry_repository_iam_binding\" \"b\" {\n  role = \"roles/artifactregistry.reader\"\n  members = [\"group:x@example.com\", \"allAuthenticatedUsers\"]\n}\n",
            &[(3, "member"), (7, "members")],
        );
    }

    #[test]
    fn quiet_for_named_members() {
        assert_quiet(
            &super::RULE,
            "resource \"google_storage_bucket_iam_member\" \"a\" {\n  member = \"serviceAccount:app@p.iam.gserviceaccount.com\"\n}\n",
        );
    }
}
