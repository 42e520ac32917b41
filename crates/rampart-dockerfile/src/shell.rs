//! Just enough of the POSIX shell to read a `RUN` line: pipelines of
//! simple commands, words with their quotes removed. Rules ask "does a
//! command run `sudo`", "is `curl` piped into `sh`", "which flags does
//! `apt-get install` get"; a regular expression over the raw text answers
//! those wrongly when a word is quoted, joined or split over lines.
//!
//! No crate does this part and nothing more: `shell-words` splits one
//! command without operators, and the full shell parsers are unmaintained
//! (`conch-parser`) or far larger than the need (`yash-syntax`).

/// A simple command: its words, the program first (leading `VAR=value`
/// assignments removed).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimpleCommand {
    pub words: Vec<String>,
}

impl SimpleCommand {
    /// The program's name without its folder (`/usr/bin/curl` is `curl`).
    pub fn program(&self) -> &str {
        self.words
            .first()
            .map_or("", |word| word.rsplit('/').next().unwrap_or(word))
    }

    /// The command run under a wrapper (`sudo`, `env`, `exec`, `nohup`,
    /// `time`, `xargs`): `sudo apt-get install x` is `apt-get install x`.
    pub fn unwrapped(&self) -> SimpleCommand {
        let mut words = self.words.as_slice();
        loop {
            let program = words.first().map_or("", |word| word.rsplit('/').next().unwrap_or(word));
            if !matches!(program, "sudo" | "env" | "exec" | "nohup" | "time" | "xargs" | "doas") {
                break;
            }
            words = &words[1..];
            // The wrapper's own options and `env`'s assignments.
            while let Some(word) = words.first()
                && (word.starts_with('-') || is_assignment(word))
            {
                words = &words[1..];
            }
        }
        SimpleCommand { words: words.to_vec() }
    }

    /// The arguments after the program.
    pub fn args(&self) -> &[String] {
        self.words.get(1..).unwrap_or(&[])
    }

    /// Whether a short option letter is set, alone or among others
    /// (`-k`, `-fsSLk`), or a long option is (`--insecure`,
    /// `--insecure=x`).
    pub fn has_option(&self, short: Option<char>, long: &str) -> bool {
        self.args().iter().any(|arg| {
            if let Some(name) = arg.strip_prefix("--") {
                return name == long || name.strip_prefix(long).is_some_and(|rest| rest.starts_with('='));
            }
            match (short, arg.strip_prefix('-')) {
                (Some(letter), Some(letters)) => {
                    !letters.is_empty()
                        && letters.chars().all(|c| c.is_ascii_alphanumeric())
                        && letters.contains(letter)
                }
                _ => false,
            }
        })
    }
}

/// Commands joined by `|`.
pub type Pipeline = Vec<SimpleCommand>;

/// The pipelines of a script: split at `;`, `&&`, `||`, `&`, new lines and
/// parentheses; each split at `|`.
pub fn pipelines(script: &str) -> Vec<Pipeline> {
    let mut pipelines = Vec::new();
    let mut pipeline: Pipeline = Vec::new();
    let mut words: Vec<String> = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = script.chars().peekable();
    let mut quote: Option<char> = None;
    let end_command = |words: &mut Vec<String>, pipeline: &mut Pipeline| {
        let start = words.iter().take_while(|w| is_assignment(w)).count();
        if words.len() > start {
            pipeline.push(SimpleCommand {
                words: words.split_off(start),
            });
        }
        words.clear();
    };
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == q {
                quote = None;
            } else if c == '\\' && q == '"' {
                if let Some(next) = chars.next() {
                    word.push(next);
                }
            } else {
                word.push(c);
            }
            continue;
        }
        let flush_word = |word: &mut String, in_word: &mut bool, words: &mut Vec<String>| {
            if *in_word {
                words.push(std::mem::take(word));
                *in_word = false;
            }
        };
        match c {
            '\'' | '"' => {
                quote = Some(c);
                in_word = true;
            }
            '\\' => {
                if let Some(next) = chars.next()
                    && next != '\n'
                {
                    word.push(next);
                    in_word = true;
                }
            }
            '#' if !in_word => {
                // A comment runs to the end of the line.
                for next in chars.by_ref() {
                    if next == '\n' {
                        break;
                    }
                }
                flush_word(&mut word, &mut in_word, &mut words);
                end_command(&mut words, &mut pipeline);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
            '|' if chars.peek() != Some(&'|') => {
                flush_word(&mut word, &mut in_word, &mut words);
                end_command(&mut words, &mut pipeline);
            }
            ';' | '&' | '|' | '\n' | '(' | ')' | '`' => {
                if matches!(c, '&' | '|') && chars.peek() == Some(&c) {
                    chars.next();
                }
                flush_word(&mut word, &mut in_word, &mut words);
                end_command(&mut words, &mut pipeline);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
            '$' if chars.peek() == Some(&'(') => {
                // A command substitution is a command of its own.
                chars.next();
                flush_word(&mut word, &mut in_word, &mut words);
                end_command(&mut words, &mut pipeline);
                if !pipeline.is_empty() {
                    pipelines.push(std::mem::take(&mut pipeline));
                }
            }
            c if c.is_whitespace() => flush_word(&mut word, &mut in_word, &mut words),
            c => {
                word.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        words.push(word);
    }
    end_command(&mut words, &mut pipeline);
    if !pipeline.is_empty() {
        pipelines.push(pipeline);
    }
    pipelines
}

/// Every simple command of a script.
pub fn commands(script: &str) -> impl Iterator<Item = SimpleCommand> {
    pipelines(script).into_iter().flatten()
}

/// `NAME=value`.
pub fn is_assignment(word: &str) -> bool {
    word.split_once('=').is_some_and(|(name, _)| {
        !name.is_empty()
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !name.starts_with(|c: char| c.is_ascii_digit())
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn programs(script: &str) -> Vec<Vec<String>> {
        pipelines(script)
            .iter()
            .map(|pipeline| pipeline.iter().map(|command| command.program().to_string()).collect())
            .collect()
    }

    #[test]
    fn splits_lists_pipes_and_substitutions() {
        assert_eq!(
            programs("apt-get update && apt-get install -y curl; curl -fsSL https://x | sh"),
            [vec!["apt-get"], vec!["apt-get"], vec!["curl", "sh"]]
        );
        assert_eq!(programs("sh -c \"$(curl -fsSL https://x)\""), [vec!["sh"]]);
        assert_eq!(programs("bash <(curl -s https://x)"), [vec!["bash"], vec!["curl"]]);
        assert_eq!(
            programs("A=1 B=2 /usr/bin/make all || true"),
            [vec!["make"], vec!["true"]]
        );
        assert_eq!(programs("echo 'a | b' # sudo x\nsudo ls"), [vec!["echo"], vec!["sudo"]]);
    }

    #[test]
    fn options_short_grouped_and_long() {
        let command = &pipelines("curl -fsSLk --retry=3 https://x")[0][0];
        assert!(command.has_option(Some('k'), "insecure"));
        assert!(command.has_option(None, "retry"));
        assert!(!command.has_option(Some('o'), "output"));
        let unwrapped = pipelines("sudo -E env A=1 apt-get install x")[0][0].unwrapped();
        assert_eq!(unwrapped.program(), "apt-get");
    }
}
