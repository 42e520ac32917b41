//! Reads the exceptions file (`.rampart/exceptions.yaml`) with line numbers,
//! so every missing or malformed field is reported where it is.
//!
//! ```yaml
//! exceptions:
//!   - id: legacy-root
//!     rules: [run-as-non-root, read-only-root-fs]
//!     match: {kind: Deployment, namespace: shop, name: legacy, container: app}
//!     justification: The vendor image writes to / and runs as root; replaced in Q3.
//!     compensating_controls: [default-deny network policy, no service account token]
//!     owner: team-payments
//!     approved_by: security@example.org
//!     ticket: SEC-123
//!     expires: 2027-03-31
//! ```
//!
//! A bare list (without `exceptions:`) is read too.

use rampart_core::ScanError;
use rampart_core::exceptions::{Exception, ExceptionMatch};

use crate::yaml::{Limits, Node, Value, parse_document};

const FIELDS: &[&str] = &[
    "id",
    "rules",
    "match",
    "justification",
    "compensating_controls",
    "owner",
    "approved_by",
    "ticket",
    "expires",
];
const MATCH_FIELDS: &[&str] = &[
    "kind",
    "namespace",
    "name",
    "container",
    "paths",
    "vulnerability",
    "image",
    "user",
    "group",
];

/// Parses the file's text; every problem is returned, each with its line.
pub fn parse_exceptions(path: &str, text: &str) -> Result<Vec<Exception>, Vec<ScanError>> {
    let error = |line: u32, message: String| ScanError::new(path, Some(line as usize), message);
    let parsed = match parse_document(text, 0, Limits::default()) {
        Ok(Some(parsed)) => parsed,
        Ok(None) => return Ok(Vec::new()),
        Err(problem) => return Err(vec![error(problem.line, problem.message)]),
    };
    let mut errors: Vec<ScanError> = parsed
        .problems
        .iter()
        .map(|problem| error(problem.line, problem.message.clone()))
        .collect();
    let root = &parsed.root;
    let entries = match &root.value {
        Value::Seq(items) => items.as_slice(),
        Value::Map(_) => match root.get("exceptions") {
            Some(list) if matches!(list.value, Value::Seq(_)) => list.as_seq(),
            Some(list) if list.is_null() => &[],
            _ => {
                return Err(vec![error(
                    root.pos.line,
                    "expected `exceptions:` with a list of exceptions".into(),
                )]);
            }
        },
        Value::Null => &[],
        _ => return Err(vec![error(root.pos.line, "expected a list of exceptions".into())]),
    };
    let mut exceptions = Vec::new();
    let mut ids = std::collections::HashSet::new();
    for entry in entries {
        match read_exception(path, entry) {
            Ok(exception) => {
                if !ids.insert(exception.id.clone()) {
                    errors.push(error(
                        entry.pos.line,
                        format!("exception id `{}` is used twice", exception.id),
                    ));
                }
                exceptions.push(exception);
            }
            Err(mut problems) => errors.append(&mut problems),
        }
    }
    if errors.is_empty() { Ok(exceptions) } else { Err(errors) }
}

fn read_exception(path: &str, node: &Node) -> Result<Exception, Vec<ScanError>> {
    let mut errors = Vec::new();
    let line = node.pos.line;
    let mut problem = |line: u32, message: String| errors.push(ScanError::new(path, Some(line as usize), message));
    if !node.is_map() {
        problem(line, "an exception is a mapping of fields".into());
        return Err(errors);
    }
    for entry in node.entries() {
        if !FIELDS.contains(&entry.key.as_str()) {
            problem(
                entry.value.pos.line,
                format!("unknown field `{}` (expected one of {})", entry.key, FIELDS.join(", ")),
            );
        }
    }
    let id = text_field(node, "id");
    let name = id.clone().unwrap_or_else(|| "?".into());
    let mut required = |key: &str| -> String {
        match text_field(node, key) {
            Some(value) if !value.is_empty() => value,
            _ => {
                problem(line, format!("exception `{name}`: `{key}` is required"));
                String::new()
            }
        }
    };
    let id = required("id");
    let justification = required("justification");
    let owner = required("owner");
    let approved_by = required("approved_by");
    let expires_text = required("expires");
    let mut errors_after = Vec::new();
    let expires = match expires_text.parse() {
        Ok(date) => Some(date),
        Err(message) if !expires_text.is_empty() => {
            let at = node.get("expires").map_or(line, |n| n.pos.line);
            errors_after.push(ScanError::new(
                path,
                Some(at as usize),
                format!("exception `{id}`: expires: {message}"),
            ));
            None
        }
        Err(_) => None,
    };
    let compensating_controls = list_field(node, "compensating_controls");
    if compensating_controls.is_empty() {
        errors_after.push(ScanError::new(
            path,
            Some(line as usize),
            format!("exception `{id}`: `compensating_controls` is required (say what limits the risk meanwhile)"),
        ));
    }
    let rules = list_field(node, "rules");
    let matcher = match node.get("match") {
        None => ExceptionMatch::default(),
        Some(m) if m.is_map() => {
            for entry in m.entries() {
                if !MATCH_FIELDS.contains(&entry.key.as_str()) {
                    errors_after.push(ScanError::new(
                        path,
                        Some(entry.value.pos.line as usize),
                        format!(
                            "unknown match field `{}` (expected one of {})",
                            entry.key,
                            MATCH_FIELDS.join(", ")
                        ),
                    ));
                }
            }
            ExceptionMatch {
                kind: text_field(m, "kind"),
                namespace: text_field(m, "namespace"),
                name: text_field(m, "name"),
                container: text_field(m, "container"),
                paths: list_field(m, "paths"),
                vulnerability: text_field(m, "vulnerability"),
                image: text_field(m, "image"),
                user: text_field(m, "user"),
                group: text_field(m, "group"),
            }
        }
        Some(m) => {
            errors_after.push(ScanError::new(
                path,
                Some(m.pos.line as usize),
                "`match` is a mapping".to_string(),
            ));
            ExceptionMatch::default()
        }
    };
    if rules.is_empty() && matcher == ExceptionMatch::default() {
        errors_after.push(ScanError::new(
            path,
            Some(line as usize),
            format!("exception `{id}` names no rules and matches everything; give `rules` or `match`"),
        ));
    }
    errors.extend(errors_after);
    match expires {
        Some(expires) if errors.is_empty() => Ok(Exception {
            id,
            rules,
            matcher,
            justification,
            compensating_controls,
            owner,
            approved_by,
            ticket: text_field(node, "ticket"),
            expires,
            file: path.to_string(),
            line: line as usize,
        }),
        _ => Err(errors),
    }
}

fn text_field(node: &Node, key: &str) -> Option<String> {
    node.get(key)
        .and_then(Node::scalar_text)
        .map(|text| text.trim().to_string())
}

/// A list, or a single scalar as a list of one.
fn list_field(node: &Node, key: &str) -> Vec<String> {
    match node.get(key) {
        Some(value) if matches!(value.value, Value::Seq(_)) => value
            .as_seq()
            .iter()
            .filter_map(Node::scalar_text)
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty())
            .collect(),
        Some(value) => value
            .scalar_text()
            .map(|text| vec![text.trim().to_string()])
            .unwrap_or_default(),
        None => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = "\
exceptions:
  - id: legacy-root
    rules: [run-as-non-root, read-only-root-fs]
    match: {kind: Deployment, namespace: shop, name: legacy, container: app}
    justification: The vendor image runs as root.
    compensating_controls: [default-deny network policy]
    owner: team-payments
    approved_by: security@example.org
    ticket: SEC-123
    expires: 2027-03-31
  - id: fixtures
    rules: secrets
    match:
      paths: [\"testdata/**\"]
    justification: Fake credentials for tests.
    compensating_controls: [never deployed]
    owner: team-qa
    approved_by: security@example.org
    expires: 2026-12-31
";

    #[test]
    fn reads_every_field_with_its_line() {
        let exceptions = parse_exceptions(".rampart/exceptions.yaml", GOOD).unwrap();
        assert_eq!(exceptions.len(), 2);
        let first = &exceptions[0];
        assert_eq!(first.id, "legacy-root");
        assert_eq!(first.line, 2);
        assert_eq!(first.rules, ["run-as-non-root", "read-only-root-fs"]);
        assert_eq!(first.matcher.container.as_deref(), Some("app"));
        assert_eq!(first.ticket.as_deref(), Some("SEC-123"));
        assert_eq!(first.expires.to_string(), "2027-03-31");
        assert_eq!(exceptions[1].rules, ["secrets"]);
        assert_eq!(exceptions[1].matcher.paths, ["testdata/**"]);
        assert_eq!(exceptions[1].line, 11);
    }

    #[test]
    fn missing_and_wrong_fields_are_errors_at_their_lines() {
        let bad = "\
- id: no-owner
  rules: [run-as-non-root]
  justification: x
  compensating_controls: [y]
  approved_by: z
  expires: 2027-02-30
  expiry: 2027-01-01
- id: everything
  justification: x
  compensating_controls: [y]
  owner: o
  approved_by: z
  expires: 2027-01-01
";
        let errors = parse_exceptions("ex.yaml", bad).unwrap_err();
        let found: Vec<(Option<usize>, &str)> = errors.iter().map(|e| (e.line, e.message.as_str())).collect();
        assert!(
            found
                .iter()
                .any(|(line, m)| *line == Some(7) && m.contains("unknown field `expiry`")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(line, m)| *line == Some(1) && m.contains("`owner` is required")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(line, m)| *line == Some(6) && m.contains("not a date")),
            "{found:?}"
        );
        assert!(
            found
                .iter()
                .any(|(line, m)| *line == Some(8) && m.contains("matches everything")),
            "{found:?}"
        );
        assert!(errors.iter().all(|e| e.path == "ex.yaml"));
    }
}
