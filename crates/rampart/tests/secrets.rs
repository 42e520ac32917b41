//! `rampart secrets` and the secrets engine inside `rampart scan`, as users
//! run them: findings at file:line, redaction in every format, decoding,
//! inline allows, exit codes. The fake credentials are built at run time so
//! the repository holds none.

use std::io::Write;
use std::path::Path;
use std::process::{Command, Output, Stdio};

use serde_json::Value;

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .output()
        .expect("rampart runs")
}

fn json(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout)
        .unwrap_or_else(|e| panic!("not JSON ({e}): {}", String::from_utf8_lossy(&output.stdout)))
}

/// A format-valid GitHub token that no one issued.
fn fake_github_token() -> String {
    format!("ghp_{}", "Zq3kV9pL2xR7mN4tB8wYc5Hj6Df1Gs0Ka9Qe")
}

fn write(dir: &Path, name: &str, content: &str) {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, content).unwrap();
}

#[test]
fn a_token_is_found_at_its_line_and_never_printed_in_full() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake_github_token();
    write(
        dir.path(),
        ".env",
        &format!("# deploy settings\nGITHUB_TOKEN={token}\nREGION=eu\n"),
    );
    let folder = dir.path().display().to_string();

    let text = rampart(&["secrets", &folder]);
    assert_eq!(text.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("2:14"), "{stdout}");
    assert!(stdout.contains("github-pat"), "{stdout}");
    assert!(stdout.contains("ghp_…(40 chars)"), "{stdout}");

    let report = json(&rampart(&["secrets", &folder, "--format", "json"]));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    let finding = &findings[0];
    assert_eq!(finding["rule"], "github-pat");
    assert_eq!(finding["location"]["line"], 2);
    assert_eq!(finding["location"]["column"], 14);
    assert!(finding["location"]["path"].as_str().unwrap().ends_with(".env"));
    assert_eq!(finding["controls"][0], "secrets");
    assert_eq!(finding["secret"]["redacted"], "ghp_…(40 chars)");
    assert_eq!(finding["secret"]["fingerprint"].as_str().unwrap().len(), 32);
    assert!(finding["secret"].get("value").is_none());

    for output in [&text, &rampart(&["secrets", &folder, "--format", "json"])] {
        let all = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(!all.contains(&token), "the token leaked into the output");
        assert!(!all.contains(&token[4..20]), "part of the token leaked into the output");
    }

    let shown = json(&rampart(&["secrets", &folder, "--format", "json", "--show-secrets"]));
    assert_eq!(shown["findings"][0]["secret"]["value"], token.as_str());
}

#[test]
fn a_clean_tree_passes_and_standard_input_is_read() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "app/config.yaml",
        "password: ${DB_PASSWORD}\ntoken: <your-token>\n",
    );
    let clean = rampart(&["secrets", &dir.path().display().to_string()]);
    assert_eq!(
        clean.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&clean.stdout)
    );

    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["secrets", "-", "--format", "json"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let token = fake_github_token();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("x = 1\ntoken = \"{token}\"\n").as_bytes())
        .unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["findings"][0]["location"]["path"], "<stdin>");
    assert_eq!(report["findings"][0]["location"]["line"], 2);
}

#[test]
fn inline_allows_binary_files_and_gitignore_are_honoured() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake_github_token();
    write(dir.path(), "allowed.env", &format!("TOKEN={token} # rampart:allow\n"));
    write(dir.path(), "ignored/secret.env", &format!("TOKEN={token}\n"));
    write(dir.path(), ".gitignore", "ignored/\n");
    std::fs::write(dir.path().join("blob.bin"), [&b"\0\0\0"[..], token.as_bytes()].concat()).unwrap();
    let report = json(&rampart(&[
        "secrets",
        &dir.path().display().to_string(),
        "--format",
        "json",
    ]));
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report:#}");
    assert_eq!(report["summary"]["skipped_files"], 1);
}

#[test]
fn base64_values_of_kubernetes_secrets_are_decoded() {
    use base64::Engine;
    let dir = tempfile::tempdir().unwrap();
    let token = fake_github_token();
    let encoded = base64::engine::general_purpose::STANDARD.encode(&token);
    write(
        dir.path(),
        "secret.yaml",
        &format!("apiVersion: v1\nkind: Secret\nmetadata:\n  name: ci\ndata:\n  token: {encoded}\n"),
    );
    let report = json(&rampart(&[
        "secrets",
        &dir.path().display().to_string(),
        "--format",
        "json",
    ]));
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["rule"], "github-pat");
    assert_eq!(findings[0]["location"]["line"], 6);
    assert_eq!(findings[0]["location"]["column"], 10);
    assert_eq!(findings[0]["secret"]["decoded"], "base64");
    assert!(
        !String::from_utf8_lossy(&rampart(&["secrets", &dir.path().display().to_string()]).stdout).contains(&encoded)
    );
}

#[test]
fn the_manifest_scan_reports_leaks_with_their_object() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake_github_token();
    write(
        dir.path(),
        "job.yaml",
        &format!(
            "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: ci\n  namespace: build\ndata:\n  notes: \"use {token} for the mirror\"\n"
        ),
    );
    let folder = dir.path().display().to_string();
    let report = json(&rampart(&["scan", &folder, "--format", "json"]));
    let leak = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "github-pat")
        .unwrap_or_else(|| panic!("{report:#}"));
    assert_eq!(leak["location"]["line"], 7);
    assert_eq!(leak["resource"]["kind"], "ConfigMap");
    assert_eq!(leak["resource"]["name"], "ci");
    let without = json(&rampart(&["scan", &folder, "--format", "json", "--no-secrets"]));
    assert!(
        !without["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "github-pat")
    );
}
