//! A YAML (and JSON) document as a tree whose every node knows its line and
//! column, built from `saphyr-parser` events.
//!
//! Scalars are typed the way Kubernetes reads manifests (sigs.k8s.io/yaml,
//! YAML 1.1 flavoured): `yes`/`on` are booleans, `0755` is octal. Aliases are
//! expanded like the API server would, under a node budget so that an alias
//! bomb stops with an error instead of eating memory; nesting is bounded too.

use std::borrow::Cow;
use std::collections::HashMap;

use compact_str::CompactString;
use saphyr_parser::{Event, Parser, ScalarStyle, Span};

/// A 1-based line and column.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Pos {
    pub line: u32,
    pub column: u32,
}

/// A node of the tree. For a value inside a mapping, `pos` is where its key
/// is: that is where a reader looks for the field.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub pos: Pos,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    /// Short strings (most keys and values) are stored inline.
    String(CompactString),
    // Vec, not a boxed slice: trees live for one file, and shrinking every
    // collection to size would cost a reallocation each.
    Seq(Vec<Node>),
    Map(Vec<Entry>),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Entry {
    pub key: CompactString,
    pub value: Node,
}

impl Node {
    pub fn get(&self, key: &str) -> Option<&Node> {
        match &self.value {
            Value::Map(entries) => entries.iter().find(|e| &*e.key == key).map(|e| &e.value),
            _ => None,
        }
    }

    pub fn get_mut(&mut self, key: &str) -> Option<&mut Node> {
        match &mut self.value {
            Value::Map(entries) => entries.iter_mut().find(|e| &*e.key == key).map(|e| &mut e.value),
            _ => None,
        }
    }

    /// Removes `key` from a mapping, returning its value.
    pub fn remove(&mut self, key: &str) -> Option<Node> {
        match &mut self.value {
            Value::Map(entries) => {
                let index = entries.iter().position(|e| &*e.key == key)?;
                Some(entries.remove(index).value)
            }
            _ => None,
        }
    }

    /// Follows a dotted path of mapping keys (`spec.template.spec`).
    pub fn get_path(&self, dotted: &str) -> Option<&Node> {
        // A plain byte loop: these paths are short and looked up for every
        // object by every rule, where `split` costs more than the lookup.
        let mut node = self;
        let mut rest = dotted;
        loop {
            match rest.bytes().position(|b| b == b'.') {
                Some(dot) => {
                    node = node.get(&rest[..dot])?;
                    rest = &rest[dot + 1..];
                }
                None => return node.get(rest),
            }
        }
    }

    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    pub fn as_bool(&self) -> Option<bool> {
        match self.value {
            Value::Bool(b) => Some(b),
            _ => None,
        }
    }

    pub fn as_i64(&self) -> Option<i64> {
        match self.value {
            Value::Int(i) => Some(i),
            _ => None,
        }
    }

    pub fn as_seq(&self) -> &[Node] {
        match &self.value {
            Value::Seq(items) => items,
            _ => &[],
        }
    }

    pub fn entries(&self) -> &[Entry] {
        match &self.value {
            Value::Map(entries) => entries,
            _ => &[],
        }
    }

    pub fn is_map(&self) -> bool {
        matches!(self.value, Value::Map(_))
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Number of nodes in this subtree, itself included.
    pub fn size(&self) -> usize {
        1 + match &self.value {
            Value::Seq(items) => items.iter().map(Node::size).sum(),
            Value::Map(entries) => entries.iter().map(|e| e.value.size()).sum(),
            _ => 0,
        }
    }

    /// The node as JSON, as the API server would hold it (policies take
    /// their input this way). Non-finite floats become null.
    pub fn to_json(&self) -> serde_json::Value {
        use serde_json::Value as Json;
        match &self.value {
            Value::Null => Json::Null,
            Value::Bool(b) => Json::Bool(*b),
            Value::Int(i) => Json::from(*i),
            Value::Float(f) => serde_json::Number::from_f64(*f).map_or(Json::Null, Json::Number),
            Value::String(s) => Json::String(s.to_string()),
            Value::Seq(items) => Json::Array(items.iter().map(Node::to_json).collect()),
            Value::Map(entries) => Json::Object(
                entries
                    .iter()
                    .map(|entry| (entry.key.to_string(), entry.value.to_json()))
                    .collect(),
            ),
        }
    }

    /// The scalar as text, the way a string-typed Kubernetes field would
    /// read it (`8080` and `"8080"` both give `8080`).
    pub fn scalar_text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            Value::String(s) => Some(Cow::Borrowed(s)),
            Value::Bool(b) => Some(Cow::Owned(b.to_string())),
            Value::Int(i) => Some(Cow::Owned(i.to_string())),
            Value::Float(f) => Some(Cow::Owned(f.to_string())),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
        }
    }
}

/// Limits that keep hostile input from exhausting time or memory.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Nodes one document may expand to, aliases included.
    pub max_nodes: usize,
    /// Deepest nesting of sequences and mappings.
    pub max_depth: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes: 5_000_000,
            max_depth: 256,
        }
    }
}

/// Why a document could not be turned into a tree.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: u32,
    pub column: u32,
    pub message: String,
}

/// A parsed document and what was wrong with it but could be read anyway.
#[derive(Debug, Clone, PartialEq)]
pub struct Parsed {
    pub root: Node,
    /// Duplicate keys: Kubernetes refuses them; the last value is kept so
    /// the rest of the document is still checked.
    pub problems: Vec<YamlError>,
}

/// Parses one YAML document. `line_offset` is added to every line, so a
/// document cut out of a larger file reports the file's line numbers.
/// Returns `Ok(None)` when the text holds no node (only comments).
pub fn parse_document(text: &str, line_offset: u32, limits: Limits) -> Result<Option<Parsed>, YamlError> {
    let mut builder = Builder {
        stack: Vec::new(),
        anchors: HashMap::new(),
        nodes: 0,
        limits,
        line_offset,
        root: None,
        documents: 0,
        problems: Vec::new(),
    };
    let mut parser = Parser::new_from_str(text);
    while let Some(event) = parser.next_event() {
        let (event, span) = event.map_err(|e| YamlError {
            line: e.marker().line() as u32 + line_offset,
            column: e.marker().col() as u32 + 1,
            message: e.info().to_string(),
        })?;
        builder.event(event, span)?;
    }
    Ok(builder.root.map(|root| Parsed {
        root,
        problems: builder.problems,
    }))
}

enum Frame {
    Seq {
        items: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
    Map {
        entries: Vec<Entry>,
        pending_key: Option<(CompactString, Pos)>,
        merges: Vec<Node>,
        pos: Pos,
        anchor: usize,
    },
}

struct Builder {
    stack: Vec<Frame>,
    anchors: HashMap<usize, (Node, usize)>,
    nodes: usize,
    limits: Limits,
    line_offset: u32,
    root: Option<Node>,
    documents: usize,
    problems: Vec<YamlError>,
}

impl Builder {
    fn pos(&self, span: &Span) -> Pos {
        Pos {
            line: span.start.line() as u32 + self.line_offset,
            column: span.start.col() as u32 + 1,
        }
    }

    fn error(&self, pos: Pos, message: impl Into<String>) -> YamlError {
        YamlError {
            line: pos.line,
            column: pos.column,
            message: message.into(),
        }
    }

    fn count(&mut self, added: usize, pos: Pos) -> Result<(), YamlError> {
        self.nodes = self.nodes.saturating_add(added);
        if self.nodes > self.limits.max_nodes {
            return Err(self.error(
                pos,
                format!(
                    "document expands to more than {} nodes (an alias bomb?); refusing to expand it",
                    self.limits.max_nodes
                ),
            ));
        }
        Ok(())
    }

    fn event(&mut self, event: Event<'_>, span: Span) -> Result<(), YamlError> {
        let pos = self.pos(&span);
        match event {
            Event::StreamStart | Event::StreamEnd | Event::Nothing | Event::DocumentEnd => Ok(()),
            Event::DocumentStart(_) => {
                self.documents += 1;
                if self.documents > 1 {
                    return Err(self.error(pos, "more than one document in a single document"));
                }
                Ok(())
            }
            Event::Alias(id) => {
                let Some(size) = self.anchors.get(&id).map(|(_, size)| *size) else {
                    return Err(self.error(pos, "alias to an unknown anchor"));
                };
                self.count(size, pos)?;
                let mut node = self.anchors[&id].0.clone();
                node.pos = pos;
                self.complete(node)
            }
            Event::Scalar(text, style, anchor, tag) => {
                self.count(1, pos)?;
                let tag_suffix = tag.as_ref().map(|t| t.suffix.as_str());
                let node = Node {
                    value: resolve_scalar(&text, style, tag_suffix),
                    pos,
                };
                self.remember(anchor, &node);
                self.complete(node)
            }
            Event::SequenceStart(anchor, _) => {
                self.count(1, pos)?;
                self.push(
                    Frame::Seq {
                        items: Vec::new(),
                        pos,
                        anchor,
                    },
                    pos,
                )
            }
            Event::MappingStart(anchor, _) => {
                self.count(1, pos)?;
                self.push(
                    Frame::Map {
                        entries: Vec::new(),
                        pending_key: None,
                        merges: Vec::new(),
                        pos,
                        anchor,
                    },
                    pos,
                )
            }
            Event::SequenceEnd => match self.stack.pop() {
                Some(Frame::Seq { items, pos, anchor }) => {
                    let node = Node {
                        value: Value::Seq(items),
                        pos,
                    };
                    self.remember(anchor, &node);
                    self.complete(node)
                }
                _ => Err(self.error(pos, "unbalanced sequence end")),
            },
            Event::MappingEnd => match self.stack.pop() {
                Some(Frame::Map {
                    mut entries,
                    merges,
                    pos,
                    anchor,
                    ..
                }) => {
                    apply_merges(&mut entries, merges);
                    if let Some(duplicate) = find_duplicate_key(&entries) {
                        let problem = self.error(
                            duplicate.value.pos,
                            format!(
                                "mapping key `{}` appears twice (Kubernetes rejects this; the last value was checked)",
                                duplicate.key
                            ),
                        );
                        self.problems.push(problem);
                        entries = keep_last_of_each_key(entries);
                    }
                    let node = Node {
                        value: Value::Map(entries),
                        pos,
                    };
                    self.remember(anchor, &node);
                    self.complete(node)
                }
                _ => Err(self.error(pos, "unbalanced mapping end")),
            },
        }
    }

    fn push(&mut self, frame: Frame, pos: Pos) -> Result<(), YamlError> {
        if self.stack.len() >= self.limits.max_depth {
            return Err(self.error(
                pos,
                format!(
                    "nesting deeper than {} levels; refusing to parse further",
                    self.limits.max_depth
                ),
            ));
        }
        self.stack.push(frame);
        Ok(())
    }

    fn remember(&mut self, anchor: usize, node: &Node) {
        if anchor > 0 {
            self.anchors.insert(anchor, (node.clone(), node.size()));
        }
    }

    /// Attaches a finished node to its parent, or makes it the root.
    fn complete(&mut self, mut node: Node) -> Result<(), YamlError> {
        match self.stack.last_mut() {
            None => {
                self.root = Some(node);
                Ok(())
            }
            Some(Frame::Seq { items, .. }) => {
                items.push(node);
                Ok(())
            }
            Some(Frame::Map {
                entries,
                pending_key,
                merges,
                ..
            }) => match pending_key.take() {
                None => {
                    let Some(key) = node.scalar_text().map(|k| CompactString::from(k.as_ref())) else {
                        let message = if node.is_null() {
                            "empty mapping key"
                        } else {
                            "a mapping or sequence used as a mapping key (is this an unrendered template?)"
                        };
                        let pos = node.pos;
                        return Err(self.error(pos, message));
                    };
                    *pending_key = Some((key, node.pos));
                    Ok(())
                }
                Some((key, key_pos)) => {
                    if &*key == "<<" && matches!(node.value, Value::Map(_) | Value::Seq(_)) {
                        merges.push(node);
                    } else {
                        node.pos = key_pos;
                        entries.push(Entry { key, value: node });
                    }
                    Ok(())
                }
            },
        }
    }
}

/// YAML merge keys (`<<: *defaults`): keys already present win.
fn apply_merges(entries: &mut Vec<Entry>, merges: Vec<Node>) {
    for merge in merges {
        let sources: Vec<Node> = match merge.value {
            Value::Seq(items) => items,
            _ => vec![merge],
        };
        for source in sources {
            if let Value::Map(merged) = source.value {
                for entry in merged {
                    if !entries.iter().any(|e| e.key == entry.key) {
                        entries.push(entry);
                    }
                }
            }
        }
    }
}

fn keep_last_of_each_key(entries: Vec<Entry>) -> Vec<Entry> {
    let mut kept: Vec<Entry> = Vec::with_capacity(entries.len());
    for entry in entries {
        match kept.iter_mut().find(|k| k.key == entry.key) {
            Some(existing) => *existing = entry,
            None => kept.push(entry),
        }
    }
    kept
}

fn find_duplicate_key(entries: &[Entry]) -> Option<&Entry> {
    if entries.len() <= 32 {
        entries
            .iter()
            .enumerate()
            .find(|(i, e)| entries[..*i].iter().any(|earlier| earlier.key == e.key))
            .map(|(_, e)| e)
    } else {
        let mut seen = std::collections::HashSet::with_capacity(entries.len());
        entries.iter().find(|e| !seen.insert(&e.key))
    }
}

/// Types a scalar as Kubernetes' YAML reader would.
fn resolve_scalar(text: &str, style: ScalarStyle, tag: Option<&str>) -> Value {
    match tag {
        Some("str") | Some("binary") => return Value::String(text.into()),
        Some("null") => return Value::Null,
        _ => {}
    }
    if style != ScalarStyle::Plain {
        return Value::String(text.into());
    }
    match text {
        "" | "~" | "null" | "Null" | "NULL" => return Value::Null,
        "true" | "True" | "TRUE" | "yes" | "Yes" | "YES" | "on" | "On" | "ON" => {
            return Value::Bool(true);
        }
        "false" | "False" | "FALSE" | "no" | "No" | "NO" | "off" | "Off" | "OFF" => {
            return Value::Bool(false);
        }
        _ => {}
    }
    let first = text.as_bytes()[0];
    if first.is_ascii_digit() || matches!(first, b'-' | b'+' | b'.') {
        if let Some(int) = parse_int(text) {
            return Value::Int(int);
        }
        if let Some(float) = parse_float(text) {
            return Value::Float(float);
        }
    }
    Value::String(text.into())
}

fn parse_int(text: &str) -> Option<i64> {
    let (negative, digits) = match text.as_bytes()[0] {
        b'-' => (true, &text[1..]),
        b'+' => (false, &text[1..]),
        _ => (false, text),
    };
    if digits.is_empty() {
        return None;
    }
    let cleaned: Cow<'_, str> = if digits.contains('_') {
        Cow::Owned(digits.replace('_', ""))
    } else {
        Cow::Borrowed(digits)
    };
    let magnitude = if let Some(hex) = cleaned.strip_prefix("0x") {
        i64::from_str_radix(hex, 16).ok()?
    } else if let Some(octal) = cleaned.strip_prefix("0o") {
        i64::from_str_radix(octal, 8).ok()?
    } else if cleaned.len() > 1 && cleaned.starts_with('0') && cleaned.bytes().all(|b| (b'0'..=b'7').contains(&b)) {
        i64::from_str_radix(&cleaned[1..], 8).ok()?
    } else if cleaned.bytes().all(|b| b.is_ascii_digit()) {
        cleaned.parse::<i64>().ok()?
    } else {
        return None;
    };
    Some(if negative { -magnitude } else { magnitude })
}

fn parse_float(text: &str) -> Option<f64> {
    match text {
        ".inf" | ".Inf" | ".INF" | "+.inf" | "+.Inf" | "+.INF" => return Some(f64::INFINITY),
        "-.inf" | "-.Inf" | "-.INF" => return Some(f64::NEG_INFINITY),
        ".nan" | ".NaN" | ".NAN" => return Some(f64::NAN),
        _ => {}
    }
    // Only YAML's float syntax: digits, one dot, an exponent. Rust's parser
    // would also accept `inf` and `NaN`, which YAML reads as strings.
    let ok = text
        .bytes()
        .all(|b| b.is_ascii_digit() || matches!(b, b'.' | b'e' | b'E' | b'-' | b'+' | b'_'))
        && text.bytes().any(|b| b.is_ascii_digit());
    if !ok {
        return None;
    }
    text.replace('_', "").parse::<f64>().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Node {
        let parsed = parse_document(text, 0, Limits::default()).unwrap().unwrap();
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        parsed.root
    }

    #[test]
    fn values_in_mappings_sit_at_their_keys() {
        let doc = parse("spec:\n  securityContext:\n    privileged: true\n");
        let sc = doc.get_path("spec.securityContext").unwrap();
        assert_eq!(sc.pos, Pos { line: 2, column: 3 });
        let privileged = sc.get("privileged").unwrap();
        assert_eq!(privileged.pos, Pos { line: 3, column: 5 });
        assert_eq!(privileged.as_bool(), Some(true));
    }

    #[test]
    fn sequence_items_sit_where_they_start() {
        let doc = parse("containers:\n- name: a\n  image: x\n-   name: b\n");
        let items = doc.get("containers").unwrap().as_seq();
        assert_eq!(items[0].pos, Pos { line: 2, column: 3 });
        assert_eq!(items[1].pos, Pos { line: 4, column: 5 });
    }

    #[test]
    fn line_offset_shifts_every_line() {
        let doc = parse_document("a:\n  b: 1\n", 10, Limits::default()).unwrap().unwrap();
        assert_eq!(doc.root.get_path("a.b").unwrap().pos.line, 12);
    }

    #[test]
    fn scalars_are_typed_like_kubernetes_reads_them() {
        let doc = parse(
            "a: yes\nb: off\nc: \"true\"\nd: 0755\ne: 0x1F\nf: 1_000\ng: 1.5\nh: ~\ni: -3\nj: 'x'\nk: inf\nl: 1e3\nm: !!str 12\n",
        );
        assert_eq!(doc.get("a").unwrap().as_bool(), Some(true));
        assert_eq!(doc.get("b").unwrap().as_bool(), Some(false));
        assert_eq!(doc.get("c").unwrap().as_str(), Some("true"));
        assert_eq!(doc.get("d").unwrap().as_i64(), Some(493));
        assert_eq!(doc.get("e").unwrap().as_i64(), Some(31));
        assert_eq!(doc.get("f").unwrap().as_i64(), Some(1000));
        assert_eq!(doc.get("g").unwrap().value, Value::Float(1.5));
        assert!(doc.get("h").unwrap().is_null());
        assert_eq!(doc.get("i").unwrap().as_i64(), Some(-3));
        assert_eq!(doc.get("j").unwrap().as_str(), Some("x"));
        assert_eq!(doc.get("k").unwrap().as_str(), Some("inf"));
        assert_eq!(doc.get("l").unwrap().value, Value::Float(1000.0));
        assert_eq!(doc.get("m").unwrap().as_str(), Some("12"));
    }

    #[test]
    fn aliases_expand_and_merge_keys_merge() {
        let doc = parse("base: &b\n  x: 1\n  y: 2\nuse:\n  <<: *b\n  y: 3\ncopy: *b\n");
        let used = doc.get("use").unwrap();
        assert_eq!(used.get("x").unwrap().as_i64(), Some(1));
        assert_eq!(used.get("y").unwrap().as_i64(), Some(3));
        assert_eq!(doc.get_path("copy.y").unwrap().as_i64(), Some(2));
    }

    #[test]
    fn json_parses_with_positions() {
        let doc = parse("{\n  \"kind\": \"Pod\",\n  \"spec\": {\"hostPID\": true}\n}\n");
        assert_eq!(doc.get("kind").unwrap().as_str(), Some("Pod"));
        let host_pid = doc.get_path("spec.hostPID").unwrap();
        assert_eq!(host_pid.as_bool(), Some(true));
        assert_eq!(host_pid.pos.line, 3);
    }

    #[test]
    fn alias_bomb_stops_with_an_error() {
        let mut text = String::from("a0: &a0 [x, x, x, x, x, x, x, x, x]\n");
        for level in 1..10 {
            let prev = level - 1;
            text.push_str(&format!(
                "a{level}: &a{level} [*a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}, *a{prev}]\n"
            ));
        }
        let err = parse_document(&text, 0, Limits::default()).unwrap_err();
        assert!(err.message.contains("alias bomb"), "{}", err.message);
    }

    #[test]
    fn deep_nesting_stops_with_an_error() {
        let deep_flow = format!("a: {}{}", "[".repeat(100_000), "]".repeat(100_000));
        assert!(parse_document(&deep_flow, 0, Limits::default()).is_err());
        let mut deep_block = String::new();
        for depth in 0..400 {
            deep_block.push_str(&" ".repeat(depth));
            deep_block.push_str("k:\n");
        }
        let err = parse_document(&deep_block, 0, Limits::default()).unwrap_err();
        assert!(err.message.contains("nesting deeper"), "{}", err.message);
    }

    #[test]
    fn duplicate_keys_are_problems_and_complex_keys_errors_with_lines() {
        let parsed = parse_document("a: 1\nb: 2\na: 3\n", 0, Limits::default())
            .unwrap()
            .unwrap();
        assert_eq!(parsed.problems.len(), 1);
        assert_eq!(parsed.problems[0].line, 3);
        assert!(parsed.problems[0].message.contains("`a` appears twice"));
        assert_eq!(parsed.root.get("a").unwrap().as_i64(), Some(3));
        assert_eq!(parsed.root.entries().len(), 2);
        let err = parse_document("image: {{ .Values.image }}\n", 0, Limits::default()).unwrap_err();
        assert!(err.message.contains("mapping key"), "{}", err.message);
    }

    #[test]
    fn comment_only_text_has_no_node() {
        assert_eq!(parse_document("# nothing here\n", 0, Limits::default()).unwrap(), None);
    }
}
