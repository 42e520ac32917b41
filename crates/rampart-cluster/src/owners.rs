//! A running pod repeats its controller's spec: its findings are the
//! controller's, reported once on the controller, except what only the pod
//! has (an injected sidecar, a `kubectl debug` container, a pod of an old
//! ReplicaSet that drifted). Those stay on the pod, naming the controller.

use std::collections::{HashMap, HashSet};

use rampart_core::Finding;
use serde_json::Value;

/// (namespace, kind, name) of an object.
type Key = (String, String, String);

/// The controllers of the snapshot's objects, where the controller is in
/// the snapshot too.
#[derive(Debug, Default)]
pub struct Owners {
    controller_of: HashMap<Key, (String, String)>,
}

impl Owners {
    /// From the objects as read (before they are judged).
    pub fn of(objects: &[Value]) -> Owners {
        let key = |object: &Value, kind: &str, name: &str| -> Key {
            let namespace = object
                .pointer("/metadata/namespace")
                .and_then(Value::as_str)
                .unwrap_or("");
            (namespace.to_string(), kind.to_string(), name.to_string())
        };
        let text = |object: &Value, pointer: &str| object.pointer(pointer).and_then(Value::as_str).map(str::to_string);
        let present: HashSet<Key> = objects
            .iter()
            .filter_map(|object| Some(key(object, &text(object, "/kind")?, &text(object, "/metadata/name")?)))
            .collect();
        let mut controller_of = HashMap::new();
        for object in objects {
            let (Some(kind), Some(name)) = (text(object, "/kind"), text(object, "/metadata/name")) else {
                continue;
            };
            let controller = object
                .pointer("/metadata/ownerReferences")
                .and_then(Value::as_array)
                .and_then(|owners| owners.iter().find(|owner| owner["controller"] == Value::Bool(true)));
            let Some((owner_kind, owner_name)) =
                controller.and_then(|owner| Some((owner["kind"].as_str()?, owner["name"].as_str()?)))
            else {
                continue;
            };
            if present.contains(&key(object, owner_kind, owner_name)) {
                controller_of.insert(
                    key(object, &kind, &name),
                    (owner_kind.to_string(), owner_name.to_string()),
                );
            }
        }
        Owners { controller_of }
    }

    pub fn len(&self) -> usize {
        self.controller_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.controller_of.is_empty()
    }
}

/// Drops each finding its object's controller also has (same rule, same
/// field of the pod template, same container by name), and names the
/// controller in the findings only the object has.
pub fn fold(findings: &mut Vec<Finding>, owners: &Owners) {
    if owners.is_empty() {
        return;
    }
    let object_of = |finding: &Finding| -> Option<Key> {
        let resource = finding.resource.as_ref()?;
        Some((
            resource.namespace.clone().unwrap_or_default(),
            resource.kind.clone(),
            resource.name.clone(),
        ))
    };
    let shape = |finding: &Finding, kind: &str| {
        (
            finding.rule.to_string(),
            in_pod(kind, &finding.field, finding.container.as_deref()),
        )
    };
    let mut had: HashSet<(Key, (String, String))> = HashSet::new();
    for finding in findings.iter() {
        if let Some(object) = object_of(finding) {
            let kind = object.1.clone();
            had.insert((object, shape(finding, &kind)));
        }
    }
    findings.retain_mut(|finding| {
        let Some(object) = object_of(finding) else {
            return true;
        };
        let Some((owner_kind, owner_name)) = owners.controller_of.get(&object) else {
            return true;
        };
        let owner: Key = (object.0.clone(), owner_kind.clone(), owner_name.clone());
        if had.contains(&(owner, shape(finding, &object.1))) {
            return false;
        }
        finding.message = format!(
            "{} (only here: its controller {owner_kind}/{owner_name} does not have it)",
            finding.message
        );
        true
    });
}

/// A field as a path in the pod template, whatever the kind holding it,
/// with the container named instead of counted (an injected init container
/// shifts the others' places).
fn in_pod(kind: &str, field: &str, container: Option<&str>) -> String {
    let prefixes: &[(&str, &str)] = match kind {
        "Pod" => &[("spec.", "spec."), ("metadata.", "metadata.")],
        "CronJob" => &[
            ("spec.jobTemplate.spec.template.spec.", "spec."),
            ("spec.jobTemplate.spec.template.metadata.", "metadata."),
        ],
        _ => &[
            ("spec.template.spec.", "spec."),
            ("spec.template.metadata.", "metadata."),
        ],
    };
    let mut path = prefixes
        .iter()
        .find_map(|(from, to)| field.strip_prefix(from).map(|rest| format!("{to}{rest}")))
        .unwrap_or_else(|| field.to_string());
    if let Some(name) = container
        && let Some(open) = path.find("ontainers[")
        && let Some(close) = path[open..].find(']')
    {
        let index = &path[open + "ontainers[".len()..open + close];
        if index.bytes().all(|byte| byte.is_ascii_digit()) {
            path.replace_range(open + "ontainers[".len()..open + close, name);
        }
    }
    path
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use rampart_core::{Location, ResourceRef, Severity};
    use serde_json::json;

    use super::*;

    fn finding(kind: &str, name: &str, rule: &'static str, field: &str, container: Option<&str>) -> Finding {
        Finding {
            rule: rule.into(),
            severity: Severity::High,
            message: format!("{kind} {name}: {rule}"),
            location: Location {
                path: Arc::from("cluster:test"),
                line: 1,
                column: 1,
            },
            resource: Some(Arc::new(ResourceRef {
                api_version: "v1".into(),
                kind: kind.into(),
                namespace: Some("shop".into()),
                name: name.into(),
            })),
            field: field.into(),
            container: container.map(str::to_string),
            controls: std::borrow::Cow::Borrowed(&[]),
            fix: "".into(),
            suppressed: false,
            suppression_reason: None,
            secret: None,
        }
    }

    #[test]
    fn a_pod_keeps_only_what_its_controller_lacks() {
        let owned = |kind: &str, name: &str| json!([{"kind": kind, "name": name, "controller": true}]);
        let objects = [
            json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}}),
            json!({"kind": "ReplicaSet", "metadata": {"name": "web-1", "namespace": "shop", "ownerReferences": owned("Deployment", "web")}}),
            json!({"kind": "Pod", "metadata": {"name": "web-1-a", "namespace": "shop", "ownerReferences": owned("ReplicaSet", "web-1")}}),
            // Its controller is not in the snapshot: nothing folds.
            json!({"kind": "Pod", "metadata": {"name": "lone", "namespace": "shop", "ownerReferences": owned("ReplicaSet", "gone")}}),
        ];
        let owners = Owners::of(&objects);
        assert_eq!(owners.len(), 2);
        let mut findings = vec![
            finding(
                "Deployment",
                "web",
                "read-only-root-fs",
                "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
                Some("web"),
            ),
            finding(
                "ReplicaSet",
                "web-1",
                "read-only-root-fs",
                "spec.template.spec.containers[0].securityContext.readOnlyRootFilesystem",
                Some("web"),
            ),
            // The sidecar moved the app container to index 1: still the same.
            finding(
                "Pod",
                "web-1-a",
                "read-only-root-fs",
                "spec.containers[1].securityContext.readOnlyRootFilesystem",
                Some("web"),
            ),
            // The injected sidecar's own finding stays, naming the controller.
            finding(
                "Pod",
                "web-1-a",
                "read-only-root-fs",
                "spec.containers[0].securityContext.readOnlyRootFilesystem",
                Some("istio-proxy"),
            ),
            finding(
                "Pod",
                "lone",
                "read-only-root-fs",
                "spec.containers[0].securityContext.readOnlyRootFilesystem",
                Some("web"),
            ),
        ];
        fold(&mut findings, &owners);
        let left: Vec<(&str, Option<&str>)> = findings
            .iter()
            .map(|finding| {
                (
                    finding.resource.as_ref().unwrap().name.as_str(),
                    finding.container.as_deref(),
                )
            })
            .collect();
        assert_eq!(
            left,
            [
                ("web", Some("web")),
                ("web-1-a", Some("istio-proxy")),
                ("lone", Some("web"))
            ]
        );
        assert!(
            findings[1]
                .message
                .ends_with("(only here: its controller ReplicaSet/web-1 does not have it)")
        );
        assert!(!findings[2].message.contains("only here"));
    }
}
