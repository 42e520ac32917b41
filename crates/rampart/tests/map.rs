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
