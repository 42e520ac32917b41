//! Allowlists: findings a team has declared not secret, by path, by regex
//! over the secret, the match or the line, by stop-word, or by commit.
//! Global ones apply to every rule; a rule's own apply to it alone.

use regex::bytes::Regex;

/// Whether one matching criterion is enough, or all must match.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Condition {
    #[default]
    Any,
    All,
}

/// What `regexes` are matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RegexTarget {
    #[default]
    Secret,
    /// The rule's whole match, key and all.
    Match,
    /// The line the secret is on.
    Line,
}

/// One allowlist.
#[derive(Debug, Clone, Default)]
pub struct Allowlist {
    pub description: String,
    pub condition: Condition,
    /// Commit ids (or prefixes of them); only history findings have one.
    pub commits: Vec<String>,
    pub paths: Vec<Regex>,
    pub regexes: Vec<Regex>,
    pub regex_target: RegexTarget,
    /// Lower-cased; matched as substrings of the lower-cased secret.
    pub stopwords: Vec<String>,
}

/// What an allowlist is judged on. `commit` is known only in history scans.
#[derive(Debug, Clone, Copy)]
pub struct Subject<'a> {
    pub path: &'a str,
    pub secret: &'a [u8],
    pub matched: &'a [u8],
    pub line: &'a [u8],
    pub commit: Option<&'a str>,
}

impl Allowlist {
    /// Whether the allowlist lets this finding go.
    pub fn allows(&self, subject: &Subject<'_>) -> bool {
        let mut verdicts = [None; 4];
        if !self.commits.is_empty() {
            verdicts[0] = Some(subject.commit.is_some_and(|commit| {
                self.commits
                    .iter()
                    .any(|listed| !listed.is_empty() && commit.starts_with(listed.as_str()))
            }));
        }
        if !self.paths.is_empty() {
            verdicts[1] = Some(self.paths.iter().any(|path| path.is_match(subject.path.as_bytes())));
        }
        if !self.regexes.is_empty() {
            let target = match self.regex_target {
                RegexTarget::Secret => subject.secret,
                RegexTarget::Match => subject.matched,
                RegexTarget::Line => subject.line,
            };
            verdicts[2] = Some(self.regexes.iter().any(|regex| regex.is_match(target)));
        }
        if !self.stopwords.is_empty() {
            let secret = subject.secret.to_ascii_lowercase();
            verdicts[3] = Some(
                self.stopwords
                    .iter()
                    .any(|word| memchr::memmem::find(&secret, word.as_bytes()).is_some()),
            );
        }
        let mut judged = verdicts.iter().flatten().peekable();
        if judged.peek().is_none() {
            return false;
        }
        match self.condition {
            Condition::Any => judged.any(|&verdict| verdict),
            Condition::All => judged.all(|&verdict| verdict),
        }
    }

    /// Whether it names commits, so history scans must judge it again once
    /// a finding's commit is known.
    pub fn names_commits(&self) -> bool {
        !self.commits.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalogue::compile_regex;

    fn subject<'a>(path: &'a str, secret: &'a [u8], commit: Option<&'a str>) -> Subject<'a> {
        Subject {
            path,
            secret,
            matched: b"token = abc",
            line: b"  token = abc # test fixture",
            commit,
        }
    }

    #[test]
    fn any_criterion_or_all_of_them() {
        let mut list = Allowlist {
            paths: vec![compile_regex(r"^tests/").unwrap()],
            stopwords: vec!["example".into()],
            ..Allowlist::default()
        };
        assert!(list.allows(&subject("tests/a.txt", b"s3cret", None)));
        assert!(list.allows(&subject("src/a.txt", b"MyEXAMPLEkey", None)));
        assert!(!list.allows(&subject("src/a.txt", b"s3cret", None)));
        list.condition = Condition::All;
        assert!(!list.allows(&subject("tests/a.txt", b"s3cret", None)));
        assert!(list.allows(&subject("tests/a.txt", b"an-example", None)));
    }

    #[test]
    fn regex_targets_and_commits() {
        let mut list = Allowlist {
            regexes: vec![compile_regex("test fixture").unwrap()],
            ..Allowlist::default()
        };
        assert!(!list.allows(&subject("a", b"abc", None)));
        list.regex_target = RegexTarget::Line;
        assert!(list.allows(&subject("a", b"abc", None)));
        list.regex_target = RegexTarget::Match;
        assert!(!list.allows(&subject("a", b"abc", None)));

        let commits = Allowlist {
            commits: vec!["1a2b3c".into()],
            ..Allowlist::default()
        };
        assert!(!commits.allows(&subject("a", b"abc", None)));
        assert!(commits.allows(&subject("a", b"abc", Some("1a2b3c4d5e"))));
        assert!(!commits.allows(&subject("a", b"abc", Some("ffff"))));
        assert!(!Allowlist::default().allows(&subject("a", b"abc", None)));
    }
}
