//! Rekor entries: the signed entry timestamp (inclusion promise), the Merkle inclusion proof
//! with its signed checkpoint (RFC 9162, C2SP signed notes), and the entry body matched against
//! what the bundle says was signed.

use base64::Engine as _;
use sha2::{Digest, Sha256};

use crate::bundle::{Content, InclusionProof, LogEntry};
use crate::keys::pem_block;
use crate::trust_root::LogKey;

/// Checks the signed entry timestamp: the log's signature over the entry's canonical JSON.
pub fn verify_promise(entry: &LogEntry, log: &LogKey, signature: &[u8]) -> bool {
    // Canonical JSON: keys sorted, no spaces; serde_json keeps the struct's field order.
    #[derive(serde::Serialize)]
    struct Promise<'a> {
        body: &'a str,
        #[serde(rename = "integratedTime")]
        integrated_time: i64,
        #[serde(rename = "logID")]
        log_id: &'a str,
        #[serde(rename = "logIndex")]
        log_index: i64,
    }
    let body = base64::engine::general_purpose::STANDARD.encode(&entry.body);
    let log_id = hex(&entry.log_id);
    let Ok(payload) = serde_json::to_vec(&Promise {
        body: &body,
        integrated_time: entry.integrated_time,
        log_id: &log_id,
        log_index: entry.log_index,
    }) else {
        return false;
    };
    log.key.verify(&payload, signature)
}

fn node(left: &[u8], right: &[u8]) -> [u8; 32] {
    let mut hasher = Sha256::new();
    hasher.update([1u8]);
    hasher.update(left);
    hasher.update(right);
    hasher.finalize().into()
}

/// The root an inclusion proof leads to from `leaf` (RFC 9162 §2.1.3.2); `None` when the proof
/// has the wrong shape for its index and tree size.
pub fn root_from_proof(leaf: [u8; 32], index: u64, size: u64, hashes: &[Vec<u8>]) -> Option<[u8; 32]> {
    if index >= size {
        return None;
    }
    let (mut first, mut last) = (index, size - 1);
    let mut root = leaf;
    for hash in hashes {
        if last == 0 || hash.len() != 32 {
            return None;
        }
        if first & 1 == 1 || first == last {
            root = node(hash, &root);
            if first & 1 == 0 {
                while first & 1 == 0 && first != 0 {
                    first >>= 1;
                    last >>= 1;
                }
            }
        } else {
            root = node(&root, hash);
        }
        first >>= 1;
        last >>= 1;
    }
    (last == 0).then_some(root)
}

/// Checks the inclusion proof of `body` and the checkpoint that signs its root.
pub fn verify_inclusion(body: &[u8], proof: &InclusionProof, log: &LogKey) -> Result<(), String> {
    let leaf: [u8; 32] = {
        let mut hasher = Sha256::new();
        hasher.update([0u8]);
        hasher.update(body);
        hasher.finalize().into()
    };
    let (Ok(index), Ok(size)) = (u64::try_from(proof.log_index), u64::try_from(proof.tree_size)) else {
        return Err("the inclusion proof has a negative index or size".to_string());
    };
    match root_from_proof(leaf, index, size, &proof.hashes) {
        Some(root) if root[..] == proof.root_hash[..] => {}
        _ => return Err("the inclusion proof does not lead to its root hash".to_string()),
    }
    let checkpoint = proof
        .checkpoint
        .as_deref()
        .ok_or("the inclusion proof has no checkpoint")?;
    verify_checkpoint(checkpoint, proof, log)
}

/// A checkpoint is a signed note: `origin\nsize\nbase64(root)\n[extensions]\n\n— name base64(hint‖signature)\n…`.
fn verify_checkpoint(note: &str, proof: &InclusionProof, log: &LogKey) -> Result<(), String> {
    let split = note.find("\n\n").ok_or("the checkpoint is not a signed note")?;
    let (text, signatures) = (&note[..split + 1], &note[split + 2..]);
    let mut lines = text.lines();
    let origin = lines
        .next()
        .filter(|line| !line.is_empty())
        .ok_or("the checkpoint has no origin")?;
    let size: i64 = lines
        .next()
        .and_then(|line| line.parse().ok())
        .ok_or("the checkpoint has no tree size")?;
    let root = lines
        .next()
        .and_then(|line| base64::engine::general_purpose::STANDARD.decode(line).ok())
        .ok_or("the checkpoint has no root hash")?;
    if size != proof.tree_size || root != proof.root_hash {
        return Err("the checkpoint is for another tree than the inclusion proof".to_string());
    }
    for line in signatures.lines() {
        let Some(rest) = line.strip_prefix("\u{2014} ") else {
            continue;
        };
        let Some((name, signature)) = rest.rsplit_once(' ') else {
            continue;
        };
        let Ok(signature) = base64::engine::general_purpose::STANDARD.decode(signature) else {
            continue;
        };
        // The key hint is the log id's first bytes, for Rekor v1 (hash of the key) and v2
        // (hash of the note key: name, type, key) alike.
        if signature.len() < 5 || log.log_id.len() < 4 || signature[..4] != log.log_id[..4] || name.is_empty() {
            continue;
        }
        if log.key.verify(text.as_bytes(), &signature[4..]) {
            return Ok(());
        }
    }
    Err(format!(
        "no signature on the checkpoint of {origin} verifies with the log's key"
    ))
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

/// Checks that the entry's body records this signature, by this signer, over this artifact.
/// `signer` is the certificate or public key DER; `artifact_sha256` the artifact's hash for a
/// message signature.
pub fn verify_body(
    entry: &LogEntry,
    content: &Content,
    signer: &[u8],
    artifact_sha256: Option<&[u8]>,
) -> Result<(), String> {
    let body: serde_json::Value =
        serde_json::from_slice(&entry.body).map_err(|_| "the log entry's body is not JSON".to_string())?;
    let field = |path: &str| body.pointer(path).and_then(serde_json::Value::as_str);
    if field("/kind") != Some(entry.kind.as_str()) || field("/apiVersion") != Some(entry.version.as_str()) {
        return Err("the log entry's body is of another kind than the bundle says".to_string());
    }
    let mismatch = |what: &str| Err(format!("the log entry records another {what} than the bundle carries"));
    let same_signer = |encoded: Option<&str>| {
        encoded
            .and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok())
            .and_then(|pem| pem_block(&pem, "CERTIFICATE").or_else(|| pem_block(&pem, "PUBLIC KEY")))
            .is_some_and(|der| der == signer)
    };
    let decoded =
        |text: Option<&str>| text.and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok());
    match (entry.kind.as_str(), entry.version.as_str(), content) {
        ("hashedrekord", "0.0.1", Content::Message { signature, .. }) => {
            let Some(artifact) = artifact_sha256 else {
                return Err("a message signature's log entry is checked against the artifact's hash".to_string());
            };
            if field("/spec/data/hash/algorithm") != Some("sha256")
                || field("/spec/data/hash/value") != Some(&hex(artifact))
            {
                return mismatch("artifact hash");
            }
            if decoded(field("/spec/signature/content")).as_ref() != Some(signature) {
                return mismatch("signature");
            }
            if !same_signer(field("/spec/signature/publicKey/content")) {
                return mismatch("signing certificate or key");
            }
            Ok(())
        }
        ("dsse", "0.0.1", Content::Envelope(envelope)) => {
            if field("/spec/payloadHash/value") != Some(&hex(&Sha256::digest(&envelope.payload))) {
                return mismatch("payload");
            }
            let recorded = body.pointer("/spec/signatures").and_then(serde_json::Value::as_array);
            let matches = recorded.is_some_and(|recorded| {
                recorded.len() == envelope.signatures.len()
                    && envelope.signatures.iter().all(|signature| {
                        recorded.iter().any(|item| {
                            decoded(item.get("signature").and_then(serde_json::Value::as_str)).as_ref()
                                == Some(signature)
                                && same_signer(item.get("verifier").and_then(serde_json::Value::as_str))
                        })
                    })
            });
            if !matches {
                mismatch("envelope signatures")
            } else {
                Ok(())
            }
        }
        ("intoto", "0.0.2", Content::Envelope(envelope)) => {
            if field("/spec/content/payloadHash/value") != Some(&hex(&Sha256::digest(&envelope.payload))) {
                return mismatch("payload");
            }
            let recorded = body
                .pointer("/spec/content/envelope/signatures")
                .and_then(serde_json::Value::as_array);
            // intoto 0.0.2 stores each signature base64-encoded once more.
            let matches = recorded.is_some_and(|recorded| {
                recorded.len() == envelope.signatures.len()
                    && envelope.signatures.iter().all(|signature| {
                        recorded.iter().any(|item| {
                            let sig = decoded(item.get("sig").and_then(serde_json::Value::as_str));
                            let sig = sig.and_then(|once| base64::engine::general_purpose::STANDARD.decode(once).ok());
                            sig.as_ref() == Some(signature)
                                && same_signer(item.get("publicKey").and_then(serde_json::Value::as_str))
                        })
                    })
            });
            if !matches {
                mismatch("envelope signatures")
            } else {
                Ok(())
            }
        }
        // Rekor v2: the signer is named by its DER; a DSSE envelope may be logged as a
        // hashedrekord over its pre-authentication encoding.
        ("hashedrekord", "0.0.2", content) => {
            let spec = |path: &str| {
                body.pointer(&format!("/spec/hashedRekordV002{path}"))
                    .and_then(serde_json::Value::as_str)
            };
            let (hashed, signature) = match content {
                Content::Message { signature, .. } => {
                    let Some(artifact) = artifact_sha256 else {
                        return Err(
                            "a message signature's log entry is checked against the artifact's hash".to_string()
                        );
                    };
                    (artifact.to_vec(), signature)
                }
                Content::Envelope(envelope) => {
                    let [signature] = envelope.signatures.as_slice() else {
                        return mismatch("envelope signatures");
                    };
                    (Sha256::digest(envelope.pae()).to_vec(), signature)
                }
            };
            if spec("/data/algorithm") != Some("SHA2_256") || decoded(spec("/data/digest")) != Some(hashed) {
                return mismatch("artifact hash");
            }
            if decoded(spec("/signature/content")).as_ref() != Some(signature) {
                return mismatch("signature");
            }
            if !verifier_is(body.pointer("/spec/hashedRekordV002/signature/verifier"), signer) {
                return mismatch("signing certificate or key");
            }
            Ok(())
        }
        ("dsse", "0.0.2", Content::Envelope(envelope)) => {
            let spec = body.pointer("/spec/dsseV002");
            let hash = spec
                .and_then(|spec| spec.pointer("/payloadHash/digest"))
                .and_then(serde_json::Value::as_str);
            if decoded(hash) != Some(Sha256::digest(&envelope.payload).to_vec()) {
                return mismatch("payload");
            }
            let recorded = spec
                .and_then(|spec| spec.get("signatures"))
                .and_then(serde_json::Value::as_array);
            let matches = recorded.is_some_and(|recorded| {
                recorded.len() == envelope.signatures.len()
                    && envelope.signatures.iter().all(|signature| {
                        recorded.iter().any(|item| {
                            decoded(item.get("content").and_then(serde_json::Value::as_str)).as_ref() == Some(signature)
                                && verifier_is(item.get("verifier"), signer)
                        })
                    })
            });
            if !matches {
                mismatch("envelope signatures")
            } else {
                Ok(())
            }
        }
        (kind, version, _) => Err(format!("a {kind} {version} log entry for this kind of signature")),
    }
}

/// Whether a Rekor v2 verifier (`{x509Certificate|publicKey: {rawBytes}}`) names `signer`.
fn verifier_is(verifier: Option<&serde_json::Value>, signer: &[u8]) -> bool {
    let raw = verifier.and_then(|verifier| {
        verifier
            .pointer("/x509Certificate/rawBytes")
            .or_else(|| verifier.pointer("/publicKey/rawBytes"))
            .and_then(serde_json::Value::as_str)
    });
    raw.and_then(|text| base64::engine::general_purpose::STANDARD.decode(text).ok())
        .is_some_and(|der| der == signer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn leaf(byte: u8) -> [u8; 32] {
        let mut hasher = Sha256::new();
        hasher.update([0u8, byte]);
        hasher.finalize().into()
    }

    /// A Merkle tree's root (RFC 9162 §2.1.1), computed the slow way.
    fn root(leaves: &[[u8; 32]]) -> [u8; 32] {
        if leaves.len() == 1 {
            return leaves[0];
        }
        let split = leaves.len().next_power_of_two() / 2;
        node(&root(&leaves[..split]), &root(&leaves[split..]))
    }

    fn proof(leaves: &[[u8; 32]], index: usize) -> Vec<Vec<u8>> {
        if leaves.len() == 1 {
            return Vec::new();
        }
        let split = leaves.len().next_power_of_two() / 2;
        if index < split {
            let mut path = proof(&leaves[..split], index);
            path.push(root(&leaves[split..]).to_vec());
            path
        } else {
            let mut path = proof(&leaves[split..], index - split);
            path.push(root(&leaves[..split]).to_vec());
            path
        }
    }

    #[test]
    fn inclusion_proofs_lead_to_the_root_for_every_leaf_of_every_small_tree() {
        for size in 1..=17usize {
            let leaves: Vec<_> = (0..size).map(|index| leaf(index as u8)).collect();
            let expected = root(&leaves);
            for index in 0..size {
                let path = proof(&leaves, index);
                assert_eq!(
                    root_from_proof(leaves[index], index as u64, size as u64, &path),
                    Some(expected),
                    "{size}/{index}"
                );
                if !path.is_empty() {
                    let mut flipped = path.clone();
                    flipped[0][0] ^= 1;
                    assert_ne!(
                        root_from_proof(leaves[index], index as u64, size as u64, &flipped),
                        Some(expected)
                    );
                }
            }
            assert_eq!(root_from_proof(leaves[0], size as u64, size as u64, &[]), None);
        }
    }
}
