//! Compatibility with the YAML readers Kubernetes tooling uses.
//!
//! kubectl (go-yaml) and PyYAML come from libyaml, which does not check the
//! indentation of the continuation lines of a quoted scalar; YAML 1.2, and so
//! our parser, requires them to be indented past the enclosing block.
//! Manifests written against kubectl do this (a long `command` string
//! wrapped at the left margin), and refusing them would report an error for a
//! file the cluster accepts. Continuation lines of a quoted scalar lose
//! their leading spaces when the scalar is folded, so indenting them further
//! does not change the value: that is what [`indent_quoted_continuation`] does.

/// Rewrites `document` so that the quoted scalar opening at `line`,
/// `column` (1-based, within the document) has every continuation line
/// indented at least to the opening quote. Lines keep their numbers. `None`
/// when there is no quoted scalar there or it never closes.
pub fn indent_quoted_continuation(document: &str, line: usize, column: usize) -> Option<String> {
    let lines: Vec<&str> = document.split_inclusive('\n').collect();
    let first = *lines.get(line.checked_sub(1)?)?;
    let (quote_byte, quote) = first.char_indices().nth(column.checked_sub(1)?)?;
    if quote != '"' && quote != '\'' {
        return None;
    }
    let target_indent = first[..quote_byte].chars().count();
    let mut out = String::with_capacity(document.len() + 256);
    for text in &lines[..line - 1] {
        out.push_str(text);
    }
    let mut index = line - 1;
    let mut closed = false;
    while index < lines.len() {
        let text = lines[index];
        let scan_from = if index == line - 1 {
            quote_byte + quote.len_utf8()
        } else {
            let content = text.trim_start_matches(' ');
            let indent = text.len() - content.len();
            if indent < target_indent && !content.trim().is_empty() {
                out.extend(std::iter::repeat_n(' ', target_indent - indent));
            }
            0
        };
        out.push_str(text);
        index += 1;
        if closing_quote(&text[scan_from..], quote) {
            closed = true;
            break;
        }
    }
    if !closed {
        return None;
    }
    for text in &lines[index..] {
        out.push_str(text);
    }
    Some(out)
}

/// Whether `text` holds the quote that closes a scalar opened by `quote`
/// (`\"` escapes in double quotes, `''` in single quotes).
fn closing_quote(text: &str, quote: char) -> bool {
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match (quote, c) {
            ('"', '\\') => {
                chars.next();
            }
            ('"', '"') => return true,
            ('\'', '\'') => {
                if chars.peek() == Some(&'\'') {
                    chars.next();
                } else {
                    return true;
                }
            }
            _ => {}
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn indents_continuation_lines_to_the_quote_and_keeps_line_numbers() {
        let document = "command:\n  - sh\n  - \"exec server \\\n--flag=a \\\n  --flag=\\\"b\\\"\"\nnext: 1\n";
        let fixed = indent_quoted_continuation(document, 3, 5).unwrap();
        assert_eq!(
            fixed,
            "command:\n  - sh\n  - \"exec server \\\n    --flag=a \\\n    --flag=\\\"b\\\"\"\nnext: 1\n"
        );
        assert_eq!(fixed.lines().count(), document.lines().count());
    }

    #[test]
    fn single_quotes_and_doubled_quotes() {
        let document = "a: 'it''s\nwrapped'\nb: 2\n";
        let fixed = indent_quoted_continuation(document, 1, 4).unwrap();
        assert_eq!(fixed, "a: 'it''s\n   wrapped'\nb: 2\n");
    }

    #[test]
    fn refuses_what_is_not_an_open_quoted_scalar() {
        assert_eq!(indent_quoted_continuation("a: b\n", 1, 4), None);
        assert_eq!(indent_quoted_continuation("a: \"never closed\n", 1, 4), None);
        assert_eq!(indent_quoted_continuation("a: b\n", 9, 1), None);
        assert_eq!(indent_quoted_continuation("a: b\n", 1, 0), None);
    }
}
