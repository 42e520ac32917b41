//! ## What it checks
//!
//! EKS clusters without envelope encryption of Kubernetes Secrets with a
//! KMS key the team controls: an `encryption_config` block whose
//! `resources` include `"secrets"`.
//!
//! ## Why it matters
//!
//! Without it, Secrets are protected only by the storage encryption AWS
//! manages: anyone with access to etcd's data or a backup reads them, and
//! the team cannot audit, restrict or revoke the key.
//!
//! ## How to fix
//!
//! Add `encryption_config` with a customer-managed KMS key.
//!
//! ## Example
//!
//! ```hcl
//! encryption_config {
//!   resources = ["secrets"]
//!   provider {
//!     key_arn = aws_kms_key.eks.arn
//!   }
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe: EKS encrypts existing Secrets when it is added; it cannot be
//! removed later.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-eks-secrets-encryption",
        title: "EKS must encrypt Secrets with a KMS key",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Secrets],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_58",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0039",
            },
            Reference {
                source: "tfsec",
                id: "aws-eks-encrypt-secrets",
            },
        ],
        fix: "Add encryption_config { resources = [\"secrets\"] } with a customer-managed KMS key.",
    },
    kinds: &["aws_eks_cluster"],
    check,
    source: include_str!("aws_eks_secrets_encryption.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let configs = resource.body.blocks("encryption_config");
    for config in &configs {
        if let Some(value) = config.body.value("resources") {
            if let Some(unknown) = value.first_unknown() {
                return out.could_not_evaluate(config.line, "encryption_config.resources", unknown);
            }
            if value.strings().contains(&"secrets") {
                return;
            }
        }
    }
    out.report(
        configs.first().map_or(resource.line, |config| config.line),
        "encryption_config",
        "Kubernetes Secrets are not envelope-encrypted with a KMS key".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_without_secrets_encryption() {
        assert_hits(
            &super::RULE,
            "resource \"aws_eks_cluster\" \"a\" {\n  name = \"a\"\n}\n",
            &[(1, "encryption_config")],
        );
    }

    #[test]
    fn quiet_with_it() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_eks_cluster\" \"a\" {\n  encryption_config {\n    resources = [\"secrets\"]\n    provider {\n      key_arn = \"arn:aws:kms:eu-west-1:1:key/x\"\n    }\n  }\n}\n",
        );
    }
}
