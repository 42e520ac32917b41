//! A control is `pass` only on evidence: its rules ran over something they
//! apply to and found nothing. These scans would each have shown controls
//! as passing that nothing had checked.

mod common;

use common::{json, rampart_in, write_file};
use serde_json::Value;

const RBAC_ONLY: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: reader\n  namespace: shop\n  annotations: {rampart.dev/owner: team-shop, rampart.dev/review-by: \"2999-01-01\"}\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get]\n";

const HARDENED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: web, namespace: shop}\nspec:\n  serviceAccountName: web\n  automountServiceAccountToken: false\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: web\n    image: registry.example.com/web@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n    securityContext:\n      allowPrivilegeEscalation: false\n      readOnlyRootFilesystem: true\n      capabilities: {drop: [ALL]}\n";

fn control<'a>(report: &'a Value, id: &str) -> &'a Value {
    report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["control"] == id)
        .unwrap_or_else(|| panic!("no control {id}"))
}

#[test]
fn rbac_only_input_leaves_runtime_images_and_workload_not_evaluated() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "rbac.yaml", RBAC_ONLY);
    let output = rampart_in(dir.path(), &["scan", "rbac.yaml", "-f", "json", "--no-secrets"]);
    let report = json(&output);
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    assert_eq!(control(&report, "rbac")["result"], "pass");
    for id in ["runtime", "images", "workload", "network"] {
        let row = control(&report, id);
        assert_eq!(row["result"], "not-evaluated", "{id}: {row:#}");
        assert!(
            row["reason"].as_str().unwrap().contains("nothing in this scan"),
            "{row:#}"
        );
        assert_eq!(row["evidence"], serde_json::json!([]));
    }
    let compliance = &report["summary"]["compliance"];
    assert!(
        compliance["not_evaluated"]
            .as_array()
            .unwrap()
            .contains(&Value::from("runtime")),
        "{compliance:#}"
    );
}

#[test]
fn input_whose_only_file_failed_to_parse_passes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "broken.yaml", "apiVersion: v1\nkind: [Pod\n");
    let output = rampart_in(dir.path(), &["scan", "broken.yaml", "-f", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let passing: Vec<&Value> = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|row| row["result"] == "pass" && row["control"] != "secrets")
        .collect();
    assert!(passing.is_empty(), "{passing:#?}");
    let messages: Vec<&str> = report["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|error| error["message"].as_str().unwrap())
        .collect();
    assert!(
        messages.iter().any(|m| m.starts_with("cannot parse YAML")),
        "{messages:?}"
    );
    assert!(
        messages.iter().any(|m| m.starts_with("nothing to scan")),
        "{messages:?}"
    );
}

#[test]
fn an_empty_folder_is_an_error_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    let refused = rampart_in(dir.path(), &["scan", "deploy"]);
    assert_eq!(refused.status.code(), Some(2));
    let text = String::from_utf8(refused.stdout).unwrap();
    assert!(text.contains("nothing to scan"), "{text}");
    assert!(text.contains("--allow-empty"), "{text}");

    let allowed = rampart_in(dir.path(), &["scan", "deploy", "--allow-empty", "-f", "json"]);
    assert_eq!(allowed.status.code(), Some(0));
    let report = json(&allowed);
    assert!(
        report["controls"]
            .as_array()
            .unwrap()
            .iter()
            .all(|row| row["result"] == "not-evaluated"),
        "{report:#}"
    );
}

#[test]
fn a_profile_or_skip_that_leaves_rules_out_makes_the_control_partial() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "pod.yaml", HARDENED_POD);
    let restricted = json(&rampart_in(
        dir.path(),
        &["scan", "pod.yaml", "--profile", "pss-restricted", "-f", "json"],
    ));
    let runtime = control(&restricted, "runtime");
    assert_eq!(runtime["result"], "partial", "{runtime:#}");
    let left_out: Vec<&str> = runtime["left_out"]
        .as_array()
        .unwrap()
        .iter()
        .map(|id| id.as_str().unwrap())
        .collect();
    assert!(left_out.contains(&"read-only-root-fs"), "{left_out:?}");
    assert!(
        restricted["summary"]["compliance"]["partial"]
            .as_array()
            .unwrap()
            .contains(&Value::from("runtime"))
    );

    let skipped = json(&rampart_in(
        dir.path(),
        &["scan", "pod.yaml", "--skip", "no-host-pid", "-f", "json"],
    ));
    let runtime = control(&skipped, "runtime");
    assert_eq!(runtime["left_out"], serde_json::json!(["no-host-pid"]), "{runtime:#}");
    assert_eq!(runtime["result"], "partial");

    let text =
        String::from_utf8(rampart_in(dir.path(), &["scan", "pod.yaml", "--skip", "no-host-pid"]).stdout).unwrap();
    assert!(text.contains("partial runtime"), "{text}");
}

#[test]
fn the_checklist_profile_fails_cluster_admin_for_ci_and_host_access() {
    let dir = tempfile::tempdir().unwrap();
    write_file(
        dir.path(),
        "ci.yaml",
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: deployer-admin}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: ServiceAccount, name: deployer, namespace: ci}\n",
    );
    write_file(
        dir.path(),
        "agent.yaml",
        "apiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: ops}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      hostPID: true\n      hostNetwork: true\n      volumes:\n      - name: root\n        hostPath: {path: /}\n      containers:\n      - name: agent\n        image: registry.example.com/agent@sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\n",
    );
    let output = rampart_in(dir.path(), &["scan", ".", "--profile", "checklist", "-f", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    let fired = |rule: &str| -> Vec<(u64, String)> {
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|finding| finding["rule"] == rule)
            .map(|finding| {
                (
                    finding["location"]["line"].as_u64().unwrap(),
                    finding["field"].as_str().unwrap().to_string(),
                )
            })
            .collect()
    };
    assert_eq!(fired("rbac-cluster-admin-binding"), [(6, "subjects[0]".to_string())]);
    assert_eq!(fired("no-host-pid"), [(9, "spec.template.spec.hostPID".to_string())]);
    assert_eq!(
        fired("no-host-network"),
        [(10, "spec.template.spec.hostNetwork".to_string())]
    );
    assert!(!fired("no-sensitive-host-path").is_empty());
    let failing = &report["summary"]["compliance"]["failing"];
    assert!(failing.as_array().unwrap().contains(&Value::from("rbac")), "{failing}");
    assert!(
        failing.as_array().unwrap().contains(&Value::from("runtime")),
        "{failing}"
    );
}

#[test]
fn the_ci_gate_over_nothing_does_not_pass_silently() {
    let dir = tempfile::tempdir().unwrap();
    let refused = rampart_in(dir.path(), &["ci", ".", "--no-history", "-f", "json"]);
    assert_eq!(refused.status.code(), Some(2));
    let report = json(&refused);
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .starts_with("nothing to check"),
        "{report:#}"
    );
    let allowed = rampart_in(dir.path(), &["ci", ".", "--no-history", "--allow-empty"]);
    assert_eq!(allowed.status.code(), Some(0));
}
