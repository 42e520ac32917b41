//! ## What it checks
//!
//! That kube-apiserver is given `--encryption-provider-config` (CIS
//! 1.2.27), so Secrets are encrypted in etcd. What that file says is
//! judged by `encryption-config-identity-first` when it is scanned.
//!
//! ## Why it matters
//!
//! "Enable secret encryption at rest": without it every Secret sits in
//! etcd, its snapshots and backups as base64, readable by whoever gets a
//! copy of the data directory.
//!
//! ## How to fix
//!
//! Write an EncryptionConfiguration (a KMS provider, or `secretbox`/
//! `aescbc` with a key kept off the etcd hosts), point the flag at it,
//! then rewrite every Secret (`kubectl get secrets -A -o json | kubectl
//! replace -f -`) so the old ones are encrypted too.
//!
//! ## Example
//!
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --encryption-provider-config=/etc/kubernetes/enc/encryption.yaml
//! ```
//!
//! ## Fix safety
//!
//! Losing the key loses every Secret: back it up apart from etcd.

use super::super::prelude::*;
use super::component;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-encryption-at-rest",
        title: "kube-apiserver must encrypt Secrets at rest",
        severity: Severity::High,
        controls: &[Control::Secrets],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "1.2.27",
        }],
        fix: "Set `--encryption-provider-config` on kube-apiserver to an EncryptionConfiguration covering secrets.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(apiserver) = component(object, "kube-apiserver") else {
        return;
    };
    if apiserver
        .get("encryption-provider-config")
        .is_some_and(|flag| flag.value.is_some_and(|value| !value.is_empty()))
    {
        return;
    }
    out.report(
        apiserver.anchor,
        apiserver.anchor_field.clone(),
        None,
        "kube-apiserver stores Secrets unencrypted in etcd (`--encryption-provider-config` is not set)".to_string(),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn apiserver(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n{flags}"
        )
    }

    #[test]
    fn fires_without_an_encryption_config() {
        let findings = run(
            &super::RULE,
            &apiserver("    - --etcd-servers=https://127.0.0.1:2379\n"),
        );
        assert_findings(&findings, &[(7, "spec.containers[0].command")]);
    }

    #[test]
    fn quiet_with_one() {
        assert_quiet(
            &super::RULE,
            &apiserver("    - --encryption-provider-config=/etc/kubernetes/enc.yaml\n"),
        );
    }
}
