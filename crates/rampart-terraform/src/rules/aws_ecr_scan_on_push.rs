//! ## What it checks
//!
//! ECR repositories that do not scan images on push
//! (`image_scanning_configuration.scan_on_push`), unless the registry
//! scans every repository itself (`aws_ecr_registry_scanning_configuration`
//! with a rule in the configuration); Checkov and Trivy both report those
//! repositories anyway, a known false alarm.
//!
//! ## Why it matters
//!
//! Unscanned images reach the cluster with known vulnerabilities nobody
//! looked at; the `images` control's gate has no report to read.
//!
//! ## How to fix
//!
//! Scan on push, or turn on enhanced registry scanning once.
//!
//! ## Example
//!
//! ```hcl
//! image_scanning_configuration {
//!   scan_on_push = true
//! }
//! ```
//!
//! ## Fix safety
//!
//! Safe.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-ecr-scan-on-push",
        title: "ECR images must be scanned on push",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Images],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_163",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0030",
            },
            Reference {
                source: "tfsec",
                id: "aws-ecr-enable-image-scans",
            },
        ],
        fix: "Set image_scanning_configuration { scan_on_push = true }, or configure registry-level scanning.",
    },
    kinds: &["aws_ecr_repository"],
    check,
    source: include_str!("aws_ecr_scan_on_push.rs"),
};

fn check(resource: &Resource, context: &Context<'_>, out: &mut Reporter) {
    if context
        .anywhere("aws_ecr_registry_scanning_configuration")
        .any(|config| !config.body.blocks("rule").is_empty())
    {
        return;
    }
    let config = resource.body.block("image_scanning_configuration");
    if config
        .as_ref()
        .is_none_or(|config| config.body.bool("scan_on_push") != Some(true))
    {
        out.report(
            config.map_or(resource.line, |config| config.line),
            "image_scanning_configuration.scan_on_push",
            "images are not scanned on push, and the registry does not scan them".to_string(),
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
            "resource \"aws_ecr_repository\" \"a\" {}\n",
            &[(1, "image_scanning_configuration.scan_on_push")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_ecr_repository\" \"a\" {\n  image_scanning_configuration {\n    scan_on_push = true\n  }\n}\nresource \"aws_ecr_registry_scanning_configuration\" \"all\" {\n  rule {\n    scan_frequency = \"CONTINUOUS_SCAN\"\n  }\n}\nresource \"aws_ecr_repository\" \"b\" {}\n",
        );
    }
}
