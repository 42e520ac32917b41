//! Public keys as Sigstore and cosign name them (PEM or DER SubjectPublicKeyInfo), verified with ring.

use ring::signature::{self, UnparsedPublicKey, VerificationAlgorithm};
use sha2::{Digest, Sha256};
use x509_parser::oid_registry::{
    OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY, OID_NIST_EC_P384, OID_PKCS1_RSAENCRYPTION, OID_SIG_ED25519,
};
use x509_parser::prelude::FromDer;
use x509_parser::x509::SubjectPublicKeyInfo;

/// The kinds of key Sigstore signs with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyKind {
    EcdsaP256,
    EcdsaP384,
    Ed25519,
    Rsa,
}

/// The hash an ECDSA or RSA signature was made over, when the signer names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SignatureHash {
    Sha256,
    Sha384,
    Sha512,
}

/// A public key that verifies signatures.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    kind: KeyKind,
    /// The whole SubjectPublicKeyInfo, DER: what key ids hash and what log entries carry.
    spki: Vec<u8>,
    /// The key bits inside it, as ring reads them.
    bits: Vec<u8>,
}

impl PublicKey {
    /// Reads a `PUBLIC KEY` PEM block (the first one in `text`).
    pub fn from_pem(text: &[u8]) -> Result<PublicKey, String> {
        let der = pem_block(text, "PUBLIC KEY").ok_or("no PUBLIC KEY PEM block")?;
        PublicKey::from_spki(&der)
    }

    /// Reads a DER SubjectPublicKeyInfo.
    pub fn from_spki(der: &[u8]) -> Result<PublicKey, String> {
        let (rest, info) = SubjectPublicKeyInfo::from_der(der).map_err(|error| format!("not a public key: {error}"))?;
        if !rest.is_empty() {
            return Err("trailing bytes after the public key".to_string());
        }
        let algorithm = &info.algorithm.algorithm;
        let kind = if *algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY {
            let curve = info.algorithm.parameters.as_ref().and_then(|any| any.as_oid().ok());
            match curve {
                Some(curve) if curve == OID_EC_P256 => KeyKind::EcdsaP256,
                Some(curve) if curve == OID_NIST_EC_P384 => KeyKind::EcdsaP384,
                _ => return Err("an elliptic-curve key on a curve other than P-256 or P-384".to_string()),
            }
        } else if *algorithm == OID_SIG_ED25519 {
            KeyKind::Ed25519
        } else if *algorithm == OID_PKCS1_RSAENCRYPTION {
            KeyKind::Rsa
        } else {
            return Err(format!("an unsupported key algorithm ({algorithm})"));
        };
        Ok(PublicKey {
            kind,
            spki: info.raw.to_vec(),
            bits: info.subject_public_key.data.to_vec(),
        })
    }

    /// Reads a PKCS#1 RSAPublicKey (what a trust root's `PKCS1_RSA_*` keys hold); its "SPKI"
    /// is then that DER.
    pub fn from_rsa_pkcs1(der: &[u8]) -> PublicKey {
        PublicKey {
            kind: KeyKind::Rsa,
            spki: der.to_vec(),
            bits: der.to_vec(),
        }
    }

    pub fn kind(&self) -> KeyKind {
        self.kind
    }

    /// The DER SubjectPublicKeyInfo.
    pub fn spki(&self) -> &[u8] {
        &self.spki
    }

    /// SHA-256 of the DER SubjectPublicKeyInfo: a Rekor log id, a CT log id, a key hint.
    pub fn key_id(&self) -> [u8; 32] {
        Sha256::digest(&self.spki).into()
    }

    /// Checks `signature` over `message`: ECDSA (ASN.1 DER) with the curve's hash, Ed25519,
    /// or RSA PKCS#1 v1.5 (then PSS) with SHA-256.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        let algorithms: &[&'static dyn VerificationAlgorithm] = match self.kind {
            KeyKind::EcdsaP256 => &[&signature::ECDSA_P256_SHA256_ASN1],
            KeyKind::EcdsaP384 => &[&signature::ECDSA_P384_SHA384_ASN1],
            KeyKind::Ed25519 => &[&signature::ED25519],
            KeyKind::Rsa => &[
                &signature::RSA_PKCS1_2048_8192_SHA256,
                &signature::RSA_PSS_2048_8192_SHA256,
            ],
        };
        algorithms.iter().any(|algorithm| {
            UnparsedPublicKey::new(*algorithm, &self.bits)
                .verify(message, signature)
                .is_ok()
        })
    }
}

impl PublicKey {
    /// Checks `signature` over `message` with the hash the signer named (CMS, X.509).
    pub fn verify_with(&self, message: &[u8], signature: &[u8], hash: SignatureHash) -> bool {
        let algorithm: &'static dyn VerificationAlgorithm = match (self.kind, hash) {
            (KeyKind::EcdsaP256, SignatureHash::Sha256) => &signature::ECDSA_P256_SHA256_ASN1,
            (KeyKind::EcdsaP256, SignatureHash::Sha384) => &signature::ECDSA_P256_SHA384_ASN1,
            (KeyKind::EcdsaP384, SignatureHash::Sha256) => &signature::ECDSA_P384_SHA256_ASN1,
            (KeyKind::EcdsaP384, SignatureHash::Sha384) => &signature::ECDSA_P384_SHA384_ASN1,
            (KeyKind::Rsa, SignatureHash::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
            (KeyKind::Rsa, SignatureHash::Sha384) => &signature::RSA_PKCS1_2048_8192_SHA384,
            (KeyKind::Rsa, SignatureHash::Sha512) => &signature::RSA_PKCS1_2048_8192_SHA512,
            (KeyKind::Ed25519, _) => &signature::ED25519,
            _ => return false,
        };
        UnparsedPublicKey::new(algorithm, &self.bits)
            .verify(message, signature)
            .is_ok()
    }
}

/// The DER inside the first PEM block labelled `label` (`CERTIFICATE`, `PUBLIC KEY`).
pub fn pem_block(text: &[u8], label: &str) -> Option<Vec<u8>> {
    pem_blocks(text, label).into_iter().next()
}

/// The DER inside every PEM block labelled `label`, in order.
pub fn pem_blocks(text: &[u8], label: &str) -> Vec<Vec<u8>> {
    use base64::Engine as _;
    let text = String::from_utf8_lossy(text);
    let begin = format!("-----BEGIN {label}-----");
    let end = format!("-----END {label}-----");
    let mut blocks = Vec::new();
    let mut rest = text.as_ref();
    while let Some(start) = rest.find(&begin) {
        let body = &rest[start + begin.len()..];
        let Some(stop) = body.find(&end) else { break };
        let base64: String = body[..stop].chars().filter(|c| !c.is_whitespace()).collect();
        if let Ok(der) = base64::engine::general_purpose::STANDARD.decode(base64) {
            blocks.push(der);
        }
        rest = &body[stop + end.len()..];
    }
    blocks
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::signing::SigningKey;

    #[test]
    fn a_p256_key_verifies_its_signature_and_nothing_else() {
        let pair = SigningKey::generate();
        let spki = pair.spki();
        let key = PublicKey::from_spki(&spki).unwrap();
        assert_eq!(key.kind(), KeyKind::EcdsaP256);
        let signature = pair.sign(b"payload");
        assert!(key.verify(b"payload", &signature));
        assert!(!key.verify(b"payloaD", &signature));
        assert!(key.verify_with(b"payload", &signature, SignatureHash::Sha256));
        assert!(!key.verify_with(b"payload", &signature, SignatureHash::Sha384));
        assert!(PublicKey::from_spki(&spki[..40]).is_err());
        assert_eq!(PublicKey::from_pem(pair.public_pem().as_bytes()).unwrap(), key);
        assert!(PublicKey::from_pem(b"not a key").is_err());
    }
}
