//! ## What it checks
//!
//! S3 buckets whose ACL lets anyone read or write: a canned ACL of
//! `public-read`, `public-read-write`, `website` or `authenticated-read`
//! (any AWS account) on `aws_s3_bucket` (provider v3) or
//! `aws_s3_bucket_acl` (v4 and later), and `access_control_policy`
//! grants to the `AllUsers` or `AuthenticatedUsers` groups.
//!
//! ## Why it matters
//!
//! Public buckets are the most common cloud data leak; a writable one
//! also serves malware from the organisation's domain.
//!
//! ## How to fix
//!
//! Use `private` (the default) and serve public content through
//! CloudFront with an origin access control; turn the account's public
//! access block on so no ACL can open a bucket again.
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_s3_bucket_acl" "logs" {
//!   bucket = aws_s3_bucket.logs.id
//!   acl    = "private"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks whoever reads the objects anonymously: move them behind
//! CloudFront first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-s3-public-acl",
        title: "S3 bucket ACLs must not grant public access",
        severity: Severity::High,
        controls: &[Control::Iac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_20",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_57",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0092",
            },
            Reference {
                source: "tfsec",
                id: "aws-s3-no-public-access-with-acl",
            },
        ],
        fix: "Use the private ACL and serve public content through CloudFront.",
    },
    kinds: &["aws_s3_bucket", "aws_s3_bucket_acl"],
    check,
    source: include_str!("aws_s3_public_acl.rs"),
};

const PUBLIC_GROUPS: &[&str] = &[
    "http://acs.amazonaws.com/groups/global/AllUsers",
    "http://acs.amazonaws.com/groups/global/AuthenticatedUsers",
];

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if let Some(attr) = resource.body.attr("acl") {
        if let Some(unknown) = attr.value.first_unknown() {
            return out.could_not_evaluate(attr.line, "acl", unknown);
        }
        match attr.value.as_str() {
            Some("public-read-write") => out.report_with_severity(
                Severity::Critical,
                attr.line,
                "acl",
                "the `public-read-write` ACL lets anyone read and write the bucket".to_string(),
            ),
            Some(acl @ ("public-read" | "website")) => {
                out.report(attr.line, "acl", format!("the `{acl}` ACL lets anyone read the bucket"));
            }
            Some("authenticated-read") => out.report(
                attr.line,
                "acl",
                "the `authenticated-read` ACL lets any AWS account read the bucket".to_string(),
            ),
            _ => {}
        }
    }
    for policy in resource.body.blocks("access_control_policy") {
        for (index, grant) in policy.body.blocks("grant").iter().enumerate() {
            let public = grant
                .body
                .blocks("grantee")
                .iter()
                .any(|grantee| grantee.body.str("uri").is_some_and(|uri| PUBLIC_GROUPS.contains(&uri)));
            if public {
                let permission = grant.body.str("permission").unwrap_or("access").to_string();
                out.report(
                    grant.line,
                    format!("access_control_policy.grant[{index}]"),
                    format!("the ACL grants {permission} to everyone"),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_public_canned_acls_and_grants() {
        assert_hits(
            &super::RULE,
            "resource \"aws_s3_bucket\" \"a\" {\n  acl = \"public-read\"\n}\nresource \"aws_s3_bucket_acl\" \"b\" {\n  bucket = \"b\"\n  acl = \"public-read-write\"\n}\nresource \"aws_s3_bucket_acl\" \"c\" {\n  access_control_policy {\n    grant {\n      grantee {\n        type = \"Group\"\n        uri = \"http://acs.amazonaws.com/groups/global/AllUsers\"\n      }\n      permission = \"READ\"\n    }\n  }\n}\n",
            &[(2, "acl"), (6, "acl"), (10, "access_control_policy.grant[0]")],
        );
    }

    #[test]
    fn quiet_for_private_buckets() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_s3_bucket\" \"a\" {\n  acl = \"private\"\n}\nresource \"aws_s3_bucket_acl\" \"b\" {\n  acl = \"log-delivery-write\"\n}\n",
        );
    }
}
