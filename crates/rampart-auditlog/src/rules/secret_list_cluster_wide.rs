//! ## What it checks
//!
//! Every `list` or `watch` of Secrets across all namespaces, let through, by an identity
//! not expected to read Secrets everywhere (the defaults of
//! `audit-secret-read-unexpected`, and `[[audit-log.secret-readers]]` entries whose
//! `namespace` is `*`).
//!
//! ## Why it matters
//!
//! One request returns every credential of the cluster. Only a handful of controllers
//! need it; anyone else doing it is harvesting.
//!
//! ## How to fix
//!
//! Find out why; remove the ClusterRole that grants it (`rampart who-can list secrets
//! --all-namespaces`) and rotate the cluster's Secrets if it was not expected.
//!
//! ## Example
//!
//! ```text
//! audit.log:7: audit-secret-list-cluster-wide: mallory list secrets (all namespaces)
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-secret-list-cluster-wide",
        title: "Secrets of every namespace were listed",
        severity: Severity::Critical,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Find out why; remove the ClusterRole that lets the identity list Secrets everywhere and rotate them if it was not expected.",
    },
    check,
    source: include_str!("secret_list_cluster_wide.rs"),
    falco: &[],
    needs_request_object: false,
};

fn check(event: &Event<'_>, context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "secrets" || event.namespace().is_some() || event.name().is_some() {
        return;
    }
    if !matches!(event.verb.as_str(), "list" | "watch") || !event.succeeded() {
        return;
    }
    let groups: Vec<&str> = event.user.groups.iter().map(|group| group.as_str()).collect();
    if context.settings.reads_secrets(event.username(), &groups, None) {
        return;
    }
    out.push(Hit::new(
        "objectRef.namespace",
        format!("{} secrets (all namespaces)", event.verb),
    ));
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_cluster_wide_list() {
        let hits = hits(&super::RULE, &event("mallory", "list", "secrets", "", 200, ""));
        assert_eq!(hits[0].message, "list secrets (all namespaces)");
    }

    #[test]
    fn quiet_on_a_namespace_list_and_on_controllers() {
        assert!(hits(&super::RULE, &event("mallory", "list", "secrets", "shop/", 200, "")).is_empty());
        let controller = event("system:kube-controller-manager", "watch", "secrets", "", 200, "");
        assert!(hits(&super::RULE, &controller).is_empty());
        let ingress = event(
            "system:serviceaccount:ingress-nginx:ingress-nginx",
            "list",
            "secrets",
            "",
            200,
            "",
        );
        assert!(
            hits(&super::RULE, &ingress).is_empty(),
            "it reads TLS Secrets by design"
        );
    }
}
