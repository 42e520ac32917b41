//! The machine and pull-request formats: SARIF valid against the official
//! 2.1.0 schema, with what GitHub code scanning uses (rules with help and
//! security-severity, regions, partial fingerprints, suppressions for
//! waived findings); JUnit; Markdown; several formats in one run, each to
//! its file.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::rampart_in;
use serde_json::Value;

fn schema() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../rampart-report/tests/schema/sarif-schema-2.1.0.json")
}

/// Validates with Python's jsonschema; `false` when it is not installed.
fn validate(sarif: &Path) -> bool {
    let script = "import json, sys\ntry:\n    import jsonschema\nexcept ImportError:\n    sys.exit(3)\njsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))\n";
    let output = Command::new("python3")
        .args(["-c", script, sarif.to_str().unwrap(), schema().to_str().unwrap()])
        .output();
    match output {
        Ok(output) if output.status.code() == Some(3) => false,
        Ok(output) => {
            assert!(
                output.status.success(),
                "SARIF is not valid: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            true
        }
        Err(_) => false,
    }
}

const WAIVED: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
  annotations:
    rampart.dev/ignore: image-tag-not-latest
    rampart.dev/ignore-reason: pinned by the release job
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext:
            privileged: true
";

#[test]
fn sarif_is_valid_and_carries_what_code_scanning_uses() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/web.yaml"), WAIVED).unwrap();
    let insecure = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insecure");
    std::fs::create_dir(dir.path().join("deploy/insecure")).unwrap();
    for entry in std::fs::read_dir(&insecure).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            dir.path().join("deploy/insecure").join(path.file_name().unwrap()),
        )
        .unwrap();
    }

    let output = rampart_in(
        dir.path(),
        &[
            "scan",
            "deploy",
            "-f",
            "sarif",
            "-o",
            "out/rampart.sarif",
            "-f",
            "json",
            "-o",
            "out/rampart.json",
            "-f",
            "text",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("findings"),
        "text went to stdout"
    );
    let sarif_path = dir.path().join("out/rampart.sarif");
    let sarif: Value = serde_json::from_str(&std::fs::read_to_string(&sarif_path).unwrap()).unwrap();
    let json: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("out/rampart.json")).unwrap()).unwrap();
    if !validate(&sarif_path) {
        eprintln!("skipped schema validation: python3 with jsonschema is not installed");
    }

    assert_eq!(sarif["version"], "2.1.0");
    let run = &sarif["runs"][0];
    let rules = run["tool"]["driver"]["rules"].as_array().unwrap();
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), json["findings"].as_array().unwrap().len());
    for result in results {
        let index = result["ruleIndex"].as_u64().unwrap() as usize;
        assert_eq!(rules[index]["id"], result["ruleId"]);
        let region = &result["locations"][0]["physicalLocation"]["region"];
        assert!(region["startLine"].as_u64().unwrap() >= 1);
        assert!(result["partialFingerprints"]["rampart/v1"].as_str().unwrap().len() == 32);
        assert!(
            !result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
                .as_str()
                .unwrap()
                .starts_with('/')
        );
    }
    let privileged = rules.iter().find(|rule| rule["id"] == "no-privileged").unwrap();
    assert_eq!(privileged["properties"]["security-severity"], "9.5");
    assert_eq!(privileged["defaultConfiguration"]["level"], "error");
    assert!(
        privileged["help"]["markdown"]
            .as_str()
            .unwrap()
            .contains("## How to fix")
    );

    let waived: Vec<&Value> = results
        .iter()
        .filter(|result| {
            result["ruleId"] == "image-tag-not-latest"
                && result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/web.yaml"
        })
        .collect();
    assert_eq!(waived.len(), 1);
    assert_eq!(waived[0]["suppressions"][0]["kind"], "inSource");
    assert_eq!(
        waived[0]["suppressions"][0]["justification"],
        "rampart.dev/ignore: pinned by the release job"
    );
    let open = results
        .iter()
        .find(|result| {
            result["ruleId"] == "no-privileged"
                && result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == "deploy/web.yaml"
        })
        .unwrap();
    assert!(open.get("suppressions").is_none());
}

#[test]
fn formats_and_outputs_must_pair() {
    let dir = tempfile::tempdir().unwrap();
    let two_on_stdout = rampart_in(dir.path(), &["scan", ".", "-f", "json", "-f", "sarif"]);
    assert_eq!(two_on_stdout.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&two_on_stdout.stderr).contains("only one --format"));
    let extra_output = rampart_in(dir.path(), &["scan", ".", "-f", "json", "-o", "a.json", "-o", "b.json"]);
    assert_eq!(extra_output.status.code(), Some(2));
    // One --output and no --format: the default format goes to the file.
    let to_file = rampart_in(dir.path(), &["scan", ".", "--allow-empty", "-o", "report.txt"]);
    assert_eq!(to_file.status.code(), Some(0));
    assert!(
        std::fs::read_to_string(dir.path().join("report.txt"))
            .unwrap()
            .contains("no findings")
    );
}

#[test]
fn junit_has_a_suite_per_rule_that_ran_and_a_case_per_finding() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/web.yaml"), WAIVED).unwrap();
    let output = rampart_in(
        dir.path(),
        &[
            "scan",
            "deploy",
            "--no-secrets",
            "-f",
            "junit",
            "-o",
            "junit.xml",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let open = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["suppressed"] == false)
        .count();
    // The controls matrix is one more suite, a failing case per failing control.
    let failing_controls = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["result"] == "fail")
        .count();
    assert!(failing_controls > 0);
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    let header = xml.lines().find(|line| line.contains("<testsuites")).unwrap();
    assert!(
        header.contains(&format!("failures=\"{}\"", open + failing_controls)),
        "{header}"
    );
    assert!(
        xml.contains("<testcase name=\"runtime\" classname=\"controls\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"detection\" classname=\"controls\""),
        "{xml}"
    );
    // A rule that ran clean passes; the waived finding is skipped, with its reason.
    assert!(
        xml.contains("<testsuite name=\"no-host-pid\""),
        "clean rules have a suite"
    );
    assert!(
        xml.contains("<testcase name=\"no findings\" classname=\"no-host-pid\""),
        "{xml}"
    );
    assert!(
        xml.contains("<skipped message=\"rampart.dev/ignore: pinned by the release job\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testsuite name=\"no-privileged\" tests=\"1\" skipped=\"0\" errors=\"0\" failures=\"1\""),
        "{xml}"
    );
    assert!(
        xml.contains("<testcase name=\"deploy/web.yaml:16 Deployment/shop/web\" classname=\"no-privileged\""),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"container `web` runs privileged\" type=\"critical\""),
        "{xml}"
    );
}

/// A rule with nothing to judge did not pass: its case is skipped, saying
/// so. Input errors are failing cases of their own suite.
#[test]
fn junit_skips_rules_with_nothing_to_judge_and_lists_input_errors() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/web.yaml"), WAIVED).unwrap();
    std::fs::write(dir.path().join("deploy/broken.yaml"), "apiVersion: v1\nkind: [Pod\n").unwrap();
    rampart_in(
        dir.path(),
        &["scan", "deploy", "--no-secrets", "-f", "junit", "-o", "junit.xml"],
    );
    let xml = std::fs::read_to_string(dir.path().join("junit.xml")).unwrap();
    // The scan holds no Ingress.
    let ingress = xml
        .split("<testsuite name=\"ingress-tls\"")
        .nth(1)
        .and_then(|rest| rest.split("</testsuite>").next())
        .unwrap();
    assert!(
        ingress.contains("<skipped message=\"nothing in this scan for it to judge\"/>"),
        "{ingress}"
    );
    let errors = xml
        .split("<testsuite name=\"input errors\"")
        .nth(1)
        .and_then(|rest| rest.split("</testsuite>").next())
        .unwrap();
    assert!(errors.contains("deploy/broken.yaml:2"), "{errors}");
    assert!(errors.contains("<error message=\"cannot parse YAML"), "{errors}");
}

#[test]
fn markdown_links_findings_to_the_commit_on_github() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/web.yaml"), WAIVED).unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["scan", "deploy", "--no-secrets", "-f", "markdown"])
        .current_dir(dir.path())
        .env("GITHUB_SERVER_URL", "https://github.com")
        .env("GITHUB_REPOSITORY", "acme/shop")
        .env("GITHUB_SHA", "0123abc")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(
        text.starts_with("❌ **Rampart: findings at or above the threshold** (fail on high)"),
        "{text}"
    );
    assert!(
        text.contains("[deploy/web.yaml:16](https://github.com/acme/shop/blob/0123abc/deploy/web.yaml#L16)"),
        "{text}"
    );
    assert!(text.contains("1 suppressed"), "{text}");
}

#[test]
fn the_controls_matrix_never_says_pass_for_what_nothing_checked() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/web.yaml"), WAIVED).unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[frequency]\nexceptions = \"quarterly\"\n",
    )
    .unwrap();
    let output = rampart_in(dir.path(), &["controls", "deploy", "-f", "json"]);
    assert_eq!(output.status.code(), Some(1), "runtime fails");
    let rows: Value = serde_json::from_slice(&output.stdout).unwrap();
    let row = |control: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|row| row["control"] == control)
            .unwrap()
            .clone()
    };
    assert_eq!(row("runtime")["result"], "fail");
    assert_eq!(row("iac")["result"], "not-evaluated");
    // The Terraform rules ran over nothing they judge: not a pass.
    assert!(row("iac")["automation"]["terraform"].as_u64().unwrap() > 0);
    assert!(row("iac")["reason"].as_str().unwrap().contains("nothing in this scan"));
    assert_eq!(row("detection")["result"], "not-evaluated");
    // The one waiver gives its reason: the exceptions control passes.
    assert_eq!(row("exceptions")["result"], "pass");
    assert_eq!(row("exceptions")["frequency"], "quarterly");
    assert_eq!(row("runtime")["frequency"], "every-commit");
    // The built-in detectors and the comparison across environments.
    assert_eq!(row("secrets")["automation"]["secrets"], 223);
    // The waived latest tag is the only images finding: excepted, not pass.
    let images = row("images");
    assert!(images["suppressed_findings"].as_u64().unwrap() >= 1);
    assert_eq!(rows.as_array().unwrap().len(), 14);
}

/// Every format of one fixed scan, byte for byte: a waived finding, an
/// excepted one, open ones, at a fixed time and outside any CI.
#[test]
fn every_format_matches_its_golden_file() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy")).unwrap();
    std::fs::create_dir_all(dir.path().join(".rampart")).unwrap();
    std::fs::write(dir.path().join("deploy/web.yaml"), WAIVED).unwrap();
    std::fs::write(
        dir.path().join(".rampart/exceptions.yaml"),
        "exceptions:\n  - id: web-caps\n    rules: [capabilities-drop-all]\n    match: {kind: Deployment, namespace: shop, name: web}\n    justification: \"vendor image needs <NET_BIND_SERVICE> & more\"\n    compensating_controls: [default-deny network policy]\n    owner: team-shop\n    approved_by: security@example.org\n    expires: 2026-12-01\n",
    )
    .unwrap();
    let formats = [
        ("text", "report.txt"),
        ("json", "report.json"),
        ("sarif", "report.sarif"),
        ("junit", "report.xml"),
        ("markdown", "report.md"),
        ("html", "report.html"),
    ];
    let mut args = vec!["scan", "deploy", "--no-secrets"];
    for (format, file) in &formats {
        args.extend(["-f", format, "-o", file]);
    }
    let mut command = Command::new(env!("CARGO_BIN_EXE_rampart"));
    command
        .args(&args)
        .current_dir(dir.path())
        .env("SOURCE_DATE_EPOCH", "1795338300");
    for (name, _) in std::env::vars() {
        if name.starts_with("GITHUB_") || name.starts_with("CI_") || name == "GITLAB_CI" {
            command.env_remove(name);
        }
    }
    let output = command.output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    for (_, file) in formats {
        let written = std::fs::read_to_string(dir.path().join(file)).unwrap();
        common::snapshot(&format!("golden/{file}"), &written);
    }
}
