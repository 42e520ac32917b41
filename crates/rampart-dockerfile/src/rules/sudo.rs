//! ## What it checks
//!
//! `RUN` lines (heredoc bodies included) that run `sudo`.
//!
//! ## Why it matters
//!
//! `sudo` in an image means a user who can become root at run time, with
//! the `sudo` binary and its configuration shipped to every container;
//! during the build it is never needed, since `USER root` does the same
//! visibly and only for the instructions that need it.
//!
//! ## How to fix
//!
//! Switch to `USER root` for the instructions that need it and back to the
//! unprivileged user after; at run time, use `gosu` or `su-exec` in an
//! entrypoint if the process must drop privileges itself.
//!
//! ## Example
//!
//! ```dockerfile
//! USER root
//! RUN apt-get update && apt-get install -y --no-install-recommends curl
//! USER 10001
//! ```
//!
//! ## Fix safety
//!
//! Safe for the build; an entrypoint that calls `sudo` needs rewriting.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};
use crate::shell::commands;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-sudo",
        title: "RUN must not use sudo",
        severity: Severity::Medium,
        controls: &[Control::Build],
        pss: None,
        references: &[
            Reference {
                source: "hadolint",
                id: "DL3004",
            },
            Reference {
                source: "Checkov",
                id: "CKV2_DOCKER_1",
            },
            Reference {
                source: "Trivy",
                id: "DS-0010",
            },
        ],
        fix: "Use `USER root` around the instructions that need it, and `gosu`/`su-exec` at run time.",
    },
    check,
    source: include_str!("sudo.rs"),
};

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    for stage in &file.stages {
        for instruction in &stage.instructions {
            let Kind::Run { script, .. } = &instruction.kind else {
                continue;
            };
            if commands(script).any(|command| command.program() == "sudo") {
                out.report(stage, instruction.line, "RUN", "RUN uses `sudo`".to_string());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_sudo_anywhere_in_the_command() {
        assert_hits(
            &super::RULE,
            "FROM ubuntu:24.04\nRUN apt-get update && sudo apt-get install -y curl\nRUN <<EOT\nsudo true\nEOT\n",
            &[(2, "RUN"), (3, "RUN")],
        );
    }

    #[test]
    fn quiet_when_sudo_is_only_a_word() {
        assert_quiet(
            &super::RULE,
            "FROM ubuntu:24.04\nRUN apt-get purge -y sudo && echo 'no sudo here' && rm -f /etc/sudoers.d/x\n",
        );
    }
}
