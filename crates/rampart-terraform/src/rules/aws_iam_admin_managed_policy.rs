//! ## What it checks
//!
//! Attachments of AWS's own administrator policies
//! (`arn:aws:iam::aws:policy/AdministratorAccess`, `IAMFullAccess`,
//! `PowerUserAccess`) to a role, user or group: the `policy_arn` of
//! `aws_iam_role_policy_attachment`, `aws_iam_user_policy_attachment`,
//! `aws_iam_group_policy_attachment` and `aws_iam_policy_attachment`, and
//! `managed_policy_arns` of `aws_iam_role`. These are often the roles of
//! EKS nodes, IRSA service accounts and CI pipelines.
//!
//! ## Why it matters
//!
//! The role becomes an account administrator (or, with `IAMFullAccess`,
//! one step from it): whoever runs as it, a pod through IRSA, a pipeline
//! job, owns the account.
//!
//! ## How to fix
//!
//! Attach a policy with the actions the role uses.
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_iam_role_policy_attachment" "ci" {
//!   role       = aws_iam_role.ci.name
//!   policy_arn = aws_iam_policy.deploy_only.arn
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks whatever relied on the broader rights: generate the narrow
//! policy from CloudTrail first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-iam-admin-managed-policy",
        title: "Roles, users and groups must not get AWS admin policies",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_274",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_275",
            },
        ],
        fix: "Attach a policy with only the actions the principal uses.",
    },
    kinds: &[
        "aws_iam_role_policy_attachment",
        "aws_iam_user_policy_attachment",
        "aws_iam_group_policy_attachment",
        "aws_iam_policy_attachment",
        "aws_iam_role",
    ],
    check,
    source: include_str!("aws_iam_admin_managed_policy.rs"),
};

const ADMIN_POLICIES: &[(&str, Severity)] = &[
    ("AdministratorAccess", Severity::Critical),
    ("IAMFullAccess", Severity::High),
    ("PowerUserAccess", Severity::High),
];

fn admin(arn: &str) -> Option<(&'static str, Severity)> {
    let name = arn.strip_prefix("arn:aws:iam::aws:policy/")?;
    ADMIN_POLICIES.iter().find(|(admin, _)| *admin == name).copied()
}

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let field = if resource.kind == "aws_iam_role" {
        "managed_policy_arns"
    } else {
        "policy_arn"
    };
    let Some(attr) = resource.body.attr(field) else {
        return;
    };
    if let Some(unknown) = attr.value.first_unknown()
        && unknown.resource.is_none()
    {
        // A policy this configuration creates is judged as a policy; an
        // ARN from elsewhere is not known.
        return out.could_not_evaluate(attr.line, field, unknown);
    }
    for arn in attr.value.strings() {
        if let Some((name, severity)) = admin(arn) {
            out.report_with_severity(
                severity,
                attr.line,
                field,
                format!("the AWS-managed `{name}` policy is attached"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_administrator_policies() {
        assert_hits(
            &super::RULE,
            "resource \"aws_iam_role_policy_attachment\" \"a\" {\n  role = \"ci\"\n  policy_arn = \"arn:aws:iam::aws:policy/AdministratorAccess\"\n}\nresource \"aws_iam_role\" \"b\" {\n  managed_policy_arns = [\"arn:aws:iam::aws:policy/IAMFullAccess\"]\n}\n",
            &[(3, "policy_arn"), (6, "managed_policy_arns")],
        );
    }

    #[test]
    fn quiet_for_narrow_and_own_policies() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_iam_policy\" \"p\" {\n  policy = \"{}\"\n}\nresource \"aws_iam_role_policy_attachment\" \"a\" {\n  role = \"ci\"\n  policy_arn = aws_iam_policy.p.arn\n}\nresource \"aws_iam_role_policy_attachment\" \"b\" {\n  role = \"ci\"\n  policy_arn = \"arn:aws:iam::aws:policy/ReadOnlyAccess\"\n}\n",
        );
    }
}
