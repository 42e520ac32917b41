//! ## What it checks
//!
//! That no Role or ClusterRole rule uses `*` in `verbs`, `resources` or
//! `apiGroups`.
//!
//! ## Why it matters
//!
//! A wildcard grants everything that exists today and everything added
//! later: every new CRD, every subresource (`pods/exec`, `secrets`), every
//! new verb. It is how "read-only" roles end up able to escalate.
//!
//! ## How to fix
//!
//! List the groups, resources and verbs the workload uses. `kubectl auth
//! can-i --list --as=system:serviceaccount:NS:NAME` and the audit log show
//! what it actually calls.
//!
//! ## Example
//!
//! ```yaml
//! rules:
//!   - apiGroups: ["apps"]
//!     resources: ["deployments"]
//!     verbs: ["get", "list", "watch"]
//! ```

use super::super::prelude::*;
use super::{is_role, role_rules};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-wildcard",
        title: "Roles must not use wildcards",
        severity: Severity::High,
        controls: &[Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "5.1.3",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_49",
            },
            Reference {
                source: "kube-linter",
                id: "wildcard-in-rules",
            },
        ],
        fix: "List the API groups, resources and verbs the subject needs instead of `*`.",
    },
    check: Check::Object(Subjects::Kinds(ROLES), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_role(object) {
        return;
    }
    for (rule, node) in role_rules(object) {
        // One finding per rule entry, naming every wildcard field of it: a
        // `*/*/*` rule is one problem, not three.
        let wildcards: Vec<&str> = [
            ("apiGroups", &rule.api_groups),
            ("resources", &rule.resources),
            ("verbs", &rule.verbs),
        ]
        .into_iter()
        .filter(|(_, values)| values.iter().any(|v| v == "*"))
        .map(|(key, _)| key)
        .collect();
        let Some(first) = wildcards.first() else {
            continue;
        };
        let (pos, field) = match wildcards.as_slice() {
            [only] => (
                node.get(only).unwrap_or(node).pos,
                format!("rules[{}].{only}", rule.index),
            ),
            _ => (node.get(first).unwrap_or(node).pos, format!("rules[{}]", rule.index)),
        };
        out.report(
            pos,
            field,
            None,
            format!(
                "{} `{}` rule {} grants `*` {}",
                object.kind,
                object.name,
                rule.index,
                wildcards.join(" and ")
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_once_per_rule_entry_naming_every_wildcard() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [get]\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [\"*\"]\n- {apiGroups: [\"*\"], resources: [\"*\"], verbs: [\"*\"]}\n",
        );
        assert_findings(&findings, &[(5, "rules[0]"), (10, "rules[1].verbs"), (11, "rules[2]")]);
        assert!(findings[0].message.ends_with("grants `*` apiGroups and resources"));
        assert!(
            findings[2]
                .message
                .ends_with("grants `*` apiGroups and resources and verbs")
        );
    }

    #[test]
    fn quiet_for_explicit_rules() {
        assert_quiet(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: Role\nmetadata: {name: r, namespace: x}\nrules:\n- apiGroups: [\"\"]\n  resources: [configmaps]\n  verbs: [get, list]\n",
        );
    }
}
