//! ## What it checks
//!
//! `aws_iam_role.assume_role_policy` statements that allow any principal
//! (`"*"` or `{"AWS": "*"}`) without a condition.
//!
//! ## Why it matters
//!
//! Any AWS account in the world can assume the role and act with its
//! permissions.
//!
//! ## How to fix
//!
//! Name the accounts, roles or services; for federation, condition on the
//! OIDC subject.
//!
//! ## Example
//!
//! ```hcl
//! assume_role_policy = data.aws_iam_policy_document.github_oidc.json
//! ```
//!
//! ## Fix safety
//!
//! Principals outside the named ones can no longer assume the role.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::iam::statements;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-iam-role-trust-any",
        title: "Role trust policies must not let anyone assume the role",
        severity: Severity::Critical,
        controls: &[Control::Iac, Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_60",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_61",
            },
        ],
        fix: "Name the principals that may assume the role, and add an sts:ExternalId or OIDC subject condition.",
    },
    kinds: &["aws_iam_role"],
    check,
    source: include_str!("aws_iam_role_trust_any.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(attr) = resource.body.attr("assume_role_policy") else {
        return;
    };
    let list = match statements(&attr.value) {
        Ok(list) => list,
        Err(Some(unknown)) => return out.could_not_evaluate(attr.line, "assume_role_policy", &unknown),
        Err(None) => return,
    };
    for (index, statement) in list.iter().enumerate() {
        if statement.allow && statement.any_principal && !statement.has_condition {
            out.report(
                attr.line,
                format!("assume_role_policy.Statement[{index}]"),
                "any AWS principal may assume this role".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"aws_iam_role\" \"a\" {\n  assume_role_policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = { AWS = \"*\" }, Action = \"sts:AssumeRole\" }]\n  })\n}\n",
            &[(2, "assume_role_policy.Statement[0]")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_iam_role\" \"a\" {\n  assume_role_policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = { Service = \"ec2.amazonaws.com\" }, Action = \"sts:AssumeRole\" }]\n  })\n}\n",
        );
    }
}
