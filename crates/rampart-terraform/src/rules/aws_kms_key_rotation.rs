//! ## What it checks
//!
//! Symmetric KMS keys (`aws_kms_key` with no `customer_master_key_spec`,
//! or `SYMMETRIC_DEFAULT`) without `enable_key_rotation = true`.
//! Asymmetric and HMAC keys cannot rotate automatically and pass.
//!
//! ## Why it matters
//!
//! Rotation limits how much data one key version protects and how long a
//! leaked key stays useful; most compliance regimes require it.
//!
//! ## How to fix
//!
//! Set `enable_key_rotation = true` (`rotation_period_in_days` to rotate
//! more often than yearly).
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_kms_key" "data" {
//!   enable_key_rotation = true
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe: old key versions stay available for decryption.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-kms-key-rotation",
        title: "KMS keys must rotate",
        severity: Severity::Medium,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_7",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0065",
            },
            Reference {
                source: "tfsec",
                id: "aws-kms-auto-rotate-keys",
            },
        ],
        fix: "Set enable_key_rotation = true.",
    },
    kinds: &["aws_kms_key"],
    check,
    source: include_str!("aws_kms_key_rotation.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body
        .str("customer_master_key_spec")
        .is_some_and(|spec| spec != "SYMMETRIC_DEFAULT")
        || body.str("key_spec").is_some_and(|spec| spec != "SYMMETRIC_DEFAULT")
    {
        return;
    }
    match body.attr("enable_key_rotation") {
        Some(attr) if !attr.value.is_known() => {
            if let Some(unknown) = attr.value.first_unknown() {
                out.could_not_evaluate(attr.line, "enable_key_rotation", unknown);
            }
        }
        Some(attr) if attr.value.as_bool() == Some(true) => {}
        Some(attr) => out.report(
            attr.line,
            "enable_key_rotation",
            "key rotation is turned off".to_string(),
        ),
        None => out.report(
            resource.line,
            "enable_key_rotation",
            "key rotation is not turned on".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_symmetric_keys_without_rotation() {
        assert_hits(
            &super::RULE,
            "resource \"aws_kms_key\" \"a\" {}\nresource \"aws_kms_key\" \"b\" {\n  enable_key_rotation = false\n}\n",
            &[(1, "enable_key_rotation"), (3, "enable_key_rotation")],
        );
    }

    #[test]
    fn quiet_when_rotating_or_asymmetric() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_kms_key\" \"a\" {\n  enable_key_rotation = true\n}\nresource \"aws_kms_key\" \"b\" {\n  customer_master_key_spec = \"RSA_4096\"\n}\n",
        );
    }
}
