//! `rampart secrets --staged` and `--git` as a pre-commit hook and a CI job
//! run them, on repositories made here with the git command.

mod common;

use common::{git, git_available, rampart_in};
use serde_json::Value;

fn stripe_key() -> String {
    format!("sk_live_{}", "4eC39HqLyjWDarjtT1zdp7dcTYooMQauvdEDq5")
}

fn slack_webhook() -> String {
    format!(
        "https://hooks.slack.com/services/{}/{}/{}",
        "T0A1B2C3D", "B0E4F5G6H", "xQ9mZ2kL7pR4tV8wY3nB6cJ1"
    )
}

/// A repository whose HEAD already holds a Stripe key in `app/settings.py`.
fn repository() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    git(root, &["init", "-q", "-b", "main"]);
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(
        root.join("app/settings.py"),
        format!("DEBUG = False\nSTRIPE_KEY = \"{}\"\n", stripe_key()),
    )
    .unwrap();
    git(root, &["add", "."]);
    git(root, &["commit", "-q", "-m", "Settings"]);
    dir
}

#[test]
fn staged_reports_only_secrets_the_change_adds() {
    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let dir = repository();
    let root = dir.path();

    // Nothing staged: nothing to report, although HEAD holds a key.
    let clean = rampart_in(root, &["secrets", "--staged"]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );

    // An edit elsewhere in the file with the old key: still nothing new.
    std::fs::write(
        root.join("app/settings.py"),
        format!("DEBUG = True\nSTRIPE_KEY = \"{}\"\n", stripe_key()),
    )
    .unwrap();
    git(root, &["add", "app/settings.py"]);
    let edit = rampart_in(root, &["secrets", "--staged"]);
    assert_eq!(edit.status.code(), Some(0), "{}", String::from_utf8_lossy(&edit.stdout));

    // A new file with a webhook, staged; and one with a key, not staged.
    std::fs::write(
        root.join("notify.sh"),
        format!("#!/bin/sh\ncurl -X POST {}\n", slack_webhook()),
    )
    .unwrap();
    git(root, &["add", "notify.sh"]);
    std::fs::write(root.join("unstaged.env"), format!("STRIPE={}\n", stripe_key())).unwrap();
    let added = rampart_in(root, &["secrets", "--staged"]);
    assert_eq!(added.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&added.stdout);
    let lines: Vec<&str> = stdout.lines().collect();
    let file = lines
        .iter()
        .position(|line| *line == "notify.sh")
        .expect("names the file");
    assert!(lines[file + 1].trim_start().starts_with("2:14"), "{stdout}");
    assert!(lines[file + 1].contains("slack-webhook-url"), "{stdout}");
    assert!(!stdout.contains("unstaged.env"), "{stdout}");
    assert!(!stdout.contains("settings.py"), "{stdout}");
    assert!(!stdout.contains(&slack_webhook()), "{stdout}");

    let report: Value =
        serde_json::from_slice(&rampart_in(root, &["secrets", "--staged", "-f", "json"]).stdout).unwrap();
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["location"]["path"], "notify.sh");
    assert_eq!(findings[0]["location"]["line"], 2);
    assert!(findings[0]["secret"]["commit"].is_null());
}

#[test]
fn git_history_findings_name_the_commit_in_json_and_text() {
    if !git_available() {
        eprintln!("skipped: no git command");
        return;
    }
    let dir = repository();
    let root = dir.path();
    git(root, &["rm", "-q", "app/settings.py"]);
    git(root, &["commit", "-q", "-m", "Remove the settings"]);

    let tree = rampart_in(root, &["secrets", "."]);
    assert_eq!(tree.status.code(), Some(0), "the key is gone from the tree");

    let output = rampart_in(root, &["secrets", "--git", "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["summary"]["commits"], 2);
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "stripe-secret-key");
    assert_eq!(findings[0]["location"]["path"], "app/settings.py");
    assert_eq!(findings[0]["location"]["line"], 2);
    let commit = &findings[0]["secret"]["commit"];
    assert_eq!(commit["author"], "Dana Dev");
    assert_eq!(commit["summary"], "Settings");
    assert_eq!(commit["date"], "2025-05-05T12:00:00+00:00");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&stripe_key()));

    let text = rampart_in(root, &["secrets", "--git"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("commit: "), "{stdout}");
    assert!(stdout.contains("from 2 commits"), "{stdout}");

    let bad = rampart_in(root, &["secrets", "--git", "--since", "no-such-ref"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no-such-ref"));
}
