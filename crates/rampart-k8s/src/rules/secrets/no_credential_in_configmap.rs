//! ## What it checks
//!
//! That no ConfigMap value, and no annotation of any object, holds a
//! credential: a key named like one (`*PASSWORD*`, `*SECRET*`, `*TOKEN*`,
//! `*API_KEY*`, ...) with a literal value that is not a placeholder,
//! reference, path, number or boolean, as a key of its own or on a line of
//! a configuration file held in a value (`app.properties`, `.env`, YAML:
//! `db.password = ...`); a URL with a password
//! (`scheme://user:password@host`); or a private key. Values are never
//! printed.
//!
//! ## Why it matters
//!
//! ConfigMaps are not protected like Secrets: any role that may read
//! configuration reads them, they appear in `kubectl describe`, and they are
//! committed in clear text. A password there is a password published.
//!
//! ## How to fix
//!
//! Move the value to a Secret delivered by a secret manager, rotate it, and
//! reference it from the pod.
//!
//! ## Example
//!
//! ```yaml
//! data:
//!   DATABASE_URL: postgres://checkout@db.shop:5432/orders   # password from a Secret
//! ```

use super::super::prelude::*;
use super::{credential_line, is_private_key, looks_like_a_credential, names_a_credential, url_with_password};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-credential-in-configmap",
        title: "ConfigMaps and annotations must not hold credentials",
        severity: Severity::High,
        controls: &[Control::Secrets],
        pss: None,
        references: &[
            Reference {
                source: "Polaris",
                id: "sensitiveConfigmapContent",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0109",
            },
        ],
        fix: "Move the value to a Secret from a secret manager, rotate it, and reference it.",
    },
    check: Check::Object(Subjects::AnyObject, check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind == "ConfigMap" && object.group().is_empty() {
        for section in ["data", "binaryData"] {
            if let Some(values) = object.root.get(section) {
                check_values(values, section, &format!("ConfigMap `{}`", object.name), out);
            }
        }
    }
    if let Some(annotations) = object.root.get_path("metadata.annotations") {
        check_values(
            annotations,
            "metadata.annotations",
            &format!("{} `{}` annotation", object.kind, object.name),
            out,
        );
    }
}

fn check_values(values: &Node, section: &str, owner: &str, out: &mut Reporter<'_>) {
    for entry in values.entries() {
        let Some(text) = entry.value.as_str() else {
            continue;
        };
        let embedded;
        let reason = if is_private_key(text) {
            "a private key"
        } else if url_with_password(text) {
            "a URL with a password"
        } else if names_a_credential(&entry.key)
            && looks_like_a_credential(&entry.key, &entry.value)
            && !text.contains('\n')
        {
            "a credential"
        } else if let Some((line, name)) = credential_line(text) {
            embedded = format!("a credential on its line {line} (`{name}`)");
            &embedded
        } else {
            continue;
        };
        out.report(
            entry.value.pos,
            format!("{section}.{}", entry.key),
            None,
            format!("{owner} `{}` holds {reason} (redacted)", entry.key),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_named_credentials_urls_and_keys() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  annotations:\n    backup-target: s3://backup:Sup3rS3cret@minio.local/bucket\ndata:\n  DB_PASSWORD: correct-horse-battery\n  DATABASE_URL: postgres://app:hunter2@db:5432/app\n  key.pem: |\n    -----BEGIN RSA PRIVATE KEY-----\n    MIIEow\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "metadata.annotations.backup-target"),
                (8, "data.DB_PASSWORD"),
                (9, "data.DATABASE_URL"),
                (10, "data.key.pem"),
            ],
        );
        let embedded = run(
            &super::RULE,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  access.properties: |\n    # keys\n    aws_access_key_id = AKIA-ID\n    aws_secret_access_key = s3cr3t-value\n",
        );
        assert_findings(&embedded, &[(5, "data.access.properties")]);
        assert!(
            embedded[0].message.contains("on its line 3 (`aws_secret_access_key`)"),
            "{}",
            embedded[0].message
        );
        assert!(!embedded[0].message.contains("s3cr3t"));
        for finding in &findings {
            assert!(!finding.message.contains("hunter2") && !finding.message.contains("Sup3rS3cret"));
        }
    }

    #[test]
    fn quiet_for_settings_references_and_urls_without_passwords() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: app}\ndata:\n  DB_PASSWORD_FILE: /run/secrets/db\n  TOKEN_TTL: \"3600\"\n  DATABASE_URL: postgres://app@db:5432/app\n  HOOK: https://example.com/a:b@c\n  PROXY: http://user:${PASSWORD}@proxy:3128\n  app.yaml: |\n    password: ${DB_PASSWORD}\n    token_file: /run/token\n  app.properties: |\n    secret.path=/etc/secret\n    api_key = changeme\n    ui.color=purple\n",
        );
    }
}
