//! Reads a gitleaks configuration (`.gitleaks.toml`), so teams keep their
//! own rules and allowlists.
//!
//! What is read: `[[rules]]` with `id`, `description`, `regex`,
//! `secretGroup`, `entropy`, `keywords`, `path` and their allowlists (old
//! `[rules.allowlist]` or new `[[rules.allowlists]]`); global `[allowlist]`
//! or `[[allowlists]]` with `targetRules`; `[extend]` with `useDefault`
//! (Rampart's built-in catalogue stands in for gitleaks' defaults; rules
//! with the same id are overridden attribute by attribute), `path` (a base
//! file, two levels deep at most) and `disabledRules`.
//!
//! Go's regex dialect differs from Rust's in two ways that matter: `\w`,
//! `\d`, `\s`, `\b` are ASCII (every regex here is compiled that way), and a
//! `{` that does not start a repetition is a literal (escaped here).
//! Composite rules (`[[rules.required]]`) and `skipReport` rules are not
//! supported: such rules are left out with a warning.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use rampart_core::ConfigError;
use serde::Deserialize;
use toml::Spanned;

use crate::allowlist::{Allowlist, Condition, RegexTarget};
use crate::catalogue::{Catalogue, RuleSpec, builtin_specs, compile_regex};

/// How deep `[extend] path` may chain, as in gitleaks.
const MAX_EXTEND_DEPTH: usize = 2;

/// A loaded configuration: the catalogue to scan with, and what was left
/// out.
#[derive(Debug)]
pub struct GitleaksConfig {
    pub catalogue: Catalogue,
    pub warnings: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct ConfigFile {
    // Read so that they are not unknown keys; they change nothing.
    #[serde(default, rename = "title")]
    _title: Option<String>,
    #[serde(default, rename = "description")]
    _description: Option<String>,
    #[serde(default, rename = "minVersion")]
    _min_version: Option<String>,
    #[serde(default)]
    extend: Option<Extend>,
    #[serde(default)]
    rules: Vec<RuleFile>,
    #[serde(default)]
    allowlist: Option<Spanned<AllowlistFile>>,
    #[serde(default)]
    allowlists: Vec<Spanned<AllowlistFile>>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct Extend {
    #[serde(default)]
    use_default: bool,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    disabled_rules: Vec<String>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct RuleFile {
    #[serde(default)]
    id: Option<Spanned<String>>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    regex: Option<String>,
    #[serde(default)]
    secret_group: Option<usize>,
    #[serde(default)]
    entropy: Option<f32>,
    #[serde(default)]
    path: Option<String>,
    #[serde(default)]
    keywords: Option<Vec<String>>,
    #[serde(default, rename = "tags")]
    _tags: Vec<String>,
    #[serde(default)]
    allowlist: Option<Spanned<AllowlistFile>>,
    #[serde(default)]
    allowlists: Vec<Spanned<AllowlistFile>>,
    #[serde(default)]
    skip_report: bool,
    #[serde(default)]
    required: Vec<toml::Value>,
}

#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
struct AllowlistFile {
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    condition: Option<String>,
    #[serde(default)]
    commits: Vec<String>,
    #[serde(default)]
    paths: Vec<String>,
    #[serde(default)]
    regexes: Vec<String>,
    #[serde(default)]
    regex_target: Option<String>,
    #[serde(default)]
    stopwords: Vec<String>,
    #[serde(default)]
    target_rules: Vec<String>,
}

/// A rule being assembled from a file and the files it extends.
struct Draft {
    spec: RuleSpec,
    allowlists: Vec<Allowlist>,
}

/// What one file and its bases amount to.
#[derive(Default)]
struct Assembled {
    rules: Vec<Draft>,
    global: Vec<Allowlist>,
    /// Shared allowlists by the rule ids they target.
    targeted: Vec<(Vec<String>, Allowlist)>,
    warnings: Vec<String>,
}

impl GitleaksConfig {
    /// Loads `path`. `[extend] path` is resolved against `base_dir` (gitleaks
    /// reads it from the working folder), then against the file's folder.
    pub fn load(path: &Path, base_dir: &Path) -> Result<GitleaksConfig, ConfigError> {
        let mut assembled = assemble(path, base_dir, 0)?;
        if assembled.rules.is_empty() {
            assembled.warnings.push(format!(
                "{}: no rules: a gitleaks configuration replaces the default rules unless it has `[extend] useDefault = true`",
                path.display()
            ));
        }
        let mut rules = Vec::new();
        let mut allowlists = Vec::new();
        for draft in assembled.rules {
            rules.push(draft.spec);
            allowlists.push(draft.allowlists);
        }
        let source = path.display().to_string();
        let mut catalogue = Catalogue::from_specs(rules).map_err(|error| ConfigError {
            path: source.clone(),
            line: None,
            message: error.to_string(),
        })?;
        for (rule, lists) in catalogue.rules.iter_mut().zip(allowlists) {
            rule.allowlists = lists;
        }
        for (targets, list) in assembled.targeted {
            for target in targets {
                let rule = catalogue
                    .rules
                    .iter_mut()
                    .find(|rule| rule.spec.id == normalise_id(&target))
                    .ok_or_else(|| ConfigError {
                        path: source.clone(),
                        line: None,
                        message: format!("an allowlist targets rule '{target}', which is not defined"),
                    })?;
                rule.allowlists.push(list.clone());
            }
        }
        catalogue.allowlists = assembled.global;
        Ok(GitleaksConfig {
            catalogue,
            warnings: assembled.warnings,
        })
    }
}

fn assemble(path: &Path, base_dir: &Path, depth: usize) -> Result<Assembled, ConfigError> {
    let display = path.display().to_string();
    let error = |line: Option<usize>, message: String| ConfigError {
        path: display.clone(),
        line,
        message,
    };
    let source = std::fs::read_to_string(path).map_err(|e| error(None, e.to_string()))?;
    let line_of = |offset: usize| source[..offset.min(source.len())].matches('\n').count() + 1;
    let file: ConfigFile = toml::from_str(&source).map_err(|e| {
        let line = e.span().map(|span| line_of(span.start));
        error(line, e.message().to_string())
    })?;

    let mut assembled = match &file.extend {
        Some(extend) if extend.use_default && extend.path.is_some() => {
            return Err(error(None, "[extend] takes `useDefault` or `path`, not both".into()));
        }
        Some(Extend { use_default: true, .. }) => Assembled {
            rules: builtin_specs()
                .into_iter()
                .map(|spec| Draft {
                    spec,
                    allowlists: Vec::new(),
                })
                .collect(),
            ..Assembled::default()
        },
        Some(Extend { path: Some(base), .. }) if depth >= MAX_EXTEND_DEPTH => Assembled {
            warnings: vec![format!(
                "{display}: extends go {MAX_EXTEND_DEPTH} files deep at most, as in gitleaks; '{base}' was not read"
            )],
            ..Assembled::default()
        },
        Some(Extend { path: Some(base), .. }) => {
            let base_path = resolve(base, base_dir, path)
                .ok_or_else(|| error(None, format!("[extend] path '{base}' does not exist")))?;
            assemble(&base_path, base_dir, depth + 1)?
        }
        _ => Assembled::default(),
    };
    if let Some(extend) = &file.extend {
        for disabled in &extend.disabled_rules {
            let id = normalise_id(disabled);
            let before = assembled.rules.len();
            assembled.rules.retain(|draft| draft.spec.id != id);
            if assembled.rules.len() == before {
                assembled.warnings.push(format!(
                    "{display}: disabledRules names '{disabled}', which no base defines"
                ));
            }
        }
    }

    let global = match (&file.allowlist, file.allowlists.is_empty()) {
        (Some(_), false) => {
            return Err(error(None, "use either [allowlist] or [[allowlists]], not both".into()));
        }
        (Some(old), true) => std::slice::from_ref(old),
        (None, _) => &file.allowlists[..],
    };
    for list in global {
        let line = Some(line_of(list.span().start));
        let compiled = compile_allowlist(list.get_ref()).map_err(|message| error(line, message))?;
        if list.get_ref().target_rules.is_empty() {
            assembled.global.push(compiled);
        } else {
            assembled.targeted.push((list.get_ref().target_rules.clone(), compiled));
        }
    }

    // A later rule with a known id (from a base, or earlier in this file,
    // as gitleaks allows) overrides it.
    let mut existing: HashMap<String, usize> = assembled
        .rules
        .iter()
        .enumerate()
        .map(|(index, draft)| (draft.spec.id.clone(), index))
        .collect();
    for rule in &file.rules {
        let Some(raw_id) = &rule.id else {
            return Err(error(None, "a rule has no `id`".into()));
        };
        let line_number = line_of(raw_id.span().start);
        let line = Some(line_number);
        let id = normalise_id(raw_id.get_ref());
        if id.is_empty() {
            return Err(error(line, "a rule has an empty `id`".into()));
        }
        if rule.skip_report || !rule.required.is_empty() {
            assembled.warnings.push(format!(
                "{display}:{}: rule '{}' is a composite rule (required/skipReport), which Rampart does not run; it is left out",
                line_number,
                raw_id.get_ref()
            ));
            continue;
        }
        let old_and_new = rule.allowlist.is_some() && !rule.allowlists.is_empty();
        if old_and_new {
            return Err(error(
                line,
                "use either [rules.allowlist] or [[rules.allowlists]], not both".into(),
            ));
        }
        let mut lists = Vec::new();
        for list in rule.allowlist.iter().chain(&rule.allowlists) {
            if !list.get_ref().target_rules.is_empty() {
                return Err(error(line, "targetRules belongs in a global [[allowlists]]".into()));
            }
            lists.push(
                compile_allowlist(list.get_ref())
                    .map_err(|message| error(Some(line_of(list.span().start)), message))?,
            );
        }
        match existing.get(&id) {
            Some(&index) => {
                let draft = &mut assembled.rules[index];
                override_spec(&mut draft.spec, rule).map_err(|message| error(line, message))?;
                draft.allowlists.extend(lists);
            }
            None => {
                if rule.regex.is_none() && rule.path.is_none() {
                    // In an extending file it was meant to adjust a base
                    // rule that is not there; gitleaks loads it, to no effect.
                    if file.extend.is_some() {
                        assembled.warnings.push(format!(
                            "{display}:{}: rule '{}' has no regex or path and no base rule has its id; it is left out",
                            line_number,
                            raw_id.get_ref()
                        ));
                        continue;
                    }
                    return Err(error(
                        line,
                        format!("rule '{}' has neither `regex` nor `path`", raw_id.get_ref()),
                    ));
                }
                let mut spec = RuleSpec {
                    id: id.clone(),
                    title: id.clone(),
                    severity: rampart_core::Severity::High,
                    keywords: Vec::new(),
                    regex: None,
                    secret_group: None,
                    entropy: None,
                    multiline: false,
                    generic: false,
                    validate: None,
                    stopwords: Vec::new(),
                    path: None,
                    example: None,
                    near_miss: None,
                };
                override_spec(&mut spec, rule).map_err(|message| error(line, message))?;
                // gitleaks names its catch-alls `generic-*`: they yield to
                // a provider rule on the same value, as ours do.
                spec.generic = id.starts_with("generic");
                existing.insert(id, assembled.rules.len());
                assembled.rules.push(Draft {
                    spec,
                    allowlists: lists,
                });
            }
        }
    }
    Ok(assembled)
}

/// Sets what the file sets. Regexes are translated from Go's dialect and
/// checked here, so the error can name the line.
fn override_spec(spec: &mut RuleSpec, rule: &RuleFile) -> Result<(), String> {
    if let Some(description) = &rule.description {
        spec.title = description.clone();
    }
    if let Some(regex) = &rule.regex {
        let translated = go_regex(regex);
        compile_regex(&translated).map_err(|e| format!("regex: {e}"))?;
        spec.regex = Some(translated);
        // gitleaks' rules report their first capture group; our built-in
        // rules' named groups no longer apply to a replaced regex.
        spec.secret_group = None;
        spec.generic = false;
        spec.validate = None;
        spec.example = None;
        spec.near_miss = None;
    }
    if let Some(group) = rule.secret_group {
        spec.secret_group = (group > 0).then_some(group);
    }
    if let Some(entropy) = rule.entropy {
        spec.entropy = Some(entropy);
    }
    if let Some(path) = &rule.path {
        let translated = go_regex(path);
        compile_regex(&translated).map_err(|e| format!("path: {e}"))?;
        spec.path = Some(translated);
    }
    if let Some(keywords) = &rule.keywords {
        spec.keywords = keywords
            .iter()
            .filter(|keyword| !keyword.is_empty())
            .map(|keyword| keyword.to_ascii_lowercase())
            .collect();
    }
    Ok(())
}

fn compile_allowlist(file: &AllowlistFile) -> Result<Allowlist, String> {
    if file.commits.is_empty() && file.paths.is_empty() && file.regexes.is_empty() && file.stopwords.is_empty() {
        return Err("an allowlist needs at least one of commits, paths, regexes, stopwords".into());
    }
    let condition = match file.condition.as_deref().map(str::trim) {
        None | Some("") => Condition::Any,
        Some(text) if text.eq_ignore_ascii_case("or") || text == "||" => Condition::Any,
        Some(text) if text.eq_ignore_ascii_case("and") || text == "&&" => Condition::All,
        Some(other) => return Err(format!("unknown allowlist condition '{other}' (OR or AND)")),
    };
    let regex_target = match file.regex_target.as_deref() {
        None | Some("") | Some("secret") => RegexTarget::Secret,
        Some("match") => RegexTarget::Match,
        Some("line") => RegexTarget::Line,
        Some(other) => return Err(format!("unknown regexTarget '{other}' (secret, match or line)")),
    };
    let compile_all = |patterns: &[String], what: &str| {
        patterns
            .iter()
            .map(|pattern| compile_regex(&go_regex(pattern)).map_err(|e| format!("allowlist {what} '{pattern}': {e}")))
            .collect::<Result<Vec<_>, _>>()
    };
    Ok(Allowlist {
        description: file.description.clone().unwrap_or_default(),
        condition,
        commits: file.commits.clone(),
        paths: compile_all(&file.paths, "path")?,
        regexes: compile_all(&file.regexes, "regex")?,
        regex_target,
        stopwords: file.stopwords.iter().map(|word| word.to_ascii_lowercase()).collect(),
    })
}

fn resolve(base: &str, base_dir: &Path, config: &Path) -> Option<PathBuf> {
    let candidates = [
        base_dir.join(base),
        config.parent().unwrap_or(Path::new(".")).join(base),
    ];
    candidates.into_iter().find(|candidate| candidate.is_file())
}

/// Rule ids are typed by users; ours are kebab-case, so `My_Rule` becomes
/// `my-rule`.
pub fn normalise_id(id: &str) -> String {
    let mut out = String::with_capacity(id.len());
    for c in id.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('-') && !out.is_empty() {
            out.push('-');
        }
    }
    while out.ends_with('-') {
        out.pop();
    }
    out
}

/// Go's RE2 takes a `{` that does not open a repetition (`{n}`, `{n,}`,
/// `{n,m}`) as a literal; Rust's parser rejects it, so it is escaped.
pub fn go_regex(pattern: &str) -> String {
    let bytes = pattern.as_bytes();
    let mut out = String::with_capacity(pattern.len() + 8);
    let mut in_class = false;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\\' => {
                // An escape and the character it escapes, as they are.
                let next = pattern[i + 1..].chars().next().map_or(0, char::len_utf8);
                out.push_str(&pattern[i..i + 1 + next]);
                i += 1 + next;
                continue;
            }
            b'[' if !in_class => {
                in_class = true;
                out.push('[');
                // A `]` or `^]` right after `[` is a literal member.
                if bytes.get(i + 1) == Some(&b'^') {
                    out.push('^');
                    i += 1;
                }
                if bytes.get(i + 1) == Some(&b']') {
                    out.push_str("\\]");
                    i += 1;
                }
            }
            b']' if in_class => {
                in_class = false;
                out.push(']');
            }
            b'{' if !in_class => match repetition_length(&bytes[i..]) {
                Some(length) => {
                    out.push_str(&pattern[i..i + length]);
                    i += length;
                    continue;
                }
                None => out.push_str("\\{"),
            },
            b'}' if !in_class => out.push_str("\\}"),
            _ => {
                let width = pattern[i..].chars().next().map_or(1, char::len_utf8);
                out.push_str(&pattern[i..i + width]);
                i += width;
                continue;
            }
        }
        i += 1;
    }
    out
}

/// The length of `{n}`, `{n,}` or `{n,m}` at the start of `rest`.
fn repetition_length(rest: &[u8]) -> Option<usize> {
    let close = rest.iter().position(|&b| b == b'}')?;
    let inner = &rest[1..close];
    let mut parts = inner.splitn(2, |&b| b == b',');
    let first = parts.next().unwrap_or_default();
    let digits = |part: &[u8]| part.iter().all(u8::is_ascii_digit);
    (!first.is_empty() && digits(first) && parts.next().is_none_or(digits)).then_some(close + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_literal_braces_are_escaped_and_repetitions_kept() {
        assert_eq!(go_regex(r"^\$(?:\d+|{\d+})$"), r"^\$(?:\d+|\{\d+\})$");
        assert_eq!(go_regex(r"^\${(?:[A-Z_]+|[a-z_]+)}$"), r"^\$\{(?:[A-Z_]+|[a-z_]+)\}$");
        assert_eq!(go_regex(r"[a-z]{2,5}x{3}y{1,}"), r"[a-z]{2,5}x{3}y{1,}");
        assert_eq!(go_regex(r"import[ \t]+{[ \t\w,]+}"), r"import[ \t]+\{[ \t\w,]+\}");
        assert_eq!(go_regex(r"[{}]\{"), r"[{}]\{");
        assert_eq!(go_regex("é{x"), "é\\{x");
        for pattern in [r"^\$(?:\d+|{\d+})$", r"['\x22]?\$?{{[^}]+}}", r"[]a]{2}", r"[^]a]"] {
            compile_regex(&go_regex(pattern)).unwrap_or_else(|e| panic!("{pattern}: {e}"));
        }
    }

    #[test]
    fn ids_become_kebab_case() {
        assert_eq!(normalise_id("aws-access-key"), "aws-access-key");
        assert_eq!(normalise_id(" My_Custom Rule! "), "my-custom-rule");
    }
}
