//! Waiver comments in Terraform, ours and the peers', as
//! [`InlineWaiver`]s over the lines of the block they sit in:
//!
//! - `# rampart:ignore=<rule>[,<rule>] <reason>` inside a resource block
//!   (or on the line before it): that resource;
//! - Checkov's `#checkov:skip=CKV_AWS_20:<reason>` inside a block;
//! - tfsec's `#tfsec:ignore:aws-ec2-no-public-ingress-sgr` and Trivy's
//!   `#trivy:ignore:AVD-AWS-0107` on the line before a block or an
//!   attribute (or at its end).
//!
//! A peer id maps to every rule of ours that names it; one no rule of
//! ours answers for waives nothing.

use std::sync::Arc;

use rampart_core::{InlineWaiver, WaiverScope};

use crate::resource::Resource;
use crate::rules;

/// Every waiver comment of the files.
pub fn read(comments: &[(Arc<str>, usize, String)], resources: &[Resource]) -> Vec<InlineWaiver> {
    let mut waivers = Vec::new();
    for (path, line, comment) in comments {
        // The block the comment is in, or the one that starts on the next
        // line.
        let block = resources
            .iter()
            .filter(|resource| resource.path == *path)
            .find(|resource| (resource.line..=resource.end_line).contains(line) || resource.line == line + 1)
            .map(|resource| WaiverScope::Lines(resource.line, resource.end_line));
        let waiver = |rules: Vec<String>, reason: Option<String>, scope: WaiverScope, ours: bool| InlineWaiver {
            rules,
            reason,
            annotation: format!("# {comment}"),
            path: path.clone(),
            line: *line,
            scope,
            ours,
        };
        if let Some(rest) = comment.strip_prefix("rampart:ignore=") {
            let (ids, reason) = match rest.split_once(char::is_whitespace) {
                Some((ids, reason)) => (ids, Some(reason.trim().to_string()).filter(|r| !r.is_empty())),
                None => (rest, None),
            };
            let ids = ids
                .split(',')
                .map(str::trim)
                .filter(|id| !id.is_empty())
                .map(String::from)
                .collect();
            waivers.push(waiver(
                ids,
                reason,
                block.unwrap_or(WaiverScope::Lines(*line, line + 1)),
                true,
            ));
        } else if let Some(rest) = comment.strip_prefix("checkov:skip=") {
            let (id, reason) = match rest.split_once(':') {
                Some((id, reason)) => (id.trim(), Some(reason.trim().to_string()).filter(|r| !r.is_empty())),
                None => (rest.trim(), None),
            };
            let ours = mapped(&["Checkov"], id);
            if !ours.is_empty() {
                waivers.push(waiver(
                    ours,
                    reason,
                    block.unwrap_or(WaiverScope::Lines(*line, line + 1)),
                    false,
                ));
            }
        } else if let Some(rest) = comment
            .strip_prefix("tfsec:ignore:")
            .or_else(|| comment.strip_prefix("trivy:ignore:"))
        {
            let id = rest.split([' ', ':']).next().unwrap_or(rest).trim();
            let id = id.strip_prefix("AVD-").unwrap_or(id);
            let ours = mapped(&["Trivy", "tfsec"], id);
            if !ours.is_empty() {
                waivers.push(waiver(
                    ours,
                    None,
                    block.unwrap_or(WaiverScope::Lines(*line, line + 1)),
                    false,
                ));
            }
        }
    }
    waivers
}

/// Our rule ids for a peer's.
fn mapped(sources: &[&str], id: &str) -> Vec<String> {
    rules::all()
        .iter()
        .filter(|rule| {
            sources
                .iter()
                .any(|source| rule.peer_ids(source).any(|peer| peer.eq_ignore_ascii_case(id)))
        })
        .map(|rule| rule.meta.id.to_string())
        .collect()
}
