//! `rampart breakglass` against the test API server: a grant bounded in time and marked,
//! listed, flagged once expired (by `list` and by the scan rule), revoked, recorded.

mod common;

use common::{rampart_in, write_file};

#[path = "../../rampart-cluster/tests/support/api_server.rs"]
mod api_server;

#[test]
fn a_grant_is_marked_listed_flagged_when_expired_and_revoked() {
    let dir = tempfile::tempdir().unwrap();
    let server = api_server::start(api_server::Script::default());
    write_file(dir.path(), "kubeconfig", &api_server::kubeconfig(&server, "test"));
    write_file(dir.path(), "rampart.toml", "");
    let live = |args: &[&str]| {
        let mut all = args.to_vec();
        all.extend(["--kubeconfig", "kubeconfig", "--context", "test"]);
        let output = rampart_in(dir.path(), &all);
        (
            output.status.code(),
            String::from_utf8_lossy(&output.stdout).to_string(),
            String::from_utf8_lossy(&output.stderr).to_string(),
        )
    };
    let (code, stdout, stderr) = live(&[
        "breakglass",
        "grant",
        "--user",
        "alice",
        "--role",
        "cluster-admin",
        "--for",
        "1h",
        "--reason",
        "INC-42 failover",
        "--requester",
        "bob",
    ]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    assert!(
        stdout.contains("User alice may act as ClusterRole cluster-admin until "),
        "{stdout}"
    );
    let name = stdout
        .lines()
        .find_map(|line| line.strip_prefix("revoke: rampart breakglass revoke "))
        .unwrap()
        .to_string();
    assert!(name.starts_with("rampart-breakglass-alice-"), "{name}");
    let created = server.seen.lock().unwrap().writes[0].body.clone();
    assert_eq!(
        created["metadata"]["annotations"]["rampart.dev/breakglass-reason"],
        "INC-42 failover"
    );
    assert_eq!(
        created["metadata"]["annotations"]["rampart.dev/breakglass-requester"],
        "bob"
    );

    let (code, stdout, _) = live(&["breakglass", "list"]);
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.starts_with(&format!(
            "active  ClusterRoleBinding/{name}: User alice as cluster-admin until "
        )),
        "{stdout}"
    );

    // Past its expiry: list says so, and so does a scan of the binding as the cluster holds it.
    server.edit(|script| {
        let binding = &mut script
            .objects
            .get_mut("/apis/rbac.authorization.k8s.io/v1/clusterrolebindings")
            .unwrap()[0];
        binding["metadata"]["annotations"]["rampart.dev/breakglass-expires"] =
            serde_json::json!("2026-01-01T00:00:00Z");
        write_file(dir.path(), "held/binding.json", &binding.to_string());
    });
    let (code, stdout, _) = live(&["breakglass", "list"]);
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.starts_with("EXPIRED ClusterRoleBinding/"), "{stdout}");
    let scanned = rampart_in(dir.path(), &["scan", "held", "--format", "json", "--no-secrets"]);
    let report: serde_json::Value = serde_json::from_slice(&scanned.stdout).unwrap();
    assert!(
        report["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|finding| finding["rule"] == "rbac-breakglass-expired"
                && finding["field"] == "metadata.annotations.rampart.dev/breakglass-expires"),
        "{report:#}"
    );

    let (code, stdout, stderr) = live(&["breakglass", "revoke", &name]);
    assert_eq!(code, Some(0), "{stdout}{stderr}");
    let seen = server.seen.lock().unwrap();
    let last = seen.writes.last().unwrap();
    assert_eq!(last.method, "DELETE");
    assert!(last.path.ends_with(&name));
    drop(seen);
    let (code, stdout, _) = live(&["breakglass", "list"]);
    assert_eq!((code, stdout.as_str()), (Some(0), "no break-glass binding\n"));
    let (code, _, stderr) = live(&["breakglass", "revoke", "ops-admins"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("not a break-glass binding"), "{stderr}");
    let (code, _, stderr) = live(&[
        "breakglass",
        "grant",
        "--group",
        "sre",
        "--role",
        "admin",
        "--for",
        "3d",
        "--reason",
        "x",
        "--requester",
        "bob",
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("at most 24h"), "{stderr}");
}
