//! Image signatures: which `[[images.policy]]` governs an image ([`policy`]), what the
//! registry holds for its digest and whether a governing policy's authority signed it
//! ([`check`], results reused through [`cache`]), and the findings that follow
//! ([`findings`], rules in [`rules`]).

pub mod cache;
pub mod check;
pub mod findings;
pub mod policy;
pub mod rules;

pub use cache::{CachedVerification, VerdictCache};
pub use check::{ImageOutcome, ImageVerdict, PolicyResult, PolicyVerdict, SignatureChecker};
pub use findings::{SignatureFindings, on_references, on_workloads};
pub use policy::{Mode, SignaturePolicies, Unmatched};
pub use rules::RULES;

use std::sync::Arc;

use rampart_core::{ImageUse, RuleMeta};

/// A verification run over image references and workload containers: what `rampart images
/// verify` and `rampart ci --verify-images` report.
#[derive(Debug, Default)]
pub struct SignatureRun {
    pub found: SignatureFindings,
    pub unmatched_reported: bool,
}

impl SignatureRun {
    /// The rules that ran (the unmatched rule only when unmatched images are reported).
    pub fn ran(&self) -> Vec<&'static RuleMeta> {
        RULES
            .iter()
            .map(|(meta, _)| *meta)
            .filter(|meta| meta.id != rules::SIGNATURE_UNMATCHED.id || self.unmatched_reported)
            .collect()
    }

    /// Each rule judged every image place that was checked or unmatched.
    pub fn cover(&self, coverage: &mut rampart_core::Coverage) {
        for meta in self.ran() {
            coverage.add_rule(meta.id, self.found.judged);
        }
    }
}

/// Verifies `references` and the images `uses` run, on a runtime of its own, and saves the
/// cache. For callers without one; the webhook calls [`SignatureChecker::check`] itself.
pub fn verify_images(
    checker: Arc<SignatureChecker>,
    references: &[String],
    uses: &[ImageUse],
    now: i64,
) -> SignatureRun {
    let unmatched = checker.policies().unmatched;
    let mut images: Vec<String> = references.to_vec();
    images.extend(uses.iter().map(|image_use| image_use.image.clone()));
    let verdicts = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime.block_on(checker.check_all(&images, now)),
        Err(error) => {
            let mut run = SignatureRun::default();
            run.found.errors.push(rampart_core::ScanError::new(
                "rampart".to_string(),
                None,
                format!("the async runtime could not start: {error}"),
            ));
            return run;
        }
    };
    let mut found = on_references(
        &verdicts
            .iter()
            .filter(|verdict| references.contains(&verdict.image))
            .cloned()
            .collect::<Vec<_>>(),
        unmatched,
    );
    let on_uses = on_workloads(&verdicts, uses, unmatched);
    found.findings.extend(on_uses.findings);
    found.errors.extend(on_uses.errors);
    found.judged += on_uses.judged;
    found.verified += on_uses.verified;
    found.unchecked.extend(on_uses.unchecked);
    found.ungoverned.extend(on_uses.ungoverned);
    if let Err(error) = checker.cache().save() {
        found.errors.push(rampart_core::ScanError::new(
            ".rampart/image-signatures.json".to_string(),
            None,
            format!("the verification cache could not be written: {error}"),
        ));
    }
    SignatureRun {
        found,
        unmatched_reported: unmatched != Unmatched::Allow,
    }
}
