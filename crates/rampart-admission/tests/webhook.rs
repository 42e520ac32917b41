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
        metrics.contains("rampart_admission_requests_total{operation=\"-\",kind=\"-\",result=\"error\"} 4"),
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
    let hook = Arc::new(webhook_with(|options| options.read_timeout = Duration::from_secs(3)).await);
    // A client that connects and says nothing is let go.
    let mut idle = tokio::net::TcpStream::connect(hook.running.addr).await.unwrap();
    let mut buffer = [0u8; 16];
    let closed = tokio::time::timeout(Duration::from_secs(15), idle.read(&mut buffer)).await;
    assert!(
        matches!(closed, Ok(Ok(0)) | Ok(Err(_))),
        "the idle connection stayed open: {closed:?}"
    );
    // 1,000 clients at once (each holds two descriptors here, client and
    // server side): every one gets its answer.
    let clients = clients_the_descriptor_limit_allows(1_000);
    let body = Arc::new(review("CREATE", "shop", pod(true, false, json!({})), None));
    let tasks: Vec<_> = (0..clients)
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

/// `wanted`, or fewer when this process may not open two descriptors per
/// client (said on stderr).
fn clients_the_descriptor_limit_allows(wanted: usize) -> usize {
    let limits = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
    let soft = limits
        .lines()
        .find(|line| line.starts_with("Max open files"))
        .and_then(|line| line.split_whitespace().nth(3))
        .and_then(|value| value.parse::<usize>().ok());
    match soft {
        Some(soft) if soft < 2 * wanted + 200 => {
            let allowed = soft.saturating_sub(200) / 2;
            eprintln!("only {allowed} clients at once: this process may open {soft} files");
            allowed
        }
        _ => wanted,
    }
}

/// Replaces a file's content at once (a new file renamed over it): the
/// watcher must never see it truncated and half written, which would be a
/// failed reload of its own and make the counts below race.
fn replace(path: &std::path::Path, text: &str) {
    let next = path.with_extension("next");
    std::fs::write(&next, text).unwrap();
    std::fs::rename(&next, path).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn configuration_changes_on_disk_are_reloaded_and_a_broken_one_is_kept_out() {
    let dir = tempfile::tempdir().unwrap();
    let mode_file = dir.path().join("mode");
    std::fs::write(&mode_file, "warn").unwrap();
    let build: rampart_admission::server::Build = {
        let mode_file = mode_file.clone();
        Arc::new(move || {
            let text = std::fs::read_to_string(&mode_file).map_err(|error| error.to_string())?;
            let mode: Mode = text.trim().parse()?;
            Ok((
                pipeline(),
                Settings {
                    mode,
                    ..Settings::default()
                },
            ))
        })
    };
    let hook = webhook_with(|options| {
        options.settings.mode = Mode::Warn;
        options.reload_every = Duration::from_millis(50);
        options.reload = Some(rampart_admission::server::Reload {
            build,
            watched: vec![mode_file.clone()],
        });
    })
    .await;
    let body = review("CREATE", "shop", pod(true, false, json!({})), None);
    assert_eq!(answer(&hook, &body).await["allowed"], true);
    // Later modification time and another size: seen on the next round.
    tokio::time::sleep(Duration::from_millis(20)).await;
    replace(&mode_file, "enforce");
    let mut denied = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        if answer(&hook, &body).await["allowed"] == false {
            denied = true;
            break;
        }
    }
    assert!(denied, "the new mode was never applied");
    tokio::time::sleep(Duration::from_millis(20)).await;
    replace(&mode_file, "block!");
    let mut refused = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(50)).await;
        let metrics = send(&hook, "GET", "/metrics", b"").await.1;
        if metrics.contains("rampart_admission_config_reloads_total{result=\"failed\"} 1") {
            refused = true;
            assert!(
                metrics.contains("rampart_admission_config_reloads_total{result=\"reloaded\"} 1"),
                "{metrics}"
            );
            break;
        }
    }
    assert!(refused, "the broken configuration was never tried");
    // The broken one is kept out: enforce is still in force.
    assert_eq!(answer(&hook, &body).await["allowed"], false);
    // Asked to (SIGHUP in `rampart serve`), it rebuilds even unchanged files.
    replace(&mode_file, "audit");
    hook.running.reload_trigger().notify_one();
    let mut audited = false;
    for _ in 0..100 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let answered = answer(&hook, &body).await;
        if answered["allowed"] == true && answered["warnings"].is_null() {
            audited = true;
            break;
        }
    }
    assert!(audited, "audit mode was never applied");
    // The certificate's expiry is exposed, in the future.
    let metrics = send(&hook, "GET", "/metrics", b"").await.1;
    let expiry: i64 = metrics
        .lines()
        .find_map(|line| line.strip_prefix("rampart_admission_certificate_expiry_timestamp_seconds "))
        .unwrap_or_else(|| panic!("no expiry in {metrics}"))
        .parse()
        .unwrap();
    assert!(expiry > rampart_core::unix_now(), "{expiry}");
    hook.running.stop().await.unwrap();
}

/// A TLS connection to the webhook offering `protocols` by ALPN.
async fn connect(hook: &Webhook, protocols: &[&[u8]]) -> tokio_rustls::client::TlsStream<tokio::net::TcpStream> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let mut roots = rustls::RootCertStore::empty();
    roots
        .add(rustls::pki_types::CertificateDer::from(hook.trusted.clone()))
        .unwrap();
    let mut config = rustls::ClientConfig::builder()
        .with_root_certificates(roots)
        .with_no_client_auth();
    config.alpn_protocols = protocols.iter().map(|protocol| protocol.to_vec()).collect();
    let connector = tokio_rustls::TlsConnector::from(Arc::new(config));
    let tcp = tokio::net::TcpStream::connect(hook.running.addr).await.unwrap();
    let name = rustls::pki_types::ServerName::try_from("localhost").unwrap();
    connector.connect(name, tcp).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn http2_clients_are_answered() {
    let hook = webhook(Mode::Enforce).await;
    let tls = connect(&hook, &[b"h2", b"http/1.1"]).await;
    assert_eq!(tls.get_ref().1.alpn_protocol(), Some(&b"h2"[..]));
    let (client, connection) = h2::client::handshake(tls).await.unwrap();
    tokio::spawn(connection);
    let mut client = client.ready().await.unwrap();
    // Two reviews on one connection, as the API server multiplexes them.
    for _ in 0..2 {
        let request = http::Request::post("https://localhost/validate")
            .header("content-type", "application/json")
            .body(())
            .unwrap();
        let (reply, mut stream) = client.send_request(request, false).unwrap();
        stream
            .send_data(review("CREATE", "shop", pod(true, false, json!({})), None).into(), true)
            .unwrap();
        let reply = reply.await.unwrap();
        assert_eq!(reply.status(), 200);
        let mut body = reply.into_body();
        let mut bytes = Vec::new();
        while let Some(chunk) = body.data().await {
            let chunk = chunk.unwrap();
            let _ = body.flow_control().release_capacity(chunk.len());
            bytes.extend_from_slice(&chunk);
        }
        let answer: Value = serde_json::from_slice(&bytes).unwrap();
        assert_eq!(answer["response"]["allowed"], false, "{answer:#}");
        assert_eq!(answer["response"]["uid"], "705ab4f5-6393-11e8-b7cc-42010a800002");
        client = client.ready().await.unwrap();
    }
    hook.running.stop().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_sending_a_byte_at_a_time_is_cut_off_and_others_are_served() {
    let hook = Arc::new(webhook_with(|options| options.read_timeout = Duration::from_secs(1)).await);
    let body = review("CREATE", "shop", pod(true, false, json!({})), None);
    // Headers at a byte every 200 ms: never complete within the timeout.
    let slow_headers = {
        let hook = hook.clone();
        tokio::spawn(async move {
            let mut tls = connect(&hook, &[b"http/1.1"]).await;
            let started = std::time::Instant::now();
            for byte in b"POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-length: 2\r\n\r\n{}" {
                if tls.write_all(&[*byte]).await.is_err() || tls.flush().await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let mut answer = Vec::new();
            let _ = tls.read_to_end(&mut answer).await;
            (started.elapsed(), String::from_utf8_lossy(&answer).to_string())
        })
    };
    // Headers at once, then the body at a byte every 200 ms: 408.
    let slow_body = {
        let (hook, body) = (hook.clone(), body.clone());
        tokio::spawn(async move {
            let mut tls = connect(&hook, &[b"http/1.1"]).await;
            let head = format!(
                "POST /validate HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n",
                body.len()
            );
            tls.write_all(head.as_bytes()).await.unwrap();
            for byte in &body[..20] {
                if tls.write_all(&[*byte]).await.is_err() || tls.flush().await.is_err() {
                    break;
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            let mut answer = vec![0u8; 512];
            let read = tokio::time::timeout(Duration::from_secs(10), tls.read(&mut answer)).await;
            let read = read.ok().and_then(Result::ok).unwrap_or(0);
            String::from_utf8_lossy(&answer[..read]).to_string()
        })
    };
    // Meanwhile, a well-behaved client is answered.
    assert_eq!(answer(&hook, &body).await["allowed"], false);
    let (spent, answered) = slow_headers.await.unwrap();
    assert!(
        !answered.contains("200 OK"),
        "the dribbling client was answered: {answered}"
    );
    // 63 bytes at 200 ms would take 12 s; it was let go well before.
    assert!(spent < Duration::from_secs(8), "{spent:?}");
    let answered = slow_body.await.unwrap();
    assert!(answered.starts_with("HTTP/1.1 408"), "{answered}");
    assert_eq!(answer(&hook, &body).await["allowed"], false);
    match Arc::try_unwrap(hook) {
        Ok(hook) => hook.running.stop().await.unwrap(),
        Err(_) => panic!("a client still holds the webhook"),
    }
}

/// A review of any object.
fn review_of(operation: &str, namespace: Option<&str>, kind: (&str, &str), object: Value) -> Vec<u8> {
    let (group, kind) = kind;
    let request = json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": group, "version": "v1", "kind": kind},
        "namespace": namespace, "name": object["metadata"]["name"], "operation": operation,
        "userInfo": {"username": "dana"},
        "object": object,
    });
    serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}))
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deployments_cronjobs_and_rbac_objects_are_judged() {
    let hook = webhook(Mode::Enforce).await;
    let template = json!({"metadata": {"labels": {"app": "web"}}, "spec": pod(true, false, json!({}))["spec"]});
    let deployment = json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": template}});
    let denied = answer(
        &hook,
        &review_of("CREATE", Some("shop"), ("apps", "Deployment"), deployment),
    )
    .await;
    assert_eq!(denied["allowed"], false);
    let message = denied["status"]["message"].as_str().unwrap();
    assert!(message.starts_with("rampart denied this Deployment"), "{message}");
    assert!(
        message.contains("no-privileged (spec.template.spec.containers[0].securityContext.privileged)"),
        "{message}"
    );
    let mut spec = hardened_pod()["spec"].clone();
    spec["hostPID"] = json!(true);
    let cronjob = json!({"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report"},
        "spec": {"schedule": "@daily", "jobTemplate": {"spec": {"template": {"spec": spec}}}}});
    let denied = answer(&hook, &review_of("CREATE", Some("shop"), ("batch", "CronJob"), cronjob)).await;
    assert_eq!(denied["allowed"], false);
    assert!(
        denied["status"]["message"]
            .as_str()
            .unwrap()
            .contains("no-host-pid (spec.jobTemplate.spec.template.spec.hostPID)")
    );
    // A binding of cluster-admin to a CI service account: judged from the
    // binding alone, though the rule reads the cluster's RBAC as a whole.
    let binding = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
        "metadata": {"name": "ci-admin"},
        "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
        "subjects": [{"kind": "ServiceAccount", "name": "deployer", "namespace": "ci"}]});
    let denied = answer(
        &hook,
        &review_of(
            "CREATE",
            None,
            ("rbac.authorization.k8s.io", "ClusterRoleBinding"),
            binding,
        ),
    )
    .await;
    assert_eq!(denied["allowed"], false, "{denied:#}");
    assert!(
        denied["status"]["message"]
            .as_str()
            .unwrap()
            .contains("rbac-cluster-admin-binding (subjects[0])"),
        "{denied:#}"
    );
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole",
        "metadata": {"name": "everything"},
        "rules": [{"apiGroups": ["*"], "resources": ["*"], "verbs": ["*"]}]});
    let denied = answer(
        &hook,
        &review_of("CREATE", None, ("rbac.authorization.k8s.io", "ClusterRole"), role),
    )
    .await;
    assert_eq!(denied["allowed"], false);
    assert!(denied["status"]["message"].as_str().unwrap().contains("rbac-wildcard"));
    // A namespaced Role reading one named Secret, owned and reviewed: only
    // low findings at most, allowed.
    let role = json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
        "metadata": {"name": "reader", "namespace": "shop",
            "annotations": {"rampart.dev/owner": "team-shop", "rampart.dev/review-by": "2099-01-01"}},
        "rules": [{"apiGroups": [""], "resources": ["secrets"], "resourceNames": ["db"], "verbs": ["get"]}]});
    let allowed = answer(
        &hook,
        &review_of("CREATE", Some("shop"), ("rbac.authorization.k8s.io", "Role"), role),
    )
    .await;
    assert_eq!(allowed["allowed"], true, "{allowed:#}");
    hook.running.stop().await.unwrap();
}
