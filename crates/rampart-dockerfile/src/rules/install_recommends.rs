//! ## What it checks
//!
//! `apt-get install` (and `apt install`) without
//! `--no-install-recommends` (or `-o APT::Install-Recommends=false`), in
//! the final stage.
//!
//! ## Why it matters
//!
//! Debian and Ubuntu install every "recommended" package by default:
//! often tens of extra packages the application never uses, each one more
//! code to patch and to scan.
//!
//! ## How to fix
//!
//! Add `--no-install-recommends`, and name the few recommended packages
//! the application does need.
//!
//! ## Example
//!
//! ```dockerfile
//! RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl \
//!  && rm -rf /var/lib/apt/lists/*
//! ```
//!
//! ## Fix safety
//!
//! Can remove a package the application needed implicitly: test the image.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule, final_stage};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};
use crate::shell::commands;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-install-recommends",
        title: "apt-get install should use --no-install-recommends",
        severity: Severity::Low,
        controls: &[Control::Build],
        pss: None,
        references: &[
            Reference {
                source: "hadolint",
                id: "DL3015",
            },
            Reference {
                source: "Trivy",
                id: "DS-0029",
            },
        ],
        fix: "Add `--no-install-recommends` to `apt-get install`.",
    },
    check,
    source: include_str!("install_recommends.rs"),
};

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    let Some(stage) = final_stage(file) else {
        return;
    };
    for instruction in &stage.instructions {
        let Kind::Run { script, .. } = &instruction.kind else {
            continue;
        };
        let installs_recommends = commands(script).map(|command| command.unwrapped()).any(|command| {
            let args = command.args();
            matches!(command.program(), "apt-get" | "apt")
                && args.iter().any(|arg| arg == "install")
                && !args.iter().any(|arg| {
                    arg == "--no-install-recommends" || arg.to_ascii_lowercase().contains("install-recommends=false")
                })
        });
        if installs_recommends {
            out.report(
                stage,
                instruction.line,
                "RUN",
                "apt-get install without --no-install-recommends also installs every recommended package".to_string(),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_plain_installs() {
        assert_hits(
            &super::RULE,
            "FROM debian:12\nRUN apt-get update && apt-get install -y curl\nRUN sudo apt install -y git\n",
            &[(2, "RUN"), (3, "RUN")],
        );
    }

    #[test]
    fn quiet_with_the_flag_or_in_build_stages() {
        assert_quiet(
            &super::RULE,
            "FROM debian:12 AS build\nRUN apt-get install -y gcc\nFROM debian:12\nRUN apt-get install -y --no-install-recommends curl && apt-get -o APT::Install-Recommends=false install x\n",
        );
    }
}
