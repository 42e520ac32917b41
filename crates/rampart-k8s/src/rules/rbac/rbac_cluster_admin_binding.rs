//! ## What it checks
//!
//! That no RoleBinding or ClusterRoleBinding grants the `cluster-admin`
//! ClusterRole, or a role of the scan that amounts to it (a rule, own or
//! aggregated, with `*` verbs, or all seven read and write verbs, on `*`
//! resources of `*` groups), whatever the binding's or the role's name. Each subject
//! gets a finding that names it: critical for
//! users, groups and service accounts that look like CI or deployment
//! identities (a word of the name is `ci`, `cd`, or starts with `deploy`,
//! `github`, `gitlab`, `jenkins`, `argo`, `flux`, `tekton`, `pipeline`,
//! `spinnaker`: `argocd-application-controller`, `deployer`), high for
//! other service accounts. The API server's own `cluster-admin` binding of
//! the group `system:masters` (labelled `kubernetes.io/bootstrapping:
//! rbac-defaults`) is not reported: the API server recreates it, and
//! `system:masters` bypasses RBAC whatever the bindings say.
//!
//! ## Why it matters
//!
//! `cluster-admin` can do anything, including reading every Secret and
//! granting itself more. A person's laptop or a CI token with it is one
//! phishing mail or one leaked pipeline variable away from the whole
//! cluster.
//!
//! ## How to fix
//!
//! Bind a role with only the verbs and resources needed; for people, use
//! time-limited, audited break-glass access instead of a standing binding.
//!
//! ## Example
//!
//! ```yaml
//! roleRef:
//!   kind: ClusterRole
//!   name: deployer        # create/update on apps, not cluster-admin
//! ```

use super::super::prelude::*;
use crate::rbac::RoleKind;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-cluster-admin-binding",
        title: "Nobody is bound to cluster-admin",
        severity: Severity::Critical,
        controls: &[Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.1.1",
            },
            Reference {
                source: "kube-linter",
                id: "cluster-admin-role-binding",
            },
            Reference {
                source: "Polaris",
                id: "clusterrolebindingClusterAdmin",
            },
        ],
        fix: "Bind a role with only the permissions needed; use break-glass access for people.",
    },
    check: Check::Inventory(Subjects::Kinds(BINDINGS), check),
};

const CI_WORDS: &[&str] = &[
    "ci",
    "cd",
    "deploy",
    "github",
    "gitlab",
    "jenkins",
    "argo",
    "flux",
    "tekton",
    "pipeline",
    "spinnaker",
];

/// Whether a service account's name says it deploys: a word of it is a CI
/// word, or starts with one of four letters or more (`argocd`,
/// `deployer`, `fluxcd`); short ones (`ci`, `cd`) must stand alone, so that
/// `cilium` is not CI.
fn looks_like_ci(name: &str) -> bool {
    name.to_ascii_lowercase()
        .split(|c: char| !c.is_ascii_alphanumeric())
        .any(|word| {
            CI_WORDS
                .iter()
                .any(|ci| word == *ci || (ci.len() >= 4 && word.starts_with(ci)))
        })
}

fn check(inventory: &Inventory, _context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    let rbac = &inventory.rbac;
    for binding in &rbac.bindings {
        let named_admin = binding.role_kind == RoleKind::ClusterRole && binding.role_name == "cluster-admin";
        let role = rbac.find_role(binding.role_kind, binding.namespace.as_deref(), &binding.role_name);
        let equivalent = role.is_some_and(|r| rbac.is_admin(r));
        if !named_admin && !equivalent {
            continue;
        }
        let what = if named_admin {
            "cluster-admin".to_string()
        } else {
            format!("`{}`, which grants everything like cluster-admin", binding.role_name)
        };
        for (index, (subject, pos)) in binding.subjects.iter().zip(&binding.subject_positions).enumerate() {
            if binding.review.built_in && subject.kind == "Group" && subject.name == "system:masters" {
                continue;
            }
            let looks_like_ci = looks_like_ci(&subject.name);
            let severity = match subject.kind.as_str() {
                "User" | "Group" => Severity::Critical,
                "ServiceAccount" if looks_like_ci => Severity::Critical,
                _ => Severity::High,
            };
            out.report_with_severity(
                severity,
                &binding.site,
                *pos,
                format!("subjects[{index}]"),
                format!(
                    "{} `{}` binds {} `{}` to {what}",
                    binding.kind, binding.name, subject.kind, subject.name
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
    fn fires_per_subject_with_severity_by_kind() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: admins}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: User, name: alice@example.com}\n- {kind: ServiceAccount, name: gitlab-deployer, namespace: ci}\n- {kind: ServiceAccount, name: operator, namespace: ops}\n",
        );
        assert_findings(&findings, &[(6, "subjects[0]"), (7, "subjects[1]"), (8, "subjects[2]")]);
        let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
        assert_eq!(severities, vec![Severity::Critical, Severity::Critical, Severity::High]);
        assert!(findings[0].message.contains("alice@example.com"));
    }

    #[test]
    fn the_api_servers_own_binding_of_system_masters_is_not_reported() {
        let built_in = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: cluster-admin\n  labels: {kubernetes.io/bootstrapping: rbac-defaults}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {apiGroup: rbac.authorization.k8s.io, kind: Group, name: 'system:masters'}\n";
        assert_quiet(&super::RULE, built_in);
        // The same binding written by somebody else is reported.
        let copied = built_in.replace("  labels: {kubernetes.io/bootstrapping: rbac-defaults}\n", "");
        assert_findings(&run(&super::RULE, &copied), &[(7, "subjects[0]")]);
    }

    #[test]
    fn deploy_identities_are_critical_by_the_words_their_names_start_with() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: admins}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects:\n- {kind: ServiceAccount, name: argocd-application-controller, namespace: argocd}\n- {kind: ServiceAccount, name: deployer, namespace: ci}\n- {kind: ServiceAccount, name: cilium, namespace: kube-system}\n",
        );
        let severities: Vec<Severity> = findings.iter().map(|f| f.severity).collect();
        assert_eq!(severities, vec![Severity::Critical, Severity::Critical, Severity::High]);
        assert!(super::looks_like_ci("fluxcd-kustomize"));
        assert!(!super::looks_like_ci("circuit-breaker"));
    }

    #[test]
    fn fires_for_roles_that_amount_to_cluster_admin() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: system:everything}\nrules:\n- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata: {name: b}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: system:everything}\nsubjects:\n- {kind: User, name: tester}\n",
        );
        assert_findings(&findings, &[(12, "subjects[0]")]);
        assert!(findings[0].message.contains("like cluster-admin"));
    }

    #[test]
    fn quiet_for_other_roles() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: b, namespace: x}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: view}\nsubjects: [{kind: User, name: bob}]\n",
        );
    }
}
