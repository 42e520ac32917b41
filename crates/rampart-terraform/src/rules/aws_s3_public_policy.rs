//! ## What it checks
//!
//! S3 bucket policies (`aws_s3_bucket_policy`, or `policy` on
//! `aws_s3_bucket` in provider v3) with a statement that allows any
//! principal (`"*"` or `{"AWS": "*"}`) without a condition narrowing who
//! (a source VPC, organisation, account or IP). Policies built with
//! `jsonencode` or `data.aws_iam_policy_document` are read rendered; one
//! known only after apply is reported as not evaluated.
//!
//! ## Why it matters
//!
//! An `Allow` to `*` makes the objects readable (or writable) by anyone on
//! the internet, whatever the ACLs say.
//!
//! ## How to fix
//!
//! Name the principals (accounts, roles, the CloudFront distribution's
//! service principal with an `AWS:SourceArn` condition), or add a
//! condition that limits the callers.
//!
//! ## Example
//!
//! ```hcl
//! statement {
//!   principals {
//!     type        = "Service"
//!     identifiers = ["cloudfront.amazonaws.com"]
//!   }
//!   actions   = ["s3:GetObject"]
//!   resources = ["${aws_s3_bucket.site.arn}/*"]
//!   condition {
//!     test     = "StringEquals"
//!     variable = "AWS:SourceArn"
//!     values   = [aws_cloudfront_distribution.site.arn]
//!   }
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks anonymous readers: serve them through CloudFront first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::iam::statements;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-s3-public-policy",
        title: "S3 bucket policies must not allow any principal",
        severity: Severity::High,
        controls: &[Control::Iac],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AWS_70",
        }],
        fix: "Name the principals, or add a condition that limits the callers.",
    },
    kinds: &["aws_s3_bucket_policy", "aws_s3_bucket"],
    check,
    source: include_str!("aws_s3_public_policy.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(attr) = resource.body.attr("policy") else {
        return;
    };
    let list = match statements(&attr.value) {
        Ok(list) => list,
        Err(Some(unknown)) => return out.could_not_evaluate(attr.line, "policy", &unknown),
        Err(None) => return,
    };
    for (index, statement) in list.iter().enumerate() {
        if statement.allow && statement.any_principal && !statement.has_condition {
            out.report(
                attr.line,
                format!("policy.Statement[{index}]"),
                format!(
                    "the bucket policy allows {} to anyone, with no condition",
                    if statement.actions.is_empty() {
                        "its actions".to_string()
                    } else {
                        statement.actions.join(", ")
                    }
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_any_principal_without_condition() {
        assert_hits(
            &super::RULE,
            r#"
resource "aws_s3_bucket_policy" "site" {
  bucket = "site"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "arn:aws:s3:::site/*" }]
  })
}
resource "aws_s3_bucket_policy" "aws_star" {
  bucket = "other"
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Principal = { AWS = ["*"] }, Action = "s3:*", Resource = "*" }]
  })
}
"#,
            &[(4, "policy.Statement[0]"), (10, "policy.Statement[0]")],
        );
    }

    #[test]
    fn quiet_with_named_principals_conditions_or_deny() {
        assert_quiet(
            &super::RULE,
            r#"
resource "aws_s3_bucket_policy" "site" {
  bucket = "site"
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Principal = { Service = "cloudfront.amazonaws.com" }, Action = "s3:GetObject", Resource = "*" },
      { Effect = "Allow", Principal = "*", Action = "s3:GetObject", Resource = "*", Condition = { StringEquals = { "aws:SourceVpce" = "vpce-1" } } },
      { Effect = "Deny", Principal = "*", Action = "s3:*", Resource = "*", Condition = { Bool = { "aws:SecureTransport" = "false" } } }
    ]
  })
}
"#,
        );
    }
}
