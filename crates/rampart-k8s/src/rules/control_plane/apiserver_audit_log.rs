//! ## What it checks
//!
//! That kube-apiserver writes an audit log: `--audit-log-path` or
//! `--audit-webhook-config-file` is set, with `--audit-policy-file` (CIS
//! 1.2.16–1.2.19; without a policy nothing is logged).
//!
//! ## Why it matters
//!
//! "Log admin actions": without the audit log there is no record of who
//! read a Secret, exec'd into a pod or granted cluster-admin, so neither
//! detection (`rampart audit-log`) nor an investigation has anything to
//! read.
//!
//! ## How to fix
//!
//! Give kube-apiserver an audit policy and a destination (a file rotated
//! by `--audit-log-maxage`/`--audit-log-maxbackup`/`--audit-log-maxsize`,
//! or a webhook to the SIEM).
//!
//! ## Example
//!
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --audit-policy-file=/etc/kubernetes/audit-policy.yaml
//!   - --audit-log-path=/var/log/kubernetes/audit.log
//!   - --audit-log-maxage=30
//! ```
//!
//! ## Fix safety
//!
//! A verbose policy costs disk and API latency: log Secrets at `Metadata`
//! only, and read-only requests sparingly.

use super::super::prelude::*;
use super::component;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-audit-log",
        title: "kube-apiserver must write an audit log",
        severity: Severity::Medium,
        controls: &[Control::Detection],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.2.16",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_91",
            },
        ],
        fix: "Set `--audit-policy-file` and `--audit-log-path` (or `--audit-webhook-config-file`) on kube-apiserver.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(apiserver) = component(object, "kube-apiserver") else {
        return;
    };
    let set = |name: &str| {
        apiserver
            .get(name)
            .is_some_and(|flag| flag.value.is_some_and(|v| !v.is_empty()))
    };
    let destination = set("audit-log-path") || set("audit-webhook-config-file");
    let message = match (destination, set("audit-policy-file")) {
        (true, true) => return,
        (false, _) => {
            "kube-apiserver writes no audit log (neither `--audit-log-path` nor `--audit-webhook-config-file` is set)"
        }
        (true, false) => "kube-apiserver has an audit destination but no `--audit-policy-file`, so nothing is logged",
    };
    out.report(
        apiserver.anchor,
        apiserver.anchor_field.clone(),
        None,
        message.to_string(),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn apiserver(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n{flags}"
        )
    }

    #[test]
    fn fires_without_a_destination_or_a_policy() {
        let findings = run(&super::RULE, &apiserver("    - --secure-port=6443\n"));
        assert_findings(&findings, &[(7, "spec.containers[0].command")]);
        let findings = run(&super::RULE, &apiserver("    - --audit-log-path=/var/log/audit.log\n"));
        assert!(findings[0].message.contains("no `--audit-policy-file`"));
    }

    #[test]
    fn quiet_with_a_policy_and_a_file_or_webhook() {
        assert_quiet(
            &super::RULE,
            &apiserver(
                "    - --audit-policy-file=/etc/kubernetes/audit.yaml\n    - --audit-log-path=/var/log/audit.log\n",
            ),
        );
        assert_quiet(
            &super::RULE,
            &apiserver(
                "    - --audit-policy-file=/etc/kubernetes/audit.yaml\n    - --audit-webhook-config-file=/etc/kubernetes/siem.yaml\n",
            ),
        );
    }
}
