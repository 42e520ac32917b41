//! ## What it checks
//!
//! IAM policies that let their holder make itself more powerful, on any
//! resource (`Resource = "*"`): changing policies (`iam:CreatePolicyVersion`,
//! `iam:SetDefaultPolicyVersion`, `iam:Put*Policy`, `iam:Attach*Policy`),
//! creating credentials for others (`iam:CreateAccessKey`,
//! `iam:CreateLoginProfile`, `iam:UpdateLoginProfile`), changing trust
//! (`iam:UpdateAssumeRolePolicy`), joining groups (`iam:AddUserToGroup`),
//! and `iam:PassRole` (run code as any role), including wildcards that
//! cover them (`iam:*`, `iam:Put*`). Full administrator policies are
//! `aws-iam-admin-policy`'s.
//!
//! ## Why it matters
//!
//! Each of these is a documented path from a limited principal to
//! administrator: an attacker who steals a CI role with
//! `iam:AttachRolePolicy` attaches `AdministratorAccess` to it.
//!
//! ## How to fix
//!
//! Scope these actions to the exact roles, users and policies they are
//! for, and `iam:PassRole` to the roles a service must pass, with an
//! `iam:PassedToService` condition.
//!
//! ## Example
//!
//! ```hcl
//! statement {
//!   actions   = ["iam:PassRole"]
//!   resources = [aws_iam_role.lambda.arn]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks automation that manages IAM broadly: scope it to what it
//! manages.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::iam::{POLICY_ATTRIBUTES, POLICY_KINDS, allows, statements};
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-iam-privilege-escalation",
        title: "IAM policies must not allow privilege escalation",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_286",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_110",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0342",
            },
        ],
        fix: "Scope IAM-changing actions and iam:PassRole to the exact roles and policies they are for.",
    },
    kinds: POLICY_KINDS,
    check,
    source: include_str!("aws_iam_privilege_escalation.rs"),
};

const ESCALATIONS: &[&str] = &[
    "iam:CreatePolicyVersion",
    "iam:SetDefaultPolicyVersion",
    "iam:PutUserPolicy",
    "iam:PutRolePolicy",
    "iam:PutGroupPolicy",
    "iam:AttachUserPolicy",
    "iam:AttachRolePolicy",
    "iam:AttachGroupPolicy",
    "iam:CreateAccessKey",
    "iam:CreateLoginProfile",
    "iam:UpdateLoginProfile",
    "iam:UpdateAssumeRolePolicy",
    "iam:AddUserToGroup",
    "iam:PassRole",
];

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
        if !statement.allow || statement.not_actions || !statement.resources.iter().any(|r| r == "*") {
            continue;
        }
        // Full administrators are the other rule's.
        if statement.actions.iter().any(|action| action == "*" || action == "*:*") {
            continue;
        }
        let granted: Vec<&str> = ESCALATIONS
            .iter()
            .copied()
            .filter(|escalation| statement.actions.iter().any(|pattern| allows(pattern, escalation)))
            .collect();
        if granted.is_empty() {
            continue;
        }
        let shown: Vec<&str> = granted.iter().copied().take(4).collect();
        out.report(
            attr.line,
            format!("{attribute}.Statement[{index}]"),
            format!(
                "the policy allows {}{} on every resource, a path to administrator",
                shown.join(", "),
                if granted.len() > shown.len() {
                    format!(" and {} more", granted.len() - shown.len())
                } else {
                    String::new()
                }
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_escalation_actions_and_their_wildcards() {
        assert_hits(
            &super::RULE,
            r#"
resource "aws_iam_policy" "ci" {
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = ["iam:PassRole", "ec2:RunInstances"], Resource = "*" },
      { Effect = "Allow", Action = "iam:Attach*", Resource = ["*"] }
    ]
  })
}
"#,
            &[(3, "policy.Statement[0]"), (3, "policy.Statement[1]")],
        );
    }

    #[test]
    fn quiet_when_scoped_or_read_only() {
        assert_quiet(
            &super::RULE,
            r#"
resource "aws_iam_policy" "ci" {
  policy = jsonencode({
    Statement = [
      { Effect = "Allow", Action = "iam:PassRole", Resource = "arn:aws:iam::123456789012:role/lambda" },
      { Effect = "Allow", Action = ["iam:Get*", "iam:List*"], Resource = "*" }
    ]
  })
}
"#,
        );
    }
}
