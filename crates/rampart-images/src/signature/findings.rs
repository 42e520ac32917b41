//! Verdicts turned into findings on the containers that run the images (or on the image
//! references themselves), with each policy's mode applied; registry failures are errors.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Arc;

use rampart_core::{Finding, ImageUse, Location, ResourceRef, RuleMeta, ScanError, Severity};

use super::check::{ImageOutcome, ImageVerdict, PolicyResult};
use super::policy::{Mode, Unmatched};
use super::rules::{SIGNATURE_INVALID, SIGNATURE_MISSING, SIGNATURE_UNMATCHED, SIGNED_BY_UNTRUSTED};

/// Where an image is written.
struct Place {
    path: Arc<str>,
    line: usize,
    column: usize,
    resource: Option<Arc<ResourceRef>>,
    container: Option<String>,
}

/// What signature verification found, for a report.
#[derive(Debug, Default)]
pub struct SignatureFindings {
    pub findings: Vec<Finding>,
    pub errors: Vec<ScanError>,
    /// Places whose image every governing policy verified.
    pub verified: usize,
    /// Places judged (checked or unmatched), for the rules' coverage.
    pub judged: usize,
    /// Workloads an image of which could not be checked.
    pub unchecked: std::collections::BTreeSet<String>,
    /// Workloads an image of which no policy governs (its signatures were not looked at).
    pub ungoverned: std::collections::BTreeSet<String>,
}

fn finding(
    rule: &'static RuleMeta,
    severity: Severity,
    message: String,
    place: &Place,
    image: &str,
    policy: &str,
) -> Finding {
    Finding {
        rule: Cow::Borrowed(rule.id),
        severity,
        message,
        location: Location {
            path: place.path.clone(),
            line: place.line,
            column: place.column,
        },
        resource: place.resource.clone(),
        // Exceptions match the image after ` in ` (as for the vulnerability gate); an image
        // no policy names has no policy to name.
        field: if policy.is_empty() {
            format!("signature in {image}")
        } else {
            format!("signature:{policy} in {image}")
        },
        container: place.container.clone(),
        controls: Cow::Borrowed(rule.controls),
        fix: Cow::Borrowed(rule.fix),
        suppressed: false,
        suppression_reason: None,
        secret: None,
        event: None,
    }
}

fn judge_place(verdict: &ImageVerdict, place: &Place, unmatched: Unmatched, out: &mut SignatureFindings) {
    let image = verdict.image.as_str();
    let at = match (&place.container, &place.resource) {
        (Some(container), Some(resource)) => {
            format!("container `{container}` of {} runs `{image}`", resource.display_name())
        }
        _ => format!("`{image}`"),
    };
    let digest = verdict
        .digest
        .as_deref()
        .map(|digest| format!(" ({digest})"))
        .unwrap_or_default();
    match &verdict.outcome {
        ImageOutcome::Failed(error) => {
            if let Some(resource) = &place.resource {
                out.unchecked.insert(resource.display_name());
            }
            out.errors.push(ScanError::new(
                place.path.to_string(),
                Some(place.line),
                format!("{at}: its signatures could not be checked: {error}"),
            ));
        }
        ImageOutcome::Unmatched => {
            out.judged += 1;
            if let Some(resource) = &place.resource {
                out.ungoverned.insert(resource.display_name());
            }
            let severity = match unmatched {
                Unmatched::Allow => return,
                Unmatched::Warn => Severity::Low,
                Unmatched::Deny => Severity::High,
            };
            out.findings.push(finding(
                &SIGNATURE_UNMATCHED,
                severity,
                format!(
                    "{at}, which no [[images.policy]] names (images.unmatched = {})",
                    match unmatched {
                        Unmatched::Deny => "deny",
                        _ => "warn",
                    }
                ),
                place,
                image,
                "",
            ));
        }
        ImageOutcome::Checked(verdicts) => {
            out.judged += 1;
            if verdict.verified() {
                out.verified += 1;
            }
            for policy in verdicts {
                let (rule, why) = match &policy.result {
                    PolicyResult::Verified { .. } => continue,
                    PolicyResult::Missing => (&SIGNATURE_MISSING, "is not signed".to_string()),
                    PolicyResult::Invalid { detail } => {
                        (&SIGNATURE_INVALID, format!("has no signature that verifies ({detail})"))
                    }
                    PolicyResult::Untrusted { detail } => (
                        &SIGNED_BY_UNTRUSTED,
                        format!("is not signed by an authority of the policy ({detail})"),
                    ),
                };
                let severity = match policy.mode {
                    Mode::Warn => Severity::Low,
                    _ => rule.severity,
                };
                let mut found = finding(
                    rule,
                    severity,
                    format!("{at}{digest} {why} [policy `{}`]", policy.policy),
                    place,
                    image,
                    &policy.policy,
                );
                if policy.mode == Mode::Audit {
                    found.suppressed = true;
                    found.suppression_reason = Some(format!("policy `{}` is in audit mode", policy.policy));
                }
                out.findings.push(found);
            }
        }
    }
}

/// Findings on each workload container, by the verdict of the image it runs.
pub fn on_workloads(verdicts: &[ImageVerdict], uses: &[ImageUse], unmatched: Unmatched) -> SignatureFindings {
    let by_image: HashMap<&str, &ImageVerdict> = verdicts
        .iter()
        .map(|verdict| (verdict.image.as_str(), verdict))
        .collect();
    let mut out = SignatureFindings::default();
    for image_use in uses {
        let Some(verdict) = by_image.get(image_use.image.as_str()) else {
            continue;
        };
        let place = Place {
            path: image_use.path.clone(),
            line: image_use.line,
            column: image_use.column,
            resource: Some(image_use.resource.clone()),
            container: Some(image_use.container.clone()),
        };
        judge_place(verdict, &place, unmatched, &mut out);
    }
    out
}

/// Findings on image references given directly (`rampart images verify IMAGE`).
pub fn on_references(verdicts: &[ImageVerdict], unmatched: Unmatched) -> SignatureFindings {
    let mut out = SignatureFindings::default();
    for verdict in verdicts {
        let place = Place {
            path: Arc::from(verdict.image.as_str()),
            line: 1,
            column: 1,
            resource: None,
            container: None,
        };
        judge_place(verdict, &place, unmatched, &mut out);
    }
    out
}
