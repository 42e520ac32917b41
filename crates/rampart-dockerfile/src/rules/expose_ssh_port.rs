//! ## What it checks
//!
//! `EXPOSE` of port 22 (SSH), alone, with a protocol (`22/tcp`) or inside
//! a range (`20-25`), in the final stage.
//!
//! ## Why it matters
//!
//! An SSH server in a container is a second way in that bypasses the
//! orchestrator's access control and audit (`kubectl exec` is logged and
//! governed by RBAC), with keys or passwords to manage on every replica.
//!
//! ## How to fix
//!
//! Remove the SSH server and the `EXPOSE`; debug with `kubectl exec` or
//! an ephemeral debug container.
//!
//! ## Example
//!
//! ```dockerfile
//! EXPOSE 8080
//! ```
//!
//! ## Fix safety
//!
//! Removing `EXPOSE` alone changes no behaviour (it is documentation);
//! removing the server breaks whoever relied on SSH.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule, final_stage};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-expose-ssh-port",
        title: "The image must not expose SSH (port 22)",
        severity: Severity::Medium,
        controls: &[Control::Build],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_DOCKER_1",
            },
            Reference {
                source: "Trivy",
                id: "DS-0004",
            },
        ],
        fix: "Remove the SSH server and `EXPOSE 22`; use `kubectl exec` or a debug container instead.",
    },
    check,
    source: include_str!("expose_ssh_port.rs"),
};

/// Whether `22`, `22/tcp` or a range such as `20-25/tcp` includes 22.
fn includes_ssh(port: &str) -> bool {
    let number = port.split('/').next().unwrap_or(port).trim();
    match number.split_once('-') {
        Some((low, high)) => match (low.trim().parse::<u32>(), high.trim().parse::<u32>()) {
            (Ok(low), Ok(high)) => (low..=high).contains(&22),
            _ => false,
        },
        None => number.parse::<u32>() == Ok(22),
    }
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    let Some(stage) = final_stage(file) else {
        return;
    };
    for instruction in &stage.instructions {
        let Kind::Expose(ports) = &instruction.kind else {
            continue;
        };
        for port in ports.iter().filter(|port| includes_ssh(port)) {
            out.report(
                stage,
                instruction.line,
                format!("EXPOSE {port}"),
                format!("EXPOSE `{port}` opens SSH (port 22)"),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_22_with_protocols_and_ranges() {
        assert_hits(
            &super::RULE,
            "FROM alpine:3.20\nEXPOSE 80 22/tcp\nEXPOSE 20-25\n",
            &[(2, "EXPOSE 22/tcp"), (3, "EXPOSE 20-25")],
        );
    }

    #[test]
    fn quiet_for_other_ports_and_build_stages() {
        assert_quiet(
            &super::RULE,
            "FROM alpine:3.20 AS build\nEXPOSE 22\nFROM alpine:3.20\nEXPOSE 2222 8022 23-80 $PORT\n",
        );
    }
}
