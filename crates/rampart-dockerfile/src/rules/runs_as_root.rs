//! ## What it checks
//!
//! That the image's final stage (the last `FROM`) runs as a user other
//! than root. Its user is its last `USER` (`root`, `0`, `root:group` and
//! `0:0` are root, build arguments substituted); a stage with no `USER`
//! runs as whatever its base runs as: the earlier stage it is built on,
//! root for `scratch`, and for an image root unless its tag says
//! otherwise (`nonroot`, as distroless's). Earlier stages are build
//! environments and may use root.
//!
//! ## Why it matters
//!
//! A process that runs as root in its container is root on the host's
//! kernel: one container escape or a writable host mount away from the
//! node. Kubernetes' `runAsNonRoot` refuses such images at start, so the
//! fix belongs in the image.
//!
//! ## How to fix
//!
//! Create a user and end the final stage with `USER` naming it, by number
//! (Kubernetes can only verify a numeric user is not root).
//!
//! ## Example
//!
//! ```dockerfile
//! FROM gcr.io/distroless/static:nonroot
//! COPY --from=build /app /app
//! USER 65532:65532
//! ```
//!
//! ## Fix safety
//!
//! Can break the image: files the process writes must belong to the user,
//! and ports below 1024 need a capability.

use rampart_core::{Control, Reference, RuleMeta, Severity};

use super::{Reporter, Rule, base_stage, final_stage};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind, Stage};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-runs-as-root",
        title: "The final stage must not run as root",
        severity: Severity::High,
        controls: &[Control::Build],
        pss: None,
        references: &[
            Reference {
                source: "hadolint",
                id: "DL3002",
            },
            Reference {
                source: "Checkov",
                id: "CKV_DOCKER_3",
            },
            Reference {
                source: "Checkov",
                id: "CKV_DOCKER_8",
            },
            Reference {
                source: "Trivy",
                id: "DS-0002",
            },
        ],
        fix: "End the final stage with `USER` naming an unprivileged user by number, e.g. `USER 10001:10001`.",
    },
    check,
    source: include_str!("runs_as_root.rs"),
};

/// Who a stage runs as.
enum RunsAs<'a> {
    /// A `USER` instruction: (line, user).
    Set(usize, &'a str),
    /// Inherited from an image, named.
    Image(&'a str),
    Scratch,
}

fn runs_as<'a>(file: &'a Dockerfile, stage: &'a Stage) -> RunsAs<'a> {
    let last_user = stage
        .instructions
        .iter()
        .rev()
        .find_map(|instruction| match &instruction.kind {
            Kind::User(user) => Some((instruction.line, user.as_str())),
            _ => None,
        });
    if let Some((line, user)) = last_user {
        return RunsAs::Set(line, user);
    }
    if let Some(base) = base_stage(file, stage) {
        return runs_as(file, base);
    }
    if stage.from.image.eq_ignore_ascii_case("scratch") {
        return RunsAs::Scratch;
    }
    RunsAs::Image(&stage.from.image)
}

fn is_root(user: &str) -> bool {
    let name = user.split(':').next().unwrap_or(user).trim();
    name == "root" || name == "0"
}

/// Images whose tag says they run as an unprivileged user.
fn image_runs_unprivileged(image: &str) -> bool {
    let tag = image.rsplit_once(':').map_or("", |(_, tag)| tag).to_ascii_lowercase();
    tag.contains("nonroot") || tag.contains("non-root") || tag.contains("rootless")
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    let Some(stage) = final_stage(file) else {
        return;
    };
    match runs_as(file, stage) {
        RunsAs::Set(line, user) if is_root(user) => {
            out.report(
                stage,
                line,
                "USER",
                format!("the final stage runs as `{user}`, which is root"),
            );
        }
        RunsAs::Set(..) => {}
        RunsAs::Scratch => out.report(
            stage,
            stage.from.line,
            "FROM",
            "the final stage is built on `scratch` and sets no USER, so it runs as root".to_string(),
        ),
        RunsAs::Image(image) if image_runs_unprivileged(image) => {}
        RunsAs::Image(image) => out.report(
            stage,
            stage.from.line,
            "FROM",
            format!(
                "the final stage sets no USER, so it runs as the user of `{image}`: root unless that image sets another"
            ),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_explicit_root_and_on_no_user() {
        assert_hits(
            &super::RULE,
            "FROM alpine:3.20\nUSER 10001\nUSER root:root\n",
            &[(3, "USER")],
        );
        assert_hits(&super::RULE, "FROM alpine:3.20\nARG U=0\nUSER $U:0\n", &[(3, "USER")]);
        // The builder's user does not carry over to the final stage.
        assert_hits(
            &super::RULE,
            "FROM golang:1.23 AS build\nUSER 1000\nFROM debian:12-slim\nCOPY --from=build /app /app\n",
            &[(3, "FROM")],
        );
        assert_hits(&super::RULE, "FROM scratch\nCOPY app /app\n", &[(1, "FROM")]);
    }

    #[test]
    fn quiet_for_unprivileged_final_stages() {
        assert_quiet(
            &super::RULE,
            "FROM golang:1.23 AS build\nUSER root\nFROM alpine:3.20\nUSER 10001:10001\n",
        );
        assert_quiet(&super::RULE, "FROM gcr.io/distroless/static:nonroot\nCOPY app /app\n");
        assert_quiet(
            &super::RULE,
            "FROM alpine:3.20 AS base\nUSER app\nFROM base\nCOPY x /x\n",
        );
    }
}
