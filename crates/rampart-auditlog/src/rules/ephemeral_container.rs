//! ## What it checks
//!
//! Every ephemeral container added to a running pod (`kubectl debug`): a write to the
//! `pods/ephemeralcontainers` subresource that the API server let through.
//!
//! ## Why it matters
//!
//! An ephemeral container joins a pod that is already running, with whatever image and
//! security context its author chose, and shares the pod's namespaces and volumes. It is a
//! debugger for an engineer and a foothold for an intruder.
//!
//! ## How to fix
//!
//! Confirm who added it and why; grant `pods/ephemeralcontainers` only through
//! break-glass access.
//!
//! ## Example
//!
//! ```text
//! audit.log:14: audit-ephemeral-container: carol added an ephemeral container to pods shop/web-1
//! ```

use super::{Context, Hit, Rule, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-ephemeral-container",
        title: "Someone added an ephemeral container to a running pod",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Confirm who added it and why; grant pods/ephemeralcontainers only through break-glass access.",
    },
    check,
    source: include_str!("ephemeral_container.rs"),
    falco: &["EphemeralContainers Created"],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "pods" || event.subresource() != Some("ephemeralcontainers") {
        return;
    }
    if !writes(event) || !event.succeeded() {
        return;
    }
    let target = event.describe_target();
    out.push(Hit::new(
        "objectRef.subresource",
        format!(
            "added an ephemeral container to pods {}",
            target.trim_start_matches("pods/ephemeralcontainers ")
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_patch_of_ephemeral_containers() {
        let hits = hits(
            &super::RULE,
            &event("carol", "patch", "pods/ephemeralcontainers", "shop/web-1", 200, ""),
        );
        assert_eq!(hits[0].message, "added an ephemeral container to pods shop/web-1");
    }

    #[test]
    fn quiet_on_reading_them() {
        assert!(
            hits(
                &super::RULE,
                &event("carol", "get", "pods/ephemeralcontainers", "shop/web-1", 200, "")
            )
            .is_empty()
        );
    }
}
