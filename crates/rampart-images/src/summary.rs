//! Workloads by what their images answer, from a run's final findings (after rampart.toml and
//! the exceptions): signed, verified, not checkable, scanned recently, free of vulnerabilities
//! at the threshold. What `rampart metrics` turns into shares.

use std::collections::BTreeSet;

use rampart_core::{Finding, ImageSummary, ImageUse, Severity};

use crate::gate::{NOT_SCANNED, VULNERABILITY};
use crate::signature::rules::{SIGNATURE_INVALID, SIGNATURE_MISSING, SIGNATURE_UNMATCHED, SIGNED_BY_UNTRUSTED};

/// What the image checks of a run left for the summary besides findings.
#[derive(Debug, Default, Clone)]
pub struct ChecksRan {
    /// With signature verification: the workloads an image of which could not be checked,
    /// and those an image of which no policy governs (neither counts as signed).
    pub signatures: Option<SignatureSets>,
    /// With the vulnerability gate over manifests: the workloads running an image whose
    /// report is older than the allowed age.
    pub stale: Option<BTreeSet<String>>,
}

#[derive(Debug, Default, Clone)]
pub struct SignatureSets {
    pub unchecked: BTreeSet<String>,
    pub ungoverned: BTreeSet<String>,
}

impl SignatureSets {
    /// Takes the sets out of a verification run.
    pub fn take(found: &mut crate::signature::SignatureFindings) -> SignatureSets {
        SignatureSets {
            unchecked: std::mem::take(&mut found.unchecked),
            ungoverned: std::mem::take(&mut found.ungoverned),
        }
    }
}

fn workloads_with(findings: &[Finding], rules: &[&str], open_at: Option<Severity>) -> BTreeSet<String> {
    findings
        .iter()
        .filter(|finding| rules.contains(&finding.rule.as_ref()))
        .filter(|finding| open_at.is_none_or(|threshold| !finding.suppressed && finding.severity >= threshold))
        .filter_map(|finding| finding.resource.as_ref().map(|resource| resource.display_name()))
        .collect()
}

pub fn image_summary(uses: &[ImageUse], findings: &[Finding], ran: &ChecksRan, fail_on: Severity) -> ImageSummary {
    let workloads: BTreeSet<String> = uses.iter().map(|image_use| image_use.resource.display_name()).collect();
    let count = |excluded: &[&BTreeSet<String>]| {
        workloads
            .iter()
            .filter(|workload| !excluded.iter().any(|set| set.contains(*workload)))
            .count()
    };
    let mut summary = ImageSummary {
        workloads: workloads.len(),
        ..ImageSummary::default()
    };
    if let Some(SignatureSets { unchecked, ungoverned }) = &ran.signatures {
        let unsigned = workloads_with(findings, &[SIGNATURE_MISSING.id], None);
        let unverified = workloads_with(
            findings,
            &[
                SIGNATURE_MISSING.id,
                SIGNATURE_INVALID.id,
                SIGNED_BY_UNTRUSTED.id,
                SIGNATURE_UNMATCHED.id,
            ],
            None,
        );
        summary.signed = Some(count(&[&unsigned, unchecked, ungoverned]));
        summary.verified = Some(count(&[&unverified, unchecked, ungoverned]));
        summary.unchecked = Some(
            workloads
                .iter()
                .filter(|workload| unchecked.contains(*workload))
                .count(),
        );
    }
    if let Some(stale) = &ran.stale {
        let not_scanned = workloads_with(findings, &[NOT_SCANNED.id], None);
        let vulnerable = workloads_with(findings, &[VULNERABILITY.id], Some(fail_on));
        summary.scanned = Some(count(&[&not_scanned, stale]));
        summary.clean = Some(count(&[&not_scanned, stale, &vulnerable]));
    }
    summary
}
