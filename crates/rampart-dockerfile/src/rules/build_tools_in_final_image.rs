//! ## What it checks
//!
//! Single-stage Dockerfiles whose image keeps its build toolchain: built
//! on a toolchain image (`golang`, `rust`, `maven`, `gradle`, `gcc`, a
//! JDK, the .NET SDK, `buildpack-deps`) or installing compilers and build
//! tools with the package manager (`build-essential`, `gcc`, `g++`,
//! `make`, `cmake`, `clang`, `build-base`, `cargo`, `golang`, a JDK…).
//! Multi-stage files are left alone: their final stage is the team's
//! choice of runtime.
//!
//! ## Why it matters
//!
//! Compilers, headers and package caches are hundreds of megabytes of
//! code the application never runs: more vulnerabilities to patch, and a
//! ready workshop for an attacker who gets a shell.
//!
//! ## How to fix
//!
//! Build in one stage and copy only the result into a minimal runtime
//! stage (distroless, `-slim`, `alpine`, `scratch`).
//!
//! ## Example
//!
//! ```dockerfile
//! FROM golang:1.23 AS build
//! RUN go build -o /app .
//! FROM gcr.io/distroless/static:nonroot
//! COPY --from=build /app /app
//! ```
//!
//! ## Fix safety
//!
//! Needs testing: the runtime image must still hold the shared libraries
//! and files the application loads.

use rampart_core::{Control, ImageRef, RuleMeta, Severity};

use super::{Reporter, Rule};
use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Kind};
use crate::shell::commands;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "dockerfile-build-tools-in-final-image",
        title: "Single-stage images must not ship their build tools",
        severity: Severity::Low,
        controls: &[Control::Build],
        pss: None,
        references: &[],
        fix: "Build in a first stage and COPY --from it only the result into a minimal runtime stage.",
    },
    check,
    source: include_str!("build_tools_in_final_image.rs"),
};

const TOOLCHAIN_PACKAGES: &[&str] = &[
    "build-essential",
    "build-base",
    "alpine-sdk",
    "gcc",
    "g++",
    "gcc-c++",
    "clang",
    "make",
    "cmake",
    "autoconf",
    "automake",
    "libtool",
    "cargo",
    "rustc",
    "golang",
    "golang-go",
    "go",
    "maven",
    "gradle",
    "default-jdk",
];

fn toolchain_image(image: &str) -> bool {
    let reference = ImageRef::parse(image);
    let name = reference.repository.rsplit('/').next().unwrap_or("");
    let tag = reference.tag.unwrap_or("").to_ascii_lowercase();
    matches!(
        name,
        "golang" | "rust" | "maven" | "gradle" | "gcc" | "buildpack-deps" | "openjdk" | "amazoncorretto"
    ) || reference.repository.ends_with("dotnet/sdk")
        || (matches!(name, "eclipse-temurin" | "sapmachine" | "ibm-semeru-runtimes") && tag.contains("jdk"))
}

/// Toolchain packages an install command names.
fn installed_toolchain(script: &str) -> Option<String> {
    for command in commands(script) {
        let command = command.unwrapped();
        let installs = match command.program() {
            "apt-get" | "apt" | "yum" | "dnf" | "microdnf" | "zypper" => command
                .args()
                .iter()
                .any(|arg| arg == "install" || arg == "groupinstall"),
            "apk" => command.args().iter().any(|arg| arg == "add"),
            _ => false,
        };
        if !installs {
            continue;
        }
        let found = command.args().iter().find_map(|arg| {
            let name = arg.split('=').next().unwrap_or(arg);
            (TOOLCHAIN_PACKAGES.contains(&name) || (name.starts_with("openjdk-") && name.ends_with("-jdk")))
                .then(|| name.to_string())
        });
        if found.is_some() {
            return found;
        }
    }
    None
}

fn check(file: &Dockerfile, _config: &DockerfileConfig, out: &mut Reporter) {
    let [stage] = file.stages.as_slice() else {
        return;
    };
    if stage.from.unresolved.is_empty() && toolchain_image(&stage.from.image) {
        out.report(
            stage,
            stage.from.line,
            "FROM",
            format!(
                "the image is built on the toolchain image `{}` and has no runtime stage",
                stage.from.image
            ),
        );
        return;
    }
    for instruction in &stage.instructions {
        if let Kind::Run { script, .. } = &instruction.kind
            && let Some(package) = installed_toolchain(script)
        {
            out.report(
                stage,
                instruction.line,
                "RUN",
                format!("RUN installs `{package}` into the only stage, so the image ships it"),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rules::testing::*;

    #[test]
    fn fires_on_toolchain_bases_and_installed_compilers() {
        assert_hits(
            &super::RULE,
            "FROM golang:1.23\nRUN go build -o /app .\n",
            &[(1, "FROM")],
        );
        assert_hits(
            &super::RULE,
            "FROM python:3.12-slim\nRUN apt-get update && apt-get install -y --no-install-recommends build-essential=12.9\n",
            &[(2, "RUN")],
        );
        assert_hits(
            &super::RULE,
            "FROM eclipse-temurin:21-jdk\nCOPY app.jar /\n",
            &[(1, "FROM")],
        );
    }

    #[test]
    fn quiet_for_multi_stage_and_runtime_images() {
        assert_quiet(
            &super::RULE,
            "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM alpine:3.20\nRUN apk add --no-cache make\n",
        );
        assert_quiet(
            &super::RULE,
            "FROM eclipse-temurin:21-jre\nRUN apt-get install -y curl && echo gcc\n",
        );
    }
}
