//! ## What it checks
//!
//! That an audit `Policy` records, at `Metadata` or more, the requests an
//! investigation needs: `kubectl exec`, `attach` and `port-forward` into a
//! pod (`create` on `pods/exec`, `pods/attach`, `pods/portforward`) and
//! every change to RBAC (`create`, `update`, `patch`, `delete` on Roles,
//! ClusterRoles and their bindings). The policy's rules are read in order
//! as the API server reads them: the first rule that matches such a request
//! from any user in any namespace decides its level (rules limited to some
//! users, groups or namespaces do not), and a request no rule matches is
//! not logged.
//!
//! ## Why it matters
//!
//! "Log admin actions": an exec into a pod is how an attacker (or an
//! operator in a hurry) reads a workload's secrets and changes it at run
//! time, and a new binding is how they keep access. A policy that drops
//! them, often through a catch-all `level: None` placed early to cut
//! volume, leaves the audit log silent about exactly those events, and
//! `rampart audit-log` has nothing to detect.
//!
//! ## How to fix
//!
//! Put rules that log them before any catch-all `None`.
//!
//! ## Example
//!
//! ```yaml
//! rules:
//!   - level: Metadata
//!     resources: [{group: "", resources: [pods/exec, pods/attach, pods/portforward]}]
//!   - level: RequestResponse
//!     resources: [{group: rbac.authorization.k8s.io}]
//!   - level: None
//! ```
//!
//! ## Fix safety
//!
//! More events reach the audit log's destination; exec and RBAC changes
//! are rare next to reads, so the volume barely moves.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-policy-coverage",
        title: "The audit policy records exec and RBAC changes",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "3.2.2",
        }],
        fix: "Log pods/exec, pods/attach, pods/portforward and RBAC writes at Metadata or more, before any `level: None` rule.",
    },
    check: Check::Object(Subjects::Kinds(&[("audit.k8s.io", "Policy")]), check),
};

/// A request the policy must record: (what it is, verb, group, resource).
const RECORDED: &[(&str, &str, &str, &str)] = &[
    ("exec into a pod", "create", "", "pods/exec"),
    ("attach to a pod", "create", "", "pods/attach"),
    ("port-forward to a pod", "create", "", "pods/portforward"),
    (
        "a new ClusterRoleBinding",
        "create",
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
    ),
    (
        "a new RoleBinding",
        "create",
        "rbac.authorization.k8s.io",
        "rolebindings",
    ),
    (
        "a changed ClusterRole",
        "update",
        "rbac.authorization.k8s.io",
        "clusterroles",
    ),
    ("a changed Role", "patch", "rbac.authorization.k8s.io", "roles"),
    (
        "a deleted ClusterRoleBinding",
        "delete",
        "rbac.authorization.k8s.io",
        "clusterrolebindings",
    ),
];

/// Whether a `resources` entry's name covers `resource` (`pods/exec`):
/// `*` all, `pods/*` every subresource of pods, `*/exec` every exec.
fn names(pattern: &str, resource: &str) -> bool {
    if pattern == "*" || pattern == resource {
        return true;
    }
    let (base, sub) = resource.split_once('/').unwrap_or((resource, ""));
    match pattern.split_once('/') {
        Some((pattern_base, "*")) => !sub.is_empty() && pattern_base == base,
        Some(("*", pattern_sub)) => pattern_sub == sub,
        _ => false,
    }
}

/// Whether the rule matches the request from any user in any namespace.
fn matches(rule: &Node, verb: &str, group: &str, resource: &str) -> bool {
    let listed = |key: &str| rule.get(key).map(Node::as_seq).filter(|list| !list.is_empty());
    if listed("users").is_some() || listed("userGroups").is_some() || listed("namespaces").is_some() {
        return false;
    }
    if let Some(verbs) = listed("verbs")
        && !verbs.iter().filter_map(Node::as_str).any(|v| v == verb || v == "*")
    {
        return false;
    }
    let Some(resources) = listed("resources") else {
        // No resources: every resource, unless it names URLs only.
        return rule.get("nonResourceURLs").is_none();
    };
    resources.iter().any(|entry| {
        let group_matches = entry
            .get("group")
            .and_then(Node::as_str)
            .map_or(group.is_empty(), |g| g == group || g == "*");
        let names_listed = entry.get("resources").map(Node::as_seq).unwrap_or_default();
        group_matches
            && (names_listed.is_empty()
                || names_listed
                    .iter()
                    .filter_map(Node::as_str)
                    .any(|pattern| names(pattern, resource)))
    })
}

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.group() != "audit.k8s.io" || object.kind != "Policy" {
        return;
    }
    let rules = object.root.get("rules").map(Node::as_seq).unwrap_or_default();
    for (what, verb, group, resource) in RECORDED {
        let deciding = rules
            .iter()
            .enumerate()
            .find(|(_, rule)| matches(rule, verb, group, resource));
        match deciding {
            Some((index, rule)) => {
                let level = rule.get("level");
                if level.and_then(Node::as_str) == Some("None") {
                    let pos = level.map_or(rule.pos, |level| level.pos);
                    out.report(
                        pos,
                        format!("rules[{index}].level"),
                        None,
                        format!("audit rule {index} drops {what} (`{verb}` on `{resource}`): `level: None`"),
                    );
                }
            }
            None => out.report(
                object.root.get("rules").map_or(object.root.pos, |rules| rules.pos),
                "rules".to_string(),
                None,
                format!("no audit rule matches {what} (`{verb}` on `{resource}`), so it is not logged"),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const HEAD: &str = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n";

    #[test]
    fn fires_when_an_early_none_or_no_rule_drops_exec_and_rbac() {
        let findings = run(
            &super::RULE,
            &format!(
                "{HEAD}- level: None\n  resources: [{{group: \"\", resources: [\"pods/*\"]}}]\n- level: Metadata\n  resources: [{{group: apps}}]\n"
            ),
        );
        let fields: Vec<&str> = findings.iter().map(|f| f.field.as_str()).collect();
        // In line order: the missing RBAC rules at `rules`, the dropped
        // pod subresources at the `None` rule's level.
        assert_eq!(
            fields,
            [
                "rules",
                "rules",
                "rules",
                "rules",
                "rules",
                "rules[0].level",
                "rules[0].level",
                "rules[0].level"
            ]
        );
        assert_eq!((findings[0].location.line, findings[5].location.line), (3, 4));
        assert!(
            findings
                .iter()
                .any(|f| f.message == "audit rule 0 drops exec into a pod (`create` on `pods/exec`): `level: None`")
        );
        assert!(
            findings
                .iter()
                .any(|f| f.message.starts_with("no audit rule matches a new ClusterRoleBinding"))
        );
    }

    #[test]
    fn quiet_when_logged_before_the_catch_all() {
        assert_quiet(
            &super::RULE,
            &format!(
                "{HEAD}- level: None\n  users: [system:kube-proxy]\n- level: None\n  namespaces: [kube-system]\n  verbs: [get]\n- level: Metadata\n  resources: [{{group: \"\", resources: [\"*/exec\", pods/attach, pods/portforward]}}]\n- level: RequestResponse\n  resources: [{{group: rbac.authorization.k8s.io}}]\n- level: None\n"
            ),
        );
        // A catch-all that logs everything is enough.
        assert_quiet(&super::RULE, &format!("{HEAD}- level: Metadata\n"));
    }

    #[test]
    fn resource_patterns_follow_the_api_server() {
        assert!(super::names("pods/*", "pods/exec"));
        assert!(super::names("*/exec", "pods/exec"));
        assert!(super::names("*", "pods/exec"));
        assert!(!super::names("pods", "pods/exec"));
        assert!(!super::names("pods/*", "pods"));
        assert!(!super::names("*/log", "pods/exec"));
    }
}
