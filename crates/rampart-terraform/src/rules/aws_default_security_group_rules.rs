//! ## What it checks
//!
//! `aws_default_security_group` with any `ingress` or `egress` rule.
//!
//! ## Why it matters
//!
//! Anything launched without a security group lands in the default one:
//! rules there apply to resources nobody meant to expose.
//!
//! ## How to fix
//!
//! Declare the default group with no rules, and give every resource its
//! own group.
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_default_security_group" "default" {
//!   vpc_id = aws_vpc.main.id
//! }
//! ```
//!
//! ## Fix safety
//!
//! Resources that relied on the default group's rules lose them: give
//! them their own group first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-default-security-group-rules",
        title: "Default security groups must allow no traffic",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV2_AWS_12",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0173",
            },
            Reference {
                source: "tfsec",
                id: "aws-ec2-restrict-all-in-default-sg",
            },
        ],
        fix: "Manage the default security group with no ingress or egress rules.",
    },
    kinds: &["aws_default_security_group"],
    check,
    source: include_str!("aws_default_security_group_rules.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for kind in ["ingress", "egress"] {
        if let Some(rule) = resource.body.blocks(kind).first() {
            out.report(rule.line, kind, format!("the default security group has {kind} rules"));
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
            "resource \"aws_default_security_group\" \"d\" {\n  ingress {\n    protocol = -1\n    self = true\n    from_port = 0\n    to_port = 0\n  }\n}\n",
            &[(2, "ingress")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_default_security_group\" \"d\" {\n  vpc_id = \"vpc-1\"\n}\n",
        );
    }
}
