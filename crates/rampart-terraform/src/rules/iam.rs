//! Reading IAM policy documents: the JSON string `jsonencode` or a
//! `data.aws_iam_policy_document` produced, one statement at a time, with
//! `Action` and `Resource` as lists whatever the document wrote.

use crate::value::{Unknown, Value};

/// One statement of a policy.
#[derive(Debug, Clone, Default)]
pub struct Statement {
    pub allow: bool,
    pub actions: Vec<String>,
    pub not_actions: bool,
    pub resources: Vec<String>,
    /// `Principal` is `*` or `{"AWS": "*"}`.
    pub any_principal: bool,
    pub has_condition: bool,
}

/// The statements of a policy value: a JSON string, or an object written
/// in HCL. An unknown policy is returned as such.
pub fn statements(value: &Value) -> Result<Vec<Statement>, Option<Unknown>> {
    let json: serde_json::Value = match value {
        Value::Unknown(unknown) => return Err(Some(unknown.clone())),
        Value::String(text) => serde_json::from_str(text)
            .or_else(|_| serde_json::from_str(&without_trailing_commas(text)))
            .map_err(|_| None)?,
        other if other.is_wholly_known() => crate::value::to_json(other),
        other => return Err(other.first_unknown().cloned()),
    };
    let list = match &json["Statement"] {
        serde_json::Value::Array(items) => items.clone(),
        single @ serde_json::Value::Object(_) => vec![single.clone()],
        _ => Vec::new(),
    };
    Ok(list
        .iter()
        .map(|statement| Statement {
            allow: statement["Effect"]
                .as_str()
                .is_none_or(|effect| effect.eq_ignore_ascii_case("Allow")),
            actions: strings(&statement["Action"]),
            not_actions: !statement["NotAction"].is_null(),
            resources: strings(&statement["Resource"]),
            any_principal: match &statement["Principal"] {
                serde_json::Value::Object(map) => map.values().any(|v| strings(v).iter().any(|p| p == "*")),
                other => strings(other).iter().any(|p| p == "*"),
            },
            has_condition: statement["Condition"].as_object().is_some_and(|c| !c.is_empty()),
        })
        .collect())
}

/// Policies written by hand in heredocs often keep a trailing comma, which
/// AWS rejects but which says what the author meant: drop commas that
/// close an array or object (outside strings).
fn without_trailing_commas(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut in_string = false;
    let mut escaped = false;
    let chars: Vec<char> = text.chars().collect();
    for (at, &c) in chars.iter().enumerate() {
        if in_string {
            out.push(c);
            match (escaped, c) {
                (false, '\\') => escaped = true,
                (false, '"') => in_string = false,
                _ => escaped = false,
            }
            continue;
        }
        if c == '"' {
            in_string = true;
        }
        if c == ','
            && chars[at + 1..]
                .iter()
                .find(|c| !c.is_whitespace())
                .is_some_and(|next| matches!(next, ']' | '}'))
        {
            continue;
        }
        out.push(c);
    }
    out
}

fn strings(value: &serde_json::Value) -> Vec<String> {
    match value {
        serde_json::Value::String(text) => vec![text.clone()],
        serde_json::Value::Array(items) => items
            .iter()
            .filter_map(|item| item.as_str().map(String::from))
            .collect(),
        _ => Vec::new(),
    }
}

/// Whether an action pattern (`iam:*`, `iam:Put*`, `*`) allows `action`.
pub fn allows(pattern: &str, action: &str) -> bool {
    let (pattern, action) = (pattern.to_ascii_lowercase(), action.to_ascii_lowercase());
    match pattern.strip_suffix('*') {
        Some(prefix) => action.starts_with(prefix),
        None => pattern == action,
    }
}

/// The resource attributes that hold a policy, by resource type.
pub const POLICY_ATTRIBUTES: &[(&str, &str)] = &[
    ("aws_iam_policy", "policy"),
    ("aws_iam_role_policy", "policy"),
    ("aws_iam_user_policy", "policy"),
    ("aws_iam_group_policy", "policy"),
    ("aws_ssoadmin_permission_set_inline_policy", "inline_policy"),
    ("aws_iam_policy_document", "json"),
];

/// The resource types a policy rule judges.
pub const POLICY_KINDS: &[&str] = &[
    "aws_iam_policy",
    "aws_iam_role_policy",
    "aws_iam_user_policy",
    "aws_iam_group_policy",
    "aws_ssoadmin_permission_set_inline_policy",
    "aws_iam_policy_document",
];
