//! What a rule returns, as findings: a set (or array) of messages, each a
//! string or an object with `msg` and optionally `id`, `severity`,
//! `controls`.

use std::borrow::Cow;

use rampart_core::{Control, Finding, Location, Severity};
use regorus::Value;

use crate::{PolicyRule, RuleKind, Subject};

const FIX: &str = "See the team policy that raised it.";

/// The findings one rule's result gives for one subject.
pub(crate) fn findings(value: &Value, rule: &PolicyRule, subject: &Subject) -> Vec<Finding> {
    let messages: Vec<&Value> = match value {
        Value::Set(set) => set.iter().collect(),
        Value::Array(array) => array.iter().collect(),
        Value::Undefined | Value::Null => Vec::new(),
        Value::Bool(false) => Vec::new(),
        other => vec![other],
    };
    messages
        .into_iter()
        .map(|message| finding_from(message, rule, subject))
        .collect()
}

/// One message as a finding about the subject.
pub fn finding_from(message: &Value, rule: &PolicyRule, subject: &Subject) -> Finding {
    let field = |key: &str| match message {
        Value::Object(map) => map.get(&Value::from(key)).cloned(),
        _ => None,
    };
    let text = |value: Option<Value>| value.and_then(|value| value.as_string().ok().map(|s| s.to_string()));
    let msg = match message {
        Value::String(text) => text.to_string(),
        _ => text(field("msg")).unwrap_or_else(|| message.to_json_str().unwrap_or_default()),
    };
    let id = text(field("id"))
        .filter(|id| !id.trim().is_empty())
        .unwrap_or_else(|| format!("policy.{}.{}", rule.package, rule.kind.name()));
    let default_severity = match rule.kind {
        RuleKind::Deny | RuleKind::Violation => Severity::High,
        RuleKind::Warn => Severity::Low,
    };
    let severity = text(field("severity"))
        .and_then(|severity| severity.parse().ok())
        .unwrap_or(default_severity);
    let controls: Vec<Control> = match field("controls") {
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|control| control.as_string().ok().and_then(|c| c.parse().ok()))
            .collect(),
        Some(Value::String(one)) => one.parse().ok().into_iter().collect(),
        _ => Vec::new(),
    };
    Finding {
        rule: Cow::Owned(id),
        severity,
        message: msg,
        location: Location {
            path: subject.path.clone(),
            line: subject.line,
            column: 1,
        },
        resource: Some(subject.resource.clone()),
        field: String::new(),
        container: None,
        controls: Cow::Owned(controls),
        fix: Cow::Borrowed(FIX),
        suppressed: false,
        suppression_reason: None,
        secret: None,
        event: None,
    }
}
