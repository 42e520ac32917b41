//! ## What it checks
//!
//! That an audit `Policy` (the file kube-apiserver's `--audit-policy-file`
//! names) does not log Secrets' bodies: the first rule that applies to
//! `secrets` (rules are matched in order) must log them at `Metadata` or
//! `None`, never `Request` or `RequestResponse`. A rule restricted to some
//! users, verbs or namespaces that logs bodies is reported too, when it
//! comes before the rule that covers Secrets for everyone.
//!
//! ## Why it matters
//!
//! At `Request` or `RequestResponse` the log holds every Secret written or
//! read, in clear text, in a file (or a SIEM) read by many more people
//! than may read Secrets.
//!
//! ## How to fix
//!
//! Put a rule for Secrets (and ConfigMaps, tokens) at `Metadata` first.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: audit.k8s.io/v1
//! kind: Policy
//! rules:
//!   - level: Metadata
//!     resources: [{group: "", resources: [secrets, configmaps, serviceaccounts/token]}]
//!   - level: RequestResponse
//!     resources: [{group: rbac.authorization.k8s.io}]
//! ```
//!
//! ## Fix safety
//!
//! Safe: the log keeps who touched which Secret, not its value.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-policy-secrets",
        title: "The audit policy must not log Secrets' values",
        severity: Severity::High,
        controls: &[Control::Secrets, Control::Detection],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "3.2.2",
        }],
        fix: "Log `secrets` at `Metadata` in a rule placed before any that logs request bodies.",
    },
    check: Check::Object(Subjects::Kinds(AUDIT_POLICIES), check),
};

const AUDIT_POLICIES: &[(&str, &str)] = &[("audit.k8s.io", "Policy")];

/// Whether an audit rule can apply to Secrets (no `resources` means every
/// resource; `nonResourceURLs` only means none).
fn applies_to_secrets(rule: &Node) -> bool {
    let Some(resources) = rule.get("resources") else {
        return rule.get("nonResourceURLs").is_none();
    };
    resources.as_seq().iter().any(|group| {
        let core = group
            .get("group")
            .and_then(Node::as_str)
            .is_none_or(|name| name.is_empty() || name == "*");
        let names = group.get("resources").map(Node::as_seq).unwrap_or_default();
        core && (names.is_empty()
            || names
                .iter()
                .filter_map(Node::as_str)
                .any(|name| matches!(name, "secrets" | "*" | "*/*")))
    })
}

/// Whether a rule is limited to some requests.
fn is_narrowed(rule: &Node) -> bool {
    ["users", "userGroups", "verbs", "namespaces"]
        .iter()
        .any(|key| rule.get(key).is_some_and(|list| !list.as_seq().is_empty()))
}

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.group() != "audit.k8s.io" || object.kind != "Policy" {
        return;
    }
    let rules = object.root.get("rules").map(Node::as_seq).unwrap_or_default();
    for (index, rule) in rules.iter().enumerate() {
        if !applies_to_secrets(rule) {
            continue;
        }
        let level = rule.get("level");
        if let Some(node) = level
            && let Some(name @ ("Request" | "RequestResponse")) = node.as_str()
        {
            out.report(
                node.pos,
                format!("rules[{index}].level"),
                None,
                format!("audit rule {index} logs Secrets at `{name}`, their values included"),
            );
        }
        if !is_narrowed(rule) {
            // Every later rule is shadowed for Secrets.
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const HEAD: &str = "apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n";

    #[test]
    fn fires_on_a_catch_all_or_secret_rule_that_logs_bodies() {
        let findings = run(&super::RULE, &format!("{HEAD}- level: RequestResponse\n"));
        assert_findings(&findings, &[(4, "rules[0].level")]);
        let findings = run(
            &super::RULE,
            &format!(
                "{HEAD}- level: Request\n  users: [admin]\n  resources: [{{group: \"\", resources: [secrets]}}]\n- level: Metadata\n"
            ),
        );
        assert_findings(&findings, &[(4, "rules[0].level")]);
    }

    #[test]
    fn quiet_when_metadata_comes_first() {
        assert_quiet(
            &super::RULE,
            &format!(
                "{HEAD}- level: Metadata\n  resources: [{{group: \"\", resources: [secrets, configmaps]}}]\n- level: RequestResponse\n- level: Request\n  nonResourceURLs: [/api*]\n"
            ),
        );
    }
}
