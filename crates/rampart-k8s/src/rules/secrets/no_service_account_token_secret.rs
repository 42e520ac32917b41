//! ## What it checks
//!
//! That no Secret of type `kubernetes.io/service-account-token` is declared
//! or, in a cluster, exists. A live audit reads Secrets as metadata only, so
//! there a Secret without a `type` that carries the
//! `kubernetes.io/service-account.name` annotation is such a token. Where
//! the cluster records it (Kubernetes 1.28 and later), the finding says when
//! the token was last used (label `kubernetes.io/legacy-token-last-used`) and
//! since when the API server refuses it (`kubernetes.io/legacy-token-invalid-since`).
//!
//! ## Why it matters
//!
//! Such a Secret holds a service-account token that never expires and is
//! not bound to a pod: anyone who reads it once (a backup, a log, a
//! `kubectl get secret -o yaml`) can use it until the Secret is deleted.
//! Pods get short-lived, audience-bound tokens from the TokenRequest API
//! without it.
//!
//! ## How to fix
//!
//! Delete the Secret; use projected service-account tokens in pods, and
//! `kubectl create token` (or the TokenRequest API) with an expiry for
//! anything outside the cluster.
//!
//! ## Example
//!
//! ```yaml
//! volumes:
//!   - name: token
//!     projected:
//!       sources:
//!         - serviceAccountToken: {path: token, expirationSeconds: 3600, audience: vault}
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-service-account-token-secret",
        title: "No long-lived service-account token Secrets",
        severity: Severity::Medium,
        controls: &[Control::Secrets, Control::Rbac],
        pss: None,
        references: &[],
        fix: "Delete the token Secret; use projected tokens or `kubectl create token` with an expiry.",
    },
    check: Check::Object(Subjects::Kinds(SECRETS), check),
};

const ACCOUNT_ANNOTATION: &str = "kubernetes.io/service-account.name";
const LAST_USED_LABEL: &str = "kubernetes.io/legacy-token-last-used";
const INVALID_SINCE_LABEL: &str = "kubernetes.io/legacy-token-invalid-since";

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind != "Secret" || !object.group().is_empty() {
        return;
    }
    let account = object.annotation(ACCOUNT_ANNOTATION);
    let (pos, field) = match object.root.get("type") {
        Some(kind) if kind.as_str() == Some("kubernetes.io/service-account-token") => (kind.pos, "type".to_string()),
        Some(_) => return,
        // Metadata only (a live audit): the annotation the token controller
        // sets is what marks it.
        None => match object
            .root
            .get_path("metadata.annotations")
            .and_then(|a| a.get(ACCOUNT_ANNOTATION))
        {
            Some(annotation) => (annotation.pos, format!("metadata.annotations.{ACCOUNT_ANNOTATION}")),
            None => return,
        },
    };
    let label = |key: &str| {
        object
            .root
            .get_path("metadata.labels")
            .and_then(|l| l.get(key))
            .and_then(Node::as_str)
    };
    let mut message = format!(
        "Secret `{}` holds a long-lived token of service account `{}`",
        object.name,
        account.unwrap_or("?")
    );
    if let Some(since) = label(INVALID_SINCE_LABEL) {
        message.push_str(&format!("; the API server refuses it since {since} (delete it)"));
    } else if let Some(last_used) = label(LAST_USED_LABEL) {
        message.push_str(&format!("; last used {last_used}"));
    } else if object.root.get_path("metadata.creationTimestamp").is_some() {
        // Only a cluster's object has a creation time; since 1.28 the
        // API server labels a legacy token the day it is used.
        message.push_str("; the cluster records no use of it (Kubernetes 1.28 and later label a used token)");
    }
    out.report(pos, field, None, message);
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_token_secrets() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci-token\n  annotations: {kubernetes.io/service-account.name: ci}\ntype: kubernetes.io/service-account-token\n",
        );
        assert_findings(&findings, &[(6, "type")]);
        assert!(findings[0].message.contains("`ci`"));
    }

    #[test]
    fn fires_on_metadata_only_secrets_of_a_live_audit_with_their_last_use() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci-token\n  namespace: ci\n  creationTimestamp: '2024-01-01T00:00:00Z'\n  labels: {kubernetes.io/legacy-token-last-used: '2026-11-02'}\n  annotations:\n    kubernetes.io/service-account.name: ci\n",
        );
        assert_findings(
            &findings,
            &[(9, "metadata.annotations.kubernetes.io/service-account.name")],
        );
        assert!(
            findings[0].message.ends_with("; last used 2026-11-02"),
            "{}",
            findings[0].message
        );
        let unused = run(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: old\n  creationTimestamp: '2024-01-01T00:00:00Z'\n  annotations: {kubernetes.io/service-account.name: ci}\n",
        );
        assert!(unused[0].message.contains("records no use"), "{}", unused[0].message);
        let invalid = run(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: old\n  labels: {kubernetes.io/legacy-token-invalid-since: '2026-01-05'}\n  annotations: {kubernetes.io/service-account.name: ci}\n",
        );
        assert!(
            invalid[0].message.contains("refuses it since 2026-01-05"),
            "{}",
            invalid[0].message
        );
    }

    #[test]
    fn quiet_for_metadata_only_secrets_of_other_kinds() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations: {owner: shop}\n",
        );
        // A typed Secret that happens to carry the annotation is judged by its type.
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations: {kubernetes.io/service-account.name: ci}\ntype: Opaque\n",
        );
    }

    #[test]
    fn quiet_for_other_secret_types() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n",
        );
    }
}
