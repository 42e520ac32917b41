//! The Dockerfile engine: `Dockerfile`, `Containerfile`, `*.dockerfile`
//! and `Dockerfile.*` read into stages and instructions ([`model`]), the
//! `RUN` lines read as shell ([`shell`]), and the build rules ([`rules`],
//! one file each) run over them by [`check`]. Waivers are comments:
//! `# rampart:ignore=<rule> <reason>`, hadolint's `# hadolint ignore=DL…`
//! and Checkov's `#checkov:skip=CKV_DOCKER_…:<reason>`, mapped to our ids.

pub mod engine;
pub mod model;
pub mod rules;
pub mod shell;
pub mod waivers;

pub use engine::{Checked, DockerfileConfig, check, is_dockerfile};
pub use rules::Rule;
