//! Verification of one signature's [`Evidence`] against an authority (a key, or a keyless
//! identity under a trust root), for one artifact.

use regex::Regex;
use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::bundle::{Content, Evidence, Material};
use crate::certificate;
use crate::keys::PublicKey;
use crate::timestamp::verify_timestamp;
use crate::transparency::{self, hex};
use crate::trust_root::TrustRoot;

/// Who must have signed.
#[derive(Debug, Clone)]
pub enum Authority {
    /// A key the user holds (cosign `--key`).
    Key(PublicKey),
    /// A keyless identity: the OIDC issuer and the subject Fulcio certified.
    Identity { issuer: String, subject: SubjectMatch },
}

#[derive(Debug, Clone)]
pub enum SubjectMatch {
    Exact(String),
    /// Anchored at both ends.
    Pattern(Regex),
}

impl SubjectMatch {
    fn matches(&self, subject: &str) -> bool {
        match self {
            SubjectMatch::Exact(expected) => expected == subject,
            SubjectMatch::Pattern(pattern) => pattern.is_match(subject),
        }
    }
}

/// What was signed.
#[derive(Debug, Clone, Copy)]
pub enum Artifact<'a> {
    Bytes(&'a [u8]),
    /// Only the SHA-256 is known (an image's manifest digest): enough for a DSSE statement.
    Sha256([u8; 32]),
}

impl Artifact<'_> {
    fn sha256(&self) -> [u8; 32] {
        match self {
            Artifact::Bytes(bytes) => Sha256::digest(bytes).into(),
            Artifact::Sha256(digest) => *digest,
        }
    }
}

/// Why a signature did not verify, by kind: what reports and the conformance tally group by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Failure {
    /// The bundle or a field in it cannot be read.
    Malformed,
    /// Material this verifier does not check (so it cannot say the signature holds).
    Unsupported,
    /// The policy's kind of authority does not fit the signature (a key for a keyless signature…).
    Material,
    /// The signature does not verify with the signer's key.
    Signature,
    /// The signature is over something other than this artifact.
    Artifact,
    /// The signing certificate does not chain to a trusted authority at the signing time.
    Certificate,
    /// Signed by someone else than the policy names.
    Identity,
    /// The transparency-log entry is missing, from an untrusted log, or does not verify.
    TransparencyLog,
    /// A signed timestamp does not verify or is from an untrusted authority.
    Timestamp,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VerifyError {
    pub failure: Failure,
    pub detail: String,
}

impl std::fmt::Display for VerifyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

fn fail<T>(failure: Failure, detail: impl Into<String>) -> Result<T, VerifyError> {
    Err(VerifyError {
        failure,
        detail: detail.into(),
    })
}

/// What a verified signature proves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verified {
    /// The certified identity, or `key sha256:<hex>` for a key.
    pub signer: String,
    pub issuer: Option<String>,
    /// The signing time a log (or timestamp authority) vouched for, Unix seconds.
    pub signed_at: Option<i64>,
    pub log_index: Option<i64>,
}

/// Verifies `evidence` for `artifact` under `authority`. A keyless identity needs `trust_root`;
/// a key verifies without one, and with one its log entries are verified too.
pub fn verify(
    evidence: &Evidence,
    artifact: Artifact<'_>,
    authority: &Authority,
    trust_root: Option<&TrustRoot>,
    now: i64,
) -> Result<Verified, VerifyError> {
    let artifact_sha256 = artifact.sha256();
    // The signer's key, and the DER a log entry must name (certificate or key).
    let (key, signer_der, leaf) = match (&evidence.material, authority) {
        (Material::PublicKey, Authority::Key(key)) => (key.clone(), key.spki().to_vec(), None),
        (Material::PublicKey, Authority::Identity { .. }) => {
            return fail(
                Failure::Material,
                "signed with a key, but the policy names a keyless identity",
            );
        }
        (Material::Certificate { .. }, Authority::Key(_)) => {
            return fail(
                Failure::Material,
                "signed with a certificate (keyless), but the policy names a key",
            );
        }
        (Material::Certificate { leaf, extra }, Authority::Identity { .. }) => {
            for der in extra {
                let parsed = certificate::parse(der).map_err(|detail| VerifyError {
                    failure: Failure::Malformed,
                    detail,
                })?;
                if certificate::is_self_signed(&parsed) {
                    return fail(
                        Failure::Certificate,
                        "the bundle's certificate chain includes a root certificate",
                    );
                }
            }
            let parsed = certificate::parse(leaf).map_err(|detail| VerifyError {
                failure: Failure::Malformed,
                detail,
            })?;
            let key = certificate::public_key(&parsed).map_err(|detail| VerifyError {
                failure: Failure::Certificate,
                detail,
            })?;
            (key, leaf.clone(), Some(parsed))
        }
    };

    match &evidence.content {
        Content::Message { digest, signature } => {
            if digest.as_ref().is_some_and(|digest| digest[..] != artifact_sha256[..]) {
                return fail(Failure::Artifact, "the bundle's message digest is not the artifact's");
            }
            let Artifact::Bytes(bytes) = artifact else {
                return fail(
                    Failure::Unsupported,
                    "a message signature is checked over the artifact's bytes",
                );
            };
            if !key.verify(bytes, signature) {
                return fail(Failure::Signature, "the signature does not verify over the artifact");
            }
        }
        Content::Envelope(envelope) => {
            let [signature] = envelope.signatures.as_slice() else {
                return fail(
                    Failure::Malformed,
                    "the DSSE envelope does not hold exactly one signature",
                );
            };
            if !key.verify(&envelope.pae(), signature) {
                return fail(Failure::Signature, "the DSSE envelope's signature does not verify");
            }
            if envelope.payload_type == "application/vnd.in-toto+json" {
                if !statement_names(&envelope.payload, &artifact_sha256) {
                    return fail(
                        Failure::Artifact,
                        "the in-toto statement's subjects do not include the artifact",
                    );
                }
            } else if Sha256::digest(&envelope.payload)[..] != artifact_sha256[..] {
                return fail(Failure::Artifact, "the DSSE payload is not the artifact");
            }
        }
    }

    let mut times = Vec::new();
    let mut log_index = None;
    match trust_root {
        None if leaf.is_some() => {
            return fail(
                Failure::Material,
                "a keyless signature is verified against a trust root",
            );
        }
        None => {}
        Some(root) => {
            if evidence.entries.is_empty() && leaf.is_some() {
                return fail(Failure::TransparencyLog, "the signature has no transparency-log entry");
            }
            for entry in &evidence.entries {
                let log = root.transparency_log(&entry.log_id).ok_or_else(|| VerifyError {
                    failure: Failure::TransparencyLog,
                    detail: format!(
                        "the entry is from a log the trust root does not name ({})",
                        hex(&entry.log_id)
                    ),
                })?;
                let rekor_v2 = match (entry.kind.as_str(), entry.version.as_str()) {
                    ("hashedrekord" | "dsse", "0.0.1") | ("intoto", "0.0.2") => false,
                    ("hashedrekord" | "dsse", "0.0.2") => true,
                    (kind, version) => {
                        return fail(
                            Failure::Unsupported,
                            format!("{kind} {version} log entries are not verified"),
                        );
                    }
                };
                transparency::verify_body(entry, &evidence.content, &signer_der, Some(&artifact_sha256)).map_err(
                    |detail| VerifyError {
                        failure: Failure::TransparencyLog,
                        detail,
                    },
                )?;
                match &entry.signed_entry_timestamp {
                    // Rekor v2 signs no entry timestamp; its time comes from a timestamp authority.
                    _ if rekor_v2 => {}
                    Some(signature) if transparency::verify_promise(entry, log, signature) => {
                        if !log.valid.contains(entry.integrated_time) {
                            return fail(
                                Failure::TransparencyLog,
                                "the log's key was not trusted at the entry's time",
                            );
                        }
                        if entry.integrated_time > now + 60 {
                            return fail(Failure::TransparencyLog, "the entry's integrated time is in the future");
                        }
                        times.push(entry.integrated_time);
                    }
                    Some(_) => return fail(Failure::TransparencyLog, "the signed entry timestamp does not verify"),
                    None if evidence.version <= 1 => {
                        return fail(Failure::TransparencyLog, "the entry has no signed entry timestamp");
                    }
                    None => {}
                }
                match &entry.inclusion_proof {
                    Some(proof) => {
                        transparency::verify_inclusion(&entry.body, proof, log).map_err(|detail| VerifyError {
                            failure: Failure::TransparencyLog,
                            detail,
                        })?
                    }
                    None if evidence.version >= 2 || rekor_v2 => {
                        return fail(Failure::TransparencyLog, "the entry has no inclusion proof");
                    }
                    None => {}
                }
                log_index = Some(entry.log_index);
            }
            let signature = match &evidence.content {
                Content::Message { signature, .. } => signature,
                Content::Envelope(envelope) => &envelope.signatures[0],
            };
            for stamp in &evidence.timestamps {
                let time = verify_timestamp(stamp, signature, root).map_err(|detail| VerifyError {
                    failure: Failure::Timestamp,
                    detail,
                })?;
                times.push(time);
            }
        }
    }

    let (signer, issuer) = match (&leaf, authority) {
        (Some(leaf), Authority::Identity { issuer, subject }) => {
            let root = trust_root.expect("checked above");
            if times.is_empty() {
                return fail(
                    Failure::Timestamp,
                    "no signing time a transparency log or timestamp authority vouched for",
                );
            }
            let issuing = certificate::verify_chain(leaf, root, &times).map_err(|detail| VerifyError {
                failure: Failure::Certificate,
                detail,
            })?;
            if !root.ct_logs.is_empty() {
                certificate::verify_embedded_sct(leaf, issuing, root).map_err(|detail| VerifyError {
                    failure: Failure::Certificate,
                    detail,
                })?;
            }
            let identity = certificate::identity(leaf).map_err(|detail| VerifyError {
                failure: Failure::Identity,
                detail,
            })?;
            if identity.issuer.as_deref() != Some(issuer.as_str()) {
                return fail(
                    Failure::Identity,
                    format!(
                        "issued for {} by {}, not by {issuer}",
                        identity.subject,
                        identity.issuer.as_deref().unwrap_or("no issuer")
                    ),
                );
            }
            if !subject.matches(&identity.subject) {
                return fail(
                    Failure::Identity,
                    format!("signed by {}, which the policy does not name", identity.subject),
                );
            }
            (identity.subject, identity.issuer)
        }
        _ => (format!("key sha256:{}", hex(&key.key_id())), None),
    };
    Ok(Verified {
        signer,
        issuer,
        signed_at: times.first().copied(),
        log_index,
    })
}

/// Whether an in-toto statement (v0.1 or v1) names the artifact among its subjects.
fn statement_names(payload: &[u8], sha256: &[u8; 32]) -> bool {
    let Ok(statement) = serde_json::from_slice::<serde_json::Value>(payload) else {
        return false;
    };
    let wanted = hex(sha256);
    statement
        .get("subject")
        .and_then(serde_json::Value::as_array)
        .is_some_and(|subjects| {
            subjects.iter().any(|subject| {
                subject.pointer("/digest/sha256").and_then(serde_json::Value::as_str) == Some(wanted.as_str())
            })
        })
}
