//! `rampart who-can` on a fixture with an aggregated ClusterRole and group
//! subjects; the outputs are compared with stored snapshots
//! (`RAMPART_BLESS=1` rewrites them).

use std::path::Path;
use std::process::Command;

mod common;
use common::snapshot;

fn who_can(args: &[&str]) -> (String, Option<i32>) {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rbac.yaml");
    let mut all = vec!["who-can"];
    all.extend_from_slice(args);
    let fixture = fixture.to_str().unwrap().to_string();
    all.push(&fixture);
    let output = Command::new(env!("CARGO_BIN_EXE_rampart")).args(&all).output().unwrap();
    let text = String::from_utf8(output.stdout)
        .unwrap()
        .replace(&fixture, "tests/fixtures/rbac.yaml");
    (text, output.status.code())
}

#[test]
fn exec_in_shop_comes_from_aggregation_and_a_namespaced_wildcard() {
    let (text, code) = who_can(&["create", "pods/exec", "-n", "shop"]);
    assert_eq!(code, Some(0));
    // Group and user subjects through the aggregated ClusterRole, and the
    // namespaced role's wildcard verb.
    assert!(text.contains("Group support"));
    assert!(text.contains("(aggregated from ClusterRole/support-exec)"));
    assert!(text.contains("ServiceAccount shop/toolbox"));
    snapshot("who-can-create-pods-exec-shop.txt", &text);
}

#[test]
fn other_namespaces_see_only_cluster_wide_grants() {
    let (text, _) = who_can(&["create", "pods/exec", "-n", "payments"]);
    assert!(text.contains("Group support"));
    assert!(!text.contains("shop-devs"));
}

#[test]
fn named_secrets_are_shown_with_their_names_and_json_has_the_chain() {
    let (text, _) = who_can(&["get", "secrets", "--format", "json"]);
    let answer: serde_json::Value = serde_json::from_str(&text).unwrap();
    let grants = answer["grants"].as_array().unwrap();
    assert_eq!(grants.len(), 2, "{answer:#}");
    assert_eq!(grants[0]["binding"], "RoleBinding/shop/shop-debuggers");
    assert_eq!(grants[0]["rule"]["resourceNames"][0], "checkout-tls");
    snapshot("who-can-get-secrets.json", &text);
}

#[test]
fn nobody_can_is_said_plainly() {
    let (text, code) = who_can(&["delete", "nodes"]);
    assert_eq!(code, Some(0));
    assert_eq!(text, "Nobody in the scanned manifests can delete nodes.\n");
}

fn who_can_in(dir: &Path, args: &[&str]) -> String {
    let mut all = vec!["who-can"];
    all.extend_from_slice(args);
    let output = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(&all)
        .current_dir(dir)
        .output()
        .unwrap();
    String::from_utf8(output.stdout).unwrap()
}

/// An install bundle applied with `kubectl apply -n argocd`: its Roles and
/// RoleBindings set no namespace. `-n argocd` must mean what it means for
/// `scan` (and kubectl): they land in `argocd`, and are found there.
#[test]
fn dash_n_places_namespace_less_objects_as_kubectl_apply_does() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("install.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader}\nrules:\n- {apiGroups: [\"\"], resources: [secrets], verbs: [get]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: reader}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: [{kind: ServiceAccount, name: server}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: editors}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\nsubjects: [{kind: ServiceAccount, name: deployer}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: custom}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: vendor-operator}\nsubjects: [{kind: ServiceAccount, name: operator, namespace: ops}]\n",
    )
    .unwrap();
    let text = who_can_in(dir.path(), &["get", "secrets", "install.yaml", "-n", "argocd"]);
    assert!(text.contains("ServiceAccount argocd/server"), "{text}");
    // The built-in `edit` role reads secrets.
    assert!(text.contains("ServiceAccount argocd/deployer"), "{text}");
    assert!(text.contains("-> ClusterRole/edit (built-in)"), "{text}");
    // A role that is neither in the scan nor built in is named, not ignored.
    assert!(
        text.contains(
            "note: ClusterRoleBinding/custom binds ClusterRole/vendor-operator, which is not in the scanned manifests"
        ),
        "{text}"
    );
    let json: serde_json::Value = serde_json::from_str(&who_can_in(
        dir.path(),
        &["get", "secrets", "install.yaml", "-n", "argocd", "-f", "json"],
    ))
    .unwrap();
    assert_eq!(json["grants"].as_array().unwrap().len(), 2, "{json:#}");
    assert_eq!(json["unresolved"][0]["role"], "ClusterRole/vendor-operator");
    // `view` never reads secrets.
    std::fs::write(
        dir.path().join("view.yaml"),
        "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: viewers}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: Group, name: auditors}]\n",
    )
    .unwrap();
    let view = who_can_in(dir.path(), &["get", "secrets", "view.yaml"]);
    assert!(view.starts_with("Nobody"), "{view}");
    let view = who_can_in(dir.path(), &["list", "deployments.apps", "view.yaml"]);
    assert!(view.contains("Group auditors"), "{view}");
}
