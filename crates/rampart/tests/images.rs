//! `rampart images gate` on the scanners' own reports
//! (`../shared/corpus/vuln-reports/`, skipped when absent) and on reports
//! written here: findings per vulnerability, VEX, exceptions, exit codes.

mod common;

use std::path::{Path, PathBuf};

use common::{json, rampart_in, write_file};

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/vuln-reports");
    if path.is_dir() {
        Some(path.canonicalize().unwrap())
    } else {
        println!("skipped: ../shared/corpus is absent");
        None
    }
}

fn rules_of(report: &serde_json::Value, rule: &str) -> Vec<serde_json::Value> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == rule)
        .cloned()
        .collect()
}

#[test]
fn trivys_alpine_report_fails_on_its_two_criticals_and_exceptions_accept_them() {
    let Some(corpus) = corpus() else {
        return;
    };
    let alpine = corpus.join("trivy/alpine-39.json.golden");
    let alpine = alpine.to_str().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = rampart_in(
        dir.path(),
        &["images", "gate", alpine, "--fail-on", "critical", "-f", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let vulnerabilities = rules_of(&report, "image-vulnerability");
    let mut severities: Vec<&str> = vulnerabilities
        .iter()
        .map(|f| f["severity"].as_str().unwrap())
        .collect();
    severities.sort();
    // SOURCE.md: 2 CRITICAL + 4 MEDIUM.
    assert_eq!(
        severities,
        ["critical", "critical", "medium", "medium", "medium", "medium"]
    );
    // Each points at the report line that lists it.
    let text = std::fs::read_to_string(corpus.join("trivy/alpine-39.json.golden")).unwrap();
    for finding in &vulnerabilities {
        let line = finding["location"]["line"].as_u64().unwrap() as usize;
        let id = finding["field"].as_str().unwrap().split(':').next().unwrap();
        assert!(text.lines().nth(line - 1).unwrap().contains(id), "{finding:#}");
    }
    // Scanned in 2021: stale.
    assert_eq!(rules_of(&report, "image-report-stale").len(), 1);

    // The musl criticals accepted, dated and owned: the gate passes.
    write_file(
        dir.path(),
        ".rampart/exceptions.yaml",
        "- id: musl-2019\n  rules: [image-vulnerability]\n  match: {vulnerability: CVE-2019-14697, image: \"testdata/fixtures/images/*\"}\n  justification: no dynamic loading in this image\n  compensating_controls: [read-only root filesystem]\n  owner: team-base\n  approved_by: security\n  expires: 2099-01-01\n",
    );
    let output = rampart_in(
        dir.path(),
        &["images", "gate", alpine, "--fail-on", "critical", "-f", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let excepted: Vec<serde_json::Value> = rules_of(&json(&output), "image-vulnerability")
        .into_iter()
        .filter(|finding| finding["suppressed"] == true)
        .collect();
    assert_eq!(excepted.len(), 2);
}

#[test]
fn grype_report_with_vex_and_a_trivyignore() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "grype.json",
        r#"{"matches": [
  {"vulnerability": {"id": "CVE-2023-1255", "severity": "High", "fix": {"versions": [], "state": "not-fixed"}},
   "artifact": {"name": "libssl3", "version": "3.0.8-r3", "purl": "pkg:apk/alpine/libssl3@3.0.8-r3?arch=x86_64"}},
  {"vulnerability": {"id": "CVE-2023-9999", "severity": "Critical", "fix": {"versions": ["2.0"], "state": "fixed"}},
   "artifact": {"name": "busybox", "version": "1.0", "purl": "pkg:apk/alpine/busybox@1.0"}}],
 "source": {"type": "image", "target": {"userInput": "alpine:3.17", "manifestDigest": "sha256:124c"}},
 "descriptor": {"name": "grype", "version": "0.92.0", "timestamp": "2099-01-01T00:00:00Z"}}"#,
    );
    write_file(
        dir.path(),
        "vex.json",
        r#"{"@context": "https://openvex.dev/ns/v0.2.0", "author": "Alpine", "statements": [
  {"vulnerability": {"name": "CVE-2023-1255"}, "products": [{"@id": "pkg:oci/alpine@sha256%3A124c",
   "subcomponents": [{"@id": "pkg:apk/alpine/libssl3@3.0.8-r3"}]}], "status": "not_affected",
   "justification": "vulnerable_code_not_in_execute_path"}]}"#,
    );
    write_file(dir.path(), ".trivyignore", "CVE-2023-9999\n");
    let output = rampart_in(
        dir.path(),
        &[
            "images",
            "gate",
            "grype.json",
            "--vex",
            "vex.json",
            "--trivyignore",
            ".trivyignore",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let vulnerabilities = rules_of(&report, "image-vulnerability");
    let by_id = |id: &str| {
        vulnerabilities
            .iter()
            .find(|finding| finding["field"].as_str().unwrap().starts_with(id))
            .unwrap()
            .clone()
    };
    let libssl = by_id("CVE-2023-1255");
    assert_eq!(libssl["suppressed"], true);
    assert_eq!(
        libssl["suppression_reason"],
        "VEX not_affected (vulnerable_code_not_in_execute_path) by Alpine"
    );
    assert_eq!(libssl["resource"]["name"], "alpine@sha256:124c");
    // The ignore file sets nothing aside: the critical stands, and the
    // line is a finding of its own.
    assert_eq!(by_id("CVE-2023-9999")["suppressed"], false);
    let ignored = rules_of(&report, "trivyignore-undated");
    assert_eq!(ignored.len(), 1);
    assert_eq!(ignored[0]["location"]["line"], 1);
    assert!(rules_of(&report, "image-report-stale").is_empty());
}

#[test]
fn a_sarif_report_is_gated_as_a_fallback_and_says_so() {
    let Some(corpus) = corpus() else {
        return;
    };
    let sarif = corpus.join("trivy/alpine-310.sarif.golden");
    let dir = tempfile::tempdir().unwrap();
    let output = rampart_in(
        dir.path(),
        &[
            "images",
            "gate",
            sarif.to_str().unwrap(),
            "-f",
            "json",
            "--fail-on",
            "critical",
        ],
    );
    let report = json(&output);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("alpine-310.sarif.golden: read from SARIF as a fallback"),
        "{stderr}"
    );
    let vulnerabilities = rules_of(&report, "image-vulnerability");
    assert_eq!(vulnerabilities.len(), 4, "{report:#}");
    // Each at its result's `ruleId` line, not at its rule's.
    let text = std::fs::read_to_string(&sarif).unwrap();
    let first = &vulnerabilities[0];
    let line = first["location"]["line"].as_u64().unwrap() as usize;
    assert!(
        text.lines()
            .nth(line - 1)
            .unwrap()
            .contains("\"ruleId\": \"CVE-2019-1549\""),
        "{first:#}"
    );
    // No scan time in this SARIF: the report's age is unknown, which is itself a finding.
    assert_eq!(rules_of(&report, "image-report-stale").len(), 1);
}

#[test]
fn with_manifests_the_vulnerabilities_land_on_the_workloads_running_the_image() {
    let dir = tempfile::tempdir().unwrap();
    let digest = format!("sha256:{}", "ab".repeat(32));
    write_file(
        dir.path(),
        "shop.json",
        &format!(
            r#"{{"SchemaVersion": 2, "CreatedAt": "2099-01-01T00:00:00Z", "ArtifactName": "ghcr.io/acme/shop:1.4.2",
 "Metadata": {{"RepoTags": ["ghcr.io/acme/shop:1.4.2"], "RepoDigests": ["ghcr.io/acme/shop@{digest}"]}},
 "Results": [{{"Target": "shop", "Vulnerabilities": [
   {{"VulnerabilityID": "CVE-2024-1", "PkgName": "openssl", "InstalledVersion": "3.0.1", "FixedVersion": "3.0.2",
    "Status": "fixed", "Severity": "CRITICAL"}}]}}]}}"#
        ),
    );
    write_file(
        dir.path(),
        "deploy/apps.yaml",
        &format!(
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {{name: shop, namespace: prod}}\nspec:\n  template:\n    spec:\n      containers:\n      - name: shop\n        image: ghcr.io/acme/shop@{digest}\n      - name: proxy\n        image: envoyproxy/envoy:v1.30.0\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {{name: report, namespace: prod}}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          containers:\n          - name: report\n            image: ghcr.io/acme/shop:1.4.2\n"
        ),
    );
    let output = rampart_in(
        dir.path(),
        &["images", "gate", "shop.json", "--manifests", "deploy", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let placed: Vec<(String, u64, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["location"]["line"].as_u64().unwrap(),
                finding["container"].as_str().unwrap_or("").to_string(),
            )
        })
        .collect();
    assert_eq!(
        placed,
        [
            ("image-vulnerability".to_string(), 9, "shop".to_string()),
            ("image-not-scanned".to_string(), 11, "proxy".to_string()),
            ("image-vulnerability".to_string(), 23, "report".to_string()),
        ]
    );
    let by_tag = &report["findings"][2];
    assert!(
        by_tag["message"].as_str().unwrap().contains("matched by tag"),
        "{by_tag:#}"
    );
    assert_eq!(report["findings"][0]["resource"]["kind"], "Deployment");
    assert_eq!(report["summary"]["workloads"], 2);

    // An exception by image glob still applies where the finding moved.
    write_file(
        dir.path(),
        ".rampart/exceptions.yaml",
        "- id: shop-openssl\n  rules: [image-vulnerability]\n  match: {vulnerability: CVE-2024-1, image: \"ghcr.io/acme/*\"}\n  justification: TLS ends at the mesh\n  compensating_controls: [mesh mTLS]\n  owner: team-shop\n  approved_by: security\n  expires: 2099-01-01\n",
    );
    let report = json(&rampart_in(
        dir.path(),
        &["images", "gate", "shop.json", "--manifests", "deploy", "-f", "json"],
    ));
    let vulnerable: Vec<bool> = rules_of(&report, "image-vulnerability")
        .iter()
        .map(|finding| finding["suppressed"].as_bool().unwrap())
        .collect();
    assert_eq!(vulnerable, [true, true]);
}

#[test]
fn the_ci_gate_takes_image_reports_onto_its_manifests() {
    let dir = tempfile::tempdir().unwrap();
    let digest = format!("sha256:{}", "cd".repeat(32));
    write_file(
        dir.path(),
        "reports/shop.json",
        &format!(
            r#"{{"SchemaVersion": 2, "CreatedAt": "2099-01-01T00:00:00Z", "ArtifactName": "ghcr.io/acme/shop@{digest}",
 "Metadata": {{"RepoDigests": ["ghcr.io/acme/shop@{digest}"]}},
 "Results": [{{"Target": "shop", "Vulnerabilities": [
   {{"VulnerabilityID": "CVE-2024-7", "PkgName": "glibc", "InstalledVersion": "2.36", "FixedVersion": "2.36-9",
    "Status": "fixed", "Severity": "HIGH"}}]}}]}}"#
        ),
    );
    write_file(
        dir.path(),
        "repo/deploy/shop.yaml",
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: shop, namespace: prod}}\nspec:\n  containers:\n  - name: shop\n    image: ghcr.io/acme/shop@{digest}\n"
        ),
    );
    let output = rampart_in(
        dir.path(),
        &[
            "ci",
            "repo",
            "--no-history",
            "--image-report",
            "reports/shop.json",
            "-f",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let vulnerable = rules_of(&report, "image-vulnerability");
    assert_eq!(vulnerable.len(), 1);
    assert_eq!(vulnerable[0]["resource"]["kind"], "Pod");
    assert_eq!(vulnerable[0]["location"]["line"], 7);
    assert!(rules_of(&report, "image-not-scanned").is_empty());
}

#[test]
fn the_report_age_comes_from_the_flag_else_rampart_toml() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "old.json",
        r#"{"SchemaVersion": 2, "CreatedAt": "2020-01-01T00:00:00Z", "ArtifactName": "app:1", "Results": []}"#,
    );
    let stale = |args: &[&str]| {
        let mut all = vec!["images", "gate", "old.json", "-f", "json"];
        all.extend_from_slice(args);
        rules_of(&json(&rampart_in(dir.path(), &all)), "image-report-stale").len()
    };
    assert_eq!(stale(&[]), 1);
    write_file(dir.path(), "rampart.toml", "[images]\nreport-max-age-days = 100000\n");
    assert_eq!(stale(&[]), 0);
    assert_eq!(stale(&["--max-age", "30"]), 1);
}
