//! `rampart fix` as a user runs it: a diff by default, `--write` for the safe fixes,
//! `--unsafe` for the rest; everything outside the edits kept byte for byte; what needs a
//! person listed with the reason; and on real bundles, nothing broken and nothing new.

mod common;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use common::{json, rampart_in, write_file};

const APP: &str = "# The checkout service.\r\napiVersion: apps/v1\r\nkind: Deployment\r\nmetadata:\r\n  name: checkout   # owned by payments\r\n  namespace: shop\r\nspec:\r\n  selector:\r\n    matchLabels: {app: checkout}\r\n  template:\r\n    metadata:\r\n      labels: {app: checkout}\r\n    spec:\r\n      containers:\r\n        - name: app\r\n          image: 'registry.example.com/checkout:1.4'\r\n          securityContext:\r\n            runAsUser: 10001\r\n          ports:\r\n            - containerPort: 8080\r\n        - name: proxy\r\n          image: \"registry.example.com/proxy:2\"\r\n          securityContext: {privileged: true}\r\n---\r\n# A second document, untouched by the app's fixes.\r\napiVersion: v1\r\nkind: ConfigMap\r\nmetadata: {name: settings, namespace: shop}\r\ndata: {mode: production}\r\n";

fn findings(dir: &Path, path: &str) -> BTreeSet<(String, String)> {
    let report = json(&rampart_in(dir, &["scan", path, "-f", "json"]));
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["field"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn safe_fixes_are_a_diff_then_written_with_everything_else_kept() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "app.yaml", APP);
    let before = findings(dir.path(), "app.yaml");

    // The diff: nothing written, exit 1 because there is something to write.
    let shown = rampart_in(dir.path(), &["fix", "app.yaml"]);
    assert_eq!(shown.status.code(), Some(1));
    let diff = String::from_utf8(shown.stdout).unwrap();
    assert!(diff.starts_with("--- a/app.yaml\n+++ b/app.yaml\n"), "{diff}");
    assert_eq!(std::fs::read_to_string(dir.path().join("app.yaml")).unwrap(), APP);
    let stderr = String::from_utf8(shown.stderr).unwrap();
    assert!(
        stderr.contains("would fix app.yaml:17: capabilities-drop-all Deployment/shop/checkout (safe"),
        "{stderr}"
    );
    // The privileged container: drop ALL is unsafe there, allowPrivilegeEscalation impossible.
    assert!(
        stderr
            .contains("capabilities-drop-all Deployment/shop/checkout (unsafe): it can change what the workload does"),
        "{stderr}"
    );
    assert!(
        stderr.contains("no-privilege-escalation Deployment/shop/checkout (safe): the container is privileged"),
        "{stderr}"
    );
    // Needs input: listed, never guessed.
    assert!(
        stderr.contains("resource-limits-set Deployment/shop/checkout (needs input)"),
        "{stderr}"
    );
    assert!(!diff.contains("resources"), "{diff}");

    let written = rampart_in(dir.path(), &["fix", "app.yaml", "--write"]);
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let fixed = std::fs::read_to_string(dir.path().join("app.yaml")).unwrap();
    // No binding names the pod's account: turning its token off is safe too.
    let expected = APP
        .replace(
            "          securityContext: {privileged: true}\r\n",
            "          securityContext: {privileged: true}\r\n      automountServiceAccountToken: false\r\n",
        )
        .replace(
            "            runAsUser: 10001\r\n",
            "            runAsUser: 10001\r\n            capabilities:\r\n              drop: [ALL]\r\n            allowPrivilegeEscalation: false\r\n            runAsNonRoot: true\r\n            seccompProfile:\r\n              type: RuntimeDefault\r\n",
        );
    assert_eq!(fixed, expected);
    let after = findings(dir.path(), "app.yaml");
    assert!(
        after.is_subset(&before),
        "new: {:?}",
        after.difference(&before).collect::<Vec<_>>()
    );
    for gone in [
        "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
        "spec.template.spec.containers[0].securityContext.capabilities.drop",
        "spec.template.spec.containers[0].securityContext.seccompProfile.type",
        "spec.template.spec.containers[0].securityContext.runAsNonRoot",
    ] {
        assert!(after.iter().all(|(_, field)| field != gone), "{gone} still found");
    }
    // Nothing safe is left: a second run writes nothing and exits 0.
    let again = rampart_in(dir.path(), &["fix", "app.yaml"]);
    assert_eq!(again.status.code(), Some(0));
    assert!(again.stdout.is_empty());
}

#[test]
fn unsafe_fixes_wait_for_unsafe_and_rules_can_be_chosen() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "app.yaml", APP);
    let chosen = rampart_in(
        dir.path(),
        &["fix", "app.yaml", "--write", "--unsafe", "--rule", "read-only-root-fs"],
    );
    assert_eq!(chosen.status.code(), Some(0));
    let fixed = std::fs::read_to_string(dir.path().join("app.yaml")).unwrap();
    assert_eq!(
        fixed,
        APP.replace(
            "            runAsUser: 10001\r\n",
            "            runAsUser: 10001\r\n            readOnlyRootFilesystem: true\r\n"
        )
        .replace(
            "securityContext: {privileged: true}",
            "securityContext: {privileged: true, readOnlyRootFilesystem: true}"
        )
    );
    let unknown = rampart_in(dir.path(), &["fix", "app.yaml", "--rule", "no-host-path"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("no fix; the rules with one are"));
}

const HOSTED: &str = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      hostNetwork: true   # legacy\n      securityContext:\n        runAsUser: 0\n      containers:\n      - name: app\n        image: registry.example.com/web:1@sha256:0000000000000000000000000000000000000000000000000000000000000000\n        ports:\n        - hostPort: 8080  # node\n          containerPort: 8080\n          name: http\n        livenessProbe:\n          httpGet: {host: 169.254.169.254, path: /, port: http}\n        resources:\n          limits: {memory: 256Mi}\n";

#[test]
fn removals_and_values_given_on_the_command_line_are_written_as_edits() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "web.yaml", HOSTED);
    let rules = [
        "--rule",
        "no-probe-host-override",
        "--rule",
        "no-host-port",
        "--rule",
        "no-host-network",
        "--rule",
        "run-as-user-not-zero",
        "--rule",
        "resource-limits-set",
        "--rule",
        "resource-requests-set",
    ];
    // Safe only, no values: the probe's host goes (its port is the container's), the rest is listed.
    let mut args = vec!["fix", "web.yaml", "--write"];
    args.extend(rules);
    let safe = rampart_in(dir.path(), &args);
    assert_eq!(safe.status.code(), Some(0));
    let stderr = String::from_utf8(safe.stderr).unwrap();
    assert!(
        stderr.contains("left web.yaml:9: no-host-network Deployment/shop/web (unsafe)"),
        "{stderr}"
    );
    assert!(stderr.contains("left web.yaml:11: run-as-user-not-zero Deployment/shop/web (needs input): the UID must be one the image can run as: give it with --run-as-user"), "{stderr}");
    assert!(
        stderr.contains("left web.yaml:16: no-host-port Deployment/shop/web (unsafe)"),
        "{stderr}"
    );
    let once = std::fs::read_to_string(dir.path().join("web.yaml")).unwrap();
    assert_eq!(
        once,
        HOSTED.replace("{host: 169.254.169.254, path: /, port: http}", "{path: /, port: http}")
    );

    // With --unsafe and the values.
    let mut args = vec![
        "fix",
        "web.yaml",
        "--write",
        "--unsafe",
        "--run-as-user",
        "10001",
        "--limits",
        "cpu=500m,memory=256Mi",
        "--requests",
        "cpu=100m,memory=128Mi",
    ];
    args.extend(rules);
    let all = rampart_in(dir.path(), &args);
    assert_eq!(all.status.code(), Some(0), "{}", String::from_utf8_lossy(&all.stderr));
    let twice = std::fs::read_to_string(dir.path().join("web.yaml")).unwrap();
    assert_eq!(
        twice,
        once.replace("hostNetwork: true   # legacy", "hostNetwork: false   # legacy")
            .replace("runAsUser: 0", "runAsUser: 10001")
            .replace(
                "        - hostPort: 8080  # node\n          containerPort: 8080\n",
                "        - containerPort: 8080\n"
            )
            .replace(
                "limits: {memory: 256Mi}\n",
                "limits: {memory: 256Mi, cpu: 500m}\n          requests:\n            cpu: 100m\n"
            )
    );
    let left: Vec<(String, String)> = findings(dir.path(), "web.yaml")
        .into_iter()
        .filter(|(rule, _)| rules.contains(&rule.as_str()))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    for bad in [
        ["--limits", "disk=1"],
        ["--run-as-user", "0"],
        ["--requests", "cpu=lots"],
    ] {
        let refused = rampart_in(dir.path(), &["fix", "web.yaml", bad[0], bad[1]]);
        assert_eq!(refused.status.code(), Some(2), "{bad:?}");
    }
}

#[test]
fn rendered_input_gets_a_json_patch_component_kustomize_applies() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "base/rendered.yaml", HOSTED);
    let output = rampart_in(
        dir.path(),
        &["fix", "base/rendered.yaml", "-f", "json-patch", "--unsafe"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let component = String::from_utf8(output.stdout).unwrap();
    assert!(component.contains("apiVersion: kustomize.config.k8s.io/v1alpha1\nkind: Component\npatches:\n- target:\n    group: apps\n    version: v1\n    kind: Deployment\n    name: web\n    namespace: shop\n  patch: |-\n    [\n"), "{component}");
    for operation in [
        r#"{"op":"replace","path":"/spec/template/spec/hostNetwork","value":false}"#,
        r#"{"op":"test","path":"/spec/template/spec/containers/0/name","value":"app"}"#,
        r#"{"op":"remove","path":"/spec/template/spec/containers/0/ports/0/hostPort"}"#,
        r#"{"op":"remove","path":"/spec/template/spec/containers/0/livenessProbe/httpGet/host"}"#,
    ] {
        assert_eq!(component.matches(operation).count(), 1, "{operation} in {component}");
    }
    let strategic = rampart_in(
        dir.path(),
        &["fix", "base/rendered.yaml", "-f", "kustomize", "--unsafe"],
    );
    let strategic = String::from_utf8(strategic.stdout).unwrap();
    assert!(
        strategic.contains("          httpGet:\n            host: null\n"),
        "{strategic}"
    );
    assert!(
        strategic.contains("        ports:\n        - containerPort: 8080\n          hostPort: null\n"),
        "{strategic}"
    );

    // kubectl's Kustomize reads components from v3.7 (kubectl 1.21) on.
    let version = std::process::Command::new("kubectl")
        .args(["version", "--client"])
        .output();
    let kustomize_major = version
        .ok()
        .and_then(|out| {
            let text = String::from_utf8_lossy(&out.stdout).to_string();
            let at = text.find("Kustomize Version: v")? + "Kustomize Version: v".len();
            text[at..].split('.').next()?.parse::<u32>().ok()
        })
        .unwrap_or(0);
    if kustomize_major < 4 {
        println!("skipped: no kubectl with Kustomize 4 or later, the component is not built");
        return;
    }
    write_file(dir.path(), "base/kustomization.yaml", "resources: [rendered.yaml]\n");
    write_file(dir.path(), "hardening/kustomization.yaml", &component);
    write_file(
        dir.path(),
        "overlay/kustomization.yaml",
        "resources: [../base]\ncomponents: [../hardening]\n",
    );
    overlay_clears(
        dir.path(),
        &[
            "spec.template.spec.hostNetwork",
            "spec.template.spec.containers[0].ports[0].hostPort",
            "spec.template.spec.containers[0].livenessProbe.httpGet.host",
            "spec.template.spec.containers[0].securityContext.seccompProfile.type",
        ],
    );
}

/// Builds `dir/overlay` with `kubectl kustomize` and checks the result against
/// `dir/base/rendered.yaml`: no finding that was not there, and each of `gone` found
/// before and not after.
fn overlay_clears(dir: &Path, gone: &[&str]) {
    let built = std::process::Command::new("kubectl")
        .args(["kustomize", "overlay"])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", String::from_utf8_lossy(&built.stderr));
    write_file(dir, "built.yaml", &String::from_utf8(built.stdout).unwrap());
    let before = findings(dir, "base/rendered.yaml");
    let after = findings(dir, "built.yaml");
    assert!(
        after.is_subset(&before),
        "new: {:?}",
        after.difference(&before).collect::<Vec<_>>()
    );
    for gone in gone {
        assert!(before.iter().any(|(_, field)| field == gone), "{gone} not found before");
        assert!(after.iter().all(|(_, field)| field != gone), "{gone} still found");
    }
}

/// A pod with `pod` lines under `spec` and `container` lines after its container's
/// `securityContext: {runAsUser: 10001}`.
fn pod_with(pod: &str, container: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: shop}}\nspec:\n{pod}  containers:\n  - name: app\n    image: registry.example.com/app:1@sha256:0000000000000000000000000000000000000000000000000000000000000000\n    securityContext:\n      runAsUser: 10001\n{container}"
    )
}

#[test]
fn every_fix_on_a_firing_fixture_removes_its_finding_and_changes_only_its_span() {
    const KEPT: &str = "      runAsUser: 10001\n";
    // (rule, the field it fires on, pod lines, container lines, text replaced, replacement)
    let cases: &[(&str, &str, &str, &str, &str, &str)] = &[
        (
            "no-privilege-escalation",
            "spec.containers[0].securityContext.allowPrivilegeEscalation",
            "",
            "",
            KEPT,
            "      runAsUser: 10001\n      allowPrivilegeEscalation: false\n",
        ),
        (
            "seccomp-required",
            "spec.containers[0].securityContext.seccompProfile.type",
            "",
            "",
            KEPT,
            "      runAsUser: 10001\n      seccompProfile:\n        type: RuntimeDefault\n",
        ),
        (
            "capabilities-drop-all",
            "spec.containers[0].securityContext.capabilities.drop",
            "",
            "",
            KEPT,
            "      runAsUser: 10001\n      capabilities:\n        drop: [ALL]\n",
        ),
        (
            "read-only-root-fs",
            "spec.containers[0].securityContext.readOnlyRootFilesystem",
            "",
            "",
            KEPT,
            "      runAsUser: 10001\n      readOnlyRootFilesystem: true\n",
        ),
        (
            "run-as-non-root",
            "spec.containers[0].securityContext.runAsNonRoot",
            "",
            "",
            KEPT,
            "      runAsUser: 10001\n      runAsNonRoot: true\n",
        ),
        (
            "resource-limits-set",
            "spec.containers[0].resources.limits",
            "",
            "",
            KEPT,
            "      runAsUser: 10001\n    resources:\n      limits: {cpu: 500m, memory: 256Mi}\n",
        ),
        (
            "resource-requests-set",
            "spec.containers[0].resources.requests.cpu",
            "",
            "    resources: {limits: {memory: 1Gi}}\n",
            "{limits: {memory: 1Gi}}",
            "{limits: {memory: 1Gi}, requests: {cpu: 100m}}",
        ),
        (
            "no-automount-sa-token",
            "spec.automountServiceAccountToken",
            "",
            "",
            KEPT,
            "      runAsUser: 10001\n  automountServiceAccountToken: false\n",
        ),
        (
            "no-probe-host-override",
            "spec.containers[0].readinessProbe.httpGet.host",
            "",
            "    ports: [{containerPort: 8080}]\n    readinessProbe:\n      httpGet:\n        host: 10.0.0.1\n        port: 8080\n",
            "        host: 10.0.0.1\n",
            "",
        ),
        (
            "no-host-port",
            "spec.containers[0].ports[0].hostPort",
            "",
            "    ports:\n    - containerPort: 80\n      hostPort: 80\n",
            "      hostPort: 80\n",
            "",
        ),
        (
            "no-host-network",
            "spec.hostNetwork",
            "  hostNetwork: true\n",
            "",
            "hostNetwork: true",
            "hostNetwork: false",
        ),
        (
            "no-host-pid",
            "spec.hostPID",
            "  hostPID: true\n",
            "",
            "hostPID: true",
            "hostPID: false",
        ),
        (
            "no-host-ipc",
            "spec.hostIPC",
            "  hostIPC: true\n",
            "",
            "hostIPC: true",
            "hostIPC: false",
        ),
        (
            "no-privileged",
            "spec.containers[0].securityContext.privileged",
            "",
            "      privileged: true\n",
            "privileged: true",
            "privileged: false",
        ),
        (
            "run-as-user-not-zero",
            "spec.securityContext.runAsUser",
            "  securityContext: {runAsUser: 0}\n",
            "",
            "{runAsUser: 0}",
            "{runAsUser: 10001}",
        ),
    ];
    // The digest's fix reaches a registry: pin_digests_writes_the_digest_... tests it.
    let tested_elsewhere = ["image-digest-pinned"];
    for fix in rampart_k8s::fixes::FIXES {
        assert!(
            cases.iter().any(|case| case.0 == fix.rule) || tested_elsewhere.contains(&fix.rule),
            "{} has no case",
            fix.rule
        );
    }
    let values = [
        "--run-as-user",
        "10001",
        "--limits",
        "cpu=500m,memory=256Mi",
        "--requests",
        "cpu=100m,memory=128Mi",
    ];
    for (rule, field, pod, container, replaced, replacement) in cases {
        let dir = tempfile::tempdir().unwrap();
        let original = pod_with(pod, container);
        write_file(dir.path(), "p.yaml", &original);
        let fired = (rule.to_string(), field.to_string());
        assert!(
            findings(dir.path(), "p.yaml").contains(&fired),
            "{rule} does not fire on\n{original}"
        );
        let safety = rampart_k8s::fixes::fix_for(rule).unwrap().safety;
        // Without --unsafe or the values, an unsafe or needs-input fix is listed, not written.
        let listed = rampart_in(dir.path(), &["fix", "p.yaml", "--write", "--rule", rule]);
        let unchanged = std::fs::read_to_string(dir.path().join("p.yaml")).unwrap();
        if safety == rampart_core::FixSafety::Safe {
            assert_ne!(unchanged, original, "{rule}: a safe fix was not written");
            write_file(dir.path(), "p.yaml", &original);
        } else {
            assert_eq!(unchanged, original, "{rule}: written without --unsafe or its value");
            let stderr = String::from_utf8_lossy(&listed.stderr);
            assert!(
                stderr.contains("left p.yaml:") && stderr.contains(rule),
                "{rule}: {stderr}"
            );
        }
        let mut args = vec!["fix", "p.yaml", "--write", "--unsafe", "--rule", rule];
        args.extend(values);
        let output = rampart_in(dir.path(), &args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{rule}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let fixed = std::fs::read_to_string(dir.path().join("p.yaml")).unwrap();
        assert_eq!(
            original.matches(replaced).count(),
            1,
            "{rule}: the case's text is ambiguous"
        );
        assert_eq!(fixed, original.replacen(replaced, replacement, 1), "{rule}");
        let after = findings(dir.path(), "p.yaml");
        assert!(!after.contains(&fired), "{rule} still fires");
        assert!(
            after.is_subset(&findings_of_text(&original)),
            "{rule} added a finding: {after:?}"
        );
    }
}

/// The findings of `text` scanned alone.
fn findings_of_text(text: &str) -> BTreeSet<(String, String)> {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "p.yaml", text);
    findings(dir.path(), "p.yaml")
}

#[test]
fn rendered_input_can_be_reviewed_as_a_diff() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["fix", "-", "-f", "diff", "--rule", "no-probe-host-override"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(HOSTED.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(1), "a diff to review");
    let diff = String::from_utf8(output.stdout).unwrap();
    assert!(diff.starts_with("--- a/<stdin>\n+++ b/<stdin>\n"), "{diff}");
    assert!(
        diff.contains("-          httpGet: {host: 169.254.169.254, path: /, port: http}\n+          httpGet: {path: /, port: http}\n"),
        "{diff}"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("would fix <stdin>:20: no-probe-host-override Deployment/shop/web (safe"),
        "{stderr}"
    );
    let dir = tempfile::tempdir().unwrap();
    let refused = rampart_in(dir.path(), &["fix", "-", "-f", "diff", "--write"]);
    assert_eq!(refused.status.code(), Some(2));
}

#[test]
fn what_cannot_be_edited_in_place_is_left_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let anchored = "apiVersion: v1\nkind: Pod\nmetadata: {name: p, namespace: shop}\nspec:\n  containers:\n  - name: a\n    image: x@sha256:0000000000000000000000000000000000000000000000000000000000000000\n    securityContext: &shared\n      runAsUser: 10001\n  - name: b\n    image: y@sha256:0000000000000000000000000000000000000000000000000000000000000000\n    securityContext: *shared\n";
    write_file(dir.path(), "pod.yaml", anchored);
    let output = rampart_in(
        dir.path(),
        &[
            "fix",
            "pod.yaml",
            "--write",
            "--rule",
            "seccomp-required",
            "--rule",
            "no-privilege-escalation",
        ],
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("not written: line 8: the path goes through an anchor, alias or tag"),
        "{stderr}"
    );
    assert_eq!(std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap(), anchored);
}

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/real-manifests");
    if path.is_dir() {
        Some(path.canonicalize().unwrap())
    } else {
        println!("skipped: ../shared/corpus is absent");
        None
    }
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

#[test]
fn real_bundles_fixed_in_place_still_parse_and_find_nothing_new() {
    let Some(corpus) = corpus() else { return };
    // A copy in a temporary folder: the corpus is read in place, never changed.
    let dir = tempfile::tempdir().unwrap();
    copy_tree(&corpus, &dir.path().join("bundles"));
    let scan = |dir: &Path| -> (BTreeSet<(String, String, String, String)>, usize) {
        let report = json(&rampart_in(dir, &["scan", "bundles", "-f", "json"]));
        let findings = report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|finding| {
                (
                    finding["rule"].as_str().unwrap().to_string(),
                    finding["location"]["path"].as_str().unwrap().to_string(),
                    finding["resource"]["name"].as_str().unwrap_or_default().to_string(),
                    finding["field"].as_str().unwrap().to_string(),
                )
            })
            .collect();
        (findings, report["errors"].as_array().unwrap().len())
    };
    let (before, errors_before) = scan(dir.path());
    let output = rampart_in(dir.path(), &["fix", "bundles", "--write", "--unsafe"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    let written: usize = stderr.lines().filter(|line| line.starts_with("fixed ")).count();
    assert!(written > 100, "{stderr}");
    let (after, errors_after) = scan(dir.path());
    assert_eq!(errors_after, errors_before, "a fixed file no longer reads");
    let new: Vec<_> = after.difference(&before).collect();
    assert!(new.is_empty(), "new findings: {new:#?}");
    assert_eq!(before.len() - after.len(), written, "each fix removes its finding");
    // Outside the edits, nothing changed: every original line is still there, in order (or
    // extended, where a flow entry was appended to it), or (a value a fix replaced) its key
    // is, at the same indentation, or (a key a fix removed) it is gone.
    let removals = stderr
        .lines()
        .filter(|line| line.starts_with("fixed ") && line.ends_with("(removed))"))
        .count();
    let mut removed_lines = 0;
    for entry in walk(&corpus) {
        let relative = entry.strip_prefix(&corpus).unwrap();
        let original = std::fs::read_to_string(&entry).unwrap_or_default();
        let fixed = std::fs::read_to_string(dir.path().join("bundles").join(relative)).unwrap_or_default();
        // JSON stays JSON.
        if serde_json::from_str::<serde_json::Value>(&original).is_ok() {
            assert!(
                serde_json::from_str::<serde_json::Value>(&fixed).is_ok(),
                "{} is no longer JSON",
                relative.display()
            );
        }
        let fixed: Vec<&str> = fixed.lines().collect();
        let mut at = 0;
        for line in original.lines() {
            // The entry after a removed `- hostPort:` takes its dash.
            let kept_line = |kept: &&str| kept.starts_with(line) || kept.replacen("- ", "  ", 1) == line;
            if let Some(found) = fixed[at..].iter().position(kept_line) {
                at += found + 1;
                continue;
            }
            let (key, _) = line
                .split_once(": ")
                .unwrap_or_else(|| panic!("{}: the line {line:?} was changed", relative.display()));
            if matches!(key.trim().trim_start_matches("- "), "hostPort" | "host") {
                removed_lines += 1;
                continue;
            }
            let found = fixed[at..]
                .iter()
                .position(|kept| kept.starts_with(&format!("{key}: ")))
                .unwrap_or_else(|| panic!("{}: the line {line:?} was changed", relative.display()));
            at += found + 1;
        }
    }
    assert!(
        removed_lines <= removals,
        "{removed_lines} lines gone, {removals} removals"
    );
}

fn walk(root: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

#[test]
fn pin_digests_writes_the_digest_the_registry_names_and_nothing_reaches_it_otherwise() {
    use rampart_registry::local::{LocalRegistry, plain_client, push_image, push_index};
    let Some(local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let registry = plain_client();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let (single, multi) = runtime.block_on(async {
        let single = push_image(&registry, &local.reference("acme/api", "2.3.1"), b"api")
            .await
            .unwrap();
        let (index, _) = push_index(
            &registry,
            &local.reference("acme/web", "1"),
            &[("linux", "amd64"), ("linux", "arm64")],
        )
        .await
        .unwrap();
        (single, index)
    });
    let dir = tempfile::tempdir().unwrap();
    let manifest = format!(
        "apiVersion: v1\nkind: Pod\nmetadata: {{name: p, namespace: shop}}\nspec:\n  containers:\n  - name: api\n    image: {0}/acme/api:2.3.1   # the release\n  - name: web\n    image: \"{0}/acme/web:1\"\n  - name: gone\n    image: {0}/acme/gone:1\n  - name: placeholder\n    image: {0}/acme/api:2.3.1@sha256:PIN-ME-rampart-fix-pin-digests\n",
        local.address
    );
    write_file(dir.path(), "pod.yaml", &manifest);
    // Without the flag: listed as needing the digest, nothing asked of the registry.
    let listed = rampart_in(dir.path(), &["fix", "pod.yaml", "--rule", "image-digest-pinned"]);
    assert_eq!(listed.status.code(), Some(0));
    assert!(
        String::from_utf8_lossy(&listed.stderr)
            .contains("needs the digest the tag names: --pin-digests asks the registry")
    );

    let pinned = rampart_in(
        dir.path(),
        &[
            "fix",
            "pod.yaml",
            "--rule",
            "image-digest-pinned",
            "--pin-digests",
            "--write",
        ],
    );
    // The image the registry does not have is an error; the others are written.
    assert_eq!(
        pinned.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&pinned.stderr)
    );
    let fixed = std::fs::read_to_string(dir.path().join("pod.yaml")).unwrap();
    assert_eq!(
        fixed,
        manifest
            .replace("acme/api:2.3.1   #", &format!("acme/api:2.3.1@{}   #", single.digest))
            .replace("acme/web:1\"", &format!("acme/web:1@{}\"", multi.digest))
            // `rampart init`'s placeholder digest is replaced too.
            .replace("@sha256:PIN-ME-rampart-fix-pin-digests", &format!("@{}", single.digest))
    );
}

#[test]
fn rendered_input_gets_patches_an_overlay_applies() {
    use std::io::Write as _;
    use std::process::{Command, Stdio};
    let rendered = APP.replace("\r\n", "\n");
    let dir = tempfile::tempdir().unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["fix", "-"])
        .current_dir(dir.path())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(rendered.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let patches = String::from_utf8(output.stdout).unwrap();
    assert_eq!(
        patches,
        "---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: checkout\n  namespace: shop\nspec:\n  template:\n    spec:\n      automountServiceAccountToken: false\n      containers:\n      - name: app\n        securityContext:\n          allowPrivilegeEscalation: false\n          capabilities:\n            drop: [ALL]\n          runAsNonRoot: true\n          seccompProfile:\n            type: RuntimeDefault\n"
    );
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains(
            "left <stdin>:23: no-privilege-escalation Deployment/shop/checkout (safe): the container is privileged"
        ),
        "{stderr}"
    );

    // The overlay Kustomize builds from them clears those findings and adds none.
    if Command::new("kubectl").arg("version").arg("--client").output().is_err() {
        println!("skipped: kubectl is absent, the overlay is not built");
        return;
    }
    write_file(dir.path(), "base/rendered.yaml", &rendered);
    write_file(dir.path(), "base/kustomization.yaml", "resources: [rendered.yaml]\n");
    write_file(dir.path(), "overlay/patches.yaml", &patches);
    write_file(
        dir.path(),
        "overlay/kustomization.yaml",
        // bases and patchesStrategicMerge: what Debian's kubectl 1.20 (kustomize 2) reads; v5 still does.
        "bases:\n- ../base\npatchesStrategicMerge:\n- patches.yaml\n",
    );
    overlay_clears(
        dir.path(),
        &[
            "spec.template.spec.containers[0].securityContext.allowPrivilegeEscalation",
            "spec.template.spec.containers[0].securityContext.seccompProfile.type",
        ],
    );
}
