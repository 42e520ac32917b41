//! ## What it checks
//!
//! VPCs with no `aws_flow_log` naming them (`vpc_id` by reference, or the
//! literal id) in the same module.
//!
//! ## Why it matters
//!
//! Flow logs are how suspicious egress and lateral movement are seen and
//! investigated; without them an incident has no network record.
//!
//! ## How to fix
//!
//! Add a flow log to CloudWatch Logs or S3.
//!
//! ## Example
//!
//! ```hcl
//! resource "aws_flow_log" "main" {
//!   vpc_id          = aws_vpc.main.id
//!   traffic_type    = "ALL"
//!   log_destination = aws_s3_bucket.flow_logs.arn
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe; logs cost storage.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::refers_to;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-vpc-flow-logs",
        title: "VPCs should record flow logs",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV2_AWS_11",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0178",
            },
            Reference {
                source: "tfsec",
                id: "aws-ec2-require-vpc-flow-logs-for-all-vpcs",
            },
        ],
        fix: "Add an aws_flow_log for the VPC.",
    },
    kinds: &["aws_vpc"],
    check,
    source: include_str!("aws_vpc_flow_logs.rs"),
};

fn check(resource: &Resource, context: &Context<'_>, out: &mut Reporter) {
    let logged = context.beside(resource, "aws_flow_log").any(|log| {
        log.body
            .value("vpc_id")
            .is_some_and(|vpc| refers_to(vpc, resource, "id"))
    });
    if !logged {
        out.report(
            resource.line,
            "aws_flow_log",
            "no flow log records this VPC's traffic".to_string(),
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
            "resource \"aws_vpc\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\n",
            &[(1, "aws_flow_log")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_vpc\" \"a\" {\n  cidr_block = \"10.0.0.0/16\"\n}\nresource \"aws_flow_log\" \"a\" {\n  vpc_id = aws_vpc.a.id\n  traffic_type = \"ALL\"\n}\n",
        );
    }
}
