//! ## What it checks
//!
//! ECR repositories without `encryption_configuration.encryption_type =
//! "KMS"` (the default is AES256 with an AWS-owned key).
//!
//! ## Why it matters
//!
//! With a KMS key, pulling an image's layers needs a second permission the
//! team controls and can audit.
//!
//! ## How to fix
//!
//! Encrypt with KMS (a customer-managed key for control over access).
//!
//! ## Example
//!
//! ```hcl
//! encryption_configuration {
//!   encryption_type = "KMS"
//!   kms_key         = aws_kms_key.ecr.arn
//! }
//! ```
//!
//! ## Fix safety
//!
//! Changing encryption recreates the repository: push the images again.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-ecr-kms-encryption",
        title: "ECR repositories should encrypt with a KMS key",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Images],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_136",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0033",
            },
            Reference {
                source: "tfsec",
                id: "aws-ecr-repository-customer-key",
            },
        ],
        fix: "Set encryption_configuration { encryption_type = \"KMS\" }.",
    },
    kinds: &["aws_ecr_repository"],
    check,
    source: include_str!("aws_ecr_kms_encryption.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let kms = resource
        .body
        .block("encryption_configuration")
        .is_some_and(|config| config.body.str("encryption_type") == Some("KMS"));
    if !kms {
        out.report(
            resource.line,
            "encryption_configuration.encryption_type",
            "images are not encrypted with a KMS key".to_string(),
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
            "resource \"aws_ecr_repository\" \"a\" {}\n",
            &[(1, "encryption_configuration.encryption_type")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_ecr_repository\" \"a\" {\n  encryption_configuration {\n    encryption_type = \"KMS\"\n  }\n}\n",
        );
    }
}
