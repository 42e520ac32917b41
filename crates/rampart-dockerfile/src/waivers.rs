//! Waiver comments in a Dockerfile, ours and the peers', as
//! [`InlineWaiver`]s for the pipeline to apply.
//!
//! - `# rampart:ignore=<rule>[,<rule>] <reason>`: the next instruction.
//! - `# hadolint ignore=DL3002,DL3008`: the next instruction;
//!   `# hadolint global ignore=…`: the whole file (as hadolint reads them).
//! - `#checkov:skip=CKV_DOCKER_3:<reason>`: the whole file (Checkov's
//!   Dockerfile checks judge the file, wherever the comment is).
//!
//! A peer id maps to every rule of ours that names it in its references;
//! a peer id no rule of ours answers for waives nothing.

use rampart_core::{InlineWaiver, WaiverScope};

use crate::model::Dockerfile;
use crate::rules;

const OURS: &str = "rampart:ignore=";

/// Every waiver comment of the file.
pub fn read(file: &Dockerfile) -> Vec<InlineWaiver> {
    let mut waivers = Vec::new();
    for (line, comment) in &file.comments {
        let next = || WaiverScope::Lines(next_instruction(file, *line), next_instruction(file, *line));
        let waiver = |rules: Vec<String>, reason: Option<String>, scope, ours| InlineWaiver {
            rules,
            reason,
            annotation: format!("# {comment}"),
            path: file.path.clone(),
            line: *line,
            scope,
            ours,
        };
        if let Some(rest) = comment.strip_prefix(OURS) {
            let (ids, reason) = split_reason(rest);
            let ids = ids
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(String::from)
                .collect();
            waivers.push(waiver(ids, reason, next(), true));
        } else if let Some(rest) = hadolint(comment) {
            let (global, ids) = rest;
            let scope = if global { WaiverScope::File } else { next() };
            let ours = mapped("hadolint", ids.split(',').map(str::trim));
            if !ours.is_empty() {
                waivers.push(waiver(ours, None, scope, false));
            }
        } else if let Some(rest) = comment.strip_prefix("checkov:skip=") {
            let (id, reason) = match rest.split_once(':') {
                Some((id, reason)) => (id.trim(), Some(reason.trim().to_string()).filter(|r| !r.is_empty())),
                None => (rest.trim(), None),
            };
            let ours = mapped("Checkov", std::iter::once(id));
            if !ours.is_empty() {
                waivers.push(waiver(ours, reason, WaiverScope::File, false));
            }
        }
    }
    waivers
}

/// `hadolint ignore=…` or `hadolint global ignore=…`: (global, ids).
fn hadolint(comment: &str) -> Option<(bool, &str)> {
    let rest = comment.strip_prefix("hadolint")?.trim_start();
    if let Some(ids) = rest.strip_prefix("global") {
        return ids.trim_start().strip_prefix("ignore=").map(|ids| (true, ids.trim()));
    }
    rest.strip_prefix("ignore=").map(|ids| (false, ids.trim()))
}

/// `rule-a,rule-b reason words`.
fn split_reason(rest: &str) -> (&str, Option<String>) {
    match rest.split_once(char::is_whitespace) {
        Some((ids, reason)) => (ids, Some(reason.trim().to_string()).filter(|r| !r.is_empty())),
        None => (rest, None),
    }
}

/// Our rule ids for a peer's.
fn mapped<'a>(source: &str, ids: impl Iterator<Item = &'a str>) -> Vec<String> {
    let ids: Vec<&str> = ids.collect();
    rules::all()
        .iter()
        .filter(|rule| rule.peer_ids(source).any(|peer| ids.contains(&peer)))
        .map(|rule| rule.meta.id.to_string())
        .collect()
}

/// The line of the first instruction after a comment line: where a
/// next-line waiver applies.
fn next_instruction(file: &Dockerfile, comment_line: usize) -> usize {
    let lines = file
        .stages
        .iter()
        .flat_map(|stage| std::iter::once(stage.from.line).chain(stage.instructions.iter().map(|i| i.line)));
    lines.filter(|line| *line > comment_line).min().unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::parse;

    #[test]
    fn ours_hadolints_and_checkovs() {
        let file = parse(
            "Dockerfile",
            b"#checkov:skip=CKV_DOCKER_2:probes in Kubernetes\nFROM alpine:3.20\n# hadolint ignore=DL3002\n\nUSER root\n# rampart:ignore=dockerfile-sudo,dockerfile-pipe-to-shell vendor installer\nRUN sudo true\n# hadolint global ignore=DL3007\n",
        );
        let waivers = read(&file);
        let summary: Vec<(Vec<String>, WaiverScope, bool)> =
            waivers.iter().map(|w| (w.rules.clone(), w.scope, w.ours)).collect();
        assert_eq!(
            summary,
            [
                (
                    vec!["dockerfile-healthcheck-missing".to_string()],
                    WaiverScope::File,
                    false
                ),
                (
                    vec!["dockerfile-runs-as-root".to_string()],
                    WaiverScope::Lines(5, 5),
                    false
                ),
                (
                    vec!["dockerfile-sudo".to_string(), "dockerfile-pipe-to-shell".to_string()],
                    WaiverScope::Lines(7, 7),
                    true
                ),
                (
                    vec!["dockerfile-base-image-tag-pinned".to_string()],
                    WaiverScope::File,
                    false
                ),
            ]
        );
        assert_eq!(waivers[0].reason.as_deref(), Some("probes in Kubernetes"));
        assert_eq!(waivers[2].reason.as_deref(), Some("vendor installer"));
    }
}
