//! Dockerfiles on the shared pipeline, as a user meets them: found beside
//! the manifests, checked with the secrets engine over the same bytes,
//! waived by comments (ours, hadolint's, Checkov's), accepted by
//! exceptions, and judged as the `build` control.

mod common;

use common::{json, rampart_in, write_file};
use serde_json::Value;

const DEPLOYMENT: &str =
    "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings, namespace: shop}\ndata: {mode: fast}\n";

fn findings(report: &Value) -> Vec<(String, String, u64, String)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["suppressed"] == false)
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["location"]["path"].as_str().unwrap().to_string(),
                finding["location"]["line"].as_u64().unwrap(),
                finding["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["control"] == id)
        .unwrap_or_else(|| panic!("no {id} row"))
}

#[test]
fn a_dockerfile_beside_manifests_is_checked_and_judged_as_build() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "deploy/settings.yaml", DEPLOYMENT);
    write_file(
        dir.path(),
        "services/api/Dockerfile",
        "FROM golang:1.23 AS build\nRUN go build -o /app .\nFROM alpine:3.20\nCOPY --from=build /app /app\nUSER root\nEXPOSE 22\n",
    );
    let output = rampart_in(dir.path(), &["scan", ".", "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert_eq!(report["summary"]["dockerfiles"], 1);
    assert_eq!(report["summary"]["objects"], 1);
    let found = findings(&report);
    let path = "./services/api/Dockerfile".to_string();
    for expected in [
        ("dockerfile-base-image-digest-pinned", 1, "FROM"),
        ("dockerfile-runs-as-root", 5, "USER"),
        ("dockerfile-expose-ssh-port", 6, "EXPOSE 22"),
    ] {
        let wanted = (expected.0.to_string(), path.clone(), expected.1, expected.2.to_string());
        assert!(found.contains(&wanted), "{wanted:?} not in {found:#?}");
    }
    let root = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "dockerfile-runs-as-root")
        .unwrap();
    assert_eq!(root["resource"]["kind"], "Stage");
    assert_eq!(root["resource"]["name"], "stage 1");
    assert_eq!(control(&report, "build")["result"], "fail");
}

#[test]
fn a_hardened_dockerfile_passes_build_and_nothing_is_not_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "Dockerfile",
        "FROM golang:1.23@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef AS build\nRUN go build -o /app .\nFROM gcr.io/distroless/static:nonroot@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\nCOPY --from=build /app /app\nUSER 65532:65532\nHEALTHCHECK CMD [\"/app\", \"health\"]\n",
    );
    let output = rampart_in(dir.path(), &["scan", ".", "-f", "json"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert!(findings(&report).is_empty(), "{report:#}");
    assert_eq!(control(&report, "build")["result"], "pass");
    // No manifest: the manifest-only controls were not judged.
    assert_eq!(control(&report, "isolation")["result"], "not-evaluated");

    let manifests_only = tempfile::tempdir().unwrap();
    write_file(manifests_only.path(), "settings.yaml", DEPLOYMENT);
    let report = json(&rampart_in(manifests_only.path(), &["scan", ".", "-f", "json"]));
    assert_eq!(control(&report, "build")["result"], "not-evaluated");
}

#[test]
fn a_credential_in_env_is_reported_once_with_the_secrets_engines_verdict() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\nENV GITHUB_TOKEN=ghp_8Q3kZr5YbT1cVw9XuA2mLp7NsJ4dHe6FgR0i\nUSER 10001\n",
    );
    let output = rampart_in(dir.path(), &["scan", "Dockerfile", "-f", "json"]);
    let report = json(&output);
    let on_line_2: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["location"]["line"] == 2)
        .collect();
    assert_eq!(on_line_2.len(), 1, "{on_line_2:#?}");
    assert_eq!(on_line_2[0]["rule"], "dockerfile-secret-in-env-or-arg");
    let message = on_line_2[0]["message"].as_str().unwrap();
    assert!(
        message.contains("the secrets engine matches it as `github-pat`"),
        "{message}"
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        !text.contains("ghp_8Q3kZr5YbT1cVw9XuA2mLp7NsJ4dHe6FgR0i"),
        "a secret printed in full"
    );
}

#[test]
fn comments_waive_ours_hadolints_and_checkovs_and_a_typo_is_an_error() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "Dockerfile",
        "#checkov:skip=CKV_DOCKER_2:Kubernetes probes instead\nFROM alpine:3.20@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n# rampart:ignore=dockerfile-sudo vendor script needs it\nRUN sudo true\n# hadolint ignore=DL3002\nUSER root\n",
    );
    let output = rampart_in(dir.path(), &["scan", "Dockerfile", "-f", "json"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(0), "{report:#}");
    assert!(findings(&report).is_empty(), "{report:#}");
    let reasons: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| finding["suppression_reason"].as_str().unwrap())
        .collect();
    assert!(
        reasons.contains(&"# rampart:ignore=dockerfile-sudo vendor script needs it: vendor script needs it"),
        "{reasons:?}"
    );
    assert_eq!(reasons.len(), 3, "{reasons:?}");

    write_file(
        dir.path(),
        "Dockerfile",
        "FROM alpine:3.20\n# rampart:ignore=dockerfile-sudoo typo\nRUN sudo true\n",
    );
    let output = rampart_in(dir.path(), &["scan", "Dockerfile", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert_eq!(report["errors"][0]["line"], 2);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("`dockerfile-sudoo`")
    );
}

#[test]
fn an_exception_accepts_a_dockerfile_finding_by_path_and_stage() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "build/Dockerfile",
        "FROM alpine:3.20 AS runtime\nUSER root\n",
    );
    write_file(
        dir.path(),
        ".rampart/exceptions.yaml",
        "exceptions:\n  - id: legacy-root\n    rules: [dockerfile-runs-as-root]\n    match: {kind: Stage, name: runtime, paths: [\"build/**\"]}\n    justification: the vendor agent needs root until 2.0\n    compensating_controls: [read-only root filesystem]\n    owner: team-build\n    approved_by: security@example.org\n    expires: 2999-01-01\n",
    );
    let report = json(&rampart_in(
        dir.path(),
        &["scan", "build", "-f", "json", "--fail-on", "critical"],
    ));
    let root = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|finding| finding["rule"] == "dockerfile-runs-as-root")
        .unwrap();
    assert_eq!(root["suppressed"], true, "{report:#}");
}

#[test]
fn broken_dockerfiles_are_errors_at_their_line_and_the_rest_is_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "a/Dockerfile",
        "FROM alpine:3.20\nCOPY onlyone\nUSER root\n",
    );
    std::fs::create_dir_all(dir.path().join("b")).unwrap();
    std::fs::write(dir.path().join("b/Dockerfile"), b"\x7fELF\x00\x01\x02").unwrap();
    let output = rampart_in(dir.path(), &["scan", ".", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let errors: Vec<(String, Value)> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| (error["path"].as_str().unwrap().to_string(), error["line"].clone()))
        .collect();
    assert_eq!(
        errors,
        [
            ("./a/Dockerfile".to_string(), Value::from(2)),
            ("./b/Dockerfile".to_string(), Value::Null)
        ]
    );
    assert!(
        findings(&report)
            .iter()
            .any(|(rule, _, line, _)| rule == "dockerfile-runs-as-root" && *line == 3)
    );
}
