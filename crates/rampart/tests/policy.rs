//! The team's Rego policies through the CLI: `rampart policy test`, and
//! `rampart scan --policy` with its findings going through exceptions,
//! waivers and the JSON like built-in ones.

mod common;

use std::path::{Path, PathBuf};

use common::{json, rampart_in};
use serde_json::Value;

fn examples() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/policy")
}

const MANIFESTS: &str = "\
apiVersion: v1
kind: Namespace
metadata:
  name: shop
---
apiVersion: v1
kind: Namespace
metadata:
  name: payments
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: default-deny
  namespace: payments
spec:
  podSelector: {}
  policyTypes: [Ingress, Egress]
";

fn policy_findings(report: &Value, rule: &str) -> Vec<(String, bool)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == rule)
        .map(|finding| {
            (
                finding["resource"]["name"].as_str().unwrap().to_string(),
                finding["suppressed"] == true,
            )
        })
        .collect()
}

#[test]
fn the_example_tests_pass_and_a_failing_test_fails_the_command() {
    let dir = tempfile::tempdir().unwrap();
    let examples = examples();
    let passed = rampart_in(dir.path(), &["policy", "test", examples.to_str().unwrap()]);
    assert_eq!(passed.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&passed.stdout).contains("9 passed, 0 failed"));

    std::fs::write(
        dir.path().join("p.rego"),
        "package main\n\nimport rego.v1\n\ndeny contains \"x\" if input.kind == \"Pod\"\n\ntest_pods_are_denied if {\n  count(deny) == 1 with input as {\"kind\": \"Service\"}\n}\n",
    )
    .unwrap();
    let failed = rampart_in(dir.path(), &["policy", "test", "."]);
    assert_eq!(failed.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&failed.stdout);
    assert!(stdout.contains("FAIL data.main.test_pods_are_denied"), "{stdout}");

    std::fs::write(
        dir.path().join("p.rego"),
        "package main\n\ndeny contains msg if {\n  msg := \n}\n",
    )
    .unwrap();
    let broken = rampart_in(dir.path(), &["policy", "test", "."]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("p.rego:4:"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}

#[test]
fn an_inventory_policy_fires_and_an_exception_suppresses_it() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/namespaces.yaml"), MANIFESTS).unwrap();
    let examples = examples();
    let policy = examples.to_str().unwrap();

    let output = rampart_in(
        dir.path(),
        &["scan", "deploy", "--no-secrets", "--policy", policy, "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(
        policy_findings(&report, "namespace-has-network-policy"),
        [("shop".to_string(), false)]
    );
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "namespace-has-network-policy")
        .unwrap();
    assert_eq!(finding["location"]["path"], "deploy/namespaces.yaml");
    assert_eq!(finding["location"]["line"], 1);
    assert_eq!(finding["controls"], serde_json::json!(["network"]));

    std::fs::create_dir_all(dir.path().join(".rampart")).unwrap();
    std::fs::write(
        dir.path().join(".rampart/exceptions.yaml"),
        "- id: shop-netpol\n  rules: [namespace-has-network-policy]\n  match: {kind: Namespace, name: shop}\n  justification: policies live in the platform repository\n  compensating_controls: [platform default-deny]\n  owner: team-platform\n  approved_by: security\n  expires: 2099-01-01\n",
    )
    .unwrap();
    let output = rampart_in(
        dir.path(),
        &["scan", "deploy", "--no-secrets", "--policy", policy, "-f", "json"],
    );
    let report = json(&output);
    assert_eq!(
        policy_findings(&report, "namespace-has-network-policy"),
        [("shop".to_string(), true)]
    );
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["rule"] != "exception-unused")
    );
}

#[test]
fn policies_come_from_rampart_toml_and_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::create_dir_all(dir.path().join("policy")).unwrap();
    std::fs::write(dir.path().join("deploy/namespaces.yaml"), MANIFESTS).unwrap();
    std::fs::write(
        dir.path().join("policy/ns.rego"),
        "package team\n\nimport rego.v1\n\nwarn contains msg if {\n  input.kind == \"Namespace\"\n  msg := sprintf(\"namespace %s needs a cost-center label\", [input.metadata.name])\n}\n",
    )
    .unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "policies = [\"policy\"]\n\n[policy]\nnamespace = \"team\"\n",
    )
    .unwrap();
    let report = json(&rampart_in(
        dir.path(),
        &["scan", "deploy", "--no-secrets", "-f", "json"],
    ));
    let warned = policy_findings(&report, "policy.team.warn");
    assert_eq!(warned, [("shop".to_string(), false), ("payments".to_string(), false)]);

    std::fs::write(
        dir.path().join("policy/broken.rego"),
        "package team\n\nwarn contains msg if {\n  msg :=\n}\n",
    )
    .unwrap();
    let output = rampart_in(dir.path(), &["scan", "deploy", "--no-secrets", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let error = &report["errors"][0];
    assert!(error["path"].as_str().unwrap().ends_with("broken.rego"), "{error}");
    assert_eq!(error["line"], 4);
    assert!(report["summary"]["objects"].as_u64().unwrap() > 0, "the scan went on");
}
