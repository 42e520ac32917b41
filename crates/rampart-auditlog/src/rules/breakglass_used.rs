//! ## What it checks
//!
//! Every request the API server allowed through a break-glass binding (one
//! `rampart breakglass grant` made: named `rampart-breakglass-...`), as the
//! event's `authorization.k8s.io/reason` annotation names it; a use after the
//! expiry the binding's name carries is called out.
//!
//! ## Why it matters
//!
//! Break-glass access must be "tightly controlled and heavily logged": each
//! use is the trail a review reads afterwards, and a use after the expiry
//! means the binding outlived the emergency it was granted for.
//!
//! ## How to fix
//!
//! Review each use against the grant's reason. Revoke a binding past its
//! expiry (`rampart breakglass revoke NAME`); `rbac-breakglass-expired` finds
//! those still in the cluster.
//!
//! ## Example
//!
//! ```text
//! audit.log:88: audit-breakglass-used: alice delete deployments shop/web through ClusterRoleBinding rampart-breakglass-alice-202612050930 (ClusterRole cluster-admin), 12 minutes after it expired
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity, breakglass};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-breakglass-used",
        title: "A request went through a break-glass binding",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Review the use against the grant's reason; revoke a binding past its expiry.",
    },
    check,
    source: include_str!("breakglass_used.rs"),
    falco: &[],
    needs_request_object: false,
};

/// `RBAC: allowed by ClusterRoleBinding "name" of ClusterRole "role" to User "alice"`:
/// the binding's kind and name, and the role.
fn allowed_by(reason: &str) -> Option<(&str, &str, Option<&str>)> {
    let rest = reason.split("allowed by ").nth(1)?;
    let (kind, rest) = rest.split_once(' ')?;
    let name = rest.strip_prefix('"')?.split('"').next()?;
    let role = rest.split(" of ").nth(1).and_then(|role| role.split('"').nth(1));
    Some((kind, name, role))
}

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let Some(annotations) = &event.annotations else {
        return;
    };
    let Some(reason) = annotations
        .iter()
        .find(|(key, _)| key.0 == "authorization.k8s.io/reason")
        .map(|(_, value)| value.0.as_ref())
    else {
        return;
    };
    let Some((kind, name, role)) = allowed_by(reason) else {
        return;
    };
    if !name.starts_with(breakglass::PREFIX) {
        return;
    }
    let late = match (breakglass::expiry_of_name(name), event.time()) {
        (Some(expires), Some(time)) if time > expires => {
            format!(", {} minutes after it expired", (time - expires) / 60)
        }
        _ => String::new(),
    };
    out.push(Hit::new(
        "annotations.authorization.k8s.io/reason",
        format!(
            "{} {} through {kind} {name}{}{late}",
            event.verb,
            event.describe_target(),
            role.map(|role| format!(" ({role})")).unwrap_or_default()
        ),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn through(binding: &str) -> String {
        event("alice", "delete", "deployments", "shop/web", 200, "").replace(
            "\"annotations\":{\"authorization.k8s.io/decision\":\"allow\"}",
            &format!("\"annotations\":{{\"authorization.k8s.io/decision\":\"allow\",\"authorization.k8s.io/reason\":\"RBAC: allowed by ClusterRoleBinding \\\"{binding}\\\" of ClusterRole \\\"cluster-admin\\\" to User \\\"alice\\\"\"}}"),
        )
    }

    #[test]
    fn fires_on_each_use_and_says_when_it_came_after_the_expiry() {
        // The event is at 2026-12-01T10:00:00Z.
        let within = hits(&super::RULE, &through("rampart-breakglass-alice-202612011030"));
        assert_eq!(fields(&within), ["annotations.authorization.k8s.io/reason"]);
        assert_eq!(
            within[0].message,
            "delete deployments shop/web through ClusterRoleBinding rampart-breakglass-alice-202612011030 (cluster-admin)"
        );
        let late = hits(&super::RULE, &through("rampart-breakglass-alice-202612010948"));
        assert!(
            late[0].message.ends_with(", 12 minutes after it expired"),
            "{}",
            late[0].message
        );
    }

    #[test]
    fn quiet_through_other_bindings() {
        assert!(hits(&super::RULE, &through("ops-admins")).is_empty());
        assert!(hits(&super::RULE, &event("alice", "get", "pods", "shop/web", 200, "")).is_empty());
    }
}
