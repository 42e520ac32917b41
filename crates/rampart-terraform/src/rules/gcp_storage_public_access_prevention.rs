//! ## What it checks
//!
//! Cloud Storage buckets without `public_access_prevention = "enforced"`
//! (the default `inherited` leaves it to an organisation policy the
//! configuration does not show).
//!
//! ## Why it matters
//!
//! Enforced prevention makes any later `allUsers` grant fail: the guard
//! rail against the most common bucket leak.
//!
//! ## How to fix
//!
//! Enforce it on every bucket that is not a public website.
//!
//! ## Example
//!
//! ```hcl
//! public_access_prevention = "enforced"
//! ```
//!
//! ## Fix safety
//!
//! Breaks buckets that are public on purpose: waive those.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-storage-public-access-prevention",
        title: "Buckets should enforce public access prevention",
        severity: Severity::Low,
        controls: &[Control::Iac],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_GCP_114",
        }],
        fix: "Set public_access_prevention = \"enforced\".",
    },
    kinds: &["google_storage_bucket"],
    check,
    source: include_str!("gcp_storage_public_access_prevention.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let attr = resource.body.attr("public_access_prevention");
    if attr.and_then(|attr| attr.value.as_str()) != Some("enforced") {
        out.report(
            attr.map_or(resource.line, |attr| attr.line),
            "public_access_prevention",
            "public access prevention is not enforced on the bucket".to_string(),
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
            "resource \"google_storage_bucket\" \"a\" {}\n",
            &[(1, "public_access_prevention")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_storage_bucket\" \"a\" {\n  public_access_prevention = \"enforced\"\n}\n",
        );
    }
}
