//! ## What it checks
//!
//! EC2 instances, launch templates and launch configurations that answer
//! the instance metadata service without a session token (IMDSv1):
//! `metadata_options.http_tokens` not `required` while the endpoint is
//! on (`http_endpoint` not `disabled`). No `metadata_options` block means
//! IMDSv1 stays available. Kubernetes nodes (EKS node groups' launch
//! templates) are the usual case.
//!
//! ## Why it matters
//!
//! With IMDSv1, a server-side request forgery in any process on the host,
//! or any pod on a node, reads the instance role's credentials with one
//! GET request.
//!
//! ## How to fix
//!
//! Require tokens; for nodes running pods, also keep the hop limit at 1
//! so pods cannot reach it.
//!
//! ## Example
//!
//! ```hcl
//! metadata_options {
//!   http_endpoint               = "enabled"
//!   http_tokens                 = "required"
//!   http_put_response_hop_limit = 1
//! }
//! ```
//!
//! ## Fix safety
//!
//! Breaks software that still calls IMDSv1 (old SDKs): upgrade it first.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-instance-metadata-v1",
        title: "Instances must require IMDSv2 tokens",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Runtime],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_79",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0028",
            },
            Reference {
                source: "tfsec",
                id: "aws-ec2-enforce-http-token-imds",
            },
        ],
        fix: "Set metadata_options { http_tokens = \"required\" } (or http_endpoint = \"disabled\").",
    },
    kinds: &["aws_instance", "aws_launch_template", "aws_launch_configuration"],
    check,
    source: include_str!("aws_instance_metadata_v1.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(options) = resource.body.block("metadata_options") else {
        return out.report(
            resource.line,
            "metadata_options.http_tokens",
            "no metadata_options: the instance metadata service answers IMDSv1 requests".to_string(),
        );
    };
    if options.body.str("http_endpoint") == Some("disabled") {
        return;
    }
    match options.body.value("http_tokens") {
        Some(value) if !value.is_known() => {
            if let Some(unknown) = value.first_unknown() {
                out.could_not_evaluate(options.line, "metadata_options.http_tokens", unknown);
            }
        }
        Some(value) if value.as_str() == Some("required") => {}
        _ => out.report(
            options.line,
            "metadata_options.http_tokens",
            "IMDSv1 is allowed: the metadata service hands out the role's credentials without a token".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires() {
        assert_hits(
            &super::RULE,
            "resource \"aws_instance\" \"a\" {}\nresource \"aws_launch_template\" \"b\" {\n  metadata_options {\n    http_tokens = \"optional\"\n  }\n}\n",
            &[(1, "metadata_options.http_tokens"), (3, "metadata_options.http_tokens")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_instance\" \"a\" {\n  metadata_options {\n    http_tokens = \"required\"\n  }\n}\nresource \"aws_instance\" \"b\" {\n  metadata_options {\n    http_endpoint = \"disabled\"\n  }\n}\n",
        );
    }
}
