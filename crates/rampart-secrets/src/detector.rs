//! Runs the catalogue over a text.
//!
//! One pass of the keyword automaton finds every place a rule could match;
//! each rule's regex then runs only on the line around its keyword (or the
//! 64 KiB after it, for multi-line formats), once per line. Matches go
//! through the filters, and base64 values of Kubernetes Secrets and Docker
//! `auth` fields are decoded and searched again, a small depth deep.

use std::sync::OnceLock;

use base64::Engine;
use memchr::{memchr, memrchr};
use regex::bytes::Regex;

use crate::allowlist::Subject;
use crate::catalogue::{Catalogue, CompiledRule, Validation, compile_regex};
use crate::filters;

/// How far a single-line window reaches on each side of a keyword; bounds
/// the work on minified files with very long lines.
const LINE_REACH: usize = 4096;
/// How far a multi-line rule (a private key) reaches after its keyword.
const MULTILINE_REACH: usize = 64 * 1024;
/// Base64 inside base64 inside a file, and no deeper.
const MAX_DECODE_DEPTH: u8 = 2;

/// A secret found in a text.
#[derive(Debug, Clone, PartialEq)]
pub struct Detected {
    /// Index of the rule in the catalogue.
    pub rule: usize,
    /// 1-based line and column (in characters) where the secret starts, or
    /// where the encoded value that holds it starts.
    pub line: usize,
    pub column: usize,
    /// The secret; empty for rules that judge the path alone.
    pub secret: Vec<u8>,
    pub entropy: f32,
    /// The encoding the secret was hidden in.
    pub decoded: Option<&'static str>,
}

/// A regex match before filtering. Ranges are byte offsets in the text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Candidate {
    secret_start: usize,
    secret_end: usize,
    rule: usize,
    key: Option<(usize, usize)>,
    /// The rule's whole match.
    match_start: usize,
    match_end: usize,
}

/// Finds secrets with a catalogue.
#[derive(Debug, Clone, Copy)]
pub struct Detector<'c> {
    catalogue: &'c Catalogue,
}

impl<'c> Detector<'c> {
    pub fn new(catalogue: &'c Catalogue) -> Self {
        Detector { catalogue }
    }

    pub fn catalogue(&self) -> &'c Catalogue {
        self.catalogue
    }

    /// Every secret in `text`, the content of the file at `path`, in order.
    pub fn detect(&self, path: &str, text: &[u8]) -> Vec<Detected> {
        let mut found = Vec::new();
        if filters::path_is_allowed(path) {
            return found;
        }
        for &index in &self.catalogue.path_only {
            if self.catalogue.rules[index]
                .path
                .as_ref()
                .is_some_and(|pattern| pattern.is_match(path.as_bytes()))
            {
                found.push(Detected {
                    rule: index,
                    line: 1,
                    column: 1,
                    secret: Vec::new(),
                    entropy: 0.0,
                    decoded: None,
                });
            }
        }
        self.detect_in(path, text, 0, &mut found);
        found
    }

    fn detect_in(&self, path: &str, text: &[u8], depth: u8, found: &mut Vec<Detected>) {
        let mut candidates = self.candidates(path, text);
        // On one value, the rule that matched the most context comes first
        // (`token: <jwt>` in a kubeconfig before a bare JWT).
        candidates.sort_unstable_by_key(|candidate| {
            (
                candidate.secret_start,
                candidate.secret_end,
                std::cmp::Reverse(candidate.match_end - candidate.match_start),
                candidate.rule,
            )
        });
        candidates
            .dedup_by(|a, b| a.rule == b.rule && a.secret_start == b.secret_start && a.secret_end == b.secret_end);
        let mut reported_spans: std::collections::HashSet<(usize, usize)> = std::collections::HashSet::new();
        let specific: Vec<(usize, usize)> = candidates
            .iter()
            .filter(|candidate| !self.rule(candidate.rule).spec.generic)
            .map(|candidate| (candidate.secret_start, candidate.secret_end))
            .collect();
        let encoded = if depth < MAX_DECODE_DEPTH {
            encoded_values(text)
        } else {
            Vec::new()
        };
        let mut lines = LineCounter::new(text);
        // An encoded value is judged by what it decodes to, not by its
        // base64 looking random; and two catch-alls on one value are one.
        let mut generic_reported: Vec<(usize, usize)> = encoded
            .iter()
            .map(|value| (value.value.start, value.value.end))
            .collect();
        for candidate in candidates {
            let rule = self.rule(candidate.rule);
            let overlaps =
                |&(start, end): &(usize, usize)| start < candidate.secret_end && candidate.secret_start < end;
            // A provider rule says more than a catch-all; two catch-alls on
            // one value are one finding.
            if rule.spec.generic && (specific.iter().any(overlaps) || generic_reported.iter().any(overlaps)) {
                continue;
            }
            let secret = &text[candidate.secret_start..candidate.secret_end];
            let Some(entropy) = self.accept(rule, path, text, &candidate, secret) else {
                continue;
            };
            let (line, column, line_text, previous_line) = lines.locate(candidate.secret_start);
            if filters::allowed_inline(line_text, previous_line) {
                continue;
            }
            let subject = Subject {
                path,
                secret,
                matched: &text[candidate.match_start..candidate.match_end],
                line: line_text,
                commit: None,
            };
            if self.catalogue.allowed(candidate.rule, &subject) {
                continue;
            }
            // One value is one finding, even when two provider rules know it.
            let span = (candidate.secret_start, candidate.secret_end);
            if !reported_spans.insert(span) {
                continue;
            }
            if rule.spec.generic {
                generic_reported.push(span);
            }
            found.push(Detected {
                rule: candidate.rule,
                line,
                column,
                secret: secret.to_vec(),
                entropy,
                decoded: None,
            });
        }
        self.detect_encoded(path, text, encoded, depth, found, &mut lines);
    }

    fn rule(&self, index: usize) -> &CompiledRule {
        &self.catalogue.rules[index]
    }

    /// Runs each rule around its keywords.
    fn candidates(&self, path: &str, text: &[u8]) -> Vec<Candidate> {
        let catalogue = self.catalogue;
        let mut candidates = Vec::new();
        let mut scanned_until = vec![0usize; catalogue.rules.len()];
        let blocked: Vec<bool> = catalogue
            .rules
            .iter()
            .map(|rule| {
                rule.path
                    .as_ref()
                    .is_some_and(|pattern| !pattern.is_match(path.as_bytes()))
            })
            .collect();
        for hit in catalogue.keywords.find_overlapping_iter(text) {
            for &index in &catalogue.keyword_rules[hit.pattern().as_usize()] {
                if hit.start() < scanned_until[index] || blocked[index] {
                    continue;
                }
                let rule = &catalogue.rules[index];
                let (start, end) = window(text, hit.start(), hit.end(), rule.spec.multiline);
                run_rule(index, rule, text, start, end, &mut candidates);
                scanned_until[index] = end;
            }
        }
        for &index in &catalogue.unanchored {
            if !blocked[index] {
                run_rule(index, &catalogue.rules[index], text, 0, text.len(), &mut candidates);
            }
        }
        candidates
    }

    /// The filters; the secret's entropy when it passes them.
    fn accept(
        &self,
        rule: &CompiledRule,
        path: &str,
        text: &[u8],
        candidate: &Candidate,
        secret: &[u8],
    ) -> Option<f32> {
        if secret.is_empty() {
            return None;
        }
        let entropy = filters::shannon_entropy(secret);
        if rule.spec.entropy.is_some_and(|minimum| entropy < minimum) {
            return None;
        }
        // A private key's body is long base64 the regex already pins down;
        // the placeholder words would only add chance rejections.
        if !rule.spec.multiline && filters::is_placeholder(secret) {
            return None;
        }
        if !rule.stopwords.is_empty() {
            let lower = secret.to_ascii_lowercase();
            if rule
                .stopwords
                .iter()
                .any(|word| memchr::memmem::find(&lower, word.as_bytes()).is_some())
            {
                return None;
            }
        }
        if let Some(validation) = rule.spec.validate
            && !validate(validation, secret)
        {
            return None;
        }
        if rule.spec.generic {
            let key = candidate.key.map_or(&[][..], |(start, end)| &text[start..end]);
            if filters::generic_value_is_benign(key, secret) {
                return None;
            }
            let quoted = candidate.secret_start > 0 && matches!(text[candidate.secret_start - 1], b'"' | b'\'' | b'`');
            if !quoted && filters::is_source_code(path) {
                return None;
            }
        }
        Some(entropy)
    }

    /// Searches the decoded values; findings point at the encoded value.
    fn detect_encoded(
        &self,
        path: &str,
        text: &[u8],
        encoded: Vec<EncodedValue>,
        depth: u8,
        found: &mut Vec<Detected>,
        lines: &mut LineCounter,
    ) {
        for EncodedValue { key, value, decoded } in encoded {
            // A one-line value keeps its key, so `password: <decoded>` is
            // judged like any other assignment.
            let inner = if memchr(b'\n', &decoded).is_none() {
                let mut inner = text[key].to_vec();
                inner.extend_from_slice(b": ");
                inner.extend_from_slice(&decoded);
                inner
            } else {
                decoded
            };
            let mut inside = Vec::new();
            self.detect_in(path, &inner, depth + 1, &mut inside);
            if inside.is_empty() {
                continue;
            }
            let (line, column, line_text, previous_line) = lines.locate(value.start);
            if filters::allowed_inline(line_text, previous_line) {
                continue;
            }
            for detected in inside {
                found.push(Detected {
                    line,
                    column,
                    decoded: Some("base64"),
                    ..detected
                });
            }
        }
    }
}

/// A base64 value where credentials are usually encoded: the values of a
/// Kubernetes Secret, Docker `auth` fields.
struct EncodedValue {
    key: std::ops::Range<usize>,
    value: std::ops::Range<usize>,
    decoded: Vec<u8>,
}

fn encoded_values(text: &[u8]) -> Vec<EncodedValue> {
    let kubernetes_secret = is_kubernetes_secret(text);
    if !kubernetes_secret
        && !DECODED_KEYS
            .iter()
            .any(|key| memchr::memmem::find(text, key.as_bytes()).is_some())
    {
        return Vec::new();
    }
    let mut values = Vec::new();
    for captures in encoded_value_regex().captures_iter(text) {
        let (Some(key), Some(value)) = (captures.name("key"), captures.name("value")) else {
            continue;
        };
        if !kubernetes_secret && !DECODED_KEYS.iter().any(|known| known.as_bytes() == key.as_bytes()) {
            continue;
        }
        if let Some(decoded) = decode_printable(value.as_bytes()) {
            values.push(EncodedValue {
                key: key.range(),
                value: value.range(),
                decoded,
            });
        }
    }
    values
}

/// The bytes a rule's regex sees around a keyword at `start..end`.
fn window(text: &[u8], start: usize, end: usize, multiline: bool) -> (usize, usize) {
    let low = start.saturating_sub(LINE_REACH);
    let window_start = memrchr(b'\n', &text[low..start]).map_or(low, |at| low + at + 1);
    let window_end = if multiline {
        text.len().min(end + MULTILINE_REACH)
    } else {
        let high = text.len().min(end + LINE_REACH);
        memchr(b'\n', &text[end..high]).map_or(high, |at| end + at)
    };
    (window_start, window_end)
}

fn run_rule(index: usize, rule: &CompiledRule, text: &[u8], start: usize, end: usize, out: &mut Vec<Candidate>) {
    let Some(regex) = &rule.regex else {
        return;
    };
    for captures in regex.captures_iter(&text[start..end]) {
        let secret = match rule.spec.secret_group {
            Some(group) => captures.get(group),
            None => captures
                .name("secret")
                .or_else(|| (1..captures.len()).find_map(|group| captures.get(group))),
        }
        .or_else(|| captures.get(0));
        let (Some(secret), Some(whole)) = (secret, captures.get(0)) else {
            continue;
        };
        out.push(Candidate {
            secret_start: start + secret.start(),
            secret_end: start + secret.end(),
            rule: index,
            key: captures.name("key").map(|key| (start + key.start(), start + key.end())),
            match_start: start + whole.start(),
            match_end: start + whole.end(),
        });
    }
}

fn validate(validation: Validation, secret: &[u8]) -> bool {
    match validation {
        Validation::BasicAuthBase64 => decode_printable(secret).is_some_and(|decoded| {
            decoded
                .iter()
                .position(|&byte| byte == b':')
                .is_some_and(|colon| colon > 0 && colon + 1 < decoded.len())
        }),
        Validation::Jwt => {
            let header = secret.split(|&byte| byte == b'.').next().unwrap_or_default();
            let padding = header.iter().rev().take_while(|&&byte| byte == b'=').count();
            base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(&header[..header.len() - padding])
                .ok()
                .is_some_and(|json| memchr::memmem::find(&json, b"\"alg\"").is_some())
        }
    }
}

/// Keys whose base64 values are decoded in any file.
const DECODED_KEYS: &[&str] = &["auth", "_auth", ".dockerconfigjson", ".dockercfg"];

fn is_kubernetes_secret(text: &[u8]) -> bool {
    const MARKERS: &[&[u8]] = &[
        b"kind: Secret",
        b"\"kind\":\"Secret\"",
        b"\"kind\": \"Secret\"",
        b"kind: \"Secret\"",
    ];
    MARKERS
        .iter()
        .any(|marker| memchr::memmem::find(text, marker).is_some())
}

/// `key: value` or `"key": "value"` where the value looks like base64.
fn encoded_value_regex() -> &'static Regex {
    static REGEX: OnceLock<Regex> = OnceLock::new();
    REGEX.get_or_init(|| {
        compile_regex(r#"["']?(?P<key>[A-Za-z0-9_.\-]{1,100})["']?[ \t]*:[ \t]*["']?(?P<value>[A-Za-z0-9+/]{16,}={0,2})(?:["'\s,}]|$)"#)
            .expect("the encoded-value regex compiles")
    })
}

/// Base64 that decodes to mostly printable text.
fn decode_printable(encoded: &[u8]) -> Option<Vec<u8>> {
    let decoded = base64::engine::general_purpose::STANDARD
        .decode(encoded)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(encoded))
        .ok()?;
    let printable = decoded
        .iter()
        .filter(|&&byte| byte.is_ascii_graphic() || byte.is_ascii_whitespace())
        .count();
    (!decoded.is_empty() && printable * 10 >= decoded.len() * 9).then_some(decoded)
}

/// Turns byte offsets into lines and columns, moving forward through the
/// text so a file with many findings is still read once.
struct LineCounter<'t> {
    text: &'t [u8],
    offset: usize,
    line: usize,
    line_start: usize,
    previous_line_start: Option<usize>,
}

impl<'t> LineCounter<'t> {
    fn new(text: &'t [u8]) -> Self {
        LineCounter {
            text,
            offset: 0,
            line: 1,
            line_start: 0,
            previous_line_start: None,
        }
    }

    /// Line, column, the line's text and the previous line's text at
    /// `offset`.
    fn locate(&mut self, offset: usize) -> (usize, usize, &'t [u8], Option<&'t [u8]>) {
        if offset < self.offset {
            *self = LineCounter::new(self.text);
        }
        for at in memchr::memchr_iter(b'\n', &self.text[self.offset..offset]) {
            self.previous_line_start = Some(self.line_start);
            self.line_start = self.offset + at + 1;
            self.line += 1;
        }
        self.offset = offset;
        let column = 1 + self.text[self.line_start..offset]
            .iter()
            .filter(|&&byte| byte & 0xC0 != 0x80)
            .count();
        let line_end = memchr(b'\n', &self.text[offset..]).map_or(self.text.len(), |at| offset + at);
        let line_text = &self.text[self.line_start..line_end];
        let previous = self
            .previous_line_start
            .map(|start| &self.text[start..self.line_start.saturating_sub(1)]);
        (self.line, column, line_text, previous)
    }
}
