//! The rule catalogue: a TOML data file (`rules.toml`, compiled into the
//! binary) describing each credential format, compiled once into regexes
//! and one keyword automaton.
//!
//! Every rule names the literal keywords its matches must contain (a token
//! prefix like `ghp_`, or a word like `password`); the detector only runs a
//! rule's regex around a place where one of its keywords occurs.

use std::sync::OnceLock;

use crate::allowlist::{Allowlist, Subject};
use aho_corasick::{AhoCorasick, AhoCorasickBuilder, AhoCorasickKind, MatchKind};
use rampart_core::Severity;
use regex::bytes::{Regex, RegexBuilder};
use serde::Deserialize;

/// The built-in catalogue's source.
pub const BUILTIN_RULES: &str = include_str!("rules.toml");

/// One rule as written in the catalogue file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleSpec {
    /// Stable kebab-case id users type in allowlists and exceptions.
    pub id: String,
    pub title: String,
    #[serde(default = "default_severity")]
    pub severity: Severity,
    /// Literal substrings (matched without regard to ASCII case) that every
    /// match contains or sits on the same line as.
    #[serde(default)]
    pub keywords: Vec<String>,
    /// What a match looks like; the secret is `secret_group`, else the first
    /// capture group that matched, else the whole match.
    #[serde(default)]
    pub regex: Option<String>,
    #[serde(default)]
    pub secret_group: Option<usize>,
    /// Minimum Shannon entropy (bits per byte) of the secret.
    #[serde(default)]
    pub entropy: Option<f32>,
    /// The match may span lines (private keys); the regex then sees up to
    /// 64 KiB after the keyword instead of the keyword's line.
    #[serde(default)]
    pub multiline: bool,
    /// A catch-all rule (password = "..."): stricter false-positive filters
    /// apply (identifiers, hashes, UUIDs), and a provider rule that found
    /// the same secret wins.
    #[serde(default)]
    pub generic: bool,
    /// An extra check of the secret's content.
    #[serde(default)]
    pub validate: Option<Validation>,
    /// Substrings that make a secret a non-secret for this rule.
    #[serde(default)]
    pub stopwords: Vec<String>,
    /// Only files whose path matches this regex are searched; with no
    /// `regex`, the file's presence is itself the finding.
    #[serde(default)]
    pub path: Option<String>,
    /// A format-valid example for the tests: literal text with `{class:n}`
    /// placeholders (`alnum`, `upper`, `lower`, `digit`, `hex`, `HEX`,
    /// `base32`, `b64`, `b64url`).
    #[serde(default)]
    pub example: Option<String>,
    /// A near miss that must not be reported; by default the example with
    /// its last placeholder one character short.
    #[serde(default)]
    pub near_miss: Option<String>,
}

fn default_severity() -> Severity {
    Severity::High
}

/// Content checks a regex cannot express.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Validation {
    /// Base64 of `user:password` with a non-empty password (Docker `auth`).
    BasicAuthBase64,
    /// A JSON Web Token whose header decodes to JSON with an `alg`.
    Jwt,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct CatalogueFile {
    rule: Vec<RuleSpec>,
}

/// A rule ready to run.
#[derive(Debug)]
pub struct CompiledRule {
    pub spec: RuleSpec,
    pub regex: Option<Regex>,
    pub path: Option<Regex>,
    /// Stop-words, lower-cased.
    pub stopwords: Vec<String>,
    /// The rule's own allowlists (from a gitleaks configuration).
    pub allowlists: Vec<Allowlist>,
}

/// All rules, their regexes, and the keyword automaton.
#[derive(Debug)]
pub struct Catalogue {
    pub rules: Vec<CompiledRule>,
    /// Finds every rule keyword in a text, ignoring ASCII case.
    pub keywords: AhoCorasick,
    /// For each keyword pattern of `keywords`, the rules that own it.
    pub keyword_rules: Vec<Vec<usize>>,
    /// Rules with a regex and no keyword: run over the whole text.
    pub unanchored: Vec<usize>,
    /// Rules that judge a file by its path alone.
    pub path_only: Vec<usize>,
    /// Allowlists for every rule.
    pub allowlists: Vec<Allowlist>,
}

/// A catalogue that cannot be used, with the rule at fault.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CatalogueError {
    pub rule: Option<String>,
    pub message: String,
}

impl std::fmt::Display for CatalogueError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.rule {
            Some(rule) => write!(f, "rule `{rule}`: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}

impl std::error::Error for CatalogueError {}

/// Compiles a rule regex the way gitleaks' Go RE2 reads it: `\w`, `\d`,
/// `\s` and `\b` are ASCII-only, which is also much smaller and faster.
pub fn compile_regex(pattern: &str) -> Result<Regex, regex::Error> {
    RegexBuilder::new(pattern).unicode(false).build()
}

/// The built-in rules as written, for configurations that extend them.
pub fn builtin_specs() -> Vec<RuleSpec> {
    let file: CatalogueFile = toml::from_str(BUILTIN_RULES).expect("the built-in secret rules parse");
    file.rule
}

impl Catalogue {
    /// The catalogue compiled into the binary, compiled on first use.
    pub fn builtin() -> &'static Catalogue {
        static BUILTIN: OnceLock<Catalogue> = OnceLock::new();
        BUILTIN.get_or_init(|| {
            // The built-in file is tested; failing here is a build defect.
            Catalogue::from_toml(BUILTIN_RULES).expect("the built-in secret rules compile")
        })
    }

    /// Parses and compiles a catalogue file.
    pub fn from_toml(source: &str) -> Result<Catalogue, CatalogueError> {
        let file: CatalogueFile = toml::from_str(source).map_err(|error| CatalogueError {
            rule: None,
            message: error.to_string(),
        })?;
        Catalogue::from_specs(file.rule)
    }

    /// Compiles rules already read.
    pub fn from_specs(specs: Vec<RuleSpec>) -> Result<Catalogue, CatalogueError> {
        let mut rules = Vec::with_capacity(specs.len());
        let mut seen = std::collections::HashSet::new();
        for spec in specs {
            let fail = |message: String| CatalogueError {
                rule: Some(spec.id.clone()),
                message,
            };
            if !rampart_core::RuleMeta::id_is_well_formed(&spec.id) {
                return Err(fail("the id must be lowercase kebab-case".into()));
            }
            if !seen.insert(spec.id.clone()) {
                return Err(fail("the id is used twice".into()));
            }
            if spec.regex.is_none() && spec.path.is_none() {
                return Err(fail("a rule needs a `regex`, a `path`, or both".into()));
            }
            let regex = match &spec.regex {
                Some(pattern) => Some(compile_regex(pattern).map_err(|error| fail(format!("regex: {error}")))?),
                None => None,
            };
            if let (Some(group), Some(regex)) = (spec.secret_group, &regex)
                && group >= regex.captures_len()
            {
                return Err(fail(format!(
                    "secret_group {group} but the regex has {} groups",
                    regex.captures_len() - 1
                )));
            }
            let path = match &spec.path {
                Some(pattern) => Some(compile_regex(pattern).map_err(|error| fail(format!("path: {error}")))?),
                None => None,
            };
            if spec.keywords.iter().any(|keyword| keyword.is_empty()) {
                return Err(fail("an empty keyword would match everywhere".into()));
            }
            let stopwords = spec.stopwords.iter().map(|word| word.to_ascii_lowercase()).collect();
            rules.push(CompiledRule {
                spec,
                regex,
                path,
                stopwords,
                allowlists: Vec::new(),
            });
        }

        let mut patterns: Vec<String> = Vec::new();
        let mut keyword_rules: Vec<Vec<usize>> = Vec::new();
        let mut unanchored = Vec::new();
        let mut path_only = Vec::new();
        for (index, rule) in rules.iter().enumerate() {
            if rule.regex.is_none() {
                path_only.push(index);
                continue;
            }
            if rule.spec.keywords.is_empty() {
                unanchored.push(index);
            }
            for keyword in &rule.spec.keywords {
                let keyword = keyword.to_ascii_lowercase();
                match patterns.iter().position(|known| *known == keyword) {
                    Some(at) => keyword_rules[at].push(index),
                    None => {
                        patterns.push(keyword);
                        keyword_rules.push(vec![index]);
                    }
                }
            }
        }
        let keywords = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::Standard)
            .kind(Some(AhoCorasickKind::DFA))
            .build(&patterns)
            .map_err(|error| CatalogueError {
                rule: None,
                message: format!("keywords: {error}"),
            })?;
        Ok(Catalogue {
            rules,
            keywords,
            keyword_rules,
            unanchored,
            path_only,
            allowlists: Vec::new(),
        })
    }
}

impl Catalogue {
    /// Whether an allowlist of the rule, or a global one, lets this go.
    pub fn allowed(&self, rule: usize, subject: &Subject<'_>) -> bool {
        self.allowlists
            .iter()
            .chain(&self.rules[rule].allowlists)
            .any(|list| list.allows(subject))
    }

    /// Whether any allowlist names commits.
    pub fn has_commit_allowlists(&self) -> bool {
        self.allowlists
            .iter()
            .chain(self.rules.iter().flat_map(|rule| &rule.allowlists))
            .any(Allowlist::names_commits)
    }
}
