//! ## What it checks
//!
//! Every Ingress created or changed, and let through, whose request object serves a host
//! without TLS, judged as the manifest rule `ingress-tls` judges files. It needs the
//! request object (the log policy's `Request` level for Ingresses).
//!
//! ## Why it matters
//!
//! "TLS everywhere": an Ingress without TLS serves the application in clear text to
//! whoever is on the path, credentials and session cookies included. Made by hand, it
//! never went through the reviewed manifests' check.
//!
//! ## How to fix
//!
//! Add a `tls` section with a certificate for each host (cert-manager issues them), or
//! delete the Ingress; apply it from the reviewed manifests.
//!
//! ## Example
//!
//! ```text
//! audit.log:44: audit-ingress-without-tls: alice Ingress shop/web: ... (ingress-tls)
//! ```

use super::{Context, Hit, Rule, manifest_hits, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-ingress-without-tls",
        title: "An Ingress without TLS was applied",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Add a tls section with a certificate for each host, or delete the Ingress; apply it from the reviewed manifests.",
    },
    check,
    source: include_str!("ingress_without_tls.rs"),
    falco: &["Ingress Object without TLS Certificate Created"],
    needs_request_object: true,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "ingresses" || event.subresource().is_some() || !writes(event) || !event.succeeded() {
        return;
    }
    let before = out.len();
    manifest_hits(event, "Ingress", &["ingress-tls"], out);
    for hit in &mut out[before..] {
        hit.message = format!(
            "Ingress {}: {}",
            event.describe_target().trim_start_matches("ingresses "),
            hit.message
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    fn ingress(spec: &str) -> String {
        event(
            "alice",
            "create",
            "ingresses",
            "shop/web",
            201,
            &format!(r#""requestObject":{{"spec":{spec}}}"#),
        )
        .replace(
            "\"apiVersion\":\"v1\"",
            "\"apiGroup\":\"networking.k8s.io\",\"apiVersion\":\"v1\"",
        )
    }

    #[test]
    fn fires_on_an_ingress_without_tls() {
        let hits = hits(&super::RULE, &ingress(r#"{"rules":[{"host":"shop.example.com"}]}"#));
        assert_eq!(hits.len(), 1, "{hits:?}");
        assert!(hits[0].field.starts_with("requestObject."), "{hits:?}");
        assert!(hits[0].message.starts_with("Ingress shop/web: ") && hits[0].message.ends_with("(ingress-tls)"));
    }

    #[test]
    fn quiet_with_tls() {
        let tls =
            r#"{"tls":[{"hosts":["shop.example.com"],"secretName":"shop-tls"}],"rules":[{"host":"shop.example.com"}]}"#;
        assert!(hits(&super::RULE, &ingress(tls)).is_empty());
    }
}
