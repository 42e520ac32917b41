//! ## What it checks
//!
//! That the final stage has a `HEALTHCHECK` (its own, or one inherited
//! from an earlier stage it is built on), and does not turn the base
//! image's off with `HEALTHCHECK NONE`.
//!
//! ## Why it matters
//!
//! Outside Kubernetes (Docker, Compose, Swarm, ECS) the health check is
//! how a hung process is noticed and restarted. Kubernetes ignores it and
//! uses the pod's probes (`liveness-probe-set`, `readiness-probe-set`),
//! which is why this rule is low.
//!
//! ## How to fix
//!
//! Add a `HEALTHCHECK` that exercises the service, or waive the rule for
//! images only Kubernetes runs.
//!
//! ## Example
//!
//! ```dockerfile
//! HEALTHCHECK --interval=30s --timeout=3s CMD ["/app", "healthcheck"]
//! ```
//!
//! ## Fix safety
//!
//! A wrong check restarts healthy containers: test it.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule, base_stage, final_stage};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind, Stage};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-healthcheck-missing",
        title: "The image should declare a HEALTHCHECK",
        severity: Severity::Low,
        controls: &[Control::Build],
        pss: None,
        references: &[
            Reference {
                source: "Checkov",
                id: "CKV_DOCKER_2",
            },
            Reference {
                source: "Trivy",
                id: "DS-0026",
            },
            Reference {
                source: "hadolint",
                id: "DL3057",
            },
        ],
        fix: "Add a HEALTHCHECK that exercises the service (Kubernetes uses probes instead).",
    },
    check,
    source: include_str!("healthcheck_missing.rs"),
};

/// The stage's last HEALTHCHECK, following the stages it is built on:
/// (line, NONE).
fn healthcheck(file: &Dockerfile, stage: &Stage) -> Option<(usize, bool)> {
    let own = stage
        .instructions
        .iter()
        .rev()
        .find_map(|instruction| match instruction.kind {
            Kind::Healthcheck { none } => Some((instruction.line, none)),
            _ => None,
        });
    own.or_else(|| base_stage(file, stage).and_then(|base| healthcheck(file, base)))
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    let Some(stage) = final_stage(file) else {
        return;
    };
    match healthcheck(file, stage) {
        Some((_, false)) => {}
        Some((line, true)) => out.report(
            stage,
            line,
            "HEALTHCHECK",
            "HEALTHCHECK NONE turns the base image's health check off".to_string(),
        ),
        None => out.report(
            stage,
            stage.from.line,
            "FROM",
            "the final stage declares no HEALTHCHECK".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_without_a_check_or_with_none() {
        assert_hits(
            &super::RULE,
            "FROM alpine:3.20 AS a\nHEALTHCHECK CMD true\nFROM alpine:3.20\n",
            &[(3, "FROM")],
        );
        assert_hits(
            &super::RULE,
            "FROM nginx:1.27\nHEALTHCHECK NONE\n",
            &[(2, "HEALTHCHECK")],
        );
    }

    #[test]
    fn quiet_with_a_check_of_its_own_or_inherited() {
        assert_quiet(
            &super::RULE,
            "FROM alpine:3.20\nHEALTHCHECK --interval=5s CMD wget -qO- localhost:8080\n",
        );
        assert_quiet(
            &super::RULE,
            "FROM alpine:3.20 AS base\nHEALTHCHECK CMD true\nFROM base\n",
        );
    }
}
