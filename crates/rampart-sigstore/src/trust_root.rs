//! Sigstore's `trusted_root.json`: the transparency logs, certificate authorities, CT logs and
//! timestamp authorities a verification trusts, each for a time range.

use base64::Engine as _;
use rampart_core::unix_from_rfc3339;
use serde::Deserialize;

use crate::keys::PublicKey;

/// A closed time range (Unix seconds); no end means still valid.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Validity {
    pub start: i64,
    pub end: Option<i64>,
}

impl Validity {
    pub fn contains(&self, time: i64) -> bool {
        self.start <= time && self.end.is_none_or(|end| time <= end)
    }
}

/// A log's key (Rekor or a CT log) and when it signs.
#[derive(Debug, Clone)]
pub struct LogKey {
    pub base_url: String,
    pub log_id: Vec<u8>,
    pub key: PublicKey,
    pub valid: Validity,
}

/// A certificate authority (Fulcio, or a timestamp authority): its chain, issuing certificate first.
#[derive(Debug, Clone)]
pub struct Authority {
    pub uri: String,
    pub chain: Vec<Vec<u8>>,
    pub valid: Validity,
}

/// What a verification trusts.
#[derive(Debug, Clone, Default)]
pub struct TrustRoot {
    pub transparency_logs: Vec<LogKey>,
    pub certificate_authorities: Vec<Authority>,
    pub ct_logs: Vec<LogKey>,
    pub timestamp_authorities: Vec<Authority>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RootDocument {
    media_type: Option<String>,
    #[serde(default)]
    tlogs: Vec<LogDocument>,
    #[serde(default)]
    certificate_authorities: Vec<AuthorityDocument>,
    #[serde(default)]
    ctlogs: Vec<LogDocument>,
    #[serde(default)]
    timestamp_authorities: Vec<AuthorityDocument>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct LogDocument {
    #[serde(default)]
    base_url: String,
    public_key: KeyDocument,
    log_id: KeyIdDocument,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyDocument {
    raw_bytes: String,
    #[serde(default)]
    key_details: String,
    valid_for: Option<RangeDocument>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct KeyIdDocument {
    key_id: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct AuthorityDocument {
    #[serde(default)]
    uri: String,
    cert_chain: ChainDocument,
    valid_for: Option<RangeDocument>,
}

#[derive(Deserialize)]
struct ChainDocument {
    #[serde(default)]
    certificates: Vec<RawBytes>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct RawBytes {
    pub(crate) raw_bytes: String,
}

#[derive(Deserialize)]
struct RangeDocument {
    start: Option<String>,
    end: Option<String>,
}

/// Decodes standard base64; line breaks are skipped, as Go's decoder (which writes most
/// Sigstore documents) skips them.
pub(crate) fn base64_bytes(text: &str, what: &str) -> Result<Vec<u8>, String> {
    let text: std::borrow::Cow<'_, str> = if text.contains(['\r', '\n']) {
        text.replace(['\r', '\n'], "").into()
    } else {
        text.into()
    };
    base64::engine::general_purpose::STANDARD
        .decode(text.as_bytes())
        .map_err(|error| format!("{what} is not base64: {error}"))
}

impl TrustRoot {
    /// Reads a `trusted_root.json` (media type `application/vnd.dev.sigstore.trustedroot…`).
    /// A key or authority whose validity has no start is refused: an open start would trust it
    /// for any time.
    pub fn from_json(text: &[u8]) -> Result<TrustRoot, String> {
        let document: RootDocument =
            serde_json::from_slice(text).map_err(|error| format!("not a Sigstore trusted root: {error}"))?;
        if let Some(media_type) = &document.media_type
            && !media_type.starts_with("application/vnd.dev.sigstore.trustedroot")
        {
            return Err(format!("not a Sigstore trusted root (media type {media_type})"));
        }
        let logs = |documents: Vec<LogDocument>, what: &str| -> Result<Vec<LogKey>, String> {
            documents
                .into_iter()
                .map(|log| {
                    let der = base64_bytes(&log.public_key.raw_bytes, "a log's public key")?;
                    let key = if log.public_key.key_details.starts_with("PKCS1_RSA") {
                        PublicKey::from_rsa_pkcs1(&der)
                    } else {
                        PublicKey::from_spki(&der).map_err(|error| format!("{what} {}: {error}", log.base_url))?
                    };
                    Ok(LogKey {
                        valid: validity(log.public_key.valid_for, &format!("{what} {}", log.base_url))?,
                        log_id: base64_bytes(&log.log_id.key_id, "a log id")?,
                        base_url: log.base_url,
                        key,
                    })
                })
                .collect()
        };
        let authorities = |documents: Vec<AuthorityDocument>, what: &str| -> Result<Vec<Authority>, String> {
            documents
                .into_iter()
                .map(|authority| {
                    let chain = authority
                        .cert_chain
                        .certificates
                        .iter()
                        .map(|certificate| base64_bytes(&certificate.raw_bytes, "a certificate"))
                        .collect::<Result<Vec<_>, _>>()?;
                    if chain.is_empty() {
                        return Err(format!("{what} {} has no certificates", authority.uri));
                    }
                    Ok(Authority {
                        valid: validity(authority.valid_for, &format!("{what} {}", authority.uri))?,
                        uri: authority.uri,
                        chain,
                    })
                })
                .collect()
        };
        Ok(TrustRoot {
            transparency_logs: logs(document.tlogs, "transparency log")?,
            certificate_authorities: authorities(document.certificate_authorities, "certificate authority")?,
            ct_logs: logs(document.ctlogs, "CT log")?,
            timestamp_authorities: authorities(document.timestamp_authorities, "timestamp authority")?,
        })
    }

    pub(crate) fn transparency_log(&self, log_id: &[u8]) -> Option<&LogKey> {
        self.transparency_logs.iter().find(|log| log.log_id == log_id)
    }
}

fn validity(range: Option<RangeDocument>, what: &str) -> Result<Validity, String> {
    let range = range.ok_or_else(|| format!("{what} has no validFor"))?;
    let start = range.start.ok_or_else(|| format!("{what}: validFor has no start"))?;
    let start =
        unix_from_rfc3339(&start, true).ok_or_else(|| format!("{what}: validFor start {start:?} is not a time"))?;
    let end = match range.end {
        Some(end) => {
            Some(unix_from_rfc3339(&end, false).ok_or_else(|| format!("{what}: validFor end {end:?} is not a time"))?)
        }
        None => None,
    };
    Ok(Validity { start, end })
}
