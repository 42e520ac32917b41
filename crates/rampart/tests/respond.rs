//! `rampart respond plan` as a responder runs it: from a snapshot, a plan printed and
//! written, and nothing else written anywhere.

mod common;

use common::{rampart_in, write_file};

const SNAPSHOT: &str = r#"{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d9-x2","namespace":"shop","labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9"}]},"spec":{"containers":[{"name":"app","image":"shop/web:1"}]}},
{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"web-egress","namespace":"shop"},"spec":{"podSelector":{"matchLabels":{"app":"web"}},"policyTypes":["Egress"],"egress":[{"to":[{"ipBlock":{"cidr":"0.0.0.0/0"}}]}]}},
{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"oncall","namespace":"shop"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},"subjects":[{"kind":"Group","name":"oncall","apiGroup":"rbac.authorization.k8s.io"}]}
]}"#;

#[test]
fn a_suspicious_egress_plan_is_printed_and_written_from_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "cluster.json", SNAPSHOT);
    write_file(
        dir.path(),
        "rampart.toml",
        "[response]\nisolate = \"team-platform\"\nshutdown = \"sre-lead\"\n",
    );
    let output = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "shop/web-7d9-x2",
            "--snapshot",
            "cluster.json",
            "--incident",
            "INC-7",
            "-o",
            "plan.json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("incident INC-7: suspicious-egress for Pod/shop/web-7d9-x2\n"),
        "{text}"
    );
    assert!(
        text.contains("NetworkPolicy shop/web-egress still allows this pod egress to 0.0.0.0/0"),
        "{text}"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["steps"][2]["action"]["type"], "create");
    assert_eq!(
        plan["steps"][2]["action"]["manifest"]["metadata"]["name"],
        "rampart-quarantine-inc-7"
    );
    assert_eq!(plan["steps"][3]["who_can"][0], "Group oncall");
    // Each step names its approver from rampart.toml's [response].
    assert_eq!(plan["steps"][0]["approval"], "none");
    assert_eq!(plan["steps"][2]["approver"], "team-platform");
    assert_eq!(plan["steps"][3]["approver"], "sre-lead");
    assert!(text.contains("    approved by: sre-lead\n"), "{text}");
    // The snapshot is read, never changed.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cluster.json")).unwrap(),
        SNAPSHOT
    );

    let missing = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "shop/nope",
            "--snapshot",
            "cluster.json",
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no pod shop/nope among the objects read"));
    let malformed = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "web",
            "--snapshot",
            "cluster.json",
        ],
    );
    assert_eq!(malformed.status.code(), Some(2));
}

#[test]
fn a_namespace_compromise_plan_stops_and_isolates_what_the_snapshot_holds() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = SNAPSHOT.replace(
        "]}",
        r#",{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"shop/web:1"}]}}}}]}"#,
    );
    write_file(dir.path(), "cluster.json", &snapshot);
    let output = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "namespace-compromise",
            "-n",
            "shop",
            "--snapshot",
            "cluster.json",
            "--incident",
            "INC-8",
            "-f",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["E7", "E1", "E2.1", "E3.1", "E4.1", "E4.2"]);
    assert_eq!(plan["steps"][3]["action"]["patch"]["spec"]["replicas"], 0);
    assert_eq!(plan["steps"][3]["undo"]["patch"]["spec"]["replicas"], 2);
    assert!(
        plan["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("NetworkPolicy shop/web-egress still allows")
    );
}

#[path = "../../rampart-cluster/tests/support/api_server.rs"]
mod api_server;

/// A cluster holding the snapshot's pod, and the plan for it written to `dir/plan.json`.
fn cluster_and_plan(dir: &std::path::Path) -> api_server::Server {
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-7d9-x2", "namespace": "shop", "labels": {"app": "web"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9"}]},
        "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}});
    let mut script = api_server::Script::default();
    script.objects.insert("/api/v1/pods".into(), vec![pod]);
    let server = api_server::start(script);
    write_file(dir, "kubeconfig", &api_server::kubeconfig(&server, "test"));
    write_file(dir, "cluster.json", SNAPSHOT);
    let planned = rampart_in(
        dir,
        &[
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "shop/web-7d9-x2",
            "--snapshot",
            "cluster.json",
            "--incident",
            "INC-5",
            "-o",
            "plan.json",
        ],
    );
    assert_eq!(
        planned.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    server
}

/// Runs rampart against the test cluster of `dir/kubeconfig`.
fn live(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    let mut all = args.to_vec();
    all.extend(["--kubeconfig", "kubeconfig", "--context", "test"]);
    rampart_in(dir, &all)
}

fn writes(server: &api_server::Server) -> Vec<(String, String, bool, u16)> {
    server
        .seen
        .lock()
        .unwrap()
        .writes
        .iter()
        .map(|write| (write.method.clone(), write.path.clone(), write.dry_run, write.status))
        .collect()
}

#[test]
fn a_plan_is_applied_step_by_step_journalled_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let server = cluster_and_plan(dir.path());

    // A dry run: every write judged by the server, nothing changed, nothing to undo.
    let dry = live(
        dir.path(),
        &[
            "respond",
            "apply",
            "plan.json",
            "--dry-run",
            "--yes",
            "--journal",
            "dry/journal.json",
        ],
    );
    assert_eq!(dry.status.code(), Some(0), "{}", String::from_utf8_lossy(&dry.stderr));
    assert!(
        writes(&server).iter().all(|(_, _, dry_run, _)| *dry_run),
        "{:?}",
        writes(&server)
    );
    assert_eq!(writes(&server).len(), 3);
    assert_eq!(
        live(dir.path(), &["respond", "undo", "dry/journal.json"]).status.code(),
        Some(2)
    );

    // For real.
    let applied = live(dir.path(), &["respond", "apply", "plan.json", "--yes"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let real: Vec<(String, String, bool, u16)> = writes(&server).into_iter().skip(3).collect();
    assert_eq!(
        real,
        [
            (
                "PATCH".to_string(),
                "/api/v1/namespaces/shop/pods/web-7d9-x2".to_string(),
                false,
                200
            ),
            (
                "POST".to_string(),
                "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies".to_string(),
                false,
                201
            ),
            (
                "DELETE".to_string(),
                "/api/v1/namespaces/shop/pods/web-7d9-x2".to_string(),
                false,
                200
            ),
        ]
    );
    let journal_path = dir.path().join("incidents/INC-5/journal.json");
    let journal: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&journal_path).unwrap()).unwrap();
    let results: Vec<&str> = journal["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["result"].as_str().unwrap())
        .collect();
    assert_eq!(results, ["done", "done", "done", "done"]);
    assert_eq!(
        journal["entries"][0]["captured"],
        serde_json::json!([
            "pod-shop-web-7d9-x2.json",
            "pod-shop-web-7d9-x2-events.json",
            "pod-shop-web-7d9-x2-app.log"
        ])
    );
    let log = std::fs::read_to_string(dir.path().join("incidents/INC-5/pod-shop-web-7d9-x2-app.log")).unwrap();
    assert!(log.starts_with("log of app"), "{log}");

    // Verify: the deny policy is there and no quarantined pod runs.
    let verified = live(dir.path(), &["respond", "verify", "incidents/INC-5/journal.json"]);
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert_eq!(
        verified.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert!(
        stdout.contains("pass  NetworkPolicy/shop/rampart-quarantine-inc-5 exists"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pass  no pod of shop labelled rampart.dev/quarantine=INC-5 runs"),
        "{stdout}"
    );
    assert!(stdout.contains("contained "), "{stdout}");
    let journal: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&journal_path).unwrap()).unwrap();
    assert!(journal["contained_after"].as_i64().unwrap() >= 0);

    // Undo: the policy goes; the label's undo finds the pod ended.
    let undone = live(dir.path(), &["respond", "undo", "incidents/INC-5/journal.json"]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    let back: Vec<(String, String, bool, u16)> = writes(&server).into_iter().skip(6).collect();
    assert_eq!(back[0].0, "DELETE");
    assert_eq!(
        back[0].1,
        "/apis/networking.k8s.io/v1/namespaces/shop/networkpolicies/rampart-quarantine-inc-5"
    );
    assert_eq!((back[1].0.as_str(), back[1].3), ("PATCH", 404));
    let journal: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&journal_path).unwrap()).unwrap();
    assert_eq!(journal["undone"][1]["detail"], "the object is gone");
}

#[test]
fn a_plan_failing_midway_stops_and_its_journal_undoes_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    // The plan, made against one cluster, applied to one where the responder may patch pods
    // but not create network policies.
    let _planned = cluster_and_plan(dir.path());
    let denied = api_server::start({
        let mut script = api_server::Script::default();
        script.objects.insert(
            "/api/v1/pods".into(),
            vec![serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": "web-7d9-x2", "namespace": "shop", "labels": {"app": "web"}},
                "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}})],
        );
        script
            .deny_writes
            .push("/apis/networking.k8s.io/v1/networkpolicies".into());
        script
    });
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&denied, "test"));
    let applied = live(
        dir.path(),
        &[
            "respond",
            "apply",
            "plan.json",
            "--yes",
            "--journal",
            "midway/journal.json",
        ],
    );
    assert_eq!(applied.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&applied.stderr);
    assert!(
        stderr.contains("D3 create NetworkPolicy/shop/rampart-quarantine-inc-5: failed: 403"),
        "{stderr}"
    );
    assert!(stderr.contains("(1 step not run)"), "{stderr}");
    let journal: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("midway/journal.json")).unwrap()).unwrap();
    assert_eq!(journal["entries"].as_array().unwrap().len(), 3);
    // No delete happened: the pod is still there, labelled.
    assert!(writes(&denied).iter().all(|(method, _, _, _)| method != "DELETE"));
    // Not contained: the policy was never made and the pod still runs.
    let verified = live(dir.path(), &["respond", "verify", "midway/journal.json"]);
    assert_eq!(verified.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&verified.stdout);
    assert!(
        stdout.contains("FAIL  NetworkPolicy/shop/rampart-quarantine-inc-5 exists (404"),
        "{stdout}"
    );
    assert!(
        stdout.contains("FAIL  no pod of shop labelled rampart.dev/quarantine=INC-5 runs (web-7d9-x2)"),
        "{stdout}"
    );
    let undone = live(dir.path(), &["respond", "undo", "midway/journal.json"]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    let last = writes(&denied).pop().unwrap();
    assert_eq!(
        (last.0.as_str(), last.1.as_str(), last.3),
        ("PATCH", "/api/v1/namespaces/shop/pods/web-7d9-x2", 200)
    );
    let body = denied.seen.lock().unwrap().writes.last().unwrap().body.clone();
    assert_eq!(
        body,
        serde_json::json!({"metadata": {"labels": {"rampart.dev/quarantine": null}}})
    );
}

/// A cluster where a CI account reads Secrets of `shop` and may exec there, and the token
/// that leaked, bound to its runner pod.
fn leaked_cluster() -> (api_server::Script, String) {
    use base64::Engine as _;
    use serde_json::json;
    let mut script = api_server::Script {
        judge_by_rbac: true,
        ..api_server::Script::default()
    };
    let mut put =
        |path: &str, object: serde_json::Value| script.objects.entry(path.to_string()).or_default().push(object);
    put(
        "/api/v1/serviceaccounts",
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "deployer", "namespace": "ci"}}),
    );
    put(
        "/api/v1/secrets",
        json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/service-account-token",
        "data": {"token": "c2VjcmV0LXRva2VuLXZhbHVl"},
        "metadata": {"name": "deployer-token", "namespace": "ci", "annotations": {"kubernetes.io/service-account.name": "deployer"}}}),
    );
    put(
        "/api/v1/secrets",
        json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque", "metadata": {"name": "db-credentials", "namespace": "shop"}}),
    );
    put(
        "/api/v1/pods",
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "runner-1", "namespace": "ci"},
        "spec": {"serviceAccountName": "deployer", "containers": [{"name": "run", "image": "ci/runner:1"}]}}),
    );
    put(
        "/apis/apps/v1/deployments",
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "shop/web:1",
            "env": [{"name": "PASSWORD", "valueFrom": {"secretKeyRef": {"name": "db-credentials", "key": "password"}}}]}]}}}}),
    );
    put(
        "/apis/rbac.authorization.k8s.io/v1/roles",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "deploy", "namespace": "shop"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}, {"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]}),
    );
    put(
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
        "metadata": {"name": "deploy", "namespace": "shop"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "deploy"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]}),
    );
    put(
        "/apis/rbac.authorization.k8s.io/v1/clusterroles",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "token-maker"}, "rules": [{"apiGroups": [""], "resources": ["serviceaccounts/token"], "verbs": ["create"]}]}),
    );
    put(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "token-makers"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "token-maker"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}, {"kind": "User", "name": "alice"}]}),
    );
    let encode = |value: serde_json::Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let token = format!(
        "{}.{}.c2lnbmF0dXJlLW5vdC1jaGVja2Vk",
        encode(json!({"alg": "RS256"})),
        encode(
            json!({"iss": "https://kubernetes.default.svc", "sub": "system:serviceaccount:ci:deployer", "exp": 1_900_000_000,
            "kubernetes.io": {"namespace": "ci", "pod": {"name": "runner-1", "uid": "p"}, "serviceaccount": {"name": "deployer", "uid": "s"}}})
        )
    );
    (script, token)
}

#[test]
fn a_leaked_token_is_planned_live_applied_verified_and_undone() {
    let dir = tempfile::tempdir().unwrap();
    let (script, token) = leaked_cluster();
    let rbac_before: Vec<serde_json::Value> = script
        .objects
        .iter()
        .filter(|(path, _)| path.ends_with("bindings"))
        .flat_map(|(_, items)| items.clone())
        .collect();
    let server = api_server::start(script);
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));
    write_file(dir.path(), "leaked.jwt", &token);

    let planned = live(
        dir.path(),
        &[
            "respond",
            "plan",
            "credential-leak",
            "--credential",
            "leaked.jwt",
            "--incident",
            "INC-8",
            "-o",
            "plan.json",
        ],
    );
    let stdout = String::from_utf8_lossy(&planned.stdout).to_string();
    let stderr = String::from_utf8_lossy(&planned.stderr).to_string();
    assert_eq!(planned.status.code(), Some(0), "{stdout}{stderr}");
    assert!(
        writes(&server).is_empty(),
        "a plan writes nothing: {:?}",
        writes(&server)
    );
    let plan_text = std::fs::read_to_string(dir.path().join("plan.json")).unwrap();
    // The token is decoded, never repeated.
    for text in [&stdout, &stderr, &plan_text] {
        assert!(!text.contains(token.split('.').nth(1).unwrap()), "{text}");
        assert!(!text.contains("c2lnbmF0dXJl"));
    }
    assert!(
        stdout.starts_with("incident INC-8: credential-leak for ServiceAccount/ci/deployer\n"),
        "{stdout}"
    );
    assert!(stdout.contains("the credential: a token of ServiceAccount ci/deployer, bound to Pod/ci/runner-1, valid until 2030-03-17T17:46:40Z"), "{stdout}");
    // Each risky grant the RBAC read shows is confirmed by the API server's own review.
    let plan: serde_json::Value = serde_json::from_str(&plan_text).unwrap();
    let reach = plan["reach"].as_array().unwrap();
    assert_eq!(reach.len(), 3, "{reach:#?}");
    assert!(reach.iter().all(|found| found["confirmed"] == true), "{reach:#?}");
    assert!(stdout.contains("  - create pods/exec in shop (as ServiceAccount ci/deployer, via RoleBinding/shop/deploy -> Role/shop/deploy), confirmed by an access review\n"), "{stdout}");
    assert!(stdout.contains("  - shop/db-credentials: readable by ServiceAccount ci/deployer\n      read by Deployment/shop/web (env): restart it after\n"), "{stdout}");

    let applied = live(dir.path(), &["respond", "apply", "plan.json", "--yes"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let done: Vec<(String, String)> = writes(&server)
        .into_iter()
        .map(|(method, path, _, _)| (method, path))
        .collect();
    assert_eq!(
        done,
        [
            (
                "PATCH".to_string(),
                "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/token-makers".to_string()
            ),
            (
                "DELETE".to_string(),
                "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings/deploy".to_string()
            ),
            (
                "DELETE".to_string(),
                "/api/v1/namespaces/ci/secrets/deployer-token".to_string()
            ),
            ("DELETE".to_string(), "/api/v1/namespaces/ci/pods/runner-1".to_string()),
            (
                "PATCH".to_string(),
                "/api/v1/namespaces/ci/serviceaccounts/deployer".to_string()
            ),
        ]
    );

    // Each write kept the object before it; a Secret's without its values.
    let before = std::fs::read_to_string(dir.path().join("incidents/INC-8/A3.3-before.json")).unwrap();
    assert!(before.contains("\"deployer-token\""), "{before}");
    assert!(
        !before.contains("c2VjcmV0LXRva2VuLXZhbHVl") && !before.contains("\"data\""),
        "{before}"
    );
    let after = std::fs::read_to_string(dir.path().join("incidents/INC-8/A3.1-after.json")).unwrap();
    assert!(after.contains("\"alice\"") && !after.contains("deployer\","), "{after}");

    // Verify: reviews (judged from the bindings the server now holds) deny the account.
    let verified = live(dir.path(), &["respond", "verify", "incidents/INC-8/journal.json"]);
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    assert_eq!(verified.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("pass  system:serviceaccount:ci:deployer may not create pods/exec in shop\n"),
        "{stdout}"
    );
    assert!(stdout.contains("pass  Secret/ci/deployer-token is gone\n"), "{stdout}");
    assert!(stdout.contains("pass  Pod/ci/runner-1 is gone\n"), "{stdout}");

    // Undo puts every binding back as it was, object by object.
    let undone = live(dir.path(), &["respond", "undo", "incidents/INC-8/journal.json"]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    let again = live(dir.path(), &["respond", "verify", "incidents/INC-8/journal.json"]);
    assert_eq!(
        again.status.code(),
        Some(1),
        "the account may do it all again once undone"
    );
    let seen = server.seen.lock().unwrap();
    let restored: Vec<&api_server::Write> = seen.writes.iter().skip(5).collect();
    assert_eq!(restored.len(), 3, "{restored:#?}");
    let created = restored.iter().find(|write| write.method == "POST").unwrap();
    assert_eq!(
        created.body,
        rbac_before
            .iter()
            .find(|binding| binding["kind"] == "RoleBinding")
            .unwrap()
            .clone()
    );
    let patched = restored
        .iter()
        .find(|write| write.path.ends_with("token-makers"))
        .unwrap();
    assert_eq!(
        patched.body["subjects"],
        rbac_before
            .iter()
            .find(|binding| binding["kind"] == "ClusterRoleBinding")
            .unwrap()["subjects"]
    );
}

#[test]
fn a_credential_plan_needs_a_cluster_and_a_well_named_credential() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "cluster.json", SNAPSHOT);
    let run = |args: &[&str]| {
        let output = rampart_in(dir.path(), args);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let (code, stderr) = run(&["respond", "plan", "credential-leak", "--secret", "shop/db"]);
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("give the cluster: --snapshot FILE..., or --context"),
        "{stderr}"
    );
    let (code, stderr) = run(&[
        "respond",
        "plan",
        "credential-leak",
        "--secret",
        "db",
        "--snapshot",
        "cluster.json",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--secret db: give NAMESPACE/NAME"), "{stderr}");
    let (code, stderr) = run(&[
        "respond",
        "plan",
        "credential-leak",
        "--secret",
        "shop/db",
        "--snapshot",
        "cluster.json",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("no Secret shop/db among the objects read"), "{stderr}");
    // One credential at a time.
    let (code, _) = run(&[
        "respond",
        "plan",
        "credential-leak",
        "--secret",
        "shop/db",
        "--user",
        "alice",
        "--snapshot",
        "cluster.json",
    ]);
    assert_eq!(code, Some(2));
    // A user bound by the snapshot: its binding is the plan.
    let (code, stderr) = run(&[
        "respond",
        "plan",
        "credential-leak",
        "--user",
        "mallory",
        "--snapshot",
        "cluster.json",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("nothing to do for user mallory"), "{stderr}");
}

const BAD: &str = "sha256:1111111111111111111111111111111111111111111111111111111111111111";
const GOOD: &str = "sha256:2222222222222222222222222222222222222222222222222222222222222222";

fn web_pod(name: &str, digest: &str) -> serde_json::Value {
    serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": name, "namespace": "shop", "labels": {"app": "web"},
                     "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-7d9", "controller": true}]},
        "spec": {"nodeName": "worker-1", "containers": [{"name": "web", "image": "ghcr.io/acme/web:1.4.1"}]},
        "status": {"phase": "Running", "containerStatuses": [{"name": "web", "imageID": format!("ghcr.io/acme/web@{digest}")}]}})
}

#[test]
fn a_vulnerable_image_is_found_by_digest_refused_at_admission_and_replaced() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let mut script = api_server::Script::default();
    script.objects.insert(
        "/apis/apps/v1/deployments".into(),
        vec![
            json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"replicas": 1, "template": {"metadata": {"labels": {"app": "web"}},
                "spec": {"containers": [{"name": "web", "image": "ghcr.io/acme/web:1.4.1"}]}}}}),
        ],
    );
    script.objects.insert(
        "/apis/apps/v1/replicasets".into(),
        vec![json!({"apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": "web-7d9", "namespace": "shop", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "controller": true}]},
            "spec": {"template": {"spec": {"containers": [{"name": "web", "image": "ghcr.io/acme/web:1.4.1"}]}}}})],
    );
    script
        .objects
        .insert("/api/v1/pods".into(), vec![web_pod("web-7d9-a", BAD)]);
    let server = api_server::start(script);
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));
    let fixed = format!("ghcr.io/acme/web:1.4.2@{GOOD}");

    let planned = live(
        dir.path(),
        &[
            "respond",
            "plan",
            "vulnerable-image",
            "--image",
            BAD,
            "--fixed",
            &fixed,
            "--reason",
            "CVE-2026-1234",
            "--incident",
            "INC-4",
            "-o",
            "plan.json",
        ],
    );
    let stdout = String::from_utf8_lossy(&planned.stdout).to_string();
    assert_eq!(
        planned.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    assert!(stdout.contains(&format!("  - shop/web-7d9-a of Deployment/shop/web on worker-1: ghcr.io/acme/web:1.4.1 (runs ghcr.io/acme/web@{BAD})\n")), "{stdout}");
    assert!(writes(&server).is_empty());

    let applied = live(dir.path(), &["respond", "apply", "plan.json", "--yes"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let done: Vec<(String, String)> = writes(&server)
        .into_iter()
        .map(|(method, path, _, _)| (method, path))
        .collect();
    assert_eq!(
        done,
        [
            (
                "POST".to_string(),
                "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicies".to_string()
            ),
            (
                "POST".to_string(),
                "/apis/admissionregistration.k8s.io/v1/validatingadmissionpolicybindings".to_string()
            ),
            (
                "PATCH".to_string(),
                "/apis/apps/v1/namespaces/shop/deployments/web".to_string()
            ),
        ]
    );
    let policy = server.seen.lock().unwrap().writes[0].body.clone();
    assert_eq!(
        policy["spec"]["validations"][0]["message"],
        format!("image {BAD} is blocked: CVE-2026-1234")
    );

    // The old pod still runs until the rollout replaces it: not contained yet.
    let verified = live(dir.path(), &["respond", "verify", "incidents/INC-4/journal.json"]);
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    assert_eq!(verified.status.code(), Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!("FAIL  no pod runs {BAD} (shop/web-7d9-a)")),
        "{stdout}"
    );
    server.edit(|script| {
        script
            .objects
            .insert("/api/v1/pods".into(), vec![web_pod("web-8e1-b", GOOD)]);
    });
    let verified = live(dir.path(), &["respond", "verify", "incidents/INC-4/journal.json"]);
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    assert_eq!(verified.status.code(), Some(0), "{stdout}");
    assert!(stdout.contains(&format!("pass  no pod runs {BAD}\n")), "{stdout}");

    // The block the plan hands to rampart.toml makes CI refuse the image too.
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap()).unwrap();
    let instruction = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .find(|step| step["id"] == "B4.3")
        .unwrap()["action"]["instruction"]
        .as_str()
        .unwrap()
        .to_string();
    let block = instruction.split_once('\n').unwrap().1;
    write_file(dir.path(), "rampart.toml", block);
    write_file(
        dir.path(),
        "deploy/pod.yaml",
        &format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: old, namespace: shop}}\nspec:\n  containers:\n  - name: web\n    image: ghcr.io/acme/web@{BAD}\n  - name: fixed\n    image: {fixed}\n"
        ),
    );
    let scanned = rampart_in(dir.path(), &["scan", "deploy", "--format", "json", "--no-secrets"]);
    let report: serde_json::Value = serde_json::from_slice(&scanned.stdout).unwrap();
    let blocked: Vec<(u64, &str)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"] == "image-blocked")
        .map(|finding| {
            (
                finding["location"]["line"].as_u64().unwrap(),
                finding["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(blocked, [(7, "spec.containers[0].image")], "{report:#}");

    // Undo: the binding and policy go, the Deployment names its old image again.
    let undone = live(dir.path(), &["respond", "undo", "incidents/INC-4/journal.json"]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    let back: Vec<(String, String)> = writes(&server)
        .into_iter()
        .skip(3)
        .map(|(method, path, _, _)| (method, path))
        .collect();
    assert_eq!(
        back[0],
        (
            "PATCH".to_string(),
            "/apis/apps/v1/namespaces/shop/deployments/web".to_string()
        )
    );
    assert_eq!(back[1].0, "DELETE");
    assert!(
        back[1]
            .1
            .ends_with("/validatingadmissionpolicybindings/rampart-block-inc-4"),
        "{back:?}"
    );
    assert!(
        back[2].1.ends_with("/validatingadmissionpolicies/rampart-block-inc-4"),
        "{back:?}"
    );
    let seen = server.seen.lock().unwrap();
    assert_eq!(
        seen.writes[3].body["spec"]["template"]["spec"]["containers"][0]["image"],
        "ghcr.io/acme/web:1.4.1"
    );
}

#[test]
fn an_exposed_service_is_narrowed_verified_and_put_back() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let service = json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
        "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "externalIPs": ["198.51.100.9"],
                 "ports": [{"port": 80, "targetPort": 8080, "nodePort": 30080}]},
        "status": {"loadBalancer": {"ingress": [{"ip": "203.0.113.7"}]}}});
    let mut script = api_server::Script::default();
    script.objects.insert("/api/v1/services".into(), vec![service.clone()]);
    script.objects.insert(
        "/api/v1/pods".into(),
        vec![json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
            "spec": {"containers": [{"name": "web", "image": "web:1"}]}})],
    );
    let server = api_server::start(script);
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));

    let planned = live(
        dir.path(),
        &[
            "respond",
            "plan",
            "ingress-exposure",
            "--service",
            "shop/web",
            "--allow",
            "10.0.0.0/8",
            "--ingress-namespace",
            "ingress-nginx",
            "--incident",
            "INC-6",
            "-o",
            "plan.json",
        ],
    );
    let stdout = String::from_utf8_lossy(&planned.stdout).to_string();
    assert_eq!(
        planned.status.code(),
        Some(0),
        "{stdout}{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    assert!(stdout.contains("  - Service/shop/web (LoadBalancer): load balancer 203.0.113.7, node port 30080, external IP 198.51.100.9; from anywhere\n"), "{stdout}");

    let applied = live(dir.path(), &["respond", "apply", "plan.json", "--yes"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let verified = live(dir.path(), &["respond", "verify", "incidents/INC-6/journal.json"]);
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    assert_eq!(verified.status.code(), Some(0), "{stdout}");
    assert!(
        stdout.contains("pass  Service/shop/web has /spec/loadBalancerSourceRanges = [\"10.0.0.0/8\"]\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pass  Service/shop/web has /spec/externalIPs = null\n"),
        "{stdout}"
    );
    assert!(
        stdout.contains("pass  NetworkPolicy/shop/rampart-ingress-inc-6 exists\n"),
        "{stdout}"
    );

    let undone = live(dir.path(), &["respond", "undo", "incidents/INC-6/journal.json"]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    // Back object by object: the Service as it was, the policy gone.
    assert_eq!(
        live(dir.path(), &["respond", "verify", "incidents/INC-6/journal.json"])
            .status
            .code(),
        Some(1)
    );
    let mut now = json!(null);
    server.edit(|script| now = script.objects["/api/v1/services"][0].clone());
    assert_eq!(now, service);

    let bad = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "ingress-exposure",
            "-n",
            "shop",
            "--allow",
            "everyone",
            "--snapshot",
            "plan.json",
        ],
    );
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--allow everyone: give a CIDR"));
}

#[test]
fn a_cluster_serving_a_real_deny_gets_one_that_wins_over_its_network_policies() {
    let dir = tempfile::tempdir().unwrap();
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-1", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}});
    let mut script = api_server::Script::default();
    script.objects.insert("/api/v1/pods".into(), vec![pod]);
    script.custom.push((
        "cilium.io".into(),
        "v2".into(),
        "ciliumnetworkpolicies".into(),
        "CiliumNetworkPolicy".into(),
        true,
    ));
    let server = api_server::start(script);
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));
    let plan = |extra: &[&str]| {
        let mut args = vec![
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "shop/web-1",
            "--incident",
            "INC-1",
            "-f",
            "json",
        ];
        args.extend(extra);
        let output = live(dir.path(), &args);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&output.stdout).unwrap()
    };
    let served = plan(&[]);
    let ids: Vec<&str> = served["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["D1", "D2", "D3", "D3.1", "D4"]);
    let deny = &served["steps"][3]["action"];
    assert_eq!(deny["object"]["kind"], "CiliumNetworkPolicy");
    assert_eq!(
        deny["manifest"]["spec"]["endpointSelector"]["matchLabels"]["rampart.dev/quarantine"],
        "INC-1"
    );
    assert_eq!(deny["manifest"]["spec"]["egressDeny"][0]["toEntities"][0], "all");
    let none = plan(&["--deny-with", "none"]);
    assert_eq!(none["steps"].as_array().unwrap().len(), 4);
    let calico = plan(&["--deny-with", "calico"]);
    assert_eq!(calico["steps"][3]["action"]["object"]["kind"], "GlobalNetworkPolicy");

    write_file(dir.path(), "plan.json", &serde_json::to_string(&served).unwrap());
    let applied = live(dir.path(), &["respond", "apply", "plan.json", "--yes"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    assert!(
        writes(&server).iter().any(|(method, path, _, status)| method == "POST"
            && path == "/apis/cilium.io/v2/namespaces/shop/ciliumnetworkpolicies"
            && *status == 201),
        "{:?}",
        writes(&server)
    );
}

#[test]
fn each_playbooks_follow_up_is_written_and_passes_ramparts_own_scan() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = format!(
        r#"{{"apiVersion":"v1","kind":"List","items":[
{{"apiVersion":"v1","kind":"Namespace","metadata":{{"name":"shop"}}}},
{{"apiVersion":"v1","kind":"ServiceAccount","metadata":{{"name":"web","namespace":"shop"}}}},
{{"apiVersion":"v1","kind":"Secret","type":"Opaque","metadata":{{"name":"db","namespace":"shop"}}}},
{{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"Role","metadata":{{"name":"read","namespace":"shop"}},"rules":[{{"apiGroups":[""],"resources":["secrets"],"verbs":["get"]}}]}},
{{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{{"name":"read","namespace":"shop"}},"roleRef":{{"apiGroup":"rbac.authorization.k8s.io","kind":"Role","name":"read"}},"subjects":[{{"kind":"ServiceAccount","name":"web","namespace":"shop"}}]}},
{{"apiVersion":"apps/v1","kind":"Deployment","metadata":{{"name":"web","namespace":"shop"}},"spec":{{"template":{{"metadata":{{"labels":{{"app":"web"}}}},"spec":{{"serviceAccountName":"web","containers":[{{"name":"web","image":"ghcr.io/acme/web@{BAD}","env":[{{"name":"P","valueFrom":{{"secretKeyRef":{{"name":"db","key":"p"}}}}}}]}}]}}}}}}}},
{{"apiVersion":"v1","kind":"Pod","metadata":{{"name":"web-1","namespace":"shop","labels":{{"app":"web"}}}},"spec":{{"containers":[{{"name":"web","image":"ghcr.io/acme/web@{BAD}"}}]}}}},
{{"apiVersion":"v1","kind":"Service","metadata":{{"name":"web","namespace":"shop"}},"spec":{{"type":"LoadBalancer","selector":{{"app":"web"}},"ports":[{{"port":80}}]}}}}
]}}"#
    );
    write_file(dir.path(), "cluster.json", &snapshot);
    let playbooks: [(&str, Vec<&str>); 5] = [
        ("suspicious-egress", vec!["--pod", "shop/web-1"]),
        ("namespace-compromise", vec!["-n", "shop"]),
        ("credential-leak", vec!["--service-account", "shop/web"]),
        ("vulnerable-image", vec!["--image", BAD, "--reason", "CVE-2026-1"]),
        (
            "ingress-exposure",
            vec!["--service", "shop/web", "--allow", "10.0.0.0/8"],
        ),
    ];
    for (playbook, extra) in playbooks {
        let incident = format!("INC-{playbook}");
        let plan_path = format!("{playbook}.json");
        let mut args = vec![
            "respond",
            "plan",
            playbook,
            "--snapshot",
            "cluster.json",
            "--incident",
            &incident,
            "-o",
            &plan_path,
        ];
        args.extend(extra);
        let planned = rampart_in(dir.path(), &args);
        assert_eq!(
            planned.status.code(),
            Some(0),
            "{playbook}: {}",
            String::from_utf8_lossy(&planned.stderr)
        );
        let out = format!("harden-{playbook}");
        let hardened = rampart_in(dir.path(), &["respond", "harden", &plan_path, "-o", &out]);
        assert_eq!(
            hardened.status.code(),
            Some(0),
            "{playbook}: {}",
            String::from_utf8_lossy(&hardened.stderr)
        );
        let readme = std::fs::read_to_string(dir.path().join(&out).join("README.md")).unwrap();
        assert!(
            readme.starts_with(&format!("# Follow-up to {incident} ({playbook})")),
            "{readme}"
        );
        let toml = std::fs::read_to_string(dir.path().join(&out).join("rampart.toml.add")).unwrap();
        assert!(toml.contains("non-waivable = [\""), "{toml}");
        // What it writes is what Rampart would let through: no finding on its own scan.
        let scanned = rampart_in(
            dir.path(),
            &["scan", &out, "--format", "json", "--no-secrets", "--allow-empty"],
        );
        let report: serde_json::Value = serde_json::from_slice(&scanned.stdout).unwrap();
        assert!(
            report["summary"]["objects"].as_u64().unwrap() > 0,
            "{playbook}: nothing scanned"
        );
        assert_eq!(report["findings"], serde_json::json!([]), "{playbook}: {report:#}");
        assert!(
            report["errors"].as_array().unwrap().is_empty(),
            "{playbook}: {report:#}"
        );
    }
    let egress = std::fs::read_to_string(dir.path().join("harden-suspicious-egress/networkpolicy.yaml")).unwrap();
    assert!(
        egress.contains("name: default-deny") && egress.contains("- Egress") && egress.contains("k8s-app: kube-dns"),
        "{egress}"
    );
    let rbac = std::fs::read_to_string(dir.path().join("harden-credential-leak/rbac-removed.md")).unwrap();
    assert!(rbac.contains("- delete RoleBinding/shop/read (step A3.1)"), "{rbac}");
    let rotation = std::fs::read_to_string(dir.path().join("harden-credential-leak/rotation-checklist.md")).unwrap();
    assert!(rotation.contains("- [ ] shop/db (readable by ServiceAccount shop/web)\n  - [ ] Deployment/shop/web reads it (env): restart it after\n"), "{rotation}");
    let image = std::fs::read_to_string(dir.path().join("harden-vulnerable-image/rampart.toml.add")).unwrap();
    assert!(
        image.contains(&format!(
            "[[images.block]]\nimage = \"{BAD}\"\nreason = \"CVE-2026-1\"\n"
        )),
        "{image}"
    );
    let policy = std::fs::read_to_string(
        dir.path()
            .join("harden-vulnerable-image/validatingadmissionpolicy.yaml"),
    )
    .unwrap();
    assert!(policy.contains("kind: ValidatingAdmissionPolicyBinding"), "{policy}");
    let namespace = std::fs::read_to_string(dir.path().join("harden-namespace-compromise/namespace.yaml")).unwrap();
    assert!(
        namespace.contains("pod-security.kubernetes.io/enforce: restricted"),
        "{namespace}"
    );
}

/// Every object the server holds, by list path, without what a capture or a deletion
/// without undo (bare pods) changes.
fn held(server: &api_server::Server) -> std::collections::BTreeMap<String, Vec<serde_json::Value>> {
    let mut objects = std::collections::BTreeMap::new();
    server.edit(|script| objects = script.objects.clone());
    objects.remove("/api/v1/pods");
    objects
}

#[test]
fn a_namespace_compromise_is_applied_and_undone_back_to_the_recorded_state() {
    use serde_json::json;
    let dir = tempfile::tempdir().unwrap();
    let mut script = api_server::Script {
        judge_by_rbac: true,
        ..api_server::Script::default()
    };
    let mut put =
        |path: &str, object: serde_json::Value| script.objects.entry(path.to_string()).or_default().push(object);
    put(
        "/api/v1/namespaces",
        json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"pod-security.kubernetes.io/enforce": "baseline", "team": "shop"}}}),
    );
    put(
        "/api/v1/serviceaccounts",
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "web", "namespace": "shop"}}),
    );
    put(
        "/api/v1/serviceaccounts",
        json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "batch", "namespace": "shop"}, "automountServiceAccountToken": true}),
    );
    put(
        "/apis/apps/v1/deployments",
        json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop", "annotations": {"owner": "team-shop"}},
        "spec": {"replicas": 3, "template": {"spec": {"serviceAccountName": "web", "containers": [{"name": "web", "image": "web:1"}]}}}}),
    );
    put(
        "/apis/apps/v1/daemonsets",
        json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "shop"},
        "spec": {"template": {"spec": {"nodeSelector": {"pool": "edge"}, "containers": [{"name": "agent", "image": "agent:1"}]}}}}),
    );
    put(
        "/apis/rbac.authorization.k8s.io/v1/roles",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role", "metadata": {"name": "read", "namespace": "shop"},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "verbs": ["get"]}]}),
    );
    put(
        "/apis/rbac.authorization.k8s.io/v1/rolebindings",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding", "metadata": {"name": "read", "namespace": "shop"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "read"},
        "subjects": [{"kind": "ServiceAccount", "name": "web", "namespace": "shop"}, {"kind": "User", "name": "alice"}]}),
    );
    put(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
        json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "batch-view"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "view"},
        "subjects": [{"kind": "ServiceAccount", "name": "batch", "namespace": "shop"}]}),
    );
    put(
        "/api/v1/pods",
        json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web-1", "namespace": "shop",
        "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "controller": true}]}, "spec": {"containers": [{"name": "web", "image": "web:1"}]}}),
    );
    let server = api_server::start(script);
    let before = held(&server);
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));

    let planned = live(
        dir.path(),
        &[
            "respond",
            "plan",
            "namespace-compromise",
            "-n",
            "shop",
            "--incident",
            "INC-11",
            "-o",
            "incidents/INC-11/plan.json",
        ],
    );
    assert_eq!(
        planned.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&planned.stderr)
    );
    let applied = live(dir.path(), &["respond", "apply", "incidents/INC-11/plan.json", "--yes"]);
    assert_eq!(
        applied.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&applied.stderr)
    );
    let during = held(&server);
    assert_eq!(during["/apis/apps/v1/deployments"][0]["spec"]["replicas"], 0);
    // Its people and accounts both went: the binding went whole.
    assert!(during["/apis/rbac.authorization.k8s.io/v1/rolebindings"].is_empty());
    assert!(during["/apis/rbac.authorization.k8s.io/v1/clusterrolebindings"].is_empty());
    assert_eq!(
        during["/api/v1/namespaces"][0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );

    // Verify by the incident's id; the reviews are the bindings the server holds now.
    let verified = live(dir.path(), &["respond", "verify", "INC-11"]);
    let stdout = String::from_utf8_lossy(&verified.stdout).to_string();
    assert!(
        stdout.contains("pass  system:serviceaccount:shop:web may not get secrets in shop\n"),
        "{stdout}"
    );

    let undone = live(dir.path(), &["respond", "undo", "INC-11"]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    // Object by object as it was: what containment created is gone again.
    let mut after = held(&server);
    after.retain(|_, list| !list.is_empty());
    assert_eq!(after, before);
}

#[test]
fn a_conflict_midway_stops_the_run_and_undo_restores_what_was_done() {
    let dir = tempfile::tempdir().unwrap();
    let _planned = cluster_and_plan(dir.path());
    let pod = serde_json::json!({"apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web-7d9-x2", "namespace": "shop", "labels": {"app": "web"}},
        "spec": {"containers": [{"name": "app", "image": "shop/web:1"}]}});
    let mut script = api_server::Script::default();
    script.objects.insert("/api/v1/pods".into(), vec![pod.clone()]);
    // The quarantine policy is there already: its create answers 409.
    script.objects.insert(
        "/apis/networking.k8s.io/v1/networkpolicies".into(),
        vec![
            serde_json::json!({"apiVersion": "networking.k8s.io/v1", "kind": "NetworkPolicy",
            "metadata": {"name": "rampart-quarantine-inc-5", "namespace": "shop"}, "spec": {"podSelector": {}}}),
        ],
    );
    let server = api_server::start(script);
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));
    let applied = live(dir.path(), &["respond", "apply", "plan.json", "--yes"]);
    let stderr = String::from_utf8_lossy(&applied.stderr).to_string();
    assert_eq!(applied.status.code(), Some(2), "{stderr}");
    assert!(
        stderr.contains("D3 create NetworkPolicy/shop/rampart-quarantine-inc-5: failed: 409"),
        "{stderr}"
    );
    assert!(stderr.contains("(1 step not run)"), "{stderr}");
    let undone = live(dir.path(), &["respond", "undo", "INC-5"]);
    assert_eq!(
        undone.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&undone.stderr)
    );
    let mut now = serde_json::Value::Null;
    server.edit(|script| now = script.objects["/api/v1/pods"][0].clone());
    assert_eq!(now, pod, "the label D2 added is gone again");
}
