//! Kustomize and Helm trees: patches are not objects, a Kustomize folder
//! is named once as a tree to render, and `--render` checks what the tree
//! deploys. Helm cannot be installed here, so its integration runs against
//! a stand-in `helm` on PATH that checks its arguments and prints a
//! rendered manifest; `kubectl` gets a stand-in too, and the real one is
//! used as well when it is installed.

mod common;

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{json, write_file};
use serde_json::Value;

const HARDENED_DEPLOYMENT: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      serviceAccountName: web\n      automountServiceAccountToken: false\n      securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n      containers:\n      - name: web\n        image: registry.example.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n        securityContext:\n          allowPrivilegeEscalation: false\n          readOnlyRootFilesystem: true\n          capabilities: {drop: [ALL]}\n";

/// A one-line overlay patch: alone it is a Deployment with no pod spec.
const REPLICAS_PATCH: &str =
    "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  replicas: 3\n";

/// A program named `name` in `bin/` that checks it was called with
/// `expected` arguments and prints `output` (or fails, printing to stderr).
fn stand_in(dir: &Path, name: &str, expected: &str, output: Result<&str, &str>) -> PathBuf {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let body = match output {
        // PATH holds only the stand-ins, so `cat` is named in full.
        Ok(text) => format!("/bin/cat <<'EOF'\n{text}EOF\n"),
        Err(message) => format!("echo '{message}' >&2\nexit 3\n"),
    };
    let script = format!(
        "#!/bin/sh\nif [ \"$*\" != \"{expected}\" ]; then echo \"unexpected arguments: $*\" >&2; exit 9; fi\n{body}"
    );
    let path = bin.join(name);
    std::fs::write(&path, script).unwrap();
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
    bin
}

fn rampart_with_path(dir: &Path, bin: Option<&Path>, args: &[&str]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_rampart"));
    command.args(args).current_dir(dir);
    if let Some(bin) = bin {
        // Only the stand-ins: no real kubectl or helm behind them.
        command.env("PATH", format!("{}:/usr/bin/env-only-missing", bin.display()));
    }
    command.output().expect("rampart runs")
}

fn findings_of(report: &Value, rule: &str) -> Vec<(String, u64)> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == rule)
        .map(|finding| {
            (
                finding["location"]["path"].as_str().unwrap().to_string(),
                finding["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

fn overlay(dir: &Path) {
    write_file(dir, "deploy/base/deployment.yaml", HARDENED_DEPLOYMENT);
    write_file(dir, "deploy/base/kustomization.yaml", "resources:\n- deployment.yaml\n");
    write_file(dir, "deploy/prod/replicas.yaml", REPLICAS_PATCH);
    write_file(
        dir,
        "deploy/prod/kustomization.yaml",
        "resources:\n- ../base\npatchesStrategicMerge:\n- replicas.yaml\n",
    );
}

#[test]
fn a_patch_is_not_an_object_and_the_tree_is_named_once() {
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path());
    let output = rampart_with_path(dir.path(), None, &["scan", "deploy", "-f", "json", "--no-secrets"]);
    let report = json(&output);
    // The base is not reported worse because of its overlay's one-line
    // patch (which alone has no pod spec, probes or limits): the findings
    // are the base's own.
    let base = json(&rampart_with_path(
        dir.path(),
        None,
        &["scan", "deploy/base", "-f", "json", "--no-secrets"],
    ));
    let rules = |report: &Value| -> Vec<(String, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                (
                    f["rule"].as_str().unwrap().to_string(),
                    f["location"]["path"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(rules(&report), rules(&base));
    assert!(
        rules(&report)
            .iter()
            .all(|(_, path)| path == "deploy/base/deployment.yaml")
    );
    assert_eq!(report["summary"]["objects"], 1);
    assert_eq!(report["errors"], serde_json::json!([]));
    let notices = report["notices"].as_array().unwrap();
    let folders: Vec<&str> = notices.iter().map(|n| n["path"].as_str().unwrap()).collect();
    assert_eq!(folders, ["deploy/base", "deploy/prod"]);
    let prod = notices[1]["message"].as_str().unwrap();
    assert!(prod.contains("1 patch file(s) passed over"), "{prod}");
    assert!(prod.contains("rampart scan --render deploy/prod"), "{prod}");
    // SARIF (note-level notifications) and Markdown carry them too.
    let sarif = json(&rampart_with_path(
        dir.path(),
        None,
        &["scan", "deploy", "-f", "sarif", "--no-secrets"],
    ));
    let notes: Vec<&Value> = sarif["runs"][0]["invocations"][0]["toolExecutionNotifications"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|n| n["level"] == "note")
        .collect();
    assert_eq!(notes.len(), 2, "{sarif:#}");
    let markdown = String::from_utf8(
        rampart_with_path(dir.path(), None, &["scan", "deploy", "-f", "markdown", "--no-secrets"]).stdout,
    )
    .unwrap();
    assert!(markdown.contains("Passed over on purpose"), "{markdown}");
    assert!(markdown.contains("`deploy/prod`: Kustomize folder"), "{markdown}");
}

#[test]
fn render_runs_kubectl_kustomize_on_the_top_folder_only() {
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path());
    let rendered = HARDENED_DEPLOYMENT.replace("automountServiceAccountToken: false", "hostPID: true");
    let bin = stand_in(dir.path(), "kubectl", "kustomize deploy/prod", Ok(&rendered));
    let output = rampart_with_path(
        dir.path(),
        Some(&bin),
        &["scan", "deploy", "--render", "-f", "json", "--no-secrets"],
    );
    let report = json(&output);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    // Line 10 of the rendered output; the base is not rendered on its own.
    assert_eq!(
        findings_of(&report, "no-host-pid"),
        [("deploy/prod (kustomize)".to_string(), 10)]
    );
    assert!(report.get("notices").is_none(), "{report:#}");
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn render_reports_the_programs_errors_and_their_absence() {
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path());
    let bin = stand_in(
        dir.path(),
        "kubectl",
        "kustomize deploy/prod",
        Err("error: accumulating resources: missing ../base"),
    );
    let output = rampart_with_path(dir.path(), Some(&bin), &["scan", "deploy", "--render", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert_eq!(report["errors"][0]["path"], "deploy/prod");
    assert!(message.contains("`kubectl kustomize deploy/prod` failed"), "{message}");
    assert!(message.contains("missing ../base"), "{message}");

    let empty_bin = dir.path().join("nothing");
    std::fs::create_dir_all(&empty_bin).unwrap();
    let missing = json(&rampart_with_path(
        dir.path(),
        Some(&empty_bin),
        &["scan", "deploy/prod", "--render", "-f", "json"],
    ));
    let message = missing["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("kubectl or kustomize is not installed"), "{message}");
}

#[test]
fn render_runs_helm_template_on_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "chart/Chart.yaml",
        "apiVersion: v2\nname: web\nversion: 1.0.0\n",
    );
    write_file(dir.path(), "chart/values.yaml", "image: nginx\n");
    write_file(
        dir.path(),
        "chart/templates/pod.yaml",
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    let rendered = "---\n# Source: web/templates/disabled.yaml\n---\n# Source: web/templates/pod.yaml\napiVersion: v1\nkind: Pod\nmetadata:\n  name: release-name\n  namespace: web\nspec:\n  hostNetwork: true\n  containers:\n  - name: web\n    image: nginx:1.27\n";
    let bin = stand_in(dir.path(), "helm", "template chart", Ok(rendered));
    let output = rampart_with_path(
        dir.path(),
        Some(&bin),
        &["scan", "chart", "--render", "-f", "json", "--no-secrets"],
    );
    let report = json(&output);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert_eq!(
        findings_of(&report, "no-host-network"),
        [("chart (helm template)".to_string(), 11)]
    );
    // Without --render the chart is the documented error with a hint.
    let unrendered = json(&rampart_with_path(dir.path(), None, &["scan", "chart", "-f", "json"]));
    let messages: Vec<&str> = unrendered["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["message"].as_str().unwrap())
        .collect();
    assert!(messages.iter().any(|m| m.contains("helm template")), "{messages:?}");
}

#[test]
fn render_with_the_real_kubectl_when_installed() {
    let installed = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !installed {
        eprintln!("skipped: kubectl is not installed");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    overlay(dir.path());
    write_file(
        dir.path(),
        "deploy/prod/replicas.yaml",
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      hostIPC: true\n",
    );
    let report = json(&rampart_with_path(
        dir.path(),
        None,
        &["scan", "deploy/prod", "--render", "-f", "json", "--no-secrets"],
    ));
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    let found = findings_of(&report, "no-host-ipc");
    assert_eq!(found.len(), 1, "{report:#}");
    assert_eq!(found[0].0, "deploy/prod (kustomize)");
}
