//! Keyed fingerprints: an HMAC-SHA256 over a finding's identity, so a
//! baseline can recognise a finding without holding what it found (a
//! secret above all) and without depending on line numbers.

use hmac::{Hmac, KeyInit, Mac};
use sha2::Sha256;

/// The key of the fingerprints' HMAC. A baseline carries its own random
/// key, so its hashes cannot be matched against a precomputed table; the
/// default key only separates Rampart's hashes from other tools'.
#[derive(Clone, PartialEq, Eq)]
pub struct FingerprintKey([u8; 32]);

impl FingerprintKey {
    pub const DEFAULT: FingerprintKey = FingerprintKey(*b"rampart secrets fingerprint v1\0\0");

    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        FingerprintKey(bytes)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// A fresh random key.
    pub fn random() -> Result<FingerprintKey, String> {
        let mut key = [0u8; 32];
        getrandom::fill(&mut key).map_err(|error| format!("no randomness for a key: {error}"))?;
        Ok(FingerprintKey(key))
    }
}

impl std::fmt::Debug for FingerprintKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FingerprintKey(..)")
    }
}

/// The keyed hash of `parts`, 32 hex digits. Each part is length-prefixed,
/// so ("ab", "c") and ("a", "bc") differ.
pub fn keyed_hash(key: &FingerprintKey, parts: &[&[u8]]) -> String {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key.as_bytes()).expect("HMAC takes any key length");
    for part in parts {
        mac.update(&(part.len() as u64).to_le_bytes());
        mac.update(part);
    }
    let digest = mac.finalize().into_bytes();
    digest[..16].iter().map(|byte| format!("{byte:02x}")).collect()
}

/// A finding's identity, line numbers left out: the rule and the object,
/// field and container (or the path, for findings about no object). A
/// secrets finding's fingerprint was made by the secrets engine from rule,
/// path and secret, with the same key.
pub fn finding_fingerprint(key: &FingerprintKey, finding: &crate::Finding) -> String {
    if let Some(secret) = &finding.secret {
        return secret.fingerprint.clone();
    }
    let container = finding.container.as_deref().unwrap_or_default();
    match finding.resource.as_deref() {
        Some(resource) => keyed_hash(
            key,
            &[
                finding.rule.as_bytes(),
                resource.api_version.as_bytes(),
                resource.kind.as_bytes(),
                resource.namespace.as_deref().unwrap_or_default().as_bytes(),
                resource.name.as_bytes(),
                finding.field.as_bytes(),
                container.as_bytes(),
            ],
        ),
        None => keyed_hash(
            key,
            &[
                finding.rule.as_bytes(),
                finding.location.path.as_bytes(),
                finding.field.as_bytes(),
                container.as_bytes(),
            ],
        ),
    }
}
