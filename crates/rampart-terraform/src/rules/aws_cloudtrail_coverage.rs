//! ## What it checks
//!
//! CloudTrail trails that record one region only (`is_multi_region_trail`
//! not true) or whose log files cannot be proven untouched
//! (`enable_log_file_validation` not true).
//!
//! ## Why it matters
//!
//! An attacker works in the region nobody records; without validation,
//! one who reaches the log bucket edits the evidence.
//!
//! ## How to fix
//!
//! Record every region and turn validation on.
//!
//! ## Example
//!
//! ```hcl
//! is_multi_region_trail      = true
//! enable_log_file_validation = true
//! ```
//!
//! ## Fix safety
//!
//! Safe; more regions mean more log volume.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-cloudtrail-coverage",
        title: "CloudTrail must cover every region and validate logs",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_67",
            },
            Reference {
                source: "Checkov",
                id: "CKV_AWS_36",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0014",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0016",
            },
            Reference {
                source: "tfsec",
                id: "aws-cloudtrail-enable-all-regions",
            },
        ],
        fix: "Set is_multi_region_trail = true and enable_log_file_validation = true.",
    },
    kinds: &["aws_cloudtrail"],
    check,
    source: include_str!("aws_cloudtrail_coverage.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let body = &resource.body;
    if body.bool("is_multi_region_trail") != Some(true) {
        out.report(
            body.attr("is_multi_region_trail")
                .map_or(resource.line, |attr| attr.line),
            "is_multi_region_trail",
            "the trail records one region only".to_string(),
        );
    }
    if body.bool("enable_log_file_validation") != Some(true) {
        out.report(
            body.attr("enable_log_file_validation")
                .map_or(resource.line, |attr| attr.line),
            "enable_log_file_validation",
            "log file validation is off: changed log files cannot be detected".to_string(),
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
            "resource \"aws_cloudtrail\" \"a\" {\n  name = \"a\"\n}\n",
            &[(1, "is_multi_region_trail"), (1, "enable_log_file_validation")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_cloudtrail\" \"a\" {\n  is_multi_region_trail = true\n  enable_log_file_validation = true\n}\n",
        );
    }
}
