//! ## What it checks
//!
//! That no Secret of type `kubernetes.io/service-account-token` is declared.
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

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind != "Secret" || !object.group().is_empty() {
        return;
    }
    let Some(kind) = object.root.get("type") else {
        return;
    };
    if kind.as_str() == Some("kubernetes.io/service-account-token") {
        let account = object.annotation("kubernetes.io/service-account.name").unwrap_or("?");
        out.report(
            kind.pos,
            "type".to_string(),
            None,
            format!(
                "Secret `{}` holds a long-lived token of service account `{account}`",
                object.name
            ),
        );
    }
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
    fn quiet_for_other_secret_types() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\n",
        );
    }
}
