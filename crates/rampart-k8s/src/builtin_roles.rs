//! The ClusterRoles every cluster creates for itself: `cluster-admin`,
//! `admin`, `edit` and `view`. Manifests bind them without defining them,
//! so `who-can` and the RBAC rules read them from here when a scan does
//! not hold them. The rules are Kubernetes' bootstrap policy, summarised:
//! the resources that matter for escalation (secrets, pods and their exec,
//! workloads, roles) are exact; rarely bound API groups are left out.

use std::sync::{Arc, OnceLock};

use rampart_core::ResourceRef;

use crate::inventory::Site;
use crate::rbac::{PolicyRule, RoleFact, RoleKind};
use crate::yaml::Pos;

/// Where findings and grants say a built-in role comes from.
pub const BUILTIN_PATH: &str = "<built-in ClusterRole>";

const READ: &[&str] = &["get", "list", "watch"];
const WRITE: &[&str] = &["create", "delete", "deletecollection", "patch", "update"];

/// (API groups, resources) that `view` reads, `edit` and `admin` write.
const WORKLOAD_RESOURCES: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "configmaps",
            "endpoints",
            "persistentvolumeclaims",
            "pods",
            "replicationcontrollers",
            "replicationcontrollers/scale",
            "serviceaccounts",
            "services",
        ],
    ),
    (
        "apps",
        &[
            "daemonsets",
            "deployments",
            "deployments/rollback",
            "deployments/scale",
            "replicasets",
            "replicasets/scale",
            "statefulsets",
            "statefulsets/scale",
        ],
    ),
    ("autoscaling", &["horizontalpodautoscalers"]),
    ("batch", &["cronjobs", "jobs"]),
    ("policy", &["poddisruptionbudgets"]),
    ("networking.k8s.io", &["ingresses", "networkpolicies"]),
];

/// Read-only resources `view` adds (status, logs, events).
const VIEW_ONLY: &[(&str, &[&str])] = &[
    (
        "",
        &[
            "bindings",
            "events",
            "limitranges",
            "namespaces",
            "namespaces/status",
            "pods/log",
            "pods/status",
            "replicationcontrollers/status",
            "resourcequotas",
            "resourcequotas/status",
        ],
    ),
    ("apps", &["controllerrevisions"]),
    ("discovery.k8s.io", &["endpointslices"]),
];

/// The built-in ClusterRole `name`, when it is one.
pub fn builtin_cluster_role(name: &str) -> Option<&'static RoleFact> {
    static ROLES: OnceLock<Vec<RoleFact>> = OnceLock::new();
    ROLES
        .get_or_init(|| {
            vec![
                role("cluster-admin", vec![rule(&["*"], &["*"], &["*"])]),
                role("admin", admin_rules()),
                role("edit", edit_rules()),
                role("view", view_rules()),
            ]
        })
        .iter()
        .find(|role| role.name == name)
}

fn view_rules() -> Vec<PolicyRule> {
    WORKLOAD_RESOURCES
        .iter()
        .chain(VIEW_ONLY)
        .map(|(group, resources)| rule(&[group], resources, READ))
        .collect()
}

/// Core resources `edit` reads and writes beyond what `view` reads.
const EDIT_ONLY: &[&str] = &[
    "pods/attach",
    "pods/exec",
    "pods/portforward",
    "pods/proxy",
    "secrets",
    "services/proxy",
];

fn edit_rules() -> Vec<PolicyRule> {
    let mut rules = view_rules();
    rules.push(rule(&[""], EDIT_ONLY, READ));
    rules.push(rule(&[""], EDIT_ONLY, WRITE));
    rules.push(rule(&[""], &["serviceaccounts/token"], &["create"]));
    rules.push(rule(&[""], &["serviceaccounts"], &["impersonate"]));
    for (group, resources) in WORKLOAD_RESOURCES {
        rules.push(rule(&[group], resources, WRITE));
    }
    rules
}

fn admin_rules() -> Vec<PolicyRule> {
    let mut rules = edit_rules();
    let mut all = READ.to_vec();
    all.extend_from_slice(WRITE);
    rules.push(rule(&["rbac.authorization.k8s.io"], &["rolebindings", "roles"], &all));
    rules.push(rule(
        &["authorization.k8s.io"],
        &["localsubjectaccessreviews"],
        &["create"],
    ));
    rules
}

fn rule(groups: &[&str], resources: &[&str], verbs: &[&str]) -> PolicyRule {
    let owned = |values: &[&str]| values.iter().map(|value| value.to_string()).collect();
    PolicyRule {
        api_groups: owned(groups),
        resources: owned(resources),
        verbs: owned(verbs),
        resource_names: Vec::new(),
        non_resource_urls: Vec::new(),
        index: 0,
        pos: Pos::default(),
    }
}

fn role(name: &str, mut rules: Vec<PolicyRule>) -> RoleFact {
    for (index, rule) in rules.iter_mut().enumerate() {
        rule.index = index;
    }
    RoleFact {
        kind: RoleKind::ClusterRole,
        namespace: None,
        name: name.to_string(),
        labels: Default::default(),
        rules,
        aggregation: Vec::new(),
        review: Default::default(),
        name_pos: Pos::default(),
        site: Site {
            path: Arc::from(BUILTIN_PATH),
            pos: Pos::default(),
            resource: Arc::new(ResourceRef {
                api_version: "rbac.authorization.k8s.io/v1".to_string(),
                kind: "ClusterRole".to_string(),
                namespace: None,
                name: name.to_string(),
            }),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_four_roles_grant_what_kubernetes_gives_them() {
        let can = |role: &str, verb: &str, group: &str, resource: &str| {
            builtin_cluster_role(role)
                .unwrap()
                .rules
                .iter()
                .any(|rule| rule.allows(verb, group, resource))
        };
        assert!(can(
            "cluster-admin",
            "escalate",
            "rbac.authorization.k8s.io",
            "clusterroles"
        ));
        assert!(can("view", "list", "apps", "deployments"));
        assert!(!can("view", "get", "", "secrets"), "view never reads secrets");
        assert!(can("edit", "get", "", "secrets"));
        assert!(can("edit", "create", "", "pods/exec"));
        assert!(!can("edit", "create", "rbac.authorization.k8s.io", "roles"));
        assert!(can("admin", "create", "rbac.authorization.k8s.io", "rolebindings"));
        assert!(builtin_cluster_role("operator").is_none());
    }
}
