//! The same credential in more than one environment of a repository:
//! the values the detectors found, compared by a keyed hash (never by the
//! value, and never printed) across the environment each file belongs to
//! (a Kustomize overlay, `values-<env>.yaml`, `<env>.tfvars`,
//! `.env.<env>`...).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use rampart_core::{Control, Finding, FingerprintKey, RuleMeta, Severity, keyed_hash};

pub static RULE: RuleMeta = RuleMeta {
    id: "secret-shared-across-environments",
    title: "No credential is shared between environments",
    severity: Severity::High,
    controls: &[Control::Secrets],
    pss: None,
    references: &[],
    fix: "Issue a credential per environment, rotate the shared one, and keep each in its environment's secret store.",
};

pub const DOC: &str = "## What it checks

That no credential the secrets engine finds in one environment's files is
also in another's. A file belongs to an environment by its path: the
folder after `overlays/`, `environments/`, `envs/` or `env/` (Kustomize
overlays and their kind), or a file name `values-<env>.yaml`,
`values.<env>.yaml`, `<env>.tfvars`, `<env>.auto.tfvars`, `.env.<env>` or
`<env>.env`, where `<env>` is a usual name (`dev`, `development`, `test`,
`qa`, `uat`, `stage`, `staging`, `preprod`, `prod`, `production`, `live`,
`sandbox`, `demo`, `local`...; `production` counts as `prod`,
`development` as `dev`, `stage` as `staging`). The values are compared
by an HMAC-SHA256 with a key drawn for the run; neither a value nor its
hash is printed or stored. Each file of each environment holding a shared
value gets a finding naming the others.

## Why it matters

The articles list \"using the same credentials for development, staging,
and production clusters\" among the common mistakes: everyone and
everything that can read the development overlay (every developer, every
CI job of a feature branch) then holds the production credential, and it
cannot be rotated in one place without breaking the others.

## How to fix

Issue a credential per environment, rotate the one that was shared, and
load each at deploy time from that environment's secret store instead of
the repository.

## Example

```text
k8s/overlays/dev/secrets.env:  DB_PASSWORD from the dev secret store
k8s/overlays/prod/secrets.env: DB_PASSWORD from the prod secret store
```

## Fix safety

Rotating the shared credential breaks every environment still using the
old value: give each environment its own first.
";

/// Names of environments a file name may carry, and what they count as.
const ENVIRONMENTS: &[(&str, &str)] = &[
    ("dev", "dev"),
    ("development", "dev"),
    ("test", "test"),
    ("testing", "test"),
    ("qa", "qa"),
    ("uat", "uat"),
    ("stage", "staging"),
    ("staging", "staging"),
    ("preprod", "preprod"),
    ("pre-prod", "preprod"),
    ("prod", "prod"),
    ("production", "prod"),
    ("live", "prod"),
    ("sandbox", "sandbox"),
    ("demo", "demo"),
    ("perf", "perf"),
    ("local", "local"),
];

/// Folders whose children are environments.
const ENVIRONMENT_FOLDERS: &[&str] = &["overlays", "environments", "envs", "env"];

fn known(name: &str) -> Option<String> {
    let lower = name.to_ascii_lowercase();
    ENVIRONMENTS
        .iter()
        .find(|(written, _)| *written == lower)
        .map(|(_, counted)| counted.to_string())
}

/// The environment a path belongs to, if its folders or name say.
pub fn environment_of(path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split(['/', '\\']).filter(|part| !part.is_empty()).collect();
    let (file, folders) = parts.split_last()?;
    for pair in folders.windows(2) {
        if ENVIRONMENT_FOLDERS.contains(&pair[0].to_ascii_lowercase().as_str()) {
            return Some(known(pair[1]).unwrap_or_else(|| pair[1].to_string()));
        }
    }
    if let Some(last) = folders.last()
        && ENVIRONMENT_FOLDERS.contains(&last.to_ascii_lowercase().as_str())
    {
        // `env/prod.yaml`: the file is the environment.
        let stem = file.split('.').next().unwrap_or(file);
        if let Some(environment) = known(stem) {
            return Some(environment);
        }
    }
    let lower = file.to_ascii_lowercase();
    let named = if let Some(rest) = lower.strip_prefix("values-").or_else(|| lower.strip_prefix("values.")) {
        rest.strip_suffix(".yaml").or_else(|| rest.strip_suffix(".yml"))
    } else if let Some(rest) = lower.strip_prefix(".env.") {
        Some(rest)
    } else if let Some(stem) = lower
        .strip_suffix(".auto.tfvars")
        .or_else(|| lower.strip_suffix(".tfvars"))
    {
        Some(stem.rsplit('.').next().unwrap_or(stem))
    } else {
        lower.strip_suffix(".env")
    };
    named.and_then(known)
}

/// The key of the values' hashes: drawn once per process, never written.
fn value_key() -> &'static FingerprintKey {
    static KEY: OnceLock<FingerprintKey> = OnceLock::new();
    KEY.get_or_init(|| FingerprintKey::random().unwrap_or(FingerprintKey::DEFAULT))
}

/// The keyed hash a finding keeps of its secret's value, to compare it.
pub fn value_hash(secret: &[u8]) -> String {
    keyed_hash(value_key(), &[secret])
}

/// For every value found in the files of two environments or more, one
/// finding per environment (at the first file of it that holds the value)
/// naming where else it is.
pub fn shared_across_environments(findings: &[Finding]) -> Vec<Finding> {
    // value hash -> environment -> the first finding there.
    let mut by_value: BTreeMap<&str, BTreeMap<String, &Finding>> = BTreeMap::new();
    for finding in findings.iter().filter(|finding| !finding.suppressed) {
        let Some(hash) = finding.secret.as_ref().and_then(|secret| secret.value_hash.as_deref()) else {
            continue;
        };
        let Some(environment) = environment_of(&finding.location.path) else {
            continue;
        };
        by_value.entry(hash).or_default().entry(environment).or_insert(finding);
    }
    let mut shared = Vec::new();
    for environments in by_value.values().filter(|environments| environments.len() >= 2) {
        for (environment, finding) in environments {
            let elsewhere: Vec<String> = environments
                .iter()
                .filter(|(other, _)| *other != environment)
                .map(|(other, there)| format!("{other} ({}:{})", there.location.path, there.location.line))
                .collect();
            let mut secret = finding.secret.clone();
            if let Some(secret) = secret.as_mut() {
                // Its own identity: accepting the secret where it is does
                // not accept it being shared.
                secret.fingerprint = keyed_hash(
                    &FingerprintKey::DEFAULT,
                    &[RULE.id.as_bytes(), secret.fingerprint.as_bytes()],
                );
            }
            let redacted = finding.secret.as_ref().map_or("", |secret| secret.redacted.as_str());
            shared.push(Finding {
                rule: Cow::Borrowed(RULE.id),
                severity: RULE.severity,
                message: format!(
                    "the {} value found here ({redacted}), in environment {environment}, is also in {}",
                    finding.rule,
                    elsewhere.join(", ")
                ),
                location: finding.location.clone(),
                resource: finding.resource.clone(),
                field: finding.field.clone(),
                container: None,
                controls: Cow::Borrowed(RULE.controls),
                fix: Cow::Borrowed(RULE.fix),
                suppressed: false,
                suppression_reason: None,
                secret,
                event: None,
            });
        }
    }
    shared
}

#[cfg(test)]
mod tests {
    use super::*;

    fn found(path: &str, line: usize, value: &[u8]) -> Finding {
        let mut finding = crate::scan_bytes(
            &crate::Detector::new(crate::Catalogue::builtin()),
            path,
            format!(
                "{}DB_PASSWORD={}\n",
                "\n".repeat(line - 1),
                String::from_utf8_lossy(value)
            )
            .as_bytes(),
            &crate::ScanOptions::default(),
        );
        assert_eq!(finding.len(), 1, "{finding:?}");
        finding.remove(0)
    }

    #[test]
    fn a_value_in_two_environments_is_reported_in_each_and_nowhere_else() {
        let findings = vec![
            found("k8s/overlays/dev/secrets.env", 1, b"Zq8kLm2vP9xR4tW7"),
            found("k8s/overlays/dev/more.env", 3, b"Zq8kLm2vP9xR4tW7"),
            found("k8s/overlays/prod/secrets.env", 2, b"Zq8kLm2vP9xR4tW7"),
            found("k8s/overlays/prod/other.env", 1, b"Other9value7Q2w"),
            found("k8s/base/secrets.env", 1, b"Other9value7Q2w"),
        ];
        let shared = shared_across_environments(&findings);
        let places: Vec<(&str, usize)> = shared
            .iter()
            .map(|finding| (&*finding.location.path, finding.location.line))
            .collect();
        assert_eq!(
            places,
            [
                ("k8s/overlays/dev/secrets.env", 1),
                ("k8s/overlays/prod/secrets.env", 2)
            ]
        );
        assert!(shared.iter().all(|finding| finding.rule == RULE.id));
        assert!(
            shared[0]
                .message
                .ends_with("in environment dev, is also in prod (k8s/overlays/prod/secrets.env:2)"),
            "{}",
            shared[0].message
        );
        // Neither the value nor its hash is in what is printed.
        let printed = serde_json::to_string(&shared).unwrap();
        assert!(!printed.contains("Zq8kLm2vP9xR4tW7"));
        assert!(!printed.contains(findings[0].secret.as_ref().unwrap().value_hash.as_deref().unwrap()));
        assert_ne!(
            shared[0].secret.as_ref().unwrap().fingerprint,
            findings[0].secret.as_ref().unwrap().fingerprint
        );
    }

    #[test]
    fn environments_are_read_from_folders_and_file_names() {
        let cases = [
            ("k8s/overlays/production/secrets.env", Some("prod")),
            ("deploy/overlays/eu-canary/kustomization.yaml", Some("eu-canary")),
            ("environments/dev/main.tf", Some("dev")),
            ("chart/values-staging.yaml", Some("staging")),
            ("chart/values.prod.yml", Some("prod")),
            ("infra/prod.tfvars", Some("prod")),
            ("infra/terraform.dev.tfvars", Some("dev")),
            ("infra/stage.auto.tfvars", Some("staging")),
            ("app/.env.development", Some("dev")),
            ("app/local.env", Some("local")),
            ("config/env/prod.yaml", Some("prod")),
            ("chart/values.yaml", None),
            ("infra/terraform.tfvars", None),
            ("infra/secrets.tfvars", None),
            ("app/.env", None),
            ("src/env.rs", None),
        ];
        for (path, expected) in cases {
            assert_eq!(environment_of(path).as_deref(), expected, "{path}");
        }
    }
}
