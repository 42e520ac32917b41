//! ## What it checks
//!
//! That no Secret object with values (`data` or `stringData`) is committed
//! with the manifests. Service-account token Secrets are reported by
//! `no-service-account-token-secret` instead. Values are never printed:
//! the finding names the key only.
//!
//! ## Why it matters
//!
//! Base64 is an encoding, not encryption: whoever can read the repository,
//! its forks, its CI logs and every clone has the secret, for as long as the
//! git history exists. The checklist wants Secrets to come from a manager.
//!
//! ## How to fix
//!
//! Remove the Secret from the repository, rotate its values (they are in the
//! history now), and deliver them with an external secret manager
//! (External Secrets Operator, the Secrets Store CSI driver) or encrypt
//! them (Sealed Secrets, SOPS).
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: external-secrets.io/v1
//! kind: ExternalSecret
//! metadata: {name: checkout-db, namespace: shop}
//! spec:
//!   secretStoreRef: {name: vault, kind: ClusterSecretStore}
//!   data:
//!     - secretKey: password
//!       remoteRef: {key: shop/checkout-db, property: password}
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-secret-in-manifest",
        title: "Secret values must not be committed with the manifests",
        severity: Severity::High,
        controls: &[Control::Secrets],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "5.4.2",
        }],
        fix: "Rotate the values and deliver them from a secret manager (External Secrets, CSI) or Sealed Secrets.",
    },
    check: Check::Object(Subjects::Kinds(SECRETS), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind != "Secret" || !object.group().is_empty() {
        return;
    }
    if object.root.get("type").and_then(Node::as_str) == Some("kubernetes.io/service-account-token") {
        return;
    }
    for section in ["data", "stringData"] {
        let Some(values) = object.root.get(section) else {
            continue;
        };
        let keys: Vec<&str> = values
            .entries()
            .iter()
            .filter(|e| e.value.scalar_text().is_some_and(|v| !v.is_empty()))
            .map(|e| &*e.key)
            .collect();
        if keys.is_empty() {
            continue;
        }
        out.report(
            values.pos,
            section.to_string(),
            None,
            format!(
                "Secret `{}` commits values for {} (redacted)",
                object.name,
                keys.iter().map(|k| format!("`{k}`")).collect::<Vec<_>>().join(", ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_data_and_string_data_without_printing_values() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata: {name: db}\ndata:\n  password: aHVudGVyMg==\nstringData:\n  token: s3cr3t-t0ken\n",
        );
        assert_findings(&findings, &[(4, "data"), (6, "stringData")]);
        assert!(findings[0].message.contains("`password`"));
        assert!(!findings[0].message.contains("aHVudGVyMg"));
        assert!(!findings[1].message.contains("s3cr3t"));
    }

    #[test]
    fn quiet_for_empty_secrets_token_secrets_and_other_kinds() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata: {name: empty}\ndata: {}\n---\napiVersion: v1\nkind: Secret\nmetadata: {name: t}\ntype: kubernetes.io/service-account-token\ndata: {token: eHh4}\n---\napiVersion: bitnami.com/v1alpha1\nkind: SealedSecret\nmetadata: {name: s}\nspec: {encryptedData: {password: AgBy}}\n",
        );
    }
}
