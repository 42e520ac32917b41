//! Fixes for rendered input (Helm or Kustomize output, standard input), which cannot be
//! rewritten in place: one patch per object for a Kustomize overlay to apply, either a
//! strategic-merge patch (list items by their merge key: containers by `name`, ports by
//! `containerPort`) or
//! RFC 6902 operations in a Kustomize component (list indexes guarded by a `test` of the
//! item's name, so a reordered list makes the patch fail rather than hit another container).
//! Each patch is checked the way an in-place fix is: applied to its object, the object
//! re-scanned must show the fixed findings gone and nothing new; a fix that fails is left out
//! with the reason.

use std::collections::BTreeSet;

use rampart_core::{Finding, FixSafety};
use rampart_k8s::fixes::{Action, fix_for, propose};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_scan::Pipeline;
use serde_json::{Map, Value};

use crate::edit::{Path, Step};
use crate::fixer::{Change, FixOptions, Left, REMOVED};

/// The patch form an overlay applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchForm {
    /// A YAML stream of strategic-merge patches, one per object.
    StrategicMerge,
    /// `patches:` entries of a Kustomize component, each a target and its RFC 6902
    /// operations ([`component`] makes the document).
    JsonPatch,
}

/// What fixing rendered input came to.
#[derive(Debug, Clone, Default)]
pub struct Patches {
    /// The patches in the form asked for.
    pub yaml: String,
    pub applied: Vec<Change>,
    pub left: Vec<Left>,
}

/// The lists strategic merge matches item by item, and the key it matches them by.
fn merge_key(list: &str) -> Option<&'static str> {
    match list {
        "containers" | "initContainers" | "ephemeralContainers" | "volumes" | "env" => Some("name"),
        "ports" => Some("containerPort"),
        _ => None,
    }
}

/// Strategic merge of `patch` into `target`, as far as these patches go: mappings merged
/// key by key, container lists item by item by `name`.
fn merge(target: &mut Value, patch: &Value, key: Option<&str>) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (name, value) in patch {
                // `key: null` in a strategic-merge patch deletes the key.
                if value.is_null() {
                    target.remove(name);
                    continue;
                }
                match target.get_mut(name) {
                    Some(existing) if !existing.is_null() => merge(existing, value, Some(name)),
                    _ => {
                        target.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(target), Value::Array(patch)) if key.and_then(merge_key).is_some() => {
            let merge_by = key.and_then(merge_key).unwrap_or("name");
            for item in patch {
                let name = item.get(merge_by);
                match target.iter_mut().find(|existing| existing.get(merge_by) == name) {
                    Some(existing) => merge(existing, item, None),
                    None => target.push(item.clone()),
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// The patch setting `path` of `object` to `value`: list items by their merge key.
fn patch_for(object: &Value, path: &Path, value: Value) -> Option<Value> {
    // Built from the leaf up: first find each step's container name.
    let mut names = Vec::new();
    let mut at = object;
    let mut previous: Option<&str> = None;
    for step in &path.0 {
        match step {
            Step::Key(key) => {
                names.push(None);
                at = at.get(key).unwrap_or(&Value::Null);
                previous = Some(key);
            }
            Step::Index(index) => {
                let merge_by = previous.and_then(merge_key)?;
                at = at.get(index)?;
                names.push(Some((merge_by, at.get(merge_by)?.clone())));
            }
        }
    }
    let mut built = value;
    for (step, name) in path.0.iter().zip(names).rev() {
        built = match (step, name) {
            (Step::Key(key), _) => Value::Object(Map::from_iter([(key.clone(), built)])),
            (Step::Index(_), Some((merge_by, name))) => {
                let mut item = match built {
                    Value::Object(map) => map,
                    _ => return None,
                };
                item.insert(merge_by.to_string(), name);
                Value::Array(vec![Value::Object(item)])
            }
            (Step::Index(_), None) => return None,
        };
    }
    Some(built)
}

/// `key` as a JSON Pointer token (RFC 6901).
fn pointer_token(key: &str) -> String {
    key.replace('~', "~0").replace('/', "~1")
}

/// `value` under the keys of `steps` (`None` if a list item would have to be made).
fn nested(steps: &[Step], value: Value) -> Option<Value> {
    steps.iter().rev().try_fold(value, |inner, step| match step {
        Step::Key(key) => Some(Value::Object(Map::from_iter([(key.clone(), inner)]))),
        Step::Index(_) => None,
    })
}

/// The RFC 6902 operations that make `path` of `object` hold `value`, or remove it when
/// `value` is null: `add` of what is missing (a whole mapping where the path stops early),
/// `replace` of a value, `add` at `/-` for the items a list lacks. Every list item the path
/// goes through by index is first tested for its name.
fn json_operations(object: &Value, path: &Path, value: &Value) -> Option<Vec<Value>> {
    let mut operations = Vec::new();
    let mut pointer = String::new();
    let mut at = object;
    for (depth, step) in path.0.iter().enumerate() {
        match step {
            Step::Key(key) => {
                let here = format!("{pointer}/{}", pointer_token(key));
                match at.get(key).filter(|found| !found.is_null()) {
                    Some(found) => {
                        pointer = here;
                        at = found;
                    }
                    None if value.is_null() => return None,
                    None => {
                        let rest = nested(&path.0[depth + 1..], value.clone())?;
                        operations.push(serde_json::json!({"op": "add", "path": here, "value": rest}));
                        return Some(operations);
                    }
                }
            }
            Step::Index(index) => {
                let item = at.get(index)?;
                pointer = format!("{pointer}/{index}");
                if let Some(name) = item.get("name") {
                    operations
                        .push(serde_json::json!({"op": "test", "path": format!("{pointer}/name"), "value": name}));
                }
                at = item;
            }
        }
    }
    match (at, value) {
        (_, Value::Null) => operations.push(serde_json::json!({"op": "remove", "path": pointer})),
        (Value::Array(have), Value::Array(want)) => {
            let missing: Vec<&Value> = want.iter().filter(|item| !have.contains(item)).collect();
            if missing.is_empty() {
                return None;
            }
            for item in missing {
                operations.push(serde_json::json!({"op": "add", "path": format!("{pointer}/-"), "value": item}));
            }
        }
        _ => operations.push(serde_json::json!({"op": "replace", "path": pointer, "value": value})),
    }
    Some(operations)
}

/// `object` with `operations` applied, or why they do not apply.
fn apply_operations(object: &Value, operations: &[Value]) -> Result<Value, String> {
    let patch: json_patch::Patch =
        serde_json::from_value(Value::Array(operations.to_vec())).map_err(|error| error.to_string())?;
    let mut patched = object.clone();
    json_patch::patch(&mut patched, &patch).map_err(|error| error.to_string())?;
    Ok(patched)
}

/// One `patches:` entry of a Kustomize component: the object's target and its operations,
/// one JSON operation per line.
fn component_entry(api_version: &str, kind: &str, name: &str, namespace: Option<&str>, operations: &[Value]) -> String {
    let (group, version) = api_version.rsplit_once('/').unwrap_or(("", api_version));
    let quoted = |text: &str| scalar_text(&Value::String(text.to_string()));
    let mut out = String::from("- target:\n");
    if !group.is_empty() {
        out.push_str(&format!("    group: {}\n", quoted(group)));
    }
    out.push_str(&format!(
        "    version: {}\n    kind: {}\n    name: {}\n",
        quoted(version),
        quoted(kind),
        quoted(name)
    ));
    if let Some(namespace) = namespace {
        out.push_str(&format!("    namespace: {}\n", quoted(namespace)));
    }
    out.push_str("  patch: |-\n    [\n");
    let lines: Vec<String> = operations
        .iter()
        .map(|operation| format!("      {operation}"))
        .collect();
    out.push_str(&lines.join(",\n"));
    out.push_str("\n    ]\n");
    out
}

/// The Kustomize component holding `entries` (what [`patches`] wrote in
/// [`PatchForm::JsonPatch`] form, for every input): save it as `kustomization.yaml` in a
/// folder of its own and list that folder under an overlay's `components:`.
pub fn component(entries: &str) -> String {
    format!(
        "# Written by rampart fix --format json-patch: a Kustomize component. Save it as\n# kustomization.yaml in a folder of its own and list that folder under your overlay's\n# components:.\napiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:{}\n{entries}",
        if entries.is_empty() { " []" } else { "" }
    )
}

/// A YAML value as JSON (the proposals are plain scalars, or flow sequences or flat flow
/// mappings of them).
fn value_of(text: &str) -> Value {
    let scalar = |text: &str| -> Value {
        let text = text.trim();
        match text {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => text
                .parse::<i64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(text.trim_matches('"').to_string())),
        }
    };
    if let Some(inner) = text.strip_prefix('{').and_then(|inner| inner.strip_suffix('}')) {
        return Value::Object(
            inner
                .split(',')
                .filter_map(|entry| entry.split_once(':'))
                .map(|(key, value)| (key.trim().to_string(), scalar(value)))
                .collect(),
        );
    }
    match text.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')) {
        Some(inner) => Value::Array(
            inner
                .split(',')
                .filter(|item| !item.trim().is_empty())
                .map(scalar)
                .collect(),
        ),
        None => scalar(text),
    }
}

/// Block YAML for a patch (mappings, sequences of mappings or scalars, plain scalars).
fn to_yaml(value: &Value, indent: usize, out: &mut String) {
    let pad = " ".repeat(indent);
    match value {
        Value::Object(map) => {
            for (key, value) in map {
                match value {
                    Value::Object(inner) if !inner.is_empty() => {
                        out.push_str(&format!("{pad}{key}:\n"));
                        to_yaml(value, indent + 2, out);
                    }
                    Value::Array(items) if items.iter().any(Value::is_object) => {
                        // Items at the key's indentation, as kubectl writes them.
                        out.push_str(&format!("{pad}{key}:\n"));
                        to_yaml(value, indent, out);
                    }
                    _ => out.push_str(&format!("{pad}{key}: {}\n", scalar_text(value))),
                }
            }
        }
        Value::Array(items) => {
            for item in items {
                let mut inner = String::new();
                to_yaml(item, indent + 2, &mut inner);
                // `- ` takes the place of the first line's indentation.
                let inner = inner.strip_prefix(&" ".repeat(indent + 2)).unwrap_or(&inner);
                out.push_str(&format!("{pad}- {inner}"));
            }
        }
        _ => out.push_str(&format!("{pad}{}\n", scalar_text(value))),
    }
}

fn scalar_text(value: &Value) -> String {
    match value {
        Value::Array(items) => format!("[{}]", items.iter().map(scalar_text).collect::<Vec<_>>().join(", ")),
        Value::String(text) => {
            let plain = !text.is_empty()
                && text
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '/'))
                && !matches!(text.as_str(), "true" | "false" | "null" | "yes" | "no" | "on" | "off");
            if plain {
                text.clone()
            } else {
                Value::String(text.clone()).to_string()
            }
        }
        other => other.to_string(),
    }
}

/// One fix's share of an object's patch.
enum Piece {
    Merge(Value),
    Operations(Vec<Value>),
}

/// A finding of one object: its rule and field.
type Key = (String, String);

fn findings_of(pipeline: &Pipeline, object: &Value) -> BTreeSet<Key> {
    pipeline
        .scan_object("patched", object.to_string().as_bytes())
        .report
        .findings
        .iter()
        .filter(|finding| !finding.suppressed)
        .map(|finding| (finding.rule.to_string(), finding.field.clone()))
        .collect()
}

/// Patches for the fixable findings of rendered `text` (named `name` in the findings).
pub fn patches(
    pipeline: &Pipeline,
    name: &str,
    text: &str,
    findings: &[Finding],
    options: &FixOptions,
    form: PatchForm,
) -> Patches {
    let mut out = Patches::default();
    let loaded = load_bytes(name, text.as_bytes(), &LoadOptions::default());
    let kinds = &pipeline.kubernetes().workload_kinds;
    for object in &loaded.objects {
        let mine: Vec<&Finding> = findings
            .iter()
            .filter(|finding| {
                !finding.suppressed
                    && finding.resource.as_ref() == Some(&object.resource)
                    && fix_for(&finding.rule).is_some()
                    && (options.rules.is_empty() || options.rules.iter().any(|rule| *rule == *finding.rule))
            })
            .collect();
        if mine.is_empty() {
            continue;
        }
        let original = object.root.to_json();
        let mut merged = original.clone();
        let mut present = findings_of(pipeline, &merged);
        let mut patch = Value::Object(Map::from_iter([
            ("apiVersion".to_string(), Value::String(object.api_version.clone())),
            ("kind".to_string(), Value::String(object.kind.clone())),
            ("metadata".to_string(), {
                let mut metadata = Map::from_iter([("name".to_string(), Value::String(object.name.clone()))]);
                if let Some(namespace) = &object.namespace {
                    metadata.insert("namespace".to_string(), Value::String(namespace.clone()));
                }
                Value::Object(metadata)
            }),
        ]));
        let mut operations: Vec<Value> = Vec::new();
        let mut changed = false;
        for finding in mine {
            let fix = fix_for(&finding.rule).expect("filtered on having a fix");
            let proposal = propose(
                fix,
                object,
                kinds,
                finding.container.as_deref(),
                &finding.field,
                &options.context,
            );
            let change = Change {
                rule: finding.rule.to_string(),
                resource: object.resource.display_name(),
                field: finding.field.clone(),
                line: finding.location.line,
                safety: proposal.safety,
                value: match &proposal.action {
                    Action::Set(value) => value.clone(),
                    Action::Remove => REMOVED.to_string(),
                    Action::Manual(_) => String::new(),
                },
            };
            let value = match &proposal.action {
                Action::Manual(why) => {
                    out.left.push(Left {
                        change,
                        why: why.clone(),
                    });
                    continue;
                }
                Action::Set(value) => value_of(value),
                Action::Remove => Value::Null,
            };
            if proposal.safety == FixSafety::Unsafe && !options.unsafe_fixes {
                out.left.push(Left {
                    change,
                    why: "it can change what the workload does (--unsafe applies it)".to_string(),
                });
                continue;
            }
            let Some(path) = Path::parse(&finding.field) else {
                out.left.push(Left {
                    change,
                    why: "the field is not a path".to_string(),
                });
                continue;
            };
            let piece = match form {
                PatchForm::StrategicMerge => patch_for(&merged, &path, value).map(|step| {
                    let mut trial = merged.clone();
                    merge(&mut trial, &step, None);
                    (trial, Piece::Merge(step))
                }),
                PatchForm::JsonPatch => json_operations(&merged, &path, &value).and_then(|operations| {
                    let trial = apply_operations(&merged, &operations).ok()?;
                    Some((trial, Piece::Operations(operations)))
                }),
            };
            let Some((trial, piece)) = piece else {
                out.left.push(Left {
                    change,
                    why: "no patch reaches this field".to_string(),
                });
                continue;
            };
            let after = findings_of(pipeline, &trial);
            let key = (finding.rule.to_string(), finding.field.clone());
            if after.contains(&key) || !after.is_subset(&present) {
                out.left.push(Left {
                    change,
                    why: "not patched: the finding would remain, or another would appear".to_string(),
                });
                continue;
            }
            merged = trial;
            present = after;
            match piece {
                Piece::Merge(step) => merge(&mut patch, &step, None),
                Piece::Operations(more) => {
                    // One test of an item's name guards every later operation on it.
                    for operation in more {
                        if operation["op"] != "test" || !operations.contains(&operation) {
                            operations.push(operation);
                        }
                    }
                }
            }
            changed = true;
            out.applied.push(change);
        }
        if changed {
            match form {
                PatchForm::StrategicMerge => {
                    out.yaml.push_str("---\n");
                    to_yaml(&patch, 0, &mut out.yaml);
                }
                PatchForm::JsonPatch => out.yaml.push_str(&component_entry(
                    &object.api_version,
                    &object.kind,
                    &object.name,
                    object.namespace.as_deref(),
                    &operations,
                )),
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patches_name_containers_and_merge_as_kustomize_does() {
        let object = serde_json::json!({"spec": {"template": {"spec": {"containers": [
            {"name": "app", "image": "x"}, {"name": "side", "image": "y", "securityContext": {"runAsUser": 1}}
        ]}}}});
        let path = Path::parse("spec.template.spec.containers[1].securityContext.allowPrivilegeEscalation").unwrap();
        let patch = patch_for(&object, &path, Value::Bool(false)).unwrap();
        assert_eq!(
            patch,
            serde_json::json!({"spec": {"template": {"spec": {"containers": [
                {"name": "side", "securityContext": {"allowPrivilegeEscalation": false}}
            ]}}}})
        );
        let mut merged = object.clone();
        merge(&mut merged, &patch, None);
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"][1],
            serde_json::json!({"name": "side", "image": "y", "securityContext": {"runAsUser": 1, "allowPrivilegeEscalation": false}})
        );
        assert_eq!(
            merged["spec"]["template"]["spec"]["containers"][0],
            object["spec"]["template"]["spec"]["containers"][0]
        );
        let mut yaml = String::new();
        to_yaml(
            &serde_json::json!({"kind": "Deployment", "spec": {"containers": [{"name": "side", "securityContext": {"capabilities": {"drop": ["ALL"]}, "seccompProfile": {"type": "RuntimeDefault"}}}]}}),
            0,
            &mut yaml,
        );
        assert_eq!(
            yaml,
            "kind: Deployment\nspec:\n  containers:\n  - name: side\n    securityContext:\n      capabilities:\n        drop: [ALL]\n      seccompProfile:\n        type: RuntimeDefault\n"
        );
        assert_eq!(value_of("[ALL]"), serde_json::json!(["ALL"]));
        assert_eq!(
            value_of("{cpu: 500m, memory: 1}"),
            serde_json::json!({"cpu": "500m", "memory": 1})
        );
        let mut probe = serde_json::json!({"httpGet": {"host": "x", "port": 80}});
        merge(&mut probe, &serde_json::json!({"httpGet": {"host": null}}), None);
        assert_eq!(probe, serde_json::json!({"httpGet": {"port": 80}}));
        assert_eq!(scalar_text(&Value::String("on".into())), "\"on\"");
    }

    #[test]
    fn json_operations_add_what_is_missing_and_test_the_items_they_index() {
        let object = serde_json::json!({"spec": {"containers": [
            {"name": "app", "securityContext": null, "ports": [{"containerPort": 80, "hostPort": 80}]},
            {"name": "side", "securityContext": {"privileged": true, "capabilities": {"drop": ["NET_RAW"]}}}
        ]}});
        let path = |field: &str| Path::parse(field).unwrap();
        let added = json_operations(
            &object,
            &path("spec.containers[0].securityContext.runAsNonRoot"),
            &Value::Bool(true),
        )
        .unwrap();
        assert_eq!(
            added,
            [
                serde_json::json!({"op": "test", "path": "/spec/containers/0/name", "value": "app"}),
                serde_json::json!({"op": "add", "path": "/spec/containers/0/securityContext", "value": {"runAsNonRoot": true}}),
            ]
        );
        let replaced = json_operations(
            &object,
            &path("spec.containers[1].securityContext.privileged"),
            &Value::Bool(false),
        )
        .unwrap();
        assert_eq!(
            replaced[1],
            serde_json::json!({"op": "replace", "path": "/spec/containers/1/securityContext/privileged", "value": false})
        );
        let appended = json_operations(
            &object,
            &path("spec.containers[1].securityContext.capabilities.drop"),
            &value_of("[ALL]"),
        )
        .unwrap();
        assert_eq!(
            appended[1],
            serde_json::json!({"op": "add", "path": "/spec/containers/1/securityContext/capabilities/drop/-", "value": "ALL"})
        );
        let removed = json_operations(&object, &path("spec.containers[0].ports[0].hostPort"), &Value::Null).unwrap();
        assert_eq!(
            removed.last().unwrap(),
            &serde_json::json!({"op": "remove", "path": "/spec/containers/0/ports/0/hostPort"})
        );
        let mut all = added.clone();
        all.extend(appended);
        all.extend(removed);
        let patched = apply_operations(&object, &all).unwrap();
        assert_eq!(
            patched["spec"]["containers"][0]["securityContext"],
            serde_json::json!({"runAsNonRoot": true})
        );
        assert_eq!(
            patched["spec"]["containers"][0]["ports"][0],
            serde_json::json!({"containerPort": 80})
        );
        assert_eq!(
            patched["spec"]["containers"][1]["securityContext"]["capabilities"]["drop"],
            serde_json::json!(["NET_RAW", "ALL"])
        );
        // A reordered list fails the test instead of patching another container.
        let mut reordered = object.clone();
        reordered["spec"]["containers"].as_array_mut().unwrap().reverse();
        assert!(apply_operations(&reordered, &added).is_err());
        assert!(
            json_operations(
                &object,
                &path("spec.containers[0].livenessProbe.httpGet.host"),
                &Value::Null
            )
            .is_none()
        );
        assert!(json_operations(&object, &path("spec.volumes[0].name"), &Value::Bool(true)).is_none());
        assert_eq!(pointer_token("a/b~c"), "a~1b~0c");
        let entry = component_entry("apps/v1", "Deployment", "web", Some("shop"), &added);
        assert_eq!(
            entry,
            "- target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: web\n    namespace: shop\n  patch: |-\n    [\n      {\"op\":\"test\",\"path\":\"/spec/containers/0/name\",\"value\":\"app\"},\n      {\"op\":\"add\",\"path\":\"/spec/containers/0/securityContext\",\"value\":{\"runAsNonRoot\":true}}\n    ]\n"
        );
        assert!(
            component_entry("v1", "Pod", "p", None, &added).starts_with("- target:\n    version: v1\n    kind: Pod\n")
        );
    }
}
