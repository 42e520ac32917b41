//! ## What it checks
//!
//! That no role rule lets its holder read Secrets (`get`, `list` or `watch`
//! on `secrets` in the core group) without `resourceNames` naming the few it
//! needs. The finding is critical when a ClusterRoleBinding grants the rule
//! cluster-wide (directly, or through a ClusterRole that aggregates the
//! role), high otherwise. Rules that reach Secrets only through `*` are
//! reported by `rbac-wildcard`.
//!
//! A binding to the built-in `edit` or `admin` ClusterRole (which every
//! cluster has and no manifest defines) is reported at the binding: both
//! read every Secret of their scope. Bindings to `cluster-admin` are
//! `rbac-cluster-admin-binding`'s.
//!
//! ## Why it matters
//!
//! Reading Secrets means reading every credential they hold: database
//! passwords, cloud keys, service-account tokens of more powerful accounts.
//! `list` and `watch` return the values too, not only the names.
//!
//! ## How to fix
//!
//! Name the Secrets in `resourceNames` (this works for `get`, not `list`),
//! or mount the one Secret the workload needs instead of reading it from
//! the API.
//!
//! ## Example
//!
//! ```yaml
//! rules:
//!   - apiGroups: [""]
//!     resources: ["secrets"]
//!     resourceNames: ["checkout-tls"]
//!     verbs: ["get"]
//! ```

use super::super::prelude::*;
use crate::rbac::{RoleKind, binding_name};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-secrets-read",
        title: "Roles must not read Secrets broadly",
        severity: Severity::High,
        controls: &[Control::Rbac, Control::Secrets],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.1.2",
            },
            Reference {
                source: "kube-linter",
                id: "access-to-secrets",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0041",
            },
        ],
        fix: "Limit the rule with `resourceNames`, or mount the Secret instead of reading it from the API.",
    },
    check: Check::Inventory(Subjects::Kinds(RBAC_OBJECTS), check),
};

/// Built-in ClusterRoles that read every Secret of their scope.
const BUILTIN_SECRET_READERS: &[&str] = &["admin", "edit"];

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    let rbac = &inventory.rbac;
    for binding in &rbac.bindings {
        let builtin = binding.role_kind == RoleKind::ClusterRole
            && BUILTIN_SECRET_READERS.contains(&binding.role_name.as_str())
            && rbac
                .find_role(RoleKind::ClusterRole, None, &binding.role_name)
                .is_none();
        if !builtin {
            continue;
        }
        let (severity, scope) = match &binding.namespace {
            None => (Severity::Critical, "every Secret of the cluster".to_string()),
            Some(namespace) => (Severity::High, format!("every Secret of namespace `{namespace}`")),
        };
        out.report_with_severity(
            severity,
            &binding.site,
            binding.site.pos,
            "roleRef.name".to_string(),
            format!(
                "{} `{}` binds the built-in ClusterRole `{}`, which may get/list/watch {scope}",
                binding.kind, binding.name, binding.role_name
            ),
        );
    }
    for role in &rbac.roles {
        for rule in &role.rules {
            let reads = ["get", "list", "watch"]
                .iter()
                .filter(|verb| rule.verbs.iter().any(|v| v == *verb))
                .copied()
                .collect::<Vec<_>>();
            let names_secrets = rule.resources.iter().any(|r| r == "secrets")
                && rule.api_groups.iter().any(|g| g.is_empty() || g == "*");
            if reads.is_empty() || !names_secrets || rule.is_named() {
                continue;
            }
            // Bound cluster-wide directly, or through a ClusterRole that
            // aggregates it.
            let cluster_wide: Vec<String> = if role.kind == RoleKind::ClusterRole {
                rbac.granting_roles(role)
                    .into_iter()
                    .flat_map(|granting| rbac.bindings_of(granting))
                    .filter(|b| b.namespace.is_none())
                    .map(binding_name)
                    .collect()
            } else {
                Vec::new()
            };
            let (severity, scope) = if cluster_wide.is_empty() {
                (Severity::High, String::new())
            } else {
                (
                    Severity::Critical,
                    format!(", cluster-wide through {}", cluster_wide.join(", ")),
                )
            };
            out.report_with_severity(
                severity,
                &role.site,
                rule.pos,
                format!("rules[{}]", rule.index),
                format!(
                    "{} `{}` may {} every Secret{scope}",
                    match role.kind {
                        RoleKind::Role => "Role",
                        RoleKind::ClusterRole => "ClusterRole",
                    },
                    role.name,
                    reads.join("/")
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;
    use rampart_core::Severity;

    #[test]
    fn fires_high_and_critical_when_bound_cluster_wide() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: x}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets, configmaps]\n  verbs: [list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: reader}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [get, watch]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: everyone-reads}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: reader}\nsubjects: [{kind: Group, name: devs}]\n",
        );
        assert_findings(&findings, &[(5, "rules[0]"), (13, "rules[0]")]);
        assert_eq!(findings[0].severity, Severity::High);
        assert_eq!(findings[1].severity, Severity::Critical);
        assert!(findings[1].message.contains("ClusterRoleBinding/everyone-reads"));
    }

    #[test]
    fn aggregation_makes_it_cluster_wide() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata:\n  name: read-secrets\n  labels: {aggregate-to-ops: \"true\"}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [list]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: ops}\naggregationRule:\n  clusterRoleSelectors: [{matchLabels: {aggregate-to-ops: \"true\"}}]\nrules: []\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: ops-team}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: ops}\nsubjects: [{kind: Group, name: ops}]\n",
        );
        assert_findings(&findings, &[(7, "rules[0]")]);
        assert_eq!(findings[0].severity, Severity::Critical);
        assert!(findings[0].message.contains("ClusterRoleBinding/ops-team"));
    }

    #[test]
    fn bindings_to_the_built_in_edit_and_admin_roles_read_secrets() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: everyone-edits}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\nsubjects: [{kind: Group, name: devs}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: shop-admins, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: admin}\nsubjects: [{kind: Group, name: shop-team}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: viewers}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: Group, name: auditors}]\n",
        );
        assert_findings(&findings, &[(1, "roleRef.name"), (7, "roleRef.name")]);
        let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
        assert_eq!(severities, vec![Severity::Critical, Severity::High]);
        assert!(findings[0].message.contains("every Secret of the cluster"));
    }

    #[test]
    fn quiet_for_named_secrets_and_other_resources() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: x}\nrules:\n- apiGroups: [\"\"]\n  resources: [secrets]\n  resourceNames: [tls]\n  verbs: [get]\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [list]\n- apiGroups: [\"\"]\n  resources: [secrets]\n  verbs: [create]\n",
        );
    }
}
