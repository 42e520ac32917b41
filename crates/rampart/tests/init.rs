//! `rampart init`: every module, with several inputs, passes Rampart's own scan with no
//! finding under the `all` profile, as written and as Kustomize builds its overlays (Debian's
//! kubectl, when installed); an image without a digest is the one thing the scan reports,
//! until `rampart fix --pin-digests` resolves it.

mod common;

use std::path::Path;
use std::process::Command;

use common::{json, rampart_in};

fn digest(byte: &str) -> String {
    format!("sha256:{}", byte.repeat(32))
}

/// Each kind, with different inputs.
fn modules() -> Vec<Vec<String>> {
    let owned = |args: &[&str]| args.iter().map(|arg| arg.to_string()).collect::<Vec<_>>();
    vec![
        owned(&[
            "web",
            "shop",
            "--image",
            &format!("ghcr.io/acme/shop:1.4.2@{}", digest("ab")),
            "--host",
            "shop.example.com",
        ]),
        owned(&[
            "web",
            "docs",
            "--image",
            &format!("registry.example.com/docs@{}", digest("01")),
            "--host",
            "docs.example.org",
            "--port",
            "3000",
            "-n",
            "public",
            "--ingress-namespace",
            "traefik",
        ]),
        owned(&[
            "worker",
            "mailer",
            "--image",
            &format!("ghcr.io/acme/mailer:2@{}", digest("cd")),
            "-n",
            "shop",
        ]),
        owned(&[
            "cronjob",
            "report",
            "--image",
            &format!("ghcr.io/acme/report:1@{}", digest("ef")),
            "--schedule",
            "*/15 * * * *",
        ]),
        owned(&[
            "internal-api",
            "billing",
            "--image",
            &format!("ghcr.io/acme/billing:3@{}", digest("12")),
            "--client",
            "shop",
            "--client",
            "mailer",
            "-n",
            "shop",
        ]),
        owned(&[
            "internal-api",
            "ledger",
            "--image",
            &format!("ghcr.io/acme/ledger:1@{}", digest("34")),
            "--port",
            "9090",
        ]),
        owned(&["namespace", "payments", "--owner", "team-payments"]),
    ]
}

fn scan(dir: &Path, target: &str) -> serde_json::Value {
    json(&rampart_in(dir, &["scan", target, "--profile", "all", "-f", "json"]))
}

#[test]
fn every_module_scans_clean_as_written_and_as_built() {
    let dir = tempfile::tempdir().unwrap();
    let kubectl = Command::new("kubectl")
        .args(["version", "--client"])
        .output()
        .is_ok_and(|output| output.status.success());
    if !kubectl {
        println!("skipped: kubectl is absent, the overlays are not built");
    }
    for args in modules() {
        let name = args[1].clone();
        let mut command: Vec<&str> = vec!["init"];
        command.extend(args.iter().map(String::as_str));
        let output = rampart_in(dir.path(), &command);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{args:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let report = scan(dir.path(), &name);
        assert_eq!(report["findings"], serde_json::json!([]), "{args:?}: {report:#}");
        assert_eq!(report["errors"], serde_json::json!([]), "{args:?}: {report:#}");
        assert!(report["summary"]["objects"].as_u64().unwrap() >= 5, "{args:?}");

        // The same module as one YAML stream.
        command.extend(["--format", "yaml"]);
        let stream = rampart_in(dir.path(), &command);
        let file = format!("{name}.yaml");
        std::fs::write(dir.path().join(&file), &stream.stdout).unwrap();
        let report = scan(dir.path(), &file);
        assert_eq!(
            report["findings"],
            serde_json::json!([]),
            "{args:?} as YAML: {report:#}"
        );

        if !kubectl {
            continue;
        }
        for overlay in ["base", "overlays/dev", "overlays/prod"] {
            let built = Command::new("kubectl")
                .args(["kustomize", &format!("{name}/{overlay}")])
                .current_dir(dir.path())
                .output()
                .unwrap();
            let stderr = String::from_utf8_lossy(&built.stderr);
            if !built.status.success() && overlay != "base" && stderr.contains("must") {
                // kustomize 2 (Debian's kubectl 1.20) reads no `labels`/`replicas` fields.
                println!("skipped: this kubectl's kustomize cannot build {name}/{overlay}: {stderr}");
                continue;
            }
            assert!(built.status.success(), "{name}/{overlay}: {stderr}");
            let file = format!("{name}-{}.yaml", overlay.replace('/', "-"));
            std::fs::write(dir.path().join(&file), &built.stdout).unwrap();
            let report = scan(dir.path(), &file);
            assert_eq!(
                report["findings"],
                serde_json::json!([]),
                "{name}/{overlay}: {report:#}"
            );
        }
    }
}

#[test]
fn an_image_without_a_digest_is_reported_and_nothing_is_overwritten() {
    let dir = tempfile::tempdir().unwrap();
    let output = rampart_in(
        dir.path(),
        &["init", "worker", "mailer", "--image", "ghcr.io/acme/mailer:2"],
    );
    assert_eq!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stderr).contains("rampart fix mailer --pin-digests --write"));
    let report = scan(dir.path(), "mailer");
    let findings = report["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{report:#}");
    assert_eq!(findings[0]["rule"], "image-digest-pinned");
    assert!(
        findings[0]["message"].as_str().unwrap().contains("malformed digest"),
        "{report:#}"
    );

    let again = rampart_in(
        dir.path(),
        &["init", "worker", "mailer", "--image", "ghcr.io/acme/mailer:2"],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("exists (--force overwrites)"));
    let bad = rampart_in(dir.path(), &["init", "web", "Shop", "--image", "x", "--host", "h"]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("not a DNS label"));
}

#[test]
fn the_ci_gate_is_written_for_both_platforms_and_scans_clean() {
    for (provider, path, runs) in [
        (
            "github",
            ".github/workflows/rampart.yml",
            "rampart ci -f sarif -o rampart.sarif",
        ),
        ("gitlab", ".gitlab/rampart.yml", "rampart ci -f junit -o rampart.xml"),
    ] {
        let dir = tempfile::tempdir().unwrap();
        let output = rampart_in(dir.path(), &["init", "ci", provider]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let text = std::fs::read_to_string(dir.path().join(path)).unwrap();
        assert!(text.contains(runs), "{text}");
        assert!(text.contains("--evidence evidence --sign-key"), "{text}");
        let documents = rampart_fix::documents(&text).unwrap();
        assert_eq!(documents.len(), 1, "{provider}: one YAML document");
        // No object to judge in a workflow, and no credential in it either.
        let report = json(&rampart_in(
            dir.path(),
            &["scan", ".", "--profile", "all", "--allow-empty", "-f", "json"],
        ));
        assert_eq!(report["findings"], serde_json::json!([]), "{provider}: {report:#}");
        assert_eq!(report["errors"], serde_json::json!([]), "{provider}: {report:#}");
        let secrets = rampart_in(dir.path(), &["secrets", ".", "-f", "json"]);
        assert_eq!(
            secrets.status.code(),
            Some(0),
            "{provider}: {}",
            String::from_utf8_lossy(&secrets.stdout)
        );
        assert_eq!(json(&secrets)["findings"], serde_json::json!([]));
    }
    let dir = tempfile::tempdir().unwrap();
    let other = rampart_in(dir.path(), &["init", "ci", "jenkins"]);
    assert_eq!(other.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&other.stderr).contains("github or gitlab"));
}

#[test]
fn managed_cluster_modules_pass_the_terraform_rules_of_their_provider() {
    for (provider, resources) in [("eks", 5), ("gke", 5), ("aks", 2)] {
        let dir = tempfile::tempdir().unwrap();
        let output = rampart_in(dir.path(), &["init", "terraform", provider, "payments"]);
        assert_eq!(
            output.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let folder = format!("{provider}-payments");
        let text = std::fs::read_to_string(dir.path().join(&folder).join("main.tf")).unwrap();
        assert!(text.contains("default = \"payments\""), "{text}");
        let report = scan(dir.path(), &folder);
        assert_eq!(report["findings"], serde_json::json!([]), "{provider}: {report:#}");
        assert_eq!(report["errors"], serde_json::json!([]), "{provider}: {report:#}");
        assert_eq!(
            report["summary"]["terraform_resources"], resources,
            "{provider}: {report:#}"
        );
        // The provider's cluster rules ran over the module and found nothing.
        let iac = report["controls"]
            .as_array()
            .unwrap()
            .iter()
            .find(|control| control["control"] == "iac")
            .unwrap();
        assert_eq!(iac["result"], "pass", "{provider}: {iac:#}");
    }
    let dir = tempfile::tempdir().unwrap();
    let unknown = rampart_in(dir.path(), &["init", "terraform", "openshift"]);
    assert_eq!(unknown.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&unknown.stderr).contains("eks, gke, aks"));
}
