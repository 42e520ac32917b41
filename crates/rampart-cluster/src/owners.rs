//! A running pod repeats its controller's spec: its findings are the
//! controller's, reported once on the controller, except what only the pod
//! has (an injected sidecar, a `kubectl debug` container, a pod of an old
//! ReplicaSet that drifted). Those stay on the pod, naming the controller.

use std::hash::BuildHasher;

use hashbrown::{Equivalent, HashMap, HashSet};

use rampart_core::Finding;
use rampart_k8s::yaml::Node;

/// (namespace, kind, name) of an object.
type Key = (String, String, String);

/// A [`Key`] borrowed: hashes as the key does (a tuple hashes its fields in
/// order, a `String` as its `str`), so maps of keys are searched without
/// building one.
#[derive(Hash)]
struct KeyRef<'a>(&'a str, &'a str, &'a str);

impl Equivalent<Key> for KeyRef<'_> {
    fn equivalent(&self, key: &Key) -> bool {
        self.0 == key.0 && self.1 == key.1 && self.2 == key.2
    }
}

/// The controllers of the snapshot's objects, where the controller is in
/// the snapshot too.
#[derive(Debug, Default)]
pub struct Owners {
    controller_of: HashMap<Key, (String, String)>,
}

impl Owners {
    /// From the objects as read (before they are judged).
    pub fn of(objects: &[Node]) -> Owners {
        let mut builder = OwnersBuilder::default();
        for object in objects {
            builder.add(object);
        }
        builder.finish()
    }

    pub fn len(&self) -> usize {
        self.controller_of.len()
    }

    pub fn is_empty(&self) -> bool {
        self.controller_of.is_empty()
    }
}

/// Collects, object by object as a snapshot streams, who claims which
/// controller; [`OwnersBuilder::finish`] keeps the claims whose controller
/// was read too.
#[derive(Debug, Default)]
pub struct OwnersBuilder {
    present: HashSet<Key>,
    claims: Vec<(Key, (String, String))>,
}

impl OwnersBuilder {
    /// Notes the object and its controller; false when it was noted
    /// already (the same kind, namespace and name).
    pub fn add(&mut self, object: &Node) -> bool {
        match Noted::of(object) {
            Some(noted) => self.note(noted),
            None => true,
        }
    }

    /// [`OwnersBuilder::add`] with what [`Noted::of`] read (outside any
    /// lock the builder is shared under).
    pub fn note(&mut self, noted: Noted) -> bool {
        if self.present.contains(&noted.key) {
            return false;
        }
        if let Some(controller) = noted.controller {
            self.claims.push((noted.key.clone(), controller));
        }
        self.present.insert(noted.key);
        true
    }

    pub fn finish(self) -> Owners {
        let present = self.present;
        let controller_of = self
            .claims
            .into_iter()
            .filter(|((namespace, _, _), (kind, name))| present.contains(&KeyRef(namespace, kind, name)))
            .collect();
        Owners { controller_of }
    }
}

/// What [`OwnersBuilder`] keeps of an object: who it is, and its
/// controller.
#[derive(Debug)]
pub struct Noted {
    key: Key,
    controller: Option<(String, String)>,
}

impl Noted {
    /// None for an object without a kind or name.
    pub fn of(object: &Node) -> Option<Noted> {
        let text = |path: &str| object.get_path(path).and_then(Node::as_str);
        let (kind, name) = (text("kind")?, text("metadata.name")?);
        let namespace = text("metadata.namespace").unwrap_or("");
        let controller = object
            .get_path("metadata.ownerReferences")
            .map(Node::as_seq)
            .unwrap_or_default()
            .iter()
            .find(|owner| owner.get("controller").and_then(Node::as_bool) == Some(true))
            .and_then(|owner| {
                let text = |key: &str| owner.get(key).and_then(Node::as_str).map(str::to_string);
                Some((text("kind")?, text("name")?))
            });
        Some(Noted {
            key: (namespace.to_string(), kind.to_string(), name.to_string()),
            controller,
        })
    }
}

/// Drops each finding its object's controller also has (same rule, same
/// field of the pod template, same container by name), and names the
/// controller in the findings only the object has.
pub fn fold(findings: &mut Vec<Finding>, owners: &Owners) {
    if owners.is_empty() {
        return;
    }
    // Borrowed keys: a cluster's findings come by the hundred thousand.
    type Place<'a> = (&'a str, &'a str, &'a str, &'a str, u64);
    fn object_of(finding: &Finding) -> Option<(&str, &str, &str)> {
        finding.resource.as_ref().map(|resource| {
            (
                resource.namespace.as_deref().unwrap_or(""),
                resource.kind.as_str(),
                resource.name.as_str(),
            )
        })
    }
    let controller_of = |(namespace, kind, name): (&str, &str, &str)| {
        owners
            .controller_of
            .get(&KeyRef(namespace, kind, name))
            .map(|(kind, name)| (kind.as_str(), name.as_str()))
    };
    let controllers: HashSet<(&str, &str, &str)> = owners
        .controller_of
        .iter()
        .map(|((namespace, _, _), (kind, name))| (namespace.as_str(), kind.as_str(), name.as_str()))
        .collect();
    // What each controller has, by rule and place in the pod template.
    let mut had: HashSet<Place<'_>> = HashSet::default();
    // One hasher state for every place, so equal places hash equal.
    let places = hashbrown::DefaultHashBuilder::default();
    for finding in findings.iter() {
        if let Some(object) = object_of(finding)
            && controllers.contains(&object)
        {
            let place = in_pod(&places, object.1, &finding.field, finding.container.as_deref());
            had.insert((object.0, object.1, object.2, &*finding.rule, place));
        }
    }
    // Decided first, applied after: `had` borrows the findings.
    enum Verdict {
        /// The object has no controller in the snapshot.
        Keep,
        /// Its controller has the same finding.
        Drop,
        /// Only the object has it: the controller is named.
        Name(String),
    }
    let verdicts: Vec<Verdict> = findings
        .iter()
        .map(|finding| {
            let Some(object) = object_of(finding) else {
                return Verdict::Keep;
            };
            let Some((owner_kind, owner_name)) = controller_of(object) else {
                return Verdict::Keep;
            };
            let place = in_pod(&places, object.1, &finding.field, finding.container.as_deref());
            if had.contains(&(object.0, owner_kind, owner_name, &*finding.rule, place)) {
                Verdict::Drop
            } else {
                Verdict::Name(format!("its controller {owner_kind}/{owner_name}"))
            }
        })
        .collect();
    drop(had);
    let mut verdicts = verdicts.into_iter();
    findings.retain_mut(|finding| match verdicts.next().unwrap_or(Verdict::Keep) {
        Verdict::Keep => true,
        Verdict::Drop => false,
        Verdict::Name(controller) => {
            finding.message = format!("{} (only here: {controller} does not have it)", finding.message);
            true
        }
    });
}

/// The images the cluster's workloads run, once each: a pod (or ReplicaSet) running the
/// image its controller runs in the same container is its controller's use; what only the
/// pod runs (an injected sidecar, an image its controller no longer names) stays its own.
pub fn fold_image_uses(uses: Vec<rampart_core::ImageUse>, owners: &Owners) -> Vec<rampart_core::ImageUse> {
    if owners.is_empty() {
        return uses;
    }
    let namespace_of = |image_use: &rampart_core::ImageUse| image_use.resource.namespace.clone().unwrap_or_default();
    let running: HashSet<(String, String, String, String, String)> = uses
        .iter()
        .map(|image_use| {
            (
                namespace_of(image_use),
                image_use.resource.kind.clone(),
                image_use.resource.name.clone(),
                image_use.container.clone(),
                image_use.image.clone(),
            )
        })
        .collect();
    uses.into_iter()
        .filter(|image_use| {
            let namespace = namespace_of(image_use);
            let Some((kind, name)) =
                owners
                    .controller_of
                    .get(&KeyRef(&namespace, &image_use.resource.kind, &image_use.resource.name))
            else {
                return true;
            };
            !running.contains(&(
                namespace,
                kind.clone(),
                name.clone(),
                image_use.container.clone(),
                image_use.image.clone(),
            ))
        })
        .collect()
}

/// A field as a path in the pod template, whatever the kind holding it,
/// with the container named instead of counted (an injected init container
/// shifts the others' places), hashed: the path is never built, as this
/// runs for every finding of a cluster.
fn in_pod(places: &impl BuildHasher, kind: &str, field: &str, container: Option<&str>) -> u64 {
    use std::hash::Hasher;
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
    let (head, rest) = prefixes
        .iter()
        .find_map(|(from, to)| field.strip_prefix(from).map(|rest| (*to, rest)))
        .unwrap_or(("", field));
    let mut hasher = places.build_hasher();
    hasher.write(head.as_bytes());
    const MARK: &str = "ontainers[";
    let index = rest.find(MARK).map(|open| open + MARK.len()).and_then(|start| {
        let close = start + rest[start..].find(']')?;
        rest[start..close]
            .bytes()
            .all(|byte| byte.is_ascii_digit())
            .then_some((start, close))
    });
    match (container, index) {
        (Some(name), Some((start, close))) => {
            hasher.write(&rest.as_bytes()[..start]);
            hasher.write(name.as_bytes());
            hasher.write(&rest.as_bytes()[close..]);
        }
        _ => hasher.write(rest.as_bytes()),
    }
    hasher.finish()
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
            event: None,
        }
    }

    #[test]
    fn image_uses_fold_into_the_controller_that_runs_the_same_image() {
        let owned = |kind: &str, name: &str| json!([{"kind": kind, "name": name, "controller": true}]);
        let objects = [
            json!({"kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"}}),
            json!({"kind": "ReplicaSet", "metadata": {"name": "web-1", "namespace": "shop", "ownerReferences": owned("Deployment", "web")}}),
            json!({"kind": "Pod", "metadata": {"name": "web-1-a", "namespace": "shop", "ownerReferences": owned("ReplicaSet", "web-1")}}),
        ];
        let objects: Vec<Node> = objects
            .iter()
            .map(|object| Node::from_json_slice(object.to_string().as_bytes()).unwrap())
            .collect();
        let owners = Owners::of(&objects);
        let image_use = |kind: &str, name: &str, container: &str, image: &str| rampart_core::ImageUse {
            resource: Arc::new(ResourceRef {
                api_version: "v1".into(),
                kind: kind.into(),
                namespace: Some("shop".into()),
                name: name.into(),
            }),
            path: Arc::from("cluster:test"),
            container: container.into(),
            image: image.into(),
            line: 1,
            column: 1,
            field: "spec.containers[0].image".into(),
        };
        let uses = vec![
            image_use("Deployment", "web", "web", "shop:2"),
            image_use("ReplicaSet", "web-1", "web", "shop:2"),
            image_use("Pod", "web-1-a", "web", "shop:2"),
            image_use("Pod", "web-1-a", "istio-proxy", "proxyv2:1.24"),
            // Its controller no longer names this image: the pod still runs it.
            image_use("Pod", "web-1-a", "debugger", "busybox:1"),
            image_use("Pod", "lone", "web", "shop:2"),
        ];
        let kept: Vec<(String, String, String)> = fold_image_uses(uses, &owners)
            .into_iter()
            .map(|image_use| (image_use.resource.name.clone(), image_use.container, image_use.image))
            .collect();
        let expected = [
            ("web", "web", "shop:2"),
            ("web-1-a", "istio-proxy", "proxyv2:1.24"),
            ("web-1-a", "debugger", "busybox:1"),
            ("lone", "web", "shop:2"),
        ];
        assert_eq!(
            kept,
            expected.map(|(name, container, image)| (name.to_string(), container.to_string(), image.to_string()))
        );
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
        let objects: Vec<Node> = objects
            .iter()
            .map(|object| Node::from_json_slice(object.to_string().as_bytes()).unwrap())
            .collect();
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
