//! ## What it checks
//!
//! Load balancer listeners on plain `HTTP` whose default action is not a
//! redirect to `HTTPS`.
//!
//! ## Why it matters
//!
//! Sessions, credentials and data cross the internet readable and
//! changeable by anyone on the path.
//!
//! ## How to fix
//!
//! Add an HTTPS listener with an ACM certificate and turn the HTTP one
//! into a redirect.
//!
//! ## Example
//!
//! ```hcl
//! default_action {
//!   type = "redirect"
//!   redirect {
//!     port        = "443"
//!     protocol    = "HTTPS"
//!     status_code = "HTTP_301"
//!   }
//! }
//! ```
//!
//! ## Fix safety
//!
//! Clients that cannot follow redirects or speak TLS stop working.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Context, Reporter, Rule};
use crate::resource::Resource;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "aws-lb-plain-http",
        title: "Load balancer listeners must use TLS or redirect to it",
        severity: Severity::Medium,
        controls: &[Control::Iac, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_AWS_2",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_AWS_20",
            },
            Reference {
                source: "Trivy",
                id: "AWS-0054",
            },
            Reference {
                source: "tfsec",
                id: "aws-elb-http-not-used",
            },
        ],
        fix: "Listen on HTTPS with a certificate, and make the HTTP listener redirect to it.",
    },
    kinds: &["aws_lb_listener", "aws_alb_listener"],
    check,
    source: include_str!("aws_lb_plain_http.rs"),
};

fn check(resource: &Resource, _context: &Context<'_>, out: &mut Reporter) {
    let Some(protocol) = resource.body.attr("protocol") else {
        return;
    };
    if protocol.value.as_str() != Some("HTTP") {
        return;
    }
    let redirects = resource.body.blocks("default_action").iter().any(|action| {
        action.body.str("type") == Some("redirect")
            && action
                .body
                .block("redirect")
                .is_some_and(|redirect| redirect.body.str("protocol") == Some("HTTPS"))
    });
    if !redirects {
        out.report(
            protocol.line,
            "protocol",
            "the listener serves plain HTTP without redirecting to HTTPS".to_string(),
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
            "resource \"aws_lb_listener\" \"a\" {\n  port = 80\n  protocol = \"HTTP\"\n  default_action {\n    type = \"forward\"\n  }\n}\n",
            &[(3, "protocol")],
        );
    }

    #[test]
    fn quiet_when_hardened() {
        assert_quiet(
            &super::RULE,
            "resource \"aws_lb_listener\" \"a\" {\n  protocol = \"HTTP\"\n  default_action {\n    type = \"redirect\"\n    redirect {\n      protocol = \"HTTPS\"\n      port = \"443\"\n    }\n  }\n}\nresource \"aws_lb_listener\" \"b\" {\n  protocol = \"HTTPS\"\n}\n",
        );
    }
}
