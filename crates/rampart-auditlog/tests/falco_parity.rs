//! Parity with Falco's k8saudit rules on Falco's own trace files
//! (`../shared/corpus/falco-k8saudit/`): for each file, the detections Falco's test matrix
//! expects and the ones Rampart makes, each asserted; where they differ the reason is
//! named. `docs/falco-parity.md` is the same table, rule by rule, for people.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use rampart_auditlog::{Detector, LogReader, Settings};

fn falco_dir() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus/falco-k8saudit");
    if path.is_dir() {
        Some(path)
    } else {
        println!("skipped: ../shared/corpus is absent");
        None
    }
}

/// Rampart's detections on one trace file, by rule, and the lines it could not read.
fn detections(file: &Path) -> (BTreeMap<String, usize>, usize) {
    let mut reader = LogReader::open(file).unwrap();
    let mut detector = Detector::new(rampart_auditlog::rules::all().to_vec(), Settings::default());
    let mut found = BTreeMap::new();
    let errors = detector.read_log(&mut reader, &file.display().to_string(), None, false, &mut |finding| {
        *found.entry(finding.rule.to_string()).or_insert(0) += 1;
    });
    (found, errors.len())
}

const ACTIVITY: &str = "Falco's activity log (INFO), not a detection: Rampart records RBAC changes only";

/// Detections by rule: (rule, how many).
type Counts = &'static [(&'static str, usize)];

/// (trace file, Falco's expected detections, Rampart's, why they differ)
const CASES: &[(&str, Counts, Counts, &str)] = &[
    (
        "anonymous_creates_namespace_foo.json",
        &[("Anonymous Request Allowed", 1)],
        &[("audit-anonymous-allowed", 1)],
        "",
    ),
    (
        "attach_cluster_admin_role.json",
        &[("Attach to cluster-admin Role", 1)],
        &[("audit-rbac-risky-grant", 1), ("audit-rbac-changed", 1)],
        "the binding's creation is also recorded as an RBAC change",
    ),
    (
        "attach_pod.json",
        &[("Attach/Exec Pod", 1)],
        &[("audit-pod-exec", 1)],
        "",
    ),
    ("exec_pod.json", &[("Attach/Exec Pod", 1)], &[("audit-pod-exec", 1)], ""),
    (
        "create_cluster_role_pod_exec.json",
        &[("ClusterRole With Pod Exec Created", 1)],
        &[("audit-rbac-risky-grant", 1), ("audit-rbac-changed", 1)],
        "the role's creation is also recorded as an RBAC change",
    ),
    (
        "create_cluster_role_wildcard_resources.json",
        &[("ClusterRole With Wildcard Created", 1)],
        &[("audit-rbac-risky-grant", 1), ("audit-rbac-changed", 1)],
        "the role's creation is also recorded as an RBAC change",
    ),
    (
        "create_cluster_role_wildcard_verbs.json",
        &[("ClusterRole With Wildcard Created", 1)],
        &[("audit-rbac-risky-grant", 1), ("audit-rbac-changed", 1)],
        "the role's creation is also recorded as an RBAC change",
    ),
    (
        "create_cluster_role_write_privileges.json",
        &[("ClusterRole With Write Privileges Created", 1)],
        &[("audit-rbac-changed", 1)],
        "write verbs on ordinary resources are not risky in themselves (most application roles have them); the change is recorded, not flagged as a risky grant",
    ),
    (
        "create_clusterrole.json",
        &[("K8s Role/Clusterrole Created", 1)],
        &[("audit-rbac-changed", 1)],
        "",
    ),
    (
        "create_clusterrolebinding.json",
        &[("K8s Role/Clusterrolebinding Created", 1)],
        &[("audit-rbac-changed", 1)],
        "",
    ),
    (
        "delete_clusterrole.json",
        &[("K8s Role/Clusterrole Deleted", 1)],
        &[("audit-rbac-changed", 1)],
        "",
    ),
    (
        "delete_clusterrolebinding.json",
        &[("K8s Role/Clusterrolebinding Deleted", 1)],
        &[("audit-rbac-changed", 1)],
        "",
    ),
    (
        "delete_cluster_role_kube_aggregator.json",
        &[("System ClusterRole Modified/Deleted", 1)],
        &[("audit-rbac-changed", 1)],
        "",
    ),
    (
        "modify_cluster_role_node_problem_detector.json",
        &[("System ClusterRole Modified/Deleted", 1)],
        &[("audit-rbac-changed", 1)],
        "",
    ),
    (
        "create_configmap_sensitive_values.json",
        &[("Create/Modify Configmap With Private Credentials", 6)],
        &[("audit-configmap-credentials", 6)],
        "",
    ),
    ("create_configmap_no_sensitive_values.json", &[], &[], ""),
    (
        "create_nginx_pod_privileged.json",
        &[("Create Privileged Pod", 1)],
        &[("audit-workload-breaks-pod-security", 1)],
        "",
    ),
    (
        "create_nginx_pod_no_secctx_1st_container_privileged_2nd_container.json",
        &[("Create Privileged Pod", 1)],
        &[("audit-workload-breaks-pod-security", 1)],
        "",
    ),
    (
        "create_nginx_pod_privileged_2nd_container.json",
        &[("Create Privileged Pod", 1)],
        &[("audit-workload-breaks-pod-security", 1)],
        "",
    ),
    (
        "create_nginx_pod_sensitive_mount.json",
        &[("Create Sensitive Mount Pod", 1)],
        &[("audit-workload-breaks-pod-security", 1)],
        "",
    ),
    (
        "create_nginx_pod_sensitive_mount_2nd_container.json",
        &[("Create Sensitive Mount Pod", 1)],
        &[("audit-workload-breaks-pod-security", 1)],
        "",
    ),
    (
        "create_nginx_pod_hostnetwork.json",
        &[("Create HostNetwork Pod", 1)],
        &[("audit-workload-breaks-pod-security", 1)],
        "",
    ),
    (
        "create_nginx_pod_unprivileged.json",
        &[],
        &[],
        "Falco's Create Disallowed Pod needs a site's image allow-list (its test loads one)",
    ),
    ("create_nginx_pod_unsensitive_mount.json", &[], &[], ""),
    ("create_nginx_pod_nohostnetwork.json", &[], &[], ""),
    (
        "create_nginx_service_nodeport.json",
        &[("Create NodePort Service", 1)],
        &[("audit-service-exposed", 1)],
        "",
    ),
    ("create_nginx_service_nonodeport.json", &[], &[], ""),
    (
        "create_pod_kube_system_namespace.json",
        &[("Pod Created in Kube Namespace", 1)],
        &[("audit-kube-namespace-object", 1)],
        "",
    ),
    (
        "create_pod_kube_public_namespace.json",
        &[("Pod Created in Kube Namespace", 1)],
        &[("audit-kube-namespace-object", 1)],
        "",
    ),
    (
        "create_serviceaccount_kube_system_namespace.json",
        &[("Service Account Created in Kube Namespace", 1)],
        &[("audit-kube-namespace-object", 1)],
        "",
    ),
    (
        "create_serviceaccount_kube_public_namespace.json",
        &[("Service Account Created in Kube Namespace", 1)],
        &[("audit-kube-namespace-object", 1)],
        "",
    ),
    (
        "create_service_account_token_secret.json",
        &[],
        &[],
        "written by the controller manager, as every cluster before 1.24 did",
    ),
    ("create_kube_system_secret.json", &[], &[], ""),
    (
        "create_deployment.json",
        &[("K8s Deployment Created", 1)],
        &[],
        ACTIVITY,
    ),
    (
        "delete_deployment.json",
        &[("K8s Deployment Deleted", 1)],
        &[],
        ACTIVITY,
    ),
    ("create_service.json", &[("K8s Service Created", 1)], &[], ACTIVITY),
    ("delete_service.json", &[("K8s Service Deleted", 1)], &[], ACTIVITY),
    ("create_configmap.json", &[("K8s ConfigMap Created", 1)], &[], ACTIVITY),
    ("delete_configmap.json", &[("K8s ConfigMap Deleted", 1)], &[], ACTIVITY),
    (
        "delete_namespace_foo.json",
        &[("K8s Namespace Deleted", 1)],
        &[],
        ACTIVITY,
    ),
    (
        "create_serviceaccount.json",
        &[("K8s Serviceaccount Created", 1)],
        &[],
        ACTIVITY,
    ),
    (
        "delete_serviceaccount.json",
        &[("K8s Serviceaccount Deleted", 1)],
        &[],
        ACTIVITY,
    ),
    ("create_secret.json", &[("K8s Secret Created", 1)], &[], ACTIVITY),
    ("delete_secret.json", &[("K8s Secret Deleted", 1)], &[], ACTIVITY),
    (
        "some-user_creates_namespace_foo.json",
        &[
            ("Disallowed K8s User", 1),
            ("Create Disallowed Namespace", 1),
            ("K8s Namespace Created", 1),
        ],
        &[],
        "Falco's allow-lists of users and namespaces are a site's (its tests load them); namespace creation is activity",
    ),
    ("minikube_creates_namespace_foo.json", &[], &[], ""),
    (
        "fal_01_003.json",
        &[],
        &[],
        "a malformed event (`{\"kind\": 0}`): Falco ignores it, Rampart reports the line",
    ),
];

#[test]
fn every_trace_file_gets_the_detections_the_parity_table_names() {
    let Some(falco) = falco_dir() else { return };
    let traces = falco.join("trace_files");
    let mut files: Vec<String> = std::fs::read_dir(&traces)
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    files.sort();
    let mut tabled: Vec<&str> = CASES.iter().map(|case| case.0).collect();
    tabled.sort();
    assert_eq!(files, tabled, "every trace file has its row");
    let mut agreements = 0;
    for (file, falco_expects, rampart_expects, why) in CASES {
        let (found, errors) = detections(&traces.join(file));
        let expected: BTreeMap<String, usize> = rampart_expects
            .iter()
            .map(|(rule, count)| (rule.to_string(), *count))
            .collect();
        assert_eq!(found, expected, "{file}");
        assert_eq!(errors, usize::from(*file == "fal_01_003.json"), "{file}");
        let falco_total: usize = falco_expects.iter().map(|(_, count)| count).sum();
        if why.is_empty() {
            // Agreement: detected when Falco detects, as often.
            let ours: usize = rampart_expects.iter().map(|(_, count)| count).sum();
            assert_eq!(ours, falco_total, "{file}: counts differ without a reason");
            agreements += 1;
        } else {
            assert!(why.len() > 20, "{file}: the difference is named");
        }
    }
    assert_eq!(agreements, 27, "agreements");
}

/// Falco's rule names in its rules file.
fn falco_rules(falco: &Path) -> Vec<String> {
    std::fs::read_to_string(falco.join("k8s_audit_rules.yaml"))
        .unwrap()
        .lines()
        .filter_map(|line| line.strip_prefix("- rule: "))
        .map(|name| name.trim().to_string())
        .collect()
}

#[test]
fn the_parity_document_answers_for_each_of_falcos_rules() {
    let Some(falco) = falco_dir() else { return };
    let rules = falco_rules(&falco);
    assert_eq!(rules.len(), 48);
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/falco-parity.md")).unwrap();
    for rule in &rules {
        let row = doc
            .lines()
            .find(|line| line.starts_with(&format!("| {rule} |")))
            .unwrap_or_else(|| panic!("docs/falco-parity.md has no row for {rule}"));
        let answer = row.split('|').nth(2).unwrap_or_default().trim();
        assert!(!answer.is_empty(), "{rule}: no answer");
        // A row naming a Rampart rule is backed by that rule's own `falco` list.
        if let Some(id) = answer.strip_prefix('`').and_then(|rest| rest.split('`').next()) {
            let rampart = rampart_auditlog::rules::find(id).unwrap_or_else(|| panic!("{rule}: no Rampart rule {id}"));
            assert!(rampart.falco.contains(&rule.as_str()), "{id} does not list {rule}");
        }
    }
    for rampart in rampart_auditlog::rules::all() {
        for name in rampart.falco {
            assert!(
                rules.iter().any(|rule| rule == name),
                "{} names {name}, not a Falco rule",
                rampart.meta.id
            );
        }
    }
}
