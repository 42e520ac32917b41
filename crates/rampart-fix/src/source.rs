//! A YAML stream as the editor sees it: every node with its byte span, whether it is written
//! in flow style (`{...}`, `[...]`), and whether an anchor, alias or tag marks it (edits
//! through those would change what other places mean, so they are refused). Built from
//! `saphyr-parser` events, the parser the loader uses; its markers count characters, which
//! are turned into byte offsets here.

use saphyr_parser::{Event, Parser, ScalarStyle, Span};

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Shape {
    /// Entries with each key's text and the byte where the key starts.
    Map(Vec<Entry>),
    Seq(Vec<SourceNode>),
    Scalar {
        /// Plain scalars with no text (`key:` with nothing after) read as null.
        empty: bool,
        /// A literal or folded block scalar (`|`, `>`).
        block: bool,
    },
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub key: String,
    pub key_start: usize,
    pub value: SourceNode,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceNode {
    pub shape: Shape,
    /// Byte offsets: where the node starts, and where its last event ends.
    pub start: usize,
    pub end: usize,
    pub flow: bool,
    /// An anchor, an alias or a tag.
    pub marked: bool,
}

/// Character index → byte offset, for text that is not all ASCII.
struct Offsets {
    bytes: Option<Vec<usize>>,
    len: usize,
}

impl Offsets {
    fn new(text: &str) -> Offsets {
        let bytes = (!text.is_ascii()).then(|| {
            let mut offsets: Vec<usize> = text.char_indices().map(|(byte, _)| byte).collect();
            offsets.push(text.len());
            offsets
        });
        Offsets { bytes, len: text.len() }
    }

    fn byte(&self, char_index: usize) -> usize {
        match &self.bytes {
            Some(bytes) => bytes.get(char_index).copied().unwrap_or(self.len),
            None => char_index.min(self.len),
        }
    }
}

enum Open {
    Map {
        start: usize,
        flow: bool,
        marked: bool,
        entries: Vec<Entry>,
        key: Option<(String, usize)>,
    },
    Seq {
        start: usize,
        flow: bool,
        marked: bool,
        items: Vec<SourceNode>,
    },
}

/// The documents of `text`, each its root node (`None` for an empty document).
pub fn documents(text: &str) -> Result<Vec<Option<SourceNode>>, String> {
    let offsets = Offsets::new(text);
    let mut documents = Vec::new();
    let mut stack: Vec<Open> = Vec::new();
    let mut root: Option<SourceNode> = None;
    let starts_with = |offset: usize, byte: u8| text.as_bytes().get(offset) == Some(&byte);
    for event in Parser::new_from_str(text) {
        let (event, span): (Event<'_>, Span) = event.map_err(|error| {
            format!(
                "line {}, column {}: {}",
                error.marker().line(),
                error.marker().col() + 1,
                error.info()
            )
        })?;
        let (start, end) = (offsets.byte(span.start.index()), offsets.byte(span.end.index()));
        let finished = match event {
            Event::DocumentStart(_) => {
                root = None;
                None
            }
            Event::DocumentEnd => {
                documents.push(root.take());
                None
            }
            Event::MappingStart(anchor, tag) => {
                stack.push(Open::Map {
                    start,
                    flow: starts_with(start, b'{'),
                    marked: anchor != 0 || tag.is_some(),
                    entries: Vec::new(),
                    key: None,
                });
                None
            }
            Event::SequenceStart(anchor, tag) => {
                stack.push(Open::Seq {
                    start,
                    flow: starts_with(start, b'['),
                    marked: anchor != 0 || tag.is_some(),
                    items: Vec::new(),
                });
                None
            }
            Event::MappingEnd => match stack.pop() {
                Some(Open::Map {
                    start: open,
                    flow,
                    marked,
                    entries,
                    ..
                }) => Some(SourceNode {
                    shape: Shape::Map(entries),
                    start: open,
                    // A flow mapping's end event is its `}`.
                    end: if flow { end.max(start + 1) } else { end },
                    flow,
                    marked,
                }),
                _ => return Err("unbalanced mapping".to_string()),
            },
            Event::SequenceEnd => match stack.pop() {
                Some(Open::Seq {
                    start: open,
                    flow,
                    marked,
                    items,
                }) => Some(SourceNode {
                    shape: Shape::Seq(items),
                    start: open,
                    end: if flow { end.max(start + 1) } else { end },
                    flow,
                    marked,
                }),
                _ => return Err("unbalanced sequence".to_string()),
            },
            Event::Scalar(value, style, anchor, tag) => {
                // A key: held until its value comes.
                if let Some(Open::Map { key, .. }) = stack.last_mut()
                    && key.is_none()
                {
                    *key = Some((value.into_owned(), start));
                    continue;
                }
                Some(SourceNode {
                    shape: Shape::Scalar {
                        empty: style == ScalarStyle::Plain && value.is_empty(),
                        block: matches!(style, ScalarStyle::Literal | ScalarStyle::Folded),
                    },
                    start,
                    end,
                    flow: false,
                    marked: anchor != 0 || tag.is_some(),
                })
            }
            Event::Alias(_) => Some(SourceNode {
                shape: Shape::Scalar {
                    empty: false,
                    block: false,
                },
                start,
                end,
                flow: false,
                marked: true,
            }),
            Event::StreamStart | Event::StreamEnd | Event::Nothing => None,
        };
        let Some(node) = finished else { continue };
        match stack.last_mut() {
            Some(Open::Map { entries, key, .. }) => match key.take() {
                Some((key, key_start)) => entries.push(Entry {
                    key,
                    key_start,
                    value: node,
                }),
                // A complex key (a mapping or sequence as key): kept out of paths.
                None => *key = Some((String::new(), node.start)),
            },
            Some(Open::Seq { items, .. }) => items.push(node),
            None => root = Some(node),
        }
    }
    Ok(documents)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nodes_carry_byte_spans_styles_and_marks() {
        let text = "# é\na: 1\nb: {c: [x, y]}\nd: &anchor\n  e: |\n    text\n---\nf:\n";
        let documents = documents(text).unwrap();
        assert_eq!(documents.len(), 2);
        let Some(SourceNode {
            shape: Shape::Map(entries),
            ..
        }) = &documents[0]
        else {
            panic!("{documents:?}")
        };
        let keys: Vec<(&str, &str)> = entries
            .iter()
            .map(|entry| {
                (
                    entry.key.as_str(),
                    &text[entry.key_start..entry.key_start + entry.key.len()],
                )
            })
            .collect();
        assert_eq!(keys, [("a", "a"), ("b", "b"), ("d", "d")]);
        assert_eq!(&text[entries[0].value.start..entries[0].value.end], "1");
        let flow = &entries[1].value;
        assert!(flow.flow);
        assert_eq!(&text[flow.start..flow.end], "{c: [x, y]}");
        assert!(entries[2].value.marked && !entries[2].value.flow);
        let Shape::Map(inner) = &entries[2].value.shape else {
            panic!()
        };
        assert_eq!(
            inner[0].value.shape,
            Shape::Scalar {
                empty: false,
                block: true
            }
        );
        let Some(SourceNode {
            shape: Shape::Map(second),
            ..
        }) = &documents[1]
        else {
            panic!()
        };
        assert_eq!(
            second[0].value.shape,
            Shape::Scalar {
                empty: true,
                block: false
            }
        );
        assert!(super::documents("a: [").is_err());
    }
}
