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

fn fake_aws_key_id() -> String {
    format!("AKIA{}", "QX7RZ2M4KD6WT5BN")
}

#[test]
fn a_baseline_accepts_todays_findings_without_holding_them() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake_github_token();
    write(dir.path(), "app/.env", &format!("GITHUB_TOKEN={token}\n"));
    let folder = dir.path().join("app").display().to_string();
    let baseline = dir.path().join(".rampart/secrets-baseline.json");
    let baseline_arg = baseline.display().to_string();

    let written = rampart(&["secrets", &folder, "--write-baseline", &baseline_arg]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let file = std::fs::read_to_string(&baseline).unwrap();
    assert!(!file.contains(&token), "{file}");
    assert!(!file.contains(&token[4..12]), "{file}");
    let stored: Value = serde_json::from_str(&file).unwrap();
    assert_eq!(stored["kind"], "rampart-baseline");
    assert_eq!(stored["key"].as_str().unwrap().len(), 64);
    assert_eq!(stored["findings"].as_array().unwrap().len(), 1);
    assert_eq!(stored["findings"][0]["rule"], "github-pat");

    // Lines move: the accepted token stays accepted, shown as suppressed.
    write(dir.path(), "app/.env", &format!("# moved\n\nGITHUB_TOKEN={token}\n"));
    let accepted = rampart(&["secrets", &folder, "--baseline", &baseline_arg, "-f", "json"]);
    assert_eq!(accepted.status.code(), Some(0));
    let report = json(&accepted);
    assert_eq!(report["summary"]["suppressed"], 1);
    let finding = &report["findings"][0];
    assert_eq!(finding["suppressed"], true);
    assert!(finding["suppression_reason"].as_str().unwrap().contains("in baseline"));
    assert_eq!(finding["secret"]["fingerprint"], stored["findings"][0]["fingerprint"]);

    // A new key fails, alone.
    let key = fake_aws_key_id();
    write(dir.path(), "app/aws.ini", &format!("aws_access_key_id = {key}\n"));
    let new = rampart(&["secrets", &folder, "--baseline", &baseline_arg, "-f", "json"]);
    assert_eq!(new.status.code(), Some(1));
    let report = json(&new);
    let open: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["suppressed"] == false)
        .collect();
    assert_eq!(open.len(), 1, "{open:#?}");
    assert_eq!(open[0]["rule"], "aws-access-key-id");

    // Rewriting keeps the key, so old fingerprints stay comparable.
    let rewritten = rampart(&["secrets", &folder, "--write-baseline", &baseline_arg]);
    assert_eq!(rewritten.status.code(), Some(0));
    let again: Value = serde_json::from_str(&std::fs::read_to_string(&baseline).unwrap()).unwrap();
    assert_eq!(again["key"], stored["key"]);
    assert_eq!(again["findings"].as_array().unwrap().len(), 2);
    assert!(!std::fs::read_to_string(&baseline).unwrap().contains(&key));

    // A broken baseline is an error that names it.
    std::fs::write(&baseline, "{ not json").unwrap();
    let broken = rampart(&["secrets", &folder, "--baseline", &baseline_arg]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&broken.stderr).contains("secrets-baseline.json"));
}

#[test]
fn a_gitleaks_configuration_brings_its_rules_and_allowlists() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join(".gitleaks.toml");
    std::fs::write(
        &config,
        r#"
[extend]
useDefault = true

[[rules]]
id = "acme-token"
description = "ACME token"
regex = '''acme_[a-z0-9]{24}'''
keywords = ["acme_"]

[allowlist]
paths = ['''(^|/)fixtures/''']
"#,
    )
    .unwrap();
    let acme = format!("acme_{}", "q8w7e6r5t4y3u2i1o9p8a7s6");
    let token = fake_github_token();
    write(
        dir.path(),
        "src/app.env",
        &format!("ACME={acme}\nGITHUB_TOKEN={token}\n"),
    );
    write(dir.path(), "src/fixtures/app.env", &format!("ACME={acme}\n"));
    let config_arg = config.display().to_string();
    let folder = dir.path().join("src").display().to_string();

    let output = rampart(&["secrets", &folder, "--config", &config_arg, "-f", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let mut found: Vec<(String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_string(),
                f["location"]["path"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    found.sort();
    assert_eq!(found.len(), 2, "{found:?}");
    assert_eq!(found[0].0, "acme-token");
    assert!(found[0].1.ends_with("src/app.env"));
    assert_eq!(found[1].0, "github-pat");
    assert!(!String::from_utf8_lossy(&output.stdout).contains(&acme));

    std::fs::write(&config, "[[rules]]\nid = \"x\"\nregex = '''(unclosed'''\n").unwrap();
    let broken = rampart(&["secrets", &folder, "--config", &config_arg]);
    assert_eq!(broken.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&broken.stderr);
    assert!(stderr.contains(".gitleaks.toml:2:"), "{stderr}");
}

#[test]
fn a_token_in_two_environments_folders_is_shared_and_the_scan_says_where() {
    let dir = tempfile::tempdir().unwrap();
    let token = fake_github_token();
    // Secret manifests, which `scan` searches as well as `secrets`.
    let secret = |blank: &str| {
        format!("{blank}apiVersion: v1\nkind: Secret\nmetadata: {{name: app}}\nstringData:\n  GITHUB_TOKEN: {token}\n")
    };
    write(dir.path(), "k8s/overlays/dev/app.yaml", &secret(""));
    write(dir.path(), "k8s/overlays/production/app.yaml", &secret("# prod\n"));
    write(dir.path(), "k8s/base/app.yaml", &secret(""));
    let root = dir.path().to_str().unwrap();
    for command in [&["secrets", root, "-f", "json"][..], &["scan", root, "-f", "json"][..]] {
        let output = rampart(command);
        let text = String::from_utf8_lossy(&output.stdout).to_string();
        assert!(!text.contains(&token), "{command:?} printed the token");
        let report = json(&output);
        let shared: Vec<(String, u64)> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["rule"] == "secret-shared-across-environments")
            .map(|finding| {
                let path = finding["location"]["path"].as_str().unwrap();
                (
                    path.strip_prefix(root).unwrap_or(path).to_string(),
                    finding["location"]["line"].as_u64().unwrap(),
                )
            })
            .collect();
        // The base belongs to no environment: not compared.
        assert_eq!(
            shared,
            [
                ("/k8s/overlays/dev/app.yaml".to_string(), 5),
                ("/k8s/overlays/production/app.yaml".to_string(), 6)
            ],
            "{command:?}"
        );
    }
    // One environment alone shares nothing.
    std::fs::remove_file(dir.path().join("k8s/overlays/dev/app.yaml")).unwrap();
    let report = json(&rampart(&["secrets", root, "-f", "json"]));
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "secret-shared-across-environments")
    );
}
