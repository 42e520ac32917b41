//! `rampart admission manifests` and `rampart serve` as a user runs them:
//! the manifests in `deploy/` are what the command writes and Rampart's own
//! scan finds nothing in them; the server answers a review over HTTP on
//! 127.0.0.1, logs the decision as one JSON line, and stops on SIGTERM.

mod common;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use common::{json, rampart_in, repo};

/// Starts `rampart serve --listen 127.0.0.1:PORT ARGS` in `dir` on a free
/// port (another port when a concurrent test took it first) and returns
/// it once it listens, with the address and its standard error, past the
/// "listening" line.
fn serve(
    dir: &std::path::Path,
    args: &[&str],
    stdout: Stdio,
) -> (std::process::Child, String, BufReader<std::process::ChildStderr>) {
    let mut stdout = Some(stdout);
    for _ in 0..5 {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let listen = format!("127.0.0.1:{port}");
        let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["serve", "--listen", &listen])
            .args(args)
            .current_dir(dir)
            .stdout(stdout.take().unwrap_or(Stdio::null()))
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut stderr = BufReader::new(child.stderr.take().unwrap());
        let mut said = String::new();
        loop {
            let mut line = String::new();
            if stderr.read_line(&mut line).unwrap() == 0 {
                break;
            }
            if line.contains("listening on") {
                assert!(line.contains(&listen), "{line}");
                return (child, listen, stderr);
            }
            said.push_str(&line);
        }
        let _ = child.wait();
        assert!(said.contains("in use"), "the server did not start: {said}");
    }
    panic!("no free port after 5 tries");
}

#[test]
fn deploy_is_what_the_command_writes_and_our_scan_finds_nothing_in_it() {
    let dir = tempfile::tempdir().unwrap();
    let output = rampart_in(dir.path(), &["admission", "manifests"]);
    assert_eq!(output.status.code(), Some(0));
    let written = String::from_utf8(output.stdout).unwrap();
    let path = std::path::Path::new(&repo("deploy/rampart-admission.yaml")).to_path_buf();
    if std::env::var_os("RAMPART_BLESS").is_some() {
        std::fs::write(&path, &written).unwrap();
    }
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        written,
        "deploy/rampart-admission.yaml is stale; RAMPART_BLESS=1 rewrites it"
    );
    let scan = rampart_in(dir.path(), &["scan", &repo("deploy"), "-f", "json"]);
    let report = json(&scan);
    assert_eq!(scan.status.code(), Some(0), "{report:#}");
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}");
    assert!(report["summary"]["objects"].as_u64().unwrap() >= 10);
    // The server's Dockerfile is judged too, and the build control passes
    // on it.
    assert_eq!(report["summary"]["dockerfiles"], 1, "{report:#}");
    assert!(
        !report["summary"]["compliance"]["not_evaluated"]
            .as_array()
            .unwrap()
            .iter()
            .any(|control| control == "build"),
        "{report:#}"
    );
    // Its entrypoint takes the Deployment's args (`serve ...`) whole.
    let dockerfile = std::fs::read_to_string(repo("deploy/Dockerfile")).unwrap();
    assert!(dockerfile.contains("ENTRYPOINT [\"/usr/local/bin/rampart\"]\n"));
    assert!(written.contains("args: [\"serve\", "));
}

#[test]
fn a_ca_bundle_replaces_cert_manager() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("ca.pem"),
        "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n",
    )
    .unwrap();
    let output = rampart_in(
        dir.path(),
        &[
            "admission",
            "manifests",
            "-n",
            "guard",
            "--ca-bundle",
            "ca.pem",
            "--mode",
            "enforce",
        ],
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("caBundle: LS0tLS1CRUdJTi"), "{text}");
    assert!(!text.contains("cert-manager.io"), "{text}");
    assert!(text.contains("    mode = \"enforce\"\n"), "{text}");
    assert!(text.contains("\"--config\", \"/etc/rampart/rampart.toml\""));
    assert!(text.contains("values: [kube-system, kube-node-lease, guard]"));
}

#[test]
fn pinning_digests_adds_the_mutating_webhook_and_still_scans_clean() {
    let dir = tempfile::tempdir().unwrap();
    let output = rampart_in(dir.path(), &["admission", "manifests", "--pin-image-digests"]);
    assert_eq!(output.status.code(), Some(0));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.contains("\"--config\", \"/etc/rampart/rampart.toml\", \"--pin-image-digests\"]"),
        "{text}"
    );
    let mutating = text
        .split("---\n")
        .find(|document| document.contains("kind: MutatingWebhookConfiguration"))
        .expect("a MutatingWebhookConfiguration");
    assert!(mutating.contains("        path: /mutate\n"), "{mutating}");
    assert!(mutating.contains("    reinvocationPolicy: IfNeeded\n"), "{mutating}");
    assert!(mutating.contains("    failurePolicy: Ignore\n"), "{mutating}");
    assert!(mutating.contains("resources: [deployments, statefulsets, daemonsets, replicasets]"));
    assert!(!mutating.contains("rolebindings"), "{mutating}");
    // The validating configuration is unchanged.
    assert_eq!(text.matches("path: /validate\n").count(), 1);
    std::fs::write(dir.path().join("webhook.yaml"), &text).unwrap();
    let scan = rampart_in(dir.path(), &["scan", "webhook.yaml", "-f", "json"]);
    let report = json(&scan);
    assert_eq!(report["findings"], serde_json::json!([]), "{report:#}");
    assert_eq!(scan.status.code(), Some(0), "{report:#}");
}

#[test]
fn serve_answers_logs_one_line_per_decision_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let (mut child, listen, _stderr) = serve(dir.path(), &["--mode", "enforce"], Stdio::piped());
    let review = serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": "u-42", "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "namespace": "shop", "name": "web", "operation": "CREATE", "userInfo": {"username": "dana"},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}}
        }
    });
    let answer: serde_json::Value = ureq::post(&format!("http://{listen}/validate"))
        .send_json(&review)
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap();
    assert_eq!(answer["response"]["uid"], "u-42");
    assert_eq!(answer["response"]["allowed"], false);
    // The image's HEALTHCHECK.
    let probe = rampart_in(dir.path(), &["admission", "probe", "--address", &listen]);
    assert_eq!(probe.status.code(), Some(0));
    // SIGTERM: the server finishes and exits 0.
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert_eq!(status.code(), Some(0));
    let probe = rampart_in(dir.path(), &["admission", "probe", "--address", &listen]);
    assert_eq!(probe.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&probe.stderr).contains("nothing answers"));
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    let lines: Vec<serde_json::Value> = stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(lines.len(), 1, "{stdout}");
    assert_eq!(lines[0]["uid"], "u-42");
    assert_eq!(lines[0]["allowed"], false);
    assert_eq!(lines[0]["user"], "dana");
    assert!(
        lines[0]["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|rule| rule == "no-privileged")
    );
}

/// Posts one review and returns its answer.
fn post(listen: &str, review: &serde_json::Value) -> serde_json::Value {
    ureq::post(&format!("http://{listen}/validate"))
        .send_json(review)
        .unwrap()
        .body_mut()
        .read_json()
        .unwrap()
}

fn privileged_pod_review(uid: &str, owner: Option<&str>) -> serde_json::Value {
    let mut metadata = serde_json::json!({"name": uid});
    if let Some(owner) = owner {
        metadata["ownerReferences"] = serde_json::json!([{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": owner, "uid": "1", "controller": true}]);
    }
    serde_json::json!({
        "apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
        "request": {
            "uid": uid, "kind": {"group": "", "version": "v1", "kind": "Pod"},
            "namespace": "shop", "name": uid, "operation": "CREATE", "userInfo": {"username": "system:serviceaccount:kube-system:replicaset-controller"},
            "object": {"apiVersion": "v1", "kind": "Pod", "metadata": metadata,
                "spec": {"containers": [{"name": "web", "image": "nginx:1.27", "securityContext": {"privileged": true}}]}}
        }
    })
}

#[test]
fn sighup_reloads_the_configuration_a_broken_one_is_kept_out_and_owners_are_logged_once() {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("rampart.toml");
    std::fs::write(&config, "[admission]\nmode = \"warn\"\n").unwrap();
    let (mut child, listen, stderr) = serve(dir.path(), &[], Stdio::piped());
    // stderr is read on its own thread so that waiting for a line can time out.
    let (lines, received) = std::sync::mpsc::channel::<String>();
    std::thread::spawn(move || {
        for line in stderr.lines().map_while(Result::ok) {
            if lines.send(line).is_err() {
                break;
            }
        }
    });
    let wait_for = |needle: &str| -> String {
        loop {
            let line = received
                .recv_timeout(std::time::Duration::from_secs(20))
                .unwrap_or_else(|_| panic!("no line with `{needle}` on stderr"));
            if line.contains(needle) {
                return line;
            }
        }
    };
    // The mode is checked through the first answers below.
    let hangup = |child: &std::process::Child| {
        Command::new("kill")
            .args(["-HUP", &child.id().to_string()])
            .status()
            .unwrap();
    };

    assert_eq!(
        post(&listen, &privileged_pod_review("u-1", None))["response"]["allowed"],
        true
    );
    std::fs::write(&config, "[admission]\nmode = \"enforce\"\n").unwrap();
    hangup(&child);
    let reloaded = wait_for("configuration reloaded");
    assert!(reloaded.contains("reloaded (mode enforce)"), "{reloaded}");
    assert_eq!(
        post(&listen, &privileged_pod_review("u-2", None))["response"]["allowed"],
        false
    );

    // A mode that does not exist: the error names the file and line, and
    // enforce stays in force.
    std::fs::write(&config, "[admission]\nmode = \"block\"\n").unwrap();
    hangup(&child);
    let refused = wait_for("configuration not reloaded");
    assert!(refused.contains("not reloaded"), "{refused}");
    assert!(refused.contains("rampart.toml:2"), "{refused}");
    assert_eq!(
        post(&listen, &privileged_pod_review("u-3", None))["response"]["allowed"],
        false
    );

    // Two pods of one ReplicaSet: the log names its findings once.
    for uid in ["u-4", "u-5"] {
        let answer = post(&listen, &privileged_pod_review(uid, Some("web-5d9c")));
        assert_eq!(answer["response"]["allowed"], false);
        assert!(
            answer["response"]["status"]["message"]
                .as_str()
                .unwrap()
                .contains("ReplicaSet/web-5d9c")
        );
    }

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));
    let mut stdout = String::new();
    std::io::Read::read_to_string(&mut child.stdout.take().unwrap(), &mut stdout).unwrap();
    let decisions: Vec<serde_json::Value> = stdout.lines().map(|line| serde_json::from_str(line).unwrap()).collect();
    assert_eq!(decisions.len(), 5, "{stdout}");
    assert_eq!(decisions[0]["mode"], "warn");
    assert_eq!(decisions[1]["mode"], "enforce");
    let first_pod = &decisions[3];
    let second_pod = &decisions[4];
    assert_eq!(first_pod["owner"], "ReplicaSet/web-5d9c");
    assert!(
        first_pod["rules"]
            .as_array()
            .unwrap()
            .iter()
            .any(|rule| rule == "no-privileged")
    );
    assert_eq!(first_pod["repeated"], 0);
    assert_eq!(second_pod["rules"], serde_json::json!([]));
    assert_eq!(
        second_pod["repeated"].as_u64().unwrap(),
        first_pod["rules"].as_array().unwrap().len() as u64
    );
}

#[test]
fn vap_writes_policies_the_team_modes_bind_and_our_scan_passes() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[admission]\nmode = \"enforce\"\n\n[admission.rules]\nread-only-root-fs = \"audit\"\n",
    )
    .unwrap();
    let output = rampart_in(dir.path(), &["admission", "vap", "--profile", "pss-baseline"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    // Baseline only: no restricted rule, and no read-only-root-fs.
    assert!(text.contains("name: rampart-no-privileged\n"));
    assert!(!text.contains("rampart-run-as-non-root"));
    assert!(!text.contains("rampart-read-only-root-fs"));
    let binding = text
        .split("---\n")
        .find(|document| {
            document.contains("kind: ValidatingAdmissionPolicyBinding")
                && document.contains("name: rampart-no-privileged\n")
        })
        .unwrap();
    assert!(binding.contains("validationActions: [Deny]"), "{binding}");
    // no-host-port is medium: below fail-on (high), enforce warns.
    let binding = text
        .split("---\n")
        .find(|document| {
            document.contains("kind: ValidatingAdmissionPolicyBinding")
                && document.contains("name: rampart-no-host-port\n")
        })
        .unwrap();
    assert!(binding.contains("validationActions: [Warn]"), "{binding}");
    // What Rampart generates passes its own scan.
    std::fs::write(dir.path().join("vap.yaml"), &text).unwrap();
    let scanned = rampart_in(dir.path(), &["scan", "vap.yaml", "--format", "json"]);
    assert_eq!(scanned.status.code(), Some(0));
    assert_eq!(json(&scanned)["findings"], serde_json::json!([]));
    // One action for all.
    let audit = rampart_in(dir.path(), &["admission", "vap", "--action", "audit"]);
    let text = String::from_utf8(audit.stdout).unwrap();
    assert!(!text.contains("[Deny]") && !text.contains("[Warn]"));
    assert!(text.contains("validationActions: [Audit]"));
    assert!(text.contains("#   no-automount-sa-token: needs the ServiceAccount object"));
}

#[test]
fn record_sums_decisions_into_the_store_that_metrics_reads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("rampart.toml"),
        "[admission]\nmode = \"warn\"\n\n[admission.rules]\nno-privileged = \"enforce\"\nrun-as-non-root = \"audit\"\n",
    )
    .unwrap();
    let (mut child, listen, _stderr) = serve(dir.path(), &["--record", "--store", "decisions.db"], Stdio::null());
    let privileged = privileged_pod_review("u-1", None);
    assert_eq!(post(&listen, &privileged)["response"]["allowed"], false);
    let mut plain = privileged_pod_review("u-2", None);
    plain["request"]["object"]["spec"]["containers"][0]["securityContext"] = serde_json::json!({});
    let answer = post(&listen, &plain);
    assert_eq!(answer["response"]["allowed"], true);
    assert!(
        answer["response"]["warnings"]
            .as_array()
            .is_some_and(|warnings| !warnings.is_empty())
    );
    let mut delete = privileged_pod_review("u-3", None);
    delete["request"]["operation"] = serde_json::json!("DELETE");
    assert_eq!(post(&listen, &delete)["response"]["allowed"], true);
    // A dry run is answered, not recorded.
    let mut dry = privileged_pod_review("u-4", None);
    dry["request"]["dryRun"] = serde_json::json!(true);
    assert_eq!(post(&listen, &dry)["response"]["allowed"], false);
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert_eq!(child.wait().unwrap().code(), Some(0));

    let metrics = rampart_in(dir.path(), &["metrics", "--store", "decisions.db", "-f", "json"]);
    assert_eq!(
        metrics.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&metrics.stderr)
    );
    let metrics = json(&metrics);
    assert_eq!(metrics["runs"], 0, "the webhook's records are not scan runs");
    let days = metrics["admission"].as_array().unwrap();
    assert_eq!(days.len(), 1, "{metrics:#}");
    let today = &days[0];
    assert_eq!(
        (&today["denied"], &today["warned"], &today["skipped"], &today["allowed"]),
        (
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(1),
            &serde_json::json!(0)
        ),
        "{today:#}"
    );
    assert_eq!(today["rules"]["no-privileged"]["blocked"], 1, "{today:#}");
    assert_eq!(today["rules"]["run-as-non-root"]["audited"], 2, "{today:#}");
    assert_eq!(today["rules"]["run-as-non-root"]["blocked"], 0, "{today:#}");
    let text = rampart_in(dir.path(), &["metrics", "--store", "decisions.db"]);
    let text = String::from_utf8(text.stdout).unwrap();
    assert!(text.contains("denied 1, warned 1, allowed 0, not judged 1"), "{text}");
    // The chain holds.
    let verified = rampart_in(dir.path(), &["evidence", "verify", "--store", "decisions.db"]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );
}
