//! ## What it checks
//!
//! Symmetric Cloud KMS keys (`purpose` unset or `ENCRYPT_DECRYPT`) whose
//! `rotation_period` is missing or longer than 90 days (`7776000s`). Trivy
//! reports only a period set too long; a missing one is never rotated.
//!
//! ## Why it matters
//!
//! Rotation bounds how much data one key version protects and how long a
//! leaked version stays useful.
//!
//! ## How to fix
//!
//! Set `rotation_period`.
//!
//! ## Example
//!
//! ```hcl
//! rotation_period = "7776000s"
//! ```
//!
//! ## Fix safety
//!
//! Safe: old versions stay available for decryption.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "gcp-kms-key-rotation",
        title: "Cloud KMS keys must rotate at least every 90 days",
        severity: Severity::Medium,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_GCP_43",
            },
            Reference {
                source: "Trivy",
                id: "GCP-0065",
            },
            Reference {
                source: "tfsec",
                id: "google-kms-rotate-kms-keys",
            },
        ],
        fix: "Set rotation_period to 7776000s (90 days) or less.",
    },
    kinds: &["google_kms_crypto_key"],
    check,
    source: include_str!("gcp_kms_key_rotation.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource
        .body
        .str("purpose")
        .is_some_and(|purpose| purpose != "ENCRYPT_DECRYPT")
    {
        return;
    }
    match resource.body.attr("rotation_period") {
        None => out.report(resource.line, "rotation_period", "the key is never rotated".to_string()),
        Some(attr) => {
            if let Some(unknown) = attr.value.first_unknown() {
                return out.could_not_evaluate(attr.line, "rotation_period", unknown);
            }
            let seconds = attr
                .value
                .as_str()
                .and_then(|text| text.trim_end_matches('s').parse::<f64>().ok());
            if seconds.is_none_or(|seconds| seconds > 7_776_000.0) {
                out.report(
                    attr.line,
                    "rotation_period",
                    format!("the key rotates every {}, more than 90 days", attr.value.display()),
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
            "resource \"google_kms_crypto_key\" \"a\" {}\nresource \"google_kms_crypto_key\" \"b\" {\n  rotation_period = \"31536000s\"\n}\n",
            &[(1, "rotation_period"), (3, "rotation_period")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"google_kms_crypto_key\" \"a\" {\n  rotation_period = \"7776000s\"\n}\nresource \"google_kms_crypto_key\" \"b\" {\n  purpose = \"ASYMMETRIC_SIGN\"\n}\n",
        );
    }
}
