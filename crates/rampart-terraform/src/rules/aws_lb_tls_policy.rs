//! ## What it checks
//!
//! HTTPS and TLS listeners whose `ssl_policy` still accepts TLS 1.0 or 1.1:
//! the `ELBSecurityPolicy-2016-08` default and the other policies without
//! `TLS-1-2`, `TLS13` or `FS-1-2` in their name. A listener without
//! `ssl_policy` gets the 2016 default.
//!
//! ## Why it matters
//!
//! TLS 1.0 and 1.1 have known weaknesses and are refused by compliance
//! regimes (PCI DSS); clients that negotiate them expose their sessions.
//!
//! ## How to fix
//!
//! Choose a policy with TLS 1.2 as the minimum.
//!
//! ## Example
//!
//! ```hcl
//! ssl_policy = "ELBSecurityPolicy-TLS13-1-2-2021-06"
//! ```
//!
//! ## Fix safety
//!
//! Clients that only speak TLS 1.0 or 1.1 can no longer connect.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-lb-tls-policy",
        title: "HTTPS listeners must not accept TLS below 1.2",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_103",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0047",
            },
            Reference {
                source: "tfsec",
                id: "aws-elb-use-secure-tls-policy",
            },
        ],
        fix: "Use a TLS 1.2+ policy such as ELBSecurityPolicy-TLS13-1-2-2021-06.",
    },
    kinds: &["aws_lb_listener", "aws_alb_listener"],
    check,
    source: include_str!("aws_lb_tls_policy.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let protocol = resource.body.str("protocol").unwrap_or("");
    if protocol != "HTTPS" && protocol != "TLS" {
        return;
    }
    let attr = resource.body.attr("ssl_policy");
    if let Some(unknown) = attr.and_then(|attr| attr.value.first_unknown()) {
        return out.could_not_evaluate(attr.map_or(resource.line, |a| a.line), "ssl_policy", unknown);
    }
    let policy = attr
        .and_then(|attr| attr.value.as_str())
        .unwrap_or("ELBSecurityPolicy-2016-08");
    let modern = ["TLS-1-2", "TLS13", "FS-1-2"]
        .iter()
        .any(|marker| policy.contains(marker));
    if !modern {
        out.report(
            attr.map_or(resource.line, |attr| attr.line),
            "ssl_policy",
            format!("the listener's policy `{policy}` accepts TLS below 1.2"),
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
            "resource \"aws_lb_listener\" \"a\" {\n  protocol = \"HTTPS\"\n}\nresource \"aws_lb_listener\" \"b\" {\n  protocol = \"HTTPS\"\n  ssl_policy = \"ELBSecurityPolicy-2016-08\"\n}\n",
            &[(1, "ssl_policy"), (6, "ssl_policy")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_lb_listener\" \"a\" {\n  protocol = \"HTTPS\"\n  ssl_policy = \"ELBSecurityPolicy-TLS13-1-2-2021-06\"\n}\nresource \"aws_lb_listener\" \"b\" {\n  protocol = \"HTTP\"\n}\n",
        );
    }
}
