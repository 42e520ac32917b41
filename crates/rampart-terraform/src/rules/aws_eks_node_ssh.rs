//! ## What it checks
//!
//! EKS managed node groups that allow SSH (`remote_access.ec2_ssh_key`)
//! without `source_security_group_ids`: EKS then opens port 22 to
//! `0.0.0.0/0`. Trivy has no node group check.
//!
//! ## Why it matters
//!
//! Every node answers SSH from the internet: one leaked key is a shell on
//! the hosts of every pod.
//!
//! ## How to fix
//!
//! Drop SSH (use SSM Session Manager), or name the bastion's security
//! group.
//!
//! ## Example
//!
//! ```hcl
//! remote_access {
//!   ec2_ssh_key               = "ops"
//!   source_security_group_ids = [aws_security_group.bastion.id]
//! }
//! ```
//!
//! ## Fix safety
//!
//! Changing remote_access recreates the node group.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-eks-node-ssh",
        title: "EKS node SSH must be limited to source groups",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_AWS_100",
        }],
        fix: "Remove remote_access, or list source_security_group_ids.",
    },
    kinds: &["aws_eks_node_group"],
    check,
    source: include_str!("aws_eks_node_ssh.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    for access in resource.body.blocks("remote_access") {
        if access.body.value("ec2_ssh_key").is_none() {
            continue;
        }
        let limited = access.body.value("source_security_group_ids").is_some_and(|groups| {
            !groups.is_known() || !groups.strings().is_empty() || groups.as_list().is_some_and(|l| !l.is_empty())
        });
        if !limited {
            out.report(
                access.line,
                "remote_access.source_security_group_ids",
                "SSH to the nodes is open to 0.0.0.0/0 (no source security groups)".to_string(),
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
            "resource \"aws_eks_node_group\" \"a\" {\n  remote_access {\n    ec2_ssh_key = \"ops\"\n  }\n}\n",
            &[(2, "remote_access.source_security_group_ids")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_eks_node_group\" \"a\" {\n  remote_access {\n    ec2_ssh_key = \"ops\"\n    source_security_group_ids = [\"sg-1\"]\n  }\n}\nresource \"aws_eks_node_group\" \"b\" {}\n",
        );
    }
}
