//! The AdmissionReview contract (`admission.k8s.io/v1`): what the API
//! server sends, and the answer it takes. Only the fields the webhook
//! reads are modelled; unknown ones are ignored.

use serde::Deserialize;
use serde_json::{Value, json};

/// Each warning the API server relays must stay under this many
/// characters.
pub const MAX_WARNING: usize = 120;
/// Longer denial messages are cut here (the API server and kubectl show
/// them whole, but a page of text helps nobody).
pub const MAX_MESSAGE: usize = 4000;

#[derive(Debug, Deserialize)]
struct AdmissionReview {
    #[serde(rename = "apiVersion", default)]
    api_version: String,
    #[serde(default)]
    kind: String,
    request: Option<AdmissionRequest>,
}

/// What is asked to be admitted.
#[derive(Debug, Clone, Deserialize)]
pub struct AdmissionRequest {
    pub uid: String,
    #[serde(default)]
    pub kind: GroupVersionKind,
    pub namespace: Option<String>,
    pub name: Option<String>,
    /// CREATE, UPDATE, DELETE or CONNECT.
    pub operation: String,
    #[serde(rename = "userInfo", default)]
    pub user_info: UserInfo,
    pub object: Option<Value>,
    #[serde(rename = "oldObject")]
    pub old_object: Option<Value>,
    #[serde(rename = "dryRun", default)]
    pub dry_run: bool,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct GroupVersionKind {
    #[serde(default)]
    pub group: String,
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub kind: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct UserInfo {
    #[serde(default)]
    pub username: String,
    #[serde(default)]
    pub groups: Vec<String>,
}

/// Reads an AdmissionReview; the error says what is wrong with it.
pub fn decode(body: &[u8]) -> Result<AdmissionRequest, String> {
    let review: AdmissionReview =
        serde_json::from_slice(body).map_err(|error| format!("not an AdmissionReview: {error}"))?;
    if review.api_version != "admission.k8s.io/v1" || review.kind != "AdmissionReview" {
        return Err(format!(
            "expected an admission.k8s.io/v1 AdmissionReview, got apiVersion `{}` kind `{}`",
            review.api_version, review.kind
        ));
    }
    review
        .request
        .ok_or_else(|| "the AdmissionReview has no request".to_string())
}

/// The answer to request `uid`.
pub fn response(uid: &str, allowed: bool, message: Option<&str>, warnings: &[String]) -> Value {
    let mut response = json!({"uid": uid, "allowed": allowed});
    if let Some(message) = message {
        response["status"] = json!({"code": if allowed { 200 } else { 403 }, "message": message});
    }
    if !warnings.is_empty() {
        response["warnings"] = json!(warnings);
    }
    json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "response": response})
}

/// A string cut to `limit` characters, with an ellipsis when cut.
pub fn shorten(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(limit.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_requests_and_refuses_the_rest() {
        let request = decode(
            br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview","request":{"uid":"u1","kind":{"group":"","version":"v1","kind":"Pod"},"operation":"CREATE","namespace":"shop","object":{"kind":"Pod"}}}"#,
        )
        .unwrap();
        assert_eq!(
            (
                request.uid.as_str(),
                request.operation.as_str(),
                request.kind.kind.as_str()
            ),
            ("u1", "CREATE", "Pod")
        );
        assert!(decode(b"{").unwrap_err().contains("not an AdmissionReview"));
        assert!(
            decode(br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#)
                .unwrap_err()
                .contains("v1beta1")
        );
        assert!(
            decode(br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#)
                .unwrap_err()
                .contains("no request")
        );
    }

    #[test]
    fn responses_echo_the_uid() {
        let answer = response("u1", false, Some("denied"), &["w".to_string()]);
        assert_eq!(answer["response"]["uid"], "u1");
        assert_eq!(answer["response"]["status"]["code"], 403);
        assert_eq!(answer["response"]["warnings"][0], "w");
        assert_eq!(shorten("abcdef", 4), "abc…");
    }
}
