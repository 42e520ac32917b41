//! ## What it checks
//!
//! KMS key policies with an `Allow` statement to any principal (`"*"`,
//! `{"AWS": "*"}`, or `*` in a list) and no condition narrowing the
//! callers. Hand-written heredoc policies with a trailing comma are read as
//! their author meant.
//!
//! ## Why it matters
//!
//! Whoever can call KMS, in any account, may use or manage the key: every
//! secret and volume it encrypts is theirs.
//!
//! ## How to fix
//!
//! Name the account's roles, or add a condition such as
//! `kms:CallerAccount`.
//!
//! ## Example
//!
//! ```json
//! {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::111122223333:root"},
//!  "Action": "kms:*", "Resource": "*"}
//! ```
//!
//! ## Fix safety
//!
//! Callers outside the named principals lose access to the key.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::iam::statements;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-kms-key-policy-public",
        title: "KMS key policies must not allow any principal",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Secrets],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AWS_33",
        }],
        fix: "Name the principals in the key policy, or add a condition (aws:PrincipalAccount, kms:CallerAccount).",
    },
    kinds: &["aws_kms_key", "aws_kms_key_policy"],
    check,
    source: include_str!("aws_kms_key_policy_public.rs"),
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
                "the key policy lets any principal use the key".to_string(),
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
            "resource \"aws_kms_key\" \"a\" {\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = [\"foo\", \"*\"], Action = \"kms:*\", Resource = \"*\" }]\n  })\n}\n",
            &[(2, "policy.Statement[0]")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_kms_key\" \"a\" {\n  policy = jsonencode({\n    Statement = [{ Effect = \"Allow\", Principal = { AWS = \"arn:aws:iam::1:root\" }, Action = \"kms:*\", Resource = \"*\" }]\n  })\n}\n",
        );
    }
}
