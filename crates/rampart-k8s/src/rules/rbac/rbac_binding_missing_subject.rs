//! ## What it checks
//!
//! In a cluster audit, that every ServiceAccount a RoleBinding or
//! ClusterRoleBinding names exists. Judged only where the audit read that
//! namespace's ServiceAccounts (every namespace has `default`, so a
//! namespace with none read was not read, or the identity may not list
//! them); users and groups live outside the cluster and are not judged.
//! A repository's scan does not judge it: the account may be created by
//! another chart or repository.
//!
//! ## Why it matters
//!
//! A binding outlives the account it was written for. Whoever later
//! creates a ServiceAccount of that name in that namespace (anyone allowed
//! to create ServiceAccounts there, or a chart reusing a common name)
//! silently receives the role, which nobody reviews because the binding
//! looks dead. Cleaning up after removed workloads is part of keeping RBAC
//! least-privilege.
//!
//! ## How to fix
//!
//! Delete the binding (or the subject from it) if the account is gone for
//! good; recreate the account only if the permission is still needed.
//!
//! ## Example
//!
//! ```sh
//! kubectl -n shop delete rolebinding old-deployer
//! ```
//!
//! ## Fix safety
//!
//! Safe for accounts that no longer exist: nothing holds the permission
//! today. Check first that no pipeline recreates the account on deploy.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-binding-missing-subject",
        title: "Bindings must not name ServiceAccounts that do not exist",
        severity: Severity::Low,
        controls: &[Control::Rbac],
        pss: None,
        references: &[],
        fix: "Delete the binding, or the subject from it, when the account is gone.",
    },
    check: Check::Inventory(Subjects::InCluster(BINDINGS), check),
};

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    if !context.config.cluster {
        return;
    }
    let read = inventory.service_account_namespaces();
    for binding in &inventory.rbac.bindings {
        for (index, (subject, pos)) in binding.subjects.iter().zip(&binding.subject_positions).enumerate() {
            if subject.kind != "ServiceAccount" {
                continue;
            }
            let Some(namespace) = subject.namespace.as_deref().or(binding.namespace.as_deref()) else {
                continue;
            };
            if !read.contains(namespace) || inventory.service_account(namespace, &subject.name).is_some() {
                continue;
            }
            out.report(
                &binding.site,
                *pos,
                format!("subjects[{index}]"),
                format!(
                    "{} `{}` grants `{}` to ServiceAccount {namespace}/{}, which does not exist: whoever creates it gets the role",
                    binding.kind, binding.name, binding.role_name, subject.name
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const OBJECTS: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: shop}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: checkout, namespace: shop}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: shop}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: r}\nsubjects:\n- {kind: ServiceAccount, name: checkout}\n- {kind: ServiceAccount, name: old-deployer}\n- {kind: User, name: alice}\n- {kind: ServiceAccount, name: ci, namespace: tools}\n";

    #[test]
    fn fires_in_a_cluster_on_an_account_that_does_not_exist() {
        let findings = run_with(&super::RULE, OBJECTS, &in_cluster(&[]));
        // `tools` had no ServiceAccount read: not judged.
        assert_findings(&findings, &[(15, "subjects[1]")]);
        assert!(
            findings[0].message.contains("ServiceAccount shop/old-deployer"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn quiet_in_a_repository_and_when_every_account_exists() {
        assert_quiet(&super::RULE, OBJECTS);
        let present = OBJECTS.replace("name: old-deployer}", "name: checkout}");
        assert!(run_with(&super::RULE, &present, &in_cluster(&[])).is_empty());
    }
}
