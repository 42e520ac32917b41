//! rampart.toml as a team uses it: found above the scanned folder, its
//! selections, severities, thresholds and sections applied, its mistakes
//! reported at their line.

mod common;

use std::path::Path;

use common::{json, rampart_in};
use serde_json::Value;

/// A privileged Deployment and a custom `Rollout` kind with the same pod.
const MANIFESTS: &str = "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext:
            privileged: true
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata:
  name: canary
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
          securityContext:
            privileged: true
";

fn project(config: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir_all(dir.path().join("deploy/apps")).unwrap();
    std::fs::write(dir.path().join("deploy/apps/web.yaml"), MANIFESTS).unwrap();
    std::fs::write(dir.path().join("rampart.toml"), config).unwrap();
    dir
}

fn rules_at(report: &Value, kind: &str) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["resource"]["kind"] == kind)
        .map(|finding| finding["rule"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn the_nearest_file_selects_rules_changes_severities_and_sets_defaults() {
    let dir = project(
        r#"
fail-on = "critical"
ignore = ["image-*", "workload", "low"]

[severity]
no-privileged = "critical"

[kubernetes.workload-kinds]
"argoproj.io/Rollout" = "spec.template"

[output]
format = "json"
"#,
    );
    // Found from a folder two levels below it; output.format gives JSON.
    let output = rampart_in(dir.path(), &["scan", "deploy/apps", "--no-secrets"]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(1), "no-privileged is critical, at fail-on");
    let deployment = rules_at(&report, "Deployment");
    assert!(deployment.contains(&"no-privileged".to_string()), "{deployment:?}");
    assert!(
        !deployment.iter().any(|rule| rule.starts_with("image-")),
        "{deployment:?}"
    );
    assert!(
        !deployment.contains(&"liveness-probe-set".to_string()),
        "control workload is ignored"
    );
    let severities: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "no-privileged")
        .map(|finding| &finding["severity"])
        .collect();
    assert_eq!(severities.len(), 2, "the Rollout is a workload now");
    assert!(severities.iter().all(|severity| *severity == "critical"));
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["severity"] != "low")
    );

    // Flags win over the file.
    let text = rampart_in(
        dir.path(),
        &[
            "scan",
            "deploy",
            "--no-secrets",
            "--format",
            "text",
            "--fail-on",
            "info",
        ],
    );
    assert!(String::from_utf8_lossy(&text.stdout).contains("failed (findings at or above info)"));

    // The file's threshold: high findings remain, and pass at critical.
    std::fs::write(
        dir.path().join("rampart.toml"),
        "fail-on = \"critical\"\nignore = [\"critical\"]\n",
    )
    .unwrap();
    let passed = rampart_in(dir.path(), &["scan", "deploy", "--no-secrets"]);
    assert_eq!(
        passed.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&passed.stdout)
    );
}

#[test]
fn mistakes_name_the_file_line_and_key() {
    let dir = project("fail-on = \"high\"\n\n[kubernetes]\nallowed-registry = [\"ghcr.io\"]\n");
    let output = rampart_in(dir.path(), &["scan", "deploy"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("rampart.toml:4:"), "{stderr}");
    assert!(stderr.contains("allowed-registry"), "{stderr}");

    std::fs::write(
        dir.path().join("rampart.toml"),
        "ignore = [\n  \"rbac\",\n  \"no-privilegd\",\n]\n",
    )
    .unwrap();
    let output = rampart_in(dir.path(), &["scan", "deploy"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("rampart.toml:3:") && stderr.contains("no-privilegd"),
        "{stderr}"
    );
}

#[test]
fn init_writes_a_starting_file_and_show_prints_the_one_that_applies() {
    let dir = tempfile::tempdir().unwrap();
    let init = rampart_in(dir.path(), &["config", "init"]);
    assert_eq!(init.status.code(), Some(0));
    let written = std::fs::read_to_string(dir.path().join("rampart.toml")).unwrap();
    assert!(written.contains("[kubernetes]") && written.contains("non-waivable"));
    assert_eq!(
        rampart_in(dir.path(), &["config", "init"]).status.code(),
        Some(2),
        "no overwrite"
    );
    assert_eq!(
        rampart_in(dir.path(), &["config", "init", "--force"]).status.code(),
        Some(0)
    );

    let show = rampart_in(dir.path(), &["config", "show"]);
    assert_eq!(show.status.code(), Some(0));
    let shown = String::from_utf8_lossy(&show.stdout);
    assert!(shown.lines().next().unwrap().ends_with("rampart.toml"), "{shown}");
    assert!(shown.contains("fail-on = \"high\""), "{shown}");
    assert!(shown.contains("no-privileged"), "{shown}");
    // Defaults the file leaves unsaid are shown too.
    assert!(
        shown.contains("warn-days = 14") && shown.contains("profile = \"all\""),
        "{shown}"
    );
    assert!(shown.contains("owner-annotation = \"rampart.dev/owner\""), "{shown}");

    let empty = tempfile::tempdir().unwrap();
    let defaults = rampart_in(
        empty.path(),
        &["config", "show", "--config", "/nonexistent/rampart.toml"],
    );
    assert_eq!(defaults.status.code(), Some(2));
}

#[test]
fn the_secrets_section_allows_paths_and_names_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let token = format!("ghp_{}", "Wm4kQ8zR2tY6uI0oP3aS7dF1gH5jK9lZ2xC4");
    std::fs::create_dir_all(dir.path().join("testdata")).unwrap();
    std::fs::write(dir.path().join("testdata/fake.env"), format!("TOKEN={token}\n")).unwrap();
    std::fs::write(dir.path().join("app.env"), format!("TOKEN={token}\n")).unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[secrets]\nallow-paths = ['''(^|/)testdata/''']\nbaseline = \".rampart/secrets-baseline.json\"\n",
    )
    .unwrap();
    // The baseline named in the file is read, so it must exist.
    let missing = rampart_in(dir.path(), &["secrets", "."]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("secrets-baseline.json"));
    let written = rampart_in(
        dir.path(),
        &["secrets", ".", "--write-baseline", ".rampart/secrets-baseline.json"],
    );
    assert_eq!(written.status.code(), Some(0));

    let output = rampart_in(dir.path(), &["secrets", ".", "-f", "json"]);
    assert_eq!(output.status.code(), Some(0), "the one finding is in the baseline");
    let report = json(&output);
    let found: Vec<(&str, bool)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["location"]["path"].as_str().unwrap(),
                finding["suppressed"] == true,
            )
        })
        .collect();
    assert_eq!(found.len(), 1, "testdata/ is allowed: {found:?}");
    assert!(found[0].0.ends_with("app.env") && found[0].1, "{found:?}");
}

#[test]
fn waivers_are_reported_as_suppressed_and_non_waivable_rules_stand() {
    let dir = project("non-waivable = [\"no-privileged\"]\n");
    let waived = MANIFESTS.replacen(
        "  namespace: shop\nspec:",
        "  namespace: shop\n  annotations:\n    rampart.dev/ignore: all\n    rampart.dev/ignore-reason: legacy app, replaced in Q3 (OPS-9)\nspec:",
        1,
    );
    std::fs::write(dir.path().join("deploy/apps/web.yaml"), waived).unwrap();
    let output = rampart_in(dir.path(), &["scan", "deploy", "--no-secrets", "-f", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let deployment: Vec<&Value> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["resource"]["kind"] == "Deployment")
        .collect();
    assert!(deployment.len() > 3);
    for finding in &deployment {
        let standing = finding["rule"] == "no-privileged";
        assert_eq!(finding["suppressed"], !standing, "{finding}");
        if !standing {
            assert_eq!(
                finding["suppression_reason"],
                "rampart.dev/ignore: legacy app, replaced in Q3 (OPS-9)"
            );
        }
    }
    assert!(report["summary"]["suppressed"].as_u64().unwrap() >= 3);
    let text = rampart_in(dir.path(), &["scan", "deploy", "--no-secrets"]);
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains(" suppressed"), "{stdout}");
}

#[test]
fn profiles_choose_rule_sets_and_the_summary_counts_their_controls() {
    let dir = tempfile::tempdir().unwrap();
    let insecure = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/insecure");
    let insecure = insecure.to_str().unwrap();
    let rules_of = |report: &Value| -> Vec<String> {
        let mut rules: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| finding["rule"].as_str().unwrap().to_string())
            .collect();
        rules.sort();
        rules.dedup();
        rules
    };

    let baseline = json(&rampart_in(
        dir.path(),
        &["scan", insecure, "--profile", "pss-baseline", "-f", "json"],
    ));
    let rules = rules_of(&baseline);
    assert!(rules.contains(&"no-privileged".to_string()), "{rules:?}");
    assert!(
        !rules.contains(&"run-as-non-root".to_string()),
        "restricted only: {rules:?}"
    );
    assert!(
        !rules
            .iter()
            .any(|rule| rule.starts_with("rbac-") || rule.starts_with("image-")),
        "{rules:?}"
    );
    let compliance = &baseline["summary"]["compliance"];
    assert_eq!(compliance["profile"], "pss-baseline");
    assert!(compliance["passing"].as_u64().unwrap() < compliance["controls"].as_u64().unwrap());

    std::fs::write(dir.path().join("rampart.toml"), "profile = \"checklist\"\n").unwrap();
    let checklist = json(&rampart_in(
        dir.path(),
        &["scan", insecure, "--config", "rampart.toml", "-f", "json"],
    ));
    let rules = rules_of(&checklist);
    assert!(
        rules.contains(&"image-digest-pinned".to_string()) && rules.contains(&"run-as-non-root".to_string()),
        "{rules:?}"
    );
    // The checklist covers least-privilege RBAC and host access too, as the
    // rbac and runtime controls promise.
    for rule in [
        "rbac-cluster-admin-binding",
        "no-host-pid",
        "no-host-network",
        "no-host-path",
    ] {
        assert!(rules.contains(&rule.to_string()), "{rule}: {rules:?}");
    }
    assert!(!rules.contains(&"namespace-pss-enforce".to_string()), "{rules:?}");
    assert_eq!(checklist["summary"]["compliance"]["profile"], "checklist");

    let hardened = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/hardened");
    let clean = json(&rampart_in(
        dir.path(),
        &["scan", hardened.to_str().unwrap(), "-f", "json"],
    ));
    let compliance = &clean["summary"]["compliance"];
    assert_eq!(compliance["passing"], compliance["controls"]);
    assert_eq!(compliance["failing"], serde_json::json!([]));
    // No waiver and no RBAC object to review: those controls were not
    // judged, and say so.
    assert_eq!(
        compliance["not_evaluated"],
        serde_json::json!(["exceptions", "evidence"])
    );
}

#[test]
fn the_team_adds_its_own_secret_formats() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[[secrets.rules]]\nid = \"acme-internal-token\"\ntitle = \"ACME internal API token\"\nkeywords = [\"acme_\"]\nregex = '''\\b(acme_[a-z0-9]{32})\\b'''\nentropy = 3.0\n",
    )
    .unwrap();
    let token = format!("acme_{}", "q8w7e6r5t4y3u2i1o9p8a7s6d5f4g3h2");
    std::fs::write(dir.path().join("app.env"), format!("ACME={token}\n")).unwrap();
    let output = rampart_in(dir.path(), &["secrets", ".", "-f", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["findings"][0]["rule"], "acme-internal-token");
    assert_eq!(
        report["findings"][0]["message"],
        "ACME internal API token: acme…(37 chars)"
    );

    std::fs::write(
        dir.path().join("rampart.toml"),
        "[[secrets.rules]]\nid = \"broken\"\ntitle = \"x\"\nregex = '''(unclosed'''\n",
    )
    .unwrap();
    let broken = rampart_in(dir.path(), &["secrets", "."]);
    assert_eq!(broken.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&broken.stderr).contains("rule `broken`"),
        "{}",
        String::from_utf8_lossy(&broken.stderr)
    );
}
