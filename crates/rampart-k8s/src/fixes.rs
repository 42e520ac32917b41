//! The fixes rules offer for their findings. Each fixable rule declares its fix in its own
//! file (a `FIX` beside its `RULE`, and a *Fix safety* section in its documentation): the
//! safety it has at best, and a function that, for one container of one finding, proposes the
//! value to write at the finding's field, with the safety that holds for that container, or
//! says why it must be fixed by hand. `rampart-fix` writes the values into the source.

use rampart_core::FixSafety;

use crate::object::Object;
use crate::workload::{Container, PodSpec, WorkloadKinds};

/// What to do about one finding.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Write this YAML value (`false`, `RuntimeDefault`, `[ALL]`) at the finding's field.
    Set(String),
    /// A person has to: why, and what they need to decide.
    Manual(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Proposal {
    pub safety: FixSafety,
    pub action: Action,
}

impl Proposal {
    pub fn set(safety: FixSafety, value: &str) -> Proposal {
        Proposal {
            safety,
            action: Action::Set(value.to_string()),
        }
    }

    pub fn manual(safety: FixSafety, why: impl Into<String>) -> Proposal {
        Proposal {
            safety,
            action: Action::Manual(why.into()),
        }
    }
}

/// What a fix may know beyond the pod: facts from the whole scan.
#[derive(Debug, Clone, Default)]
pub struct FixContext {
    /// Service accounts (namespace, name) some RoleBinding or ClusterRoleBinding of the
    /// scan names as a subject.
    pub bound_accounts: std::collections::BTreeSet<(String, String)>,
}

impl FixContext {
    /// The context of the scanned `objects`.
    pub fn of(objects: &[Object]) -> FixContext {
        let mut bound_accounts = std::collections::BTreeSet::new();
        for object in objects {
            if !matches!(object.kind.as_str(), "RoleBinding" | "ClusterRoleBinding") {
                continue;
            }
            for subject in object
                .root
                .get("subjects")
                .map(crate::yaml::Node::as_seq)
                .unwrap_or_default()
            {
                if subject.get("kind").and_then(crate::yaml::Node::as_str) != Some("ServiceAccount") {
                    continue;
                }
                let name = subject
                    .get("name")
                    .and_then(crate::yaml::Node::as_str)
                    .unwrap_or_default();
                let namespace = subject
                    .get("namespace")
                    .and_then(crate::yaml::Node::as_str)
                    .or(object.namespace.as_deref())
                    .unwrap_or("default");
                bound_accounts.insert((namespace.to_string(), name.to_string()));
            }
        }
        FixContext { bound_accounts }
    }
}

/// A rule's fix.
pub struct Fix {
    pub rule: &'static str,
    /// The safety at best (what `rampart explain` shows); a proposal may be less safe.
    pub safety: FixSafety,
    /// For the finding's container, or the pod itself when the finding names none.
    pub propose: fn(&PodSpec<'_>, Option<&Container<'_>>, &FixContext) -> Proposal,
}

/// Every rule fix, by rule.
pub static FIXES: &[&Fix] = &[
    &crate::rules::runtime::no_privilege_escalation::FIX,
    &crate::rules::runtime::seccomp_required::FIX,
    &crate::rules::runtime::capabilities_drop_all::FIX,
    &crate::rules::runtime::read_only_root_fs::FIX,
    &crate::rules::runtime::run_as_non_root::FIX,
    &crate::rules::workload::resource_limits_set::FIX,
    &crate::rules::workload::resource_requests_set::FIX,
    &crate::rules::images::image_digest_pinned::FIX,
    &crate::rules::isolation::no_automount_sa_token::FIX,
];

pub fn fix_for(rule: &str) -> Option<&'static Fix> {
    FIXES.iter().copied().find(|fix| fix.rule == rule)
}

/// The proposal of `fix` for the finding on `container` (its name; none for the pod) of
/// `object`.
pub fn propose(
    fix: &Fix,
    object: &Object,
    kinds: &WorkloadKinds,
    container: Option<&str>,
    context: &FixContext,
) -> Proposal {
    let Some(pod) = kinds.pod_of(object) else {
        return Proposal::manual(fix.safety, "not a workload Rampart knows the pod template of");
    };
    let found = match container {
        Some(name) => match pod.containers().iter().find(|c| c.name == name) {
            Some(found) => Some(found),
            None => return Proposal::manual(fix.safety, "its container is not in the pod any more"),
        },
        None => None,
    };
    (fix.propose)(&pod, found, context)
}

/// Whether the container is known to run as a user other than root (its `runAsUser`, or
/// the pod's, is above 0).
pub fn runs_as_non_root_user(container: &Container<'_>) -> bool {
    container
        .effective_security_field("runAsUser")
        .and_then(|field| field.node.as_i64())
        .is_some_and(|user| user > 0)
}

/// Whether the container is privileged or adds `SYS_ADMIN` (the API server then refuses
/// `allowPrivilegeEscalation: false`).
pub fn privileged_or_sys_admin(container: &Container<'_>) -> bool {
    let privileged = container
        .security_field("privileged")
        .and_then(|field| field.node.as_bool())
        == Some(true);
    let sys_admin = container.security_field("capabilities.add").is_some_and(|field| {
        field
            .node
            .as_seq()
            .iter()
            .filter_map(|capability| capability.as_str())
            .any(|capability| capability.trim_start_matches("CAP_").eq_ignore_ascii_case("SYS_ADMIN"))
    });
    privileged || sys_admin
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{LoadOptions, load_bytes};

    fn proposals(rule: &str, text: &str) -> Vec<(String, Proposal)> {
        let loaded = load_bytes("fix.yaml", text.as_bytes(), &LoadOptions::default());
        let kinds = WorkloadKinds::default();
        let fix = fix_for(rule).unwrap();
        let object = &loaded.objects[0];
        let pod = kinds.pod_of(object).unwrap();
        pod.containers()
            .iter()
            .map(|container| {
                (
                    container.name.clone(),
                    propose(fix, object, &kinds, Some(&container.name), &FixContext::default()),
                )
            })
            .collect()
    }

    const POD: &str = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: app\n    securityContext: {runAsUser: 10001}\n    ports: [{containerPort: 8080}]\n  - name: web\n    ports: [{containerPort: 80}]\n  - name: root\n    securityContext: {privileged: true}\n";

    #[test]
    fn each_proposal_carries_the_safety_that_holds_for_its_container() {
        let set = |safety, value: &str| Proposal::set(safety, value);
        assert_eq!(
            proposals("capabilities-drop-all", POD),
            [
                ("app".to_string(), set(FixSafety::Safe, "[ALL]")),
                ("web".to_string(), set(FixSafety::Unsafe, "[ALL]")),
                ("root".to_string(), set(FixSafety::Unsafe, "[ALL]")),
            ]
        );
        let escalation = proposals("no-privilege-escalation", POD);
        assert_eq!(escalation[0].1, set(FixSafety::Safe, "false"));
        assert!(matches!(&escalation[2].1.action, Action::Manual(why) if why.contains("privileged")));
        let seccomp = proposals("seccomp-required", POD);
        assert_eq!(seccomp[1].1, set(FixSafety::Safe, "RuntimeDefault"));
        assert!(matches!(seccomp[2].1.action, Action::Manual(_)));
        let non_root = proposals("run-as-non-root", POD);
        assert_eq!(
            (non_root[0].1.safety, non_root[1].1.safety),
            (FixSafety::Safe, FixSafety::Unsafe)
        );
        assert_eq!(proposals("read-only-root-fs", POD)[0].1, set(FixSafety::Unsafe, "true"));
        let limits = proposals("resource-limits-set", POD);
        assert_eq!(limits[0].1.safety, FixSafety::NeedsInput);
        assert!(matches!(limits[0].1.action, Action::Manual(_)));
        assert!(fix_for("no-host-network").is_none());
    }

    #[test]
    fn a_token_is_turned_off_safely_only_for_an_account_nothing_binds() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: op, namespace: ops}\nspec:\n  template:\n    spec:\n      serviceAccountName: operator\n      containers: [{name: op}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: RoleBinding\nmetadata: {name: op, namespace: ops}\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: op}\nsubjects: [{kind: ServiceAccount, name: operator}]\n";
        let loaded = load_bytes("op.yaml", text.as_bytes(), &LoadOptions::default());
        let kinds = WorkloadKinds::default();
        let fix = fix_for("no-automount-sa-token").unwrap();
        let context = FixContext::of(&loaded.objects);
        assert!(
            context
                .bound_accounts
                .contains(&("ops".to_string(), "operator".to_string()))
        );
        let bound = propose(fix, &loaded.objects[0], &kinds, None, &context);
        assert_eq!(bound, Proposal::set(FixSafety::Unsafe, "false"));
        let unbound = propose(fix, &loaded.objects[0], &kinds, None, &FixContext::default());
        assert_eq!(unbound, Proposal::set(FixSafety::Safe, "false"));
    }

    #[test]
    fn every_fix_names_a_rule_whose_documentation_states_its_safety() {
        let rules = crate::rules::all();
        for fix in FIXES {
            let rule = rules
                .iter()
                .find(|rule| rule.meta.id == fix.rule)
                .unwrap_or_else(|| panic!("{} names no rule", fix.rule));
            let doc = rule.doc();
            let section = doc
                .split("## Fix safety")
                .nth(1)
                .unwrap_or_else(|| panic!("{} documents no fix safety", fix.rule));
            let stated = section
                .trim_start()
                .split(['.', ' ', ',', ':'])
                .next()
                .unwrap_or_default();
            assert_eq!(
                stated.to_ascii_lowercase(),
                match fix.safety {
                    FixSafety::Safe => "safe",
                    FixSafety::NeedsInput => "needs",
                    FixSafety::Unsafe => "unsafe",
                },
                "{}: {section}",
                fix.rule
            );
        }
    }
}
