//! ## What it checks
//!
//! That an `EncryptionConfiguration` (the file kube-apiserver's
//! `--encryption-provider-config` names) encrypts Secrets: an entry covers
//! `secrets` (or `*.*`), and its first provider is not `identity` (the
//! first provider is the one that writes; `identity` writes plain text).
//!
//! ## Why it matters
//!
//! A configuration that lists `identity` first, or does not name Secrets,
//! turns encryption at rest on in name only: every Secret still lands in
//! etcd and its backups as base64.
//!
//! ## How to fix
//!
//! Put a KMS provider (or `secretbox`) first for `secrets`, keep `identity`
//! last only to read what was written before, then rewrite every Secret.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apiserver.config.k8s.io/v1
//! kind: EncryptionConfiguration
//! resources:
//!   - resources: [secrets]
//!     providers:
//!       - kms: {apiVersion: v2, name: vault, endpoint: unix:///var/run/kms.sock}
//!       - identity: {}
//! ```
//!
//! ## Fix safety
//!
//! Reordering providers changes only new writes; keep every key that
//! encrypted existing data in the list until everything is rewritten.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "encryption-config-secrets",
        title: "The encryption configuration must encrypt Secrets",
        severity: Severity::High,
        controls: &[Control::Secrets],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "1.2.28",
        }],
        fix: "Cover `secrets` with a KMS (or secretbox) provider listed before `identity`.",
    },
    check: Check::Object(Subjects::Kinds(ENCRYPTION_CONFIGURATIONS), check),
};

const ENCRYPTION_CONFIGURATIONS: &[(&str, &str)] = &[("apiserver.config.k8s.io", "EncryptionConfiguration")];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.group() != "apiserver.config.k8s.io" || object.kind != "EncryptionConfiguration" {
        return;
    }
    let entries = object.root.get("resources").map(Node::as_seq).unwrap_or_default();
    let covering = entries.iter().enumerate().find(|(_, entry)| {
        entry.get("resources").is_some_and(|names| {
            names
                .as_seq()
                .iter()
                .filter_map(Node::as_str)
                .any(|name| matches!(name, "secrets" | "*.*" | "*."))
        })
    });
    let Some((index, entry)) = covering else {
        out.report(
            object.root.pos,
            "resources".to_string(),
            None,
            "the encryption configuration has no entry for `secrets`: Secrets are stored unencrypted".to_string(),
        );
        return;
    };
    let first = entry
        .get("providers")
        .and_then(|providers| providers.as_seq().first())
        .and_then(|provider| provider.entries().first());
    match first {
        Some(provider) if &*provider.key == "identity" => out.report(
            provider.value.pos,
            format!("resources[{index}].providers[0]"),
            None,
            "the first provider for secrets is `identity`, which writes them unencrypted".to_string(),
        ),
        Some(_) => {}
        None => out.report(
            entry.pos,
            format!("resources[{index}].providers"),
            None,
            "the entry for secrets lists no provider".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const HEAD: &str = "apiVersion: apiserver.config.k8s.io/v1\nkind: EncryptionConfiguration\n";

    #[test]
    fn fires_when_identity_writes_or_secrets_are_not_named() {
        let findings = run(
            &super::RULE,
            &format!(
                "{HEAD}resources:\n- resources: [secrets]\n  providers:\n  - identity: {{}}\n  - aescbc: {{keys: [{{name: k1, secret: c2VjcmV0}}]}}\n"
            ),
        );
        assert_findings(&findings, &[(6, "resources[0].providers[0]")]);
        let findings = run(
            &super::RULE,
            &format!(
                "{HEAD}resources:\n- resources: [configmaps]\n  providers:\n  - secretbox: {{keys: [{{name: k1, secret: c2VjcmV0}}]}}\n"
            ),
        );
        assert_findings(&findings, &[(1, "resources")]);
    }

    #[test]
    fn quiet_when_a_real_provider_writes_secrets() {
        assert_quiet(
            &super::RULE,
            &format!(
                "{HEAD}resources:\n- resources: [secrets, configmaps]\n  providers:\n  - kms: {{apiVersion: v2, name: vault, endpoint: unix:///kms.sock}}\n  - identity: {{}}\n"
            ),
        );
    }
}
