//! ## What it checks
//!
//! Service-account credentials minted outside the kubelet's routine: a token requested
//! (`serviceaccounts/token`) by an identity other than a node or the control plane, and a
//! legacy token Secret (`type: kubernetes.io/service-account-token`) created by such an
//! identity (before Kubernetes 1.24 the token controller wrote one for every account),
//! both let through.
//!
//! ## Why it matters
//!
//! A token is the service account's identity, usable from anywhere until it expires; a
//! legacy token Secret never expires. Minting one for an account with power is how a
//! foothold becomes persistent access.
//!
//! ## How to fix
//!
//! Find out who minted it and for what; delete a legacy token Secret, and take
//! `serviceaccounts/token` `create` from roles that do not need it.
//!
//! ## Example
//!
//! ```text
//! audit.log:9: audit-service-account-token: alice requested a token for serviceaccounts/token kube-system/admin
//! ```

use super::{Context, Hit, Rule, is_system_component};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-service-account-token",
        title: "A service-account token was minted outside the kubelet's routine",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Find out who minted it and why; delete legacy token Secrets and take serviceaccounts/token create from roles that do not need it.",
    },
    check,
    source: include_str!("service_account_token.rs"),
    falco: &[],
    needs_request_object: false,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.verb.as_str() != "create" || !event.succeeded() {
        return;
    }
    if event.resource() == "serviceaccounts" && event.subresource() == Some("token") {
        if !is_system_component(event) {
            out.push(Hit::new(
                "objectRef.subresource",
                format!("requested a token for {}", event.describe_target()),
            ));
        }
        return;
    }
    // Before Kubernetes 1.24 the token controller wrote one for every account.
    if event.resource() == "secrets"
        && event.subresource().is_none()
        && !is_system_component(event)
        && let Some(object) = event.request_json()
        && object["type"] == "kubernetes.io/service-account-token"
    {
        let account = object["metadata"]["annotations"]["kubernetes.io/service-account.name"]
            .as_str()
            .unwrap_or("?");
        out.push(Hit::new(
            "requestObject.type",
            format!(
                "created a legacy token Secret {} for service account {account}",
                event.describe_target().trim_start_matches("secrets ")
            ),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_token_request_and_a_legacy_token_secret() {
        let request = hits(
            &super::RULE,
            &event("alice", "create", "serviceaccounts/token", "kube-system/admin", 201, ""),
        );
        assert_eq!(
            request[0].message,
            "requested a token for serviceaccounts/token kube-system/admin"
        );
        let legacy = event(
            "alice",
            "create",
            "secrets",
            "shop/t",
            201,
            r#""requestObject":{"type":"kubernetes.io/service-account-token","metadata":{"annotations":{"kubernetes.io/service-account.name":"deployer"}}}"#,
        );
        let legacy = super::super::testing::hits(&super::RULE, &legacy);
        assert_eq!(fields(&legacy), ["requestObject.type"]);
        assert!(legacy[0].message.ends_with("for service account deployer"));
    }

    #[test]
    fn quiet_on_kubelet_tokens_and_plain_secrets() {
        let kubelet = event(
            "system:node:worker-1|system:nodes",
            "create",
            "serviceaccounts/token",
            "shop/web",
            201,
            "",
        );
        assert!(hits(&super::RULE, &kubelet).is_empty());
        let plain = event(
            "alice",
            "create",
            "secrets",
            "shop/db",
            201,
            r#""requestObject":{"type":"Opaque"}"#,
        );
        assert!(hits(&super::RULE, &plain).is_empty());
    }
}
