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
    /// Remove the finding's field (a probe's `host`, a port's `hostPort`).
    Remove,
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

    pub fn remove(safety: FixSafety) -> Proposal {
        Proposal {
            safety,
            action: Action::Remove,
        }
    }

    pub fn manual(safety: FixSafety, why: impl Into<String>) -> Proposal {
        Proposal {
            safety,
            action: Action::Manual(why.into()),
        }
    }
}

/// What a fix may know beyond the pod: facts from the whole scan, and the values the user
/// gave for fixes that need input.
#[derive(Debug, Clone, Default)]
pub struct FixContext {
    /// Service accounts (namespace, name) some RoleBinding or ClusterRoleBinding of the
    /// scan names as a subject.
    pub bound_accounts: std::collections::BTreeSet<(String, String)>,
    pub inputs: FixInputs,
}

/// Values for the fixes that need input (`rampart fix --run-as-user --limits --requests`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FixInputs {
    /// The UID to run as where a container runs as root.
    pub run_as_user: Option<u32>,
    /// `cpu` and `memory` quantities, as written (`500m`, `256Mi`).
    pub limits: std::collections::BTreeMap<String, String>,
    pub requests: std::collections::BTreeMap<String, String>,
}

impl FixInputs {
    /// Parses `cpu=500m,memory=256Mi`: only `cpu` and `memory`, each a Kubernetes quantity.
    pub fn resources(text: &str) -> Result<std::collections::BTreeMap<String, String>, String> {
        let mut out = std::collections::BTreeMap::new();
        for part in text.split(',').map(str::trim).filter(|part| !part.is_empty()) {
            let Some((name, quantity)) = part.split_once('=') else {
                return Err(format!("`{part}`: expected NAME=QUANTITY (cpu=500m,memory=256Mi)"));
            };
            let (name, quantity) = (name.trim(), quantity.trim());
            if !matches!(name, "cpu" | "memory") {
                return Err(format!("`{name}`: only cpu and memory are set"));
            }
            if !is_quantity(quantity) {
                return Err(format!("`{quantity}`: not a Kubernetes quantity (500m, 1, 256Mi, 1G)"));
            }
            out.insert(name.to_string(), quantity.to_string());
        }
        if out.is_empty() {
            return Err("no cpu or memory given".to_string());
        }
        Ok(out)
    }
}

/// A Kubernetes quantity: a decimal number and an optional suffix (`m`, `k`, `Mi`, `G`, `e3`).
fn is_quantity(text: &str) -> bool {
    let number_end = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, suffix) = text.split_at(number_end);
    let numeric = !number.is_empty() && number != "." && number.matches('.').count() <= 1;
    let suffixes = [
        "", "m", "k", "M", "G", "T", "P", "E", "Ki", "Mi", "Gi", "Ti", "Pi", "Ei",
    ];
    let exponent = suffix
        .strip_prefix(['e', 'E'])
        .is_some_and(|digits| !digits.is_empty() && digits.chars().all(|c| c.is_ascii_digit()));
    numeric && (suffixes.contains(&suffix) || exponent)
}

/// The value to write where `kind` (`limits`, `requests`) of a container's resources are
/// missing, from the user's `given` quantities: `{cpu: 500m, memory: 256Mi}` for the whole
/// `resources.<kind>`, the one quantity for `resources.<kind>.cpu` or `.memory`.
pub fn resources_value(field: &str, kind: &str, given: &std::collections::BTreeMap<String, String>) -> Option<String> {
    let tail = field.rsplit_once(&format!("resources.{kind}"))?.1;
    match tail.strip_prefix('.') {
        Some(name) => given.get(name).cloned(),
        None if tail.is_empty() => {
            let both = ["cpu", "memory"].iter().all(|name| given.contains_key(*name));
            both.then(|| format!("{{cpu: {}, memory: {}}}", given["cpu"], given["memory"]))
        }
        None => None,
    }
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
        FixContext {
            bound_accounts,
            inputs: FixInputs::default(),
        }
    }
}

/// A rule's fix.
pub struct Fix {
    pub rule: &'static str,
    /// The safety at best (what `rampart explain` shows); a proposal may be less safe.
    pub safety: FixSafety,
    /// For the finding's container (or the pod itself when the finding names none) and its
    /// field.
    pub propose: fn(&PodSpec<'_>, Option<&Container<'_>>, &str, &FixContext) -> Proposal,
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
    &crate::rules::runtime::no_probe_host_override::FIX,
    &crate::rules::runtime::no_host_port::FIX,
    &crate::rules::runtime::no_host_network::FIX,
    &crate::rules::runtime::no_host_pid::FIX,
    &crate::rules::runtime::no_host_ipc::FIX,
    &crate::rules::runtime::no_privileged::FIX,
    &crate::rules::runtime::run_as_user_not_zero::FIX,
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
    field: &str,
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
    (fix.propose)(&pod, found, field, context)
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
        proposals_for(rule, text, "")
    }

    fn proposals_for(rule: &str, text: &str, field: &str) -> Vec<(String, Proposal)> {
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
                    propose(
                        fix,
                        object,
                        &kinds,
                        Some(&container.name),
                        field,
                        &FixContext::default(),
                    ),
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
        assert!(fix_for("no-host-path").is_none());
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
        let bound = propose(fix, &loaded.objects[0], &kinds, None, "", &context);
        assert_eq!(bound, Proposal::set(FixSafety::Unsafe, "false"));
        let unbound = propose(fix, &loaded.objects[0], &kinds, None, "", &FixContext::default());
        assert_eq!(unbound, Proposal::set(FixSafety::Safe, "false"));
    }

    #[test]
    fn a_probe_host_is_removed_safely_only_where_its_port_listens_in_the_pod() {
        let pod = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: a\n    ports: [{containerPort: 8080, name: http}]\n    livenessProbe: {httpGet: {host: 10.0.0.1, port: http}}\n    readinessProbe: {tcpSocket: {host: 10.0.0.1, port: 22}}\n";
        let field = |handler: &str| format!("spec.containers[0].{handler}.host");
        let named = proposals_for("no-probe-host-override", pod, &field("livenessProbe.httpGet"));
        assert_eq!(named[0].1, Proposal::remove(FixSafety::Safe));
        let elsewhere = proposals_for("no-probe-host-override", pod, &field("readinessProbe.tcpSocket"));
        assert_eq!(elsewhere[0].1, Proposal::remove(FixSafety::Unsafe));
        let numbered = pod.replace("port: http", "port: 8080");
        let numbered = proposals_for("no-probe-host-override", &numbered, &field("livenessProbe.httpGet"));
        assert_eq!(numbered[0].1, Proposal::remove(FixSafety::Safe));
        assert_eq!(proposals("no-host-port", POD)[0].1, Proposal::remove(FixSafety::Unsafe));
        assert_eq!(
            proposals("no-privileged", POD)[2].1,
            Proposal::set(FixSafety::Unsafe, "false")
        );
    }

    #[test]
    fn values_given_by_the_user_fill_the_fixes_that_need_them() {
        let limits = FixInputs::resources("cpu=500m, memory=256Mi").unwrap();
        assert_eq!(
            resources_value("spec.containers[0].resources.limits", "limits", &limits).as_deref(),
            Some("{cpu: 500m, memory: 256Mi}")
        );
        assert_eq!(
            resources_value("spec.containers[0].resources.limits.memory", "limits", &limits).as_deref(),
            Some("256Mi")
        );
        let memory_only = FixInputs::resources("memory=1Gi").unwrap();
        assert_eq!(resources_value("x.resources.limits", "limits", &memory_only), None);
        assert_eq!(
            resources_value("x.resources.limits.memory", "limits", &memory_only).as_deref(),
            Some("1Gi")
        );
        for bad in ["cpu", "disk=1", "cpu=lots", "cpu=1.2.3", "", "memory=Mi"] {
            assert!(FixInputs::resources(bad).is_err(), "{bad}");
        }
        for good in [
            "cpu=1",
            "cpu=0.5",
            "cpu=250m",
            "memory=1e9",
            "memory=128974848",
            "memory=1Ei",
        ] {
            assert!(FixInputs::resources(good).is_ok(), "{good}");
        }
        let root = "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - {name: a, securityContext: {runAsUser: 0}}\n";
        let loaded = load_bytes("root.yaml", root.as_bytes(), &LoadOptions::default());
        let kinds = WorkloadKinds::default();
        let fix = fix_for("run-as-user-not-zero").unwrap();
        let field = "spec.containers[0].securityContext.runAsUser";
        let without = propose(
            fix,
            &loaded.objects[0],
            &kinds,
            Some("a"),
            field,
            &FixContext::default(),
        );
        assert!(matches!(&without.action, Action::Manual(why) if why.contains("--run-as-user")));
        let context = FixContext {
            inputs: FixInputs {
                run_as_user: Some(10001),
                ..FixInputs::default()
            },
            ..FixContext::default()
        };
        let with = propose(fix, &loaded.objects[0], &kinds, Some("a"), field, &context);
        assert_eq!(with, Proposal::set(FixSafety::NeedsInput, "10001"));
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
