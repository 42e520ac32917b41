//! ## What it checks
//!
//! Application, network and classic load balancers that face the internet:
//! `internal` not true (the provider's default is internet-facing).
//! Gateway load balancers are never public and pass. Low: many load
//! balancers are public on purpose; the finding makes each one a decision
//! (waive it with a reason).
//!
//! ## Why it matters
//!
//! An internal service exposed by a default is a common accidental leak;
//! each public entry point needs TLS, a WAF and an owner.
//!
//! ## How to fix
//!
//! Set `internal = true`, or waive the rule on the load balancers meant to
//! be public.
//!
//! ## Example
//!
//! ```hcl
//! internal = true
//! ```
//!
//! ## Fix safety
//!
//! Recreates the load balancer with a new DNS name.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-lb-internet-facing",
        title: "Load balancers facing the internet should be deliberate",
        severity: Severity::Low,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Trivy",
                id: "AWS-0053",
            },
            Reference {
                source: "tfsec",
                id: "aws-elb-alb-not-public",
            },
        ],
        fix: "Set internal = true for load balancers only the VPC uses; keep internet-facing ones behind a WAF.",
    },
    kinds: &["aws_lb", "aws_alb", "aws_elb"],
    check,
    source: include_str!("aws_lb_internet_facing.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    if resource.body.str("load_balancer_type") == Some("gateway") {
        return;
    }
    let internal = resource.body.attr("internal");
    if let Some(unknown) = internal.and_then(|attr| attr.value.first_unknown()) {
        return out.could_not_evaluate(internal.map_or(resource.line, |a| a.line), "internal", unknown);
    }
    if internal.and_then(|attr| attr.value.as_bool()) != Some(true) {
        out.report(
            internal.map_or(resource.line, |attr| attr.line),
            "internal",
            "the load balancer faces the internet".to_string(),
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
            "resource \"aws_lb\" \"a\" {}\nresource \"aws_lb\" \"b\" {\n  internal = false\n}\n",
            &[(1, "internal"), (3, "internal")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_lb\" \"a\" {\n  internal = true\n}\nresource \"aws_lb\" \"b\" {\n  load_balancer_type = \"gateway\"\n}\n",
        );
    }
}
