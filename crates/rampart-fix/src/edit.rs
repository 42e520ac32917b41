//! Byte edits, and the one edit shape most fixes need: make a field path hold a value,
//! replacing the scalar that is there or inserting the missing keys into the nearest
//! mapping, in its style (block lines at its indentation, or `key: value` inside `{...}`).

use crate::source::{Shape, SourceNode};

/// Replace `text[start..end]` with `text`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub start: usize,
    pub end: usize,
    pub text: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    Key(String),
    Index(usize),
}

/// A field path as findings write it: `spec.containers[0].securityContext.privileged`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path(pub Vec<Step>);

impl Path {
    pub fn parse(field: &str) -> Option<Path> {
        let mut steps = Vec::new();
        for part in field.split('.') {
            let (name, rest) = part.split_once('[').unwrap_or((part, ""));
            if name.is_empty() {
                return None;
            }
            steps.push(Step::Key(name.to_string()));
            for index in rest.split('[').filter(|index| !index.is_empty()) {
                steps.push(Step::Index(index.strip_suffix(']')?.parse().ok()?));
            }
        }
        Some(Path(steps))
    }
}

/// `text` with `edits` applied (in any order; overlapping edits are refused).
pub fn apply(text: &str, edits: &[Edit]) -> Result<String, String> {
    let mut sorted: Vec<&Edit> = edits.iter().collect();
    sorted.sort_by_key(|edit| (edit.start, edit.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut at = 0;
    for edit in sorted {
        if edit.start < at || edit.end < edit.start || edit.end > text.len() {
            return Err(format!("overlapping edits at byte {}", edit.start));
        }
        out.push_str(text.get(at..edit.start).ok_or("an edit inside a character")?);
        out.push_str(&edit.text);
        at = edit.end;
    }
    out.push_str(text.get(at..).ok_or("an edit inside a character")?);
    Ok(out)
}

fn line_of(text: &str, offset: usize) -> usize {
    text.as_bytes()[..offset.min(text.len())]
        .iter()
        .filter(|byte| **byte == b'\n')
        .count()
        + 1
}

fn column_of(text: &str, offset: usize) -> usize {
    let line_start = text[..offset].rfind('\n').map_or(0, |newline| newline + 1);
    text[line_start..offset].chars().count()
}

/// Where the line holding `offset` ends (before its `\r\n` or `\n`).
fn line_end(text: &str, offset: usize) -> usize {
    let end = text[offset..].find('\n').map_or(text.len(), |newline| offset + newline);
    if end > 0 && text.as_bytes().get(end - 1) == Some(&b'\r') {
        end - 1
    } else {
        end
    }
}

/// Where the node's written content ends (a block collection's last descendant's).
fn content_end(text: &str, node: &SourceNode) -> usize {
    match &node.shape {
        Shape::Map(entries) if !node.flow => match entries.last() {
            Some(entry) if matches!(entry.value.shape, Shape::Scalar { empty: true, .. }) => {
                entry.key_start + entry.key.len()
            }
            Some(entry) => content_end(text, &entry.value),
            None => node.start,
        },
        Shape::Seq(items) if !node.flow => items.last().map_or(node.start, |item| content_end(text, item)),
        _ => {
            let trimmed = text[..node.end.min(text.len())].trim_end_matches([' ', '\t', '\r', '\n']);
            trimmed.len().max(node.start)
        }
    }
}

/// The keys still missing, as block lines under `indent` (the last holds `value`).
fn block_lines(keys: &[&str], value: &str, indent: usize, newline: &str) -> String {
    let mut out = String::new();
    for (depth, key) in keys.iter().enumerate() {
        out.push_str(newline);
        out.push_str(&" ".repeat(indent + 2 * depth));
        out.push_str(key);
        out.push(':');
        if depth + 1 == keys.len() {
            out.push(' ');
            out.push_str(value);
        }
    }
    out
}

/// `value` (a plain scalar, or a flow sequence or flat flow mapping of them) as JSON writes it.
fn json_value(value: &str) -> String {
    let scalar = |text: &str| -> String {
        let text = text.trim();
        let literal = matches!(text, "true" | "false" | "null") || text.parse::<f64>().is_ok();
        if literal || text.starts_with('"') {
            text.to_string()
        } else {
            format!("\"{}\"", text.replace('\\', "\\\\").replace('"', "\\\""))
        }
    };
    if let Some(inner) = value.strip_prefix('{').and_then(|inner| inner.strip_suffix('}')) {
        let entries: Vec<String> = inner
            .split(',')
            .filter_map(|entry| entry.split_once(':'))
            .map(|(key, value)| format!("\"{}\": {}", key.trim(), scalar(value)))
            .collect();
        return format!("{{{}}}", entries.join(", "));
    }
    match value.strip_prefix('[').and_then(|inner| inner.strip_suffix(']')) {
        Some(inner) => format!(
            "[{}]",
            inner
                .split(',')
                .filter(|item| !item.trim().is_empty())
                .map(scalar)
                .collect::<Vec<_>>()
                .join(", ")
        ),
        None => scalar(value),
    }
}

/// The keys still missing, in flow style: `a: {b: value}`, or `"a": {"b": value}` in JSON.
fn flow_text(keys: &[&str], value: &str, json: bool) -> String {
    let mut out = String::new();
    for (depth, key) in keys.iter().enumerate() {
        if depth > 0 {
            out.push('{');
        }
        if json {
            out.push_str(&format!("\"{key}\": "));
        } else {
            out.push_str(key);
            out.push_str(": ");
        }
    }
    out.push_str(&if json { json_value(value) } else { value.to_string() });
    out.push_str(&"}".repeat(keys.len().saturating_sub(1)));
    out
}

/// The items of the flow list `value` that `items` (a sequence of `text`) lacks, appended in
/// the sequence's style: `- item` lines at its dash's column, or `, item` inside `[...]`.
fn append_items(
    text: &str,
    node: &SourceNode,
    items: &[SourceNode],
    value: &str,
    newline: &str,
) -> Result<Edit, String> {
    let present: Vec<&str> = items
        .iter()
        .map(|item| text[item.start..item.end].trim().trim_matches(['"', '\'']))
        .collect();
    let wanted: Vec<&str> = value
        .trim_start_matches('[')
        .trim_end_matches(']')
        .split(',')
        .map(str::trim)
        .filter(|item| !item.is_empty() && !present.contains(item))
        .collect();
    if wanted.is_empty() {
        return Err(format!(
            "line {}: the list already holds every item",
            line_of(text, node.start)
        ));
    }
    if node.flow {
        let (at, separator) = match items.last() {
            Some(last) => (content_end(text, last), ", "),
            None => (node.end.saturating_sub(1), ""),
        };
        // Items written quoted (JSON) get quoted company.
        let quoted = items
            .first()
            .is_some_and(|item| text.as_bytes().get(item.start) == Some(&b'"'));
        let wanted: Vec<String> = wanted
            .iter()
            .map(|item| {
                if quoted {
                    format!("\"{item}\"")
                } else {
                    item.to_string()
                }
            })
            .collect();
        return Ok(Edit {
            start: at,
            end: at,
            text: format!("{separator}{}", wanted.join(", ")),
        });
    }
    let first = items
        .first()
        .ok_or_else(|| format!("line {}: an empty block list", line_of(text, node.start)))?;
    let line_start = text[..first.start].rfind('\n').map_or(0, |newline| newline + 1);
    let dash = text[line_start..first.start]
        .rfind('-')
        .ok_or_else(|| format!("line {}: a list item without its dash", line_of(text, first.start)))?;
    let indent = text[line_start..line_start + dash].chars().count();
    let at = line_end(text, content_end(text, node));
    let lines: String = wanted
        .iter()
        .map(|item| format!("{newline}{}- {item}", " ".repeat(indent)))
        .collect();
    Ok(Edit {
        start: at,
        end: at,
        text: lines,
    })
}

/// The edit that makes `path` in `document` (a document of `text`) hold `value`, a YAML
/// scalar or flow collection written as it should appear (`false`, `RuntimeDefault`,
/// `[ALL]`). Refused, with the line, where the path crosses an anchor, alias, tag or merge
/// key, a block scalar, or an index the sequence does not have.
pub fn set_value(text: &str, document: &SourceNode, path: &Path, value: &str) -> Result<Edit, String> {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let mut node = document;
    // The column of the key holding `node`, for a null value to become a mapping under it.
    let mut key_place: Option<usize> = None;
    for (depth, step) in path.0.iter().enumerate() {
        if node.marked {
            return Err(format!(
                "line {}: the path goes through an anchor, alias or tag",
                line_of(text, node.start)
            ));
        }
        let missing = || -> Result<Vec<&str>, String> {
            path.0[depth..]
                .iter()
                .map(|step| match step {
                    Step::Key(key) => Ok(key.as_str()),
                    Step::Index(_) => Err(format!(
                        "line {}: a sequence item would have to be created",
                        line_of(text, node.start)
                    )),
                })
                .collect()
        };
        match (step, &node.shape) {
            (Step::Key(key), Shape::Map(entries)) => {
                if entries.iter().any(|entry| entry.key == "<<") {
                    return Err(format!(
                        "line {}: the mapping merges another (`<<`)",
                        line_of(text, node.start)
                    ));
                }
                if let Some(entry) = entries.iter().find(|entry| entry.key == *key) {
                    key_place = Some(entry.key_start);
                    node = &entry.value;
                    continue;
                }
                let keys = missing()?;
                if node.flow {
                    let close = node.end.saturating_sub(1);
                    if text.as_bytes().get(close) != Some(&b'}') {
                        return Err(format!(
                            "line {}: an unexpected flow mapping",
                            line_of(text, node.start)
                        ));
                    }
                    // JSON (quoted keys) gets JSON; the new entry follows the last one's text,
                    // so a closing brace on a line of its own stays there.
                    let json = entries
                        .first()
                        .is_some_and(|entry| text.as_bytes().get(entry.key_start) == Some(&b'"'));
                    let (at, separator) = match entries.last() {
                        Some(last) => (content_end(text, &last.value), ", "),
                        None => (close, ""),
                    };
                    return Ok(Edit {
                        start: at,
                        end: at,
                        text: format!("{separator}{}", flow_text(&keys, value, json)),
                    });
                }
                let Some(first) = entries.first() else {
                    return Err(format!("line {}: an empty block mapping", line_of(text, node.start)));
                };
                let at = line_end(text, content_end(text, node));
                return Ok(Edit {
                    start: at,
                    end: at,
                    text: block_lines(&keys, value, column_of(text, first.key_start), newline),
                });
            }
            (Step::Index(index), Shape::Seq(items)) => match items.get(*index) {
                Some(item) => {
                    key_place = None;
                    node = item;
                }
                None => {
                    return Err(format!(
                        "line {}: the sequence has no item {index}",
                        line_of(text, node.start)
                    ));
                }
            },
            (Step::Key(_), Shape::Scalar { empty: true, .. }) => {
                let Some(key_start) = key_place else {
                    return Err(format!(
                        "line {}: an empty value with no key",
                        line_of(text, node.start)
                    ));
                };
                let keys = missing()?;
                let at = line_end(text, key_start);
                return Ok(Edit {
                    start: at,
                    end: at,
                    text: block_lines(&keys, value, column_of(text, key_start) + 2, newline),
                });
            }
            _ => {
                return Err(format!(
                    "line {}: the value there is not what the path expects",
                    line_of(text, node.start)
                ));
            }
        }
    }
    match node.shape {
        _ if node.marked => Err(format!(
            "line {}: the value is an anchor, alias or tagged node",
            line_of(text, node.start)
        )),
        Shape::Scalar { block: true, .. } => Err(format!("line {}: a block scalar", line_of(text, node.start))),
        Shape::Scalar { empty: true, .. } => {
            let Some(key_start) = key_place else {
                return Err(format!(
                    "line {}: an empty value with no key",
                    line_of(text, node.start)
                ));
            };
            // `key:` with nothing after: the value goes after the colon, on the key's line.
            let at = line_end(text, key_start);
            let line = &text[key_start..at];
            let colon = line.find(':').map_or(at, |colon| key_start + colon + 1);
            Ok(Edit {
                start: colon,
                end: colon,
                text: format!(" {value}"),
            })
        }
        Shape::Scalar { .. } => Ok(Edit {
            start: node.start,
            end: node.end,
            // A double-quoted value (JSON's, or YAML's) keeps its quotes.
            text: if text.as_bytes().get(node.start) == Some(&b'"') {
                json_value(value)
            } else {
                value.to_string()
            },
        }),
        // A list set to a flow list: its missing items appended, the rest kept (dropping
        // `ALL` keeps what was dropped by name, and the reader sees both).
        Shape::Seq(ref items) if value.starts_with('[') => append_items(text, node, items, value, newline),
        Shape::Map(_) | Shape::Seq(_) if node.flow => Ok(Edit {
            start: node.start,
            end: node.end,
            text: value.to_string(),
        }),
        _ => Err(format!(
            "line {}: a block mapping or sequence is there, not a value",
            line_of(text, node.start)
        )),
    }
}

/// The node at `steps` from `node`, every step through something already written; refused
/// through an anchor, alias, tag or merge key.
fn existing<'a>(text: &str, mut node: &'a SourceNode, steps: &[Step]) -> Result<&'a SourceNode, String> {
    for step in steps {
        if node.marked {
            return Err(format!(
                "line {}: the path goes through an anchor, alias or tag",
                line_of(text, node.start)
            ));
        }
        node = match (step, &node.shape) {
            (Step::Key(key), Shape::Map(entries)) => {
                if entries.iter().any(|entry| entry.key == "<<") {
                    return Err(format!(
                        "line {}: the mapping merges another (`<<`)",
                        line_of(text, node.start)
                    ));
                }
                match entries.iter().find(|entry| entry.key == *key) {
                    Some(entry) => &entry.value,
                    None => return Err(format!("line {}: no `{key}` there", line_of(text, node.start))),
                }
            }
            (Step::Index(index), Shape::Seq(items)) => items
                .get(*index)
                .ok_or_else(|| format!("line {}: the sequence has no item {index}", line_of(text, node.start)))?,
            _ => {
                return Err(format!(
                    "line {}: the value there is not what the path expects",
                    line_of(text, node.start)
                ));
            }
        };
    }
    Ok(node)
}

/// The edit that removes the key `path` ends with (`...httpGet.host`), and its value, from
/// its mapping: the entry's lines in block style (a first entry written after `- ` hands its
/// place to the next), the entry and one separator in flow style. Refused where the path
/// crosses an anchor, alias, tag or merge key, where the value is anchored, and where the
/// mapping would be left empty (`key:` would then read as null).
pub fn remove_key(text: &str, document: &SourceNode, path: &Path) -> Result<Edit, String> {
    let Some((Step::Key(key), parent_steps)) = path.0.split_last() else {
        return Err("only a mapping's key can be removed".to_string());
    };
    let parent = existing(text, document, parent_steps)?;
    let line = line_of(text, parent.start);
    if parent.marked {
        return Err(format!("line {line}: the mapping is an anchor, alias or tagged node"));
    }
    let Shape::Map(entries) = &parent.shape else {
        return Err(format!("line {line}: not a mapping"));
    };
    if entries.iter().any(|entry| entry.key == "<<") {
        return Err(format!("line {line}: the mapping merges another (`<<`)"));
    }
    let Some(index) = entries.iter().position(|entry| entry.key == *key) else {
        return Err(format!("line {line}: no `{key}` to remove"));
    };
    let entry = &entries[index];
    if entry.value.marked {
        return Err(format!(
            "line {}: the value is an anchor, alias or tagged node",
            line_of(text, entry.key_start)
        ));
    }
    if entries.len() == 1 {
        return Err(format!(
            "line {}: the mapping would be left empty",
            line_of(text, entry.key_start)
        ));
    }
    let (start, end) = if parent.flow {
        match index {
            0 => (entry.key_start, entries[1].key_start),
            _ => (
                content_end(text, &entries[index - 1].value),
                content_end(text, &entry.value),
            ),
        }
    } else {
        let line_start = text[..entry.key_start].rfind('\n').map_or(0, |newline| newline + 1);
        if text[line_start..entry.key_start].trim().is_empty() {
            let value_end = line_end(text, content_end(text, &entry.value));
            let rest = &text[value_end..];
            let newline = if rest.starts_with("\r\n") {
                2
            } else {
                usize::from(rest.starts_with('\n'))
            };
            (line_start, value_end + newline)
        } else if index == 0 {
            (entry.key_start, entries[1].key_start)
        } else {
            return Err(format!(
                "line {}: an entry sharing its line",
                line_of(text, entry.key_start)
            ));
        }
    };
    Ok(Edit {
        start,
        end,
        text: String::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::documents;

    /// `text` with `field` set to `value` in document `index`.
    fn set(text: &str, index: usize, field: &str, value: &str) -> Result<String, String> {
        let documents = documents(text)?;
        let document = documents[index].as_ref().ok_or("an empty document")?;
        let edit = set_value(text, document, &Path::parse(field).unwrap(), value)?;
        let fixed = apply(text, &[edit])?;
        documents_of(&fixed)?;
        Ok(fixed)
    }

    fn documents_of(text: &str) -> Result<(), String> {
        documents(text).map(drop)
    }

    #[test]
    fn paths_parse_as_findings_write_them() {
        assert_eq!(
            Path::parse("spec.containers[1].securityContext.privileged").unwrap().0,
            [
                Step::Key("spec".into()),
                Step::Key("containers".into()),
                Step::Index(1),
                Step::Key("securityContext".into()),
                Step::Key("privileged".into())
            ]
        );
        assert!(Path::parse("spec..x").is_none());
        assert!(Path::parse("a[x]").is_none());
    }

    #[test]
    fn a_scalar_is_replaced_in_place_and_nothing_else_moves() {
        let text = "# the app\nspec:\n  containers:\n  - name: a   # main\n    securityContext:\n      allowPrivilegeEscalation: true  # why\n";
        let fixed = set(
            text,
            0,
            "spec.containers[0].securityContext.allowPrivilegeEscalation",
            "false",
        )
        .unwrap();
        assert_eq!(fixed, text.replace("Escalation: true", "Escalation: false"));
    }

    #[test]
    fn missing_keys_go_into_the_nearest_block_mapping_at_its_indentation() {
        let text = "spec:\n  containers:\n  - name: a\n    image: x # pinned later\n  - name: b\n    image: y\n";
        let fixed = set(
            text,
            0,
            "spec.containers[0].securityContext.allowPrivilegeEscalation",
            "false",
        )
        .unwrap();
        assert_eq!(
            fixed,
            "spec:\n  containers:\n  - name: a\n    image: x # pinned later\n    securityContext:\n      allowPrivilegeEscalation: false\n  - name: b\n    image: y\n"
        );
        let pod = "spec:\n  containers: [{name: a}]\n";
        assert_eq!(
            set(pod, 0, "spec.securityContext.seccompProfile.type", "RuntimeDefault").unwrap(),
            "spec:\n  containers: [{name: a}]\n  securityContext:\n    seccompProfile:\n      type: RuntimeDefault\n"
        );
    }

    #[test]
    fn flow_mappings_get_flow_entries_and_empty_values_become_mappings() {
        let text = "spec:\n  containers:\n  - name: a\n    securityContext: {runAsNonRoot: true}\n  - name: b\n    securityContext: {}\n";
        let fixed = set(text, 0, "spec.containers[0].securityContext.capabilities.drop", "[ALL]").unwrap();
        assert!(
            fixed.contains("securityContext: {runAsNonRoot: true, capabilities: {drop: [ALL]}}\n"),
            "{fixed}"
        );
        let fixed = set(
            text,
            0,
            "spec.containers[1].securityContext.allowPrivilegeEscalation",
            "false",
        )
        .unwrap();
        assert!(
            fixed.contains("securityContext: {allowPrivilegeEscalation: false}\n"),
            "{fixed}"
        );
        let empty = "spec:\n  securityContext:   # to do\n  containers: []\n";
        assert_eq!(
            set(empty, 0, "spec.securityContext.seccompProfile.type", "RuntimeDefault").unwrap(),
            "spec:\n  securityContext:   # to do\n    seccompProfile:\n      type: RuntimeDefault\n  containers: []\n"
        );
        let null = "spec:\n  automountServiceAccountToken:\n  containers: []\n";
        assert_eq!(
            set(null, 0, "spec.automountServiceAccountToken", "false").unwrap(),
            "spec:\n  automountServiceAccountToken: false\n  containers: []\n"
        );
    }

    #[test]
    fn lists_get_the_missing_items_in_their_style() {
        let block = "securityContext:\n  capabilities:\n    drop:\n      - NET_RAW   # ping\n      - CHOWN\n    add: [NET_BIND_SERVICE]\n";
        assert_eq!(
            set(block, 0, "securityContext.capabilities.drop", "[ALL]").unwrap(),
            "securityContext:\n  capabilities:\n    drop:\n      - NET_RAW   # ping\n      - CHOWN\n      - ALL\n    add: [NET_BIND_SERVICE]\n"
        );
        let flow = "securityContext:\n  capabilities: {drop: [NET_RAW]}\n";
        assert_eq!(
            set(flow, 0, "securityContext.capabilities.drop", "[ALL]").unwrap(),
            "securityContext:\n  capabilities: {drop: [NET_RAW, ALL]}\n"
        );
        let json = "{\"drop\": [\"NET_RAW\"]}";
        assert_eq!(
            set(json, 0, "drop", "[ALL]").unwrap(),
            "{\"drop\": [\"NET_RAW\", \"ALL\"]}"
        );
        let empty = "drop: []\n";
        assert_eq!(set(empty, 0, "drop", "[ALL]").unwrap(), "drop: [ALL]\n");
        assert!(
            set("drop: [ALL]\n", 0, "drop", "[ALL]")
                .unwrap_err()
                .contains("already")
        );
    }

    #[test]
    fn json_stays_json() {
        let text = "{\n  \"spec\": {\n    \"containers\": [\n      {\n        \"name\": \"a\",\n        \"securityContext\": {\"privileged\": \"yes\"}\n      }\n    ]\n  }\n}\n";
        let fixed = set(text, 0, "spec.containers[0].securityContext.capabilities.drop", "[ALL]").unwrap();
        assert!(
            fixed.contains("\"securityContext\": {\"privileged\": \"yes\", \"capabilities\": {\"drop\": [\"ALL\"]}}"),
            "{fixed}"
        );
        let fixed = set(text, 0, "spec.containers[0].seccompProfile", "RuntimeDefault").unwrap();
        assert!(
            fixed.contains("{\"privileged\": \"yes\"}, \"seccompProfile\": \"RuntimeDefault\"\n      }"),
            "{fixed}"
        );
        let fixed = set(text, 0, "spec.containers[0].securityContext.privileged", "false").unwrap();
        assert!(fixed.contains("{\"privileged\": false}"), "{fixed}");
        let fixed = set(text, 0, "spec.containers[0].name", "b").unwrap();
        assert!(fixed.contains("\"name\": \"b\""), "{fixed}");
        let fixed = set(
            text,
            0,
            "spec.containers[0].resources.limits",
            "{cpu: 1, memory: 256Mi}",
        )
        .unwrap();
        assert!(
            fixed.contains("\"resources\": {\"limits\": {\"cpu\": 1, \"memory\": \"256Mi\"}}"),
            "{fixed}"
        );
    }

    #[test]
    fn line_endings_documents_and_unicode_survive() {
        let text = "kind: A # é\r\nspec:\r\n  x: 1\r\n---\r\n# second\r\nkind: B\r\nspec:\r\n  x: 2\r\n";
        let fixed = set(text, 1, "spec.y", "true").unwrap();
        assert_eq!(
            fixed,
            "kind: A # é\r\nspec:\r\n  x: 1\r\n---\r\n# second\r\nkind: B\r\nspec:\r\n  x: 2\r\n  y: true\r\n"
        );
    }

    #[test]
    fn anchors_aliases_merge_keys_and_block_scalars_are_refused() {
        let anchored = "base: &ctx\n  runAsNonRoot: true\nspec:\n  securityContext: *ctx\n";
        let refused = set(anchored, 0, "spec.securityContext.runAsUser", "1000").unwrap_err();
        assert!(refused.contains("line 4") && refused.contains("anchor"), "{refused}");
        let merged = "base: &ctx {a: 1}\nspec:\n  securityContext:\n    <<: *ctx\n    b: 2\n";
        assert!(
            set(merged, 0, "spec.securityContext.c", "3")
                .unwrap_err()
                .contains("merges")
        );
        let block = "spec:\n  script: |\n    echo\n";
        assert!(set(block, 0, "spec.script", "x").unwrap_err().contains("block scalar"));
        let short = "spec:\n  containers:\n  - name: a\n";
        assert!(
            set(short, 0, "spec.containers[3].image", "x")
                .unwrap_err()
                .contains("no item 3")
        );
        assert!(
            set(short, 0, "spec.volumes[0].name", "x")
                .unwrap_err()
                .contains("sequence item")
        );
    }

    fn remove(text: &str, field: &str) -> Result<String, String> {
        let documents = documents(text)?;
        let document = documents[0].as_ref().ok_or("an empty document")?;
        let edit = remove_key(text, document, &Path::parse(field).unwrap())?;
        let fixed = apply(text, &[edit])?;
        documents_of(&fixed)?;
        Ok(fixed)
    }

    #[test]
    fn a_key_is_removed_with_its_line_or_its_separator() {
        let block = "livenessProbe:\n  httpGet:\n    path: /   # health\n    host: 10.0.0.1 # metadata\n    port: 80\n";
        assert_eq!(
            remove(block, "livenessProbe.httpGet.host").unwrap(),
            "livenessProbe:\n  httpGet:\n    path: /   # health\n    port: 80\n"
        );
        let crlf = block.replace('\n', "\r\n");
        assert_eq!(
            remove(&crlf, "livenessProbe.httpGet.host").unwrap(),
            "livenessProbe:\r\n  httpGet:\r\n    path: /   # health\r\n    port: 80\r\n"
        );
        let last = "ports:\n- containerPort: 80\n  hostPort: 80\nname: a\n";
        assert_eq!(
            remove(last, "ports[0].hostPort").unwrap(),
            "ports:\n- containerPort: 80\nname: a\n"
        );
        let dashed = "ports:\n- hostPort: 80\n  containerPort: 80\n";
        assert_eq!(
            remove(dashed, "ports[0].hostPort").unwrap(),
            "ports:\n- containerPort: 80\n"
        );
        let flow = "probe: {httpGet: {host: 1.2.3.4, path: /, port: 80}}\n";
        assert_eq!(
            remove(flow, "probe.httpGet.host").unwrap(),
            "probe: {httpGet: {path: /, port: 80}}\n"
        );
        assert_eq!(
            remove("probe: {httpGet: {path: /, host: x}}\n", "probe.httpGet.host").unwrap(),
            "probe: {httpGet: {path: /}}\n"
        );
        let json = "{\n  \"port\": 80,\n  \"host\": \"x\"\n}\n";
        assert_eq!(remove(json, "host").unwrap(), "{\n  \"port\": 80\n}\n");
    }

    #[test]
    fn removal_is_refused_where_it_would_change_more() {
        assert!(remove("a:\n  host: x\n", "a.host").unwrap_err().contains("left empty"));
        assert!(remove("a: {port: 1}\n", "a.host").unwrap_err().contains("no `host`"));
        let anchored = "base: &b {host: x, port: 1}\na: *b\n";
        assert!(remove(anchored, "a.host").unwrap_err().contains("anchor"));
        let merged = "b: &b {z: 1}\na:\n  <<: *b\n  host: x\n  port: 1\n";
        assert!(remove(merged, "a.host").unwrap_err().contains("merges"));
        assert!(remove("a: [1]\n", "a[0]").is_err());
    }

    #[test]
    fn overlapping_edits_are_refused() {
        let edits = [
            Edit {
                start: 0,
                end: 3,
                text: "x".into(),
            },
            Edit {
                start: 2,
                end: 4,
                text: "y".into(),
            },
        ];
        assert!(apply("abcdef", &edits).is_err());
        assert_eq!(
            apply(
                "abcdef",
                &[
                    Edit {
                        start: 4,
                        end: 4,
                        text: "!".into()
                    },
                    Edit {
                        start: 0,
                        end: 1,
                        text: "A".into()
                    }
                ]
            )
            .unwrap(),
            "Abcd!ef"
        );
    }
}
