//! ## What it checks
//!
//! Network ACL entries that allow inbound traffic from the internet (CIDR
//! coverage) to remote administration, a data store or every port (as
//! `aws-security-group-open-ingress` lists them): inline `ingress` blocks of
//! `aws_network_acl` and `aws_network_acl_rule` with `egress = false`.
//!
//! ## Why it matters
//!
//! The ACL is the subnet's outer wall: allowing SSH or a database port
//! from anywhere leaves only the security groups between the internet and
//! the hosts.
//!
//! ## How to fix
//!
//! Allow those ports only from known ranges.
//!
//! ## Example
//!
//! ```hcl
//! ingress {
//!   rule_no    = 100
//!   action     = "allow"
//!   protocol   = "tcp"
//!   from_port  = 22
//!   to_port    = 22
//!   cidr_block = "10.0.0.0/8"
//! }
//! ```
//!
//! ## Fix safety
//!
//! Cuts off whoever connected from elsewhere: check the flow logs.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::{covers_internet, describe_ports};
use super::{Context, Reporter, Rule};
use crate::resource::Body;
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-network-acl-open-ingress",
        title: "Network ACLs must not open admin or data ports to all",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_229",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_230",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_231",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_232",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_352",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0105",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0102",
            },
            Reference {
                source: "tfsec",
                id: "aws-ec2-no-public-ingress-acl",
            },
        ],
        fix: "Allow the port only from known ranges; let security groups do the fine filtering.",
    },
    kinds: &["aws_network_acl", "aws_network_acl_rule"],
    check,
    source: include_str!("aws_network_acl_open_ingress.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.kind == "aws_network_acl_rule" {
        if resource.body.bool("egress") != Some(true) {
            judge(&resource.body, resource.line, "cidr_block".to_string(), out);
        }
        return;
    }
    for (index, entry) in resource.body.blocks("ingress").iter().enumerate() {
        judge(&entry.body, entry.line, format!("ingress[{index}].cidr_block"), out);
    }
}

fn judge(entry: &Body, line: usize, field: String, out: &mut Reporter) {
    let action = entry.str("rule_action").or_else(|| entry.str("action"));
    if !action.is_some_and(|action| action.eq_ignore_ascii_case("allow")) {
        return;
    }
    let mut ranges = Vec::new();
    for name in ["cidr_block", "ipv6_cidr_block"] {
        if let Some(value) = entry.value(name) {
            if let Some(unknown) = value.first_unknown() {
                return out.could_not_evaluate(line, field, unknown);
            }
            ranges.extend(value.strings());
        }
    }
    let Some(internet) = covers_internet(ranges) else {
        return;
    };
    let protocol = entry
        .value("protocol")
        .and_then(|value| value.to_template_string())
        .unwrap_or_default();
    let (from, to) = if protocol == "-1" || protocol.eq_ignore_ascii_case("all") {
        (0, 65535)
    } else {
        let from = entry.value("from_port").and_then(|v| v.as_number()).unwrap_or(0.0) as u32;
        let to = entry
            .value("to_port")
            .and_then(|v| v.as_number())
            .unwrap_or(f64::from(from)) as u32;
        if from == 0 && to == 0 { (0, 65535) } else { (from, to) }
    };
    if let Some(ports) = describe_ports(from, to) {
        out.report(line, field, format!("the ACL lets {internet} reach {ports}"));
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"aws_network_acl\" \"a\" {\n  ingress {\n    action = \"allow\"\n    protocol = \"tcp\"\n    from_port = 22\n    to_port = 22\n    cidr_block = \"0.0.0.0/0\"\n    rule_no = 100\n  }\n}\nresource \"aws_network_acl_rule\" \"b\" {\n  egress = false\n  rule_action = \"allow\"\n  protocol = \"-1\"\n  cidr_block = \"0.0.0.0/0\"\n}\n",
            &[(2, "ingress[0].cidr_block"), (11, "cidr_block")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_network_acl\" \"a\" {\n  ingress {\n    action = \"allow\"\n    protocol = \"tcp\"\n    from_port = 443\n    to_port = 443\n    cidr_block = \"0.0.0.0/0\"\n  }\n  ingress {\n    action = \"deny\"\n    protocol = \"-1\"\n    cidr_block = \"0.0.0.0/0\"\n  }\n}\n",
        );
    }
}
