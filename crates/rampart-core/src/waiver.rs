//! Waivers written as comments in the file a finding points at (`#
//! rampart:ignore=...` in a Dockerfile or a Terraform block, and the
//! peers' own comments mapped to our ids), applied to every engine's
//! findings of that file.

use std::sync::Arc;

use crate::{Finding, RuleSelector};

/// The lines of a file a waiver covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WaiverScope {
    /// Every finding of the file.
    File,
    /// Findings on these 1-based lines, both included.
    Lines(usize, usize),
}

/// One waiver comment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InlineWaiver {
    /// Our rule ids (`*` for all); a peer's ids already mapped.
    pub rules: Vec<String>,
    pub reason: Option<String>,
    /// The comment as written, for the report.
    pub annotation: String,
    pub path: Arc<str>,
    /// The comment's line.
    pub line: usize,
    pub scope: WaiverScope,
    /// Written with our ids (so an unknown one is a typo to report); the
    /// peers' are mapped and cannot name an unknown one.
    pub ours: bool,
}

impl InlineWaiver {
    fn covers(&self, finding: &Finding) -> bool {
        if *finding.location.path != *self.path {
            return false;
        }
        let in_scope = match self.scope {
            WaiverScope::File => true,
            WaiverScope::Lines(first, last) => (first..=last).contains(&finding.location.line),
        };
        in_scope && self.rules.iter().any(|rule| rule == "*" || *rule == finding.rule)
    }
}

/// Marks the findings a waiver covers as suppressed, with the comment and
/// its reason; rules `non_waivable` selects stay open.
pub fn apply_inline_waivers(findings: &mut [Finding], waivers: &[InlineWaiver], non_waivable: &[RuleSelector]) {
    if waivers.is_empty() {
        return;
    }
    for finding in findings.iter_mut().filter(|finding| !finding.suppressed) {
        let Some(waiver) = waivers.iter().find(|waiver| waiver.covers(finding)) else {
            continue;
        };
        if non_waivable
            .iter()
            .any(|selector| selector.matches(&finding.rule, &finding.controls, finding.severity))
        {
            continue;
        }
        finding.suppressed = true;
        finding.suppression_reason = Some(match &waiver.reason {
            Some(reason) => format!("{}: {reason}", waiver.annotation),
            None => format!("{} (no reason given)", waiver.annotation),
        });
    }
}
