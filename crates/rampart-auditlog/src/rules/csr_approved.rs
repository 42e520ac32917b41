//! ## What it checks
//!
//! Every CertificateSigningRequest approved (a write to `certificatesigningrequests/approval`)
//! by an identity that is not one of Kubernetes' own components (the controller manager
//! approving kubelet certificates).
//!
//! ## Why it matters
//!
//! An approved request becomes a client certificate the API server trusts, for whatever
//! user and groups it names (`system:masters` included), and a certificate cannot be
//! revoked: it is valid until it expires.
//!
//! ## How to fix
//!
//! Check the request's subject; if it was not expected, remove every binding of the user
//! and groups it names, and plan a CA rotation if it names `system:masters`.
//!
//! ## Example
//!
//! ```text
//! audit.log:33: audit-csr-approved: alice approved certificatesigningrequests/approval csr-x7
//! ```

use super::{Context, Hit, Rule, is_system_component, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-csr-approved",
        title: "A certificate signing request was approved by hand",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Check the request's subject; if unexpected, remove the bindings of the user and groups it names and plan a CA rotation for system:masters.",
    },
    check,
    source: include_str!("csr_approved.rs"),
    falco: &[],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "certificatesigningrequests" || event.subresource() != Some("approval") {
        return;
    }
    if !writes(event) || !event.succeeded() || is_system_component(event) {
        return;
    }
    out.push(Hit::new(
        "objectRef.subresource",
        format!("approved {}", event.describe_target()),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_person_approving() {
        let hits = hits(
            &super::RULE,
            &event(
                "alice",
                "update",
                "certificatesigningrequests/approval",
                "csr-x7",
                200,
                "",
            ),
        );
        assert_eq!(hits[0].message, "approved certificatesigningrequests/approval csr-x7");
    }

    #[test]
    fn quiet_on_the_controller_manager() {
        let controller = event(
            "system:kube-controller-manager",
            "update",
            "certificatesigningrequests/approval",
            "csr-1",
            200,
            "",
        );
        assert!(hits(&super::RULE, &controller).is_empty());
    }
}
