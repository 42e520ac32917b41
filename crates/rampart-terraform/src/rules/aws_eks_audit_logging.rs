//! ## What it checks
//!
//! EKS clusters that do not send the control plane's `audit` log to
//! CloudWatch (`enabled_cluster_log_types` without `"audit"`); the
//! finding also names the other log types left off (`api`,
//! `authenticator`, `controllerManager`, `scheduler`).
//!
//! ## Why it matters
//!
//! The audit log is the record of who did what through the Kubernetes
//! API: without it, a compromise cannot be investigated and the
//! detections of `rampart audit-log` have nothing to read.
//!
//! ## How to fix
//!
//! Enable at least `audit` and `authenticator`.
//!
//! ## Example
//!
//! ```hcl
//! enabled_cluster_log_types = ["api", "audit", "authenticator"]
//! ```
//!
//! ## Fix safety
//!
//! Safe; CloudWatch ingestion costs money at high API volumes.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-eks-audit-logging",
        title: "EKS must send its audit log to CloudWatch",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_37",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0038",
            },
            Reference {
                source: "tfsec",
                id: "aws-eks-enable-control-plane-logging",
            },
        ],
        fix: "Add \"audit\" (and \"authenticator\") to enabled_cluster_log_types.",
    },
    kinds: &["aws_eks_cluster"],
    check,
    source: include_str!("aws_eks_audit_logging.rs"),
};

const LOG_TYPES: &[&str] = &["api", "audit", "authenticator", "controllerManager", "scheduler"];

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let (line, enabled) = match resource.body.attr("enabled_cluster_log_types") {
        Some(attr) => {
            if let Some(unknown) = attr.value.first_unknown() {
                return out.could_not_evaluate(attr.line, "enabled_cluster_log_types", unknown);
            }
            (
                attr.line,
                attr.value.strings().into_iter().map(String::from).collect::<Vec<_>>(),
            )
        }
        None => (resource.line, Vec::new()),
    };
    if enabled.iter().any(|kind| kind == "audit") {
        return;
    }
    let off: Vec<&str> = LOG_TYPES
        .iter()
        .copied()
        .filter(|kind| !enabled.iter().any(|on| on == kind))
        .collect();
    out.report(
        line,
        "enabled_cluster_log_types",
        format!(
            "the control plane's audit log is not collected (off: {})",
            off.join(", ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_without_audit() {
        assert_hits(
            &super::RULE,
            "resource \"aws_eks_cluster\" \"a\" {}\nresource \"aws_eks_cluster\" \"b\" {\n  enabled_cluster_log_types = [\"api\"]\n}\n",
            &[(1, "enabled_cluster_log_types"), (3, "enabled_cluster_log_types")],
        );
    }

    #[test]
    fn quiet_with_audit() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_eks_cluster\" \"a\" {\n  enabled_cluster_log_types = [\"audit\", \"authenticator\"]\n}\n",
        );
    }
}
