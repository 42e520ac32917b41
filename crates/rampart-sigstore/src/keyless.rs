//! A private stand-in for Sigstore's public-good instance, for tests and benchmarks that sign
//! images keylessly without the network: a certificate authority issuing short-lived code
//! signing certificates for an OIDC identity (as Fulcio does), and a transparency log key
//! signing entry timestamps (as Rekor does), with the `trusted_root.json` that trusts both.
//! Rampart never signs in production; this exists behind the `keyless-issuer` feature.

use std::collections::BTreeMap;

use base64::Engine as _;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose, IsCa,
    Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, SanType,
};
use sha2::{Digest, Sha256};

use crate::cosign::{BUNDLE_ANNOTATION, CERTIFICATE_ANNOTATION, SIGNATURE_ANNOTATION};
use crate::signing::SigningKey;
use crate::transparency::hex;

/// Fulcio's OIDC issuer extension (v2, a DER UTF8String).
const ISSUER_V2_OID: [u64; 9] = [1, 3, 6, 1, 4, 1, 57264, 1, 8];
/// The authority's and the log's validity starts (before any signing time a test uses).
const TRUSTED_SINCE: &str = "2020-01-01T00:00:00Z";

fn base64(bytes: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

fn utc(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

/// A DER UTF8String (short form length: issuers are URLs well under 128 bytes).
fn der_utf8(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let length = u8::try_from(bytes.len()).ok().filter(|length| *length < 0x80);
    let length = length.expect("an issuer URL under 128 bytes");
    [&[0x0c, length][..], bytes].concat()
}

pub struct KeylessIssuer {
    authority_key: KeyPair,
    authority_params: CertificateParams,
    authority_der: Vec<u8>,
    log_key: SigningKey,
    log_index: std::sync::atomic::AtomicI64,
}

impl KeylessIssuer {
    /// A fresh certificate authority and log key.
    pub fn new() -> KeylessIssuer {
        let authority_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a P-256 key");
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.distinguished_name.push(DnType::OrganizationName, "rampart-test");
        params
            .distinguished_name
            .push(DnType::CommonName, "rampart-test-fulcio");
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        params.not_before = utc(rampart_core::unix_from_rfc3339(TRUSTED_SINCE, true).unwrap_or_default());
        params.not_after = utc(4_102_444_800); // 2100
        let authority_der = params
            .self_signed(&authority_key)
            .expect("a self-signed authority")
            .der()
            .to_vec();
        KeylessIssuer {
            authority_key,
            authority_params: params,
            authority_der,
            log_key: SigningKey::generate(),
            log_index: std::sync::atomic::AtomicI64::new(0),
        }
    }

    /// The `trusted_root.json` naming this authority and log (no CT log: the certificates it
    /// issues carry no SCT, as a private Fulcio without CT writes them).
    pub fn trusted_root_json(&self) -> String {
        let log_id = base64(&self.log_key.public_key().key_id());
        serde_json::json!({
            "mediaType": "application/vnd.dev.sigstore.trustedroot+json;version=0.1",
            "tlogs": [{
                "baseUrl": "https://rekor.rampart.test",
                "hashAlgorithm": "SHA2_256",
                "publicKey": {
                    "rawBytes": base64(&self.log_key.spki()),
                    "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    "validFor": {"start": TRUSTED_SINCE}
                },
                "logId": {"keyId": log_id}
            }],
            "certificateAuthorities": [{
                "subject": {"organization": "rampart-test", "commonName": "rampart-test-fulcio"},
                "uri": "https://fulcio.rampart.test",
                "certChain": {"certificates": [{"rawBytes": base64(&self.authority_der)}]},
                "validFor": {"start": TRUSTED_SINCE}
            }],
            "ctlogs": [],
            "timestampAuthorities": []
        })
        .to_string()
    }

    /// A certificate for `subject` (a URI, as a CI workflow's identity is) from `oidc_issuer`,
    /// valid ten minutes from `now`, and the ephemeral key it certifies.
    fn certify(&self, subject: &str, oidc_issuer: &str, now: i64) -> (SigningKey, Vec<u8>) {
        let leaf_key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).expect("a P-256 key");
        let mut params = CertificateParams::default();
        params.distinguished_name = DistinguishedName::new();
        params.subject_alt_names = vec![SanType::URI(subject.try_into().expect("an ASCII subject URI"))];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.custom_extensions = vec![CustomExtension::from_oid_content(&ISSUER_V2_OID, der_utf8(oidc_issuer))];
        params.not_before = utc(now - 60);
        params.not_after = utc(now + 600);
        let issuer = Issuer::from_params(&self.authority_params, &self.authority_key);
        let certificate = params.signed_by(&leaf_key, &issuer).expect("a signed leaf certificate");
        let signer = SigningKey::from_pkcs8(&leaf_key.serialize_der()).expect("rcgen's P-256 PKCS#8");
        (signer, certificate.der().to_vec())
    }

    /// A keyless simple-signing layer for `digest`, as `cosign sign` (v2) writes it: the
    /// payload, and the annotations carrying the signature, the signing certificate and the
    /// Rekor bundle (a hashedrekord entry integrated at `now`, with its signed entry timestamp).
    pub fn simple_signing(
        &self,
        subject: &str,
        oidc_issuer: &str,
        reference: &str,
        digest: &str,
        now: i64,
    ) -> (Vec<u8>, BTreeMap<String, String>) {
        let (signer, certificate) = self.certify(subject, oidc_issuer, now);
        let payload = serde_json::to_vec(&serde_json::json!({
            "critical": {
                "identity": {"docker-reference": reference},
                "image": {"docker-manifest-digest": digest},
                "type": "cosign container image signature"
            },
            "optional": null
        }))
        .expect("JSON");
        let signature = signer.sign(&payload);
        let certificate_pem = pem("CERTIFICATE", &certificate);
        let body = serde_json::to_vec(&serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": "sha256", "value": hex(&Sha256::digest(&payload))}},
                "signature": {
                    "content": base64(&signature),
                    "publicKey": {"content": base64(certificate_pem.as_bytes())}
                }
            }
        }))
        .expect("JSON");
        let log_index = self.log_index.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let log_id = hex(&self.log_key.public_key().key_id());
        // The promise is the log's signature over the entry's canonical JSON (keys sorted).
        let promise = serde_json::to_vec(&serde_json::json!({
            "body": base64(&body),
            "integratedTime": now,
            "logID": log_id,
            "logIndex": log_index
        }))
        .expect("JSON");
        let rekor_bundle = serde_json::json!({
            "SignedEntryTimestamp": base64(&self.log_key.sign(&promise)),
            "Payload": {"body": base64(&body), "integratedTime": now, "logIndex": log_index, "logID": log_id}
        });
        let annotations = BTreeMap::from([
            (SIGNATURE_ANNOTATION.to_string(), base64(&signature)),
            (CERTIFICATE_ANNOTATION.to_string(), certificate_pem),
            (BUNDLE_ANNOTATION.to_string(), rekor_bundle.to_string()),
        ]);
        (payload, annotations)
    }
}

impl Default for KeylessIssuer {
    fn default() -> Self {
        KeylessIssuer::new()
    }
}

fn pem(label: &str, der: &[u8]) -> String {
    let body = base64(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|chunk| std::str::from_utf8(chunk).unwrap_or_default())
        .collect();
    format!("-----BEGIN {label}-----\n{}\n-----END {label}-----\n", lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cosign::{ImageSignature, verify_image_signature};
    use crate::trust_root::TrustRoot;
    use crate::verify::{Authority, Failure, SubjectMatch};

    const DIGEST: &str = "sha256:27221e31fbfeb767aab24c531396972078e8bbcdc5ab984062d9bac589fe4075";
    const WORKFLOW: &str = "https://github.com/acme/shop/.github/workflows/release.yml@refs/heads/main";
    const ACTIONS: &str = "https://token.actions.githubusercontent.com";

    #[test]
    fn a_keyless_signature_verifies_for_its_identity_only() {
        let issuer = KeylessIssuer::new();
        let root = TrustRoot::from_json(issuer.trusted_root_json().as_bytes()).unwrap();
        let now = rampart_core::unix_now();
        let (payload, annotations) = issuer.simple_signing(WORKFLOW, ACTIONS, "registry.test/shop", DIGEST, now);
        let signature = ImageSignature::SimpleSigning {
            payload: payload.clone(),
            annotations: annotations.clone(),
        };
        let trusted = Authority::Identity {
            issuer: ACTIONS.to_string(),
            subject: SubjectMatch::Exact(WORKFLOW.to_string()),
        };
        let verified = verify_image_signature(&signature, DIGEST, &trusted, Some(&root), now + 3600).unwrap();
        assert_eq!(verified.signer, WORKFLOW);
        assert_eq!(verified.issuer.as_deref(), Some(ACTIONS));

        let other_subject = Authority::Identity {
            issuer: ACTIONS.to_string(),
            subject: SubjectMatch::Exact(
                "https://github.com/acme/other/.github/workflows/release.yml@refs/heads/main".to_string(),
            ),
        };
        let error = verify_image_signature(&signature, DIGEST, &other_subject, Some(&root), now).unwrap_err();
        assert_eq!(error.failure, Failure::Identity, "{error}");
        let other_issuer = Authority::Identity {
            issuer: "https://accounts.google.com".to_string(),
            subject: SubjectMatch::Exact(WORKFLOW.to_string()),
        };
        let error = verify_image_signature(&signature, DIGEST, &other_issuer, Some(&root), now).unwrap_err();
        assert_eq!(error.failure, Failure::Identity, "{error}");

        // Another authority's root does not trust this certificate or log.
        let stranger = TrustRoot::from_json(KeylessIssuer::new().trusted_root_json().as_bytes()).unwrap();
        let error = verify_image_signature(&signature, DIGEST, &trusted, Some(&stranger), now).unwrap_err();
        assert!(
            matches!(error.failure, Failure::TransparencyLog | Failure::Certificate),
            "{error}"
        );

        // Without the log's entry nothing vouches for when the short-lived certificate signed.
        let mut unlogged = annotations.clone();
        unlogged.remove(BUNDLE_ANNOTATION);
        let unlogged = ImageSignature::SimpleSigning {
            payload: payload.clone(),
            annotations: unlogged,
        };
        let error = verify_image_signature(&unlogged, DIGEST, &trusted, Some(&root), now).unwrap_err();
        assert_eq!(error.failure, Failure::TransparencyLog, "{error}");

        // A log entry moved in time no longer carries the log's promise.
        let mut moved = annotations;
        let bundle = moved.get_mut(BUNDLE_ANNOTATION).unwrap();
        *bundle = bundle.replace(
            &format!("\"integratedTime\":{now}"),
            &format!("\"integratedTime\":{}", now + 1),
        );
        let moved = ImageSignature::SimpleSigning {
            payload,
            annotations: moved,
        };
        let error = verify_image_signature(&moved, DIGEST, &trusted, Some(&root), now).unwrap_err();
        assert_eq!(error.failure, Failure::TransparencyLog, "{error}");
    }
}
