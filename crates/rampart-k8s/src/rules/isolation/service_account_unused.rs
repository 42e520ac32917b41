//! ## What it checks
//!
//! In a cluster audit of every namespace, that each ServiceAccount other
//! than a namespace's `default` is used: some workload or pod runs as it,
//! or some RoleBinding or ClusterRoleBinding names it. An audit limited to
//! some namespaces (`-n`) does not judge it (a binding elsewhere may name
//! the account), nor does a repository's scan (the user may live in
//! another repository).
//!
//! ## Why it matters
//!
//! An account nothing runs as is an identity nobody watches: a token for
//! it (a legacy token Secret, or one minted by anyone who may create
//! tokens in the namespace) keeps working, and the inventory the articles
//! ask for ("list all users, service accounts, and applications that talk
//! to the API") stays longer than the list of things that do. Leftover
//! accounts also collect bindings later, by name.
//!
//! ## How to fix
//!
//! Delete the account (`kubectl -n NS delete serviceaccount NAME`) once
//! you know nothing outside the cluster uses a token of it (a CI system, an
//! external controller); if something does, bind it to what it needs, and
//! record its owner.
//!
//! ## Example
//!
//! ```sh
//! kubectl -n shop delete serviceaccount old-importer
//! ```
//!
//! ## Fix safety
//!
//! A token of the account held outside the cluster stops working when the
//! account is deleted; search your CI and external systems for it first.

use std::collections::HashSet;

use crate::inventory::Site;

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "service-account-unused",
        title: "ServiceAccounts nothing runs as or binds should not exist",
        severity: Severity::Low,
        controls: &[Control::Isolation, Control::Rbac],
        pss: None,
        references: &[],
        fix: "Delete the account once nothing outside the cluster uses a token of it.",
    },
    check: Check::Inventory(Subjects::InCluster(&[("", "ServiceAccount")]), check),
};

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    // A partial view cannot tell unused from used elsewhere; without a
    // workload read at all (pods forbidden, say) neither can a whole one.
    if !context.config.cluster || !context.config.cluster_namespaces.is_empty() || inventory.workloads.is_empty() {
        return;
    }
    let mut used: HashSet<(&str, &str)> = inventory
        .workloads
        .iter()
        .map(|workload| (workload.namespace.as_str(), workload.service_account.as_str()))
        .collect();
    for binding in &inventory.rbac.bindings {
        for subject in &binding.subjects {
            if subject.kind == "ServiceAccount"
                && let Some(namespace) = subject.namespace.as_deref().or(binding.namespace.as_deref())
            {
                used.insert((namespace, subject.name.as_str()));
            }
        }
    }
    let mut unused: Vec<(&str, &str, &Site)> = inventory
        .service_accounts()
        .filter(|(namespace, name, _)| *name != "default" && !used.contains(&(*namespace, *name)))
        .collect();
    unused.sort_by(|a, b| (&a.2.path, a.2.pos).cmp(&(&b.2.path, b.2.pos)));
    for (namespace, name, site) in unused {
        out.report(
            site,
            site.pos,
            "metadata.name".to_string(),
            format!("ServiceAccount {namespace}/{name}: no workload runs as it and no binding names it"),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const OBJECTS: &str = "apiVersion: v1\nkind: ServiceAccount\nmetadata: {name: default, namespace: shop}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: web, namespace: shop}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: deployer, namespace: shop}\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: old-importer, namespace: shop}\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      serviceAccountName: web\n      containers: [{name: c, image: nginx:1.27}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: deployer}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: edit}\nsubjects:\n- {kind: ServiceAccount, name: deployer, namespace: shop}\n";

    #[test]
    fn fires_on_an_account_nothing_runs_as_or_binds() {
        let findings = run_with(&super::RULE, OBJECTS, &in_cluster(&[]));
        assert_findings(&findings, &[(15, "metadata.name")]);
        assert!(
            findings[0].message.starts_with("ServiceAccount shop/old-importer"),
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
