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
        for (key, values) in [
            ("verbs", &rule.verbs),
            ("resources", &rule.resources),
            ("apiGroups", &rule.api_groups),
        ] {
            if values.iter().any(|v| v == "*") {
                let field_node = node.get(key).unwrap_or(node);
                out.report(
                    field_node.pos,
                    format!("rules[{}].{key}", rule.index),
                    None,
                    format!("{} `{}` rule {} grants `*` {key}", object.kind, object.name, rule.index),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_per_wildcard_field() {
        let findings = run(
            &super::RULE,
            "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRole\nmetadata: {name: r}\nrules:\n- apiGroups: [\"*\"]\n  resources: [\"*\"]\n  verbs: [get]\n- apiGroups: [apps]\n  resources: [deployments]\n  verbs: [\"*\"]\n",
        );
        assert_findings(
            &findings,
            &[
                (5, "rules[0].apiGroups"),
                (6, "rules[0].resources"),
                (10, "rules[1].verbs"),
            ],
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
