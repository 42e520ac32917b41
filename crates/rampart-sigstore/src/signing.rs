//! Signing as cosign does, with a P-256 key: the simple-signing layer of the legacy tag layout
//! and the key-based v0.3 bundle (DSSE over an in-toto statement naming the image). Rampart
//! verifies; this exists so its tests and benchmarks sign real images in a real registry.

use std::collections::BTreeMap;

use base64::Engine as _;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair};

use crate::bundle::BUNDLE_MEDIA_TYPE_V03;
use crate::cosign::{SIGN_PREDICATE, SIGNATURE_ANNOTATION};
use crate::keys::PublicKey;

/// SubjectPublicKeyInfo prefix of an uncompressed P-256 point.
const P256_SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce,
    0x3d, 0x03, 0x01, 0x07, 0x03, 0x42, 0x00,
];

pub struct SigningKey {
    pair: EcdsaKeyPair,
    random: SystemRandom,
}

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

impl SigningKey {
    /// A fresh P-256 key.
    pub fn generate() -> SigningKey {
        let random = SystemRandom::new();
        let pkcs8 =
            EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, &random).expect("the system's random source");
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8.as_ref(), &random)
            .expect("a key ring made");
        SigningKey { pair, random }
    }

    /// A P-256 key from its PKCS#8 document.
    pub fn from_pkcs8(pkcs8: &[u8]) -> Result<SigningKey, String> {
        let random = SystemRandom::new();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_ASN1_SIGNING, pkcs8, &random)
            .map_err(|error| format!("not a P-256 PKCS#8 key: {error}"))?;
        Ok(SigningKey { pair, random })
    }

    pub fn spki(&self) -> Vec<u8> {
        [&P256_SPKI_PREFIX[..], self.pair.public_key().as_ref()].concat()
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey::from_spki(&self.spki()).expect("a P-256 SubjectPublicKeyInfo")
    }

    /// The public key as cosign writes `cosign.pub`.
    pub fn public_pem(&self) -> String {
        let body = base64(&self.spki());
        let lines: Vec<&str> = body
            .as_bytes()
            .chunks(64)
            .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
            .collect();
        format!(
            "-----BEGIN PUBLIC KEY-----\n{}\n-----END PUBLIC KEY-----\n",
            lines.join("\n")
        )
    }

    pub fn sign(&self, message: &[u8]) -> Vec<u8> {
        self.pair
            .sign(&self.random, message)
            .expect("signing with a valid key")
            .as_ref()
            .to_vec()
    }

    /// A simple-signing payload for `digest` and the layer annotations that sign it.
    pub fn simple_signing(&self, reference: &str, digest: &str) -> (Vec<u8>, BTreeMap<String, String>) {
        let payload = serde_json::json!({
            "critical": {
                "identity": {"docker-reference": reference},
                "image": {"docker-manifest-digest": digest},
                "type": "cosign container image signature"
            },
            "optional": null
        });
        let payload = serde_json::to_vec(&payload).expect("JSON");
        let annotations = BTreeMap::from([(SIGNATURE_ANNOTATION.to_string(), base64(&self.sign(&payload)))]);
        (payload, annotations)
    }

    /// A v0.3 bundle signing `digest` with this key (no transparency-log entry, as
    /// `cosign sign --key --tlog-upload=false` writes).
    pub fn image_bundle(&self, name: &str, digest: &str) -> Vec<u8> {
        let hex = digest.strip_prefix("sha256:").unwrap_or(digest);
        let statement = serde_json::json!({
            "_type": "https://in-toto.io/Statement/v1",
            "subject": [{"name": name, "digest": {"sha256": hex}}],
            "predicateType": SIGN_PREDICATE,
            "predicate": {}
        });
        let payload = serde_json::to_vec(&statement).expect("JSON");
        let envelope = crate::bundle::Envelope {
            payload_type: "application/vnd.in-toto+json".to_string(),
            payload,
            signatures: Vec::new(),
        };
        let signature = self.sign(&envelope.pae());
        let key_id = self.public_key().key_id();
        let bundle = serde_json::json!({
            "mediaType": BUNDLE_MEDIA_TYPE_V03,
            "verificationMaterial": {"publicKey": {"hint": base64(&key_id)}, "tlogEntries": []},
            "dsseEnvelope": {
                "payload": base64(&envelope.payload),
                "payloadType": envelope.payload_type,
                "signatures": [{"sig": base64(&signature), "keyid": ""}]
            }
        });
        serde_json::to_vec(&bundle).expect("JSON")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::{ImageSignature, verify_image_signature};
    use crate::verify::{Authority, Failure};

    const DIGEST: &str = "sha256:27221e31fbfeb767aab24c531396972078e8bbcdc5ab984062d9bac589fe4075";
    const OTHER: &str = "sha256:0000000000000000000000000000000000000000000000000000000000000000";

    #[test]
    fn both_cosign_layouts_verify_for_their_digest_and_key_only() {
        let key = SigningKey::generate();
        let other_key = SigningKey::generate();
        let authority = Authority::Key(PublicKey::from_pem(key.public_pem().as_bytes()).unwrap());
        let wrong_authority = Authority::Key(other_key.public_key());
        let (payload, annotations) = key.simple_signing("127.0.0.1:5000/demo", DIGEST);
        let layouts = [
            ImageSignature::SimpleSigning {
                payload: payload.clone(),
                annotations: annotations.clone(),
            },
            ImageSignature::Bundle(key.image_bundle("127.0.0.1:5000/demo", DIGEST)),
        ];
        for signature in &layouts {
            let verified = verify_image_signature(signature, DIGEST, &authority, None, 0).unwrap();
            assert_eq!(
                verified.signer,
                format!("key sha256:{}", crate::hex(&key.public_key().key_id()))
            );
            let wrong = verify_image_signature(signature, DIGEST, &wrong_authority, None, 0).unwrap_err();
            assert_eq!(wrong.failure, Failure::Signature, "{wrong}");
            let elsewhere = verify_image_signature(signature, OTHER, &authority, None, 0).unwrap_err();
            assert_eq!(elsewhere.failure, Failure::Artifact, "{elsewhere}");
        }
        // A payload changed after signing no longer verifies.
        let tampered = String::from_utf8(payload).unwrap().replace("demo", "dem0").into_bytes();
        let tampered = ImageSignature::SimpleSigning {
            payload: tampered,
            annotations,
        };
        assert_eq!(
            verify_image_signature(&tampered, DIGEST, &authority, None, 0)
                .unwrap_err()
                .failure,
            Failure::Signature
        );
        // An attestation is not a signature.
        let attestation = String::from_utf8(key.image_bundle("demo", DIGEST)).unwrap();
        let statement = serde_json::json!({"_type": "https://in-toto.io/Statement/v1", "subject": [{"digest": {"sha256": DIGEST.trim_start_matches("sha256:")}}], "predicateType": "https://slsa.dev/provenance/v1"});
        let mut bundle: serde_json::Value = serde_json::from_str(&attestation).unwrap();
        bundle["dsseEnvelope"]["payload"] = base64(&serde_json::to_vec(&statement).unwrap()).into();
        let error = verify_image_signature(
            &ImageSignature::Bundle(serde_json::to_vec(&bundle).unwrap()),
            DIGEST,
            &authority,
            None,
            0,
        )
        .unwrap_err();
        assert_eq!(error.failure, Failure::Artifact);
        assert!(error.detail.contains("attestation"), "{error}");
    }
}
