//! Terraform values as the evaluator computes them, with the one kind
//! Terraform has and scanners usually drop: the value not known until
//! apply (a data source, a computed attribute, a variable nobody set).
//! An unknown says what it depends on, so a rule can say "could not
//! evaluate: depends on data.aws_iam_policy_document.admin" instead of
//! passing.

use std::collections::BTreeMap;
use std::sync::Arc;

/// A value, or what it would depend on.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Number(f64),
    String(String),
    /// Lists, tuples and sets.
    List(Vec<Value>),
    /// Objects and maps (Terraform orders map keys).
    Object(BTreeMap<String, Value>),
    Unknown(Unknown),
}

/// Why a value is not known.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unknown {
    /// What it depends on, as the user wrote it (`data.aws_ami.ubuntu.id`,
    /// `var.cidr (no value)`).
    pub depends_on: Arc<str>,
    /// The managed resource it comes from (module-qualified address), when
    /// it is a resource's computed attribute: rules link resources by it.
    pub resource: Option<Arc<str>>,
}

impl Value {
    pub fn unknown(depends_on: impl Into<Arc<str>>) -> Value {
        Value::Unknown(Unknown {
            depends_on: depends_on.into(),
            resource: None,
        })
    }

    pub fn is_known(&self) -> bool {
        !matches!(self, Value::Unknown(_))
    }

    /// Known all the way down.
    pub fn is_wholly_known(&self) -> bool {
        match self {
            Value::Unknown(_) => false,
            Value::List(items) => items.iter().all(Value::is_wholly_known),
            Value::Object(map) => map.values().all(Value::is_wholly_known),
            _ => true,
        }
    }

    /// The first unknown inside, for a message.
    pub fn first_unknown(&self) -> Option<&Unknown> {
        match self {
            Value::Unknown(unknown) => Some(unknown),
            Value::List(items) => items.iter().find_map(Value::first_unknown),
            Value::Object(map) => map.values().find_map(Value::first_unknown),
            _ => None,
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(text) => Some(text),
            _ => None,
        }
    }

    /// A boolean as Terraform converts it (`"true"` is true).
    pub fn as_bool(&self) -> Option<bool> {
        match self {
            Value::Bool(b) => Some(*b),
            Value::String(text) if text == "true" => Some(true),
            Value::String(text) if text == "false" => Some(false),
            _ => None,
        }
    }

    /// A number as Terraform converts it (`"22"` is 22).
    pub fn as_number(&self) -> Option<f64> {
        match self {
            Value::Number(n) => Some(*n),
            Value::String(text) => text.trim().parse().ok(),
            _ => None,
        }
    }

    pub fn as_list(&self) -> Option<&[Value]> {
        match self {
            Value::List(items) => Some(items),
            _ => None,
        }
    }

    pub fn as_object(&self) -> Option<&BTreeMap<String, Value>> {
        match self {
            Value::Object(map) => Some(map),
            _ => None,
        }
    }

    pub fn get(&self, key: &str) -> Option<&Value> {
        self.as_object().and_then(|map| map.get(key))
    }

    /// A string, or each string of a list: how many attributes take "one
    /// or many" (`cidr_blocks`, `Action`).
    pub fn strings(&self) -> Vec<&str> {
        match self {
            Value::String(text) => vec![text.as_str()],
            Value::List(items) => items.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }

    /// How a value reads in a message: strings as is, the rest as JSON.
    pub fn display(&self) -> String {
        match self {
            Value::String(text) => text.clone(),
            Value::Unknown(unknown) => format!("(known after apply: {})", unknown.depends_on),
            other => to_json(other).to_string(),
        }
    }

    /// The string Terraform's interpolation makes of a value.
    pub fn to_template_string(&self) -> Option<String> {
        match self {
            Value::String(text) => Some(text.clone()),
            Value::Number(n) => Some(number_string(*n)),
            Value::Bool(b) => Some(b.to_string()),
            _ => None,
        }
    }
}

pub fn number_string(n: f64) -> String {
    if n.fract() == 0.0 && n.abs() < 1e15 {
        format!("{}", n as i64)
    } else {
        n.to_string()
    }
}

/// The JSON of a known value (`jsonencode`); unknowns become null.
pub fn to_json(value: &Value) -> serde_json::Value {
    match value {
        Value::Null | Value::Unknown(_) => serde_json::Value::Null,
        Value::Bool(b) => serde_json::Value::Bool(*b),
        Value::Number(n) => {
            if n.fract() == 0.0 && n.abs() < 1e15 {
                serde_json::Value::from(*n as i64)
            } else {
                serde_json::Number::from_f64(*n).map_or(serde_json::Value::Null, serde_json::Value::Number)
            }
        }
        Value::String(text) => serde_json::Value::String(text.clone()),
        Value::List(items) => serde_json::Value::Array(items.iter().map(to_json).collect()),
        // Keys starting with NUL are the evaluator's own marks.
        Value::Object(map) => serde_json::Value::Object(
            map.iter()
                .filter(|(k, _)| !k.starts_with('\u{0}'))
                .map(|(k, v)| (k.clone(), to_json(v)))
                .collect(),
        ),
    }
}

/// A value from JSON (`jsondecode`, plan files, `.tfvars.json`).
pub fn from_json(json: &serde_json::Value) -> Value {
    match json {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => Value::Number(n.as_f64().unwrap_or(0.0)),
        serde_json::Value::String(text) => Value::String(text.clone()),
        serde_json::Value::Array(items) => Value::List(items.iter().map(from_json).collect()),
        serde_json::Value::Object(map) => Value::Object(map.iter().map(|(k, v)| (k.clone(), from_json(v))).collect()),
    }
}
