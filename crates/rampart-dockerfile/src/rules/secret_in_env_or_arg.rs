//! ## What it checks
//!
//! `ENV` and `ARG` instructions whose name says they hold a credential
//! (`PASSWORD`, `SECRET`, `TOKEN`, `API_KEY`, `ACCESS_KEY`, `PRIVATE_KEY`,
//! `CREDENTIALS`…) in any stage. Names that point at a credential rather
//! than hold one are left alone (`*_FILE`, `*_PATH`, `*_URL`, `*_NAME`),
//! and so are public keys and fingerprints (`GPG_KEY`, `*_PUBLIC_KEY`,
//! `*_FINGERPRINT`), which official images set. An `ENV` with an empty
//! value holds nothing. The value is never printed. The secrets engine
//! reads the same lines and reports a value in a known credential format
//! on its own.
//!
//! ## Why it matters
//!
//! `ENV` values are stored in the image's configuration, readable by
//! anyone who can pull it (`docker inspect`); `ARG` values passed with
//! `--build-arg` land in the image's history. Both outlive any rotation of
//! the source.
//!
//! ## How to fix
//!
//! Pass build-time secrets with a BuildKit secret mount, read only by the
//! `RUN` that needs them; give run-time secrets to the container from the
//! orchestrator (a Kubernetes Secret, a secret manager).
//!
//! ## Example
//!
//! ```dockerfile
//! RUN --mount=type=secret,id=npm_token \
//!     NPM_TOKEN=$(cat /run/secrets/npm_token) npm ci
//! ```
//!
//! ## Fix safety
//!
//! Needs the build and the deployment to provide the secret another way.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-secret-in-env-or-arg",
        title: "ENV and ARG must not hold credentials",
        severity: Severity::High,
        controls: &[Control::Build, Control::Secrets],
        pss: None,
        references: &[
            Reference {
                source: "hadolint",
                id: "DL3064",
            },
            Reference {
                source: "Trivy",
                id: "DS-0031",
            },
        ],
        fix: "Use a BuildKit secret mount (`RUN --mount=type=secret,id=...`) at build time, and the orchestrator's secrets at run time.",
    },
    check,
    source: include_str!("secret_in_env_or_arg.rs"),
};

const SECRET_WORDS: &[&str] = &[
    "PASSWORD",
    "PASSWD",
    "SECRET",
    "TOKEN",
    "APIKEY",
    "API_KEY",
    "ACCESS_KEY",
    "PRIVATE_KEY",
    "SECRET_KEY",
    "CREDENTIAL",
    "AUTH_KEY",
    "CLIENT_SECRET",
];

/// Names that say the variable points at or describes a credential.
const POINTER_SUFFIXES: &[&str] = &[
    "_FILE",
    "_PATH",
    "_DIR",
    "_URL",
    "_URI",
    "_NAME",
    "_LENGTH",
    "_TTL",
    "_EXPIRY",
    "_HEADER",
    "_ENDPOINT",
    "_TYPE",
];

/// Public material that shares the words.
const PUBLIC_WORDS: &[&str] = &[
    "GPG_KEY",
    "PUBLIC_KEY",
    "PUBKEY",
    "FINGERPRINT",
    "KEYRING",
    "CHECKSUM",
    "SHA256",
];

pub(crate) fn names_a_secret(name: &str) -> bool {
    let upper = name.to_ascii_uppercase();
    SECRET_WORDS.iter().any(|word| upper.contains(word))
        && !POINTER_SUFFIXES.iter().any(|suffix| upper.ends_with(suffix))
        && !PUBLIC_WORDS.iter().any(|word| upper.contains(word))
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in &file.stages {
        for instruction in &stage.instructions {
            match &instruction.kind {
                Kind::Env(pairs) => {
                    for (name, value) in pairs
                        .iter()
                        .filter(|(name, value)| names_a_secret(name) && !value.is_empty())
                    {
                        out.report(
                            stage,
                            instruction.line,
                            format!("ENV {name}"),
                            format!(
                                "ENV `{name}` bakes a credential ({} characters) into the image's configuration",
                                value.chars().count()
                            ),
                        );
                    }
                }
                Kind::Arg(pairs) => {
                    for (name, default) in pairs.iter().filter(|(name, _)| names_a_secret(name)) {
                        let (severity, message) = match default {
                            Some(default) => (
                                Severity::High,
                                format!(
                                    "ARG `{name}` has a credential as its default ({} characters), kept in the image's history",
                                    default.chars().count()
                                ),
                            ),
                            None => (
                                Severity::Medium,
                                format!(
                                    "ARG `{name}` takes a credential with --build-arg, which the image's history keeps"
                                ),
                            ),
                        };
                        out.report_with_severity(severity, stage, instruction.line, format!("ARG {name}"), message);
                    }
                }
                _ => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use rampart_core::Severity;

    use crate::rules::testing::*;

    #[test]
    fn fires_on_credential_names_never_printing_values() {
        let hits = run(
            &super::RULE,
            "FROM alpine:3.20\nENV AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI DEBUG=1\nARG DB_PASSWORD=hunter2\nARG NPM_TOKEN\n",
        );
        assert_eq!(
            lines_and_fields(&hits),
            [
                (2, "ENV AWS_SECRET_ACCESS_KEY"),
                (3, "ARG DB_PASSWORD"),
                (4, "ARG NPM_TOKEN")
            ]
        );
        assert_eq!(hits[2].severity, Some(Severity::Medium));
        assert!(
            hits.iter()
                .all(|hit| !hit.message.contains("hunter2") && !hit.message.contains("wJalr"))
        );
    }

    #[test]
    fn quiet_for_pointers_public_keys_and_empty_values() {
        assert_quiet(
            &super::RULE,
            "FROM python:3.12\nENV GPG_KEY=A035C8C19219BA821ECEA86B64E628F8D684696D\nENV DB_PASSWORD_FILE=/run/secrets/db TOKEN_URL=https://x\nENV API_TOKEN=\"\"\nARG PWD_HINT\n",
        );
    }
}
