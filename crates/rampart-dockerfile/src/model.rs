//! A Dockerfile as the rules read it: build stages, each with its base
//! image (build arguments substituted) and its instructions, every one
//! with its line.
//!
//! `parse-dockerfile` does the parsing (BuildKit heredocs, parser
//! directives, byte spans). It stops at the first instruction it cannot
//! parse; so that one bad instruction does not hide the rest of the file,
//! that instruction's lines are blanked (byte offsets and lines kept) and
//! the file is parsed again, with an error at the line.

use std::collections::HashMap;
use std::sync::Arc;

use parse_dockerfile::{Command, HealthcheckArguments, Source, UnescapedString};
use rampart_core::ScanError;

/// How many unparseable instructions one file may have before the rest of
/// it is given up on.
const MAX_BAD_INSTRUCTIONS: usize = 32;

/// One Dockerfile.
#[derive(Debug, Clone, Default)]
pub struct Dockerfile {
    pub path: Arc<str>,
    /// `ARG`s before the first `FROM`: (name, default).
    pub global_args: Vec<(String, Option<String>)>,
    pub stages: Vec<Stage>,
    /// Every comment line: (line, text after `#`).
    pub comments: Vec<(usize, String)>,
    /// Instructions that could not be parsed, and files that are not
    /// Dockerfiles at all.
    pub errors: Vec<ScanError>,
}

/// A build stage: `FROM` to the next `FROM`.
#[derive(Debug, Clone)]
pub struct Stage {
    /// 0-based position in the file.
    pub index: usize,
    /// The `AS` name.
    pub name: Option<String>,
    pub from: BaseImage,
    /// Every instruction after `FROM`.
    pub instructions: Vec<Instruction>,
}

impl Stage {
    /// How findings name the stage: its `AS` name, else its position.
    pub fn label(&self) -> String {
        match &self.name {
            Some(name) => name.clone(),
            None => format!("stage {}", self.index),
        }
    }
}

/// What a stage is built on.
#[derive(Debug, Clone)]
pub struct BaseImage {
    /// As written after `FROM`.
    pub written: String,
    /// With the global build arguments' defaults substituted.
    pub image: String,
    /// Build arguments it names that have no default: the image is not
    /// known until the build.
    pub unresolved: Vec<String>,
    pub line: usize,
}

/// One instruction of a stage.
#[derive(Debug, Clone)]
pub struct Instruction {
    pub line: usize,
    pub kind: Kind,
}

/// What an instruction does, as far as the rules need it.
#[derive(Debug, Clone)]
pub enum Kind {
    /// The command as the shell reads it (line continuations joined, the
    /// exec form's words joined by spaces, heredoc bodies appended), and
    /// the `--mount` options.
    Run {
        script: String,
        mounts: Vec<String>,
    },
    Copy {
        sources: Vec<String>,
        from: Option<String>,
    },
    Add {
        sources: Vec<String>,
        checksum: Option<String>,
    },
    /// (name, value) pairs.
    Env(Vec<(String, String)>),
    /// (name, default) pairs.
    Arg(Vec<(String, Option<String>)>),
    User(String),
    /// The ports and ranges, as written (`22`, `8000-8100/tcp`).
    Expose(Vec<String>),
    Healthcheck {
        /// `HEALTHCHECK NONE`: the base image's check turned off.
        none: bool,
    },
    /// Any other instruction, by keyword.
    Other(&'static str),
}

/// Parses `text`; never fails: what cannot be read is in `errors`.
pub fn parse(path: &str, bytes: &[u8]) -> Dockerfile {
    let path: Arc<str> = Arc::from(path);
    let mut dockerfile = Dockerfile {
        path: path.clone(),
        ..Dockerfile::default()
    };
    if bytes.contains(&0) {
        dockerfile
            .errors
            .push(ScanError::new(&*path, None, "a binary file, not a Dockerfile"));
        return dockerfile;
    }
    let text = String::from_utf8_lossy(bytes);
    let lines = LineIndex::new(&text);
    dockerfile.comments = comments(&text);
    let mut working = text.clone().into_owned();
    let mut parsed = Vec::new();
    for _ in 0..=MAX_BAD_INSTRUCTIONS {
        match parse_all(&working, &lines) {
            Ok(instructions) => {
                parsed = instructions;
                break;
            }
            Err((instructions, error)) => {
                let line = error.line();
                if line == 0 {
                    // No FROM at all: said once, below.
                    parsed = instructions;
                    break;
                }
                dockerfile
                    .errors
                    .push(ScanError::new(&*path, Some(line), describe(&error)));
                if !blank_instruction(&mut working, line) {
                    // No progress possible: keep what came before it.
                    parsed = instructions;
                    break;
                }
            }
        }
    }
    let mut stage_vars: HashMap<String, String> = HashMap::new();
    for (line, parsed) in parsed {
        match parsed {
            Parsed::From { image, name } => {
                let globals: HashMap<&str, &str> = dockerfile
                    .global_args
                    .iter()
                    .filter_map(|(name, value)| value.as_deref().map(|value| (name.as_str(), value)))
                    .collect();
                let (resolved, unresolved) = substitute(&image, &|name| globals.get(name).map(|v| v.to_string()));
                stage_vars.clear();
                dockerfile.stages.push(Stage {
                    index: dockerfile.stages.len(),
                    name,
                    from: BaseImage {
                        written: image,
                        image: resolved,
                        unresolved,
                        line,
                    },
                    instructions: Vec::new(),
                });
            }
            Parsed::Instruction(kind) => match dockerfile.stages.last_mut() {
                Some(stage) => {
                    remember_vars(&kind, &dockerfile.global_args, &mut stage_vars);
                    let kind = match kind {
                        Kind::User(user) => Kind::User(substitute(&user, &|name| stage_vars.get(name).cloned()).0),
                        other => other,
                    };
                    stage.instructions.push(Instruction { line, kind });
                }
                None => {
                    if let Kind::Arg(args) = kind {
                        dockerfile.global_args.extend(args);
                    }
                }
            },
        }
    }
    if dockerfile.stages.is_empty() {
        dockerfile.errors.push(ScanError::new(
            &*path,
            None,
            "no FROM instruction: not a Dockerfile, or an empty one",
        ));
    }
    dockerfile
}

/// Build arguments and environment variables a stage defines, for
/// substituting into `USER`.
fn remember_vars(kind: &Kind, globals: &[(String, Option<String>)], vars: &mut HashMap<String, String>) {
    match kind {
        Kind::Arg(args) => {
            for (name, default) in args {
                let value = default.clone().or_else(|| {
                    globals
                        .iter()
                        .find(|(global, _)| global == name)
                        .and_then(|(_, value)| value.clone())
                });
                if let Some(value) = value {
                    vars.insert(name.clone(), value);
                }
            }
        }
        Kind::Env(pairs) => {
            for (name, value) in pairs {
                vars.insert(name.clone(), value.clone());
            }
        }
        _ => {}
    }
}

/// An instruction read from the parser, before stages are formed.
enum Parsed {
    From { image: String, name: Option<String> },
    Instruction(Kind),
}

type ParsedLines = Vec<(usize, Parsed)>;

/// Every instruction of `text`, or those before the first error and the
/// error.
fn parse_all(text: &str, lines: &LineIndex) -> Result<ParsedLines, (ParsedLines, parse_dockerfile::Error)> {
    let iter = match parse_dockerfile::parse_iter(text) {
        Ok(iter) => iter,
        Err(error) => return Err((Vec::new(), error)),
    };
    let mut parsed = Vec::new();
    for instruction in iter {
        match instruction {
            Ok(instruction) => {
                if let Some(read) = read(&instruction, lines) {
                    parsed.push(read);
                }
            }
            Err(error) => return Err((parsed, error)),
        }
    }
    Ok(parsed)
}

fn read(instruction: &parse_dockerfile::Instruction<'_>, lines: &LineIndex) -> Option<(usize, Parsed)> {
    use parse_dockerfile::Instruction as I;
    let (start, parsed) = match instruction {
        I::From(from) => (
            from.from.span.start,
            Parsed::From {
                image: from.image.value.to_string(),
                name: from.as_.as_ref().map(|(_, name)| name.value.to_string()),
            },
        ),
        I::Run(run) => {
            let mut script = match &run.arguments {
                Command::Shell(shell) => join_continuations(shell.value),
                Command::Exec(words) => words
                    .value
                    .iter()
                    .map(|w| w.value.as_ref())
                    .collect::<Vec<_>>()
                    .join(" "),
                _ => String::new(),
            };
            for heredoc in &run.here_docs {
                script.push('\n');
                script.push_str(&heredoc.value);
            }
            let mounts = run
                .options
                .iter()
                .filter(|flag| flag.name.value == "mount")
                .filter_map(|flag| flag.value.as_ref().map(|value| value.value.to_string()))
                .collect();
            (run.run.span.start, Parsed::Instruction(Kind::Run { script, mounts }))
        }
        I::Copy(copy) => (
            copy.copy.span.start,
            Parsed::Instruction(Kind::Copy {
                sources: paths(&copy.src),
                from: flag(&copy.options, "from"),
            }),
        ),
        I::Add(add) => (
            add.add.span.start,
            Parsed::Instruction(Kind::Add {
                sources: paths(&add.src),
                checksum: flag(&add.options, "checksum"),
            }),
        ),
        I::Env(env) => (
            env.env.span.start,
            Parsed::Instruction(Kind::Env(env_pairs(&env.arguments.value))),
        ),
        I::Arg(arg) => (
            arg.arg.span.start,
            Parsed::Instruction(Kind::Arg(arg_pairs(&arg.arguments.value))),
        ),
        I::User(user) => (
            user.user.span.start,
            Parsed::Instruction(Kind::User(user.arguments.value.trim().to_string())),
        ),
        I::Expose(expose) => (
            expose.expose.span.start,
            Parsed::Instruction(Kind::Expose(
                expose.arguments.iter().map(|port| port.value.to_string()).collect(),
            )),
        ),
        I::Healthcheck(check) => (
            check.healthcheck.span.start,
            Parsed::Instruction(Kind::Healthcheck {
                none: matches!(check.arguments, HealthcheckArguments::None { .. }),
            }),
        ),
        I::Cmd(cmd) => (cmd.cmd.span.start, Parsed::Instruction(Kind::Other("CMD"))),
        I::Entrypoint(entry) => (
            entry.entrypoint.span.start,
            Parsed::Instruction(Kind::Other("ENTRYPOINT")),
        ),
        I::Label(label) => (label.label.span.start, Parsed::Instruction(Kind::Other("LABEL"))),
        I::Maintainer(m) => (m.maintainer.span.start, Parsed::Instruction(Kind::Other("MAINTAINER"))),
        I::Onbuild(onbuild) => (onbuild.onbuild.span.start, Parsed::Instruction(Kind::Other("ONBUILD"))),
        I::Shell(shell) => (shell.shell.span.start, Parsed::Instruction(Kind::Other("SHELL"))),
        I::Stopsignal(stop) => (
            stop.stopsignal.span.start,
            Parsed::Instruction(Kind::Other("STOPSIGNAL")),
        ),
        I::Volume(volume) => (volume.volume.span.start, Parsed::Instruction(Kind::Other("VOLUME"))),
        I::Workdir(workdir) => (workdir.workdir.span.start, Parsed::Instruction(Kind::Other("WORKDIR"))),
        _ => return None,
    };
    Some((lines.line_of(start), parsed))
}

fn paths(sources: &[Source<'_>]) -> Vec<String> {
    sources
        .iter()
        .filter_map(|source| match source {
            Source::Path(path) => Some(path.value.to_string()),
            _ => None,
        })
        .collect()
}

fn flag(options: &[parse_dockerfile::Flag<'_>], name: &str) -> Option<String> {
    options.iter().find(|flag| flag.name.value == name).map(|flag| {
        flag.value
            .as_ref()
            .map_or_else(String::new, |value: &UnescapedString<'_>| value.value.to_string())
    })
}

/// A shell-form command with its line continuations (`\` before a line
/// break) joined, as the shell receives it.
fn join_continuations(text: &str) -> String {
    let mut joined = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        joined.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        let trimmed = after.trim_start_matches([' ', '\t', '\r']);
        if let Some(next) = trimmed.strip_prefix('\n') {
            joined.push(' ');
            rest = next;
        } else {
            joined.push('\\');
            rest = after;
        }
    }
    joined.push_str(rest);
    joined
}

/// `ENV a=1 b="two words"`, or the legacy `ENV name value with spaces`.
pub fn env_pairs(text: &str) -> Vec<(String, String)> {
    let text = text.trim();
    let words = words(text);
    match words.first() {
        Some(first) if first.contains('=') => words
            .into_iter()
            .filter_map(|word| word.split_once('=').map(|(k, v)| (k.to_string(), v.to_string())))
            .collect(),
        Some(first) => {
            let value = text[text.find(char::is_whitespace).unwrap_or(text.len())..].trim();
            vec![(first.clone(), unquote(value))]
        }
        None => Vec::new(),
    }
}

/// `ARG name[=default] ...`.
pub fn arg_pairs(text: &str) -> Vec<(String, Option<String>)> {
    words(text)
        .into_iter()
        .map(|word| match word.split_once('=') {
            Some((name, default)) => (name.to_string(), Some(default.to_string())),
            None => (word, None),
        })
        .collect()
}

/// Splits on unquoted whitespace; quotes removed, `\` escapes honoured.
fn words(text: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut current = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some('"') | None, '\\') => {
                if let Some(next) = chars.next() {
                    current.push(next);
                }
                in_word = true;
            }
            (Some(_), c) => current.push(c),
            (None, '"' | '\'') => {
                quote = Some(c);
                in_word = true;
            }
            (None, c) if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut current));
                    in_word = false;
                }
            }
            (None, c) => {
                current.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(current);
    }
    words
}

fn unquote(value: &str) -> String {
    let stripped = value
        .strip_prefix('"')
        .and_then(|v| v.strip_suffix('"'))
        .or_else(|| value.strip_prefix('\'').and_then(|v| v.strip_suffix('\'')));
    stripped.unwrap_or(value).to_string()
}

/// Substitutes `$NAME`, `${NAME}`, `${NAME:-default}` and `${NAME-default}`
/// from `lookup`; returns the text and the names nothing defined.
pub fn substitute(text: &str, lookup: &dyn Fn(&str) -> Option<String>) -> (String, Vec<String>) {
    let mut out = String::with_capacity(text.len());
    let mut unresolved = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find('$') {
        out.push_str(&rest[..at]);
        let after = &rest[at + 1..];
        if let Some(braced) = after.strip_prefix('{')
            && let Some(end) = braced.find('}')
        {
            let inner = &braced[..end];
            let (name, default) = match inner.find([':', '-']) {
                Some(split) => {
                    let default = inner[split..].trim_start_matches(':');
                    let default = default.strip_prefix('-').map(str::to_string);
                    (&inner[..split], default)
                }
                None => (inner, None),
            };
            match lookup(name).filter(|value| !value.is_empty()).or(default) {
                Some(value) => out.push_str(&value),
                None => unresolved.push(name.to_string()),
            }
            rest = &braced[end + 1..];
            continue;
        }
        let name_len = after
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(after.len());
        if name_len == 0 {
            out.push('$');
            rest = after;
            continue;
        }
        let name = &after[..name_len];
        match lookup(name) {
            Some(value) => out.push_str(&value),
            None => unresolved.push(name.to_string()),
        }
        rest = &after[name_len..];
    }
    out.push_str(rest);
    (out, unresolved)
}

/// Every comment line (`#` first on the line), with its 1-based line.
fn comments(text: &str) -> Vec<(usize, String)> {
    text.lines()
        .enumerate()
        .filter_map(|(index, line)| {
            line.trim_start()
                .strip_prefix('#')
                .map(|comment| (index + 1, comment.trim().to_string()))
        })
        .collect()
}

/// Blanks the instruction around 1-based `line` (its continuation lines
/// included), keeping every byte offset; false when there was nothing left
/// to blank.
fn blank_instruction(text: &mut String, line: usize) -> bool {
    let starts: Vec<usize> = std::iter::once(0)
        .chain(text.match_indices('\n').map(|(at, _)| at + 1))
        .collect();
    let line_text = |n: usize, text: &str| -> (usize, usize) {
        let start = starts[n];
        let end = starts.get(n + 1).map_or(text.len(), |next| next - 1);
        (start, end)
    };
    let Some(mut first) = line.checked_sub(1).filter(|n| *n < starts.len()) else {
        return false;
    };
    let continues = |n: usize, text: &str| {
        let (start, end) = line_text(n, text);
        text[start..end].trim_end().ends_with('\\')
    };
    while first > 0 && continues(first - 1, text) {
        first -= 1;
    }
    let mut last = line - 1;
    while last + 1 < starts.len() && continues(last, text) {
        last += 1;
    }
    let (start, _) = line_text(first, text);
    let (_, end) = line_text(last, text);
    if text[start..end].trim().is_empty() {
        return false;
    }
    let blanked: String = text[start..end]
        .chars()
        .map(|c| if c == '\n' { '\n' } else { ' ' })
        .collect();
    // Multi-byte characters become one space each: pad to keep offsets.
    let padding = (end - start).saturating_sub(blanked.len());
    text.replace_range(start..end, &(blanked + &" ".repeat(padding)));
    true
}

/// The parser's error without its position (the error's line says it).
fn describe(error: &parse_dockerfile::Error) -> String {
    let message = error.to_string();
    let message = message
        .rsplit_once(" at line ")
        .map_or(message.as_str(), |(text, _)| text);
    format!("cannot parse this instruction: {message}")
}

/// Byte offset to 1-based line.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        LineIndex {
            starts: std::iter::once(0)
                .chain(text.match_indices('\n').map(|(at, _)| at + 1))
                .collect(),
        }
    }

    fn line_of(&self, offset: usize) -> usize {
        self.starts.partition_point(|start| *start <= offset)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stages_bases_and_lines() {
        let file = parse(
            "Dockerfile",
            b"# syntax=docker/dockerfile:1\nARG BASE=golang:1.23\nFROM ${BASE} AS build\nRUN go build \\\n  -o /app .\nFROM gcr.io/distroless/static:nonroot\nCOPY --from=build /app /app\nUSER 65532\n",
        );
        assert!(file.errors.is_empty(), "{:?}", file.errors);
        assert_eq!(file.stages.len(), 2);
        assert_eq!(file.stages[0].from.image, "golang:1.23");
        assert_eq!(file.stages[0].from.line, 3);
        assert_eq!(file.stages[0].name.as_deref(), Some("build"));
        let Kind::Run { script, .. } = &file.stages[0].instructions[0].kind else {
            panic!("not a RUN");
        };
        assert_eq!(script, "go build    -o /app .");
        assert_eq!(file.stages[1].instructions[0].line, 7);
        assert!(matches!(&file.stages[1].instructions[1].kind, Kind::User(u) if u == "65532"));
    }

    #[test]
    fn heredocs_are_part_of_the_script_and_lines_stay_right() {
        let file = parse(
            "Dockerfile",
            b"FROM alpine:3.20\nRUN <<EOT\napk add curl\nsudo true\nEOT\nUSER nobody\n",
        );
        let Kind::Run { script, .. } = &file.stages[0].instructions[0].kind else {
            panic!("not a RUN");
        };
        assert!(script.contains("sudo true"), "{script}");
        assert_eq!(file.stages[0].instructions[1].line, 6);
    }

    #[test]
    fn one_bad_instruction_is_an_error_and_the_rest_is_read() {
        let file = parse("Dockerfile", b"FROM alpine:3.20\nCOPY onlyone\nUSER root\nEXPOSE 22\n");
        assert_eq!(file.errors.len(), 1, "{:?}", file.errors);
        assert_eq!(file.errors[0].line, Some(2));
        let kinds: Vec<usize> = file.stages[0].instructions.iter().map(|i| i.line).collect();
        assert_eq!(kinds, [3, 4]);
    }

    #[test]
    fn binary_and_empty_files_are_errors() {
        assert_eq!(parse("x", b"\x00\x01FROM").errors.len(), 1);
        let empty = parse("x", b"# nothing\n");
        assert_eq!(empty.errors.len(), 1);
        assert!(empty.errors[0].message.contains("no FROM"));
        let before = parse("x", b"RUN x\n");
        let messages: Vec<&str> = before.errors.iter().map(|e| e.message.as_str()).collect();
        assert_eq!(
            messages,
            [
                "cannot parse this instruction: expected FROM",
                "no FROM instruction: not a Dockerfile, or an empty one"
            ]
        );
    }

    #[test]
    fn env_and_arg_forms() {
        assert_eq!(
            env_pairs("A=1 B=\"two words\" C='x'"),
            [
                ("A".into(), "1".into()),
                ("B".into(), "two words".into()),
                ("C".into(), "x".into())
            ]
        );
        assert_eq!(env_pairs("LEGACY some value"), [("LEGACY".into(), "some value".into())]);
        assert_eq!(arg_pairs("A B=2"), [("A".into(), None), ("B".into(), Some("2".into()))]);
    }

    #[test]
    fn substitution_forms() {
        let lookup = |name: &str| (name == "TAG").then(|| "1.2".to_string());
        assert_eq!(substitute("app:$TAG", &lookup).0, "app:1.2");
        assert_eq!(substitute("app:${TAG}", &lookup).0, "app:1.2");
        assert_eq!(substitute("app:${NOPE:-3}", &lookup).0, "app:3");
        assert_eq!(substitute("app:${NOPE}", &lookup).1, ["NOPE"]);
    }
}
