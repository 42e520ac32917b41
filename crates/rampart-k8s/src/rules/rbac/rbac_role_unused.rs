//! ## What it checks
//!
//! In a cluster audit of every namespace, that each Role and ClusterRole is
//! used: a RoleBinding or ClusterRoleBinding refers to it, or (for a
//! ClusterRole) an aggregating ClusterRole's selector takes its rules in,
//! which the built-in `admin`, `edit` and `view` roles do for every role
//! labelled `rbac.authorization.k8s.io/aggregate-to-<role>: "true"`, read
//! or not. The API server's own roles (labelled `kubernetes.io/bootstrapping:
//! rbac-defaults`) are Kubernetes' and not judged. An audit limited to some
//! namespaces (`-n`) does not judge it (a RoleBinding elsewhere may use a
//! ClusterRole), nor does a repository's scan.
//!
//! ## Why it matters
//!
//! A role nobody binds grants nothing today, but it is a ready-made
//! permission set that the next binding picks up by name, and a role list
//! full of leftovers hides the ones that matter from review. Keeping only
//! the roles in use is how the RBAC inventory stays readable.
//!
//! ## How to fix
//!
//! Delete the role if the workload it was made for is gone; if it is meant
//! to be bound on demand (break-glass), say so with `rampart.dev/owner`
//! and accept it with a dated exception.
//!
//! ## Example
//!
//! ```sh
//! kubectl -n shop delete role old-importer
//! ```
//!
//! ## Fix safety
//!
//! Safe: an unbound role grants nothing. A binding created later that
//! names it fails until the role is recreated.

use std::collections::HashSet;

use crate::rbac::RoleKind;

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-role-unused",
        title: "Roles no binding uses should not exist",
        severity: Severity::Info,
        controls: &[Control::Rbac],
        pss: None,
        references: &[],
        fix: "Delete roles nothing binds; accept a break-glass role with a dated exception.",
    },
    check: Check::Inventory(Subjects::InCluster(ROLES), check),
};

/// The labels the built-in `admin`, `edit` and `view` ClusterRoles
/// aggregate by.
const BUILT_IN_AGGREGATION: &[&str] = &[
    "rbac.authorization.k8s.io/aggregate-to-admin",
    "rbac.authorization.k8s.io/aggregate-to-edit",
    "rbac.authorization.k8s.io/aggregate-to-view",
];

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    if !context.config.cluster || !context.config.cluster_namespaces.is_empty() {
        return;
    }
    let rbac = &inventory.rbac;
    // (namespace of a Role, or None for a ClusterRole; name).
    let bound: HashSet<(Option<&str>, &str)> = rbac
        .bindings
        .iter()
        .map(|binding| match binding.role_kind {
            RoleKind::Role => (binding.namespace.as_deref(), binding.role_name.as_str()),
            RoleKind::ClusterRole => (None, binding.role_name.as_str()),
        })
        .collect();
    for role in &rbac.roles {
        let namespace = match role.kind {
            RoleKind::Role => role.namespace.as_deref(),
            RoleKind::ClusterRole => None,
        };
        if role.review.built_in || bound.contains(&(namespace, role.name.as_str())) {
            continue;
        }
        // The built-in admin, edit and view roles aggregate these in every
        // cluster, read or not.
        let into_built_in = BUILT_IN_AGGREGATION
            .iter()
            .any(|label| role.labels.get(*label).is_some_and(|value| value == "true"));
        let aggregated = role.kind == RoleKind::ClusterRole
            && (into_built_in
                || rbac.roles.iter().any(|aggregator| {
                    !std::ptr::eq(aggregator, role)
                        && aggregator
                            .aggregation
                            .iter()
                            .any(|selector| selector.matches(&role.labels))
                }));
        if aggregated {
            continue;
        }
        let kind = match role.kind {
            RoleKind::Role => "Role",
            RoleKind::ClusterRole => "ClusterRole",
        };
        let name = match namespace {
            Some(namespace) => format!("{namespace}/{}", role.name),
            None => role.name.clone(),
        };
        out.report(
            &role.site,
            role.name_pos,
            "metadata.name".to_string(),
            format!("{kind} {name}: no binding refers to it and no ClusterRole aggregates it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const OBJECTS: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: reader, namespace: shop}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: old-importer, namespace: shop}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: monitoring, labels: {rbac.example.com/aggregate-to-view: \"true\"}}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: view-plus}\naggregationRule:\n  clusterRoleSelectors:\n  - matchLabels: {rbac.example.com/aggregate-to-view: \"true\"}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: system:node, labels: {kubernetes.io/bootstrapping: rbac-defaults}}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: metrics-reader, labels: {rbac.authorization.k8s.io/aggregate-to-view: 'true'}}\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: readers, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: reader}\nsubjects: [{kind: Group, name: shop-team}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: viewers, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view-plus}\nsubjects: [{kind: Group, name: shop-team}]\n";

    #[test]
    fn fires_on_a_role_nothing_binds_or_aggregates() {
        let findings = run_with(&super::RULE, OBJECTS, &in_cluster(&[]));
        assert_findings(&findings, &[(8, "metadata.name")]);
        assert!(
            findings[0].message.starts_with("Role shop/old-importer"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn quiet_in_a_repository_and_in_an_audit_of_some_namespaces() {
        assert_quiet(&super::RULE, OBJECTS);
        assert!(run_with(&super::RULE, OBJECTS, &in_cluster(&["shop"])).is_empty());
    }
}
