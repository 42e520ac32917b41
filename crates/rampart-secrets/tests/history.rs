//! History scans on repositories built here with the git command: a secret
//! committed, renamed, removed; another on a merged branch.

mod common;

use std::path::Path;
use std::process::Command;

use rampart_core::Finding;
use rampart_secrets::history::Quiet;
use rampart_secrets::{Catalogue, HistoryScan, Revisions, ScanOptions, scan_history};

use common::{Random, expand};

struct Person {
    name: &'static str,
    email: &'static str,
}

const ALICE: Person = Person {
    name: "Alice Example",
    email: "alice@example.org",
};
const BOB: Person = Person {
    name: "Bob Example",
    email: "bob@example.org",
};

/// Runs git in `dir` with a fixed author and date; returns its stdout.
fn git(dir: &Path, who: &Person, date: &str, args: &[&str]) -> String {
    let output = Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", who.name)
        .env("GIT_AUTHOR_EMAIL", who.email)
        .env("GIT_AUTHOR_DATE", date)
        .env("GIT_COMMITTER_NAME", who.name)
        .env("GIT_COMMITTER_EMAIL", who.email)
        .env("GIT_COMMITTER_DATE", date)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .expect("git runs");
    assert!(
        output.status.success(),
        "git {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("utf-8")
}

fn git_available() -> bool {
    Command::new("git")
        .arg("--version")
        .output()
        .is_ok_and(|out| out.status.success())
}

fn write(dir: &Path, path: &str, content: &str) {
    let path = dir.join(path);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

struct Story {
    _dir: tempfile::TempDir,
    repo: std::path::PathBuf,
    github_token: String,
    slack_token: String,
    first: String,
    renamed: String,
    branch_commit: String,
}

/// main: add a token (Alice), rename the file, remove the token; branch
/// `feature` adds a Slack token (Bob) and is merged; main then deletes it.
fn story() -> Story {
    let dir = tempfile::tempdir().unwrap();
    let repo = dir.path().join("repo");
    std::fs::create_dir(&repo).unwrap();
    let mut random = Random::new(4);
    let github_token = expand("ghp_{alnum:36}", &mut random);
    let slack_token = expand("xoxb-{digit:12}-{digit:13}-{alnum:24}", &mut random);
    let run = |who: &Person, date: &str, args: &[&str]| git(&repo, who, date, args);
    run(&ALICE, "2024-01-01T09:00:00Z", &["init", "-q", "-b", "main"]);
    write(&repo, "README.md", "# service\n");
    write(
        &repo,
        "deploy/app.env",
        &format!("LOG_LEVEL=info\nGITHUB_TOKEN={github_token}\n"),
    );
    run(&ALICE, "2024-01-02T10:00:00Z", &["add", "."]);
    run(
        &ALICE,
        "2024-01-02T10:00:00Z",
        &["commit", "-q", "-m", "Add the deploy settings"],
    );
    let first = run(&ALICE, "2024-01-02T10:00:00Z", &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    run(
        &ALICE,
        "2024-01-03T10:00:00Z",
        &["mv", "deploy/app.env", "deploy/settings.env"],
    );
    run(
        &ALICE,
        "2024-01-03T10:00:00Z",
        &["commit", "-q", "-m", "Rename the settings"],
    );
    let renamed = run(&ALICE, "2024-01-03T10:00:00Z", &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    write(&repo, "deploy/settings.env", "LOG_LEVEL=info\n");
    run(
        &ALICE,
        "2024-01-04T10:00:00Z",
        &["commit", "-q", "-am", "Remove the token"],
    );
    run(&BOB, "2024-01-05T10:00:00Z", &["checkout", "-q", "-b", "feature"]);
    write(&repo, "notes/slack.txt", &format!("bot: {slack_token}\n"));
    run(&BOB, "2024-01-05T10:00:00Z", &["add", "."]);
    run(
        &BOB,
        "2024-01-05T10:00:00Z",
        &["commit", "-q", "-m", "Notes for the bot"],
    );
    let branch_commit = run(&BOB, "2024-01-05T10:00:00Z", &["rev-parse", "HEAD"])
        .trim()
        .to_string();
    run(&ALICE, "2024-01-06T10:00:00Z", &["checkout", "-q", "main"]);
    write(&repo, "README.md", "# service\n\nRuns the thing.\n");
    run(
        &ALICE,
        "2024-01-06T10:00:00Z",
        &["commit", "-q", "-am", "Describe the service"],
    );
    run(
        &ALICE,
        "2024-01-07T10:00:00Z",
        &["merge", "-q", "--no-ff", "-m", "Merge feature", "feature"],
    );
    run(&ALICE, "2024-01-08T10:00:00Z", &["rm", "-q", "notes/slack.txt"]);
    run(
        &ALICE,
        "2024-01-08T10:00:00Z",
        &["commit", "-q", "-m", "Drop the notes"],
    );
    Story {
        _dir: dir,
        repo,
        github_token,
        slack_token,
        first,
        renamed,
        branch_commit,
    }
}

fn scan(repo: &Path, revisions: &Revisions) -> HistoryScan {
    scan_history(repo, revisions, Catalogue::builtin(), &ScanOptions::default(), &Quiet).expect("history scan")
}

fn by_rule<'a>(findings: &'a [Finding], rule: &str) -> Vec<&'a Finding> {
    findings.iter().filter(|finding| finding.rule == rule).collect()
}

#[test]
fn secrets_removed_renamed_and_merged_are_found_at_the_commit_that_added_them() {
    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let story = story();
    let history = scan(&story.repo, &Revisions::default());
    assert_eq!(history.commits, 7);
    assert!(history.scan.errors.is_empty(), "{:?}", history.scan.errors);
    assert_eq!(history.scan.findings.len(), 2, "{:#?}", history.scan.findings);

    let github = by_rule(&history.scan.findings, "github-pat");
    assert_eq!(github.len(), 1, "the rename does not report the token again");
    let github = github[0];
    assert_eq!(&*github.location.path, "deploy/app.env");
    assert_eq!((github.location.line, github.location.column), (2, 14));
    let evidence = github.secret.as_ref().unwrap();
    let commit = evidence.commit.as_ref().unwrap();
    assert_eq!(commit.id, story.first);
    assert_eq!(commit.author, ALICE.name);
    assert_eq!(commit.email, ALICE.email);
    assert_eq!(commit.date, "2024-01-02T10:00:00+00:00");
    assert_eq!(commit.summary, "Add the deploy settings");
    assert!(evidence.value.is_none());
    assert!(!github.message.contains(&story.github_token));

    let slack = by_rule(&history.scan.findings, "slack-bot-token");
    assert_eq!(slack.len(), 1);
    assert_eq!(&*slack[0].location.path, "notes/slack.txt");
    assert_eq!(slack[0].location.line, 1);
    let commit = slack[0].secret.as_ref().unwrap().commit.as_ref().unwrap();
    assert_eq!(commit.id, story.branch_commit);
    assert_eq!(commit.author, BOB.name);
    assert!(!slack[0].message.contains(&story.slack_token));
}

#[test]
fn ranges_and_since_leave_out_older_commits_and_moves_are_not_new() {
    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let story = story();
    // After the first commit: the rename moves the token, it does not add it.
    let since = scan(
        &story.repo,
        &Revisions {
            since: Some(story.first.clone()),
            ..Revisions::default()
        },
    );
    assert_eq!(since.commits, 6);
    let rules: Vec<&str> = since.scan.findings.iter().map(|finding| &*finding.rule).collect();
    assert_eq!(rules, ["slack-bot-token"]);

    let range = scan(
        &story.repo,
        &Revisions {
            range: Some(format!("{}..{}", story.first, story.renamed)),
            ..Revisions::default()
        },
    );
    assert_eq!(range.commits, 1);
    assert!(range.scan.findings.is_empty(), "{:#?}", range.scan.findings);

    let up_to_first = scan(
        &story.repo,
        &Revisions {
            range: Some(story.first.clone()),
            ..Revisions::default()
        },
    );
    assert_eq!(up_to_first.commits, 1);
    assert_eq!(up_to_first.scan.findings.len(), 1);
    assert_eq!(up_to_first.scan.findings[0].rule, "github-pat");
}

#[test]
fn all_refs_reach_branches_that_head_does_not() {
    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let story = story();
    let run = |who: &Person, date: &str, args: &[&str]| git(&story.repo, who, date, args);
    run(
        &BOB,
        "2024-02-01T10:00:00Z",
        &["checkout", "-q", "-b", "unmerged", &story.first],
    );
    let mut random = Random::new(99);
    let key = expand("AKIA{upper:16}", &mut random);
    write(&story.repo, "aws.txt", &format!("aws_access_key_id = {key}\n"));
    run(&BOB, "2024-02-01T10:00:00Z", &["add", "."]);
    run(&BOB, "2024-02-01T10:00:00Z", &["commit", "-q", "-m", "Unmerged work"]);
    run(&BOB, "2024-02-01T10:00:00Z", &["checkout", "-q", "main"]);

    let head_only = scan(&story.repo, &Revisions::default());
    assert!(by_rule(&head_only.scan.findings, "aws-access-key-id").is_empty());
    let all = scan(
        &story.repo,
        &Revisions {
            all_refs: true,
            ..Revisions::default()
        },
    );
    assert_eq!(all.commits, 8);
    let aws = by_rule(&all.scan.findings, "aws-access-key-id");
    assert_eq!(aws.len(), 1, "{:#?}", all.scan.findings);
    assert_eq!(&*aws[0].location.path, "aws.txt");
}

#[test]
fn shallow_clones_and_missing_objects_are_reported_not_fatal() {
    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let story = story();
    let shallow = story.repo.parent().unwrap().join("shallow");
    let url = format!("file://{}", story.repo.display());
    git(
        story.repo.parent().unwrap(),
        &ALICE,
        "2024-03-01T10:00:00Z",
        &["clone", "-q", "--depth", "2", &url, shallow.to_str().unwrap()],
    );
    let history = scan(&shallow, &Revisions::default());
    assert_eq!(history.commits, 2);
    assert_eq!(history.scan.errors.len(), 1, "{:?}", history.scan.errors);
    assert!(history.scan.errors[0].message.contains("shallow clone"));
    assert!(history.scan.errors[0].path.starts_with("commit "));

    // A loose blob deleted under git's feet: one error naming it.
    let blob = git(
        &story.repo,
        &ALICE,
        "2024-03-01T10:00:00Z",
        &["rev-parse", "HEAD:README.md"],
    );
    let blob = blob.trim();
    std::fs::remove_file(story.repo.join(".git/objects").join(&blob[..2]).join(&blob[2..])).unwrap();
    let broken = scan(&story.repo, &Revisions::default());
    assert_eq!(broken.scan.findings.len(), 2);
    assert_eq!(broken.scan.errors.len(), 1, "{:?}", broken.scan.errors);
    assert_eq!(broken.scan.errors[0].path, "README.md");
    assert!(broken.scan.errors[0].message.contains(&blob[..12]));
}

#[test]
fn bad_repositories_and_revisions_are_clear_errors() {
    let empty = tempfile::tempdir().unwrap();
    let error = scan_history(
        empty.path(),
        &Revisions::default(),
        Catalogue::builtin(),
        &ScanOptions::default(),
        &Quiet,
    )
    .unwrap_err();
    assert!(error.subject.contains(&empty.path().display().to_string()), "{error}");

    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let story = story();
    let error = scan_history(
        &story.repo,
        &Revisions {
            range: Some("no-such-branch..main".into()),
            ..Revisions::default()
        },
        Catalogue::builtin(),
        &ScanOptions::default(),
        &Quiet,
    )
    .unwrap_err();
    assert_eq!(error.subject, "revision range 'no-such-branch..main'");
}

#[test]
fn commit_allowlists_of_a_gitleaks_configuration_let_history_findings_go() {
    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let story = story();
    let config_path = story.repo.parent().unwrap().join("gitleaks.toml");
    std::fs::write(
        &config_path,
        format!(
            "[extend]\nuseDefault = true\n\n[[allowlists]]\ncommits = [\"{}\"]\n",
            &story.branch_commit[..10]
        ),
    )
    .unwrap();
    let config = rampart_secrets::GitleaksConfig::load(&config_path, story.repo.parent().unwrap()).unwrap();
    let history = scan_history(
        &story.repo,
        &Revisions::default(),
        &config.catalogue,
        &ScanOptions::default(),
        &Quiet,
    )
    .expect("history scan");
    let rules: Vec<&str> = history.scan.findings.iter().map(|finding| &*finding.rule).collect();
    assert_eq!(rules, ["github-pat"]);
}
