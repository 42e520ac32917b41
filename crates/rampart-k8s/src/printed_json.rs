//! JSON read straight into a [`Node`] tree, each node placed where
//! `kubectl get KIND NAME -o json` prints it (four spaces an indent, one
//! entry a line, the document's own key order), without an intermediate
//! `serde_json::Value`: a cluster's objects arrive as JSON by the hundred
//! thousand, and a finding's line should be a line the user can look up.

use std::fmt;

use compact_str::CompactString;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::yaml::{Entry, Node, Pos, Value};

/// Columns one level of nesting adds, as kubectl indents.
const INDENT: u32 = 4;

impl Node {
    /// Parses one JSON document into a tree placed as kubectl prints it.
    /// A key given twice keeps its last value (as the API server reads it),
    /// at its first place.
    pub fn from_json_slice(bytes: &[u8]) -> Result<Node, serde_json::Error> {
        let mut deserializer = serde_json::Deserializer::from_slice(bytes);
        let mut line = 1;
        let node = Placed {
            line: &mut line,
            column: 1,
        }
        .deserialize(&mut deserializer)?;
        deserializer.end()?;
        Ok(node)
    }

    /// Places the tree (read from YAML, say) where kubectl would print it
    /// as JSON, keeping its order.
    pub fn place_as_printed_json(&mut self) {
        let mut line = 1;
        place(self, &mut line, 1);
    }
}

fn place(node: &mut Node, line: &mut u32, column: u32) {
    node.pos = Pos { line: *line, column };
    let inner = column + INDENT;
    match &mut node.value {
        Value::Seq(items) if !items.is_empty() => {
            for item in items {
                *line += 1;
                place(item, line, inner);
            }
            *line += 1;
        }
        Value::Map(entries) if !entries.is_empty() => {
            for entry in entries {
                *line += 1;
                place(&mut entry.value, line, inner);
            }
            *line += 1;
        }
        _ => {}
    }
}

/// A value starting at `column` of `*line` (a map entry's value: its key's
/// column); `*line` ends on the value's last line.
struct Placed<'a> {
    line: &'a mut u32,
    column: u32,
}

impl<'de> DeserializeSeed<'de> for Placed<'_> {
    type Value = Node;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Node, D::Error> {
        let pos = Pos {
            line: *self.line,
            column: self.column,
        };
        let value = deserializer.deserialize_any(PlacedVisitor {
            line: self.line,
            inner: self.column + INDENT,
        })?;
        Ok(Node { value, pos })
    }
}

struct PlacedVisitor<'a> {
    line: &'a mut u32,
    /// The column of what is nested one level in.
    inner: u32,
}

impl<'de> Visitor<'de> for PlacedVisitor<'_> {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("a JSON value")
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E: de::Error>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E: de::Error>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Int(value))
    }

    fn visit_u64<E: de::Error>(self, value: u64) -> Result<Value, E> {
        // Beyond i64 only a float can hold it, as serde_json's own Value.
        Ok(i64::try_from(value).map_or(Value::Float(value as f64), Value::Int))
    }

    fn visit_f64<E: de::Error>(self, value: f64) -> Result<Value, E> {
        Ok(Value::Float(value))
    }

    fn visit_str<E: de::Error>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(CompactString::from(value)))
    }

    fn visit_string<E: de::Error>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(CompactString::from(value)))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        loop {
            *self.line += 1;
            let seed = Placed {
                line: self.line,
                column: self.inner,
            };
            match seq.next_element_seed(seed)? {
                Some(item) => items.push(item),
                None => break,
            }
        }
        // The line counted for the element that did not come is the
        // closing bracket's; an empty array is one line.
        if items.is_empty() {
            *self.line -= 1;
        }
        Ok(Value::Seq(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries: Vec<Entry> = Vec::new();
        while let Some(key) = map.next_key::<Key>()? {
            *self.line += 1;
            let value = map.next_value_seed(Placed {
                line: self.line,
                column: self.inner,
            })?;
            entries.push(Entry { key: key.0, value });
        }
        if !entries.is_empty() {
            *self.line += 1;
        }
        keep_last_of_each_key(&mut entries);
        Ok(Value::Map(entries))
    }
}

/// A key read without a `String` in between.
struct Key(CompactString);

impl<'de> serde::Deserialize<'de> for Key {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Key, D::Error> {
        struct KeyVisitor;
        impl Visitor<'_> for KeyVisitor {
            type Value = Key;
            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a key")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Key, E> {
                Ok(Key(CompactString::from(value)))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// Duplicate keys are rare and small maps common: a pairwise look for the
/// small, a set for the large, and work only when a key repeats.
fn keep_last_of_each_key(entries: &mut Vec<Entry>) {
    let repeats = if entries.len() <= 16 {
        entries
            .iter()
            .enumerate()
            .any(|(index, entry)| entries[..index].iter().any(|earlier| earlier.key == entry.key))
    } else {
        let mut seen = std::collections::HashSet::with_capacity(entries.len());
        !entries.iter().all(|entry| seen.insert(entry.key.as_str()))
    };
    if !repeats {
        return;
    }
    let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
    let mut index_of: std::collections::HashMap<CompactString, usize> = std::collections::HashMap::new();
    for entry in entries.drain(..) {
        match index_of.get(&entry.key) {
            Some(&index) => kept[index].value.value = entry.value.value,
            None => {
                index_of.insert(entry.key.clone(), kept.len());
                kept.push(entry);
            }
        }
    }
    *entries = kept;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{LoadOptions, load_bytes};

    /// A pod as kubectl prints it: its own key order, four-space indents,
    /// empty maps and arrays on one line.
    const PRINTED: &str = r#"{
    "apiVersion": "v1",
    "kind": "Pod",
    "metadata": {
        "annotations": {},
        "labels": {
            "app": "web",
            "ünïcode/ké\"y": "v"
        },
        "name": "web"
    },
    "spec": {
        "containers": [
            {
                "name": "web",
                "image": "nginx:1.27",
                "args": [],
                "ports": [
                    {
                        "containerPort": 80
                    }
                ],
                "env": [
                    {
                        "name": "A",
                        "value": "x\ny"
                    }
                ]
            },
            {
                "securityContext": {
                    "runAsUser": 0,
                    "privileged": true,
                    "ratio": 1.5,
                    "big": 18446744073709551615
                },
                "name": "side"
            }
        ],
        "nodeSelector": null
    }
}
"#;

    #[test]
    fn positions_are_those_of_the_printed_lines() {
        let read = Node::from_json_slice(PRINTED.as_bytes()).unwrap();
        // The YAML loader reads the same text with each node where it is.
        let loaded = load_bytes("pod.json", PRINTED.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(read, loaded.objects[0].root);
        let image = &read.get_path("spec.containers").unwrap().as_seq()[0]
            .get("image")
            .unwrap();
        assert_eq!(image.pos, Pos { line: 16, column: 17 });
        let privileged = read.get_path("spec.containers").unwrap().as_seq()[1]
            .get_path("securityContext.privileged")
            .unwrap();
        assert_eq!((privileged.pos.line, privileged.as_bool()), (33, Some(true)));
    }

    #[test]
    fn a_tree_read_as_yaml_is_placed_as_printed_json() {
        let yaml = "apiVersion: v1\nkind: Pod\nmetadata:\n  annotations: {}\n  labels:\n    app: web\n    \"ünïcode/ké\\\"y\": v\n  name: web\nspec:\n  containers:\n  - name: web\n    image: nginx:1.27\n    args: []\n    ports:\n    - containerPort: 80\n    env:\n    - name: A\n      value: \"x\\ny\"\n  - securityContext:\n      runAsUser: 0\n      privileged: true\n      ratio: 1.5\n      big: 18446744073709551615\n    name: side\n  nodeSelector: null\n";
        let mut loaded = load_bytes("pod.yaml", yaml.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let root = &mut loaded.objects[0].root;
        root.place_as_printed_json();
        assert_eq!(*root, Node::from_json_slice(PRINTED.as_bytes()).unwrap());
    }

    #[test]
    fn a_repeated_key_keeps_its_last_value_and_broken_json_is_an_error() {
        let node = Node::from_json_slice(br#"{"a": 1, "b": 2, "a": 3}"#).unwrap();
        assert_eq!(node.entries().len(), 2);
        assert_eq!(node.get("a").unwrap().as_i64(), Some(3));
        let error = Node::from_json_slice(b"{\n  \"a\": [1,\n  }").unwrap_err();
        assert_eq!(error.line(), 3);
        assert!(Node::from_json_slice(b"{} {}").is_err());
    }
}
