//! ## What it checks
//!
//! Every request made while impersonating another user (`Impersonate-User`, `kubectl
//! --as`), let through: who acted as whom, and what they did.
//!
//! ## Why it matters
//!
//! Impersonation borrows another identity's permissions wholesale; holding the
//! `impersonate` verb is as good as holding every role of everyone it can impersonate,
//! and the events of the impersonated user hide who really acted.
//!
//! ## How to fix
//!
//! Confirm the person and the reason; keep `impersonate` for break-glass and support
//! tooling, scoped with `resourceNames` to the identities it needs.
//!
//! ## Example
//!
//! ```text
//! audit.log:12: audit-impersonation: alice acted as system:admin: delete namespaces shop
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-impersonation",
        title: "A request impersonated another identity",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Confirm the person and the reason; keep impersonate for break-glass tooling, scoped with resourceNames.",
    },
    check,
    source: include_str!("impersonation.rs"),
    falco: &[],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let Some(impersonated) = &event.impersonated_user else {
        return;
    };
    if !event.succeeded() {
        return;
    }
    out.push(Hit::new(
        "impersonatedUser.username",
        format!(
            "acted as {}: {} {}",
            impersonated.username,
            event.verb,
            event.describe_target()
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_an_impersonated_request() {
        let line = event(
            "alice",
            "delete",
            "namespaces",
            "shop",
            200,
            r#""impersonatedUser":{"username":"system:admin","groups":["system:masters"]}"#,
        );
        let hits = hits(&super::RULE, &line);
        assert_eq!(hits[0].message, "acted as system:admin: delete namespaces shop");
    }

    #[test]
    fn quiet_without_impersonation() {
        assert!(hits(&super::RULE, &event("alice", "delete", "namespaces", "shop", 200, "")).is_empty());
    }
}
