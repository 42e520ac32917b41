//! ## What it checks
//!
//! Every request by `system:anonymous` (or from the `system:unauthenticated` group) that
//! the API server let through, except its health and version endpoints (`/healthz`,
//! `/livez`, `/readyz`, `/version`), which load balancers probe without credentials.
//!
//! ## Why it matters
//!
//! Anonymous access that works is a binding someone gave to `system:anonymous` or
//! `system:unauthenticated`: anyone who reaches the API server has it, no credential
//! needed. It is how exposed clusters are found and mined.
//!
//! ## How to fix
//!
//! Find the binding (`rampart who-can` lists it; `rbac-anonymous-binding` flags it in
//! manifests) and delete it; turn anonymous authentication off where the platform allows
//! (`--anonymous-auth=false`, or the structured authentication configuration's
//! anonymous endpoints limited to health checks).
//!
//! ## Example
//!
//! ```text
//! audit.log:1: audit-anonymous-allowed: system:anonymous create namespaces foo
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-anonymous-allowed",
        title: "An anonymous request was let through",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Delete the binding that gives system:anonymous or system:unauthenticated access, and turn anonymous authentication off.",
    },
    check,
    source: include_str!("anonymous_allowed.rs"),
    falco: &["Anonymous Request Allowed"],
    needs_request_object: false,
};

/// Endpoints load balancers and probes reach without credentials.
fn is_health_check(uri: &str) -> bool {
    let path = uri.split('?').next().unwrap_or(uri);
    ["/healthz", "/livez", "/readyz", "/version"]
        .iter()
        .any(|endpoint| path == *endpoint || path.starts_with(&format!("{endpoint}/")))
}

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let anonymous = event.username() == "system:anonymous" || event.user.in_group("system:unauthenticated");
    if !anonymous || !event.succeeded() || is_health_check(event.request_uri.as_str()) {
        return;
    }
    out.push(Hit::new(
        "user.username",
        format!("{} {}", event.verb, event.describe_target()),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_an_allowed_anonymous_request() {
        let hits = hits(
            &super::RULE,
            &event(
                "system:anonymous|system:unauthenticated",
                "create",
                "namespaces",
                "foo",
                201,
                "",
            ),
        );
        assert_eq!(hits[0].message, "create namespaces foo");
    }

    #[test]
    fn quiet_on_health_checks_and_refusals() {
        let health = event("system:anonymous|system:unauthenticated", "get", "", "", 200, "")
            .replace("\"/api/v1/\"", "\"/readyz?verbose\"");
        assert!(hits(&super::RULE, &health).is_empty(), "{health}");
        assert!(hits(&super::RULE, &event("system:anonymous", "list", "secrets", "", 403, "")).is_empty());
    }
}
