//! ## What it checks
//!
//! That the provider an `EncryptionConfiguration` writes Secrets with (the
//! first one listed for `secrets`) is `kms` (v2) or `secretbox`, not
//! `aescbc` or `aesgcm`. A configuration whose first provider is
//! `identity` is `encryption-config-secrets`' finding, not this one's.
//!
//! ## Why it matters
//!
//! Kubernetes' own documentation advises against `aescbc` (CBC is open to
//! padding-oracle attacks) and warns that `aesgcm` keys must be rotated
//! every 200,000 writes. Both keep the key in a file on every control-plane
//! node, next to the data it protects: whoever copies the node's disk or
//! an etcd backup together with `/etc/kubernetes` reads every Secret. A KMS
//! keeps the key outside the cluster.
//!
//! ## How to fix
//!
//! Put a `kms` provider (`apiVersion: v2`) first for `secrets`, keep the
//! old provider after it so existing data still decrypts, then rewrite
//! every Secret (`kubectl get secrets -A -o json | kubectl replace -f -`)
//! and remove the old provider.
//!
//! ## Example
//!
//! ```yaml
//! resources:
//!   - resources: [secrets]
//!     providers:
//!       - kms: {apiVersion: v2, name: cloud-kms, endpoint: unix:///var/run/kms.sock}
//!       - aescbc: {keys: [{name: old, secret: <existing key>}]}
//! ```
//!
//! ## Fix safety
//!
//! Removing the old provider before every Secret is rewritten makes the
//! rest unreadable.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "encryption-provider-strength",
        title: "Secrets are encrypted with KMS or secretbox",
        severity: Severity::Low,
        controls: &[Control::Secrets],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "1.2.29",
        }],
        fix: "Put a `kms` (v2) provider first for secrets and rewrite every Secret.",
    },
    check: Check::Object(
        Subjects::Kinds(&[("apiserver.config.k8s.io", "EncryptionConfiguration")]),
        check,
    ),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.group() != "apiserver.config.k8s.io" || object.kind != "EncryptionConfiguration" {
        return;
    }
    for (index, entry) in object
        .root
        .get("resources")
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let covers_secrets = entry.get("resources").is_some_and(|names| {
            names
                .as_seq()
                .iter()
                .filter_map(Node::as_str)
                .any(|name| matches!(name, "secrets" | "*.*" | "*."))
        });
        if !covers_secrets {
            continue;
        }
        let first = entry
            .get("providers")
            .and_then(|providers| providers.as_seq().first())
            .and_then(|provider| provider.entries().first());
        if let Some(provider) = first {
            let why = match &*provider.key {
                "aescbc" => "CBC is open to padding-oracle attacks, and its key sits on the node",
                "aesgcm" => "its keys must be rotated every 200,000 writes, and sit on the node",
                _ => continue,
            };
            out.report(
                provider.value.pos,
                format!("resources[{index}].providers[0]"),
                None,
                format!("Secrets are written with `{}`: {why}", provider.key),
            );
        }
        // The first entry naming secrets decides, as for the API server.
        return;
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const HEAD: &str = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\nresources:\n- resources: [secrets]\n  providers:\n";

    #[test]
    fn fires_on_aescbc_and_aesgcm_first() {
        let findings = run(
            &super::RULE,
            &format!("{HEAD}  - aescbc: {{keys: [{{name: k1, secret: c2VjcmV0}}]}}\n  - identity: {{}}\n"),
        );
        assert_findings(&findings, &[(6, "resources[0].providers[0]")]);
        assert!(findings[0].message.starts_with("Secrets are written with `aescbc`"));
        let findings = run(&super::RULE, &format!("{HEAD}  - aesgcm: {{keys: []}}\n"));
        assert_findings(&findings, &[(6, "resources[0].providers[0]")]);
    }

    #[test]
    fn quiet_on_kms_secretbox_and_identity() {
        assert_quiet(
            &super::RULE,
            &format!(
                "{HEAD}  - kms: {{apiVersion: v2, name: k, endpoint: 'unix:///kms.sock'}}\n  - aescbc: {{keys: []}}\n"
            ),
        );
        assert_quiet(&super::RULE, &format!("{HEAD}  - secretbox: {{keys: []}}\n"));
        assert_quiet(&super::RULE, &format!("{HEAD}  - identity: {{}}\n"));
    }
}
