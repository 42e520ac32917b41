//! cosign's two ways of signing an image: the legacy simple-signing layer (tag
//! `sha256-<hex>.sig`, signature and certificate in annotations) and the v3 Sigstore bundle
//! whose DSSE statement names the image digest (an OCI 1.1 referrer). Both are read into
//! [`Evidence`] and verified for one manifest digest.

use std::collections::BTreeMap;

use base64::Engine as _;
use serde::Deserialize;

use crate::bundle::{Content, Evidence, LogEntry, Material};
use crate::keys::pem_blocks;
use crate::trust_root::{TrustRoot, base64_bytes};
use crate::verify::{Artifact, Authority, Failure, Verified, VerifyError, verify};

pub const SIMPLE_SIGNING_MEDIA_TYPE: &str = "application/vnd.dev.cosign.simplesigning.v1+json";
pub const SIGNATURE_ANNOTATION: &str = "dev.cosignproject.cosign/signature";
pub const CERTIFICATE_ANNOTATION: &str = "dev.sigstore.cosign/certificate";
pub const CHAIN_ANNOTATION: &str = "dev.sigstore.cosign/chain";
pub const BUNDLE_ANNOTATION: &str = "dev.sigstore.cosign/bundle";
/// The in-toto predicate a cosign v3 image signature carries (others are attestations).
pub const SIGN_PREDICATE: &str = "https://sigstore.dev/cosign/sign/v1";

/// One signature as the registry holds it.
#[derive(Debug, Clone)]
pub enum ImageSignature {
    /// A simple-signing layer: the payload blob and the layer's annotations.
    SimpleSigning {
        payload: Vec<u8>,
        annotations: BTreeMap<String, String>,
    },
    /// A Sigstore bundle attached as a referrer.
    Bundle(Vec<u8>),
}

fn malformed(detail: impl Into<String>) -> VerifyError {
    VerifyError {
        failure: Failure::Malformed,
        detail: detail.into(),
    }
}

/// The 32 bytes of a `sha256:<hex>` digest.
pub fn sha256_of_digest(digest: &str) -> Option<[u8; 32]> {
    let hex = digest.strip_prefix("sha256:")?;
    if hex.len() != 64 {
        return None;
    }
    let mut bytes = [0u8; 32];
    for (index, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(hex.get(index * 2..index * 2 + 2)?, 16).ok()?;
    }
    Some(bytes)
}

#[derive(Deserialize)]
struct SimpleSigning {
    critical: Critical,
}

#[derive(Deserialize)]
struct Critical {
    image: CriticalImage,
    #[serde(rename = "type")]
    kind: String,
}

#[derive(Deserialize)]
struct CriticalImage {
    #[serde(rename = "docker-manifest-digest")]
    docker_manifest_digest: String,
}

#[derive(Deserialize)]
struct RekorBundle {
    #[serde(rename = "SignedEntryTimestamp")]
    signed_entry_timestamp: String,
    #[serde(rename = "Payload")]
    payload: RekorPayload,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RekorPayload {
    body: String,
    integrated_time: i64,
    log_index: i64,
    #[serde(rename = "logID")]
    log_id: String,
}

/// Verifies one of an image's signatures for its manifest `digest`.
pub fn verify_image_signature(
    signature: &ImageSignature,
    digest: &str,
    authority: &Authority,
    trust_root: Option<&TrustRoot>,
    now: i64,
) -> Result<Verified, VerifyError> {
    let image_sha256 = sha256_of_digest(digest).ok_or_else(|| malformed(format!("{digest} is not a sha256 digest")))?;
    match signature {
        ImageSignature::SimpleSigning { payload, annotations } => {
            let evidence = read_simple_signing(payload, annotations, digest)?;
            verify(&evidence, Artifact::Bytes(payload), authority, trust_root, now)
        }
        ImageSignature::Bundle(text) => {
            let evidence = crate::bundle::read_bundle(text).map_err(malformed)?;
            let Content::Envelope(envelope) = &evidence.content else {
                return Err(VerifyError {
                    failure: Failure::Unsupported,
                    detail: "an image bundle with a message signature (cosign signs images with DSSE)".to_string(),
                });
            };
            let statement: serde_json::Value = serde_json::from_slice(&envelope.payload)
                .map_err(|_| malformed("the bundle's statement is not JSON"))?;
            let predicate = statement.get("predicateType").and_then(serde_json::Value::as_str);
            if predicate != Some(SIGN_PREDICATE) {
                return Err(VerifyError {
                    failure: Failure::Artifact,
                    detail: format!(
                        "an attestation ({}), not a signature",
                        predicate.unwrap_or("no predicate type")
                    ),
                });
            }
            verify(&evidence, Artifact::Sha256(image_sha256), authority, trust_root, now)
        }
    }
}

/// Reads a simple-signing layer into evidence; its payload must name `digest`.
pub fn read_simple_signing(
    payload: &[u8],
    annotations: &BTreeMap<String, String>,
    digest: &str,
) -> Result<Evidence, VerifyError> {
    let document: SimpleSigning =
        serde_json::from_slice(payload).map_err(|error| malformed(format!("the simple-signing payload: {error}")))?;
    if document.critical.kind != "cosign container image signature" {
        return Err(malformed(format!(
            "a simple-signing payload of type {:?}",
            document.critical.kind
        )));
    }
    if document.critical.image.docker_manifest_digest != digest {
        return Err(VerifyError {
            failure: Failure::Artifact,
            detail: format!(
                "the signature is for {}, not {digest}",
                document.critical.image.docker_manifest_digest
            ),
        });
    }
    let signature = annotations
        .get(SIGNATURE_ANNOTATION)
        .ok_or_else(|| malformed("the layer has no signature annotation"))?;
    let signature = base64_bytes(signature, "the signature").map_err(malformed)?;
    let material = match annotations.get(CERTIFICATE_ANNOTATION).filter(|pem| !pem.is_empty()) {
        Some(pem) => {
            let leaf = pem_blocks(pem.as_bytes(), "CERTIFICATE")
                .into_iter()
                .next()
                .ok_or_else(|| malformed("the certificate annotation holds no certificate"))?;
            // The chain annotation (CHAIN_ANNOTATION) repeats the authority's chain up to its
            // root; the chain that counts is the trust root's, so it is not read.
            Material::Certificate {
                leaf,
                extra: Vec::new(),
            }
        }
        None => Material::PublicKey,
    };
    let entries = match annotations.get(BUNDLE_ANNOTATION) {
        Some(text) => {
            let bundle: RekorBundle = serde_json::from_str(text)
                .map_err(|error| malformed(format!("the Rekor bundle annotation: {error}")))?;
            let body = base64_bytes(&bundle.payload.body, "the Rekor entry body").map_err(malformed)?;
            let kind_version: serde_json::Value =
                serde_json::from_slice(&body).map_err(|_| malformed("the Rekor entry body is not JSON"))?;
            let text_of = |key: &str| {
                kind_version
                    .get(key)
                    .and_then(serde_json::Value::as_str)
                    .unwrap_or_default()
                    .to_string()
            };
            let log_id = (0..bundle.payload.log_id.len() / 2)
                .map(|index| {
                    u8::from_str_radix(bundle.payload.log_id.get(index * 2..index * 2 + 2).unwrap_or("zz"), 16)
                })
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| malformed("the Rekor log id is not hex"))?;
            vec![LogEntry {
                log_index: bundle.payload.log_index,
                log_id,
                kind: text_of("kind"),
                version: text_of("apiVersion"),
                integrated_time: bundle.payload.integrated_time,
                signed_entry_timestamp: Some(
                    base64::engine::general_purpose::STANDARD
                        .decode(&bundle.signed_entry_timestamp)
                        .map_err(|_| malformed("the signed entry timestamp is not base64"))?,
                ),
                inclusion_proof: None,
                body,
            }]
        }
        None => Vec::new(),
    };
    Ok(Evidence {
        version: 0,
        material,
        content: Content::Message {
            digest: None,
            signature,
        },
        entries,
        timestamps: Vec::new(),
    })
}
