//! Fixes for rendered input (Helm or Kustomize output, standard input), which cannot be
//! rewritten in place: one strategic-merge patch per object, for a Kustomize overlay's
//! `patches:` to apply. Containers are named, as strategic merge matches them by `name`.
//! Each patch is checked the way an in-place fix is: merged into its object, the object
//! re-scanned must show the fixed findings gone and nothing new; a fix that fails is left out
//! with the reason.

use std::collections::BTreeSet;

use rampart_core::{Finding, FixSafety};
use rampart_k8s::fixes::{Action, fix_for, propose};
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_scan::Pipeline;
use serde_json::{Map, Value};

use crate::edit::{Path, Step};
use crate::fixer::{Change, FixOptions, Left};

/// What fixing rendered input came to.
#[derive(Debug, Clone, Default)]
pub struct Patches {
    /// One strategic-merge patch per object, as a YAML stream.
    pub yaml: String,
    pub applied: Vec<Change>,
    pub left: Vec<Left>,
}

const NAMED_LISTS: &[&str] = &["containers", "initContainers", "ephemeralContainers"];

/// Strategic merge of `patch` into `target`, as far as these patches go: mappings merged
/// key by key, container lists item by item by `name`.
fn merge(target: &mut Value, patch: &Value, key: Option<&str>) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (name, value) in patch {
                match target.get_mut(name) {
                    Some(existing) if !existing.is_null() => merge(existing, value, Some(name)),
                    _ => {
                        target.insert(name.clone(), value.clone());
                    }
                }
            }
        }
        (Value::Array(target), Value::Array(patch)) if key.is_some_and(|key| NAMED_LISTS.contains(&key)) => {
            for item in patch {
                let name = item.get("name");
                match target.iter_mut().find(|existing| existing.get("name") == name) {
                    Some(existing) => merge(existing, item, None),
                    None => target.push(item.clone()),
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// The patch setting `path` of `object` to `value`: containers by name.
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
                if !previous.is_some_and(|key| NAMED_LISTS.contains(&key)) {
                    return None;
                }
                at = at.get(index)?;
                names.push(Some(at.get("name")?.clone()));
            }
        }
    }
    let mut built = value;
    for (step, name) in path.0.iter().zip(names).rev() {
        built = match (step, name) {
            (Step::Key(key), _) => Value::Object(Map::from_iter([(key.clone(), built)])),
            (Step::Index(_), Some(name)) => {
                let mut item = match built {
                    Value::Object(map) => map,
                    _ => return None,
                };
                item.insert("name".to_string(), name);
                Value::Array(vec![Value::Object(item)])
            }
            (Step::Index(_), None) => return None,
        };
    }
    Some(built)
}

/// A YAML value as JSON (the proposals are plain scalars or flow sequences of them).
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
pub fn patches(pipeline: &Pipeline, name: &str, text: &str, findings: &[Finding], options: &FixOptions) -> Patches {
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
        let mut changed = false;
        for finding in mine {
            let fix = fix_for(&finding.rule).expect("filtered on having a fix");
            let proposal = propose(fix, object, kinds, finding.container.as_deref(), &options.context);
            let change = Change {
                rule: finding.rule.to_string(),
                resource: object.resource.display_name(),
                field: finding.field.clone(),
                line: finding.location.line,
                safety: proposal.safety,
                value: match &proposal.action {
                    Action::Set(value) => value.clone(),
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
                Action::Set(value) => value.clone(),
            };
            if proposal.safety == FixSafety::Unsafe && !options.unsafe_fixes {
                out.left.push(Left {
                    change,
                    why: "it can change what the workload does (--unsafe applies it)".to_string(),
                });
                continue;
            }
            let Some(step) = Path::parse(&finding.field).and_then(|path| patch_for(&merged, &path, value_of(&value)))
            else {
                out.left.push(Left {
                    change,
                    why: "no strategic-merge patch reaches this field".to_string(),
                });
                continue;
            };
            let mut trial = merged.clone();
            merge(&mut trial, &step, None);
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
            merge(&mut patch, &step, None);
            changed = true;
            out.applied.push(change);
        }
        if changed {
            out.yaml.push_str("---\n");
            to_yaml(&patch, 0, &mut out.yaml);
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
        assert_eq!(scalar_text(&Value::String("on".into())), "\"on\"");
    }
}
