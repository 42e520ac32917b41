//! ## What it checks
//!
//! IAM policies that grant everything: a statement with `Effect = Allow`,
//! `Action = "*"` (or `*:*`) and `Resource = "*"`, in `aws_iam_policy`,
//! the inline role, user and group policies, SSO permission sets, and
//! `data.aws_iam_policy_document` (rendered, so a policy built with
//! `jsonencode` or a policy document is read like a literal). A policy
//! that is known only after apply is reported as not evaluated.
//!
//! ## Why it matters
//!
//! Whoever holds the policy is an administrator of the account: one
//! leaked key or compromised workload is the whole account. Trivy no
//! longer checks this (AWS-0057 was deprecated).
//!
//! ## How to fix
//!
//! Grant the actions and resources the principal uses (IAM Access
//! Analyzer's policy generation lists them from CloudTrail).
//!
//! ## Example
//!
//! ```hcl
//! statement {
//!   actions   = ["s3:GetObject"]
//!   resources = ["${aws_s3_bucket.reports.arn}/*"]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks whatever used the broader rights: generate the narrow policy
//! from real use first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::iam::{POLICY_ATTRIBUTES, POLICY_KINDS, statements};
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-iam-admin-policy",
        title: "IAM policies must not allow every action on everything",
        severity: Severity::Critical,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_62",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_1",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0057",
            },
            Reference {
                source: "tfsec",
                id: "aws-iam-no-policy-wildcards",
            },
        ],
        fix: "Grant only the actions and resources the principal uses.",
    },
    kinds: POLICY_KINDS,
    check,
    source: include_str!("aws_iam_admin_policy.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some((_, attribute)) = POLICY_ATTRIBUTES.iter().find(|(kind, _)| *kind == resource.kind) else {
        return;
    };
    let Some(attr) = resource.body.attr(attribute) else {
        return;
    };
    let list = match statements(&attr.value) {
        Ok(list) => list,
        Err(Some(unknown)) => return out.could_not_evaluate(attr.line, *attribute, &unknown),
        Err(None) => return,
    };
    for (index, statement) in list.iter().enumerate() {
        let every_action = statement.actions.iter().any(|action| action == "*" || action == "*:*");
        let every_resource = statement.resources.iter().any(|resource| resource == "*");
        if statement.allow && !statement.not_actions && every_action && every_resource {
            out.report(
                attr.line,
                format!("{attribute}.Statement[{index}]"),
                "the policy allows every action on every resource: full administrator".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_through_jsonencode_and_policy_documents() {
        assert_hits(
            &super::RULE,
            r#"
resource "aws_iam_policy" "admin" {
  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "*", Resource = "*" }]
  })
}
data "aws_iam_policy_document" "admin" {
  statement {
    actions   = ["*"]
    resources = ["*"]
  }
}
resource "aws_iam_role_policy" "inline" {
  policy = data.aws_iam_policy_document.admin.json
}
"#,
            &[
                (3, "policy.Statement[0]"),
                (8, "json.Statement[0]"),
                (15, "policy.Statement[0]"),
            ],
        );
    }

    #[test]
    fn quiet_for_scoped_and_denying_policies() {
        assert_quiet(
            &super::RULE,
            r#"
resource "aws_iam_policy" "read" {
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["s3:GetObject"], Resource = "*" },
      { Effect = "Deny", Action = "*", Resource = "*" },
      { Effect = "Allow", Action = "*", Resource = "arn:aws:s3:::reports/*" }
    ]
  })
}
"#,
        );
    }
}
