//! ## What it checks
//!
//! CloudTrail trails without `kms_key_id`.
//!
//! ## Why it matters
//!
//! With a customer key, reading the audit trail needs a second
//! permission the team controls and can audit; without it, read access to
//! the bucket is enough.
//!
//! ## How to fix
//!
//! Encrypt with a KMS key whose policy limits decryption to the security
//! team.
//!
//! ## Example
//!
//! ```hcl
//! kms_key_id = aws_kms_key.trail.arn
//! ```
//!
//! ## Fix safety
//!
//! Readers need kms:Decrypt on the key.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-cloudtrail-encryption",
        title: "CloudTrail logs should be encrypted with a KMS key",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_35",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0015",
            },
            Reference {
                source: "tfsec",
                id: "aws-cloudtrail-encryption-customer-key",
            },
        ],
        fix: "Set kms_key_id to a customer-managed key.",
    },
    kinds: &["aws_cloudtrail"],
    check,
    source: include_str!("aws_cloudtrail_encryption.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.body.value("kms_key_id").is_none() {
        out.report(
            resource.line,
            "kms_key_id",
            "the trail's logs are not encrypted with a customer-managed key".to_string(),
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
            "resource \"aws_cloudtrail\" \"a\" {}\n",
            &[(1, "kms_key_id")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_cloudtrail\" \"a\" {\n  kms_key_id = \"arn:aws:kms:eu-west-1:1:key/k\"\n}\n",
        );
    }
}
