//! Agreement with the peer tools on their own labelled fixtures
//! (`../shared/corpus`): kube-score, Polaris, kube-linter and Checkov.
//!
//! For every peer check that maps to our rules, rampart runs on the peer's
//! failing and passing fixtures and must agree, except for the cases listed
//! in `KNOWN_DISAGREEMENTS`, each with the reason we differ on purpose. The
//! list is checked both ways: a case that starts agreeing must leave it.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use rampart_core::Finding;
use rampart_k8s::loader::{LoadOptions, load_bytes};
use rampart_k8s::{ScanConfig, check_objects, rules};

fn corpus() -> Option<PathBuf> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpus");
    if path.is_dir() {
        Some(path)
    } else {
        println!("skipped: ../shared/corpus is absent");
        None
    }
}

fn run(file: &Path, rule_ids: &[&str]) -> Vec<Finding> {
    let bytes = std::fs::read(file).unwrap_or_else(|e| panic!("{}: {e}", file.display()));
    let loaded = load_bytes(&file.display().to_string(), &bytes, &LoadOptions::default());
    let selected: Vec<_> = rule_ids
        .iter()
        .map(|id| rules::find(id).unwrap_or_else(|| panic!("no rule {id}")))
        .collect();
    check_objects(&loaded.objects, &ScanConfig::default(), &selected)
}

/// A peer check and the rules (any of which firing means "fails") that
/// implement it. A field filter narrows a rule to one field, for peers that
/// split what we report together (CPU versus memory limits).
struct Mapping {
    peer_check: &'static str,
    rules: &'static [&'static str],
    field_filter: Option<fn(&Finding) -> bool>,
}

fn fires(findings: &[Finding], mapping: &Mapping) -> bool {
    findings
        .iter()
        .any(|f| mapping.field_filter.is_none_or(|filter| filter(f)))
}

fn cpu_field(finding: &Finding) -> bool {
    let field = &finding.field;
    field.ends_with(".cpu") || field.ends_with("limits") || field.ends_with("requests")
}

fn memory_field(finding: &Finding) -> bool {
    let field = &finding.field;
    field.ends_with(".memory") || field.ends_with("limits") || field.ends_with("requests")
}

/// Exec and attach grants, and wildcards (which grant them too).
fn exec_grant(finding: &Finding) -> bool {
    finding.rule == "rbac-wildcard" || finding.message.contains("exec into pods")
}

const fn map(peer_check: &'static str, rules: &'static [&'static str]) -> Mapping {
    Mapping {
        peer_check,
        rules,
        field_filter: None,
    }
}

const KUBE_SCORE: &[Mapping] = &[
    map("Container Image Tag", &["image-tag-not-latest"]),
    map("Container Resources", &["resource-limits-set", "resource-requests-set"]),
    map("Container Seccomp Profile", &["seccomp-required"]),
    map("Container Security Context Privileged", &["no-privileged"]),
    map(
        "Container Security Context ReadOnlyRootFilesystem",
        &["read-only-root-fs"],
    ),
    map("Pod Probes", &["liveness-probe-set", "readiness-probe-set"]),
    map("Pod NetworkPolicy", &["workload-network-policy"]),
    map("Service Targets Pod", &["service-selects-pods"]),
    map("Service Type", &["service-no-nodeport"]),
];

const POLARIS: &[Mapping] = &[
    map("automountServiceAccountToken", &["no-automount-sa-token"]),
    Mapping {
        peer_check: "cpuLimitsMissing",
        rules: &["resource-limits-set"],
        field_filter: Some(cpu_field),
    },
    Mapping {
        peer_check: "cpuRequestsMissing",
        rules: &["resource-requests-set"],
        field_filter: Some(cpu_field),
    },
    Mapping {
        peer_check: "memoryLimitsMissing",
        rules: &["resource-limits-set"],
        field_filter: Some(memory_field),
    },
    Mapping {
        peer_check: "memoryRequestsMissing",
        rules: &["resource-requests-set"],
        field_filter: Some(memory_field),
    },
    map("dangerousCapabilities", &["no-dangerous-capabilities"]),
    map("hostIPCSet", &["no-host-ipc"]),
    map("hostNetworkSet", &["no-host-network"]),
    map("hostPIDSet", &["no-host-pid"]),
    map("hostPathSet", &["no-host-path", "no-sensitive-host-path"]),
    map("hostPortSet", &["no-host-port"]),
    map("hostProcess", &["no-windows-host-process"]),
    map("livenessProbeMissing", &["liveness-probe-set"]),
    map("readinessProbeMissing", &["readiness-probe-set"]),
    map("notReadOnlyRootFilesystem", &["read-only-root-fs"]),
    map("privilegeEscalationAllowed", &["no-privilege-escalation"]),
    map("procMount", &["proc-mount-default"]),
    map("runAsPrivileged", &["no-privileged"]),
    map("runAsRootAllowed", &["run-as-non-root"]),
    map("sensitiveContainerEnvVar", &["no-literal-secret-env"]),
    map("tagNotSpecified", &["image-tag-not-latest"]),
    map("clusterrolebindingClusterAdmin", &["rbac-cluster-admin-binding"]),
    map("rolebindingClusterAdminClusterRole", &["rbac-cluster-admin-binding"]),
    Mapping {
        peer_check: "clusterrolePodExecAttach",
        rules: &["rbac-dangerous-permissions", "rbac-wildcard"],
        field_filter: Some(exec_grant),
    },
    Mapping {
        peer_check: "rolePodExecAttach",
        rules: &["rbac-dangerous-permissions", "rbac-wildcard"],
        field_filter: Some(exec_grant),
    },
    map("tlsSettingsMissing", &["ingress-tls"]),
    map("missingNetworkPolicy", &["workload-network-policy"]),
];

const KUBE_LINTER: &[Mapping] = &[
    map("default-service-account", &["no-default-service-account"]),
    map("docker-sock", &["no-sensitive-host-path"]),
    map("env-var-secret", &["no-literal-secret-env"]),
    map("host-ipc", &["no-host-ipc"]),
    map("host-network", &["no-host-network"]),
    map("host-pid", &["no-host-pid"]),
    map("latest-tag", &["image-tag-not-latest"]),
    map("no-liveness-probe", &["liveness-probe-set"]),
    map("no-readiness-probe", &["readiness-probe-set"]),
    map("no-read-only-root-fs", &["read-only-root-fs"]),
    map("privilege-escalation-container", &["no-privilege-escalation"]),
    map("privileged-container", &["no-privileged"]),
    map("run-as-non-root", &["run-as-non-root", "run-as-user-not-zero"]),
    map("sensitive-host-mounts", &["no-sensitive-host-path"]),
    map("unsafe-proc-mount", &["proc-mount-default"]),
    map("unsafe-sysctls", &["sysctls-safe"]),
    map("use-namespace", &["no-default-namespace"]),
    map("access-to-secrets", &["rbac-secrets-read"]),
    map("cluster-admin-role-binding", &["rbac-cluster-admin-binding"]),
    map("wildcard-in-rules", &["rbac-wildcard"]),
    map("access-to-create-pods", &["rbac-dangerous-permissions"]),
    map("non-isolated-pod", &["workload-network-policy"]),
    map("dangling-service", &["service-selects-pods"]),
    map(
        "exposed-services",
        &["service-no-nodeport", "service-loadbalancer-restricted"],
    ),
];

const CHECKOV: &[Mapping] = &[
    map("CKV_K8S_8", &["liveness-probe-set"]),
    map("CKV_K8S_9", &["readiness-probe-set"]),
    Mapping {
        peer_check: "CKV_K8S_10",
        rules: &["resource-requests-set"],
        field_filter: Some(cpu_field),
    },
    Mapping {
        peer_check: "CKV_K8S_11",
        rules: &["resource-limits-set"],
        field_filter: Some(cpu_field),
    },
    Mapping {
        peer_check: "CKV_K8S_12",
        rules: &["resource-requests-set"],
        field_filter: Some(memory_field),
    },
    Mapping {
        peer_check: "CKV_K8S_13",
        rules: &["resource-limits-set"],
        field_filter: Some(memory_field),
    },
    map("CKV_K8S_14", &["image-tag-not-latest"]),
    map("CKV_K8S_16", &["no-privileged"]),
    map("CKV_K8S_17", &["no-host-pid"]),
    map("CKV_K8S_18", &["no-host-ipc"]),
    map("CKV_K8S_19", &["no-host-network"]),
    map("CKV_K8S_20", &["no-privilege-escalation"]),
    map("CKV_K8S_21", &["no-default-namespace"]),
    map("CKV_K8S_22", &["read-only-root-fs"]),
    map("CKV_K8S_23", &["run-as-non-root", "run-as-user-not-zero"]),
    map(
        "CKV_K8S_25",
        &["capabilities-add-baseline", "no-dangerous-capabilities"],
    ),
    map("CKV_K8S_26", &["no-host-port"]),
    map("CKV_K8S_27", &["no-sensitive-host-path"]),
    map("CKV_K8S_31", &["seccomp-required", "seccomp-not-unconfined"]),
    map("CKV_K8S_37", &["capabilities-drop-all"]),
    map("CKV_K8S_38", &["no-automount-sa-token"]),
    map("CKV_K8S_39", &["no-dangerous-capabilities"]),
    map("CKV_K8S_43", &["image-digest-pinned"]),
    map("CKV_K8S_42", &["rbac-default-sa-binding"]),
    map("CKV_K8S_49", &["rbac-wildcard"]),
    map("CKV_K8S_74", &["apiserver-authorization-mode"]),
    map("CKV_K8S_90", &["apiserver-profiling"]),
    map("CKV_K8S_91", &["apiserver-audit-log"]),
    // One Checkov check per escalation path; our rule lists every path of
    // a rule entry, so each mapping keeps the findings naming its own.
    Mapping {
        peer_check: "CKV_K8S_155",
        rules: &["rbac-dangerous-permissions"],
        field_filter: Some(|f| f.message.contains("change admission webhooks")),
    },
    Mapping {
        peer_check: "CKV_K8S_156",
        rules: &["rbac-dangerous-permissions"],
        field_filter: Some(|f| f.message.contains("approve certificate requests")),
    },
    Mapping {
        peer_check: "CKV_K8S_157",
        rules: &["rbac-dangerous-permissions"],
        field_filter: Some(|f| f.message.contains("bind roles")),
    },
    Mapping {
        peer_check: "CKV_K8S_158",
        rules: &["rbac-dangerous-permissions"],
        field_filter: Some(|f| f.message.contains("escalate roles")),
    },
];

/// (tool, check, fixture) where we differ on purpose, and why.
const KNOWN_DISAGREEMENTS: &[(&str, &str, &str, &str)] = &[
    (
        "checkov",
        "CKV_K8S_74",
        "example_ApiServerAuthorizationModeNotAlwaysAllow",
        "without the flag kube-apiserver defaults to AlwaysAllow, and `RBAC,node` lacks `Node` (modes are case-sensitive); Checkov passes both, CIS 1.2.6-1.2.8 fail them",
    ),
    (
        "checkov",
        "CKV_K8S_91",
        "example_ApiServerAuditLog",
        "an audit log path without `--audit-policy-file` logs nothing; Checkov checks the path alone",
    ),
    (
        "checkov",
        "CKV_K8S_21",
        "example_DefaultNamespace",
        "Checkov also counts a Service in `default`; our rule is about workloads, the checklist's unit of isolation",
    ),
    (
        "checkov",
        "CKV_K8S_23",
        "example_RootContainers",
        "Checkov accepts `runAsUser >= 1` without `runAsNonRoot`; the restricted Pod Security Standard requires `runAsNonRoot: true`, and we also report `runAsUser: 0` at pod level",
    ),
    (
        "checkov",
        "CKV_K8S_27",
        "example_DockerSocketVolume",
        "Checkov looks only for docker.sock; we also report /var/lib/docker (container configs hold env secrets) and /run mounts",
    ),
    (
        "checkov",
        "CKV_K8S_43",
        "example_ImageDigest",
        "`@sha256:123456` is not a digest (a sha256 digest has 64 hex digits); we report it as malformed, Checkov accepts any `@`",
    ),
    (
        "kube-linter",
        "docker-sock",
        "tests/checks/docker-sock.yml",
        "kube-linter's docker-sock looks only for docker.sock; `/var/run/thing.sock` is under /var/run, which holds the node's runtime sockets",
    ),
    (
        "kube-score",
        "Container Resources",
        "deployment-test-resources.yaml",
        "only limits are set; Kubernetes copies limits into missing requests, so the requests are set",
    ),
    (
        "kube-score",
        "Container Resources",
        "pod-test-resources-only-limits.yaml",
        "only limits are set; Kubernetes copies limits into missing requests, so the requests are set",
    ),
    (
        "kube-score",
        "Container Resources",
        "statefulset-test-resources.yaml",
        "only limits are set; Kubernetes copies limits into missing requests, so the requests are set",
    ),
    (
        "kube-score",
        "Container Seccomp Profile",
        "pod-seccomp-annotated.yaml",
        "`seccomp.security.alpha.kubernetes.io/defaultProfileName` is a PodSecurityPolicy annotation; on a pod it sets no profile",
    ),
    (
        "kube-score",
        "Pod Probes",
        "pod-probes-not-targeted-by-service-multi-labels.yaml",
        "kube-score asks for probes only behind a Service; we ask every long-running container for them (liveness restarts hangs, readiness gates rollouts)",
    ),
    (
        "kube-score",
        "Pod Probes",
        "pod-probes-not-targeted-by-service.yaml",
        "kube-score asks for probes only behind a Service; we ask every long-running container for them (liveness restarts hangs, readiness gates rollouts)",
    ),
    (
        "kube-score",
        "Pod Probes",
        "pod-probes-targeted-by-service-different-namespace.yaml",
        "kube-score asks for probes only behind a Service; we ask every long-running container for them (liveness restarts hangs, readiness gates rollouts)",
    ),
    (
        "kube-score",
        "Pod Probes",
        "pod-probes-on-different-containers.yaml",
        "kube-score is satisfied by probes on any container of the pod; a container without probes is restarted or gated by nothing",
    ),
    (
        "checkov",
        "CKV_K8S_156",
        "example_RbacApproveCertificateSigningRequests",
        "the failing fixtures grant this through `*`, which `rbac-wildcard` reports; this rule names explicit grants only",
    ),
    (
        "checkov",
        "CKV_K8S_157",
        "example_RbacBindRoleBindings",
        "Checkov counts `bind` on rolebindings, which grants nothing (the API server checks `bind` on roles), and a `*` verb, which `rbac-wildcard` reports",
    ),
    (
        "checkov",
        "CKV_K8S_158",
        "example_RbacEscalateRoles",
        "the failing fixtures grant this through `*`, which `rbac-wildcard` reports; this rule names explicit grants only",
    ),
    (
        "kube-linter",
        "access-to-create-pods",
        "tests/checks/access-to-create-pods.yml",
        "we report the Role that grants the permission, once, rather than each RoleBinding of it",
    ),
    (
        "kube-linter",
        "access-to-secrets",
        "tests/checks/access-to-secrets.yml",
        "we report the Role that grants the permission, once, rather than each RoleBinding of it",
    ),
    (
        "kube-linter",
        "non-isolated-pod",
        "tests/checks/non-isolated-pod.yml",
        "kube-linter accepts any selecting policy; we ask that both ingress and egress be governed, so the pods a policy isolates for ingress only are reported too",
    ),
    (
        "kube-score",
        "Service Targets Pod",
        "service-target-deployment-different-namespace.yaml",
        "the Service's namespace has no workload in the scan; judging it would bury partial scans in findings, so we do not",
    ),
    (
        "kube-score",
        "Service Targets Pod",
        "service-target-pod-different-namespace.yaml",
        "the Service's namespace has no workload in the scan; judging it would bury partial scans in findings, so we do not",
    ),
    (
        "polaris",
        "clusterrolePodExecAttach",
        "test/checks/clusterrolePodExecAttach/success.defaultclusterrole_admin.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "clusterrolePodExecAttach",
        "test/checks/clusterrolePodExecAttach/success.defaultclusterrole_clusteradmin.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "clusterrolePodExecAttach",
        "test/checks/clusterrolePodExecAttach/success.gce_calico_clusterrole.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "clusterrolePodExecAttach",
        "test/checks/clusterrolePodExecAttach/success.system_prefix.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "clusterrolebindingClusterAdmin",
        "test/checks/clusterrolebindingClusterAdmin/success.gce_calico_binding.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "rolePodExecAttach",
        "test/checks/rolePodExecAttach/success.gce_calico_binding.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "rolebindingClusterAdminClusterRole",
        "test/checks/rolebindingClusterAdminClusterRole/success.gce_calico_binding.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "clusterrolebindingClusterAdmin",
        "test/checks/clusterrolebindingClusterAdmin/success.system_prefix_binding.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "rolePodExecAttach",
        "test/checks/rolePodExecAttach/success.system_prefix_binding.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "rolebindingClusterAdminClusterRole",
        "test/checks/rolebindingClusterAdminClusterRole/success.system_prefix_binding.yaml",
        "Polaris exempts bindings and roles by name (`system:` prefix, GKE's `gce:podsecuritypolicy:calico-sa`, the default `admin` and `cluster-admin` roles); a manifest in a repository is reviewed whatever its names",
    ),
    (
        "polaris",
        "missingNetworkPolicy",
        "test/checks/missingNetworkPolicy/failure.netpol_missing_egress_rules.yaml",
        "a policy that governs a direction with no rules denies that direction entirely: that is isolation, which Polaris reads as its absence",
    ),
    (
        "polaris",
        "missingNetworkPolicy",
        "test/checks/missingNetworkPolicy/failure.netpol_missing_ingress_rules.yaml",
        "a policy that governs a direction with no rules denies that direction entirely: that is isolation, which Polaris reads as its absence",
    ),
    (
        "polaris",
        "runAsRootAllowed",
        "test/checks/runAsRootAllowed/failure.yaml",
        "the fixture declares `apiVersion: v1` for a Deployment, which no API server serves; we do not treat it as a workload",
    ),
];

#[derive(Default)]
struct Tally {
    compared: usize,
    disagreements: BTreeMap<(String, String, String), String>,
}

impl Tally {
    fn record(&mut self, tool: &str, check: &str, fixture: &str, expected: &str, got: &str) {
        self.compared += 1;
        if expected != got {
            self.disagreements.insert(
                (tool.to_string(), check.to_string(), fixture.to_string()),
                format!("expected {expected}, rampart says {got}"),
            );
        }
    }
}

fn read_tsv(path: &Path) -> Vec<Vec<String>> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .skip(1)
        .map(|line| line.split('\t').map(str::to_string).collect())
        .collect()
}

fn kube_score(corpus: &Path, tally: &mut Tally) {
    let root = corpus.join("kube-score");
    for row in read_tsv(&root.join("labels.tsv")) {
        let (fixture, check, expected, config) = (&row[0], &row[1], &row[2], &row[3]);
        let Some(mapping) = KUBE_SCORE.iter().find(|m| m.peer_check == check) else {
            continue;
        };
        // Rows that change kube-score's configuration beyond turning the
        // check on test options we do not have.
        let config_changes_behaviour = !config.is_empty() && !config.starts_with("EnabledOptionalTests");
        let expected = match expected.as_str() {
            "CRITICAL" | "WARNING" => "fail",
            "OK" => "pass",
            _ => continue,
        };
        if config_changes_behaviour {
            continue;
        }
        let findings = run(&root.join("score/testdata").join(fixture), mapping.rules);
        let got = if fires(&findings, mapping) { "fail" } else { "pass" };
        tally.record("kube-score", check, fixture, expected, got);
    }
}

fn polaris(corpus: &Path, tally: &mut Tally) {
    let root = corpus.join("polaris");
    for row in read_tsv(&root.join("labels.tsv")) {
        let (check, fixture, expected) = (&row[0], &row[1], &row[2]);
        let Some(mapping) = POLARIS.iter().find(|m| m.peer_check == check) else {
            continue;
        };
        let expected = match expected.as_str() {
            "FAIL" => "fail",
            "PASS" => "pass",
            _ => continue,
        };
        let findings = run(&root.join(fixture), mapping.rules);
        let got = if fires(&findings, mapping) { "fail" } else { "pass" };
        tally.record("polaris", check, fixture, expected, got);
    }
}

/// kube-linter reports once per object (and container); compare the kinds
/// of the objects reported.
fn kube_linter(corpus: &Path, tally: &mut Tally) {
    let root = corpus.join("kube-linter");
    for row in read_tsv(&root.join("labels.tsv")) {
        let (fixture, check, messages) = (&row[1], &row[2], row.get(5).cloned().unwrap_or_default());
        let Some(mapping) = KUBE_LINTER.iter().find(|m| m.peer_check == check) else {
            continue;
        };
        let count_only = messages.trim().is_empty();
        let mut expected: Vec<String> = messages
            .split(" || ")
            .filter_map(|m| m.trim().trim_start_matches("=~ ").split(':').next().map(str::to_string))
            .filter(|k| !k.is_empty())
            .collect();
        expected.sort();
        let findings = run(&root.join(fixture), mapping.rules);
        let mut reported: BTreeSet<(String, String, String)> = BTreeSet::new();
        for finding in &findings {
            let resource = finding.resource.as_ref().unwrap();
            reported.insert((
                resource.kind.clone(),
                resource.name.clone(),
                finding.container.clone().unwrap_or_default(),
            ));
        }
        if count_only {
            // The label gives only the number of reports.
            let expected_count = row.get(4).cloned().unwrap_or_default();
            let got = reported.len().to_string();
            tally.record(
                "kube-linter",
                check,
                fixture,
                &format!("{expected_count} reports"),
                &format!("{got} reports"),
            );
            continue;
        }
        let mut got: Vec<String> = reported.into_iter().map(|(kind, _, _)| kind).collect();
        got.sort();
        tally.record("kube-linter", check, fixture, &expected.join(","), &got.join(","));
    }
}

/// Checkov counts failing units (a container for container checks, an
/// object otherwise) over a whole example folder.
fn checkov(corpus: &Path, tally: &mut Tally) {
    let root = corpus.join("checkov-k8s");
    for row in read_tsv(&root.join("labels.tsv")) {
        let (check, folder, expected_failed) = (&row[0], &row[2], &row[4]);
        let Some(mapping) = CHECKOV.iter().find(|m| m.peer_check == check) else {
            continue;
        };
        let mut units: BTreeSet<(String, String, String, String)> = BTreeSet::new();
        let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(folder))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "yaml" || e == "yml" || e == "json"))
            .collect();
        files.sort();
        for file in files {
            for finding in run(&file, mapping.rules) {
                if mapping.field_filter.is_some_and(|filter| !filter(&finding)) {
                    continue;
                }
                let resource = finding.resource.unwrap();
                units.insert((
                    resource.kind.clone(),
                    resource.namespace.clone().unwrap_or_default(),
                    resource.name.clone(),
                    finding.container.unwrap_or_default(),
                ));
            }
        }
        let got = units.len().to_string();
        tally.record(
            "checkov",
            check,
            folder,
            &format!("{expected_failed} failing"),
            &format!("{got} failing"),
        );
    }
}

#[test]
fn rampart_agrees_with_the_peers_on_their_fixtures() {
    let Some(corpus) = corpus() else {
        return;
    };
    let mut tally = Tally::default();
    kube_score(&corpus, &mut tally);
    polaris(&corpus, &mut tally);
    kube_linter(&corpus, &mut tally);
    checkov(&corpus, &mut tally);
    let known: BTreeMap<(String, String, String), &str> = KNOWN_DISAGREEMENTS
        .iter()
        .map(|(tool, check, fixture, why)| ((tool.to_string(), check.to_string(), fixture.to_string()), *why))
        .collect();
    let unexpected: Vec<String> = tally
        .disagreements
        .iter()
        .filter(|(key, _)| !known.contains_key(*key))
        .map(|((tool, check, fixture), what)| format!("{tool} / {check} / {fixture}: {what}"))
        .collect();
    let resolved: Vec<String> = known
        .keys()
        .filter(|key| !tally.disagreements.contains_key(*key))
        .map(|(tool, check, fixture)| format!("{tool} / {check} / {fixture}"))
        .collect();
    println!(
        "compared {} labelled cases; {} known disagreements",
        tally.compared,
        known.len()
    );
    assert!(tally.compared >= 100, "only {} cases compared", tally.compared);
    assert!(
        unexpected.is_empty(),
        "unexpected disagreements:\n{}",
        unexpected.join("\n")
    );
    assert!(
        resolved.is_empty(),
        "these now agree; remove them from KNOWN_DISAGREEMENTS:\n{}",
        resolved.join("\n")
    );
}

/// Checkov's CKV_K8S_37 folder count agrees with ours only because two
/// deliberate disagreements cancel out: Checkov passes a container that
/// drops only NET_RAW (the restricted standard requires ALL), and one that
/// drops lowercase `all` (admission compares `ALL` case-sensitively and
/// rejects it). Both files are checked here one by one.
#[test]
fn drop_capabilities_disagreements_with_checkov_are_deliberate() {
    let Some(corpus) = corpus() else {
        return;
    };
    let folder = corpus.join("checkov-k8s/example_DropCapabilities");
    for (file, fires) in [
        ("pod-drop-NET_RAW-capabilities-PASSED.yaml", true),
        ("pod-drop-all-capabilities-PASSED2.yaml", true),
        ("pod-drop-all-capabilities-PASSED.yaml", false),
        ("pod-drop-none-FAILED.yaml", true),
    ] {
        let findings = run(&folder.join(file), &["capabilities-drop-all"]);
        assert_eq!(!findings.is_empty(), fires, "{file}: {findings:#?}");
    }
    let lowercase = run(
        &folder.join("pod-drop-all-capabilities-PASSED2.yaml"),
        &["capabilities-drop-all"],
    );
    assert!(
        lowercase[0].message.contains("case-sensitive"),
        "{}",
        lowercase[0].message
    );
}
