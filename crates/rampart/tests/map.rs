//! `rampart map` on the hardened example plus an RBAC fixture with an
//! aggregated ClusterRole and group subjects; DOT, Mermaid and JSON outputs
//! are compared with stored snapshots (`RAMPART_BLESS=1` rewrites them).

use std::path::Path;
use std::process::Command;

mod common;
use common::snapshot;

fn map(format: &str) -> String {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .current_dir(root.join("../.."))
        .args([
            "map",
            "examples/hardened",
            "crates/rampart/tests/fixtures/rbac.yaml",
            "--format",
            format,
        ])
        .output()
        .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn json_map_has_the_classed_paths() {
    let text = map("json");
    let graph: serde_json::Value = serde_json::from_str(&text).unwrap();
    let edges = graph["edges"].as_array().unwrap();
    let has = |from: &str, to: &str, class: &str| {
        edges
            .iter()
            .any(|e| e["from"] == from && e["to"] == to && e["class"] == class)
    };
    // The ingress controller's namespace is named by a policy, not scanned.
    assert!(has("Namespace/ingress-nginx", "Deployment/shop/checkout", "internal"));
    assert!(has("Deployment/shop/checkout", "StatefulSet/shop/redis", "internal"));
    assert!(has("Service/shop/checkout", "Deployment/shop/checkout", "internal"));
    // Exec through the aggregated ClusterRole is privileged; groups are nodes.
    assert!(has("Group/support", "ClusterRole/support", "privileged"));
    assert!(has("Group/shop-devs", "Role/shop/debugger", "privileged"));
    assert!(
        !edges.iter().any(|e| e["class"] == "public"),
        "the hardened app exposes nothing"
    );
    snapshot("map.json", &text);
}

#[test]
fn dot_and_mermaid_snapshots() {
    let dot = map("dot");
    assert!(dot.starts_with("digraph trust {"));
    snapshot("map.dot", &dot);
    let mermaid = map("mermaid");
    assert!(mermaid.starts_with("flowchart LR"));
    snapshot("map.mmd", &mermaid);
}

/// The egress paths the scan reports, host access as privileged, and each
/// namespace drawn once.
#[test]
fn egress_host_access_and_one_namespace_each() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("app.yaml"),
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop}\n---\napiVersion: v1\nkind: Namespace\nmetadata: {name: empty}\n---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: shop}\nspec:\n  selector: {matchLabels: {app: agent}}\n  template:\n    metadata: {labels: {app: agent}}\n    spec:\n      hostNetwork: true\n      hostPID: true\n      containers: [{name: a, image: x}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: a, image: x}]\n---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: web-out, namespace: shop}\nspec:\n  podSelector: {matchLabels: {app: web}}\n  policyTypes: [Egress]\n  egress:\n  - to: [{ipBlock: {cidr: 0.0.0.0/0, except: [10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16]}}]\n  - to: [{namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: billing}}}]\n",
    )
    .unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["map", "app.yaml", "-f", "json"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let graph: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let edges = graph["edges"].as_array().unwrap();
    let edge = |from: &str, to: &str| -> Option<(String, String)> {
        edges.iter().find(|e| e["from"] == from && e["to"] == to).map(|e| {
            (
                e["relation"].as_str().unwrap().to_string(),
                e["class"].as_str().unwrap().to_string(),
            )
        })
    };
    assert_eq!(
        edge("Deployment/shop/web", "internet"),
        Some(("egress allowed by web-out".to_string(), "public".to_string()))
    );
    assert_eq!(
        edge("Deployment/shop/web", "Namespace/billing"),
        Some(("egress allowed by web-out".to_string(), "internal".to_string()))
    );
    assert_eq!(
        edge("DaemonSet/shop/agent", "internet"),
        Some(("unrestricted egress".to_string(), "public".to_string()))
    );
    assert_eq!(
        edge("DaemonSet/shop/agent", "Host/the node"),
        Some(("hostNetwork, hostPID".to_string(), "privileged".to_string()))
    );
    let nodes = graph["nodes"].as_array().unwrap();
    let namespace_nodes: Vec<&str> = nodes
        .iter()
        .filter(|n| n["kind"] == "Namespace")
        .map(|n| n["id"].as_str().unwrap())
        .collect();
    // `shop` is the group of its objects, not also a node; `empty` holds
    // nothing and is a node; `billing` is named by a policy.
    assert_eq!(namespace_nodes, ["Namespace/billing", "Namespace/empty"]);
    let dot = String::from_utf8(
        Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["map", "app.yaml"])
            .current_dir(dir.path())
            .output()
            .unwrap()
            .stdout,
    )
    .unwrap();
    assert_eq!(dot.matches("namespace shop").count(), 1, "{dot}");
}
