//! `rampart images verify` and `rampart images resolve` against a real registry (Debian's
//! docker-registry on 127.0.0.1, started here), as a user runs them: findings at the line of
//! the container's image, exit codes 0 / 1 / 2, and a registry failure never read as unsigned.

mod common;

use common::{json, rampart_in, write_file};
use rampart_registry::local::{LocalRegistry, plain_client, push_bundle_referrer, push_image, push_simple_signatures};
use rampart_registry::{Registry, RegistryOptions};
use rampart_sigstore::SigningKey;

fn deployment(name: &str, image: &str) -> String {
    format!(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: {name}\n  namespace: shop\nspec:\n  selector:\n    matchLabels: {{app: {name}}}\n  template:\n    metadata:\n      labels: {{app: {name}}}\n    spec:\n      containers:\n        - name: app\n          image: {image}\n"
    )
}

struct Signed {
    local: LocalRegistry,
    key: SigningKey,
    signed: String,
    bundled: String,
    unsigned: String,
    unsigned_digest: String,
}

fn populate() -> Option<Signed> {
    let local = LocalRegistry::start_or_skip(None)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let key = SigningKey::generate();
    let registry = plain_client();
    let address = local.address.clone();
    let unsigned_digest = runtime.block_on(async {
        let signed = local.reference("acme/shop", "1.4.2");
        let pushed = push_image(&registry, &signed, b"shop").await.unwrap();
        push_simple_signatures(
            &registry,
            &signed,
            &pushed.digest,
            &[key.simple_signing("shop", &pushed.digest)],
        )
        .await
        .unwrap();
        let bundled = local.reference("acme/cart", "2.0");
        let pushed = push_image(&registry, &bundled, b"cart").await.unwrap();
        push_bundle_referrer(
            &registry,
            &bundled,
            &pushed.digest,
            pushed.size,
            &key.image_bundle("cart", &pushed.digest),
        )
        .await
        .unwrap();
        push_image(&registry, &local.reference("acme/debug", "1"), b"debug")
            .await
            .unwrap()
            .digest
    });
    Some(Signed {
        signed: format!("{address}/acme/shop:1.4.2"),
        bundled: format!("{address}/acme/cart:2.0"),
        unsigned: format!("{address}/acme/debug:1"),
        local,
        key,
        unsigned_digest,
    })
}

#[test]
fn verify_reports_the_unsigned_container_at_its_image_line_and_passes_the_signed() {
    let Some(mut setup) = populate() else { return };
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "cosign.pub", &setup.key.public_pem());
    write_file(
        dir.path(),
        "rampart.toml",
        &format!(
            "[images]\nunmatched = \"deny\"\n[[images.policy]]\nname = \"acme\"\nimages = [\"{}/acme/**\"]\n[[images.policy.authority]]\nkey = \"cosign.pub\"\n",
            setup.local.address
        ),
    );
    let manifests = [
        deployment("shop", &setup.signed),
        deployment("cart", &setup.bundled),
        deployment("debug", &setup.unsigned),
        deployment("proxy", "nginx:1.27"),
    ]
    .join("---\n");
    write_file(dir.path(), "deploy/app.yaml", &manifests);

    let output = rampart_in(dir.path(), &["images", "verify", "deploy", "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let findings = report["findings"].as_array().unwrap();
    let summary: Vec<(String, u64, String)> = findings
        .iter()
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["location"]["line"].as_u64().unwrap(),
                finding["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // Each Deployment is 15 lines and a `---`: the third's image is on line 47, the fourth's on 63.
    assert_eq!(
        summary,
        [
            (
                "image-signature-missing".to_string(),
                47,
                format!("signature:acme in {}", setup.unsigned)
            ),
            (
                "image-signature-policy-unmatched".to_string(),
                63,
                "signature in nginx:1.27".to_string()
            ),
        ]
    );
    assert!(
        findings[0]["message"]
            .as_str()
            .unwrap()
            .contains(&setup.unsigned_digest)
    );
    assert_eq!(findings[0]["resource"]["name"], "debug");

    // A cache file is written; a second run answers the signed images from it.
    assert!(dir.path().join(".rampart/image-signatures.json").is_file());

    // Only the signed images: exit 0.
    let output = rampart_in(dir.path(), &["images", "verify", &setup.signed, &setup.bundled]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );

    // With --key instead of the policies, and a wrong key: not signed by it.
    write_file(dir.path(), "other.pub", &SigningKey::generate().public_pem());
    let output = rampart_in(
        dir.path(),
        &[
            "images",
            "verify",
            &setup.signed,
            "--key",
            "other.pub",
            "--no-cache",
            "-f",
            "json",
        ],
    );
    assert_eq!(output.status.code(), Some(1));
    assert_eq!(json(&output)["findings"][0]["rule"], "image-signed-by-untrusted");

    // resolve: the digest each tag names.
    let output = rampart_in(dir.path(), &["images", "resolve", &setup.unsigned, "--json"]);
    assert_eq!(output.status.code(), Some(0));
    let resolved: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(resolved[0]["digest"], setup.unsigned_digest.as_str());

    // Inside the CI gate: the same finding, among the scan's, with its rules in the evidence.
    let output = rampart_in(
        dir.path(),
        &["ci", "--no-history", "--verify-images", "-f", "json", "--record"],
    );
    assert_eq!(
        output.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let report = json(&output);
    let signature_findings: Vec<(String, u64)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"].as_str().unwrap().starts_with("image-sign"))
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["location"]["line"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        signature_findings,
        [
            ("image-signature-missing".to_string(), 47),
            ("image-signature-policy-unmatched".to_string(), 63)
        ]
    );
    let images = report["controls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|control| control["control"] == "images")
        .unwrap();
    // The four signature rules ran, next to the manifest engine's image rules.
    assert_eq!(images["automation"]["images"], 4, "{images}");
    assert_eq!(images["result"], "fail");
    // The run store keeps the shares; `rampart metrics` reports them.
    let output = rampart_in(dir.path(), &["metrics"]);
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("Workloads with signed images: 2 of 4 (50%)"), "{text}");
    assert!(text.contains("Workloads with verified images: 2 of 4 (50%)"), "{text}");

    // The registry gone: the unsigned image cannot be checked (exit 2), not "unsigned".
    setup.local.stop();
    let output = rampart_in(dir.path(), &["images", "verify", &setup.unsigned, "-f", "json"]);
    assert_eq!(
        output.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let report = json(&output);
    assert!(report["findings"].as_array().unwrap().is_empty());
    assert!(
        report["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("could not be checked"),
        "{report}"
    );
    // ... while the signed ones are still verified from the cache.
    let output = rampart_in(dir.path(), &["images", "verify", &setup.signed, &setup.bundled]);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stdout)
    );
    let output = rampart_in(dir.path(), &["images", "resolve", &setup.unsigned]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn verify_without_a_policy_or_with_a_broken_one_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let output = rampart_in(dir.path(), &["images", "verify", "ghcr.io/acme/shop:1"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no signature policy"));
    write_file(
        dir.path(),
        "rampart.toml",
        "[[images.policy]]\nname = \"acme\"\nimages = [\"ghcr.io/**\"]\n[[images.policy.authority]]\nkey = \"missing.pub\"\n",
    );
    let output = rampart_in(dir.path(), &["images", "verify", "ghcr.io/acme/shop:1"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("missing.pub"), "{stderr}");
    // The issue's spelling, --policy FILE, names the configuration too.
    let output = rampart_in(
        dir.path(),
        &["images", "verify", "ghcr.io/acme/shop:1", "--policy", "rampart.toml"],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing.pub"));
    // Manifests that run no image: nothing was verified, which is not a pass.
    write_file(
        dir.path(),
        "config/cm.yaml",
        "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: settings}\n",
    );
    let output = rampart_in(dir.path(), &["images", "verify", "config"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("no image to verify: no workload in config names one"),
        "{stderr}"
    );
}

#[test]
fn audit_verifies_the_images_the_cluster_runs_once_per_workload() {
    let Some(setup) = populate() else { return };
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "cosign.pub", &setup.key.public_pem());
    write_file(
        dir.path(),
        "rampart.toml",
        &format!(
            "[[images.policy]]\nname = \"acme\"\nimages = [\"{}/acme/**\"]\n[[images.policy.authority]]\nkey = \"cosign.pub\"\n",
            setup.local.address
        ),
    );
    // As `kubectl get deploy,rs,pods -A -o json` lists them: the Deployment running the signed
    // image, its ReplicaSet and pod running it too, and the pod with an injected unsigned
    // debug container.
    let template = |image: &str, extra: Option<&str>| {
        let mut containers = vec![serde_json::json!({"name": "app", "image": image})];
        if let Some(extra) = extra {
            containers.push(serde_json::json!({"name": "debugger", "image": extra}));
        }
        serde_json::json!({"containers": containers})
    };
    let owned = |kind: &str, name: &str| serde_json::json!([{"apiVersion": "apps/v1", "kind": kind, "name": name, "controller": true, "uid": "u"}]);
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": [
        {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "shop", "namespace": "shop"},
         "spec": {"selector": {"matchLabels": {"app": "shop"}}, "template": {"metadata": {"labels": {"app": "shop"}}, "spec": template(&setup.signed, None)}}},
        {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "shop-7d9", "namespace": "shop", "ownerReferences": owned("Deployment", "shop")},
         "spec": {"selector": {"matchLabels": {"app": "shop"}}, "template": {"metadata": {"labels": {"app": "shop"}}, "spec": template(&setup.signed, None)}}},
        {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "shop-7d9-x2", "namespace": "shop", "ownerReferences": owned("ReplicaSet", "shop-7d9")},
         "spec": template(&setup.signed, Some(&setup.unsigned))}
    ]});
    write_file(
        dir.path(),
        "cluster.json",
        &serde_json::to_string_pretty(&list).unwrap(),
    );

    let output = rampart_in(
        dir.path(),
        &[
            "audit",
            "--snapshot",
            "cluster.json",
            "--context",
            "prod",
            "--verify-images",
            "-f",
            "json",
        ],
    );
    let report = json(&output);
    let signature_findings: Vec<(String, String, String)> = report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["rule"].as_str().unwrap().starts_with("image-signature"))
        .map(|finding| {
            (
                finding["rule"].as_str().unwrap().to_string(),
                finding["resource"]["kind"].as_str().unwrap().to_string(),
                finding["field"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    // The signed image is verified once (as the Deployment's); only the pod runs the debugger.
    assert_eq!(
        signature_findings,
        [(
            "image-signature-missing".to_string(),
            "Pod".to_string(),
            format!("signature:acme in {}", setup.unsigned)
        )],
        "{report:#}"
    );
    assert_eq!(output.status.code(), Some(1), "{report:#}");
    let images = &report["summary"]["images"];
    assert_eq!(
        (images["workloads"].as_u64(), images["verified"].as_u64()),
        (Some(2), Some(1)),
        "{images:#}"
    );
}

#[path = "../../rampart-cluster/tests/support/api_server.rs"]
mod api_server;

#[test]
fn a_live_audit_pulls_with_the_workloads_pull_secrets() {
    use base64::Engine as _;
    let Some(local) = LocalRegistry::start_or_skip(Some(("puller", "s3cret-pull"))) else {
        return;
    };
    let key = SigningKey::generate();
    let credential = rampart_registry::Credential::Basic {
        username: "puller".to_string(),
        password: "s3cret-pull".to_string(),
    };
    let pusher = Registry::new(RegistryOptions {
        docker_config: false,
        credentials: std::collections::HashMap::from([(local.address.clone(), credential)]),
        ..RegistryOptions::default()
    })
    .unwrap();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let reference = local.reference("acme/private", "1");
    runtime.block_on(async {
        let pushed = push_image(&pusher, &reference, b"private").await.unwrap();
        push_simple_signatures(
            &pusher,
            &reference,
            &pushed.digest,
            &[key.simple_signing("private", &pushed.digest)],
        )
        .await
        .unwrap();
    });
    let image = format!("{}/acme/private:1", local.address);
    let encode = |text: &str| base64::engine::general_purpose::STANDARD.encode(text);
    let docker_config = format!(
        r#"{{"auths":{{"{}":{{"auth":"{}"}}}}}}"#,
        local.address,
        encode("puller:s3cret-pull")
    );
    let script = api_server::Script {
        objects: std::collections::BTreeMap::from([
            (
                "/apis/apps/v1/deployments".to_string(),
                vec![serde_json::json!({"apiVersion": "apps/v1", "kind": "Deployment",
                    "metadata": {"name": "private", "namespace": "shop"},
                    "spec": {"selector": {"matchLabels": {"app": "private"}}, "template": {"metadata": {"labels": {"app": "private"}},
                        "spec": {"imagePullSecrets": [{"name": "registry-creds"}], "containers": [{"name": "app", "image": image}]}}}})],
            ),
            (
                "/api/v1/secrets".to_string(),
                vec![
                    serde_json::json!({"apiVersion": "v1", "kind": "Secret", "type": "kubernetes.io/dockerconfigjson",
                    "metadata": {"name": "registry-creds", "namespace": "shop"},
                    "data": {".dockerconfigjson": encode(&docker_config)}}),
                ],
            ),
        ]),
        ..api_server::Script::default()
    };
    let server = api_server::start(script);
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "cosign.pub", &key.public_pem());
    write_file(
        dir.path(),
        "rampart.toml",
        &format!(
            "[[images.policy]]\nname = \"acme\"\nimages = [\"{}/acme/**\"]\n[[images.policy.authority]]\nkey = \"cosign.pub\"\n",
            local.address
        ),
    );
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "prod"));
    let audit = |extra: &[&str]| {
        let mut arguments = vec!["audit", "--kubeconfig", "kubeconfig", "--verify-images", "-f", "json"];
        arguments.extend_from_slice(extra);
        rampart_in(dir.path(), &arguments)
    };

    let output = audit(&[]);
    let report = json(&output);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(report["errors"], serde_json::json!([]), "{report:#}\n{stderr}");
    assert_eq!(report["summary"]["images"]["verified"], 1, "{report:#}");
    assert!(!stderr.contains("s3cret-pull") && !output.stdout.windows(11).any(|w| w == b"s3cret-pull"));
    let asked: Vec<String> = server
        .seen
        .lock()
        .unwrap()
        .requests
        .iter()
        .map(|(path, _, _)| path.clone())
        .filter(|path| path.contains("/secrets/"))
        .collect();
    assert_eq!(asked, ["/api/v1/namespaces/shop/secrets/registry-creds"]);

    // Without the pull secret (and the verification the first run cached) the registry
    // refuses: an error naming the image, never "unsigned".
    std::fs::remove_file(dir.path().join(".rampart/image-signatures.json")).unwrap();
    let refused = audit(&["--no-pull-secrets"]);
    let report = json(&refused);
    assert_eq!(refused.status.code(), Some(2), "{report:#}");
    let message = report["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("could not be checked"), "{message}");
    assert!(
        !report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "image-signature-missing"),
        "{report:#}"
    );
}
