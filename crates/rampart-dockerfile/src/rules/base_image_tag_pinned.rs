//! ## What it checks
//!
//! That every stage built on an image names a version of it: a tag other
//! than `latest`, or a digest. `FROM node` means `node:latest`. Build
//! arguments are substituted from their defaults (`ARG BASE=node:22` then
//! `FROM ${BASE}`); a base image that depends on an argument with no
//! default cannot be known from the file, and is reported as such (low)
//! rather than passed. Stages built on other stages and `scratch` are not
//! images.
//!
//! ## Why it matters
//!
//! `latest` moves: two builds of the same commit get different bases,
//! a rebuild silently pulls a new major version, and no vulnerability
//! report can say which base an image was built on.
//!
//! ## How to fix
//!
//! Name a version tag, and better also its digest
//! (`dockerfile-base-image-digest-pinned`).
//!
//! ## Example
//!
//! ```dockerfile
//! FROM node:22.11-bookworm-slim
//! ```
//!
//! ## Fix safety
//!
//! Pinning the tag the build resolves today changes nothing; pinning
//! another version is an upgrade to test.

use rampart_core::{Control, ImageRef, Reference, RuleMeta, Severity};

use super::{Reporter, Rule, image_stages};
use crate::engine::DockerfileConfig;
use crate::model::Dockerfile;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-base-image-tag-pinned",
        title: "Base images must name a version, not latest or none",
        severity: Severity::Medium,
        controls: &[Control::Build, Control::Images],
        pss: None,
        references: &[
            Reference {
                source: "hadolint",
                id: "DL3006",
            },
            Reference {
                source: "hadolint",
                id: "DL3007",
            },
            Reference {
                source: "Checkov",
                id: "CKV_DOCKER_7",
            },
            Reference {
                source: "Trivy",
                id: "DS-0001",
            },
        ],
        fix: "Name a version tag for the base image (`FROM node:22.11-slim`), better with its digest.",
    },
    check,
    source: include_str!("base_image_tag_pinned.rs"),
};

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in image_stages(file) {
        let from = &stage.from;
        if !from.unresolved.is_empty() {
            out.report_with_severity(
                Severity::Low,
                stage,
                from.line,
                "FROM",
                format!(
                    "could not evaluate: the base image `{}` depends on build argument(s) {} with no default",
                    from.written,
                    from.unresolved.join(", ")
                ),
            );
            continue;
        }
        let image = ImageRef::parse(&from.image);
        if image.digest.is_some() {
            continue;
        }
        let message = match image.tag {
            None => format!("base image `{}` has no tag, so the build uses `latest`", from.image),
            Some(tag) if tag.eq_ignore_ascii_case("latest") => {
                format!("base image `{}` uses the `latest` tag", from.image)
            }
            Some(_) => continue,
        };
        out.report(stage, from.line, "FROM", message);
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_latest_untagged_registry_ports_and_unknown_arguments() {
        assert_hits(
            &super::RULE,
            "FROM node AS a\nFROM localhost:5000/base\nFROM python:latest\nARG BASE\nFROM ${BASE}\n",
            &[(1, "FROM"), (2, "FROM"), (3, "FROM"), (5, "FROM")],
        );
    }

    #[test]
    fn quiet_for_versions_digests_arguments_stages_and_scratch() {
        assert_quiet(
            &super::RULE,
            "ARG BASE=golang:1.23\nFROM ${BASE} AS build\nFROM build AS test\nFROM registry.example.com:443/team/app:2\nFROM app@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nFROM scratch\n",
        );
    }
}
