//! ## What it checks
//!
//! `COPY` and `ADD` of files that hold credentials, in any stage:
//! environment files (`.env`, `.env.production`; not `.env.example`),
//! SSH private keys (`id_rsa`, `id_ed25519`, the `.ssh` folder), private
//! keys and keystores (`*.key`, `*.p12`, `*.pfx`, `*.jks`, `*-key.pem`),
//! kubeconfigs, cloud and registry credentials (`.aws/credentials`,
//! `.docker/config.json`), package-manager tokens (`.npmrc`, `.pypirc`,
//! `.netrc`, `.git-credentials`) and Terraform state.
//!
//! ## Why it matters
//!
//! Every layer of an image is readable by whoever can pull it; a file
//! deleted by a later instruction is still in the layer that added it.
//! A key copied into a build stage leaks the same way when that stage is
//! pushed or cached.
//!
//! ## How to fix
//!
//! Mount the file only for the `RUN` that needs it with a BuildKit secret
//! or SSH mount, and list such files in `.dockerignore` so `COPY .` cannot
//! pick them up.
//!
//! ## Example
//!
//! ```dockerfile
//! RUN --mount=type=secret,id=npmrc,target=/root/.npmrc npm ci
//! ```
//!
//! ## Fix safety
//!
//! Needs the build to pass the secret (`docker build --secret id=npmrc,src=.npmrc`).

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-copy-sensitive-file",
        title: "COPY and ADD must not bring credential files in",
        severity: Severity::High,
        controls: &[Control::Build, Control::Secrets],
        pss: None,
        references: &[Reference {
            source: "Trivy",
            id: "DS-0031",
        }],
        fix: "Mount the file for the one RUN that needs it (`RUN --mount=type=secret,...`) and list it in .dockerignore.",
    },
    check,
    source: include_str!("copy_sensitive_file.rs"),
};

/// What kind of credential a source path names, if any.
pub(crate) fn credential_file(source: &str) -> Option<&'static str> {
    let path = source.trim_end_matches('/').to_ascii_lowercase();
    let name = path.rsplit('/').next().unwrap_or(&path);
    let in_folder = |folder: &str| path.split('/').any(|part| part == folder);
    if name == ".env"
        || (name.starts_with(".env.") && !matches!(&name[5..], "example" | "sample" | "template" | "dist"))
    {
        return Some("an environment file");
    }
    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"].contains(&name)
        || name == ".ssh"
        || in_folder(".ssh") && !name.ends_with(".pub")
    {
        return Some("an SSH private key");
    }
    if [".key", ".p12", ".pfx", ".jks", ".keystore"]
        .iter()
        .any(|ext| name.ends_with(ext))
        || (name.ends_with(".pem") && (name.contains("key") || name.contains("private")))
    {
        return Some("a private key or keystore");
    }
    if name == "kubeconfig" || name.ends_with(".kubeconfig") || (in_folder(".kube") && name == "config") {
        return Some("a kubeconfig");
    }
    if (in_folder(".aws") && name == "credentials")
        || (in_folder(".docker") && name == "config.json")
        || name == ".dockercfg"
    {
        return Some("cloud or registry credentials");
    }
    if [".npmrc", ".pypirc", ".netrc", ".git-credentials"].contains(&name) {
        return Some("package-manager or git credentials");
    }
    if name.ends_with(".tfstate") || name.ends_with(".tfstate.backup") {
        return Some("Terraform state, which holds every secret the infrastructure has");
    }
    None
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in &file.stages {
        for instruction in &stage.instructions {
            let (keyword, sources) = match &instruction.kind {
                Kind::Copy { sources, .. } => ("COPY", sources),
                Kind::Add { sources, .. } => ("ADD", sources),
                _ => continue,
            };
            for source in sources {
                if let Some(kind) = credential_file(source) {
                    out.report(
                        stage,
                        instruction.line,
                        format!("{keyword} {source}"),
                        format!("{keyword} `{source}` puts {kind} into an image layer"),
                    );
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_keys_env_files_and_kubeconfigs() {
        assert_hits(
            &super::RULE,
            "FROM alpine:3.20\nCOPY .env /app/.env\nCOPY id_rsa /root/.ssh/\nADD certs/tls.key /etc/tls/\nCOPY .kube/config /root/.kube/config\nCOPY --from=build /src/.npmrc /root/\nCOPY terraform.tfstate /x/\n",
            &[
                (2, "COPY .env"),
                (3, "COPY id_rsa"),
                (4, "ADD certs/tls.key"),
                (5, "COPY .kube/config"),
                (6, "COPY /src/.npmrc"),
                (7, "COPY terraform.tfstate"),
            ],
        );
    }

    #[test]
    fn quiet_for_examples_public_keys_and_certificates() {
        assert_quiet(
            &super::RULE,
            "FROM alpine:3.20\nCOPY .env.example /app/\nCOPY .ssh/id_rsa.pub /x/\nCOPY certs/ca.pem /etc/ssl/\nCOPY keys.txt /x/\nCOPY . /app\n",
        );
    }
}
