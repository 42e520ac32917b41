//! ## What it checks
//!
//! That every base image comes from a registry the team allows: the same
//! `[kubernetes] allowed-registries` list (or `--allowed-registry`) that
//! the manifests' images are held to, as a host (`registry.example.com`)
//! or a host and path prefix (`ghcr.io/acme`). Without a list, nothing is
//! checked. An image with no registry comes from Docker Hub (`docker.io`).
//!
//! ## Why it matters
//!
//! A base image is code that runs in every container built on it. Pulling
//! it from anywhere means trusting any publisher, typosquats included, and
//! bypassing the scanning and mirroring an internal registry does.
//!
//! ## How to fix
//!
//! Mirror the image into an allowed registry and build from there.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM registry.example.com/mirror/python:3.12-slim
//! ```
//!
//! ## Fix safety
//!
//! Safe when the mirror holds the same digest.

use rampart_core::{Control, ImageRef, Reference, RuleMeta, Severity};

use super::{Reporter, Rule, image_stages};
use crate::engine::DockerfileConfig;
use crate::model::Dockerfile;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-base-image-registry-allowed",
        title: "Base images must come from allowed registries",
        severity: Severity::High,
        controls: &[Control::Build, Control::Images],
        pss: None,
        references: &[Reference {
            source: "hadolint",
            id: "DL3026",
        }],
        fix: "Mirror the base image into an allowed registry and build from there.",
    },
    check,
    source: include_str!("base_image_registry_allowed.rs"),
};

fn check(file: &Dockerfile, config: &DockerfileConfig, out: &mut Reporter) {
    if config.allowed_registries.is_empty() {
        out.nothing_to_judge();
        return;
    }
    for stage in image_stages(file) {
        let from = &stage.from;
        if !from.unresolved.is_empty() {
            continue;
        }
        let image = ImageRef::parse(&from.image);
        if !image.is_from(&config.allowed_registries) {
            out.report(
                stage,
                from.line,
                "FROM",
                format!(
                    "base image `{}` comes from {}, which is not an allowed registry",
                    from.image, image.registry
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::DockerfileConfig;
    use crate::rules::testing::*;

    const FILE: &str = "FROM ghcr.io/acme/base:1 AS a\nFROM ghcr.io/acme-evil/base:1\nFROM python:3.12\nFROM a\n";

    #[test]
    fn fires_outside_the_list() {
        let config = DockerfileConfig {
            allowed_registries: vec!["ghcr.io/acme".to_string()],
            ..DockerfileConfig::default()
        };
        let hits = run_with(&super::RULE, FILE, &config);
        assert_eq!(lines_and_fields(&hits), [(2, "FROM"), (3, "FROM")]);
        assert!(hits[1].message.contains("docker.io"), "{}", hits[1].message);
    }

    #[test]
    fn quiet_without_a_list_or_inside_it() {
        assert_quiet(&super::RULE, FILE);
        let config = DockerfileConfig {
            allowed_registries: vec!["ghcr.io".to_string(), "docker.io".to_string()],
            ..DockerfileConfig::default()
        };
        assert!(run_with(&super::RULE, FILE, &config).is_empty());
    }
}
