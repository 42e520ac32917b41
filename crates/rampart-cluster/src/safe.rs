//! What is removed from a cluster's object before it is judged, stored or
//! printed.

use rampart_k8s::yaml::{Node, Value};

/// `kubectl apply` keeps the whole applied object here, so on a Secret it
/// holds every value in clear text (the rule that reports it names it).
pub use rampart_k8s::rules::secret_last_applied::LAST_APPLIED;

/// What a Secret's last-applied annotation holds once made safe: the
/// annotation stays (its presence is a finding), its content does not.
pub const REMOVED: &str = "(removed by rampart: it held the Secret as applied, values included)";

/// Makes `object` safe to judge: a Secret's `data` and `stringData` are
/// dropped and its last-applied annotation emptied of content; any other
/// object's last-applied annotation and managed fields are dropped (they
/// repeat the object, and cost memory).
pub fn make_safe(object: &mut Node) {
    let is_secret = object.get("kind").and_then(Node::as_str) == Some("Secret")
        && object.get("apiVersion").and_then(Node::as_str) == Some("v1");
    if is_secret {
        object.remove("data");
        object.remove("stringData");
    }
    let Some(metadata) = object.get_mut("metadata") else {
        return;
    };
    if !is_secret {
        metadata.remove("managedFields");
    }
    let Some(annotations) = metadata.get_mut("annotations") else {
        return;
    };
    if is_secret {
        if let Some(value) = annotations.get_mut(LAST_APPLIED) {
            value.value = Value::String(REMOVED.into());
        }
    } else {
        annotations.remove(LAST_APPLIED);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn node(value: &serde_json::Value) -> Node {
        Node::from_json_slice(value.to_string().as_bytes()).unwrap()
    }

    #[test]
    fn secrets_lose_their_values_and_keep_the_fact_of_last_applied() {
        let mut secret = node(&json!({
            "apiVersion": "v1", "kind": "Secret",
            "metadata": {"name": "db", "annotations": {LAST_APPLIED: "{\"data\":{\"password\":\"aHVudGVyMg==\"}}", "team": "shop"},
                "managedFields": [{"manager": "kubectl", "time": "2026-01-02T03:04:05Z"}]},
            "data": {"password": "aHVudGVyMg=="},
            "stringData": {"token": "hunter2"},
            "type": "Opaque"
        }));
        make_safe(&mut secret);
        let secret = secret.to_json();
        let text = secret.to_string();
        assert!(!text.contains("aHVudGVyMg") && !text.contains("hunter2"), "{text}");
        assert_eq!(secret["metadata"]["annotations"][LAST_APPLIED], REMOVED);
        assert_eq!(secret["metadata"]["annotations"]["team"], "shop");
        // Write times date a Secret: kept.
        assert_eq!(secret["metadata"]["managedFields"][0]["time"], "2026-01-02T03:04:05Z");
        assert_eq!(secret["type"], "Opaque");
    }

    #[test]
    fn other_objects_lose_last_applied_and_managed_fields_only() {
        let mut config = node(&json!({
            "apiVersion": "v1", "kind": "ConfigMap",
            "metadata": {"name": "app", "annotations": {LAST_APPLIED: "{}"}, "managedFields": [{}]},
            "data": {"mode": "production"}
        }));
        make_safe(&mut config);
        let config = config.to_json();
        assert_eq!(config["metadata"]["annotations"], json!({}));
        assert!(config["metadata"].get("managedFields").is_none());
        assert_eq!(config["data"]["mode"], "production");
        // A custom resource named Secret in another group keeps its data.
        let mut other = node(
            &json!({"apiVersion": "example.com/v1", "kind": "Secret", "metadata": {"name": "x"}, "data": {"a": "b"}}),
        );
        make_safe(&mut other);
        let other = other.to_json();
        assert_eq!(other["data"]["a"], "b");
    }
}
