//! No output format shows a secret in full, whichever command found it:
//! `secrets` on files, history and the index, `scan` on manifests, and the
//! baseline file. The formats are read from `--help`, so a new one is
//! covered the day it is added. `--show-secrets` is the one way to see them.

mod common;

use std::path::Path;
use std::process::Command;

use common::rampart_in;

fn git(dir: &Path, args: &[&str]) -> bool {
    Command::new("git")
        .args(args)
        .current_dir(dir)
        .env("GIT_AUTHOR_NAME", "R")
        .env("GIT_AUTHOR_EMAIL", "r@example.org")
        .env("GIT_COMMITTER_NAME", "R")
        .env("GIT_COMMITTER_EMAIL", "r@example.org")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("HOME", dir)
        .output()
        .is_ok_and(|output| output.status.success())
}

/// The values `--format` takes, from the command's help.
fn formats(dir: &Path, command: &str) -> Vec<String> {
    let help = String::from_utf8(rampart_in(dir, &[command, "-h"]).stdout).unwrap();
    let start = help.find("--format").expect("a --format option");
    let values = &help[start..];
    let open = values.find("[possible values: ").expect("possible values listed") + "[possible values: ".len();
    let close = open + values[open..].find(']').unwrap();
    values[open..close].split(", ").map(str::to_string).collect()
}

/// Secrets built at run time, and files that hold them.
fn secrets() -> Vec<String> {
    vec![
        format!("ghp_{}", "Wm4kQ8zR2tY6uI0oP3aS7dF1gH5jK9lZ2xC4"),
        format!("sk_live_{}", "51HxQv2eZvKYlo2C8rT4mN6bV9cX3zA1"),
        format!(
            "xoxb-{}-{}-{}",
            "123456789012", "1234567890123", "AbCdEfGhIjKlMnOpQrStUvWx"
        ),
        format!("{}{}", "S3cr3tPassw0rd", "ForTheDatabase9"),
    ]
}

fn assert_hidden(what: &str, output: &[u8], secrets: &[String]) {
    let text = String::from_utf8_lossy(output);
    for secret in secrets {
        let tail = &secret[secret.len() - 10..];
        assert!(!text.contains(secret.as_str()), "{what}: shows {secret}\n{text}");
        assert!(!text.contains(tail), "{what}: shows the end of {secret}\n{text}");
    }
}

#[test]
fn no_format_of_any_command_prints_a_secret_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path();
    let planted = secrets();
    std::fs::write(
        root.join("app.env"),
        format!("GITHUB_TOKEN={}\nSTRIPE_KEY={}\n", planted[0], planted[1]),
    )
    .unwrap();
    std::fs::write(
        root.join("deploy.yaml"),
        format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  namespace: shop\ndata:\n  SLACK_TOKEN: {}\n  DB_PASSWORD: \"{}\"\n",
            planted[2], planted[3]
        ),
    )
    .unwrap();
    let have_git =
        git(root, &["init", "-q", "-b", "main"]) && git(root, &["add", "."]) && git(root, &["commit", "-q", "-m", "c"]);

    let secrets_formats = formats(root, "secrets");
    assert!(secrets_formats.contains(&"json".to_string()), "{secrets_formats:?}");
    for format in &secrets_formats {
        let mut runs: Vec<(String, Vec<&str>)> = vec![("files".into(), vec!["secrets", ".", "--format", format])];
        if have_git {
            runs.push(("history".into(), vec!["secrets", "--git", "--format", format]));
        }
        for (what, args) in runs {
            let output = rampart_in(root, &args);
            assert_eq!(
                output.status.code(),
                Some(1),
                "{what} {format}: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            assert_hidden(&format!("secrets {what} --format {format}"), &output.stdout, &planted);
            assert_hidden(
                &format!("secrets {what} --format {format} (stderr)"),
                &output.stderr,
                &planted,
            );
        }
    }
    for format in formats(root, "scan") {
        let output = rampart_in(root, &["scan", "deploy.yaml", "--format", &format, "--fail-on", "low"]);
        assert_eq!(output.status.code(), Some(1), "scan {format}");
        assert_hidden(&format!("scan --format {format}"), &output.stdout, &planted);
    }
    if have_git {
        std::fs::write(root.join("new.env"), format!("TOKEN={}\n", planted[0])).unwrap();
        assert!(git(root, &["add", "new.env"]));
        let staged = rampart_in(root, &["secrets", "--staged", "--format", "json"]);
        assert_eq!(staged.status.code(), Some(1));
        assert_hidden("secrets --staged", &staged.stdout, &planted);
    }

    let written = rampart_in(root, &["secrets", "app.env", "--write-baseline", "baseline.json"]);
    assert_eq!(written.status.code(), Some(0));
    assert_hidden(
        "baseline file",
        &std::fs::read(root.join("baseline.json")).unwrap(),
        &planted,
    );

    // The one way to see them.
    let shown = rampart_in(root, &["secrets", "app.env", "--format", "json", "--show-secrets"]);
    let text = String::from_utf8_lossy(&shown.stdout);
    assert!(text.contains(&planted[0]) && text.contains(&planted[1]), "{text}");
}

/// A literal credential in an env value is described by its shape and the
/// secrets engine's verdict, never shown.
#[test]
fn literal_env_credentials_show_their_shape_and_the_engines_verdict() {
    let dir = tempfile::tempdir().unwrap();
    let token = "ghp_R4nd0mT0k3nV4lu3F0rT3st1ngOnly012345";
    std::fs::write(
        dir.path().join("pod.yaml"),
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: a}}\nspec:\n  containers:\n  - name: a\n    image: x\n    env:\n    - name: GITHUB_TOKEN\n      value: {token}\n    - name: DB_PASSWORD\n      value: correct-horse-battery\n"
        ),
    )
    .unwrap();
    let output = rampart_in(dir.path(), &["scan", "pod.yaml", "-f", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let messages: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "no-literal-secret-env")
        .map(|finding| finding["message"].as_str().unwrap())
        .collect();
    assert_eq!(messages.len(), 2, "{report:#}");
    assert!(messages[0].contains("40 characters"), "{}", messages[0]);
    assert!(
        messages[0].contains("the secrets engine matches it as `github-pat`"),
        "{}",
        messages[0]
    );
    assert!(messages[1].contains("knows no credential format"), "{}", messages[1]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        !text.contains(token) && !text.contains("correct-horse"),
        "a secret leaked"
    );
}
