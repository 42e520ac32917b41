//! The webhook over real TLS on 127.0.0.1: AdmissionReviews in each mode,
//! UPDATEs that keep an old violation, exempt namespaces, waivers, bad
//! input answered cleanly, metrics, and a certificate rotated on disk.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use rampart_admission::{Mode, ServeOptions, Settings, start};
use rampart_core::Config;
use rampart_scan::{Flags, Pipeline, SecretsMode};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn pipeline() -> Arc<Pipeline> {
    let flags = Flags {
        object_rules_only: true,
        allow_empty: true,
        secrets: SecretsMode::TurnedOff,
        ..Flags::default()
    };
    Arc::new(Pipeline::prepare(Config::default(), flags).unwrap().0)
}

/// A self-signed certificate for localhost, written as PEM files; returns
/// its DER for clients to trust.
fn certificate(dir: &Path) -> Vec<u8> {
    let certified = rcgen::generate_simple_self_signed(vec!["localhost".to_string()]).unwrap();
    std::fs::write(dir.join("tls.crt"), certified.cert.pem()).unwrap();
    std::fs::write(dir.join("tls.key"), certified.signing_key.serialize_pem()).unwrap();
    certified.cert.der().to_vec()
}

struct Webhook {
    running: rampart_admission::Running,
    trusted: Vec<u8>,
    dir: tempfile::TempDir,
}

async fn webhook(mode: Mode) -> Webhook {
    let dir = tempfile::tempdir().unwrap();
    let trusted = certificate(dir.path());
    let options = ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some((dir.path().join("tls.crt"), dir.path().join("tls.key"))),
        settings: Settings {
            mode,
            ..Settings::default()
        },
        reload_every: Duration::from_millis(50),
        log_decisions: false,
        ..ServeOptions::default()
    };
    let running = start(options, pipeline()).await.unwrap();
    Webhook { running, trusted, dir }
}

/// Sends one HTTP/1.1 request over TLS, trusting `trusted`; returns the
/// status and the body.
async fn send(webhook: &Webhook, method: &str, path: &str, body: &[u8]) -> (u16, String) {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(webhook.trusted.clone()))
        .unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(webhook.running.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    let mut tls = connector.connect(name, tcp).await.unwrap();
    let head = format!(
        "{method} {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    tls.write_all(head.as_bytes()).await.unwrap();
    // A body the server refuses may be cut off mid-write.
    let _ = tls.write_all(body).await;
    let mut answer = Vec::new();
    let _ = tls.read_to_end(&mut answer).await;
    let text = String::from_utf8_lossy(&answer).to_string();
    let status = text.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
    let body = text
        .split_once("\r\n\r\n")
        .map(|(_, body)| body.to_string())
        .unwrap_or_default();
    (status, body)
}

fn pod(privileged: bool, host_pid: bool, annotations: Value) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web", "annotations": annotations},
        "spec": {"hostPID": host_pid, "containers": [{"name": "web", "image": "nginx:1.27", "securityContext": {"privileged": privileged}}]}
    })
}

/// A pod whose remaining findings are below `high`.
fn hardened_pod() -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {
            "automountServiceAccountToken": false,
            "serviceAccountName": "web",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "web", "image": "registry.example.com/web:1.27", "securityContext": {
                "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}
            }}]
        }
    })
}

fn review(operation: &str, namespace: &str, object: Value, old: Option<Value>) -> Vec<u8> {
    let mut request = json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": namespace, "name": "web", "operation": operation,
        "userInfo": {"username": "dana"},
        "object": object,
    });
    if let Some(old) = old {
        request["oldObject"] = old;
    }
    serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}))
        .unwrap()
}

async fn answer(webhook: &Webhook, body: &[u8]) -> Value {
    let (status, text) = send(webhook, "POST", "/validate", body).await;
    assert_eq!(status, 200, "{text}");
    let answer: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(answer["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
    answer["response"].clone()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_denies_warn_warns_and_audit_allows() {
    let enforce = webhook(Mode::Enforce).await;
    let denied = answer(&enforce, &review("CREATE", "shop", pod(true, false, json!({})), None)).await;
    assert_eq!(denied["allowed"], false, "{denied:#}");
    let message = denied["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("no-privileged (spec.containers[0].securityContext.privileged)"),
        "{message}"
    );
    assert!(message.contains("Fix:"), "{message}");
    // Below fail-on: allowed, with warnings.
    let quiet = answer(&enforce, &review("CREATE", "shop", hardened_pod(), None)).await;
    assert_eq!(quiet["allowed"], true, "{quiet:#}");
    assert!(quiet["warnings"].as_array().is_some_and(|w| !w.is_empty()));
    // DELETE and exempt namespaces are not judged.
    assert_eq!(
        answer(&enforce, &review("DELETE", "shop", pod(true, false, json!({})), None)).await["allowed"],
        true
    );
    assert_eq!(
        answer(
            &enforce,
            &review("CREATE", "kube-system", pod(true, false, json!({})), None)
        )
        .await["allowed"],
        true
    );
    enforce.running.stop().await.unwrap();

    let warn = webhook(Mode::Warn).await;
    let warned = answer(&warn, &review("CREATE", "shop", pod(true, false, json!({})), None)).await;
    assert_eq!(warned["allowed"], true);
    let warnings: Vec<&str> = warned["warnings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|w| w.as_str().unwrap())
        .collect();
    assert!(
        warnings
            .iter()
            .any(|w| w.starts_with("no-privileged: spec.containers[0]")),
        "{warnings:?}"
    );
    assert!(warnings.iter().all(|w| w.chars().count() <= 120), "{warnings:?}");
    warn.running.stop().await.unwrap();

    let audit = webhook(Mode::Audit).await;
    let audited = answer(&audit, &review("CREATE", "shop", pod(true, false, json!({})), None)).await;
    assert_eq!(audited["allowed"], true);
    assert!(audited.get("warnings").is_none(), "{audited:#}");
    audit.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn updates_keep_old_violations_and_waivers_are_honoured() {
    let enforce = webhook(Mode::Enforce).await;
    // A label change to a legacy privileged pod is allowed, with a warning.
    let legacy = pod(true, false, json!({}));
    let update = answer(
        &enforce,
        &review("UPDATE", "shop", legacy.clone(), Some(legacy.clone())),
    )
    .await;
    assert_eq!(update["allowed"], true, "{update:#}");
    let warnings = update["warnings"].to_string();
    assert!(
        warnings.contains("no-privileged") && warnings.contains("already there"),
        "{warnings}"
    );
    // An update that adds hostPID is denied for hostPID only.
    let worse = answer(
        &enforce,
        &review("UPDATE", "shop", pod(true, true, json!({})), Some(legacy)),
    )
    .await;
    assert_eq!(worse["allowed"], false);
    let message = worse["status"]["message"].as_str().unwrap();
    assert!(
        message.contains("no-host-pid") && !message.contains("- no-privileged"),
        "{message}"
    );
    // A waiver annotation with its reason is honoured.
    let mut waived = hardened_pod();
    waived["metadata"]["annotations"] =
        json!({"rampart.dev/ignore": "no-privileged", "rampart.dev/ignore-reason": "GPU driver installer"});
    waived["spec"]["containers"][0]["securityContext"]["privileged"] = json!(true);
    let allowed = answer(&enforce, &review("CREATE", "shop", waived, None)).await;
    assert_eq!(allowed["allowed"], true, "{allowed:#}");
    enforce.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bad_input_is_refused_cleanly_and_the_server_keeps_serving() {
    let hook = webhook(Mode::Enforce).await;
    let (status, text) = send(&hook, "POST", "/validate", b"{not json").await;
    assert_eq!(status, 400, "{text}");
    assert!(text.contains("not an AdmissionReview"));
    let (status, text) = send(
        &hook,
        "POST",
        "/validate",
        br#"{"apiVersion":"admission.k8s.io/v1beta1","kind":"AdmissionReview"}"#,
    )
    .await;
    assert_eq!(status, 400, "{text}");
    let (status, _) = send(
        &hook,
        "POST",
        "/validate",
        br#"{"apiVersion":"admission.k8s.io/v1","kind":"AdmissionReview"}"#,
    )
    .await;
    assert_eq!(status, 400);
    let huge = vec![b' '; 4 * 1024 * 1024];
    let (status, _) = send(&hook, "POST", "/validate", &huge).await;
    assert_eq!(status, 413);
    assert_eq!(send(&hook, "GET", "/healthz", b"").await, (200, "ok".to_string()));
    assert_eq!(send(&hook, "GET", "/readyz", b"").await.0, 200);
    answer(&hook, &review("CREATE", "shop", pod(true, false, json!({})), None)).await;
    let (status, metrics) = send(&hook, "GET", "/metrics", b"").await;
    assert_eq!(status, 200);
    assert!(
        metrics.contains("rampart_admission_requests_total{operation=\"CREATE\",kind=\"Pod\",result=\"denied\"} 1"),
        "{metrics}"
    );
    assert!(
        metrics.contains("rampart_admission_requests_total{operation=\"-\",kind=\"-\",result=\"error\"} 3"),
        "{metrics}"
    );
    assert!(
        metrics.contains("rampart_admission_evaluation_seconds_count 1"),
        "{metrics}"
    );
    hook.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_certificate_swapped_on_disk_is_served_on_the_next_connection() {
    let mut hook = webhook(Mode::Warn).await;
    assert_eq!(send(&hook, "GET", "/healthz", b"").await.0, 200);
    // Make sure the new files get a later modification time.
    tokio::time::sleep(Duration::from_millis(20)).await;
    hook.trusted = certificate(hook.dir.path());
    let mut served = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if try_send(&hook).await {
            served = true;
            break;
        }
    }
    assert!(served, "the new certificate was never served");
    hook.running.stop().await.unwrap();
}

/// Whether a client trusting only the current certificate gets an answer.
async fn try_send(hook: &Webhook) -> bool {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(hook.trusted.clone()))
        .unwrap();
    let config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let Ok(tcp) = tokio::net::TcpStream::connect(hook.running.addr).await else {
        return false;
    };
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    connector.connect(name, tcp).await.is_ok()
}

async fn webhook_with(options: impl FnOnce(&mut ServeOptions)) -> Webhook {
    let dir = tempfile::tempdir().unwrap();
    let trusted = certificate(dir.path());
    let mut serve = ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: Some((dir.path().join("tls.crt"), dir.path().join("tls.key"))),
        settings: Settings {
            mode: Mode::Enforce,
            ..Settings::default()
        },
        log_decisions: false,
        ..ServeOptions::default()
    };
    options(&mut serve);
    let running = start(serve, pipeline()).await.unwrap();
    Webhook { running, trusted, dir }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn past_the_deadline_the_failure_policy_answers() {
    let open = webhook_with(|options| options.deadline = Duration::ZERO).await;
    let body = review("CREATE", "shop", pod(true, false, json!({})), None);
    let allowed = answer(&open, &body).await;
    assert_eq!(allowed["allowed"], true, "{allowed:#}");
    assert!(
        allowed["warnings"][0].as_str().unwrap().contains("not judged"),
        "{allowed:#}"
    );
    open.running.stop().await.unwrap();
    let closed = webhook_with(|options| {
        options.deadline = Duration::ZERO;
        options.fail_closed = true;
    })
    .await;
    let denied = answer(&closed, &body).await;
    assert_eq!(denied["allowed"], false, "{denied:#}");
    assert!(
        denied["status"]["message"]
            .as_str()
            .unwrap()
            .contains("could not judge")
    );
    closed.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_connections_are_closed_and_many_at_once_are_all_answered() {
    let hook = Arc::new(webhook_with(|options| options.first_request_timeout = Duration::from_secs(3)).await);
    // A client that connects and says nothing is let go.
    let mut idle = tokio::net::TcpStream::connect(hook.running.addr).await.unwrap();
    let mut buffer = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(15), idle.read(&mut buffer)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the idle connection stayed open: {closed:?}"
    );
    // 300 clients at once: every one gets its answer.
    let body = Arc::new(review("CREATE", "shop", pod(true, false, json!({})), None));
    let tasks: Vec<_> = (0..300)
        .map(|_| {
            let (hook, body) = (hook.clone(), body.clone());
            tokio::spawn(async move { send(&hook, "POST", "/validate", &body).await.0 })
        })
        .collect();
    for task in tasks {
        assert_eq!(task.await.unwrap(), 200);
    }
    assert_eq!(send(&hook, "GET", "/healthz", b"").await.0, 200);
    match Arc::try_unwrap(hook) {
        Ok(hook) => hook.running.stop().await.unwrap(),
        Err(_) => panic!("a client still holds the webhook"),
    }
}

#[test]
fn modes_by_rule_and_namespace_take_precedence_over_the_global_one() {
    use rampart_core::RuleSelector;
    let pipeline = pipeline();
    let settings = Settings {
        mode: Mode::Warn,
        rule_modes: vec![
            (RuleSelector::parse("no-privileged"), Mode::Enforce),
            (RuleSelector::parse("workload"), Mode::Audit),
        ],
        namespace_modes: [("prod".to_string(), Mode::Enforce)].into_iter().collect(),
        ..Settings::default()
    };
    let judge = |namespace: &str, object: Value| {
        let request = rampart_admission::review::decode(&review("CREATE", namespace, object, None)).unwrap();
        rampart_admission::decide(&pipeline, &settings, &request)
    };
    // The rule's own mode denies.
    let privileged = judge("shop", pod(true, false, json!({})));
    assert!(!privileged.allowed);
    let message = privileged.message.unwrap();
    assert!(
        message.contains("- no-privileged") && !message.contains("- run-as-non-root"),
        "{message}"
    );
    // The others warn; the workload control's findings are audited only.
    assert!(
        privileged.warnings.iter().any(|w| w.starts_with("run-as-non-root")),
        "{:?}",
        privileged.warnings
    );
    assert!(
        !privileged.warnings.iter().any(|w| w.starts_with("liveness-probe-set")),
        "{:?}",
        privileged.warnings
    );
    // Without the rule that has its own mode: warned in shop, denied in prod.
    let plain = pod(false, true, json!({}));
    let shop = judge("shop", plain.clone());
    assert!(
        shop.allowed && shop.warnings.iter().any(|w| w.starts_with("no-host-pid")),
        "{shop:?}"
    );
    let prod = judge("prod", plain);
    assert!(!prod.allowed, "{prod:?}");
    assert!(prod.message.unwrap().contains("- no-host-pid"));
}
