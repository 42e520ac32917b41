//! Sigstore bundles (v0.1, v0.2, v0.3; JSON as protobuf writes it) read into [`Evidence`], the one
//! shape verification works on (cosign's simple-signing layers are read into it too).

use serde::Deserialize;

use crate::trust_root::{RawBytes, base64_bytes};

/// Who signed, as the signature material says.
#[derive(Debug, Clone)]
pub enum Material {
    /// A Fulcio (or other CA) certificate, DER; `extra` holds whatever chain a v0.1/v0.2 bundle
    /// carried after it.
    Certificate { leaf: Vec<u8>, extra: Vec<Vec<u8>> },
    /// A key the verifier must bring (the bundle only hints at which).
    PublicKey,
}

/// What was signed.
#[derive(Debug, Clone)]
pub enum Content {
    /// A signature over the artifact's bytes, with the digest the signer said it hashed.
    Message {
        digest: Option<Vec<u8>>,
        signature: Vec<u8>,
    },
    /// A DSSE envelope; its payload names the artifact (in-toto) or is itself what was signed.
    Envelope(Envelope),
}

#[derive(Debug, Clone)]
pub struct Envelope {
    pub payload_type: String,
    pub payload: Vec<u8>,
    pub signatures: Vec<Vec<u8>>,
}

impl Envelope {
    /// DSSE's pre-authentication encoding: what the signature covers.
    pub fn pae(&self) -> Vec<u8> {
        let mut text = format!("DSSEv1 {} {} ", self.payload_type.len(), self.payload_type).into_bytes();
        text.extend_from_slice(format!("{} ", self.payload.len()).as_bytes());
        text.extend_from_slice(&self.payload);
        text
    }
}

/// One transparency-log entry as the bundle carries it.
#[derive(Debug, Clone)]
pub struct LogEntry {
    pub log_index: i64,
    pub log_id: Vec<u8>,
    pub kind: String,
    pub version: String,
    pub integrated_time: i64,
    pub signed_entry_timestamp: Option<Vec<u8>>,
    pub inclusion_proof: Option<InclusionProof>,
    /// The canonicalized body, as the log stored it.
    pub body: Vec<u8>,
}

#[derive(Debug, Clone)]
pub struct InclusionProof {
    pub log_index: i64,
    pub root_hash: Vec<u8>,
    pub tree_size: i64,
    pub hashes: Vec<Vec<u8>>,
    pub checkpoint: Option<String>,
}

/// Everything a signature comes with, whatever carried it.
#[derive(Debug, Clone)]
pub struct Evidence {
    /// The bundle's minor version (1, 2, 3); 0 for cosign's legacy annotations.
    pub version: u8,
    pub material: Material,
    pub content: Content,
    pub entries: Vec<LogEntry>,
    /// RFC 3161 signed timestamps, DER.
    pub timestamps: Vec<Vec<u8>>,
}

pub const BUNDLE_MEDIA_TYPE_V03: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct BundleDocument {
    media_type: String,
    verification_material: MaterialDocument,
    message_signature: Option<MessageDocument>,
    dsse_envelope: Option<EnvelopeDocument>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MaterialDocument {
    certificate: Option<RawBytes>,
    x509_certificate_chain: Option<ChainDocument>,
    public_key: Option<serde_json::Value>,
    #[serde(default)]
    tlog_entries: Vec<EntryDocument>,
    timestamp_verification_data: Option<TimestampsDocument>,
}

#[derive(Deserialize)]
struct ChainDocument {
    #[serde(default)]
    certificates: Vec<RawBytes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TimestampsDocument {
    #[serde(default)]
    rfc3161_timestamps: Vec<SignedTimestampDocument>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct SignedTimestampDocument {
    signed_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EntryDocument {
    log_index: Int64,
    log_id: LogIdDocument,
    kind_version: KindVersionDocument,
    #[serde(default)]
    integrated_time: Option<Int64>,
    inclusion_promise: Option<PromiseDocument>,
    inclusion_proof: Option<ProofDocument>,
    canonicalized_body: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogIdDocument {
    key_id: String,
}

#[derive(Deserialize)]
struct KindVersionDocument {
    kind: String,
    version: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PromiseDocument {
    signed_entry_timestamp: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProofDocument {
    log_index: Int64,
    root_hash: String,
    tree_size: Int64,
    #[serde(default)]
    hashes: Vec<String>,
    checkpoint: Option<CheckpointDocument>,
}

#[derive(Deserialize)]
struct CheckpointDocument {
    envelope: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct MessageDocument {
    message_digest: Option<DigestDocument>,
    signature: String,
}

#[derive(Deserialize)]
struct DigestDocument {
    algorithm: String,
    digest: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct EnvelopeDocument {
    payload: String,
    payload_type: String,
    #[serde(default)]
    signatures: Vec<EnvelopeSignatureDocument>,
}

#[derive(Deserialize)]
struct EnvelopeSignatureDocument {
    sig: String,
}

/// Protobuf's JSON writes 64-bit integers as strings; some writers use numbers.
#[derive(Deserialize)]
#[serde(untagged)]
enum Int64 {
    Text(String),
    Number(i64),
}

impl Int64 {
    fn value(&self, what: &str) -> Result<i64, String> {
        match self {
            Int64::Number(number) => Ok(*number),
            Int64::Text(text) => text.parse().map_err(|_| format!("{what} {text:?} is not an integer")),
        }
    }
}

/// The bundle's minor version from its media type; `None` for one this reader does not know.
fn bundle_version(media_type: &str) -> Option<u8> {
    match media_type {
        "application/vnd.dev.sigstore.bundle+json;version=0.1" => Some(1),
        "application/vnd.dev.sigstore.bundle+json;version=0.2" => Some(2),
        "application/vnd.dev.sigstore.bundle+json;version=0.3" | BUNDLE_MEDIA_TYPE_V03 => Some(3),
        _ => None,
    }
}

/// Reads a Sigstore bundle.
pub fn read_bundle(text: &[u8]) -> Result<Evidence, String> {
    let document: BundleDocument =
        serde_json::from_slice(text).map_err(|error| format!("not a Sigstore bundle: {error}"))?;
    let version = bundle_version(&document.media_type)
        .ok_or_else(|| format!("an unsupported bundle version ({})", document.media_type))?;
    let verification = document.verification_material;
    let material = match (
        verification.certificate,
        verification.x509_certificate_chain,
        verification.public_key,
    ) {
        (Some(certificate), None, None) => Material::Certificate {
            leaf: base64_bytes(&certificate.raw_bytes, "the certificate")?,
            extra: Vec::new(),
        },
        (None, Some(chain), None) => {
            let mut certificates = chain
                .certificates
                .iter()
                .map(|certificate| base64_bytes(&certificate.raw_bytes, "a certificate"))
                .collect::<Result<Vec<_>, _>>()?;
            if certificates.is_empty() {
                return Err("the bundle's certificate chain is empty".to_string());
            }
            let leaf = certificates.remove(0);
            Material::Certificate {
                leaf,
                extra: certificates,
            }
        }
        (None, None, Some(_)) => Material::PublicKey,
        _ => return Err("the bundle names no single signing certificate or key".to_string()),
    };
    let content = match (document.message_signature, document.dsse_envelope) {
        (Some(message), None) => {
            let digest = match message.message_digest {
                Some(digest) if digest.algorithm == "SHA2_256" => {
                    Some(base64_bytes(&digest.digest, "the message digest")?)
                }
                Some(digest) => {
                    return Err(format!(
                        "an unsupported message digest algorithm ({})",
                        digest.algorithm
                    ));
                }
                None => None,
            };
            Content::Message {
                digest,
                signature: base64_bytes(&message.signature, "the signature")?,
            }
        }
        (None, Some(envelope)) => Content::Envelope(Envelope {
            payload: base64_bytes(&envelope.payload, "the DSSE payload")?,
            payload_type: envelope.payload_type,
            signatures: envelope
                .signatures
                .iter()
                .map(|signature| base64_bytes(&signature.sig, "a DSSE signature"))
                .collect::<Result<_, _>>()?,
        }),
        _ => return Err("the bundle holds neither one message signature nor one DSSE envelope".to_string()),
    };
    let entries = verification
        .tlog_entries
        .into_iter()
        .map(read_entry)
        .collect::<Result<Vec<_>, _>>()?;
    let timestamps = verification
        .timestamp_verification_data
        .map(|data| data.rfc3161_timestamps)
        .unwrap_or_default()
        .iter()
        .map(|stamp| base64_bytes(&stamp.signed_timestamp, "a signed timestamp"))
        .collect::<Result<_, _>>()?;
    Ok(Evidence {
        version,
        material,
        content,
        entries,
        timestamps,
    })
}

fn read_entry(entry: EntryDocument) -> Result<LogEntry, String> {
    let log_index = entry.log_index.value("logIndex")?;
    if log_index < 0 {
        return Err(format!("a log entry has a negative logIndex ({log_index})"));
    }
    let inclusion_proof = match entry.inclusion_proof {
        Some(proof) => Some(InclusionProof {
            log_index: proof.log_index.value("inclusionProof.logIndex")?,
            root_hash: base64_bytes(&proof.root_hash, "the inclusion proof's root hash")?,
            tree_size: proof.tree_size.value("inclusionProof.treeSize")?,
            hashes: proof
                .hashes
                .iter()
                .map(|hash| base64_bytes(hash, "an inclusion proof hash"))
                .collect::<Result<_, _>>()?,
            checkpoint: proof.checkpoint.map(|checkpoint| checkpoint.envelope),
        }),
        None => None,
    };
    Ok(LogEntry {
        log_index,
        log_id: base64_bytes(&entry.log_id.key_id, "a log id")?,
        kind: entry.kind_version.kind,
        version: entry.kind_version.version,
        integrated_time: match entry.integrated_time {
            Some(time) => time.value("integratedTime")?,
            None => 0,
        },
        signed_entry_timestamp: match entry.inclusion_promise {
            Some(promise) => Some(base64_bytes(
                &promise.signed_entry_timestamp,
                "the signed entry timestamp",
            )?),
            None => None,
        },
        inclusion_proof,
        body: base64_bytes(&entry.canonicalized_body, "a log entry's body")?,
    })
}
