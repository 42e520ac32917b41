//! A team's own policies in Rego, the conftest way: `.rego` files whose
//! package (`main` unless told otherwise) defines `deny`, `violation` and
//! `warn` rules over `input`, one Kubernetes object at a time. Every object
//! of the scan is also in `data.rampart.inventory` (a list), and indexed as
//! `data.rampart.objects[kind][namespace][name]` (namespace `""` when the
//! object sets none), for policies that need to see more than one (every
//! namespace has a NetworkPolicy, say). Look objects up in the index: a
//! set built by walking the inventory is rebuilt for every object, which
//! makes a policy quadratic in the size of the scan.
//!
//! A rule's messages are strings, or objects with `msg` and optionally
//! `id`, `severity` and `controls`. They become findings with the rule id
//! `policy.<package>.<rule>` unless the message gives an id, so they pass
//! through waivers, exceptions, baselines and every report like built-in
//! ones. One compiled engine is cloned per worker; nothing is parsed twice.

mod messages;
pub mod testing;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use rampart_core::{Finding, ResourceRef, ScanError};
use rayon::prelude::*;
use regorus::{Engine, Value};

pub use messages::finding_from;

/// The rule names read, and what they mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RuleKind {
    Deny,
    Violation,
    Warn,
}

impl RuleKind {
    pub const ALL: [RuleKind; 3] = [RuleKind::Deny, RuleKind::Violation, RuleKind::Warn];

    pub fn name(self) -> &'static str {
        match self {
            RuleKind::Deny => "deny",
            RuleKind::Violation => "violation",
            RuleKind::Warn => "warn",
        }
    }
}

/// A rule to evaluate: `data.<package>.<kind>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PolicyRule {
    /// `main`, or `policies.k8s` for `package policies.k8s`.
    pub package: String,
    pub kind: RuleKind,
    /// The file that declares it, for errors.
    pub file: String,
}

impl PolicyRule {
    fn query(&self) -> String {
        format!("data.{}.{}", self.package, self.kind.name())
    }
}

/// Loaded and compiled policies.
#[derive(Clone)]
pub struct PolicySet {
    engine: Engine,
    pub rules: Vec<PolicyRule>,
    /// The `.rego` files read.
    pub files: Vec<PathBuf>,
}

/// An object a policy judges: its JSON and where it is.
#[derive(Clone)]
pub struct Subject {
    pub input: Value,
    pub resource: Arc<ResourceRef>,
    pub path: Arc<str>,
    pub line: usize,
}

impl Subject {
    /// A subject from its JSON (as a Kubernetes object would be sent).
    pub fn from_json(json: serde_json::Value, resource: Arc<ResourceRef>, path: Arc<str>, line: usize) -> Subject {
        Subject {
            input: Value::from(json),
            resource,
            path,
            line,
        }
    }
}

impl PolicySet {
    /// Whether any rule will run.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Reads every `.rego` file under `paths` (files or folders). Packages
    /// named in `namespaces` (default `main`; `*` for all) supply the rules.
    pub fn load(paths: &[PathBuf], namespaces: &[String]) -> Result<PolicySet, Vec<ScanError>> {
        let mut files = Vec::new();
        let mut errors = Vec::new();
        for path in paths {
            collect_rego(path, &mut files, &mut errors);
        }
        files.sort();
        let mut engine = Engine::new();
        engine.set_strict_builtin_errors(false);
        let mut sources = Vec::new();
        for file in &files {
            let display = file.display().to_string();
            let text = match std::fs::read_to_string(file) {
                Ok(text) => text,
                Err(error) => {
                    errors.push(ScanError::new(&display, None, error.to_string()));
                    continue;
                }
            };
            match engine.add_policy(display.clone(), text) {
                Ok(package) => sources.push((display, package)),
                Err(error) => errors.push(policy_error(&display, &error.to_string())),
            }
        }
        if !errors.is_empty() {
            return Err(errors);
        }
        let wanted: Vec<&str> = if namespaces.is_empty() {
            vec!["main"]
        } else {
            namespaces.iter().map(String::as_str).collect()
        };
        let mut rules: Vec<PolicyRule> = Vec::new();
        for (file, package) in &sources {
            let package = package.strip_prefix("data.").unwrap_or(package).to_string();
            if !wanted.contains(&"*") && !wanted.contains(&package.as_str()) {
                continue;
            }
            for kind in RuleKind::ALL {
                let declared = engine.has_declared_rule_rooted_at(file, kind.name()).unwrap_or(false);
                let known = rules.iter().any(|rule| rule.package == package && rule.kind == kind);
                if declared && !known {
                    rules.push(PolicyRule {
                        package: package.clone(),
                        kind,
                        file: file.clone(),
                    });
                }
            }
        }
        Ok(PolicySet { engine, rules, files })
    }

    /// Evaluates every rule on every subject, with all subjects in
    /// `data.rampart.inventory`. Runtime errors name the policy and the
    /// object; the rest of the evaluation goes on.
    pub fn evaluate(&self, subjects: &[Subject]) -> (Vec<Finding>, Vec<ScanError>) {
        if self.rules.is_empty() || subjects.is_empty() {
            return (Vec::new(), Vec::new());
        }
        let mut engine = self.engine.clone();
        let inventory = Value::from(subjects.iter().map(|subject| subject.input.clone()).collect::<Vec<_>>());
        let rampart = Value::from(BTreeMap::from([
            (Value::from("inventory"), inventory),
            (Value::from("objects"), objects_index(subjects)),
        ]));
        let data = Value::from(BTreeMap::from([(Value::from("rampart"), rampart)]));
        if let Err(error) = engine.add_data(data) {
            return (
                Vec::new(),
                vec![ScanError::new(
                    "policy",
                    None,
                    format!("cannot load the inventory: {error}"),
                )],
            );
        }
        let queries: Vec<(String, &PolicyRule)> = self.rules.iter().map(|rule| (rule.query(), rule)).collect();
        let results: Vec<(Vec<Finding>, Vec<RuntimeFailure>)> = subjects
            .par_chunks(256)
            .map_init(
                || engine.clone(),
                |engine, chunk| {
                    let mut findings = Vec::new();
                    let mut errors = Vec::new();
                    for subject in chunk {
                        engine.set_input(subject.input.clone());
                        for (query, rule) in &queries {
                            match engine.eval_rule(query.clone()) {
                                Ok(value) => findings.extend(messages::findings(&value, rule, subject)),
                                Err(error) => {
                                    errors.push(RuntimeFailure::new(&error.to_string(), query, rule, subject))
                                }
                            }
                        }
                    }
                    (findings, errors)
                },
            )
            .collect();
        let mut findings = Vec::new();
        // A fault in a policy fails on every object: one error per place
        // and cause, naming the first object and counting the others.
        let mut failures: Vec<(RuntimeFailure, usize)> = Vec::new();
        for (mut found, failed) in results {
            findings.append(&mut found);
            for failure in failed {
                match failures.iter_mut().find(|(seen, _)| seen.same_fault(&failure)) {
                    Some((_, others)) => *others += 1,
                    None => failures.push((failure, 0)),
                }
            }
        }
        let errors = failures
            .into_iter()
            .map(|(failure, others)| failure.into_error(others))
            .collect();
        (findings, errors)
    }
}

/// `data.rampart.objects[kind][namespace][name]` (namespace `""` for
/// objects that set none): lookups a policy can make per object without
/// walking the whole inventory each time, which regorus would redo for
/// every object.
fn objects_index(subjects: &[Subject]) -> Value {
    let mut index: BTreeMap<String, BTreeMap<String, BTreeMap<String, Value>>> = BTreeMap::new();
    for subject in subjects {
        let resource = &subject.resource;
        index
            .entry(resource.kind.clone())
            .or_default()
            .entry(resource.namespace.clone().unwrap_or_default())
            .or_default()
            .insert(resource.name.clone(), subject.input.clone());
    }
    let wrap = |map: BTreeMap<String, Value>| {
        Value::from(
            map.into_iter()
                .map(|(k, v)| (Value::from(k), v))
                .collect::<BTreeMap<_, _>>(),
        )
    };
    wrap(
        index
            .into_iter()
            .map(|(kind, namespaces)| {
                let namespaces = namespaces.into_iter().map(|(ns, names)| (ns, wrap(names))).collect();
                (kind, wrap(namespaces))
            })
            .collect(),
    )
}

fn collect_rego(path: &Path, files: &mut Vec<PathBuf>, errors: &mut Vec<ScanError>) {
    if path.is_file() {
        files.push(path.to_path_buf());
        return;
    }
    let entries = match std::fs::read_dir(path) {
        Ok(entries) => entries,
        Err(error) => {
            errors.push(ScanError::new(path.display().to_string(), None, error.to_string()));
            return;
        }
    };
    for entry in entries.flatten() {
        let child = entry.path();
        if child.is_dir() {
            collect_rego(&child, files, errors);
        } else if child.extension().is_some_and(|ext| ext == "rego") {
            files.push(child);
        }
    }
}

/// A regorus error as one line, with the file and line it points at:
/// its messages read `--> file:line:col` then `error: what`.
fn policy_error(file: &str, message: &str) -> ScanError {
    ScanError::new(file, location_in(message).map(|(_, line)| line), last_line(message))
}

/// A policy's runtime error: where in the policy the fault is, what it is,
/// and the object it failed on.
struct RuntimeFailure {
    file: String,
    line: Option<usize>,
    query: String,
    cause: String,
    /// `ConfigMap/a/c (cm.yaml:1)`.
    object: String,
}

impl RuntimeFailure {
    fn new(message: &str, query: &str, rule: &PolicyRule, subject: &Subject) -> RuntimeFailure {
        let (file, line) = match location_in(message) {
            Some((file, line)) => (file, Some(line)),
            None => (rule.file.clone(), None),
        };
        RuntimeFailure {
            file,
            line,
            query: query.to_string(),
            cause: last_line(message),
            object: format!(
                "{} ({}:{})",
                subject.resource.display_name(),
                subject.path,
                subject.line
            ),
        }
    }

    fn same_fault(&self, other: &RuntimeFailure) -> bool {
        (&self.file, self.line, &self.query, &self.cause) == (&other.file, other.line, &other.query, &other.cause)
    }

    /// The error at the policy's file and line, naming the first object it
    /// failed on and counting the `others`.
    fn into_error(self, others: usize) -> ScanError {
        let more = match others {
            0 => String::new(),
            1 => " (and on 1 other object)".to_string(),
            n => format!(" (and on {n} other objects)"),
        };
        ScanError::new(
            self.file,
            self.line,
            format!("policy {} failed on {}: {}{more}", self.query, self.object, self.cause),
        )
    }
}

/// The `--> file:line:col` a regorus error points at.
fn location_in(message: &str) -> Option<(String, usize)> {
    let at = message.lines().find_map(|line| line.trim().strip_prefix("--> "))?;
    let mut parts = at.rsplitn(3, ':');
    let _column = parts.next()?;
    let line = parts.next()?.parse().ok()?;
    Some((parts.next()?.to_string(), line))
}

pub(crate) fn last_line(message: &str) -> String {
    message
        .lines()
        .rev()
        .find(|line| !line.trim().is_empty())
        .unwrap_or(message)
        .trim()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("bad.rego");
        std::fs::write(
            &file,
            "package main\n\nimport rego.v1\n\ndeny contains msg if {\n  input.kind ==\n}\n",
        )
        .unwrap();
        let errors = PolicySet::load(&[dir.path().to_path_buf()], &[]).err().unwrap();
        assert_eq!(errors.len(), 1);
        assert!(errors[0].path.ends_with("bad.rego"));
        assert_eq!(errors[0].line, Some(7), "{:?}", errors[0]);
        assert!(errors[0].message.starts_with("error:"), "{:?}", errors[0]);
    }

    #[test]
    fn runtime_errors_name_the_policy_file_and_line_and_the_object() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("p.rego"),
            "package main\n\nname := input.metadata.name\nname := \"other\"\n\ndeny contains msg if {\n  msg := sprintf(\"bad %s\", [name])\n}\n",
        )
        .unwrap();
        let set = PolicySet::load(&[dir.path().to_path_buf()], &[]).unwrap();
        let subject = Subject::from_json(
            serde_json::json!({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "c", "namespace": "a"}}),
            Arc::new(ResourceRef {
                api_version: "v1".into(),
                kind: "ConfigMap".into(),
                namespace: Some("a".into()),
                name: "c".into(),
            }),
            Arc::from("cm.yaml"),
            1,
        );
        let other = Subject {
            path: Arc::from("other.yaml"),
            ..subject.clone()
        };
        let (findings, errors) = set.evaluate(&[subject, other]);
        assert!(findings.is_empty());
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(errors[0].path.ends_with("p.rego"), "{:?}", errors[0]);
        assert_eq!(errors[0].line, Some(4), "{:?}", errors[0]);
        assert!(
            errors[0].message.contains("ConfigMap/a/c (cm.yaml:1)"),
            "{:?}",
            errors[0]
        );
        assert!(errors[0].message.contains("rule conflicts"), "{:?}", errors[0]);
        assert!(
            errors[0].message.ends_with("(and on 1 other object)"),
            "{:?}",
            errors[0]
        );
    }
}
