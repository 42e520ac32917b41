//! ## What it checks
//!
//! That every S3 bucket has a public access block with all four settings
//! on (`block_public_acls`, `block_public_policy`, `ignore_public_acls`,
//! `restrict_public_buckets`): an `aws_s3_bucket_public_access_block` in
//! the same module that names the bucket by reference
//! (`aws_s3_bucket.logs.id`) or by its literal name, or an
//! `aws_s3_account_public_access_block` with all four on anywhere in the
//! configuration (which covers every bucket of the account; neither
//! Checkov nor Trivy counts it).
//!
//! ## Why it matters
//!
//! The block is the guard rail: with it, no later ACL or policy change,
//! by hand or by another stack, can make the bucket public.
//!
//! ## How to fix
//!
//! Add the block with all four settings on, or turn the account-level
//! block on once.
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_s3_bucket_public_access_block" "logs" {
//!   bucket                  = aws_s3_bucket.logs.id
//!   block_public_acls       = true
//!   block_public_policy     = true
//!   ignore_public_acls      = true
//!   restrict_public_buckets = true
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks a bucket that is public on purpose (a static website served
//! from S3): serve it through CloudFront, or waive the rule for it.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule, refers_to};
use crate::resource::{Body, Resource};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-s3-public-access-block",
        title: "S3 buckets must have every public access block on",
        severity: Severity::Medium,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV2_AWS_6",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_53",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_54",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_55",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_56",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0094",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0086",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0087",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0091",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0093",
            },
            Reference {
                source: "tfsec",
                id: "aws-s3-specify-public-access-block",
            },
        ],
        fix: "Add an aws_s3_bucket_public_access_block with all four settings true (or the account-level block).",
    },
    kinds: &["aws_s3_bucket"],
    check,
    source: include_str!("aws_s3_public_access_block.rs"),
};

const SETTINGS: &[&str] = &[
    "block_public_acls",
    "block_public_policy",
    "ignore_public_acls",
    "restrict_public_buckets",
];

/// The settings a block leaves off.
fn missing(body: &Body) -> Vec<&'static str> {
    SETTINGS
        .iter()
        .copied()
        .filter(|setting| body.bool(setting) != Some(true))
        .collect()
}

fn check(resource: &Resource, context: &Context<'_>, out: &mut Reporter) {
    if context
        .anywhere("aws_s3_account_public_access_block")
        .any(|account| missing(&account.body).is_empty())
    {
        return;
    }
    let block = context
        .beside(resource, "aws_s3_bucket_public_access_block")
        .find(|block| {
            block
                .body
                .value("bucket")
                .is_some_and(|bucket| refers_to(bucket, resource, "bucket"))
        });
    match block {
        None => out.report(
            resource.line,
            "aws_s3_bucket_public_access_block",
            "no public access block names this bucket, and the account-level block is not on".to_string(),
        ),
        Some(block) => {
            let off = missing(&block.body);
            if !off.is_empty() {
                out.report(
                    resource.line,
                    "aws_s3_bucket_public_access_block",
                    format!(
                        "the bucket's public access block ({}) leaves {} off",
                        block.address,
                        off.join(", ")
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    const BLOCK: &str = "  block_public_acls = true\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n";

    #[test]
    fn fires_without_a_block_or_with_one_left_off() {
        let text = "resource \"aws_s3_bucket\" \"a\" {\n  bucket = \"a\"\n}\nresource \"aws_s3_bucket\" \"b\" {\n  bucket = \"b\"\n}\nresource \"aws_s3_bucket_public_access_block\" \"b\" {\n  bucket = aws_s3_bucket.b.id\n  block_public_acls = false\n  block_public_policy = true\n  ignore_public_acls = true\n  restrict_public_buckets = true\n}\n";
        let hits = run(&super::RULE, &[("main.tf", text)]);
        assert_eq!(
            lines_and_fields(&hits),
            [
                (1, "aws_s3_bucket_public_access_block"),
                (4, "aws_s3_bucket_public_access_block")
            ]
        );
        assert!(hits[1].message.contains("block_public_acls"), "{}", hits[1].message);
    }

    #[test]
    fn quiet_with_a_block_by_reference_or_name_or_the_account_block() {
        assert_quiet(
            &super::RULE,
            &format!(
                "resource \"aws_s3_bucket\" \"a\" {{\n  bucket = \"a\"\n}}\nresource \"aws_s3_bucket_public_access_block\" \"a\" {{\n  bucket = aws_s3_bucket.a.id\n{BLOCK}resource \"aws_s3_bucket\" \"b\" {{\n  bucket = \"logs-b\"\n}}\nresource \"aws_s3_bucket_public_access_block\" \"b\" {{\n  bucket = \"logs-b\"\n{BLOCK}"
            ),
        );
        assert_quiet(
            &super::RULE,
            &format!(
                "resource \"aws_s3_bucket\" \"a\" {{}}\nresource \"aws_s3_account_public_access_block\" \"all\" {{\n{BLOCK}"
            ),
        );
    }
}
