//! The signature check of one image: its digest (resolved from the registry when the image
//! names a tag), its signatures (fetched once), and each governing policy's result, reusing
//! cached verifications.

use std::sync::Arc;

use rampart_registry::{ErrorKind, Registry, RegistryError, parse_reference};
use rampart_sigstore::{Authority, Failure, ImageSignature, verify_image_signature};
use serde::Serialize;

use super::cache::{CachedVerification, VerdictCache};
use super::policy::{CompiledPolicy, Mode, SignaturePolicies};

/// What one policy concluded about an image.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case", tag = "result")]
pub enum PolicyResult {
    Verified {
        #[serde(flatten)]
        verification: CachedVerification,
        /// Answered from the cache.
        cached: bool,
    },
    /// No signature at all.
    Missing,
    /// Signatures, none of which holds.
    Invalid { detail: String },
    /// Signatures that hold, by no authority the policy names.
    Untrusted { detail: String },
}

#[derive(Debug, Clone, Serialize)]
pub struct PolicyVerdict {
    pub policy: String,
    pub mode: Mode,
    #[serde(flatten)]
    pub result: PolicyResult,
}

#[derive(Debug, Clone)]
pub enum ImageOutcome {
    /// No policy names the image.
    Unmatched,
    Checked(Vec<PolicyVerdict>),
    /// The registry could not be asked: not checked, and not unsigned either.
    Failed(RegistryError),
}

#[derive(Debug, Clone)]
pub struct ImageVerdict {
    /// As written.
    pub image: String,
    pub digest: Option<String>,
    pub outcome: ImageOutcome,
}

impl ImageVerdict {
    /// Whether every governing policy verified the image.
    pub fn verified(&self) -> bool {
        match &self.outcome {
            ImageOutcome::Checked(verdicts) => verdicts
                .iter()
                .all(|verdict| matches!(verdict.result, PolicyResult::Verified { .. })),
            _ => false,
        }
    }
}

pub struct SignatureChecker {
    registry: Registry,
    policies: SignaturePolicies,
    // Shared: the webhook keeps it across configuration reloads (entries are keyed by the
    // policy's fingerprint, so a changed policy finds none of the old ones).
    cache: Arc<VerdictCache>,
}

impl SignatureChecker {
    pub fn new(registry: Registry, policies: SignaturePolicies, cache: Arc<VerdictCache>) -> SignatureChecker {
        SignatureChecker {
            registry,
            policies,
            cache,
        }
    }

    pub fn policies(&self) -> &SignaturePolicies {
        &self.policies
    }

    pub fn cache(&self) -> &VerdictCache {
        &self.cache
    }

    /// The digest `image` names: pinned, cached, or asked of the registry.
    pub async fn resolve(&self, image: &str, now: i64) -> Result<String, RegistryError> {
        let reference = parse_reference(image).map_err(|detail| RegistryError::new(ErrorKind::Protocol, detail))?;
        if let Some(digest) = reference.digest() {
            return Ok(digest.to_string());
        }
        if let Some(digest) = self.cache.tag(image, now) {
            return Ok(digest);
        }
        let digest = self.registry.resolve(&reference).await?;
        self.cache.remember_tag(image, &digest, now);
        Ok(digest)
    }

    /// Checks one image against every policy that governs it.
    pub async fn check(&self, image: &str, now: i64) -> ImageVerdict {
        let governing = self.policies.matching(image);
        if governing.is_empty() {
            return ImageVerdict {
                image: image.to_string(),
                digest: None,
                outcome: ImageOutcome::Unmatched,
            };
        }
        let failed = |digest: Option<String>, error: RegistryError| ImageVerdict {
            image: image.to_string(),
            digest,
            outcome: ImageOutcome::Failed(error),
        };
        let digest = match self.resolve(image, now).await {
            Ok(digest) => digest,
            Err(error) => return failed(None, error),
        };
        let mut verdicts = Vec::with_capacity(governing.len());
        let mut pending = Vec::new();
        for policy in governing {
            match self.cache.verified(&digest, &policy.fingerprint, now) {
                Some(verification) => verdicts.push(PolicyVerdict {
                    policy: policy.name.clone(),
                    mode: policy.mode,
                    result: PolicyResult::Verified {
                        verification,
                        cached: true,
                    },
                }),
                None => pending.push(policy),
            }
        }
        if !pending.is_empty() {
            let reference = match parse_reference(image) {
                Ok(reference) => reference,
                Err(detail) => return failed(Some(digest), RegistryError::new(ErrorKind::Protocol, detail)),
            };
            let signatures = match self.registry.signatures(&reference, &digest).await {
                Ok(signatures) => signatures,
                Err(error) => return failed(Some(digest), error),
            };
            for policy in pending {
                let result = judge(policy, &signatures, &digest, now);
                if let PolicyResult::Verified { verification, .. } = &result {
                    self.cache
                        .remember_verified(&digest, &policy.fingerprint, verification.clone(), now);
                }
                verdicts.push(PolicyVerdict {
                    policy: policy.name.clone(),
                    mode: policy.mode,
                    result,
                });
            }
        }
        verdicts.sort_by(|a, b| a.policy.cmp(&b.policy));
        ImageVerdict {
            image: image.to_string(),
            digest: Some(digest),
            outcome: ImageOutcome::Checked(verdicts),
        }
    }

    /// Checks each distinct image once, concurrently; verdicts in the order first given.
    pub async fn check_all(self: &Arc<Self>, images: &[String], now: i64) -> Vec<ImageVerdict> {
        let mut distinct: Vec<String> = Vec::new();
        for image in images {
            if !distinct.contains(image) {
                distinct.push(image.clone());
            }
        }
        let mut tasks = tokio::task::JoinSet::new();
        for (index, image) in distinct.iter().enumerate() {
            let checker = Arc::clone(self);
            let image = image.clone();
            tasks.spawn(async move { (index, checker.check(&image, now).await) });
        }
        let mut verdicts: Vec<Option<ImageVerdict>> = vec![None; distinct.len()];
        while let Some(joined) = tasks.join_next().await {
            if let Ok((index, verdict)) = joined {
                verdicts[index] = Some(verdict);
            }
        }
        verdicts
            .into_iter()
            .zip(distinct)
            .map(|(verdict, image)| {
                verdict.unwrap_or_else(|| ImageVerdict {
                    image,
                    digest: None,
                    outcome: ImageOutcome::Failed(RegistryError::new(
                        ErrorKind::Protocol,
                        "the check stopped".to_string(),
                    )),
                })
            })
            .collect()
    }
}

/// One policy over the image's signatures: verified by any authority, else why not.
fn judge(policy: &CompiledPolicy, signatures: &[ImageSignature], digest: &str, now: i64) -> PolicyResult {
    if signatures.is_empty() {
        return PolicyResult::Missing;
    }
    let mut untrusted = None;
    let mut invalid = None;
    for signature in signatures {
        for authority in &policy.authorities {
            match verify_image_signature(
                signature,
                digest,
                &authority.authority,
                authority.trust_root.as_deref(),
                now,
            ) {
                Ok(verified) => {
                    return PolicyResult::Verified {
                        verification: CachedVerification {
                            signer: verified.signer,
                            issuer: verified.issuer,
                            signed_at: verified.signed_at,
                            by: authority.label.clone(),
                        },
                        cached: false,
                    };
                }
                Err(error) => {
                    let by_someone_else = match error.failure {
                        Failure::Identity | Failure::Material => true,
                        // Under a key, a signature that does not verify is by another key as
                        // far as anyone can tell (or was changed after signing).
                        Failure::Signature => matches!(authority.authority, Authority::Key(_)),
                        _ => false,
                    };
                    let detail = format!("{}: {}", authority.label, error.detail);
                    if by_someone_else {
                        untrusted.get_or_insert(detail);
                    } else {
                        invalid.get_or_insert(detail);
                    }
                }
            }
        }
    }
    match (untrusted, invalid) {
        (Some(detail), _) => PolicyResult::Untrusted { detail },
        (None, Some(detail)) => PolicyResult::Invalid { detail },
        (None, None) => PolicyResult::Missing,
    }
}
