//! ## What it checks
//!
//! ECR repository policies with an `Allow` to any principal and no
//! condition.
//!
//! ## Why it matters
//!
//! Anyone with an AWS account pulls (or pushes) the images: code and baked
//! secrets leak, or images are replaced.
//!
//! ## How to fix
//!
//! Name the principals, or condition on the organisation.
//!
//! ## Example
//!
//! ```json
//! {"Effect": "Allow", "Principal": "*", "Action": "ecr:BatchGetImage",
//!  "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-abc"}}}
//! ```
//!
//! ## Fix safety
//!
//! Pullers outside the named principals lose access.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::iam::statements;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-ecr-repository-policy-public",
        title: "ECR repository policies must not allow any principal",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Images],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_32",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0032",
            },
            Reference {
                source: "tfsec",
                id: "aws-ecr-no-public-access",
            },
        ],
        fix: "Name the accounts or roles that may pull, or add an aws:PrincipalOrgID condition.",
    },
    kinds: &["aws_ecr_repository_policy"],
    check,
    source: include_str!("aws_ecr_repository_policy_public.rs"),
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
                "the repository policy allows any principal".to_string(),
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
            "resource \"aws_ecr_repository_policy\" \"a\" {\n  repository = \"shop\"\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = \"*\", Action = [\"ecr:BatchGetImage\"] }]\n  })\n}\n",
            &[(3, "policy.Statement[0]")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_ecr_repository_policy\" \"a\" {\n  repository = \"shop\"\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::1:root\" }, Action = [\"ecr:BatchGetImage\"] }]\n  })\n}\n",
        );
    }
}
