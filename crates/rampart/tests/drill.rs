//! `rampart drill` against the test API server: a victim staged, the response run, the
//! containment checked objectively and timed, recorded, reported, and cleaned up.

mod common;

use common::{rampart_in, write_file};

#[path = "../../rampart-cluster/tests/support/api_server.rs"]
mod api_server;

/// Runs rampart against the test cluster.
fn live(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--kubeconfig", "kubeconfig", "--context", "test"]);
    run(dir, &all)
}

fn run(dir: &std::path::Path, args: &[&str]) -> (Option<i32>, String, String) {
    let output = rampart_in(dir, args);
    (
        output.status.code(),
        String::from_utf8_lossy(&output.stdout).to_string(),
        String::from_utf8_lossy(&output.stderr).to_string(),
    )
}

#[test]
fn a_namespace_compromise_drill_is_staged_contained_timed_recorded_and_cleaned_up() {
    let dir = tempfile::tempdir().unwrap();
    let server = api_server::start(api_server::Script {
        judge_by_rbac: true,
        ..api_server::Script::default()
    });
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));
    write_file(dir.path(), "rampart.toml", "");

    let (code, _, stderr) = live(dir.path(), &["drill", "start", "namespace-compromise", "--id", "t1"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains("drill t1 started: namespace-compromise in namespace rampart-drill-t1"),
        "{stderr}"
    );
    assert!(
        stderr.contains("rampart respond plan namespace-compromise -n rampart-drill-t1 --incident DRILL-t1"),
        "{stderr}"
    );
    // The signal: the victim's account lists its namespace's Secrets.
    assert!(
        stderr.contains("signal: system:serviceaccount:rampart-drill-t1:victim listed 1 Secret of rampart-drill-t1"),
        "{stderr}"
    );
    assert_eq!(
        server.seen.lock().unwrap().impersonated,
        [(
            "/api/v1/namespaces/rampart-drill-t1/secrets".to_string(),
            "system:serviceaccount:rampart-drill-t1:victim".to_string()
        )]
    );
    let staged: Vec<String> = server
        .seen
        .lock()
        .unwrap()
        .writes
        .iter()
        .map(|write| format!("{} {}", write.method, write.path))
        .collect();
    assert_eq!(staged.len(), 8, "{staged:?}");
    assert_eq!(staged[0], "POST /api/v1/namespaces");
    let (code, _, _) = live(dir.path(), &["drill", "start", "namespace-compromise", "--id", "t1"]);
    assert_eq!(code, Some(2), "an id is used once");
    // What a drill stages passes Rampart's own scan: its risky grants are waived, by
    // annotation, as the drill's purpose.
    let staged: Vec<serde_json::Value> = server
        .seen
        .lock()
        .unwrap()
        .writes
        .iter()
        .map(|write| write.body.clone())
        .collect();
    write_file(
        dir.path(),
        "staged/victim.json",
        &serde_json::json!({"apiVersion": "v1", "kind": "List", "items": staged}).to_string(),
    );
    let scanned = rampart_in(dir.path(), &["scan", "staged", "--format", "json", "--no-secrets"]);
    let report: serde_json::Value = serde_json::from_slice(&scanned.stdout).unwrap();
    let open: Vec<String> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["suppressed"] == false)
        .map(|finding| format!("{} {}", finding["rule"], finding["message"]))
        .collect();
    assert!(open.is_empty(), "{open:#?}");

    // Detection, read from the audit log: the first detection naming the victim.
    let (code, _, stderr) = run(dir.path(), &["drill", "detected", "t1", "--audit-log", "missing.log"]);
    assert_eq!(code, Some(2), "{stderr}");
    let when = |offset: i64| rampart_core::rfc3339(rampart_core::unix_now() + offset);
    let event = |time: String, user: &str| {
        format!(
            "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"Metadata\",\"auditID\":\"a-{user}\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/namespaces/rampart-drill-t1/secrets\",\"verb\":\"list\",\"user\":{{\"username\":\"admin\",\"groups\":[\"system:masters\"]}},\"impersonatedUser\":{{\"username\":\"{user}\"}},\"sourceIPs\":[\"10.0.0.7\"],\"objectRef\":{{\"resource\":\"secrets\",\"namespace\":\"rampart-drill-t1\",\"apiVersion\":\"v1\"}},\"responseStatus\":{{\"code\":200}},\"requestReceivedTimestamp\":\"{time}\",\"stageTimestamp\":\"{time}\"}}\n"
        )
    };
    let log = event(when(-3600), "system:serviceaccount:rampart-drill-t1:victim")
        + &event(when(30), "system:serviceaccount:other:web")
        + &event(when(45), "system:serviceaccount:rampart-drill-t1:victim");
    write_file(dir.path(), "audit.log", &log);
    let (code, _, stderr) = run(dir.path(), &["drill", "detected", "t1", "--audit-log", "audit.log"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(
            "first detection: audit-impersonation: admin acted as system:serviceaccount:rampart-drill-t1:victim"
        ),
        "{stderr}"
    );
    let state: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".rampart/drills/t1.json")).unwrap()).unwrap();
    let detected_after = state["detected"].as_i64().unwrap() - state["injected"].as_i64().unwrap();
    assert!(
        (40..=50).contains(&detected_after),
        "the event 45 s after the signal, not the one before it: {detected_after}"
    );

    // Before any response, nothing holds.
    let (code, stdout, _) = live(dir.path(), &["drill", "verify", "t1"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("FAIL  system:serviceaccount:rampart-drill-t1:victim may not get secrets in rampart-drill-t1 (still allowed)"), "{stdout}");
    assert!(
        stdout.contains("FAIL  no pod of rampart-drill-t1 labelled rampart.dev/drill=t1,app=victim runs (victim)"),
        "{stdout}"
    );
    assert!(stdout.contains("not contained yet"), "{stdout}");

    // The responder runs the playbook.
    let (code, _, stderr) = live(
        dir.path(),
        &[
            "respond",
            "plan",
            "namespace-compromise",
            "-n",
            "rampart-drill-t1",
            "--incident",
            "DRILL-t1",
            "-o",
            "incidents/DRILL-t1/plan.json",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let (code, _, stderr) = live(
        dir.path(),
        &["respond", "apply", "incidents/DRILL-t1/plan.json", "--yes"],
    );
    assert_eq!(code, Some(0), "{stderr}");

    let (code, stdout, _) = live(dir.path(), &["drill", "verify", "t1"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(stdout.contains("pass  egress of pods of rampart-drill-t1 labelled app=victim,rampart.dev/drill=t1 is cut off from outside the cluster"), "{stdout}");
    assert!(stdout.contains("contained "), "{stdout}");
    assert!(stdout.contains(" after the signal (detected after "), "{stdout}");
    let drill: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join(".rampart/drills/t1.json")).unwrap()).unwrap();
    assert!(drill["contained"].as_i64().unwrap() >= drill["injected"].as_i64().unwrap());
    assert_eq!(drill["verified"].as_array().unwrap().len(), 2);

    // The report and the metrics time it; the response control is current.
    let (code, stdout, stderr) = run(dir.path(), &["drill", "report"]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("  DRILL-t1                   namespace-compromise"),
        "{stdout}"
    );
    assert!(
        stdout.contains("mean time to isolate a compromised namespace"),
        "{stdout}"
    );
    assert!(
        stdout.contains("The response control runs quarterly: the last drill ("),
        "{stdout}"
    );
    // A scan's controls matrix carries the drill over as the response control's evidence.
    let scanned = rampart_in(dir.path(), &["scan", "staged", "--format", "json", "--no-secrets"]);
    let report: serde_json::Value = serde_json::from_slice(&scanned.stdout).unwrap();
    let response = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["control"] == "response")
        .unwrap()
        .clone();
    assert_eq!(response["result"], "pass", "{response:#}");
    assert_eq!(response["frequency"], "quarterly");
    assert!(
        response["evidence"][0]
            .as_str()
            .unwrap()
            .starts_with("recorded run of "),
        "{response:#}"
    );
    let metrics = rampart_in(dir.path(), &["metrics"]);
    let text = String::from_utf8_lossy(&metrics.stdout);
    assert!(text.contains("Response (time to contain, per playbook; drills included):\n  namespace-compromise   1 incident (1 drill), contained 1"), "{text}");

    // The incident's evidence: the plan, the journal, captures and snapshots, anchored in
    // the store.
    let (code, _, stderr) = run(
        dir.path(),
        &[
            "respond",
            "evidence",
            "incidents/DRILL-t1/journal.json",
            "--evidence",
            "bundle",
        ],
    );
    assert_eq!(code, Some(0), "{stderr}");
    let manifest: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("bundle/manifest.json")).unwrap()).unwrap();
    let names: Vec<&str> = manifest["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|file| file["path"].as_str().unwrap())
        .collect();
    assert!(names.starts_with(&["plan.json", "journal.json"]), "{names:?}");
    assert!(
        names.contains(&"namespace-cluster-rampart-drill-t1-objects.json"),
        "{names:?}"
    );
    assert!(
        names.contains(&"E1-after.json") && names.contains(&"store.json"),
        "{names:?}"
    );
    let objects = std::fs::read_to_string(
        dir.path()
            .join("bundle/namespace-cluster-rampart-drill-t1-objects.json"),
    )
    .unwrap();
    assert!(
        objects.contains("victim-credentials") && !objects.contains("not-a-secret"),
        "the dummy Secret's value is not kept"
    );
    let verified = rampart_in(dir.path(), &["evidence", "verify", "bundle"]);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&verified.stderr)
    );

    // Cleanup undoes what the response made and removes the namespace.
    let before = server.seen.lock().unwrap().writes.len();
    let (code, _, stderr) = live(dir.path(), &["drill", "cleanup", "t1"]);
    assert_eq!(code, Some(0), "{stderr}");
    let seen = server.seen.lock().unwrap();
    let last = seen.writes.last().unwrap();
    assert_eq!(
        (last.method.as_str(), last.path.as_str()),
        ("DELETE", "/api/v1/namespaces/rampart-drill-t1")
    );
    assert!(
        seen.writes.len() > before + 1,
        "the response's writes were undone first"
    );
}

#[test]
fn an_automatic_credential_leak_drill_times_the_automation_itself() {
    let dir = tempfile::tempdir().unwrap();
    let server = api_server::start(api_server::Script {
        judge_by_rbac: true,
        ..api_server::Script::default()
    });
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));
    write_file(dir.path(), "rampart.toml", "[frequency]\nresponse = \"monthly\"\n");
    let (code, stdout, stderr) = live(
        dir.path(),
        &[
            "drill",
            "start",
            "credential-leak",
            "--id",
            "auto",
            "--auto",
            "--timeout",
            "5",
        ],
    );
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains(
            "pass  system:serviceaccount:rampart-drill-auto:victim may not create pods/exec in rampart-drill-auto"
        ),
        "{stdout}"
    );
    let (code, stdout, _) = run(dir.path(), &["drill", "report", "-f", "json"]);
    assert_eq!(code, Some(0));
    let report: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    assert_eq!(report["frequency"], "monthly");
    assert_eq!(report["due"], false);
    assert_eq!(report["playbooks"][0]["playbook"], "credential-leak");
    assert_eq!(report["playbooks"][0]["contained"], 1);
    assert!(std::path::Path::new(&dir.path().join("incidents/DRILL-auto/journal.json")).exists());
}

#[test]
fn without_drills_the_response_control_is_due() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "rampart.toml", "");
    let (code, _, stderr) = run(dir.path(), &["drill", "report"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no run store yet"), "{stderr}");
    // A drill older than the quarter: the control is stale and a drill is due.
    let long_ago = rampart_core::unix_now() - 200 * 86_400;
    let mut store = rampart_report::store::Store::open(&dir.path().join(".rampart/evidence.db")).unwrap();
    store
        .record(&rampart_report::store::RunRecord {
            time: long_ago,
            command: "drill".to_string(),
            outcome: "pass".to_string(),
            controls: std::collections::BTreeMap::from([(
                "response".to_string(),
                rampart_report::store::ControlRecord {
                    result: "pass".to_string(),
                    open: 0,
                    suppressed: 0,
                },
            )]),
            incident: Some(rampart_report::store::IncidentRecord {
                id: "DRILL-old".to_string(),
                playbook: "suspicious-egress".to_string(),
                drill: Some("old".to_string()),
                declared: Some(long_ago),
                contained: Some(long_ago + 300),
                ..rampart_report::store::IncidentRecord::default()
            }),
            ..rampart_report::store::RunRecord::default()
        })
        .unwrap();
    drop(store);
    let (code, stdout, _) = run(dir.path(), &["drill", "report"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains("is too old, a drill is due"), "{stdout}");
    write_file(
        dir.path(),
        "deploy/ns.yaml",
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n",
    );
    let scanned = rampart_in(dir.path(), &["scan", "deploy", "--format", "json", "--no-secrets"]);
    let report: serde_json::Value = serde_json::from_slice(&scanned.stdout).unwrap();
    let response = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|row| row["control"] == "response")
        .unwrap()
        .clone();
    assert_eq!(response["result"], "stale", "{response:#}");
    let (code, _, stderr) = run(dir.path(), &["drill", "detected", "nope"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains(".rampart/drills/nope.json"), "{stderr}");
}
