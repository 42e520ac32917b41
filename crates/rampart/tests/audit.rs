//! `rampart audit --snapshot`: a cluster as `kubectl get ... -A -o json`
//! wrote it (a List with managed fields and status), judged by the scan's
//! pipeline. Findings name `cluster:<context>/...`; a pod's findings its
//! controller has are reported once, on the controller, and what only the
//! pod has (an injected sidecar, a debug container) stays, naming the
//! controller; no value of a Secret, nor its last-applied copy, reaches any
//! output or the evidence bundle.

mod common;

use common::{json, rampart_in, repo};

const SNAPSHOT: &str = "crates/rampart/tests/fixtures/cluster/prod.json";
/// The Secret's value in the snapshot (base64), and what it decodes to.
const VALUES: &[&str] = &["c3VwZXItc2VjcmV0LWRiLXBhc3N3b3Jk", "super-secret-db-password"];

#[test]
fn a_snapshot_is_judged_with_pods_folded_into_their_controllers() {
    let dir = tempfile::tempdir().unwrap();
    let output = rampart_in(dir.path(), &["audit", "--snapshot", &repo(SNAPSHOT), "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let findings = report["findings"].as_array().unwrap();
    let on = |name: &str| -> Vec<&serde_json::Value> {
        findings
            .iter()
            .filter(|finding| finding["location"]["path"] == name)
            .collect()
    };
    let pod = on("cluster:prod/shop/Pod/web-5d9c7b-x2x9q");
    // The app container is the Deployment's: nothing about it on the pod.
    assert!(pod.iter().all(|finding| finding["container"] != "web"), "{pod:#?}");
    // The debug container and the injected init container are the pod's own.
    let privileged = pod
        .iter()
        .find(|finding| finding["rule"] == "no-privileged")
        .expect("the privileged debug container");
    assert_eq!(
        privileged["field"],
        "spec.ephemeralContainers[0].securityContext.privileged"
    );
    assert!(
        privileged["message"]
            .as_str()
            .unwrap()
            .contains("its controller ReplicaSet/web-5d9c7b does not have it")
    );
    assert!(
        pod.iter()
            .any(|finding| finding["rule"] == "no-dangerous-capabilities" && finding["container"] == "istio-init")
    );
    // The pod's line and column are those of `kubectl get pod -o json`:
    // its item in the List, eight columns (two levels) out.
    let text = std::fs::read_to_string(repo(SNAPSHOT)).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let at = lines
        .iter()
        .position(|line| line.trim() == "\"privileged\": true,")
        .or_else(|| lines.iter().position(|line| line.trim() == "\"privileged\": true"))
        .unwrap();
    let item = (0..at).rev().find(|index| lines[*index] == "        {").unwrap();
    assert_eq!(privileged["location"]["line"], at - item + 1, "{privileged:#}");
    let column = lines[at].find('"').unwrap() + 1 - 8;
    assert_eq!(privileged["location"]["column"], column);
    // What a cluster lacks, it lacks: not "in the scanned manifests".
    let deny = on("cluster:prod/Namespace/shop");
    let deny = deny
        .iter()
        .find(|finding| finding["rule"] == "namespace-default-deny-ingress")
        .expect("shop has no default-deny ingress policy");
    assert!(
        deny["message"]
            .as_str()
            .unwrap()
            .ends_with("has no default-deny ingress NetworkPolicy in the cluster"),
        "{deny:#}"
    );
    // The injected init container's fix names the digest the pod runs.
    let injected = on("cluster:prod/shop/Pod/web-5d9c7b-x2x9q")
        .into_iter()
        .find(|finding| finding["rule"] == "image-digest-pinned" && finding["container"] == "istio-init")
        .expect("istio-init is not pinned");
    assert_eq!(
        injected["fix"],
        format!(
            "Pin it to the image the cluster runs (1 pod): `docker.io/istio/proxyv2:1.24.0@sha256:{}`.",
            "cd".repeat(32)
        )
    );
    // Nothing is repeated on the ReplicaSet that the Deployment has.
    assert!(on("cluster:prod/shop/ReplicaSet/web-5d9c7b").is_empty());
    let binding = on("cluster:prod/ClusterRoleBinding/ops-admins");
    assert!(
        binding
            .iter()
            .any(|finding| finding["rule"] == "rbac-cluster-admin-binding" && finding["severity"] == "critical")
    );
    let secret = on("cluster:prod/shop/Secret/db-credentials");
    let rules: Vec<&str> = secret.iter().map(|finding| finding["rule"].as_str().unwrap()).collect();
    assert_eq!(rules.len(), 2, "{secret:#?}");
    assert!(rules.contains(&"secret-last-applied-annotation"));
    // Written on 2025-03-01 (its managed fields), never since.
    let overdue = secret
        .iter()
        .find(|finding| finding["rule"] == "secret-rotation-overdue")
        .unwrap();
    assert!(overdue["message"].as_str().unwrap().contains("(2025-03-01)"));
    assert!(
        on("cluster:prod/Namespace/shop")
            .iter()
            .any(|finding| finding["rule"] == "namespace-pss-enforce")
    );
    assert_eq!(report["summary"]["files"], 1);
    // --context names the cluster.
    let named = rampart_in(
        dir.path(),
        &[
            "audit",
            "--snapshot",
            &repo(SNAPSHOT),
            "--context",
            "eu-prod",
            "-f",
            "json",
        ],
    );
    assert!(json(&named)["findings"].as_array().unwrap().iter().all(|finding| {
        finding["location"]["path"]
            .as_str()
            .unwrap()
            .starts_with("cluster:eu-prod/")
    }));
}

#[test]
fn no_secret_value_reaches_any_format_or_the_evidence() {
    let dir = tempfile::tempdir().unwrap();
    let evidence = dir.path().join("evidence");
    let formats = ["text", "json", "sarif", "junit", "markdown", "html"];
    let mut args = vec!["audit", "--snapshot", SNAPSHOT];
    let mut outputs = Vec::new();
    for format in formats {
        outputs.push(dir.path().join(format!("report.{format}")));
    }
    let output_names: Vec<String> = outputs.iter().map(|path| path.display().to_string()).collect();
    for (format, output) in formats.iter().zip(&output_names) {
        args.extend(["-f", format, "-o", output]);
    }
    let evidence_name = evidence.display().to_string();
    args.extend(["--evidence", &evidence_name]);
    let snapshot = repo(SNAPSHOT);
    args[2] = &snapshot;
    let run = rampart_in(dir.path(), &args);
    assert_eq!(run.status.code(), Some(1), "{}", String::from_utf8_lossy(&run.stderr));
    let mut read = vec![
        String::from_utf8_lossy(&run.stdout).to_string(),
        String::from_utf8_lossy(&run.stderr).to_string(),
    ];
    for output in &outputs {
        read.push(std::fs::read_to_string(output).unwrap());
    }
    let mut files = 0;
    for entry in std::fs::read_dir(&evidence).unwrap().flatten() {
        if entry.path().is_file() {
            read.push(String::from_utf8_lossy(&std::fs::read(entry.path()).unwrap()).to_string());
            files += 1;
        }
    }
    assert!(files >= 3, "the bundle holds {files} files");
    // The snapshot really holds them (the test could not pass by accident).
    let source = std::fs::read_to_string(repo(SNAPSHOT)).unwrap();
    assert!(source.contains(VALUES[0]));
    for text in &read {
        for value in VALUES {
            assert!(!text.contains(value), "a Secret's value was written");
        }
        assert!(!text.contains("\\\"password\\\""), "the last-applied copy was written");
    }
    // The report still says the annotation was there.
    assert!(read[2].contains("secret-last-applied-annotation"));
}

#[test]
fn a_broken_snapshot_file_is_one_error_and_the_others_are_read() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.json"),
        "{\n  \"kind\": \"List\",\n  \"items\": [\n}\n",
    )
    .unwrap();
    let output = rampart_in(
        dir.path(),
        &["audit", "--snapshot", "broken.json", &repo(SNAPSHOT), "-f", "json"],
    );
    let report = json(&output);
    // An input that could not be read makes the run an error, as in `scan`;
    // the other file is still judged.
    assert_eq!(output.status.code(), Some(2));
    assert!(!report["findings"].as_array().unwrap().is_empty());
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["path"], "broken.json");
    assert_eq!(errors[0]["line"], 4);
    assert!(report["summary"]["objects"].as_u64().unwrap() >= 6);
}

#[path = "../../rampart-cluster/tests/support/api_server.rs"]
mod api_server;

#[test]
fn a_live_cluster_is_read_through_the_kubeconfig_and_judged_like_a_snapshot() {
    let mut script = api_server::cluster(30);
    script.forbidden.push("/api/v1/configmaps".into());
    // A binding left behind by a removed workload: its account is gone.
    script.objects.insert(
        "/api/v1/serviceaccounts".into(),
        vec![
            serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "shop"}}),
            serde_json::json!({"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "old-importer", "namespace": "shop"}}),
        ],
    );
    script.objects.insert(
        "/apis/rbac.authorization.k8s.io/v1/roles".into(),
        vec![
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "old-importer", "namespace": "shop"}, "rules": []}),
        ],
    );
    script.objects.insert(
        "/apis/rbac.authorization.k8s.io/v1/rolebindings".into(),
        vec![
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "old-deployer", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "shop"}]}),
        ],
    );
    // One kubelet too far behind the API server's /version.
    script.objects.insert(
        "/api/v1/nodes".into(),
        ["v1.30.1", "v1.26.5"]
            .iter()
            .enumerate()
            .map(|(index, version)| {
                serde_json::json!({"apiVersion": "v1", "kind": "Node", "metadata": {"name": format!("node-{index}")},
                    "status": {"nodeInfo": {"kubeletVersion": version}}})
            })
            .collect(),
    );
    let server = api_server::start(script);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, api_server::kubeconfig(&server, "kind-test")).unwrap();
    let evidence = dir.path().join("evidence");
    let output = rampart_in(
        dir.path(),
        &[
            "audit",
            "--kubeconfig",
            config.to_str().unwrap(),
            "-f",
            "json",
            "--evidence",
            evidence.to_str().unwrap(),
        ],
    );
    // The forbidden kind is an input error: exit 2, the rest judged.
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let errors = report["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert_eq!(errors[0]["path"], "cluster:kind-test/api/v1/configmaps");
    let findings = report["findings"].as_array().unwrap();
    let on = |path: &str, rule: &str| {
        findings
            .iter()
            .any(|finding| finding["location"]["path"] == path && finding["rule"] == rule)
    };
    assert!(on("cluster:kind-test/shop/DaemonSet/agent", "no-privileged"));
    assert!(on(
        "cluster:kind-test/ClusterRoleBinding/ops-admins",
        "rbac-cluster-admin-binding"
    ));
    assert!(on("cluster:kind-test/shop/Secret/db", "secret-last-applied-annotation"));
    assert!(on(
        "cluster:kind-test/shop/RoleBinding/old-deployer",
        "rbac-binding-missing-subject"
    ));
    let skew: Vec<&serde_json::Value> = findings
        .iter()
        .filter(|finding| finding["rule"] == "node-version-skew")
        .collect();
    assert_eq!(skew.len(), 1, "{skew:#?}");
    assert_eq!(skew[0]["location"]["path"], "cluster:kind-test/Node/node-1");
    let message = skew[0]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("behind the API server ({})", api_server::SERVER_VERSION)),
        "{message}"
    );
    // Nothing the pods run refers to the Secret.
    assert!(on("cluster:kind-test/shop/Secret/db", "secret-unused"));
    // The pods repeat their ReplicaSet, which repeats the Deployment: the
    // findings are the Deployment's, once.
    assert!(
        !findings
            .iter()
            .any(|finding| finding["location"]["path"].as_str().unwrap().contains("/Pod/")),
        "{findings:#?}"
    );
    // A Namespace, a Deployment, its ReplicaSet, a DaemonSet, a Service, a
    // Secret, two ServiceAccounts, a Role, two bindings and two Nodes,
    // besides the pods.
    assert_eq!(report["summary"]["objects"], 30 + 13);
    // No value of the Secret reaches the report or the evidence.
    let mut everything = String::from_utf8_lossy(&output.stdout).to_string();
    for entry in std::fs::read_dir(&evidence).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            everything.push_str(&String::from_utf8_lossy(&std::fs::read(&path).unwrap()));
        }
    }
    for value in api_server::SECRET_VALUES {
        assert!(!everything.contains(value), "{value} was written");
    }
}

/// The test server's cluster with a Role granting exec in `shop` to a
/// ServiceAccount and a user, and its API server allowing `allowed`.
fn exec_cluster(allowed: Option<Vec<String>>) -> api_server::Script {
    let mut script = api_server::cluster(2);
    script.objects.insert(
        "/apis/rbac.authorization.k8s.io/v1/roles".into(),
        vec![
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
            "metadata": {"name": "exec", "namespace": "shop"},
            "rules": [{"apiGroups": [""], "resources": ["pods/exec"], "verbs": ["create"]}]}),
        ],
    );
    script.objects.insert(
        "/apis/rbac.authorization.k8s.io/v1/rolebindings".into(),
        vec![
            serde_json::json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
            "metadata": {"name": "exec", "namespace": "shop"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "Role", "name": "exec"},
            "subjects": [{"kind": "ServiceAccount", "name": "debugger", "namespace": "shop"},
                         {"apiGroup": "rbac.authorization.k8s.io", "kind": "User", "name": "alice"}]}),
        ],
    );
    script.allowed = allowed;
    script
}

fn live_rampart(server: &api_server::Server, args: &[&str]) -> std::process::Output {
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, api_server::kubeconfig(server, "kind-test")).unwrap();
    let mut all: Vec<&str> = args.to_vec();
    all.extend(["--kubeconfig", config.to_str().unwrap()]);
    rampart_in(dir.path(), &all)
}

#[test]
fn who_can_reads_the_live_rbac_and_verify_asks_the_api_server_about_each_subject() {
    let allowed = vec!["ops".to_string(), "system:serviceaccount:shop:debugger".to_string()];
    let server = api_server::start(exec_cluster(Some(allowed)));
    let output = live_rampart(
        &server,
        &["who-can", "create", "pods/exec", "-n", "shop", "--verify", "-f", "json"],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let answer = json(&output);
    let subjects: Vec<String> = answer["grants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|grant| format!("{} {}", grant["subject"]["kind"], grant["subject"]["name"]).replace('"', ""))
        .collect();
    assert_eq!(subjects, ["Group ops", "ServiceAccount debugger", "User alice"]);
    let verdicts: Vec<(String, bool)> = answer["verified"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| {
            (
                v["subject"]["name"].as_str().unwrap().to_string(),
                v["allowed"].as_bool().unwrap(),
            )
        })
        .collect();
    // The API server refuses alice what the objects grant her: told, not hidden.
    assert_eq!(
        verdicts,
        [
            ("ops".to_string(), true),
            ("debugger".to_string(), true),
            ("alice".to_string(), false)
        ]
    );
    let seen = server.seen.lock().unwrap().clone();
    assert_eq!(seen.reviews.len(), 3);
    let account = &seen.reviews[1];
    assert_eq!(account["user"], "system:serviceaccount:shop:debugger");
    assert_eq!(
        account["resourceAttributes"],
        serde_json::json!({"verb": "create", "group": "", "resource": "pods", "subresource": "exec", "namespace": "shop"})
    );
    // Only RBAC was listed, and only shop's namespaced objects.
    assert!(seen.requests.iter().all(|(uri, _, _)| !uri.contains("secrets")));
    assert!(
        seen.requests
            .iter()
            .any(|(uri, _, _)| uri.starts_with("/apis/rbac.authorization.k8s.io/v1/namespaces/shop/roles"))
    );

    let text = live_rampart(&server, &["who-can", "create", "pods/exec", "-n", "shop", "--verify"]);
    let text = String::from_utf8_lossy(&text.stdout).to_string();
    assert!(
        text.contains("  User alice\n    NOT confirmed: the API server denies it in namespace shop\n"),
        "{text}"
    );
    assert!(
        text.contains("confirmed by the API server in namespace shop (RBAC: allowed by the test server)"),
        "{text}"
    );
}

#[test]
fn verify_refused_by_the_api_server_is_one_error_and_the_answer_still_stands() {
    let server = api_server::start(exec_cluster(None));
    let output = live_rampart(
        &server,
        &["who-can", "create", "pods/exec", "-n", "shop", "--verify", "-f", "json"],
    );
    assert_eq!(output.status.code(), Some(2));
    let answer = json(&output);
    assert_eq!(answer["grants"].as_array().unwrap().len(), 3);
    let errors = answer["errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:#?}");
    assert!(
        errors[0]["message"].as_str().unwrap().contains("SubjectAccessReview"),
        "{errors:#?}"
    );
    // After the first refusal nothing more is asked.
    assert_eq!(server.seen.lock().unwrap().reviews.len(), 1);
    // --verify needs a live cluster.
    let snapshot = rampart_in(
        std::path::Path::new("."),
        &["who-can", "get", "secrets", "--snapshot", &repo(SNAPSHOT), "--verify"],
    );
    assert_eq!(snapshot.status.code(), Some(2));
}

#[test]
fn map_of_a_live_cluster_draws_controllers_not_their_pods_and_public_addresses() {
    let mut script = api_server::cluster(3);
    script.objects.get_mut("/api/v1/services").unwrap()[0]["status"] =
        serde_json::json!({"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}]}});
    let server = api_server::start(script);
    let output = live_rampart(&server, &["map", "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let map = json(&output);
    let edges = map["edges"].as_array().unwrap();
    assert!(
        edges.iter().any(|edge| edge["from"] == "internet"
            && edge["to"] == "Service/shop/web"
            && edge["relation"] == "LoadBalancer at 203.0.113.10"),
        "{edges:#?}"
    );
    assert!(
        edges
            .iter()
            .any(|edge| edge["from"] == "Service/shop/web" && edge["to"] == "Deployment/shop/web")
    );
    let text = map.to_string();
    assert!(!text.contains("Pod/") && !text.contains("ReplicaSet/"), "{text}");
}

/// A kubeconfig naming two test servers as contexts `staging` and `prod`.
fn two_clusters(staging: &api_server::Server, prod: &api_server::Server) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: staging\n  cluster: {{server: \"{}\"}}\n- name: prod\n  cluster: {{server: \"{}\"}}\nusers:\n- name: tester\n  user: {{token: {}}}\ncontexts:\n- name: staging\n  context: {{cluster: staging, user: tester}}\n- name: prod\n  context: {{cluster: prod, user: tester}}\ncurrent-context: prod\n",
        staging.url,
        prod.url,
        api_server::TOKEN
    )
}

/// `cluster(1)` plus a Secret `shop/api` holding `token` and a CA that
/// every cluster shares on purpose.
fn cluster_with_api_token(token: &str) -> api_server::Script {
    let mut script = api_server::cluster(1);
    script
        .objects
        .get_mut("/api/v1/secrets")
        .unwrap()
        .push(serde_json::json!({
            "apiVersion": "v1", "kind": "Secret", "metadata": {"name": "api", "namespace": "shop"}, "type": "Opaque",
            "data": {"token": token, "ca.crt": "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0tCk1JSUI="}
        }));
    script
}

#[test]
fn two_contexts_are_audited_apart_and_a_shared_credential_is_found_by_keyed_hash() {
    use base64::Engine as _;
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let staging = api_server::start(cluster_with_api_token(&encode("staging-token-8f3k2m9x")));
    let prod = api_server::start(cluster_with_api_token(&encode("prod-token-q7w2e9r4t1")));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, two_clusters(&staging, &prod)).unwrap();
    let args = [
        "audit",
        "--kubeconfig",
        config.to_str().unwrap(),
        "--context",
        "staging",
        "--context",
        "prod",
        "-f",
        "json",
    ];
    let mut compared = args.to_vec();
    compared.push("--compare-secret-values");
    let output = rampart_in(dir.path(), &compared);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    assert!(
        report["errors"].as_array().unwrap().is_empty(),
        "{:#}",
        report["errors"]
    );
    let findings = report["findings"].as_array().unwrap();
    let shared: Vec<(&str, &str, &str)> = findings
        .iter()
        .filter(|finding| finding["rule"] == "secret-shared-across-clusters")
        .map(|finding| {
            (
                finding["location"]["path"].as_str().unwrap(),
                finding["field"].as_str().unwrap(),
                finding["message"].as_str().unwrap(),
            )
        })
        .collect();
    // The database password is the same in both; the tokens differ and the
    // CA is public.
    assert_eq!(
        shared,
        [
            (
                "cluster:staging/shop/Secret/db",
                "data.password",
                "key `password` of Secret shop/db holds the same value as prod: shop/db key password"
            ),
            (
                "cluster:prod/shop/Secret/db",
                "data.password",
                "key `password` of Secret shop/db holds the same value as staging: shop/db key password"
            ),
        ]
    );
    // Each cluster was judged on its own, and both are in one report.
    assert!(
        findings
            .iter()
            .any(|finding| finding["location"]["path"] == "cluster:staging/shop/DaemonSet/agent")
    );
    assert!(
        findings
            .iter()
            .any(|finding| finding["location"]["path"] == "cluster:prod/shop/DaemonSet/agent")
    );
    let text = String::from_utf8_lossy(&output.stdout);
    for value in api_server::SECRET_VALUES
        .iter()
        .chain(&["staging-token-8f3k2m9x", "prod-token-q7w2e9r4t1"])
    {
        assert!(!text.contains(value), "{value} was written");
    }
    // Values are read only when asked: without the flag, Secrets are asked
    // for as metadata, and nothing is compared.
    let before = prod.seen.lock().unwrap().requests.len();
    let output = rampart_in(dir.path(), &args);
    let report = json(&output);
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "secret-shared-across-clusters")
    );
    let seen = prod.seen.lock().unwrap().requests[before..].to_vec();
    let secrets: Vec<&(String, String, String)> = seen
        .iter()
        .filter(|(uri, _, _)| uri.starts_with("/api/v1/secrets"))
        .collect();
    assert!(!secrets.is_empty());
    assert!(
        secrets
            .iter()
            .all(|(_, accept, _)| accept.contains("PartialObjectMetadataList")),
        "{secrets:?}"
    );
}

#[test]
fn comparing_secret_values_needs_two_clusters_and_every_clusters_values() {
    let staging = api_server::start(cluster_with_api_token("c3RhZ2luZw=="));
    let mut forbidden = cluster_with_api_token("cHJvZA==");
    forbidden.forbidden.push("/api/v1/secrets".into());
    let prod = api_server::start(forbidden);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, two_clusters(&staging, &prod)).unwrap();
    let kubeconfig = config.to_str().unwrap();
    let output = rampart_in(
        dir.path(),
        &[
            "audit",
            "--kubeconfig",
            kubeconfig,
            "--context",
            "staging",
            "--context",
            "prod",
            "--compare-secret-values",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(2));
    let report = json(&output);
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "secret-shared-across-clusters")
    );
    assert!(
        report["errors"].as_array().unwrap().iter().any(|error| error["path"]
            .as_str()
            .unwrap()
            .starts_with("cluster:prod/api/v1/secrets")),
        "{:#}",
        report["errors"]
    );
    let one = rampart_in(
        dir.path(),
        &[
            "audit",
            "--kubeconfig",
            kubeconfig,
            "--context",
            "staging",
            "--compare-secret-values",
        ],
    );
    assert_eq!(one.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&one.stderr).contains("two --context"));
}
