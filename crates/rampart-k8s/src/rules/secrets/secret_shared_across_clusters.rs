//! ## What it checks
//!
//! In `rampart audit --context A --context B --compare-secret-values`, that
//! no Secret value of one cluster is also held by a Secret of another. The
//! values are read from each cluster (the one time an audit reads them),
//! hashed in memory with a key drawn for the run (HMAC-SHA256), and only
//! the hashes are compared; no value or hash is printed or stored. Compared
//! are keys that name a credential (`password`, `token`, `secret`, `key`,
//! `.dockerconfigjson`, ...) and other values of 20 characters or more
//! that look random; not public certificates (`ca.crt`, `tls.crt`, PEM
//! certificates and public keys), service-account token Secrets, Helm
//! release records or bootstrap tokens. Without `--compare-secret-values`
//! the rule judges nothing (and proves nothing).
//!
//! ## Why it matters
//!
//! The articles list "using the same credentials for development, staging,
//! and production clusters" among the common mistakes: whoever reads a
//! Secret in the least guarded cluster (a developer, a CI job of a test
//! environment, a leaked staging backup) holds the production credential,
//! and revoking it in one place breaks the others.
//!
//! ## How to fix
//!
//! Issue a credential per environment (a database user per cluster, a
//! registry token per cluster), rotate the one that is shared, and let a
//! secret manager keep them apart (one path per environment).
//!
//! ## Example
//!
//! ```sh
//! # staging gets its own database user, then prod's password is rotated
//! vault write database/roles/shop-staging db_name=shop-staging ...
//! ```
//!
//! ## Fix safety
//!
//! Rotating a shared credential breaks every environment still using the
//! old value: give each its own first.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secret-shared-across-clusters",
        title: "No credential is shared between clusters",
        severity: Severity::High,
        controls: &[Control::Secrets],
        pss: None,
        references: &[],
        fix: "Issue a credential per environment and rotate the shared one.",
    },
    check: Check::Inventory(Subjects::ComparedSecrets, check),
};

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    let Some(shared) = &context.config.shared_secret_values else {
        return;
    };
    for secret in &inventory.cluster.secrets {
        for value in shared
            .iter()
            .filter(|value| value.namespace == secret.namespace && value.name == secret.name)
        {
            out.report(
                &secret.site,
                secret.site.pos,
                format!("data.{}", value.key),
                format!(
                    "key `{}` of Secret {}/{} holds the same value as {}",
                    value.key,
                    secret.namespace,
                    secret.name,
                    value.elsewhere.join("; ")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use crate::cluster_facts::SharedValue;
    use crate::rule_testing::*;

    const SECRETS: &str = "apiVersion: v1\nkind: Secret\nmetadata: {name: db, namespace: shop}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: api, namespace: shop}\n";

    #[test]
    fn fires_on_a_value_another_cluster_holds() {
        let mut config = in_cluster(&[]);
        config.shared_secret_values = Some(Arc::new(vec![SharedValue {
            namespace: "shop".to_string(),
            name: "db".to_string(),
            key: "password".to_string(),
            elsewhere: vec!["staging: shop/db key password".to_string()],
        }]));
        let findings = run_with(&super::RULE, SECRETS, &config);
        assert_findings(&findings, &[(3, "data.password")]);
        assert_eq!(
            findings[0].message,
            "key `password` of Secret shop/db holds the same value as staging: shop/db key password"
        );
    }

    #[test]
    fn quiet_when_nothing_is_shared_or_nothing_was_compared() {
        let mut config = in_cluster(&[]);
        config.shared_secret_values = Some(Arc::new(Vec::new()));
        assert!(run_with(&super::RULE, SECRETS, &config).is_empty());
        assert_quiet(&super::RULE, SECRETS);
    }
}
