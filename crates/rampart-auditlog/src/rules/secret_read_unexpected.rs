//! ## What it checks
//!
//! Every Secret read (`get`, `list`, `watch`) in a namespace, let through, by an identity
//! outside the set expected to read Secrets there. The defaults expect Kubernetes' own
//! components (the controller manager and the scheduler, `kube-system` service accounts,
//! nodes reading their pods' Secrets, `system:masters`) and the controllers whose job is
//! Secrets, as their standard installs name them (ingress-nginx, cert-manager, External
//! Secrets, Argo CD, Flux); rampart.toml adds the team's own per namespace:
//!
//! ```toml
//! [[audit-log.secret-readers]]
//! namespace = "cert-manager"
//! identities = ["system:serviceaccount:cert-manager:*"]
//! ```
//!
//! ## Why it matters
//!
//! "Monitor secret reads by unexpected identities": a Secret read by a person, a CI
//! account or a workload that never read one before is the first step of a credential
//! theft, and the API server's log is the only place it shows.
//!
//! ## How to fix
//!
//! Find out why the identity read it. If it should, list it in
//! `[[audit-log.secret-readers]]`; if not, remove the RBAC that let it
//! (`rampart who-can get secrets -n NAMESPACE`) and rotate what it read.
//!
//! ## Example
//!
//! ```text
//! audit.log:55: audit-secret-read-unexpected: ci-deployer get secrets shop/db-credentials
//! ```

use super::{Context, Hit, Rule};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-secret-read-unexpected",
        title: "A Secret was read by an identity not expected to read Secrets",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Confirm why the identity read it; list expected readers in [[audit-log.secret-readers]], or remove the RBAC that let it and rotate the Secret.",
    },
    check,
    source: include_str!("secret_read_unexpected.rs"),
    falco: &["K8s Secret Get Successfully"],
    needs_request_object: false,
};

fn check(event: &Event<'_>, context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "secrets" || event.subresource().is_some() {
        return;
    }
    if !matches!(event.verb.as_str(), "get" | "list" | "watch") || !event.succeeded() {
        return;
    }
    // A read across all namespaces is the cluster-wide rule's.
    let Some(namespace) = event.namespace() else {
        return;
    };
    let groups: Vec<&str> = event.user.groups.iter().map(|group| group.as_str()).collect();
    if context
        .settings
        .reads_secrets(event.username(), &groups, Some(namespace))
    {
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
    use crate::settings::{Identity, SecretReaders, Settings};

    #[test]
    fn fires_on_a_person_or_an_app_reading_a_secret() {
        let read = event("ci-deployer", "get", "secrets", "shop/db-credentials", 200, "");
        let hits = hits(&super::RULE, &read);
        assert_eq!(fields(&hits), ["user.username"]);
        assert_eq!(hits[0].message, "get secrets shop/db-credentials");
        let listed = event("system:serviceaccount:shop:web", "list", "secrets", "shop/", 200, "");
        assert_eq!(
            super::super::testing::hits(&super::RULE, &listed)[0].message,
            "list secrets in shop"
        );
    }

    #[test]
    fn quiet_on_expected_readers_refusals_and_cluster_wide_lists() {
        let controller = event(
            "system:serviceaccount:kube-system:generic-garbage-collector",
            "list",
            "secrets",
            "shop/",
            200,
            "",
        );
        assert!(hits(&super::RULE, &controller).is_empty());
        let node = event(
            "system:node:worker-1|system:nodes",
            "get",
            "secrets",
            "shop/db",
            200,
            "",
        );
        assert!(hits(&super::RULE, &node).is_empty());
        assert!(hits(&super::RULE, &event("alice", "get", "secrets", "shop/db", 403, "")).is_empty());
        assert!(hits(&super::RULE, &event("alice", "list", "secrets", "", 200, "")).is_empty());
        let mut settings = Settings::default();
        settings.secret_readers.push(SecretReaders {
            namespace: "cert-manager".to_string(),
            identities: vec![Identity("system:serviceaccount:cert-manager:*".to_string())],
        });
        let operator = event(
            "system:serviceaccount:cert-manager:cert-manager",
            "watch",
            "secrets",
            "cert-manager/",
            200,
            "",
        );
        assert!(hits_with(&super::RULE, &operator, &settings).is_empty());
    }
}
