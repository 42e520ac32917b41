//! `rampart respond plan` as a responder runs it: from a snapshot, a plan printed and
//! written, and nothing else written anywhere.

mod common;

use common::{rampart_in, write_file};

const SNAPSHOT: &str = r#"{"apiVersion":"v1","kind":"List","items":[
{"apiVersion":"v1","kind":"Pod","metadata":{"name":"web-7d9-x2","namespace":"shop","labels":{"app":"web"},"ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-7d9"}]},"spec":{"containers":[{"name":"app","image":"shop/web:1"}]}},
{"apiVersion":"networking.k8s.io/v1","kind":"NetworkPolicy","metadata":{"name":"web-egress","namespace":"shop"},"spec":{"podSelector":{"matchLabels":{"app":"web"}},"policyTypes":["Egress"],"egress":[{"to":[{"ipBlock":{"cidr":"0.0.0.0/0"}}]}]}},
{"apiVersion":"rbac.authorization.k8s.io/v1","kind":"RoleBinding","metadata":{"name":"oncall","namespace":"shop"},"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"},"subjects":[{"kind":"Group","name":"oncall","apiGroup":"rbac.authorization.k8s.io"}]}
]}"#;

#[test]
fn a_suspicious_egress_plan_is_printed_and_written_from_a_snapshot() {
    let dir = tempfile::tempdir().unwrap();
    write_file(dir.path(), "cluster.json", SNAPSHOT);
    let output = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "shop/web-7d9-x2",
            "--snapshot",
            "cluster.json",
            "--incident",
            "INC-7",
            "-o",
            "plan.json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(
        text.starts_with("incident INC-7: suspicious-egress for Pod/shop/web-7d9-x2\n"),
        "{text}"
    );
    assert!(
        text.contains("NetworkPolicy shop/web-egress still allows this pod egress to 0.0.0.0/0"),
        "{text}"
    );
    let plan: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("plan.json")).unwrap()).unwrap();
    assert_eq!(plan["version"], 1);
    assert_eq!(plan["steps"][2]["action"]["type"], "create");
    assert_eq!(
        plan["steps"][2]["action"]["manifest"]["metadata"]["name"],
        "rampart-quarantine-inc-7"
    );
    assert_eq!(plan["steps"][3]["who_can"][0], "Group oncall");
    // The snapshot is read, never changed.
    assert_eq!(
        std::fs::read_to_string(dir.path().join("cluster.json")).unwrap(),
        SNAPSHOT
    );

    let missing = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "shop/nope",
            "--snapshot",
            "cluster.json",
        ],
    );
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("no pod shop/nope among the objects read"));
    let malformed = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "suspicious-egress",
            "--pod",
            "web",
            "--snapshot",
            "cluster.json",
        ],
    );
    assert_eq!(malformed.status.code(), Some(2));
}

#[test]
fn a_namespace_compromise_plan_stops_and_isolates_what_the_snapshot_holds() {
    let dir = tempfile::tempdir().unwrap();
    let snapshot = SNAPSHOT.replace(
        "]}",
        r#",{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"shop"},"spec":{"replicas":2,"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},"spec":{"containers":[{"name":"app","image":"shop/web:1"}]}}}}]}"#,
    );
    write_file(dir.path(), "cluster.json", &snapshot);
    let output = rampart_in(
        dir.path(),
        &[
            "respond",
            "plan",
            "namespace-compromise",
            "-n",
            "shop",
            "--snapshot",
            "cluster.json",
            "--incident",
            "INC-8",
            "-f",
            "json",
        ],
    );
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let plan: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let ids: Vec<&str> = plan["steps"]
        .as_array()
        .unwrap()
        .iter()
        .map(|step| step["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, ["E7", "E1", "E2.1", "E3.1", "E4.1", "E4.2"]);
    assert_eq!(plan["steps"][3]["action"]["patch"]["spec"]["replicas"], 0);
    assert_eq!(plan["steps"][3]["undo"]["patch"]["spec"]["replicas"], 2);
    assert!(
        plan["notes"][0]
            .as_str()
            .unwrap()
            .starts_with("NetworkPolicy shop/web-egress still allows")
    );
}
