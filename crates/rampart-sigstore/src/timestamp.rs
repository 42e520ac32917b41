//! RFC 3161 signed timestamps (a timestamp authority's word that a signature existed at a
//! time): the CMS SignedData around a TSTInfo, its imprint of the signature, the signed
//! attributes' digest, and the authority's certificate chain from the trust root.

use sha2::{Digest, Sha256, Sha384, Sha512};
use x509_parser::asn1_rs::{Any, Class, FromDer};
use x509_parser::certificate::X509Certificate;

use crate::certificate;
use crate::keys::SignatureHash;
use crate::trust_root::TrustRoot;

const SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
/// id-kp-timeStamping.
const TIME_STAMPING: &str = "1.3.6.1.5.5.7.3.8";

fn children(data: &[u8]) -> Result<Vec<Any<'_>>, String> {
    let mut items = Vec::new();
    let mut rest = data;
    while !rest.is_empty() {
        let (after, item) = Any::from_der(rest).map_err(|error| format!("the signed timestamp is not DER: {error}"))?;
        items.push(item);
        rest = after;
    }
    Ok(items)
}

fn is_universal(item: &Any<'_>, tag: u32) -> bool {
    item.class() == Class::Universal && item.tag().0 == tag
}

fn is_context(item: &Any<'_>, tag: u32) -> bool {
    item.class() == Class::ContextSpecific && item.tag().0 == tag
}

fn oid_of(item: &Any<'_>) -> Option<String> {
    is_universal(item, 6).then(|| item.clone().oid().ok().map(|oid| oid.to_id_string()))?
}

fn malformed(what: &str) -> String {
    format!("the signed timestamp is malformed ({what})")
}

/// A hash named by its OID: SHA-256, -384, -512.
fn hash_named(oid: &str, data: &[u8]) -> Option<Vec<u8>> {
    match oid {
        "2.16.840.1.101.3.4.2.1" => Some(Sha256::digest(data).to_vec()),
        "2.16.840.1.101.3.4.2.2" => Some(Sha384::digest(data).to_vec()),
        "2.16.840.1.101.3.4.2.3" => Some(Sha512::digest(data).to_vec()),
        _ => None,
    }
}

/// The hash a digest algorithm OID names, as a signature's hash.
fn digest_hash(oid: &str) -> Option<SignatureHash> {
    match oid {
        "2.16.840.1.101.3.4.2.1" => Some(SignatureHash::Sha256),
        "2.16.840.1.101.3.4.2.2" => Some(SignatureHash::Sha384),
        "2.16.840.1.101.3.4.2.3" => Some(SignatureHash::Sha512),
        _ => None,
    }
}

/// The hash a signature algorithm OID names (ECDSA or RSA PKCS#1 with SHA-2).
fn signature_hash(oid: &str) -> Option<SignatureHash> {
    match oid {
        "1.2.840.10045.4.3.2" | "1.2.840.113549.1.1.11" => Some(SignatureHash::Sha256),
        "1.2.840.10045.4.3.3" | "1.2.840.113549.1.1.12" => Some(SignatureHash::Sha384),
        "1.2.840.10045.4.3.4" | "1.2.840.113549.1.1.13" => Some(SignatureHash::Sha512),
        _ => None,
    }
}

/// Verifies a signed timestamp (a TimeStampResp or a bare TimeStampToken, DER) over
/// `signature` and returns the time it vouches for (Unix seconds).
pub fn verify_timestamp(der: &[u8], signature: &[u8], trust_root: &TrustRoot) -> Result<i64, String> {
    let (_, top) = Any::from_der(der).map_err(|_| malformed("not DER"))?;
    let mut token = children(top.data)?;
    // A TimeStampResp is SEQUENCE { status, token }; a token is SEQUENCE { OID, [0] SignedData }.
    if token.first().is_some_and(|first| is_universal(first, 16)) {
        let status = children(token[0].data)?;
        let granted = status.first().and_then(|code| code.clone().as_u32().ok());
        if !matches!(granted, Some(0 | 1)) {
            return Err("the timestamp authority did not grant the timestamp".to_string());
        }
        let inner = token.get(1).ok_or_else(|| malformed("no token"))?;
        token = children(inner.data)?;
    }
    if token.first().and_then(oid_of).as_deref() != Some(SIGNED_DATA) {
        return Err(malformed("not CMS SignedData"));
    }
    let explicit = token
        .get(1)
        .filter(|item| is_context(item, 0))
        .ok_or_else(|| malformed("no content"))?;
    let signed_data = children(explicit.data)?;
    let signed_data = children(signed_data.first().ok_or_else(|| malformed("empty content"))?.data)?;
    // version, digestAlgorithms, encapContentInfo, [0] certificates?, [1] crls?, signerInfos
    let encapsulated = children(
        signed_data
            .get(2)
            .ok_or_else(|| malformed("no encapsulated content"))?
            .data,
    )?;
    if encapsulated.first().and_then(oid_of).as_deref() != Some(TST_INFO) {
        return Err(malformed("not a TSTInfo"));
    }
    let octets = children(
        encapsulated
            .get(1)
            .filter(|item| is_context(item, 0))
            .ok_or_else(|| malformed("no TSTInfo"))?
            .data,
    )?;
    let tst_info_der = octets
        .first()
        .filter(|item| is_universal(item, 4))
        .ok_or_else(|| malformed("TSTInfo"))?
        .data;
    let tst_info = children(
        children(tst_info_der)?
            .first()
            .ok_or_else(|| malformed("TSTInfo"))?
            .data,
    )?;
    // version, policy, messageImprint, serialNumber, genTime, …
    let imprint = children(tst_info.get(2).ok_or_else(|| malformed("no message imprint"))?.data)?;
    let imprint_algorithm = imprint
        .first()
        .and_then(|algorithm| children(algorithm.data).ok())
        .and_then(|parts| parts.first().and_then(oid_of))
        .ok_or_else(|| malformed("message imprint algorithm"))?;
    let hashed = imprint
        .get(1)
        .filter(|item| is_universal(item, 4))
        .ok_or_else(|| malformed("message imprint"))?
        .data;
    if hash_named(&imprint_algorithm, signature).as_deref() != Some(hashed) {
        return Err("the signed timestamp is for another signature".to_string());
    }
    let generated = tst_info
        .get(4)
        .filter(|item| is_universal(item, 24))
        .ok_or_else(|| malformed("genTime"))?;
    let time = generalized_time(generated.data).ok_or_else(|| malformed("genTime"))?;

    let mut embedded = Vec::new();
    let mut signer_infos = None;
    for item in &signed_data[3..] {
        if is_context(item, 0) {
            let mut rest = item.data;
            while !rest.is_empty() {
                let (after, certificate) =
                    X509Certificate::from_der(rest).map_err(|_| malformed("an embedded certificate"))?;
                embedded.push(certificate);
                rest = after;
            }
        } else if is_universal(item, 17) {
            signer_infos = Some(children(item.data)?);
        }
    }
    let signer_infos = signer_infos.ok_or_else(|| malformed("no signer"))?;
    let [signer_info] = signer_infos.as_slice() else {
        return Err(malformed("not exactly one signer"));
    };
    let signer = children(signer_info.data)?;
    // version, sid, digestAlgorithm, [0] signedAttrs, signatureAlgorithm, signature
    let digest_algorithm = signer
        .get(2)
        .and_then(|algorithm| children(algorithm.data).ok())
        .and_then(|parts| parts.first().and_then(oid_of))
        .ok_or_else(|| malformed("signer digest algorithm"))?;
    let attributes = signer
        .get(3)
        .filter(|item| is_context(item, 0))
        .ok_or_else(|| malformed("no signed attributes"))?;
    // CMS often names only the key type (rsaEncryption, ecPublicKey); the hash is then the digest algorithm's.
    let signature_algorithm = signer
        .get(4)
        .and_then(|algorithm| children(algorithm.data).ok())
        .and_then(|parts| parts.first().and_then(oid_of))
        .and_then(|oid| match oid.as_str() {
            "1.2.840.113549.1.1.1" | "1.2.840.10045.2.1" => digest_hash(&digest_algorithm),
            _ => signature_hash(&oid),
        })
        .ok_or_else(|| malformed("signature algorithm"))?;
    let authority_signature = signer
        .get(5)
        .filter(|item| is_universal(item, 4))
        .ok_or_else(|| malformed("signature"))?
        .data;
    let mut digest_attribute = None;
    for attribute in children(attributes.data)? {
        let parts = children(attribute.data)?;
        if parts.first().and_then(oid_of).as_deref() == Some(MESSAGE_DIGEST) {
            let values = children(parts.get(1).ok_or_else(|| malformed("messageDigest"))?.data)?;
            digest_attribute = values
                .first()
                .filter(|item| is_universal(item, 4))
                .map(|item| item.data);
        }
    }
    if hash_named(&digest_algorithm, tst_info_der).as_deref() != digest_attribute {
        return Err("the signed timestamp's attributes do not match its content".to_string());
    }
    // The signature covers the attributes DER-encoded as a SET, not as the [0] they are stored as.
    let mut signed_attributes = certificate::der_header(0x31, attributes.data.len());
    signed_attributes.extend_from_slice(attributes.data);

    let mut reasons = Vec::new();
    for authority in &trust_root.timestamp_authorities {
        let chain = authority
            .chain
            .iter()
            .map(|der| certificate::parse(der))
            .collect::<Result<Vec<_>, _>>()?;
        let candidates = embedded
            .iter()
            .filter(|certificate| !certificate.is_ca())
            .chain(chain.first());
        for leaf in candidates {
            let Ok(key) = certificate::public_key(leaf) else {
                continue;
            };
            if !key.verify_with(&signed_attributes, authority_signature, signature_algorithm) {
                continue;
            }
            let path: &[X509Certificate<'_>] = if leaf.as_raw() == chain[0].as_raw() {
                &chain[1..]
            } else {
                &chain
            };
            let usage = leaf.extended_key_usage().ok().flatten();
            if !usage.is_some_and(|usage| {
                usage.value.other.iter().any(|oid| oid.to_id_string() == TIME_STAMPING) || usage.value.time_stamping
            }) {
                reasons.push("the timestamp's signing certificate is not for timestamping".to_string());
                continue;
            }
            match certificate::verify_path(leaf, path, &authority.valid, &authority.uri, &[time]) {
                Ok(()) => return Ok(time),
                Err(reason) => reasons.push(reason),
            }
        }
    }
    Err(reasons
        .into_iter()
        .find(|reason| !reason.starts_with("not issued by"))
        .unwrap_or_else(|| "the signed timestamp is not from a timestamp authority the trust root names".to_string()))
}

/// `YYYYMMDDhhmmss[.f…]Z` as Unix seconds.
fn generalized_time(data: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(data).ok()?;
    let (digits, rest) = text.split_at_checked(14)?;
    if !digits.bytes().all(|byte| byte.is_ascii_digit()) || !rest.ends_with('Z') {
        return None;
    }
    let fraction = &rest[..rest.len() - 1];
    let digits_only = |text: &str| text.bytes().all(|byte| byte.is_ascii_digit());
    if !fraction.is_empty() && !fraction.strip_prefix('.').is_some_and(digits_only) {
        return None;
    }
    let stamp = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &digits[0..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..14]
    );
    rampart_core::unix_from_rfc3339(&stamp, false)
}
