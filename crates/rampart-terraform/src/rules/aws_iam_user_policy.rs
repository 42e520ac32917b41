//! ## What it checks
//!
//! Policies given to IAM users directly: `aws_iam_user_policy`,
//! `aws_iam_user_policy_attachment`, and `aws_iam_policy_attachment` with
//! `users`.
//!
//! ## Why it matters
//!
//! Per-user permissions drift apart and are missed in reviews; long-lived
//! user credentials with their own policies are the usual leaked key.
//!
//! ## How to fix
//!
//! Grant through groups, or better roles assumed through SSO.
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_iam_group_policy_attachment" "deployers" {
//!   group      = aws_iam_group.deployers.name
//!   policy_arn = aws_iam_policy.deploy.arn
//! }
//! ```
//!
//! ## Fix safety
//!
//! Users lose the policy until they are in the group.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-iam-user-policy",
        title: "IAM policies should be attached to groups or roles",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_40",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0143",
            },
            Reference {
                source: "tfsec",
                id: "aws-iam-no-user-attached-policies",
            },
        ],
        fix: "Attach policies to groups or roles, and put users in groups.",
    },
    kinds: &[
        "aws_iam_user_policy",
        "aws_iam_user_policy_attachment",
        "aws_iam_policy_attachment",
    ],
    check,
    source: include_str!("aws_iam_user_policy.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.kind == "aws_iam_policy_attachment" {
        if let Some(attr) = resource.body.attr("users")
            && attr.value.as_list().is_some_and(|users| !users.is_empty())
        {
            out.report(
                attr.line,
                "users",
                "the policy is attached to users directly".to_string(),
            );
        }
        return;
    }
    out.report(
        resource.line,
        "user",
        "the policy is attached to a user directly".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"aws_iam_user_policy_attachment\" \"a\" {\n  user = \"dana\"\n  policy_arn = \"arn:aws:iam::1:policy/x\"\n}\nresource \"aws_iam_policy_attachment\" \"b\" {\n  users = [\"dana\"]\n}\n",
            &[(1, "user"), (6, "users")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_iam_policy_attachment\" \"b\" {\n  roles = [\"ci\"]\n  users = []\n}\n",
        );
    }
}
