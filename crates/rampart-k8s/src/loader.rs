//! Turns the bytes of one file into Kubernetes objects.
//!
//! A file is cut into YAML documents at `---` lines and each document is
//! parsed on its own, so one broken document is reported (with its line) and
//! its neighbours are still scanned. JSON is parsed by the same YAML reader,
//! which keeps positions. `kind: List` is unpacked into its items.

use std::sync::Arc;

use rampart_core::ScanError;

use crate::lenient;
use crate::object::Object;
use crate::yaml::{self, Limits, Node, Value, YamlError};

/// Limits applied to every input.
#[derive(Debug, Clone, Copy)]
pub struct LoadOptions {
    pub limits: Limits,
    /// Files larger than this are refused with an error.
    pub max_file_size: u64,
}

impl Default for LoadOptions {
    fn default() -> Self {
        LoadOptions {
            limits: Limits::default(),
            max_file_size: 64 * 1024 * 1024,
        }
    }
}

/// What came out of one file.
#[derive(Debug, Default)]
pub struct LoadedFile {
    pub objects: Vec<Object>,
    pub errors: Vec<ScanError>,
    /// Documents that held a node.
    pub documents: usize,
    /// Documents that are not Kubernetes objects (no `apiVersion`/`kind`).
    pub skipped_documents: usize,
}

const HELM_HINT: &str =
    "this looks like an unrendered Helm template; render it first: `helm template RELEASE CHART | rampart scan -`";

/// Loads every object of a file's content. `path` is what findings show.
pub fn load_bytes(path: &str, bytes: &[u8], options: &LoadOptions) -> LoadedFile {
    let mut loaded = LoadedFile::default();
    if bytes.len() as u64 > options.max_file_size {
        loaded.errors.push(ScanError::new(
            path,
            None,
            format!(
                "file is {} bytes, over the {}-byte limit (raise it with --max-file-size)",
                bytes.len(),
                options.max_file_size
            ),
        ));
        return loaded;
    }
    let text = match decode_text(bytes) {
        Ok(text) => text,
        Err(reason) => {
            loaded.errors.push(ScanError::new(path, None, reason));
            return loaded;
        }
    };
    let shared_path: Arc<str> = Arc::from(path);
    for (line_offset, document) in split_documents(text) {
        // A template may parse as YAML (`image: "{{ .Values.image }}"`) and
        // would then be judged on its placeholders: refuse it instead.
        if let Some(line) = helm_expression_line(document) {
            let message = format!("document uses Helm template expressions; {HELM_HINT}");
            loaded
                .errors
                .push(ScanError::new(path, Some(line_offset as usize + line), message));
            continue;
        }
        match parse_leniently(document, line_offset, options) {
            // An explicit `---` with nothing after it is an empty document.
            Ok(None) => {}
            Ok(Some(parsed)) if parsed.root.is_null() => {}
            Ok(Some(parsed)) => {
                loaded.documents += 1;
                for problem in parsed.problems {
                    loaded
                        .errors
                        .push(ScanError::new(path, Some(problem.line as usize), problem.message));
                }
                collect_objects(parsed.root, &shared_path, &mut loaded);
            }
            Err(error) => {
                let message = if looks_like_template(document) {
                    format!("cannot parse YAML ({}); {HELM_HINT}", error.message)
                } else {
                    format!("cannot parse YAML: {} (column {})", error.message, error.column)
                };
                // The parser may point just past the end of the input.
                let last_line = line_offset as usize + document.lines().count().max(1);
                let line = (error.line as usize).min(last_line);
                loaded.errors.push(ScanError::new(path, Some(line), message));
            }
        }
    }
    loaded
}

/// Parses a document, accepting what libyaml-based tools accept: quoted
/// scalars whose continuation lines sit left of their block (see
/// [`crate::lenient`]). Errors are the original parse's.
fn parse_leniently(document: &str, line_offset: u32, options: &LoadOptions) -> Result<Option<yaml::Parsed>, YamlError> {
    let first = yaml::parse_document(document, line_offset, options.limits);
    let mut error = match first {
        Err(error) if error.message.contains("indentation in quoted scalar") => error,
        other => return other,
    };
    let original = error.clone();
    let mut text = document.to_string();
    // One rewrite per offending scalar; a handful is plenty for real files.
    for _ in 0..16 {
        let line = (error.line.saturating_sub(line_offset)) as usize;
        let Some(fixed) = lenient::indent_quoted_continuation(&text, line, error.column as usize) else {
            return Err(original);
        };
        text = fixed;
        match yaml::parse_document(&text, line_offset, options.limits) {
            Err(next) if next.message.contains("indentation in quoted scalar") && next != error => error = next,
            Err(_) => return Err(original),
            parsed => return parsed,
        }
    }
    Err(original)
}

/// Checks the bytes are text we can read: no NUL bytes, UTF-8 (a UTF-8 byte
/// order mark is dropped).
fn decode_text(bytes: &[u8]) -> Result<&str, String> {
    let head = &bytes[..bytes.len().min(8192)];
    if head.starts_with(&[0xFF, 0xFE]) || head.starts_with(&[0xFE, 0xFF]) {
        return Err("file is UTF-16 encoded; convert it to UTF-8".to_string());
    }
    if head.contains(&0) {
        return Err("binary file (contains NUL bytes); not a manifest".to_string());
    }
    let bytes = bytes.strip_prefix(&[0xEF, 0xBB, 0xBF]).unwrap_or(bytes);
    std::str::from_utf8(bytes).map_err(|e| {
        let line = bytes[..e.valid_up_to()].iter().filter(|&&b| b == b'\n').count() + 1;
        format!("not UTF-8 text (invalid byte on line {line})")
    })
}

/// Cuts a YAML stream at its `---` document markers. Each piece keeps its
/// marker line and comes with the number of lines before it. A `---` that
/// follows only directives (`%YAML`) belongs to the same piece as they do;
/// pieces with nothing but comments, blank lines and markers are dropped.
pub fn split_documents(text: &str) -> Vec<(u32, &str)> {
    let bytes = text.as_bytes();
    let mut pieces = Vec::new();
    let mut start = 0usize;
    let mut start_line = 0u32;
    // Lines are counted only up to each cut, never line by line: most of a
    // file is document content that this function has no need to look at.
    let mut counted_to = 0usize;
    let mut line = 0u32;
    let line_starts = std::iter::once(0).chain(text.match_indices("\n---").map(|(i, _)| i + 1));
    for marker in line_starts {
        let is_marker = bytes[marker..].starts_with(b"---")
            && matches!(bytes.get(marker + 3), None | Some(b' ' | b'\t' | b'\n' | b'\r'));
        if !is_marker || marker == start {
            continue;
        }
        let piece = &text[start..marker];
        let empty = !has_content(piece);
        // Directives belong to the document their `---` opens.
        if empty && has_directive(piece) {
            continue;
        }
        line += bytes[counted_to..marker].iter().filter(|&&b| b == b'\n').count() as u32;
        counted_to = marker;
        // An empty or comment-only document (Helm's `---\n# Source: ...` for
        // a disabled template) is valid YAML with no node: it is dropped
        // here rather than glued to the next document, which the parser
        // would then refuse as two documents in one.
        if !empty {
            pieces.push((start_line, piece));
        }
        start = marker;
        start_line = line;
    }
    if start < text.len() {
        pieces.push((start_line, &text[start..]));
    }
    pieces
}

fn has_directive(piece: &str) -> bool {
    piece.lines().any(|line| line.starts_with('%'))
}

/// Whether a piece holds more than blank lines, comments, directives and
/// bare `---` markers. Stops at the first line with content, usually the
/// first line.
fn has_content(piece: &str) -> bool {
    piece.lines().any(|line| {
        if let Some(rest) = line.strip_prefix("---") {
            // Content may follow the marker on its line: `--- {a: 1}`.
            let rest = rest.trim();
            return !rest.is_empty() && !rest.starts_with('#');
        }
        let trimmed = line.trim_start();
        !(line.starts_with('%') || trimmed.is_empty() || trimmed.starts_with('#'))
    })
}

/// The 1-based line (within the document) of the first Helm expression
/// over the chart's inputs: `{{ .Values.x }}`, `{{ include ... }}`. Other
/// `{{ }}` text is left alone: Prometheus alert templates and Argo
/// parameters are legitimate strings in rendered manifests.
fn helm_expression_line(document: &str) -> Option<usize> {
    const HELM_MARKERS: &[&str] = &[
        ".Values",
        ".Release",
        ".Chart.",
        ".Capabilities",
        "include \"",
        "template \"",
    ];
    // Most documents have no braces at all: one fast search skips them.
    if !document.contains("{{") {
        return None;
    }
    document
        .lines()
        .position(|line| {
            let code = line.trim_start();
            if code.starts_with('#') {
                return false;
            }
            let Some(open) = code.find("{{") else {
                return false;
            };
            let expression = &code[open..];
            expression.contains("}}") && HELM_MARKERS.iter().any(|m| expression.contains(m))
        })
        .map(|index| index + 1)
}

/// Template markers outside comments.
fn looks_like_template(document: &str) -> bool {
    document.lines().any(|line| {
        let code = line.trim_start();
        !code.starts_with('#') && code.contains("{{") && code.contains("}}")
    })
}

fn collect_objects(root: Node, path: &Arc<str>, loaded: &mut LoadedFile) {
    match root.value {
        // A JSON array of objects.
        Value::Seq(items) => {
            for item in items {
                collect_objects(item, path, loaded);
            }
        }
        Value::Map(_) => {
            let api_version = root.get("apiVersion").and_then(Node::as_str);
            let kind = root.get("kind").and_then(Node::as_str);
            let (Some(api_version), Some(kind)) = (api_version, kind) else {
                loaded.skipped_documents += 1;
                return;
            };
            let is_list = kind == "List" || (kind.ends_with("List") && root.get("items").is_some());
            if is_list {
                let Some(items) = take_items(root) else {
                    return;
                };
                for item in items {
                    collect_objects(item, path, loaded);
                }
                return;
            }
            let api_version = api_version.to_string();
            let kind = kind.to_string();
            loaded.objects.push(Object::new(api_version, kind, root, path.clone()));
        }
        _ => loaded.skipped_documents += 1,
    }
}

fn take_items(root: Node) -> Option<Vec<Node>> {
    let Value::Map(entries) = root.value else {
        return None;
    };
    entries
        .into_iter()
        .find(|e| &*e.key == "items")
        .map(|e| match e.value.value {
            Value::Seq(items) => items,
            _ => Vec::new(),
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load(text: &str) -> LoadedFile {
        load_bytes("test.yaml", text.as_bytes(), &LoadOptions::default())
    }

    #[test]
    fn splits_documents_and_keeps_file_lines() {
        let pieces = split_documents("a: 1\n---\nb: 2\n--- # c\n---\nc: 3\n");
        let starts: Vec<u32> = pieces.iter().map(|(line, _)| *line).collect();
        assert_eq!(starts, vec![0, 1, 4]);
        assert_eq!(pieces[2].1, "---\nc: 3\n");
    }

    #[test]
    fn directives_inline_documents_and_crlf_split_where_yaml_does() {
        let starts = |text: &str| split_documents(text).iter().map(|(line, _)| *line).collect::<Vec<_>>();
        let directive = split_documents("%YAML 1.2\n---\na: 1\n---\nb: 2\n");
        assert_eq!(directive[0], (0, "%YAML 1.2\n---\na: 1\n"));
        assert_eq!(directive[1], (3, "---\nb: 2\n"));
        assert_eq!(starts("--- {a: 1}\n--- {b: 2}\n"), vec![0, 1]);
        assert_eq!(starts("---\r\na: 1\r\n---\r\nb: 2\r\n"), vec![0, 2]);
        assert_eq!(starts("# only\n---\n# still nothing\n---\na: 1\n"), vec![3]);
        assert_eq!(starts("a: 1\n---x: 2\n"), vec![0]);
    }

    #[test]
    fn dashes_inside_a_line_or_block_scalar_do_not_split() {
        let text = "a: |\n  ---\n  x\nb: ---x\n";
        assert_eq!(split_documents(text).len(), 1);
    }

    #[test]
    fn a_broken_document_does_not_hide_its_neighbours() {
        let loaded = load(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\napiVersion: v1\nkind: [\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: c}\n",
        );
        assert_eq!(loaded.objects.len(), 2);
        assert_eq!(loaded.errors.len(), 1);
        assert_eq!(loaded.errors[0].path, "test.yaml");
        assert!(loaded.errors[0].line.unwrap() >= 6, "{:?}", loaded.errors[0]);
        assert_eq!(loaded.objects[1].name, "c");
        assert_eq!(loaded.objects[1].root.pos.line, 8);
    }

    #[test]
    fn lists_are_unpacked_and_non_objects_counted() {
        let loaded = load(
            "apiVersion: v1\nkind: List\nitems:\n- apiVersion: v1\n  kind: Pod\n  metadata: {name: a}\n- apiVersion: apps/v1\n  kind: Deployment\n  metadata: {name: b}\n---\nfoo: bar\n---\n# only a comment\n",
        );
        let kinds: Vec<&str> = loaded.objects.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, vec!["Pod", "Deployment"]);
        assert_eq!(loaded.objects[1].root.pos.line, 7);
        assert_eq!(loaded.skipped_documents, 1);
        assert_eq!(loaded.documents, 2);
        assert!(loaded.errors.is_empty());
    }

    #[test]
    fn empty_and_comment_only_documents_do_not_swallow_the_next_object() {
        // Helm prints `---\n# Source: ...` for a disabled template; files
        // joined by hand have `---\n---`.
        let loaded = load(
            "---\n# Source: chart/templates/disabled.yaml\n---\n# Source: chart/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata: {name: a}\n---\n---\napiVersion: v1\nkind: Pod\nmetadata: {name: b}\nspec:\n  hostPID: true\n---\n",
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let names: Vec<&str> = loaded.objects.iter().map(|o| o.name.as_str()).collect();
        assert_eq!(names, vec!["a", "b"]);
        assert_eq!(loaded.objects[0].root.pos.line, 5);
        assert_eq!(loaded.objects[1].root.get_path("spec.hostPID").unwrap().pos.line, 14);
    }

    #[test]
    fn json_arrays_of_objects_load() {
        let loaded = load(r#"[{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "a", "namespace": "x"}}]"#);
        assert_eq!(loaded.objects.len(), 1);
        assert_eq!(loaded.objects[0].namespace.as_deref(), Some("x"));
    }

    #[test]
    fn helm_templates_get_a_render_hint() {
        let loaded = load("apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n");
        assert_eq!(loaded.errors.len(), 1);
        assert!(
            loaded.errors[0].message.contains("helm template"),
            "{}",
            loaded.errors[0].message
        );
        assert_eq!(loaded.errors[0].line, Some(4));
    }

    #[test]
    fn templates_that_parse_are_refused_but_other_braces_are_not() {
        let loaded = load(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    image: \"{{ .Values.image.repository }}:{{ .Values.image.tag }}\"\n---\napiVersion: monitoring.coreos.com/v1\nkind: PrometheusRule\nmetadata: {name: r}\nspec:\n  groups:\n  - rules:\n    - alert: Down\n      annotations: {summary: \"{{ $labels.instance }} is down\"}\n",
        );
        assert_eq!(loaded.errors.len(), 1, "{:?}", loaded.errors);
        assert_eq!(loaded.errors[0].line, Some(7));
        assert!(loaded.errors[0].message.contains("helm template"));
        let kinds: Vec<&str> = loaded.objects.iter().map(|o| o.kind.as_str()).collect();
        assert_eq!(kinds, vec!["PrometheusRule"]);
    }

    #[test]
    fn quoted_scalars_wrapped_left_of_their_block_load_as_kubectl_reads_them() {
        let loaded = load(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n    - name: a\n      command:\n        - sh\n        - \"exec server \\\n  --flag=a \\\n  --flag=b\"\n      securityContext:\n        privileged: true\n",
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        let command = loaded.objects[0].root.get_path("spec.containers").unwrap().as_seq()[0]
            .get("command")
            .unwrap()
            .as_seq()[1]
            .as_str()
            .unwrap()
            .to_string();
        assert_eq!(command, "exec server --flag=a --flag=b");
        let privileged = loaded.objects[0].root.get_path("spec.containers").unwrap().as_seq()[0]
            .get_path("securityContext.privileged")
            .unwrap();
        assert_eq!(privileged.pos.line, 13);
    }

    #[test]
    fn windows_line_endings_keep_positions() {
        let loaded = load(
            "apiVersion: v1\r\nkind: Pod\r\nmetadata: {name: p}\r\n---\r\napiVersion: v1\r\nkind: Pod\r\nmetadata:\r\n  name: q\r\nspec:\r\n  hostPID: true\r\n",
        );
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        assert_eq!(loaded.objects.len(), 2);
        assert_eq!(loaded.objects[1].name, "q");
        assert_eq!(
            loaded.objects[1].root.get_path("spec.hostPID").unwrap().pos,
            crate::yaml::Pos { line: 10, column: 3 }
        );
    }

    #[test]
    fn binary_utf16_oversized_and_invalid_utf8_are_refused_with_one_error() {
        let binary = load_bytes("b.yaml", b"apiVersion: v1\0\0", &LoadOptions::default());
        assert!(binary.errors[0].message.contains("binary"));
        let utf16 = load_bytes("u.yaml", &[0xFF, 0xFE, b'a', 0], &LoadOptions::default());
        assert!(utf16.errors[0].message.contains("UTF-16"));
        let invalid = load_bytes("i.yaml", b"a: 1\nb: \xC3\x28\n", &LoadOptions::default());
        assert!(
            invalid.errors[0].message.contains("line 2"),
            "{}",
            invalid.errors[0].message
        );
        let small = LoadOptions {
            max_file_size: 4,
            ..LoadOptions::default()
        };
        let huge = load_bytes("h.yaml", b"a: 12345", &small);
        assert_eq!(huge.errors.len(), 1);
        assert!(huge.errors[0].message.contains("--max-file-size"));
    }
}
