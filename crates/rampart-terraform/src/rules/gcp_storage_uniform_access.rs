//! ## What it checks
//!
//! Cloud Storage buckets without `uniform_bucket_level_access = true`:
//! object ACLs then grant access that bucket IAM does not show.
//!
//! ## Why it matters
//!
//! Per-object ACLs are how single files end up public while the bucket's
//! IAM looks private; reviews of IAM miss them.
//!
//! ## How to fix
//!
//! Turn uniform access on and manage access with IAM only.
//!
//! ## Example
//!
//! ```hcl
//! uniform_bucket_level_access = true
//! public_access_prevention    = "enforced"
//! ```
//!
//! ## Fix safety
//!
//! Object ACLs stop applying: grant the same access with IAM first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-storage-uniform-access",
        title: "Buckets must use uniform bucket-level access",
        severity: Severity::Medium,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_29",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0002",
            },
            Reference {
                source: "tfsec",
                id: "google-storage-enable-ubla",
            },
        ],
        fix: "Set uniform_bucket_level_access = true (and public_access_prevention = \"enforced\").",
    },
    kinds: &["google_storage_bucket"],
    check,
    source: include_str!("gcp_storage_uniform_access.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let attr = resource.body.attr("uniform_bucket_level_access");
    if let Some(unknown) = attr.and_then(|attr| attr.value.first_unknown()) {
        return out.could_not_evaluate(
            attr.map_or(resource.line, |a| a.line),
            "uniform_bucket_level_access",
            unknown,
        );
    }
    if attr.and_then(|attr| attr.value.as_bool()) != Some(true) {
        out.report(
            attr.map_or(resource.line, |attr| attr.line),
            "uniform_bucket_level_access",
            "object ACLs can grant access that the bucket's IAM does not show".to_string(),
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
            "resource \"google_storage_bucket\" \"a\" {}\nresource \"google_storage_bucket\" \"b\" {\n  uniform_bucket_level_access = false\n}\n",
            &[(1, "uniform_bucket_level_access"), (3, "uniform_bucket_level_access")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_storage_bucket\" \"a\" {\n  uniform_bucket_level_access = true\n}\n",
        );
    }
}
