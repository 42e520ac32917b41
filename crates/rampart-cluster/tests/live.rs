//! The live path against the test API server (`support/api_server.rs`):
//! the production client code, unchanged, over paged lists and scripted
//! faults.

#[path = "support/api_server.rs"]
mod api_server;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use api_server::{SECRET_VALUES, SERVER_VERSION, Script, cluster, kubeconfig, start};
use rampart_cluster::live::{ListOptions, ReadCluster, connect, read_cluster, server_version, wanted_kinds};
use rampart_cluster::{ObjectMaker, Piece};

/// Reads the server's cluster as `rampart audit` does, making every piece
/// into objects.
fn audit(script: Script, options: ListOptions) -> (ReadCluster, Vec<serde_json::Value>, api_server::Seen) {
    audit_in(script, options, &[])
}

/// [`audit`] of `namespaces` only.
fn audit_in(
    script: Script,
    options: ListOptions,
    namespaces: &[String],
) -> (ReadCluster, Vec<serde_json::Value>, api_server::Seen) {
    let server = start(script);
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, kubeconfig(&server, "kind-test")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let maker = Arc::new(ObjectMaker::new("kind-test"));
    let objects = Arc::new(Mutex::new(Vec::new()));
    let read = runtime.block_on(async {
        let connection = connect(Some(&config), None).await.unwrap();
        assert_eq!(connection.context, "kind-test");
        let (maker, objects) = (maker.clone(), objects.clone());
        let each: Arc<Mutex<dyn FnMut(Piece) + Send>> = Arc::new(Mutex::new(move |piece: Piece| {
            let (made, errors) = maker.make(piece);
            assert!(errors.is_empty(), "{errors:?}");
            objects
                .lock()
                .unwrap()
                .extend(made.into_iter().map(|made| made.object.root.to_json()));
        }));
        read_cluster(&connection, &wanted_kinds(&[]), namespaces, &options, 4, each).await
    });
    let seen = server.seen.lock().unwrap().clone();
    let objects = std::mem::take(&mut *objects.lock().unwrap());
    (read, objects, seen)
}

fn quick() -> ListOptions {
    ListOptions {
        page_size: 50,
        backoff: Duration::from_millis(10),
        ..ListOptions::default()
    }
}

fn count(objects: &[serde_json::Value], kind: &str) -> usize {
    objects.iter().filter(|object| object["kind"] == kind).count()
}

#[test]
fn every_kind_is_listed_in_pages_with_kind_and_api_version_restored() {
    let (read, objects, seen) = audit(cluster(120), quick());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_eq!(count(&objects, "Pod"), 120);
    let pods = read.lists.iter().find(|(served, _, _)| served.kind == "Pod").unwrap();
    assert_eq!((pods.2.pages, pods.2.items), (3, 120));
    assert_eq!(count(&objects, "Deployment"), 1);
    let deployment = objects.iter().find(|object| object["kind"] == "Deployment").unwrap();
    assert_eq!(deployment["apiVersion"], "apps/v1");
    // Kinds the server does not serve are not asked for; served ones are.
    assert!(!seen.requests.iter().any(|(path, _, _)| path.contains("cronjobs")));
    assert!(
        seen.requests
            .iter()
            .any(|(path, _, _)| path == "/api/v1/pods?limit=50&continue=offset%2B50")
    );
    // Every request carried the kubeconfig's token.
    assert!(
        seen.requests
            .iter()
            .all(|(_, _, authorization)| authorization == "Bearer test-token-1234")
    );
}

#[test]
fn secrets_are_asked_for_as_metadata_only_and_never_hold_a_value() {
    let (read, objects, seen) = audit(cluster(3), quick());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    let secret_requests: Vec<_> = seen
        .requests
        .iter()
        .filter(|(path, _, _)| path.starts_with("/api/v1/secrets"))
        .collect();
    assert!(!secret_requests.is_empty());
    assert!(
        secret_requests
            .iter()
            .all(|(_, accept, _)| accept == "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1")
    );
    let secret = objects.iter().find(|object| object["kind"] == "Secret").unwrap();
    assert_eq!(secret["apiVersion"], "v1");
    assert_eq!(secret["metadata"]["name"], "db");
    let text = serde_json::to_string(&objects).unwrap();
    for value in SECRET_VALUES {
        assert!(!text.contains(value), "{value} reached the objects");
    }
}

#[test]
fn an_expired_continue_token_restarts_the_list_and_each_pod_is_read_once() {
    let mut script = cluster(120);
    script.expire_once.push("/api/v1/pods".into());
    let (read, objects, _) = audit(script, quick());
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    let pods = read.lists.iter().find(|(served, _, _)| served.kind == "Pod").unwrap();
    assert_eq!(pods.2.restarts, 1);
    // The first page came twice; its pods are judged once.
    assert_eq!(pods.2.items, 170);
    assert_eq!(count(&objects, "Pod"), 120);
}

#[test]
fn a_forbidden_kind_is_one_error_and_the_rest_is_read() {
    let mut script = cluster(5);
    script.forbidden.push("/api/v1/configmaps".into());
    let (read, objects, _) = audit(script, quick());
    assert_eq!(read.errors.len(), 1, "{:?}", read.errors);
    assert!(
        read.errors[0].path.ends_with("/api/v1/configmaps"),
        "{:?}",
        read.errors[0]
    );
    assert!(
        read.errors[0].message.contains("forbidden (403)"),
        "{}",
        read.errors[0].message
    );
    assert_eq!(count(&objects, "Pod"), 5);
}

#[test]
fn throttling_and_unavailability_are_retried_within_the_bound() {
    let mut script = cluster(5);
    script.throttle.insert("/api/v1/services".into(), 1);
    script.unavailable.insert("/apis/apps/v1/deployments".into(), 2);
    // Always unavailable: given up after the attempts, as one error.
    script.unavailable.insert("/api/v1/nodes".into(), 100);
    script.objects.insert("/api/v1/nodes".into(), Vec::new());
    script
        .slow
        .insert("/api/v1/namespaces".into(), Duration::from_millis(300));
    let options = ListOptions { attempts: 4, ..quick() };
    let started = std::time::Instant::now();
    let (read, objects, _) = audit(script, options);
    let listed = |kind: &str| {
        read.lists
            .iter()
            .find(|(served, _, _)| served.kind == kind)
            .unwrap()
            .2
            .clone()
    };
    assert_eq!(listed("Service").retries, 1);
    assert_eq!(listed("Deployment").retries, 2);
    assert_eq!(count(&objects, "Service"), 1);
    assert_eq!(count(&objects, "Namespace"), 1);
    // Retry-After: 1 was honoured.
    assert!(started.elapsed() >= Duration::from_secs(1));
    assert_eq!(read.errors.len(), 1, "{:?}", read.errors);
    assert!(read.errors[0].message.contains("503") && read.errors[0].message.contains("after 4 attempts"));
}

#[test]
fn a_huge_page_streams_through() {
    let mut script = cluster(0);
    let big = "x".repeat(20_000);
    script.objects.insert(
        "/api/v1/pods".into(),
        (0..500)
            .map(|index| {
                serde_json::json!({"apiVersion": "v1", "kind": "Pod",
                    "metadata": {"name": format!("p{index}"), "namespace": "shop", "annotations": {"note": big}},
                    "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}})
            })
            .collect(),
    );
    let (read, objects, _) = audit(
        script,
        ListOptions {
            page_size: 500,
            ..quick()
        },
    );
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_eq!(count(&objects, "Pod"), 500);
}

#[test]
fn the_api_servers_version_is_read() {
    let server = start(cluster(1));
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(&config, kubeconfig(&server, "kind-test")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let version = runtime.block_on(async {
        let connection = connect(Some(&config), None).await.unwrap();
        server_version(&connection).await
    });
    assert_eq!(version.as_deref(), Ok(SERVER_VERSION));
}

#[test]
fn an_api_server_that_cannot_be_reached_is_one_error() {
    // A port nothing listens on.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("kubeconfig");
    std::fs::write(
        &config,
        format!("apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster: {{server: \"http://127.0.0.1:{port}\"}}\nusers:\n- name: u\n  user: {{token: t}}\ncontexts:\n- name: gone\n  context: {{cluster: c, user: u}}\ncurrent-context: gone\n"),
    )
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let read = runtime.block_on(async {
        let connection = connect(Some(&config), None).await.unwrap();
        let each: Arc<Mutex<dyn FnMut(Piece) + Send>> = Arc::new(Mutex::new(|_piece: Piece| {}));
        read_cluster(&connection, &wanted_kinds(&[]), &[], &quick(), 2, each).await
    });
    assert_eq!(read.errors.len(), 1, "{:?}", read.errors);
    assert!(
        read.errors[0]
            .message
            .starts_with("cannot read the cluster at http://127.0.0.1:"),
        "{}",
        read.errors[0].message
    );
    assert!(read.errors[0].message.contains("after 6 attempts"));
    assert!(read.lists.is_empty());
}

#[test]
fn namespaces_asked_for_are_listed_each_and_cluster_scoped_kinds_whole() {
    let mut script = cluster(4);
    script.objects.get_mut("/api/v1/pods").unwrap().push(serde_json::json!(
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other", "namespace": "elsewhere"},
         "spec": {"containers": [{"name": "c", "image": "nginx:1.27"}]}}
    ));
    let (read, objects, seen) = audit_in(script, quick(), &["shop".to_string()]);
    assert!(read.errors.is_empty(), "{:?}", read.errors);
    assert_eq!(count(&objects, "Pod"), 4);
    let paths: Vec<&str> = seen.requests.iter().map(|(path, _, _)| path.as_str()).collect();
    assert!(paths.contains(&"/api/v1/namespaces/shop/pods?limit=50"), "{paths:?}");
    assert!(paths.contains(&"/apis/rbac.authorization.k8s.io/v1/clusterrolebindings?limit=50"));
    assert!(!paths.contains(&"/api/v1/pods?limit=50"));
}

#[test]
fn pull_secrets_are_fetched_by_name_and_only_their_docker_config_kept() {
    use base64::Engine as _;
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let config = r#"{"auths":{"ghcr.io":{"auth":"Ym90OnM="}}}"#;
    let mut script = cluster(1);
    script.objects.insert(
        "/api/v1/secrets".into(),
        vec![
            serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                "metadata": {"name": "ghcr", "namespace": "shop"}, "data": {".dockerconfigjson": encode(config)}}),
            serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "Opaque",
                "metadata": {"name": "db", "namespace": "shop"}, "data": {"password": encode("hunter2")}}),
        ],
    );
    let server = start(script);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("kubeconfig");
    std::fs::write(&path, kubeconfig(&server, "kind-test")).unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let names = [
        ("shop".to_string(), "ghcr".to_string()),
        ("shop".to_string(), "db".to_string()),
        ("shop".to_string(), "gone".to_string()),
    ];
    let read = runtime.block_on(async {
        let connection = connect(Some(&path), None).await.unwrap();
        rampart_cluster::pull_secrets::read_pull_secrets(&connection, &names).await
    });
    assert_eq!(read.secrets.len(), 1, "{read:?}");
    assert_eq!(
        (read.secrets[0].namespace.as_str(), read.secrets[0].name.as_str()),
        ("shop", "ghcr")
    );
    assert_eq!(read.secrets[0].docker_config, config.as_bytes());
    assert_eq!(
        read.unread,
        [
            "shop/db: of type Opaque, not a pull secret",
            "shop/gone: no such Secret"
        ]
    );
    // Nothing quotes a value, and only the named Secrets were asked for, one by one.
    assert!(!format!("{read:?}").contains("Ym90"), "{read:?}");
    let asked: Vec<String> = server
        .seen
        .lock()
        .unwrap()
        .requests
        .iter()
        .map(|(path, _, _)| path.clone())
        .collect();
    assert_eq!(
        asked,
        [
            "/api/v1/namespaces/shop/secrets/ghcr",
            "/api/v1/namespaces/shop/secrets/db",
            "/api/v1/namespaces/shop/secrets/gone"
        ]
    );
}
