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
