//! Signing certificates (Fulcio's): the chain to a trusted authority at the signing time, the
//! identity they certify, and the Certificate Transparency timestamps embedded in them.

use sha2::{Digest, Sha256};
use x509_parser::certificate::X509Certificate;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::prelude::FromDer;

use crate::keys::PublicKey;
use crate::trust_root::{Authority, TrustRoot, Validity};

/// Fulcio's OIDC issuer extensions: v2 (a DER UTF8String) and v1 (raw text).
const ISSUER_V2: &str = "1.3.6.1.4.1.57264.1.8";
const ISSUER_V1: &str = "1.3.6.1.4.1.57264.1.1";
/// Fulcio's "username" identity (a SAN otherName).
const USERNAME: &str = "1.3.6.1.4.1.57264.1.7";

pub fn parse(der: &[u8]) -> Result<X509Certificate<'_>, String> {
    match X509Certificate::from_der(der) {
        Ok(([], certificate)) => Ok(certificate),
        Ok(_) => Err("trailing bytes after the certificate".to_string()),
        Err(error) => Err(format!("not a certificate: {error}")),
    }
}

/// The key a certificate certifies.
pub fn public_key(certificate: &X509Certificate<'_>) -> Result<PublicKey, String> {
    PublicKey::from_spki(certificate.public_key().raw)
}

pub fn is_self_signed(certificate: &X509Certificate<'_>) -> bool {
    certificate.subject() == certificate.issuer() && certificate.verify_signature(None).is_ok()
}

fn valid_at(certificate: &X509Certificate<'_>, time: i64) -> bool {
    let validity = certificate.validity();
    validity.not_before.timestamp() <= time && time <= validity.not_after.timestamp()
}

/// The identity a signing certificate certifies: its SAN and its OIDC issuer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    pub subject: String,
    pub issuer: Option<String>,
}

pub fn identity(certificate: &X509Certificate<'_>) -> Result<Identity, String> {
    let mut subject = None;
    let mut issuer_v1 = None;
    let mut issuer_v2 = None;
    for extension in certificate.extensions() {
        match extension.oid.to_id_string().as_str() {
            ISSUER_V2 => issuer_v2 = der_utf8(extension.value),
            ISSUER_V1 => issuer_v1 = std::str::from_utf8(extension.value).ok().map(str::to_string),
            _ => {}
        }
        if let ParsedExtension::SubjectAlternativeName(names) = extension.parsed_extension() {
            subject = names.general_names.iter().find_map(|name| match name {
                GeneralName::URI(text) | GeneralName::RFC822Name(text) => Some(text.to_string()),
                GeneralName::OtherName(oid, value) if oid.to_id_string() == USERNAME => der_utf8(explicit_inner(value)),
                _ => None,
            });
        }
    }
    Ok(Identity {
        subject: subject.ok_or("the signing certificate names no identity (no URI, email or username SAN)")?,
        issuer: issuer_v2.or(issuer_v1),
    })
}

/// Reads a DER UTF8String (tag 12).
fn der_utf8(value: &[u8]) -> Option<String> {
    let (tag, content) = tlv(value)?;
    (tag == 0x0c).then(|| std::str::from_utf8(content).ok().map(str::to_string))?
}

/// An otherName's value is `[0] EXPLICIT`: the TLV inside it (or the value itself when unwrapped).
fn explicit_inner(value: &[u8]) -> &[u8] {
    match tlv(value) {
        Some((0xa0, inner)) => inner,
        _ => value,
    }
}

/// One DER tag-length-value: the tag and the content. Definite lengths only, as DER has.
fn tlv(bytes: &[u8]) -> Option<(u8, &[u8])> {
    let (tag, rest) = bytes.split_first()?;
    let (first, rest) = rest.split_first()?;
    let (length, rest) = if *first < 0x80 {
        (*first as usize, rest)
    } else {
        let count = (*first & 0x7f) as usize;
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let length = rest[..count]
            .iter()
            .fold(0usize, |length, byte| (length << 8) | *byte as usize);
        (length, &rest[count..])
    };
    Some((*tag, rest.get(..length)?))
}

/// The whole TLV at the start of `bytes` and what follows it.
fn split_tlv(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (_, content) = tlv(bytes)?;
    let header = content.as_ptr() as usize - bytes.as_ptr() as usize;
    Some(bytes.split_at(header + content.len()))
}

pub(crate) fn der_header(tag: u8, length: usize) -> Vec<u8> {
    let mut header = vec![tag];
    if length < 0x80 {
        header.push(length as u8);
    } else {
        let bytes: Vec<u8> = length.to_be_bytes().into_iter().skip_while(|byte| *byte == 0).collect();
        header.push(0x80 | bytes.len() as u8);
        header.extend(bytes);
    }
    header
}

/// Checks that `leaf` is a code-signing certificate issued through one of the trust root's
/// certificate authorities, every certificate of the path valid at each of `times` and the
/// authority trusted then. Returns the authority's issuing certificate (DER).
pub fn verify_chain<'r>(
    leaf: &X509Certificate<'_>,
    trust_root: &'r TrustRoot,
    times: &[i64],
) -> Result<&'r [u8], String> {
    let usage = leaf
        .extended_key_usage()
        .map_err(|error| format!("the signing certificate's extended key usage is malformed: {error}"))?;
    if !usage.is_some_and(|usage| usage.value.code_signing) {
        return Err("the signing certificate is not for code signing".to_string());
    }
    if leaf.is_ca() {
        return Err("the signing certificate is a CA certificate".to_string());
    }
    for time in times {
        if !valid_at(leaf, *time) {
            return Err(format!(
                "the signing certificate was not valid at the signing time {} (valid {} to {})",
                rampart_core::rfc3339(*time),
                rampart_core::rfc3339(leaf.validity().not_before.timestamp()),
                rampart_core::rfc3339(leaf.validity().not_after.timestamp()),
            ));
        }
    }
    let mut reasons = Vec::new();
    for authority in &trust_root.certificate_authorities {
        match chain_through(leaf, authority, times) {
            Ok(()) => return Ok(&authority.chain[0]),
            Err(reason) => reasons.push(reason),
        }
    }
    Err(
        match reasons.iter().find(|reason| !reason.starts_with("not issued by")) {
            Some(reason) => reason.clone(),
            None => {
                "the signing certificate was not issued by any certificate authority the trust root names".to_string()
            }
        },
    )
}

fn chain_through(leaf: &X509Certificate<'_>, authority: &Authority, times: &[i64]) -> Result<(), String> {
    let chain = authority
        .chain
        .iter()
        .map(|der| parse(der))
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| format!("{}: {error}", authority.uri))?;
    verify_path(leaf, &chain, &authority.valid, &authority.uri, times)
}

/// Checks that `leaf` was issued through `path` (issuing certificate first, root last; empty
/// when the trust root lists `leaf` itself), every certificate valid at each of `times`, and
/// the authority trusted then.
pub fn verify_path(
    leaf: &X509Certificate<'_>,
    path: &[X509Certificate<'_>],
    valid: &Validity,
    uri: &str,
    times: &[i64],
) -> Result<(), String> {
    if let Some(issuer) = path.first()
        && (leaf.issuer() != issuer.subject() || leaf.verify_signature(Some(issuer.public_key())).is_err())
    {
        return Err(format!("not issued by {uri}"));
    }
    if let Some(time) = times.iter().find(|time| !valid.contains(**time)) {
        return Err(format!(
            "the certificate authority {uri} was not trusted at the signing time {}",
            rampart_core::rfc3339(*time)
        ));
    }
    if let Some(time) = times.iter().find(|time| !valid_at(leaf, **time)) {
        return Err(format!(
            "the certificate was not valid at {} (valid {} to {})",
            rampart_core::rfc3339(*time),
            rampart_core::rfc3339(leaf.validity().not_before.timestamp()),
            rampart_core::rfc3339(leaf.validity().not_after.timestamp()),
        ));
    }
    for (index, certificate) in path.iter().enumerate() {
        if !certificate.is_ca() {
            return Err(format!("{uri}: a certificate of its chain is not a CA"));
        }
        let signer = path.get(index + 1).unwrap_or(certificate);
        if certificate.verify_signature(Some(signer.public_key())).is_err() {
            return Err(format!("{uri}: its chain does not verify"));
        }
        if let Some(time) = times.iter().find(|time| !valid_at(certificate, **time)) {
            return Err(format!(
                "{uri}: a certificate of its chain was not valid at {}",
                rampart_core::rfc3339(*time)
            ));
        }
    }
    Ok(())
}

/// Checks that one of the certificate's embedded SCTs is signed by a CT log of the trust root
/// (trusted at the SCT's time), over the precertificate `issuer` issued.
pub fn verify_embedded_sct(
    leaf: &X509Certificate<'_>,
    issuer_der: &[u8],
    trust_root: &TrustRoot,
) -> Result<(), String> {
    let issuer = parse(issuer_der)?;
    let issuer_key_hash: [u8; 32] = Sha256::digest(issuer.public_key().raw).into();
    let timestamps = leaf
        .extensions()
        .iter()
        .find_map(|extension| match extension.parsed_extension() {
            ParsedExtension::SCT(list) => Some(list.clone()),
            _ => None,
        })
        .ok_or("the signing certificate carries no Certificate Transparency timestamp")?;
    let precertificate = tbs_without_sct(leaf.tbs_certificate.as_ref())
        .ok_or("the signing certificate's extensions could not be re-encoded")?;
    for timestamp in &timestamps {
        let Some(log) = trust_root.ct_logs.iter().find(|log| log.log_id == timestamp.id.key_id) else {
            continue;
        };
        let mut signed = vec![timestamp.version.0, 0];
        signed.extend_from_slice(&timestamp.timestamp.to_be_bytes());
        signed.extend_from_slice(&1u16.to_be_bytes());
        signed.extend_from_slice(&issuer_key_hash);
        signed.extend_from_slice(&(precertificate.len() as u32).to_be_bytes()[1..]);
        signed.extend_from_slice(&precertificate);
        signed.extend_from_slice(&(timestamp.extensions.0.len() as u16).to_be_bytes());
        signed.extend_from_slice(timestamp.extensions.0);
        let seconds = (timestamp.timestamp / 1000) as i64;
        if log.valid.contains(seconds) && log.key.verify(&signed, timestamp.signature.data) {
            return Ok(());
        }
    }
    Err(
        "no Certificate Transparency timestamp in the signing certificate verifies with a CT log of the trust root"
            .to_string(),
    )
}

/// The TBSCertificate re-encoded without its SCT list extension: the precertificate the CT log signed.
fn tbs_without_sct(tbs: &[u8]) -> Option<Vec<u8>> {
    let (0x30, fields) = tlv(tbs)? else { return None };
    let mut kept = Vec::new();
    let mut rest = fields;
    while !rest.is_empty() {
        let (field, after) = split_tlv(rest)?;
        rest = after;
        if field[0] != 0xa3 {
            kept.extend_from_slice(field);
            continue;
        }
        let (_, extensions) = tlv(field)?;
        let (0x30, mut list) = tlv(extensions)? else {
            return None;
        };
        let mut filtered = Vec::new();
        while !list.is_empty() {
            let (extension, after) = split_tlv(list)?;
            list = after;
            let (_, inside) = tlv(extension)?;
            let (oid, _) = split_tlv(inside)?;
            if oid != SCT_OID_DER {
                filtered.extend_from_slice(extension);
            }
        }
        let mut sequence = der_header(0x30, filtered.len());
        sequence.extend(filtered);
        kept.extend(der_header(0xa3, sequence.len()));
        kept.extend(sequence);
    }
    let mut out = der_header(0x30, kept.len());
    out.extend(kept);
    Some(out)
}

/// `1.3.6.1.4.1.11129.2.4.2` as a DER OBJECT IDENTIFIER.
const SCT_OID_DER: &[u8] = &[0x06, 0x0a, 0x2b, 0x06, 0x01, 0x04, 0x01, 0xd6, 0x79, 0x02, 0x04, 0x02];
