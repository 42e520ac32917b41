//! What the rules read: every resource instance Terraform would create,
//! evaluated, with the line of each attribute and block.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::value::{Unknown, Value};

/// One resource (or data source) instance.
#[derive(Debug, Clone)]
pub struct Resource {
    /// `module.web.aws_security_group.this["a"]`.
    pub address: String,
    /// `aws_security_group`.
    pub kind: String,
    pub name: String,
    /// `module.web`, or empty in the root module.
    pub module: String,
    /// A data source (`data.aws_iam_policy_document.x`).
    pub data: bool,
    pub path: Arc<str>,
    pub line: usize,
    /// The line of the block's closing brace.
    pub end_line: usize,
    pub body: Body,
    /// When `count` or `for_each` could not be evaluated, this instance
    /// stands for all of them.
    pub instances_unknown: Option<Unknown>,
}

impl Resource {
    /// The address inside its module (`aws_s3_bucket.logs`), what
    /// references in the same module name.
    pub fn local_address(&self) -> &str {
        match self.module.len() {
            0 => &self.address,
            n => &self.address[n + 1..],
        }
    }

    /// `type.name` without an instance key, module-qualified.
    pub fn declaration(&self) -> String {
        let prefix = if self.module.is_empty() {
            String::new()
        } else {
            format!("{}.", self.module)
        };
        let data = if self.data { "data." } else { "" };
        format!("{prefix}{data}{}.{}", self.kind, self.name)
    }
}

/// An evaluated block body.
#[derive(Debug, Clone, Default)]
pub struct Body {
    pub attributes: BTreeMap<String, Attr>,
    pub blocks: Vec<NestedBlock>,
}

/// An attribute's value and line.
#[derive(Debug, Clone)]
pub struct Attr {
    pub value: Value,
    pub line: usize,
}

/// A nested block (`ingress { … }`), `dynamic` ones expanded.
#[derive(Debug, Clone)]
pub struct NestedBlock {
    pub kind: String,
    pub line: usize,
    pub body: Body,
}

impl Body {
    pub fn attr(&self, name: &str) -> Option<&Attr> {
        self.attributes.get(name)
    }

    pub fn value(&self, name: &str) -> Option<&Value> {
        self.attributes.get(name).map(|attr| &attr.value)
    }

    pub fn str(&self, name: &str) -> Option<&str> {
        self.value(name).and_then(Value::as_str)
    }

    pub fn bool(&self, name: &str) -> Option<bool> {
        self.value(name).and_then(Value::as_bool)
    }

    /// The blocks of a type, and the objects of an attribute of that name
    /// (`ingress = [{ … }]`, and plan JSON, write blocks that way).
    pub fn blocks(&self, kind: &str) -> Vec<NestedBlock> {
        let mut found: Vec<NestedBlock> = self.blocks.iter().filter(|block| block.kind == kind).cloned().collect();
        if let Some(attr) = self.attributes.get(kind) {
            let objects: Vec<&Value> = match &attr.value {
                Value::List(items) => items.iter().collect(),
                object @ Value::Object(_) => vec![object],
                _ => Vec::new(),
            };
            for object in objects {
                if let Value::Object(map) = object {
                    found.push(NestedBlock {
                        kind: kind.to_string(),
                        line: attr.line,
                        body: Body::from_object(map, attr.line),
                    });
                }
            }
        }
        found
    }

    pub fn block(&self, kind: &str) -> Option<NestedBlock> {
        self.blocks(kind).into_iter().next()
    }

    /// A body made of an object's values, all on one line (an attribute
    /// written as an object, or plan JSON).
    pub fn from_object(map: &BTreeMap<String, Value>, line: usize) -> Body {
        let mut body = Body::default();
        for (key, value) in map {
            let is_blocks = match value {
                Value::List(items) => !items.is_empty() && items.iter().all(|item| matches!(item, Value::Object(_))),
                _ => false,
            };
            if is_blocks {
                for item in value.as_list().unwrap_or_default() {
                    if let Value::Object(inner) = item {
                        body.blocks.push(NestedBlock {
                            kind: key.clone(),
                            line,
                            body: Body::from_object(inner, line),
                        });
                    }
                }
            } else {
                body.attributes.insert(
                    key.clone(),
                    Attr {
                        value: value.clone(),
                        line,
                    },
                );
            }
        }
        body
    }

    /// The body as an object, as references to it read it: attributes,
    /// and each block type as a list of objects.
    pub fn to_value(&self) -> Value {
        let mut map: BTreeMap<String, Value> = self
            .attributes
            .iter()
            .map(|(key, attr)| (key.clone(), attr.value.clone()))
            .collect();
        for block in &self.blocks {
            let entry = map.entry(block.kind.clone()).or_insert_with(|| Value::List(Vec::new()));
            if let Value::List(items) = entry {
                items.push(block.body.to_value());
            }
        }
        Value::Object(map)
    }
}
