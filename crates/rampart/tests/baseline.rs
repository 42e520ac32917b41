//! `rampart scan --write-baseline` and `--baseline`: adopting Rampart on an
//! existing codebase. Only new findings fail; moving code does not bring
//! old ones back; the file never holds a secret.

mod common;

use common::{json, rampart_in};
use serde_json::Value;

fn password() -> String {
    format!("{}{}", "Tr0ub4dor", "-and-3-horses")
}

fn manifests() -> String {
    format!(
        "\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: shop
spec:
  template:
    spec:
      containers:
        - name: web
          image: nginx:latest
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: web
  namespace: shop
data:
  DATABASE_URL: postgres://app:{}@db.shop:5432/app
",
        password()
    )
}

fn open_rules(report: &Value) -> Vec<String> {
    report["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|finding| finding["suppressed"] == false)
        .map(|finding| {
            format!(
                "{} {}",
                finding["rule"].as_str().unwrap(),
                finding["container"].as_str().unwrap_or("")
            )
        })
        .collect()
}

#[test]
fn only_new_findings_fail_and_moved_code_stays_accepted() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("deploy")).unwrap();
    std::fs::write(dir.path().join("deploy/web.yaml"), manifests()).unwrap();

    let written = rampart_in(
        dir.path(),
        &[
            "scan",
            "deploy",
            "--write-baseline",
            ".rampart/baseline.json",
            "--fail-on",
            "low",
        ],
    );
    assert_eq!(
        written.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&written.stderr)
    );
    let file = std::fs::read_to_string(dir.path().join(".rampart/baseline.json")).unwrap();
    assert!(!file.contains(&password()), "{file}");
    let stored: Value = serde_json::from_str(&file).unwrap();
    let entries = stored["findings"].as_array().unwrap();
    assert!(entries.len() > 5, "{entries:#?}");
    assert!(
        entries
            .iter()
            .any(|entry| entry["rule"] == "no-credential-in-configmap")
    );

    // Lines move: a comment block on top. Nothing is new.
    std::fs::write(
        dir.path().join("deploy/web.yaml"),
        format!("# the web tier\n# owned by team-web\n\n{}", manifests()),
    )
    .unwrap();
    let moved = rampart_in(
        dir.path(),
        &[
            "scan",
            "deploy",
            "--baseline",
            ".rampart/baseline.json",
            "--fail-on",
            "low",
            "-f",
            "json",
        ],
    );
    let report = json(&moved);
    assert_eq!(open_rules(&report), Vec::<String>::new());
    assert_eq!(moved.status.code(), Some(0));
    assert_eq!(
        report["summary"]["suppressed"].as_u64().unwrap() as usize,
        entries.len()
    );

    // A new container brings new findings, and only those fail.
    let with_sidecar = manifests().replace(
        "          image: nginx:latest\n",
        "          image: nginx:latest\n        - name: proxy\n          image: envoyproxy/envoy:latest\n          securityContext:\n            privileged: true\n",
    );
    std::fs::write(dir.path().join("deploy/web.yaml"), with_sidecar).unwrap();
    let new = rampart_in(
        dir.path(),
        &[
            "scan",
            "deploy",
            "--baseline",
            ".rampart/baseline.json",
            "--fail-on",
            "low",
            "-f",
            "json",
        ],
    );
    assert_eq!(new.status.code(), Some(1));
    let open = open_rules(&json(&new));
    assert!(!open.is_empty());
    assert!(open.iter().all(|rule| rule.ends_with(" proxy")), "{open:?}");
    assert!(open.contains(&"no-privileged proxy".to_string()), "{open:?}");
}
