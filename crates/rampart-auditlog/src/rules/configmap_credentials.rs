//! ## What it checks
//!
//! Every ConfigMap created or changed, and let through, whose request object holds a
//! credential, judged as the manifest rule `no-credential-in-configmap` judges files (a
//! key named like a credential with a literal value, a URL with a password, a private
//! key) and by the secrets engine's rules (provider tokens and keys by their shape,
//! whatever the key is called). Values are never printed. It needs the request object
//! (the log policy's `Request` level for ConfigMaps).
//!
//! ## Why it matters
//!
//! A password in a ConfigMap is readable by every role that reads configuration, and the
//! audit log is often the first place it shows when it was applied by hand rather than
//! from reviewed files.
//!
//! ## How to fix
//!
//! Move the value to a Secret from the secret manager, rotate it, and reference it from
//! the pod.
//!
//! ## Example
//!
//! ```text
//! audit.log:30: audit-configmap-credentials: alice ConfigMap my-config holds a credential in data.DB_PASSWORD (no-credential-in-configmap)
//! ```

use super::{Context, Hit, Rule, manifest_hits, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-configmap-credentials",
        title: "A ConfigMap holding a credential was applied",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Move the value to a Secret from the secret manager, rotate it, and reference it from the pod.",
    },
    check,
    source: include_str!("configmap_credentials.rs"),
    falco: &["Create/Modify Configmap With Private Credentials"],
    needs_request_object: true,
};

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    if event.resource() != "configmaps" || event.subresource().is_some() || !writes(event) || !event.succeeded() {
        return;
    }
    let before = out.len();
    manifest_hits(event, "ConfigMap", &["no-credential-in-configmap"], out);
    // The secrets engine finds what no key names: provider tokens and keys by their shape.
    let Some(object) = event.request_json() else {
        return;
    };
    let Some(data) = object["data"].as_object() else {
        return;
    };
    let catalogue = rampart_secrets::Catalogue::builtin();
    let detector = rampart_secrets::Detector::new(catalogue);
    for (key, value) in data {
        let Some(text) = value.as_str() else { continue };
        let field = format!("requestObject.data.{key}");
        if out[before..].iter().any(|hit| hit.field == field) {
            continue;
        }
        if let Some(found) = detector.detect(key, text.as_bytes()).first() {
            let rule = &catalogue.rules[found.rule].spec;
            out.push(Hit::new(
                field,
                format!(
                    "ConfigMap {} `{key}` holds a {} on its line {} (redacted) ({})",
                    event.describe_target().trim_start_matches("configmaps "),
                    rule.title,
                    found.line,
                    rule.id
                ),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_password_in_a_configmap() {
        let line = event(
            "alice",
            "create",
            "configmaps",
            "shop/settings",
            201,
            r#""requestObject":{"data":{"DB_PASSWORD":"hunter2-but-longer"}}"#,
        );
        let hits = hits(&super::RULE, &line);
        assert_eq!(fields(&hits), ["requestObject.data.DB_PASSWORD"]);
        assert!(!hits[0].message.contains("hunter2"), "never the value: {hits:?}");
    }

    #[test]
    fn fires_on_a_provider_token_whatever_its_key() {
        let token = format!("ghp_{}", "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8");
        let line = event(
            "alice",
            "update",
            "configmaps",
            "shop/settings",
            200,
            &format!(r#""requestObject":{{"data":{{"notes.txt":"deploy with {token}"}}}}"#),
        );
        let hits = hits(&super::RULE, &line);
        assert_eq!(fields(&hits), ["requestObject.data.notes.txt"]);
        assert!(
            hits[0].message.contains("(redacted)") && !hits[0].message.contains(&token),
            "{hits:?}"
        );
    }

    #[test]
    fn quiet_on_plain_settings() {
        let line = event(
            "alice",
            "create",
            "configmaps",
            "shop/settings",
            201,
            r#""requestObject":{"data":{"MODE":"production"}}"#,
        );
        assert!(hits(&super::RULE, &line).is_empty());
    }
}
