//! ## What it checks
//!
//! EKS clusters whose API server endpoint answers the internet: in
//! `vpc_config`, `endpoint_public_access` is true (the provider's
//! default) and `public_access_cidrs` covers the internet (its default is
//! `0.0.0.0/0`, and an empty list means the default), judged by CIDR
//! coverage. A public endpoint limited to
//! known ranges passes; a private-only endpoint passes.
//!
//! ## Why it matters
//!
//! The Kubernetes API is the cluster's front door: with it on the
//! internet, every leaked kubeconfig, token or API server vulnerability is
//! usable from anywhere, and the endpoint is scanned and brute-forced.
//!
//! ## How to fix
//!
//! Set `endpoint_private_access = true` and `endpoint_public_access =
//! false` (reach it through a VPN or bastion), or list the office and CI
//! ranges in `public_access_cidrs`.
//!
//! ## Example
//!
//! ```hcl
//! vpc_config {
//!   subnet_ids              = var.private_subnets
//!   endpoint_private_access = true
//!   endpoint_public_access  = false
//! }
//! ```
//!
//! ## Fix safety
//!
//! Cuts off clients outside the allowed ranges (CI runners, laptops):
//! give them a route first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::network::covers_internet;
use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-eks-public-endpoint",
        title: "EKS API endpoints must not be open to the internet",
        severity: Severity::High,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_38",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_39",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0040",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0041",
            },
            Reference {
                source: "tfsec",
                id: "aws-eks-no-public-cluster-access",
            },
        ],
        fix: "Make the endpoint private, or limit public_access_cidrs to known ranges.",
    },
    kinds: &["aws_eks_cluster"],
    check,
    source: include_str!("aws_eks_public_endpoint.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(config) = resource.body.block("vpc_config") else {
        return;
    };
    match config.body.value("endpoint_public_access") {
        Some(value) if !value.is_known() => {
            if let Some(unknown) = value.first_unknown() {
                return out.could_not_evaluate(config.line, "vpc_config.endpoint_public_access", unknown);
            }
        }
        Some(value) if value.as_bool() == Some(false) => return,
        _ => {}
    }
    let (line, cidrs) = match config.body.attr("public_access_cidrs") {
        Some(attr) => {
            if let Some(unknown) = attr.value.first_unknown() {
                return out.could_not_evaluate(attr.line, "vpc_config.public_access_cidrs", unknown);
            }
            let cidrs: Vec<String> = attr.value.strings().into_iter().map(String::from).collect();
            // An empty list is the provider's default: everywhere.
            if cidrs.is_empty() {
                (attr.line, vec!["0.0.0.0/0".to_string()])
            } else {
                (attr.line, cidrs)
            }
        }
        None => (config.line, vec!["0.0.0.0/0".to_string()]),
    };
    if let Some(internet) = covers_internet(cidrs.iter().map(String::as_str)) {
        out.report(
            line,
            "vpc_config.public_access_cidrs",
            format!("the cluster's API endpoint is public and reachable from {internet}"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_the_defaults_and_open_ranges() {
        assert_hits(
            &super::RULE,
            "resource \"aws_eks_cluster\" \"a\" {\n  vpc_config {\n    subnet_ids = []\n  }\n}\nresource \"aws_eks_cluster\" \"b\" {\n  vpc_config {\n    endpoint_public_access = true\n    public_access_cidrs = [\"0.0.0.0/0\"]\n  }\n}\n",
            &[
                (2, "vpc_config.public_access_cidrs"),
                (9, "vpc_config.public_access_cidrs"),
            ],
        );
    }

    #[test]
    fn quiet_when_private_or_limited() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_eks_cluster\" \"a\" {\n  vpc_config {\n    endpoint_public_access = false\n  }\n}\nresource \"aws_eks_cluster\" \"b\" {\n  vpc_config {\n    public_access_cidrs = [\"203.0.113.0/24\"]\n  }\n}\n",
        );
    }
}
