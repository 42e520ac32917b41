//! Reading a JSON snapshot item by item: a `List` of 100,000 objects is
//! never held whole. The elements of the top-level array (or `items`) are
//! cut out of the byte stream and handed on as bytes, so parsing them can
//! run in parallel and memory follows the largest object, not the file.

use std::fmt;

use rampart_k8s::yaml::{Node, Value};

/// One element cut out of a snapshot: its bytes and the file's line it
/// starts on.
#[derive(Debug)]
pub struct Cut {
    pub bytes: Vec<u8>,
    pub line: usize,
}

impl Cut {
    /// Parses the element, placed as kubectl prints it alone; an error
    /// names the file's line.
    pub fn parse(&self) -> Result<Node, StreamError> {
        Node::from_json_slice(&self.bytes).map_err(|error| StreamError {
            line: Some(self.line.max(1) + error.line().max(1) - 1),
            message: format!("not JSON as kubectl writes it: {error}"),
        })
    }
}

/// Calls `each` with every element of the top-level array or of a
/// top-level object's `items`, as bytes; a document that is neither is
/// handed on whole. Only nesting and strings are tracked while cutting; a
/// document whose nesting breaks is an error naming its line (the elements
/// before the break were handed on).
pub fn each_cut<R: std::io::BufRead>(mut reader: R, each: &mut dyn FnMut(Cut)) -> Result<(), StreamError> {
    let mut cutter = Cutter::default();
    loop {
        let chunk = reader.fill_buf().map_err(|error| StreamError {
            line: None,
            message: error.to_string(),
        })?;
        if chunk.is_empty() {
            break;
        }
        let length = chunk.len();
        cutter.feed(chunk, each);
        reader.consume(length);
    }
    cutter.finish(each).map(drop)
}

/// Why a JSON snapshot could not be read.
#[derive(Debug)]
pub struct StreamError {
    pub line: Option<usize>,
    pub message: String,
}

impl fmt::Display for StreamError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// The bytes that change the cutter's state outside strings.
const STRUCTURAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut index = 0;
    let bytes = *b"\"{}[]\n";
    while index < bytes.len() {
        table[bytes[index] as usize] = true;
        index += 1;
    }
    table
};

/// Cuts the streamed elements out of bytes fed in pieces of any size (a
/// file's buffer, an HTTP body's frames); the rest (the skeleton) keeps
/// every newline, so its lines are the file's.
#[derive(Default)]
pub struct Cutter {
    depth: usize,
    in_string: bool,
    escaped: bool,
    line: usize,
    /// The depth whose elements are streamed: 1 in a top-level array, 2 in
    /// the top-level `items`.
    streamed_depth: Option<usize>,
    /// The last string at depth 1, to tell the `items` key.
    key: Vec<u8>,
    collecting_key: bool,
    item: Vec<u8>,
    item_line: usize,
    skeleton: Vec<u8>,
    streamed: bool,
}

impl Cutter {
    fn sink(&mut self, bytes: &[u8]) {
        if self.item.is_empty() {
            self.skeleton.extend_from_slice(bytes);
        } else {
            self.item.extend_from_slice(bytes);
        }
    }

    /// Takes the next bytes, handing on each element they complete.
    pub fn feed(&mut self, bytes: &[u8], each: &mut dyn FnMut(Cut)) {
        let mut at = 0;
        while at < bytes.len() {
            if self.in_string {
                if self.escaped {
                    self.escaped = false;
                    self.sink(&bytes[at..=at]);
                    at += 1;
                    continue;
                }
                let rest = &bytes[at..];
                let Some(offset) = memchr::memchr2(b'"', b'\\', rest) else {
                    self.string_bytes(rest);
                    return;
                };
                self.string_bytes(&rest[..offset]);
                self.sink(&rest[offset..=offset]);
                if rest[offset] == b'\\' {
                    self.escaped = true;
                } else {
                    self.in_string = false;
                    self.collecting_key = false;
                }
                at += offset + 1;
                continue;
            }
            let rest = &bytes[at..];
            let plain = rest
                .iter()
                .position(|byte| STRUCTURAL[usize::from(*byte)])
                .unwrap_or(rest.len());
            self.sink(&rest[..plain]);
            at += plain;
            if at < bytes.len() {
                self.structural(bytes[at], each);
                at += 1;
            }
        }
    }

    /// A string's bytes (without its quotes or escapes' first byte).
    fn string_bytes(&mut self, bytes: &[u8]) {
        if self.collecting_key && self.item.is_empty() {
            self.key.extend_from_slice(bytes);
        }
        self.sink(bytes);
    }

    fn structural(&mut self, byte: u8, each: &mut dyn FnMut(Cut)) {
        let capturing = !self.item.is_empty();
        let opens = byte == b'{' || byte == b'[';
        let starts_item = !capturing && opens && self.streamed_depth == Some(self.depth);
        if starts_item {
            self.item_line = self.line + 1;
        }
        match byte {
            b'\n' => self.line += 1,
            b'"' => {
                self.in_string = true;
                if !capturing && self.depth == 1 {
                    self.collecting_key = true;
                    self.key.clear();
                }
            }
            b'{' | b'[' => {
                if self.depth == 0 && byte == b'[' {
                    self.streamed_depth = Some(1);
                } else if self.depth == 1 && byte == b'[' && self.key == b"items" && self.streamed_depth.is_none() {
                    self.streamed_depth = Some(2);
                }
                self.depth += 1;
            }
            _ => self.depth = self.depth.saturating_sub(1),
        }
        if capturing || starts_item {
            self.item.push(byte);
            if !opens && byte != b'\n' && byte != b'"' && self.streamed_depth == Some(self.depth) {
                self.emit(each);
            }
        } else {
            self.skeleton.push(byte);
        }
    }

    fn emit(&mut self, each: &mut dyn FnMut(Cut)) {
        let bytes = std::mem::take(&mut self.item);
        // A cut element leaves `null` and its newlines: the skeleton stays
        // JSON, and its lines the file's.
        self.skeleton.extend_from_slice(b"null");
        self.skeleton
            .extend(std::iter::repeat_n(b'\n', memchr::memchr_iter(b'\n', &bytes).count()));
        self.streamed = true;
        each(Cut {
            bytes,
            line: self.item_line,
        });
    }

    /// Ends the document: an error if it broke off or is not JSON, else
    /// the skeleton (the document without its cut elements: a List's
    /// `metadata.continue`, say). A document that was not cut is handed on
    /// whole.
    pub fn finish(self, each: &mut dyn FnMut(Cut)) -> Result<Vec<u8>, StreamError> {
        if !self.item.is_empty() || self.in_string || self.depth != 0 {
            // Let the parser say where it broke.
            let mut whole = self.skeleton;
            whole.extend(&self.item);
            let error = serde_json::from_slice::<serde::de::IgnoredAny>(&whole).err();
            return Err(StreamError {
                line: error.as_ref().map(serde_json::Error::line),
                message: format!(
                    "not JSON as kubectl writes it: {}",
                    error.map_or_else(|| "it ends early".to_string(), |error| error.to_string())
                ),
            });
        }
        // The skeleton must be JSON too (a stray comma breaks the file).
        if let Err(error) = serde_json::from_slice::<serde::de::IgnoredAny>(&self.skeleton) {
            return Err(StreamError {
                line: Some(error.line()),
                message: format!("not JSON as kubectl writes it: {error}"),
            });
        }
        // A document that was not cut is itself the object (or list) to
        // hand on.
        if !self.streamed {
            each(Cut {
                bytes: self.skeleton.clone(),
                line: 1,
            });
        }
        Ok(self.skeleton)
    }
}

/// Unpacks a tree: a List into its items, an array into its elements, an
/// object as itself; anything without a kind is dropped. `nested` says an
/// object came out of a list (its places are the list's, not its own).
pub fn unpack(node: Node, nested: bool, each: &mut dyn FnMut(Node, bool)) {
    match node.value {
        Value::Seq(items) => items.into_iter().for_each(|item| unpack(item, true, each)),
        Value::Map(_) => {
            let kind = node.get("kind").and_then(Node::as_str);
            let is_list = kind.is_some_and(|kind| kind.ends_with("List"))
                && node
                    .get("items")
                    .is_some_and(|items| matches!(items.value, Value::Seq(_)));
            if is_list {
                let mut node = node;
                if let Some(items) = node.remove("items") {
                    unpack(items, true, each);
                }
            } else if kind.is_some() {
                each(node, nested);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(text: &str) -> Vec<String> {
        let mut seen = Vec::new();
        each_cut(text.as_bytes(), &mut |cut| {
            unpack(cut.parse().unwrap(), false, &mut |node, _| {
                seen.push(node.get("kind").and_then(Node::as_str).unwrap().to_string());
            });
        })
        .unwrap();
        seen
    }

    #[test]
    fn lists_nested_lists_arrays_and_single_objects() {
        assert_eq!(
            kinds(
                r#"{"apiVersion":"v1","items":[{"kind":"Pod"},{"kind":"PodList","items":[{"kind":"Pod"}]},{"no":"kind"}],"kind":"List","metadata":{}}"#
            ),
            ["Pod", "Pod"]
        );
        assert_eq!(
            kinds(r#"[{"kind":"Namespace"},{"kind":"Secret"}]"#),
            ["Namespace", "Secret"]
        );
        assert_eq!(kinds(r#"{"kind":"Namespace","metadata":{"name":"a"}}"#), ["Namespace"]);
    }

    #[test]
    fn strings_with_brackets_quotes_and_escapes_do_not_confuse_the_cut() {
        let text = "{\"kind\": \"List\", \"items\": [\n  {\"kind\": \"ConfigMap\", \"data\": {\"a\": \"}]\\\"[{\\\\\"}},\n  {\"kind\": \"Pod\"}\n]}";
        assert_eq!(kinds(text), ["ConfigMap", "Pod"]);
        // Fed a byte at a time, the cut is the same.
        let mut cutter = Cutter::default();
        let mut lines = Vec::new();
        for byte in text.as_bytes() {
            cutter.feed(std::slice::from_ref(byte), &mut |cut| lines.push(cut.line));
        }
        cutter.finish(&mut |_| {}).unwrap();
        assert_eq!(lines, [2, 3]);
    }

    #[test]
    fn a_broken_element_names_its_line_and_a_broken_file_its_own() {
        let mut cuts = Vec::new();
        each_cut(
            "{\"items\": [\n{\"kind\": \"Pod\"},\n{oops}\n]}".as_bytes(),
            &mut |cut| cuts.push(cut),
        )
        .unwrap();
        assert_eq!(cuts.len(), 2);
        assert!(cuts[0].parse().is_ok());
        assert_eq!(cuts[1].parse().unwrap_err().line, Some(3));

        let mut seen = 0;
        let error = each_cut(
            "{\"items\": [\n{\"kind\": \"Pod\"},\n{\"kind\": \"Pod\"\n".as_bytes(),
            &mut |_| seen += 1,
        )
        .unwrap_err();
        assert_eq!(error.line, Some(4));
        // What came before the break was still handed on.
        assert_eq!(seen, 1);
    }
}
