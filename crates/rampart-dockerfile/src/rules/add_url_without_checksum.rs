//! ## What it checks
//!
//! `ADD` of an `http://` or `https://` URL without `--checksum=sha256:…`.
//! `ADD` of local files is a style matter (hadolint DL3020) and not
//! reported; Checkov's CKV_DOCKER_4 reports every `ADD`.
//!
//! ## Why it matters
//!
//! Whatever the server returns at build time goes into the image: a
//! compromised or changed download is built in with no error, and two
//! builds of the same commit differ.
//!
//! ## How to fix
//!
//! Give the expected digest with `ADD --checksum=sha256:…` (BuildKit,
//! Dockerfile 1.6+), or download in a `RUN` that verifies it.
//!
//! ## Example
//!
//! ```dockerfile
//! ADD --checksum=sha256:24454f830cdd… https://example.com/tool.tar.gz /tmp/
//! ```
//!
//! ## Fix safety
//!
//! Safe: the build fails only when the file is not the one expected.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-add-url-without-checksum",
        title: "ADD from a URL must verify a checksum",
        severity: Severity::Medium,
        controls: &[Control::Build],
        pss: None,
        references: &[Reference {
            source: "Checkov",
            id: "CKV_DOCKER_4",
        }],
        fix: "Add `--checksum=sha256:<digest>` to the ADD, or download and verify in a RUN.",
    },
    check,
    source: include_str!("add_url_without_checksum.rs"),
};

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in &file.stages {
        for instruction in &stage.instructions {
            let Kind::Add { sources, checksum } = &instruction.kind else {
                continue;
            };
            if checksum.as_deref().is_some_and(|sum| !sum.is_empty()) {
                continue;
            }
            for source in sources {
                let lower = source.to_ascii_lowercase();
                if lower.starts_with("http://") || lower.starts_with("https://") {
                    out.report(
                        stage,
                        instruction.line,
                        format!("ADD {source}"),
                        format!("ADD downloads `{source}` without --checksum, so any content is built in"),
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
    fn fires_on_urls_without_checksum() {
        assert_hits(
            &super::RULE,
            "FROM alpine:3.20\nADD https://example.com/tool.zip /tmp/\nADD --chown=1:1 HTTP://example.com/x /x\n",
            &[(2, "ADD https://example.com/tool.zip"), (3, "ADD HTTP://example.com/x")],
        );
    }

    #[test]
    fn quiet_with_checksums_and_local_files() {
        assert_quiet(
            &super::RULE,
            "FROM alpine:3.20\nADD --checksum=sha256:24454f830cdd https://example.com/tool.zip /tmp/\nADD app.tar.gz /app/\n",
        );
    }
}
