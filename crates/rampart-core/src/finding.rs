use std::borrow::Cow;
use std::sync::Arc;

use serde::Serialize;

use crate::{Control, Severity};

/// Where a finding points: a file (or `-` for standard input) and a 1-based
/// line and column.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Location {
    /// Shared by every finding of the same file.
    pub path: Arc<str>,
    pub line: usize,
    pub column: usize,
}

/// The Kubernetes object a finding is about.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct ResourceRef {
    #[serde(rename = "apiVersion")]
    pub api_version: String,
    pub kind: String,
    /// The namespace as written in the manifest; `None` when it sets none.
    pub namespace: Option<String>,
    pub name: String,
}

impl ResourceRef {
    /// `Kind/namespace/name`, or `Kind/name` without a namespace.
    pub fn display_name(&self) -> String {
        match &self.namespace {
            Some(ns) => format!("{}/{}/{}", self.kind, ns, self.name),
            None => format!("{}/{}", self.kind, self.name),
        }
    }
}

/// One broken control, at one place.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub rule: Cow<'static, str>,
    pub severity: Severity,
    pub message: String,
    pub location: Location,
    /// Shared by every finding about the same object.
    pub resource: Option<Arc<ResourceRef>>,
    /// Path of the offending field inside the object, e.g.
    /// `spec.template.spec.containers[0].securityContext.privileged`.
    pub field: String,
    /// Name of the container the finding is about, when it is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub container: Option<String>,
    pub controls: Cow<'static, [Control]>,
    /// How to fix it, in one sentence.
    pub fix: Cow<'static, str>,
    pub suppressed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suppression_reason: Option<String>,
    /// What a secrets finding found, redacted; `None` for other findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<Box<SecretEvidence>>,
    /// The audit event a detection is about; `None` for other findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<Box<AuditEvidence>>,
}

/// The Kubernetes audit event a detection is about: who did what, from where, and what the
/// API server answered. Keys as the audit event names them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct AuditEvidence {
    #[serde(rename = "auditID")]
    pub audit_id: String,
    /// When the API server received the request, RFC 3339.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    pub user: String,
    pub groups: Vec<String>,
    /// Who the request acted as, when it impersonated someone.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub impersonated_user: Option<String>,
    #[serde(rename = "sourceIPs")]
    pub source_ips: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_agent: Option<String>,
    pub verb: String,
    /// `pods/exec`, `secrets`, or the path of a non-resource request.
    pub resource: String,
    /// The response code (`None` when the log stage has none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<u16>,
    /// The detections of one identity close in time share it: one incident.
    pub incident: String,
}

/// The secret a finding is about, safe to print: never the value itself
/// unless the user asked for it (`value`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SecretEvidence {
    /// A few leading characters and the length, e.g. `ghp_…(40 chars)`.
    pub redacted: String,
    /// Stable identity for baselines and ignores: a keyed hash of the rule,
    /// the path and the secret. It does not depend on the line.
    pub fingerprint: String,
    /// Shannon entropy of the secret in bits per byte.
    pub entropy: f32,
    /// How the secret was hidden, when it was decoded first (`base64`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub decoded: Option<&'static str>,
    /// The commit that introduced it, for history findings.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub commit: Option<CommitRef>,
    /// The secret in full: only with `--show-secrets`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub value: Option<String>,
    /// A keyed hash of the value alone (the key drawn per run), to find
    /// the same value elsewhere; never serialised.
    #[serde(skip)]
    pub value_hash: Option<String>,
}

/// A commit, as a history finding names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CommitRef {
    pub id: String,
    pub author: String,
    pub email: String,
    /// Author date, RFC 3339.
    pub date: String,
    /// First line of the message.
    pub summary: String,
}

/// An input that could not be read or parsed. The rest of the scan goes on.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub struct ScanError {
    pub path: String,
    /// 1-based line, when the problem has one.
    pub line: Option<usize>,
    pub message: String,
}

impl ScanError {
    pub fn new(path: impl Into<String>, line: Option<usize>, message: impl Into<String>) -> Self {
        ScanError {
            path: path.into(),
            line,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ScanError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}", self.path, line, self.message),
            None => write!(f, "{}: {}", self.path, self.message),
        }
    }
}
