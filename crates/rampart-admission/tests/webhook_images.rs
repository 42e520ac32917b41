//! The webhook verifying the admitted workload's image signatures against a real registry
//! (Debian's docker-registry on 127.0.0.1, started here): enforce denies an unsigned image,
//! a verified one is answered from the cache (even with the registry gone), an image that
//! cannot be checked gets the failure policy, and an UPDATE keeps an image it already ran.

use std::sync::Arc;
use std::time::Duration;

use rampart_admission::{ImageChecks, Mode, ServeOptions, Settings, start};
use rampart_core::Config;
use rampart_images::signature::{SignatureChecker, SignaturePolicies, VerdictCache};
use rampart_registry::local::{LocalRegistry, plain_client, push_image, push_signed_image};
use rampart_scan::{Flags, Pipeline, SecretsMode};
use rampart_sigstore::SigningKey;
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn pod(image: &str) -> Value {
    json!({
        "apiVersion": "v1", "kind": "Pod",
        "metadata": {"name": "web"},
        "spec": {
            "automountServiceAccountToken": false,
            "serviceAccountName": "web",
            "securityContext": {"runAsNonRoot": true, "runAsUser": 10001, "seccompProfile": {"type": "RuntimeDefault"}},
            "containers": [{"name": "web", "image": image, "securityContext": {
                "allowPrivilegeEscalation": false, "readOnlyRootFilesystem": true, "capabilities": {"drop": ["ALL"]}
            }}]
        }
    })
}

fn review(operation: &str, object: Value, old: Option<Value>) -> Vec<u8> {
    let mut request = json!({
        "uid": "705ab4f5-6393-11e8-b7cc-42010a800002",
        "kind": {"group": "", "version": "v1", "kind": "Pod"},
        "resource": {"group": "", "version": "v1", "resource": "pods"},
        "namespace": "shop", "name": "web", "operation": operation,
        "userInfo": {"username": "dana"},
        "object": object,
    });
    if let Some(old) = old {
        request["oldObject"] = old;
    }
    serde_json::to_vec(&json!({"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview", "request": request}))
        .unwrap()
}

/// The status line and body of a POST.
async fn post(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> (String, String) {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(body).await.unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap();
    (head.lines().next().unwrap().to_string(), body.to_string())
}

async fn answer_at(addr: std::net::SocketAddr, path: &str, body: &[u8]) -> Value {
    let (status, body) = post(addr, path, body).await;
    assert!(status.contains(" 200 "), "{status}: {body}");
    let answer: Value = serde_json::from_str(&body).unwrap();
    answer["response"].clone()
}

async fn answer(addr: std::net::SocketAddr, body: &[u8]) -> Value {
    answer_at(addr, "/validate", body).await
}

/// A webhook in enforce mode whose policy `acme` requires `key`'s signature on every image
/// under `address/acme/`.
async fn image_server(address: &str, dir: &std::path::Path, key: &SigningKey, pin: bool) -> rampart_admission::Running {
    std::fs::write(dir.join("cosign.pub"), key.public_pem()).unwrap();
    let toml = format!(
        "[[images.policy]]\nname = \"acme\"\nimages = [\"{address}/acme/**\"]\n[[images.policy.authority]]\nkey = \"cosign.pub\"\n"
    );
    std::fs::write(dir.join("rampart.toml"), &toml).unwrap();
    let team = Config::load(&dir.join("rampart.toml")).unwrap();
    let policies = SignaturePolicies::from_config(&team.images, "rampart.toml", &|path| team.resolve(path)).unwrap();
    let checker = SignatureChecker::new(plain_client(), policies, Arc::new(VerdictCache::in_memory(3600)));
    let flags = Flags {
        object_rules_only: true,
        allow_empty: true,
        secrets: SecretsMode::TurnedOff,
        ..Flags::default()
    };
    let pipeline = Arc::new(Pipeline::prepare(Config::default(), flags).unwrap().0);
    let options = ServeOptions {
        listen: "127.0.0.1:0".parse().unwrap(),
        tls: None,
        settings: Settings {
            mode: Mode::Enforce,
            images: Some(ImageChecks(Arc::new(checker))),
            ..Settings::default()
        },
        deadline: Duration::from_secs(5),
        log_decisions: false,
        pin_image_digests: pin,
        ..ServeOptions::default()
    };
    start(options, pipeline).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn enforce_denies_unsigned_images_and_answers_verified_ones_from_the_cache() {
    let Some(mut local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let key = SigningKey::generate();
    let pusher = plain_client();
    push_signed_image(&pusher, &local.reference("acme/shop", "1"), b"shop", &key)
        .await
        .unwrap();
    push_image(&pusher, &local.reference("acme/debug", "1"), b"debug")
        .await
        .unwrap();
    push_image(&pusher, &local.reference("acme/late", "1"), b"late")
        .await
        .unwrap();

    let dir = tempfile::tempdir().unwrap();
    let running = image_server(&local.address, dir.path(), &key, false).await;
    let addr = running.addr;
    let shop = format!("{}/acme/shop:1", local.address);
    let debug = format!("{}/acme/debug:1", local.address);

    let allowed = answer(addr, &review("CREATE", pod(&shop), None)).await;
    assert_eq!(allowed["allowed"], true, "{allowed:#}");

    let denied = answer(addr, &review("CREATE", pod(&debug), None)).await;
    assert_eq!(denied["allowed"], false, "{denied:#}");
    let message = denied["status"]["message"].as_str().unwrap();
    assert!(
        message.contains(&format!("image-signature-missing (signature:acme in {debug})")),
        "{message}"
    );

    // An UPDATE that keeps the unsigned image it already ran is allowed, with a warning.
    let kept = answer(addr, &review("UPDATE", pod(&debug), Some(pod(&debug)))).await;
    assert_eq!(kept["allowed"], true, "{kept:#}");
    assert!(
        kept["warnings"].to_string().contains("image-signature-missing"),
        "{kept:#}"
    );

    // The registry gone: the verified image is answered from the cache; an image never
    // checked gets the failure policy (fail-open here: allowed, with a warning).
    local.stop();
    let cached = answer(addr, &review("CREATE", pod(&shop), None)).await;
    assert_eq!(cached["allowed"], true, "{cached:#}");
    assert!(!cached["warnings"].to_string().contains("not verified"), "{cached:#}");
    let late = format!("{}/acme/late:1", local.address);
    let unchecked = answer(addr, &review("CREATE", pod(&late), None)).await;
    assert_eq!(unchecked["allowed"], true, "{unchecked:#}");
    assert!(
        unchecked["warnings"][0]
            .as_str()
            .unwrap()
            .starts_with("rampart: image signatures not verified"),
        "{unchecked:#}"
    );
    // Each check counted by its result: the first verification, the two unsigned answers,
    // the cached one, and the image the registry could not be asked about.
    let metrics = get(addr, "/metrics").await;
    for (result, times) in [("verified", 1), ("missing", 2), ("cached", 1), ("error", 1)] {
        let line = format!("rampart_admission_image_checks_total{{result=\"{result}\"}} {times}\n");
        assert!(metrics.contains(&line), "{line}: {metrics}");
    }
    assert!(
        metrics.contains("rampart_admission_image_check_seconds_count 5\n"),
        "{metrics}"
    );
    running.stop().await.unwrap();
}

async fn get(addr: std::net::SocketAddr, path: &str) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!("GET {path} HTTP/1.1\r\nhost: localhost\r\nconnection: close\r\n\r\n");
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut text = String::new();
    stream.read_to_string(&mut text).await.unwrap();
    text.split_once("\r\n\r\n").unwrap().1.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_mutating_endpoint_pins_verified_tags_to_their_digest_only_when_asked() {
    let Some(local) = LocalRegistry::start_or_skip(None) else {
        return;
    };
    let key = SigningKey::generate();
    let pusher = plain_client();
    let signed = push_signed_image(&pusher, &local.reference("acme/shop", "1"), b"shop", &key)
        .await
        .unwrap();
    push_image(&pusher, &local.reference("acme/debug", "1"), b"debug")
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let running = image_server(&local.address, dir.path(), &key, true).await;
    let addr = running.addr;
    let shop = format!("{}/acme/shop:1", local.address);
    let debug = format!("{}/acme/debug:1", local.address);

    let mut two = pod(&shop);
    two["spec"]["containers"]
        .as_array_mut()
        .unwrap()
        .push(json!({"name": "debug", "image": debug}));
    let pinned = answer_at(addr, "/mutate", &review("CREATE", two, None)).await;
    assert_eq!(pinned["allowed"], true, "{pinned:#}");
    assert_eq!(pinned["patchType"], "JSONPatch", "{pinned:#}");
    use base64::Engine as _;
    let patch = base64::engine::general_purpose::STANDARD
        .decode(pinned["patch"].as_str().unwrap())
        .unwrap();
    let patch: Value = serde_json::from_slice(&patch).unwrap();
    // Only the verified image; the unsigned one is left for /validate to deny.
    assert_eq!(
        patch,
        json!([{"op": "replace", "path": "/spec/containers/0/image", "value": format!("{shop}@{}", signed.digest)}])
    );
    // What the patch wrote is verified as it stands (the API server calls /validate after).
    let after = answer(addr, &review("CREATE", pod(&format!("{shop}@{}", signed.digest)), None)).await;
    assert_eq!(after["allowed"], true, "{after:#}");

    // An image already pinned, or not verified: allowed, unchanged.
    for image in [format!("{shop}@{}", signed.digest), debug.clone()] {
        let unchanged = answer_at(addr, "/mutate", &review("CREATE", pod(&image), None)).await;
        assert_eq!(unchanged["allowed"], true, "{unchanged:#}");
        assert!(unchanged.get("patch").is_none(), "{image}: {unchanged:#}");
    }
    running.stop().await.unwrap();

    // Off by default: no /mutate at all.
    let plain_dir = tempfile::tempdir().unwrap();
    let plain = image_server(&local.address, plain_dir.path(), &key, false).await;
    let (status, _) = post(plain.addr, "/mutate", &review("CREATE", pod(&shop), None)).await;
    assert!(status.contains(" 404 "), "{status}");
    plain.stop().await.unwrap();
}
