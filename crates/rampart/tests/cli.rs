//! The binary as users and CI run it: exit codes, the JSON contract, the
//! bundled examples, and bad input.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use common::{json, repo};
use serde_json::Value;

fn rampart(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .output()
        .expect("rampart runs")
}

fn rampart_stdin(args: &[&str], input: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("rampart runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn write(dir: &Path, name: &str, content: &[u8]) -> PathBuf {
    let path = dir.join(name);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    path
}

const PRIVILEGED_POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n  containers:\n  - name: a\n    image: a:1\n    securityContext: {privileged: true}\n";

#[test]
fn the_hardened_example_has_no_finding_at_all() {
    let output = rampart(&[
        "scan",
        &repo("examples/hardened"),
        "--format",
        "json",
        "--fail-on",
        "info",
    ]);
    let report = json(&output);
    assert_eq!(report["findings"].as_array().unwrap().len(), 0, "{report:#}");
    assert_eq!(report["errors"].as_array().unwrap().len(), 0);
    assert!(report["summary"]["objects"].as_u64().unwrap() >= 10);
    assert_eq!(output.status.code(), Some(0));
}

#[test]
fn the_insecure_example_fails_with_many_findings_in_the_json_contract() {
    let output = rampart(&["scan", &repo("examples/insecure"), "--format", "json"]);
    assert_eq!(output.status.code(), Some(1));
    let report = json(&output);
    assert_eq!(report["version"], 1);
    assert_eq!(report["tool"]["name"], "rampart");
    let findings = report["findings"].as_array().unwrap();
    assert!(findings.len() >= 40, "only {} findings", findings.len());
    for finding in findings {
        for key in [
            "rule",
            "severity",
            "message",
            "location",
            "resource",
            "field",
            "controls",
            "suppressed",
        ] {
            assert!(finding.get(key).is_some(), "finding lacks {key}: {finding:#}");
        }
        for key in ["path", "line", "column"] {
            assert!(finding["location"].get(key).is_some());
        }
        for key in ["apiVersion", "kind", "namespace", "name"] {
            assert!(finding["resource"].get(key).is_some());
        }
        assert!(finding["location"]["line"].as_u64().unwrap() >= 1);
    }
    let privileged: Vec<&Value> = findings.iter().filter(|f| f["rule"] == "no-privileged").collect();
    assert_eq!(privileged.len(), 2);
    assert!(
        privileged[0]["location"]["path"]
            .as_str()
            .unwrap()
            .ends_with("node-agent.yaml")
    );
    assert_eq!(
        privileged[0]["field"],
        "spec.template.spec.initContainers[0].securityContext.privileged"
    );
    assert_eq!(report["summary"]["failed"], true);
    // The literal credentials of the example are never printed.
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(!text.contains("s3cr3t-Redis-Passw0rd"));
    assert!(!text.contains("sk_live_4eC39HqLyjWDarjtT1zdp7dcEXAMPLE"));
    assert!(!text.contains("Checkout-DB-2024"));
    // The cross-resource side of the example: RBAC, committed secrets.
    for rule in [
        "rbac-cluster-admin-binding",
        "rbac-anonymous-binding",
        "no-secret-in-manifest",
        "no-credential-in-configmap",
    ] {
        assert!(findings.iter().any(|f| f["rule"] == rule), "{rule} missing");
    }
}

#[test]
fn fail_on_sets_the_threshold() {
    let dir = tempfile::tempdir().unwrap();
    // Only medium and lower: a hardened pod with a tag instead of a digest.
    let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: x}\nspec:\n  serviceAccountName: p\n  automountServiceAccountToken: false\n  securityContext: {runAsNonRoot: true, seccompProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n    image: a:1\n    securityContext: {allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: {drop: [ALL]}}\n    resources: {limits: {cpu: 1, memory: 1Gi}}\n    livenessProbe: {tcpSocket: {port: 1}}\n    readinessProbe: {tcpSocket: {port: 1}}\n";
    let policy = "---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: deny, namespace: x}\nspec:\n  podSelector: {}\n  policyTypes: [Ingress, Egress]\n---\napiVersion: v1\nkind: ResourceQuota\nmetadata: {name: q, namespace: x}\nspec: {hard: {pods: \"5\"}}\n";
    let file = write(dir.path(), "pod.yaml", format!("{pod}{policy}").as_bytes());
    let file = file.to_str().unwrap();
    assert_eq!(rampart(&["scan", file]).status.code(), Some(0));
    assert_eq!(rampart(&["scan", file, "--fail-on", "medium"]).status.code(), Some(1));
    let report = json(&rampart(&["scan", file, "--format", "json"]));
    let rules: Vec<&str> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["rule"].as_str().unwrap())
        .collect();
    // A bare pod (low) and a tag instead of a digest (medium).
    assert_eq!(rules, vec!["no-naked-pods", "image-digest-pinned"]);
    assert_eq!(rampart(&["scan", file, "--fail-on", "severe"]).status.code(), Some(2));
}

#[test]
fn skip_turns_rules_off_one_by_one() {
    let count = |args: &[&str]| {
        let mut all = vec!["scan", "-", "--format", "json"];
        all.extend_from_slice(args);
        let report = json(&rampart_stdin(&all, PRIVILEGED_POD));
        let rules: Vec<String> = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect();
        rules
    };
    let all = count(&[]);
    assert!(all.iter().any(|r| r == "namespace-default-deny-ingress"));
    let skipped = count(&["--skip", "namespace-default-deny-ingress", "--skip", "no-privileged"]);
    assert!(
        !skipped
            .iter()
            .any(|r| r == "namespace-default-deny-ingress" || r == "no-privileged")
    );
    assert_eq!(skipped.len(), all.len() - 2);
    let unknown = rampart_stdin(&["scan", "-", "--skip", "no-such-rule"], PRIVILEGED_POD);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no-such-rule"));
}

#[test]
fn owner_and_review_annotation_keys_are_configurable() {
    let role = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata:\n  name: r\n  namespace: x\n  annotations: {team.example.com/owner: payments, team.example.com/review: \"2000-01-01\"}\nrules: []\n";
    let rules_of = |args: &[&str]| -> Vec<String> {
        let mut all = vec!["scan", "-", "--format", "json"];
        all.extend_from_slice(args);
        json(&rampart_stdin(&all, role))["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| f["rule"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(rules_of(&[]), vec!["rbac-owner-review"]);
    let custom = rules_of(&[
        "--owner-annotation",
        "team.example.com/owner",
        "--review-annotation",
        "team.example.com/review",
    ]);
    assert_eq!(custom, vec!["rbac-review-expired"]);
}

#[test]
fn stdin_is_read_with_dash() {
    let output = rampart_stdin(&["scan", "-", "--format", "json"], PRIVILEGED_POD);
    let report = json(&output);
    let finding = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["rule"] == "no-privileged")
        .expect("privileged found");
    assert_eq!(finding["location"]["path"], "<stdin>");
    assert_eq!(finding["location"]["line"], 8);
    assert_eq!(output.status.code(), Some(1));
}

#[test]
fn allowed_registries_turn_the_registry_rule_on() {
    let without = json(&rampart_stdin(&["scan", "-", "--format", "json"], PRIVILEGED_POD));
    let with = json(&rampart_stdin(
        &["scan", "-", "--format", "json", "--allowed-registry", "ghcr.io/acme"],
        PRIVILEGED_POD,
    ));
    let count = |r: &Value| {
        r["findings"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|f| f["rule"] == "image-registry-allowed")
            .count()
    };
    assert_eq!(count(&without), 0);
    assert_eq!(count(&with), 1);
}

#[test]
fn a_broken_file_is_reported_and_the_rest_still_scanned() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "a-broken.yaml",
        b"apiVersion: v1\nkind: Pod\nmetadata: {name: b\n",
    );
    write(dir.path(), "b-good.yaml", PRIVILEGED_POD.as_bytes());
    write(dir.path(), "c-notes.txt", b"not a manifest");
    write(dir.path(), "d-values.yaml", b"replicas: 3\nimage: nginx\n");
    let output = rampart(&["scan", dir.path().to_str().unwrap(), "--format", "json"]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(errors[0]["path"].as_str().unwrap().ends_with("a-broken.yaml"));
    assert!(errors[0]["line"].as_u64().is_some());
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["rule"] == "no-privileged")
    );
    assert_eq!(report["summary"]["files"], 3);
    assert_eq!(report["summary"]["skipped_documents"], 1);
}

#[test]
fn folders_honour_gitignore_and_skip_hidden_and_other_files() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), ".gitignore", b"generated/\nscratch.yaml\n");
    write(dir.path(), "generated/pod.yaml", PRIVILEGED_POD.as_bytes());
    write(dir.path(), "scratch.yaml", PRIVILEGED_POD.as_bytes());
    write(dir.path(), ".hidden/pod.yaml", PRIVILEGED_POD.as_bytes());
    write(dir.path(), "pod.yaml.bak", PRIVILEGED_POD.as_bytes());
    write(dir.path(), "deploy/pod.yml", PRIVILEGED_POD.as_bytes());
    write(dir.path(), "deploy/pod.json", br#"{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "j", "namespace": "x"}, "spec": {"containers": [{"name": "a", "securityContext": {"privileged": true}}]}}"#);
    let report = json(&rampart(&["scan", dir.path().to_str().unwrap(), "--format", "json"]));
    let mut paths: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["rule"] == "no-privileged")
        .map(|f| {
            let path = f["location"]["path"].as_str().unwrap();
            path.strip_prefix(dir.path().to_str().unwrap()).unwrap().to_string()
        })
        .collect();
    paths.sort();
    assert_eq!(paths, vec!["/deploy/pod.json", "/deploy/pod.yml"]);
    assert_eq!(report["summary"]["files"], 2);
    // A file named explicitly is read whatever its name.
    let explicit = json(&rampart(&[
        "scan",
        dir.path().join("pod.yaml.bak").to_str().unwrap(),
        "--format",
        "json",
    ]));
    assert_eq!(explicit["summary"]["objects"], 1);
}

#[test]
fn hostile_inputs_get_one_error_each_and_nothing_hangs() {
    let dir = tempfile::tempdir().unwrap();
    let mut bomb = String::from(
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: lol}\ndata:\n  a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n",
    );
    for level in 1..12 {
        let p = level - 1;
        bomb.push_str(&format!(
            "  a{level}: &a{level} [*a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}, *a{p}]\n"
        ));
    }
    write(dir.path(), "bomb.yaml", bomb.as_bytes());
    let deep = format!("a: {}{}\n", "[".repeat(100_000), "]".repeat(100_000));
    write(dir.path(), "deep.yaml", deep.as_bytes());
    write(dir.path(), "binary.yaml", &[0x7f, b'E', b'L', b'F', 0, 0, 1, 2]);
    write(dir.path(), "big.json", &vec![b' '; 400_000]);
    write(dir.path(), "latin1.yaml", b"a: caf\xe9\n");
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
        use std::os::unix::ffi::OsStrExt;
        let odd_name = std::ffi::OsStr::from_bytes(b"odd-\xff-name.yaml");
        std::fs::write(dir.path().join(odd_name), PRIVILEGED_POD).unwrap();
    }
    let output = rampart(&[
        "scan",
        dir.path().to_str().unwrap(),
        "--format",
        "json",
        "--max-file-size",
        "300000",
    ]);
    let report = json(&output);
    assert_eq!(output.status.code(), Some(2));
    let errors = report["errors"].as_array().unwrap();
    let message_for = |name: &str| -> String {
        let matching: Vec<&Value> = errors
            .iter()
            .filter(|e| e["path"].as_str().unwrap().ends_with(name))
            .collect();
        assert_eq!(matching.len(), 1, "expected one error for {name}: {errors:#?}");
        matching[0]["message"].as_str().unwrap().to_string()
    };
    assert!(message_for("bomb.yaml").contains("alias bomb"));
    assert!(message_for("deep.yaml").contains("recursion") || message_for("deep.yaml").contains("nesting"));
    assert!(message_for("binary.yaml").contains("binary"));
    assert!(message_for("big.json").contains("--max-file-size"));
    assert!(message_for("latin1.yaml").contains("UTF-8"));
    #[cfg(unix)]
    {
        assert!(message_for("loop").contains("loop"));
        assert!(
            report["findings"]
                .as_array()
                .unwrap()
                .iter()
                .any(|f| f["location"]["path"].as_str().unwrap().contains("odd-"))
        );
    }
}

#[test]
fn missing_paths_and_helm_charts_are_errors_that_say_what_to_do() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "chart/Chart.yaml",
        b"apiVersion: v2\nname: shop\nversion: 0.1.0\n",
    );
    write(dir.path(), "chart/values.yaml", b"image: nginx\n");
    write(
        dir.path(),
        "chart/templates/deployment.yaml",
        b"apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {{ .Release.Name }}\n",
    );
    write(
        dir.path(),
        "chart/templates/service.yaml",
        b"apiVersion: v1\nkind: Service\n",
    );
    let missing = dir.path().join("nope.yaml");
    let output = rampart(&[
        "scan",
        dir.path().to_str().unwrap(),
        missing.to_str().unwrap(),
        "--format",
        "json",
    ]);
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    let errors = report["errors"].as_array().unwrap();
    // The chart, the missing file, and that nothing at all was scanned.
    assert_eq!(errors.len(), 3, "{errors:#?}");
    let messages: Vec<&str> = errors.iter().map(|e| e["message"].as_str().unwrap()).collect();
    assert!(
        messages.iter().any(|m| m.starts_with("nothing to scan")),
        "{messages:?}"
    );
    assert!(
        messages
            .iter()
            .any(|m| m.contains("helm template") && m.contains("2 unrendered"))
    );
    assert!(messages.iter().any(|m| m.contains("no such file")));
}

#[test]
fn text_output_has_no_colour_off_a_terminal_and_a_summary_line() {
    let output = rampart(&["scan", &repo("examples/insecure")]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains('\u{1b}'));
    assert!(text.contains("no-privileged"));
    assert!(text.contains("field: spec.template.spec.containers[0].securityContext.privileged"));
    let lines: Vec<&str> = text.lines().collect();
    let summary = lines[lines.len() - 2];
    assert!(summary.contains("findings") && summary.contains("failed"), "{summary}");
    // The controls matrix in one line, failing controls first.
    let controls = lines[lines.len() - 1];
    assert!(
        controls.starts_with("controls: fail isolation, rbac, network, runtime,"),
        "{controls}"
    );
    // No Namespace object and no waiver: admission and exceptions were not
    // judged, so they do not pass.
    assert!(!controls.contains("pass"), "{controls}");
    assert!(
        controls.ends_with(
            "fail isolation, rbac, network, runtime, images, secrets, iac, workload, build, evidence, detection; 3 not evaluated"
        ),
        "{controls}"
    );
    let coloured = rampart(&["--color", "always", "scan", &repo("examples/insecure")]);
    assert!(String::from_utf8(coloured.stdout).unwrap().contains('\u{1b}'));
}

#[test]
fn rules_and_explain() {
    let output = rampart(&["rules"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    for id in [
        "run-as-non-root",
        "no-privileged",
        "image-digest-pinned",
        "no-literal-secret-env",
    ] {
        assert!(text.contains(id), "{id} missing from `rampart rules`");
    }
    let listing: Value = serde_json::from_slice(&rampart(&["rules", "--format", "json"]).stdout).unwrap();
    let ids: Vec<&str> = listing
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap())
        .collect();
    assert!(ids.len() >= 30);
    let explain = rampart(&["explain", "run-as-non-root"]);
    assert_eq!(explain.status.code(), Some(0));
    let page = String::from_utf8(explain.stdout).unwrap();
    assert!(page.starts_with("# run-as-non-root"));
    assert!(page.contains("## How to fix"));
    let unknown = rampart(&["explain", "non-root"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8(unknown.stderr).unwrap().contains("run-as-non-root"));
}

/// Thousands of findings start with what they add up to: a count per rule,
/// most frequent first. A short report has none.
#[test]
fn long_text_reports_open_with_a_count_per_rule() {
    let dir = tempfile::tempdir().unwrap();
    let pods: String = (0..12)
        .map(|i| format!("---\napiVersion: v1\nkind: Pod\nmetadata: {{name: p{i}, namespace: a}}\nspec:\n  containers: [{{name: c, image: x}}]\n"))
        .collect();
    std::fs::write(dir.path().join("pods.yaml"), pods).unwrap();
    let output = common::rampart_in(dir.path(), &["scan", "pods.yaml", "--no-secrets"]);
    let text = String::from_utf8(output.stdout).unwrap();
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some("findings by rule"), "{text}");
    let first = lines.next().unwrap();
    let count: usize = first.split_whitespace().next().unwrap().parse().unwrap();
    assert!(count >= 12, "{first}");
    std::fs::write(
        dir.path().join("one.yaml"),
        "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: a}\nspec:\n  hostPID: true\n  containers: [{name: c, image: x}]\n",
    )
    .unwrap();
    let single = common::rampart_in(
        dir.path(),
        &["scan", "one.yaml", "--no-secrets", "--profile", "pss-baseline"],
    );
    assert!(!String::from_utf8(single.stdout).unwrap().contains("findings by rule"));
}
