//! ## What it checks
//!
//! That every stage built on an image pins it by digest
//! (`image:tag@sha256:…`). Stages built on other stages and `scratch` are
//! not images; a base image that depends on a build argument with no
//! default is reported by `dockerfile-base-image-tag-pinned`.
//!
//! ## Why it matters
//!
//! A tag is a pointer its owner can move: the same Dockerfile builds on
//! different bytes tomorrow, and a compromised registry account can swap
//! what a release tag names. A digest is the content itself, so the build
//! is reproducible and what was scanned is what ships.
//!
//! ## How to fix
//!
//! Keep the tag for readability and add the digest it names today (`docker
//! buildx imagetools inspect node:22.11-slim` prints it); let a bot such
//! as Renovate update both.
//!
//! ## Example
//!
//! ```dockerfile
//! FROM node:22.11-slim@sha256:4c1e…
//! ```
//!
//! ## Fix safety
//!
//! Safe: the digest the tag names today builds the same image.

use rampart_core::{Control, ImageRef, RuleMeta, Severity};

use super::{Reporter, Rule, image_stages};
use crate::engine::DockerfileConfig;
use crate::model::Dockerfile;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-base-image-digest-pinned",
        title: "Base images must be pinned by digest",
        severity: Severity::Medium,
        controls: &[Control::Build, Control::Images],
        pss: None,
        references: &[],
        fix: "Add the digest the tag names today: `FROM image:tag@sha256:...`.",
    },
    check,
    source: include_str!("base_image_digest_pinned.rs"),
};

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in image_stages(file) {
        let from = &stage.from;
        if !from.unresolved.is_empty() || ImageRef::parse(&from.image).has_valid_digest() {
            continue;
        }
        out.report(
            stage,
            from.line,
            "FROM",
            format!("base image `{}` is not pinned by digest", from.image),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_tags_without_digest() {
        assert_hits(
            &super::RULE,
            "FROM golang:1.23 AS build\nFROM build\nFROM alpine:3.20\n",
            &[(1, "FROM"), (3, "FROM")],
        );
    }

    #[test]
    fn quiet_for_digests_stages_and_scratch() {
        assert_quiet(
            &super::RULE,
            "FROM golang:1.23@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS build\nFROM build\nFROM scratch\n",
        );
    }
}
