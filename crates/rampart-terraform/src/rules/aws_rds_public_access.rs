//! ## What it checks
//!
//! RDS instances and Aurora cluster instances with `publicly_accessible =
//! true`: AWS gives them a public DNS name and address.
//!
//! ## Why it matters
//!
//! The database's port answers the internet, filtered only by its
//! security group; one rule opened too wide, and brute force and
//! exploits reach the data directly.
//!
//! ## How to fix
//!
//! Keep databases private; reach them through the application, a bastion
//! or SSM port forwarding.
//!
//! ## Example
//!
//! ```hcl
//! publicly_accessible = false
//! ```
//!
//! ## Fix safety
//!
//! Cuts off clients that connect from outside the VPC.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-rds-public-access",
        title: "RDS databases must not be publicly accessible",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_17",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0082",
            },
            Reference {
                source: "tfsec",
                id: "aws-rds-no-public-db-access",
            },
        ],
        fix: "Set publicly_accessible = false and reach the database from inside the VPC.",
    },
    kinds: &["aws_db_instance", "aws_rds_cluster_instance"],
    check,
    source: include_str!("aws_rds_public_access.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(attr) = resource.body.attr("publicly_accessible") else {
        return;
    };
    if let Some(unknown) = attr.value.first_unknown() {
        return out.could_not_evaluate(attr.line, "publicly_accessible", unknown);
    }
    if attr.value.as_bool() == Some(true) {
        out.report(
            attr.line,
            "publicly_accessible",
            "the database has a public address".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"aws_db_instance\" \"a\" {\n  publicly_accessible = true\n}\n",
            &[(2, "publicly_accessible")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_db_instance\" \"a\" {\n  publicly_accessible = false\n}\nresource \"aws_db_instance\" \"b\" {}\n",
        );
    }
}
