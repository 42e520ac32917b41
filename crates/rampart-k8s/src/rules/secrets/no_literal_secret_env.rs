//! ## What it checks
//!
//! That no container environment variable whose name says it holds a
//! credential (`*PASSWORD*`, `*PASSWD*`, `*SECRET*`, `*TOKEN*`,
//! `*API_KEY*`, `*APIKEY*`, `*ACCESS_KEY*`, `*PRIVATE_KEY*`,
//! `*CREDENTIAL*`) has a literal `value` instead of `valueFrom`.
//!
//! A value that holds a private key (`BEGIN ... PRIVATE KEY`) is reported
//! whatever the variable's name.
//!
//! Names that point at a credential rather than hold one (`*_FILE`,
//! `*_PATH`, `*_NAME`, `*_ID`, `*_URL`, `*_TTL`, ...) and values that are
//! placeholders, references (`$(VAR)`, `${VAR}`), booleans or numbers are
//! not reported. The value is never printed.
//!
//! ## Why it matters
//!
//! A literal value is committed to git with the manifest, printed by
//! `kubectl describe`, and readable by anyone who can read the Deployment.
//! Secrets belong in a Secret (better: an external secret manager) and reach
//! the container by reference.
//!
//! ## How to fix
//!
//! Move the value to a Secret, rotate it (it is in the git history now) and
//! reference it with `valueFrom.secretKeyRef`.
//!
//! ## Example
//!
//! ```yaml
//! env:
//!   - name: DB_PASSWORD
//!     valueFrom:
//!       secretKeyRef:
//!         name: checkout-db
//!         key: password
//! ```

use super::super::prelude::*;
use super::{is_private_key, looks_like_a_credential, names_a_credential, shape_of};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-literal-secret-env",
        title: "Credentials must not be literal environment values",
        severity: Severity::High,
        controls: &[Control::Secrets],
        pss: None,
        references: &[
            Reference {
                source: "kube-linter",
                id: "env-var-secret",
            },
            Reference {
                source: "Polaris",
                id: "sensitiveContainerEnvVar",
            },
        ],
        fix: "Move the value to a Secret, rotate it, and use `valueFrom.secretKeyRef`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    for container in pod.containers() {
        let Some(env) = container.field("env") else {
            continue;
        };
        for (index, variable) in env.node.as_seq().iter().enumerate() {
            let Some(name) = variable.get("name").and_then(Node::as_str) else {
                continue;
            };
            let Some(value) = variable.get("value") else {
                continue;
            };
            let holds_private_key = value.as_str().is_some_and(is_private_key);
            if !holds_private_key && (!names_a_credential(name) || !looks_like_a_credential(name, value)) {
                continue;
            }
            let shape = if holds_private_key {
                "a PEM private key".to_string()
            } else {
                shape_of(value.as_str().unwrap_or_default())
            };
            let message = format!(
                "{} sets {name} to a literal value (redacted; {shape}); credentials belong in a Secret",
                container.describe()
            );
            out.report(
                value.pos,
                format!("{}[{index}].value", env.path),
                Some(container),
                message,
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_literal_credentials_and_never_prints_them() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    env:\n    - name: DB_PASSWORD\n      value: hunter2-correct-horse\n    - name: stripe-api-key\n      value: sk_live_51Habcdefghijklmnop\n    - name: deploy\n      value: |\n        -----BEGIN OPENSSH PRIVATE KEY-----\n        b3BlbnNzaC1rZXktdjEAAAAABG5vbmUAAAAEbm9uZQ\n",
        );
        assert_findings(
            &findings,
            &[
                (9, "spec.containers[0].env[0].value"),
                (11, "spec.containers[0].env[1].value"),
                (13, "spec.containers[0].env[2].value"),
            ],
        );
        assert!(
            findings[0]
                .message
                .contains("(redacted; 21 characters: lowercase, digits, symbols;"),
            "{}",
            findings[0].message
        );
        assert!(findings[2].message.contains("a PEM private key"));
        for finding in &findings {
            assert!(!finding.message.contains("hunter2"));
            assert!(!finding.message.contains("sk_live"));
            assert!(!finding.message.contains("b3BlbnNz"));
        }
    }

    #[test]
    fn quiet_for_references_placeholders_settings_and_pointers() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    env:\n    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: db, key: password}}}\n    - {name: DB_PASSWORD_FILE, value: /run/secrets/db}\n    - {name: TOKEN_TTL, value: \"3600\"}\n    - {name: ENABLE_TOKEN_AUTH, value: \"true\"}\n    - {name: API_TOKEN, value: $(TOKEN_FROM_SECRET)}\n    - {name: ADMIN_PASSWORD, value: changeme}\n    - {name: SECRET_NAME, value: my-secret}\n    - {name: LOG_LEVEL, value: debug}\n",
        );
    }

    #[test]
    fn quiet_for_names_about_credentials_and_placeholder_values() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    env:\n    - {name: OIDC_TOKEN_AUDIENCE, value: api.example.com}\n    - {name: OAUTH_TOKEN_SCOPE, value: read-write}\n    - {name: JWT_SECRET_ALGORITHM, value: HS256}\n    - {name: SECRET_STORE, value: vault-backend}\n    - {name: ETCD_INITIAL_CLUSTER_TOKEN, value: INSERT_ETCD_INITIAL_CLUSTER_TOKEN}\n    - {name: DB_PASSWORD, value: DB_PASSWORD_VAL}\n    - {name: API_TOKEN, value: api-token}\n    - {name: MYSQL_ROOT_PASSWORD, value: yourpassword}\n",
        );
    }
}
