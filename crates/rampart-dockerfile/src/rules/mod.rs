//! The Dockerfile rules, one file each, and the registry that lists them.
//!
//! A rule file opens with its documentation (`//!`: *What it checks*,
//! *Why it matters*, *How to fix*, *Example*, *Fix safety*), declares
//! `pub static RULE: Rule` and its check, then its tests: a Dockerfile
//! where it fires and one where it must stay quiet.

mod add_url_without_checksum;
mod base_image_digest_pinned;
mod base_image_registry_allowed;
mod base_image_tag_pinned;
mod build_tools_in_final_image;
mod copy_sensitive_file;
mod expose_ssh_port;
mod healthcheck_missing;
mod install_recommends;
mod pipe_to_shell;
mod runs_as_root;
mod secret_in_env_or_arg;
mod sudo;
mod tls_verification_off;

use rampart_core::{RuleMeta, Severity};

use crate::engine::DockerfileConfig;
use crate::model::{Dockerfile, Stage};

pub struct Rule {
    pub meta: RuleMeta,
    pub check: fn(&Dockerfile, &DockerfileConfig, &mut Reporter),
    /// The rule's source file, whose `//!` comment is its documentation.
    pub source: &'static str,
}

impl Rule {
    /// The rule's documentation, from the `//!` comment of its file.
    pub fn doc(&self) -> &'static str {
        rampart_core::rule_doc(self.meta.id, self.source)
    }

    /// The peer tool ids this rule answers for, to map their waivers:
    /// `source` is `hadolint`, `Checkov` or `Trivy`.
    pub fn peer_ids(&self, source: &str) -> impl Iterator<Item = &'static str> {
        self.meta
            .references
            .iter()
            .filter(move |reference| reference.source == source)
            .map(|reference| reference.id)
    }
}

/// Every Dockerfile rule.
pub fn all() -> &'static [&'static Rule] {
    ALL
}

static ALL: &[&Rule] = &[
    &base_image_tag_pinned::RULE,
    &base_image_digest_pinned::RULE,
    &base_image_registry_allowed::RULE,
    &runs_as_root::RULE,
    &secret_in_env_or_arg::RULE,
    &copy_sensitive_file::RULE,
    &add_url_without_checksum::RULE,
    &pipe_to_shell::RULE,
    &sudo::RULE,
    &tls_verification_off::RULE,
    &expose_ssh_port::RULE,
    &build_tools_in_final_image::RULE,
    &healthcheck_missing::RULE,
    &install_recommends::RULE,
];

pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|rule| rule.meta.id == id)
}

/// What a rule reports: a line, the instruction (`field`), the stage, and
/// why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub line: usize,
    pub field: String,
    /// The stage's label (`build`, `stage 1`).
    pub stage: String,
    pub message: String,
    /// When it differs from the rule's.
    pub severity: Option<Severity>,
}

/// Collects a rule's hits.
#[derive(Default)]
pub struct Reporter {
    pub hits: Vec<Hit>,
    /// The rule had nothing to judge the file by (a list it checks against is not
    /// configured): the file does not count as judged by it.
    pub nothing_to_judge: bool,
}

impl Reporter {
    /// Says the rule could not judge this file (its setting is not configured).
    pub fn nothing_to_judge(&mut self) {
        self.nothing_to_judge = true;
    }

    pub fn report(&mut self, stage: &Stage, line: usize, field: impl Into<String>, message: String) {
        self.hits.push(Hit {
            line,
            field: field.into(),
            stage: stage.label(),
            message,
            severity: None,
        });
    }

    pub fn report_with_severity(
        &mut self,
        severity: Severity,
        stage: &Stage,
        line: usize,
        field: impl Into<String>,
        message: String,
    ) {
        self.report(stage, line, field, message);
        if let Some(hit) = self.hits.last_mut() {
            hit.severity = Some(severity);
        }
    }
}

/// The stage the image runs: the last one (a `--target` build picks
/// another; the file does not say which).
pub fn final_stage(file: &Dockerfile) -> Option<&Stage> {
    file.stages.last()
}

/// Whether a stage's base is an earlier stage of the same file.
pub fn base_stage<'a>(file: &'a Dockerfile, stage: &Stage) -> Option<&'a Stage> {
    file.stages[..stage.index].iter().rev().find(|earlier| {
        earlier
            .name
            .as_deref()
            .is_some_and(|name| name.eq_ignore_ascii_case(&stage.from.image))
    })
}

/// The stages built on an image (not on another stage, not `scratch`).
pub fn image_stages(file: &Dockerfile) -> impl Iterator<Item = &Stage> {
    file.stages
        .iter()
        .filter(|stage| base_stage(file, stage).is_none() && !stage.from.image.eq_ignore_ascii_case("scratch"))
}

#[cfg(test)]
pub(crate) mod testing {
    use super::{Hit, Rule};
    use crate::engine::DockerfileConfig;

    /// The rule's hits over `text`, as (line, field).
    pub fn run(rule: &Rule, text: &str) -> Vec<Hit> {
        run_with(rule, text, &DockerfileConfig::default())
    }

    pub fn run_with(rule: &Rule, text: &str, config: &DockerfileConfig) -> Vec<Hit> {
        let file = crate::model::parse("Dockerfile", text.as_bytes());
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        let mut reporter = super::Reporter::default();
        (rule.check)(&file, config, &mut reporter);
        reporter.hits
    }

    pub fn lines_and_fields(hits: &[Hit]) -> Vec<(usize, &str)> {
        hits.iter().map(|hit| (hit.line, hit.field.as_str())).collect()
    }

    pub fn assert_hits(rule: &Rule, text: &str, expected: &[(usize, &str)]) {
        let hits = run(rule, text);
        assert_eq!(lines_and_fields(&hits), expected, "{hits:#?}");
    }

    pub fn assert_quiet(rule: &Rule, text: &str) {
        let hits = run(rule, text);
        assert!(hits.is_empty(), "{} fired: {hits:#?}", rule.meta.id);
    }
}
