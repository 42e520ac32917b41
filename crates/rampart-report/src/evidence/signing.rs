//! Ed25519 keys for signing evidence manifests, in the PEM files OpenSSL
//! reads and writes (`openssl genpkey -algorithm ed25519` makes a key
//! Rampart takes, and `openssl pkey -pubout` its public half).

use std::path::Path;

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{Signature, Signer, Verifier};
pub use ed25519_dalek::{SigningKey, VerifyingKey};

/// A fresh key pair as (private PKCS#8 PEM, public SPKI PEM).
pub fn generate_key_pair() -> Result<(String, String), String> {
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| format!("no randomness for a key: {error}"))?;
    let key = SigningKey::from_bytes(&seed);
    seed.fill(0);
    let private = key
        .to_pkcs8_pem(LineEnding::LF)
        .map_err(|error| format!("cannot encode the private key: {error}"))?;
    let public = key
        .verifying_key()
        .to_public_key_pem(LineEnding::LF)
        .map_err(|error| format!("cannot encode the public key: {error}"))?;
    Ok((private.to_string(), public))
}

/// Reads an Ed25519 private key (PKCS#8 PEM).
pub fn read_signing_key(path: &Path) -> Result<SigningKey, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    SigningKey::from_pkcs8_pem(&text).map_err(|error| {
        format!(
            "{}: not an Ed25519 private key in PKCS#8 PEM ({error}); `rampart evidence keygen` makes one",
            path.display()
        )
    })
}

/// Reads an Ed25519 public key (SPKI PEM, `-----BEGIN PUBLIC KEY-----`).
/// A private key file is accepted too: its public half is used.
pub fn read_verifying_key(path: &Path) -> Result<VerifyingKey, String> {
    let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
    if let Ok(key) = VerifyingKey::from_public_key_pem(&text) {
        return Ok(key);
    }
    SigningKey::from_pkcs8_pem(&text)
        .map(|key| key.verifying_key())
        .map_err(|error| format!("{}: not an Ed25519 public key in PEM ({error})", path.display()))
}

/// The signature of `message`, as lowercase hex.
pub fn sign(key: &SigningKey, message: &[u8]) -> String {
    hex(&key.sign(message).to_bytes())
}

/// Whether `signature_hex` is `key`'s signature of `message`.
pub fn verify(key: &VerifyingKey, message: &[u8], signature_hex: &str) -> bool {
    let Some(bytes) = unhex(signature_hex.trim()) else {
        return false;
    };
    let Ok(bytes) = <[u8; 64]>::try_from(bytes.as_slice()) else {
        return false;
    };
    key.verify(message, &Signature::from_bytes(&bytes)).is_ok()
}

/// The key's public half, hex, to name which key signed.
pub fn key_id(key: &VerifyingKey) -> String {
    hex(key.as_bytes())
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn unhex(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(text.get(at..at + 2)?, 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_key_signs_and_its_public_half_verifies() {
        let dir = tempfile::tempdir().unwrap();
        let (private, public) = generate_key_pair().unwrap();
        assert!(private.starts_with("-----BEGIN PRIVATE KEY-----"), "{private}");
        assert!(public.starts_with("-----BEGIN PUBLIC KEY-----"), "{public}");
        std::fs::write(dir.path().join("key.pem"), &private).unwrap();
        std::fs::write(dir.path().join("key.pub"), &public).unwrap();
        let signing = read_signing_key(&dir.path().join("key.pem")).unwrap();
        let verifying = read_verifying_key(&dir.path().join("key.pub")).unwrap();
        let signature = sign(&signing, b"manifest");
        assert_eq!(signature.len(), 128);
        assert!(verify(&verifying, b"manifest", &signature));
        assert!(!verify(&verifying, b"manifesT", &signature));
        assert!(!verify(&verifying, b"manifest", &signature[2..]));
        assert!(!verify(&verifying, b"manifest", "zz"));
        let (_, other) = generate_key_pair().unwrap();
        std::fs::write(dir.path().join("other.pub"), other).unwrap();
        let other = read_verifying_key(&dir.path().join("other.pub")).unwrap();
        assert!(!verify(&other, b"manifest", &signature));
        // The private key file stands for its public half.
        let from_private = read_verifying_key(&dir.path().join("key.pem")).unwrap();
        assert_eq!(key_id(&from_private), key_id(&verifying));
    }

    #[test]
    fn reads_an_openssl_ed25519_key() {
        // `openssl genpkey -algorithm ed25519` and `openssl pkey -pubout`.
        let dir = tempfile::tempdir().unwrap();
        // A throwaway key made for this test.
        let private = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGmv/BzSAT5Lcdee3f5UZZB9U2b05BJy4lFC2hpCi1UT\n-----END PRIVATE KEY-----\n"; // rampart:allow
        std::fs::write(dir.path().join("openssl.pem"), private).unwrap();
        let key = read_signing_key(&dir.path().join("openssl.pem")).unwrap();
        let signature = sign(&key, b"x");
        assert!(verify(&key.verifying_key(), b"x", &signature));
    }

    #[test]
    fn refuses_what_is_not_a_key_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("junk.pem"), "not a key").unwrap();
        let error = read_signing_key(&dir.path().join("junk.pem")).unwrap_err();
        assert!(error.contains("junk.pem") && error.contains("PKCS#8"), "{error}");
        let error = read_verifying_key(&dir.path().join("junk.pem")).unwrap_err();
        assert!(error.contains("junk.pem"), "{error}");
    }
}
