//! ## What it checks
//!
//! Every `exec` into or `attach` to a container of a pod that the API server let through:
//! who, which pod and container, and the command (from the request URI).
//!
//! ## Why it matters
//!
//! A shell in a running container is how an intruder with a stolen credential moves from
//! the API to the workload: it reads the container's secrets and tokens and reaches what
//! the pod can reach. In production it should be rare, named and explained; each one is
//! worth a look.
//!
//! ## How to fix
//!
//! Confirm the person and the reason. Take `pods/exec` and `pods/attach` away from roles
//! that do not need them (`rampart who-can create pods/exec`), and grant it for an
//! incident through break-glass access that expires.
//!
//! ## Example
//!
//! ```text
//! audit.log:812: audit-pod-exec: alice exec into pods shop/web-1 (container app): cat /etc/shadow
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-pod-exec",
        title: "Someone executed a command in, or attached to, a running container",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Confirm who ran it and why; take pods/exec and pods/attach from roles that do not need them.",
    },
    check,
    source: include_str!("pod_exec.rs"),
    falco: &["Attach/Exec Pod"],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let Some(how @ ("exec" | "attach")) = event.subresource() else {
        return;
    };
    if event.resource() != "pods" || !matches!(event.verb.as_str(), "create" | "get") || !event.succeeded() {
        return;
    }
    let containers = event.query_values("container");
    let commands = event.query_values("command");
    let mut message = format!(
        "{} pods {}",
        if how == "exec" { "exec into" } else { "attached to" },
        event.describe_target().trim_start_matches(&format!("pods/{how} "))
    );
    if let Some(container) = containers.first() {
        message.push_str(&format!(" (container {container})"));
    }
    if !commands.is_empty() {
        message.push_str(&format!(": {}", commands.join(" ")));
    }
    out.push(Hit::new("objectRef.subresource", message));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_an_allowed_exec_and_attach() {
        let exec = event("alice", "create", "pods/exec", "shop/web-1", 101, "").replace(
            "/api/v1/pods",
            "/api/v1/namespaces/shop/pods/web-1/exec?command=cat\\u0026command=%2Fetc%2Fshadow\\u0026container=app",
        );
        let hits = hits(&super::RULE, &exec);
        assert_eq!(fields(&hits), ["objectRef.subresource"]);
        assert_eq!(
            hits[0].message,
            "exec into pods shop/web-1 (container app): cat /etc/shadow"
        );
        let attach = event("alice", "get", "pods/attach", "shop/web-1", 101, "");
        assert_eq!(
            super::super::testing::hits(&super::RULE, &attach)[0].message,
            "attached to pods shop/web-1"
        );
    }

    #[test]
    fn quiet_on_a_refused_exec_and_on_logs() {
        assert!(
            hits(
                &super::RULE,
                &event("alice", "create", "pods/exec", "shop/web-1", 403, "")
            )
            .is_empty()
        );
        assert!(hits(&super::RULE, &event("alice", "get", "pods/log", "shop/web-1", 200, "")).is_empty());
    }
}
