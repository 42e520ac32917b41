//! ## What it checks
//!
//! GKE clusters without Binary Authorization enforcing the project's
//! policy: `binary_authorization.evaluation_mode` not
//! `PROJECT_SINGLETON_POLICY_ENFORCE` (or the older
//! `enable_binary_authorization` not true).
//!
//! ## Why it matters
//!
//! Without it the cluster runs any image anyone can push: the admission
//! half of "sign images in CI and verify them in the cluster" is missing.
//!
//! ## How to fix
//!
//! Enable it and write a policy that requires your CI's attestations.
//!
//! ## Example
//!
//! ```hcl
//! binary_authorization {
//!   evaluation_mode = "PROJECT_SINGLETON_POLICY_ENFORCE"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Unattested images stop being admitted: start in dry-run mode.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-gke-binary-authorization",
        title: "GKE should admit only attested images",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Images, Control::Admission],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_GCP_66",
        }],
        fix: "Set binary_authorization { evaluation_mode = \"PROJECT_SINGLETON_POLICY_ENFORCE\" }.",
    },
    kinds: &["google_container_cluster"],
    check,
    source: include_str!("gcp_gke_binary_authorization.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let enforced = resource.body.block("binary_authorization").is_some_and(|auth| {
        auth.body.str("evaluation_mode") == Some("PROJECT_SINGLETON_POLICY_ENFORCE")
            || auth.body.bool("enabled") == Some(true)
    }) || resource.body.bool("enable_binary_authorization") == Some(true);
    if !enforced {
        out.report(
            resource.line,
            "binary_authorization",
            "Binary Authorization is not enforced: any image can run".to_string(),
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
            "resource \"google_container_cluster\" \"a\" {}\n",
            &[(1, "binary_authorization")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_container_cluster\" \"a\" {\n  binary_authorization {\n    evaluation_mode = \"PROJECT_SINGLETON_POLICY_ENFORCE\"\n  }\n}\n",
        );
    }
}
