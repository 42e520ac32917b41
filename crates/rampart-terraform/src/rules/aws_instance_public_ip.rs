//! ## What it checks
//!
//! EC2 instances, launch templates and launch configurations that ask for
//! a public address (`associate_public_ip_address = true`, in
//! `network_interfaces` for launch templates). Instances in a subnet that
//! assigns public addresses by default are not visible here.
//!
//! ## Why it matters
//!
//! Every port the security group opens answers the internet directly.
//!
//! ## How to fix
//!
//! Keep instances private; expose services through load balancers.
//!
//! ## Example
//!
//! ```hcl
//! associate_public_ip_address = false
//! ```
//!
//! ## Fix safety
//!
//! Breaks direct inbound connections and, without a NAT gateway,
//! outbound traffic.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-instance-public-ip",
        title: "Instances should not get public IP addresses",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_88",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0009",
            },
            Reference {
                source: "tfsec",
                id: "aws-ec2-no-public-ip",
            },
        ],
        fix: "Set associate_public_ip_address = false and reach instances through a load balancer or SSM.",
    },
    kinds: &["aws_instance", "aws_launch_template", "aws_launch_configuration"],
    check,
    source: include_str!("aws_instance_public_ip.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if let Some(attr) = resource.body.attr("associate_public_ip_address")
        && attr.value.as_bool() == Some(true)
    {
        out.report(
            attr.line,
            "associate_public_ip_address",
            "the instance gets a public IP address".to_string(),
        );
    }
    for (index, interface) in resource.body.blocks("network_interfaces").iter().enumerate() {
        if let Some(attr) = interface.body.attr("associate_public_ip_address")
            && attr.value.as_bool() == Some(true)
        {
            out.report(
                attr.line,
                format!("network_interfaces[{index}].associate_public_ip_address"),
                "instances launched from it get a public IP address".to_string(),
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
            "resource \"aws_instance\" \"a\" {\n  associate_public_ip_address = true\n}\n",
            &[(2, "associate_public_ip_address")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_instance\" \"a\" {\n  associate_public_ip_address = false\n}\n",
        );
    }
}
