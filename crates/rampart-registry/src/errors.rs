//! Registry failures by kind: what decides whether an image is "unsigned" or "not checked".

use oci_client::Reference;
use oci_client::errors::{OciDistributionError, OciErrorCode};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ErrorKind {
    /// 401 or 403: credentials missing or refused.
    Unauthorized,
    /// 429: the registry's rate limit.
    RateLimited,
    /// 404: no such manifest, tag or repository.
    NotFound,
    /// 5xx.
    Server,
    /// No answer: connection refused, DNS, TLS, timeout.
    Network,
    /// An answer that breaks the distribution protocol.
    Protocol,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RegistryError {
    pub kind: ErrorKind,
    pub detail: String,
}

impl RegistryError {
    pub fn new(kind: ErrorKind, detail: String) -> RegistryError {
        RegistryError { kind, detail }
    }
}

impl std::fmt::Display for RegistryError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.detail)
    }
}

fn kind_of_status(status: u16) -> ErrorKind {
    match status {
        401 | 403 => ErrorKind::Unauthorized,
        404 => ErrorKind::NotFound,
        429 => ErrorKind::RateLimited,
        500..=599 => ErrorKind::Server,
        _ => ErrorKind::Protocol,
    }
}

pub(crate) fn classify(error: OciDistributionError, reference: &Reference) -> RegistryError {
    let name = reference.whole();
    let (kind, detail) = match &error {
        OciDistributionError::UnauthorizedError { .. } | OciDistributionError::AuthenticationFailure(_) => (
            ErrorKind::Unauthorized,
            "the registry refused access (401); give credentials with --registry-auth or docker login".to_string(),
        ),
        OciDistributionError::ImageManifestNotFoundError(_) => (ErrorKind::NotFound, "not found".to_string()),
        OciDistributionError::RegistryError { envelope, .. } => {
            let kind = envelope
                .errors
                .iter()
                .map(|error| match error.code {
                    OciErrorCode::Unauthorized | OciErrorCode::Denied => ErrorKind::Unauthorized,
                    OciErrorCode::Toomanyrequests => ErrorKind::RateLimited,
                    OciErrorCode::ManifestUnknown
                    | OciErrorCode::NameUnknown
                    | OciErrorCode::BlobUnknown
                    | OciErrorCode::NotFound => ErrorKind::NotFound,
                    _ => ErrorKind::Protocol,
                })
                .min()
                .unwrap_or(ErrorKind::Protocol);
            (kind, envelope.to_string())
        }
        OciDistributionError::ServerError { code, message, .. } => {
            let message: String = message.chars().take(200).collect();
            (kind_of_status(*code), format!("HTTP {code}: {}", message.trim()))
        }
        OciDistributionError::RequestError(request) => {
            let kind = match request.status() {
                Some(status) => kind_of_status(status.as_u16()),
                None => ErrorKind::Network,
            };
            let mut detail = request.to_string();
            let mut source = std::error::Error::source(request);
            while let Some(cause) = source {
                detail = format!("{detail}: {cause}");
                source = cause.source();
            }
            (kind, detail)
        }
        other => (ErrorKind::Protocol, other.to_string()),
    };
    RegistryError {
        kind,
        detail: format!("{name}: {detail}"),
    }
}
