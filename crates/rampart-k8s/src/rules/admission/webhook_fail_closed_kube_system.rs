//! ## What it checks
//!
//! That no admission webhook (in a ValidatingWebhookConfiguration or a
//! MutatingWebhookConfiguration) both fails closed (`failurePolicy: Fail`,
//! which is the default of `admissionregistration.k8s.io/v1`) and covers
//! the creation of pods in `kube-system`: its rules name `pods` (or `*`)
//! for CREATE, and its `namespaceSelector` matches that namespace, judged
//! by the label every namespace carries (`kubernetes.io/metadata.name`).
//!
//! ## Why it matters
//!
//! When such a webhook is down (its pods evicted, its certificate expired,
//! its node gone), the API server rejects every request it covers,
//! including those that would bring it back: the pods of `kube-system`
//! (DNS, the CNI, the webhook's own dependencies) cannot be recreated.
//! Outages from fail-closed webhooks are the most reported complaint about
//! Kyverno and Gatekeeper.
//!
//! ## How to fix
//!
//! Exclude `kube-system` (and the webhook's own namespace) with a
//! `namespaceSelector`, or set `failurePolicy: Ignore` and run enough
//! replicas with a PodDisruptionBudget.
//!
//! ## Example
//!
//! ```yaml
//! namespaceSelector:
//!   matchExpressions:
//!     - key: kubernetes.io/metadata.name
//!       operator: NotIn
//!       values: [kube-system, kube-node-lease]
//! ```
//!
//! ## Fix safety
//!
//! Excluding kube-system stops judging what is created there; keep who may
//! write to it few.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "webhook-fail-closed-kube-system",
        title: "Fail-closed admission webhooks must leave kube-system out",
        severity: Severity::High,
        controls: &[Control::Admission],
        pss: None,
        references: &[],
        fix: "Exclude kube-system with a namespaceSelector on `kubernetes.io/metadata.name`, or set `failurePolicy: Ignore`.",
    },
    check: Check::Object(Subjects::Kinds(WEBHOOK_CONFIGURATIONS), check),
};

/// The webhook configurations.
const WEBHOOK_CONFIGURATIONS: &[(&str, &str)] = &[
    ("admissionregistration.k8s.io", "ValidatingWebhookConfiguration"),
    ("admissionregistration.k8s.io", "MutatingWebhookConfiguration"),
];

/// The labels kube-system carries everywhere.
const KUBE_SYSTEM: &[(&str, &str)] = &[("kubernetes.io/metadata.name", "kube-system")];

fn label(key: &str) -> Option<&'static str> {
    KUBE_SYSTEM
        .iter()
        .find(|(name, _)| *name == key)
        .map(|(_, value)| *value)
}

/// Whether the webhook's rules cover creating pods.
pub(crate) fn covers_pod_creation(webhook: &Node) -> bool {
    let named = |rule: &Node, field: &str, wanted: &[&str]| {
        rule.get(field).is_some_and(|list| {
            list.as_seq()
                .iter()
                .filter_map(Node::as_str)
                .any(|item| wanted.contains(&item))
        })
    };
    webhook.get("rules").is_some_and(|rules| {
        rules.as_seq().iter().any(|rule| {
            named(rule, "apiGroups", &["", "*"])
                && named(rule, "resources", &["pods", "*", "*/*"])
                && named(rule, "operations", &["CREATE", "*"])
        })
    })
}

/// Whether a label selector matches kube-system (no selector matches all).
fn selects_kube_system(selector: Option<&Node>) -> bool {
    let Some(selector) = selector.filter(|selector| !selector.is_null()) else {
        return true;
    };
    let labels_match = selector
        .get("matchLabels")
        .map(|labels| {
            labels
                .entries()
                .iter()
                .all(|entry| label(&entry.key) == entry.value.as_str())
        })
        .unwrap_or(true);
    let expressions_match = selector
        .get("matchExpressions")
        .map(|expressions| {
            expressions.as_seq().iter().all(|expression| {
                let key = expression.get("key").and_then(Node::as_str).unwrap_or("");
                let values: Vec<&str> = expression
                    .get("values")
                    .map(|values| values.as_seq().iter().filter_map(Node::as_str).collect())
                    .unwrap_or_default();
                let value = label(key);
                match expression.get("operator").and_then(Node::as_str) {
                    Some("In") => value.is_some_and(|value| values.contains(&value)),
                    Some("NotIn") => !value.is_some_and(|value| values.contains(&value)),
                    Some("Exists") => value.is_some(),
                    Some("DoesNotExist") => value.is_none(),
                    // An operator the API server would refuse.
                    _ => false,
                }
            })
        })
        .unwrap_or(true);
    labels_match && expressions_match
}

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.group() != "admissionregistration.k8s.io" || !object.kind.ends_with("WebhookConfiguration") {
        return;
    }
    // v1beta1 defaulted to Ignore; v1 defaults to Fail.
    let default_fails = !object.api_version.ends_with("v1beta1");
    let Some(webhooks) = object.root.get("webhooks") else {
        return;
    };
    for (index, webhook) in webhooks.as_seq().iter().enumerate() {
        let policy = webhook.get("failurePolicy");
        let fails = match policy.and_then(Node::as_str) {
            Some(policy) => policy == "Fail",
            None => default_fails,
        };
        if !fails || !covers_pod_creation(webhook) || !selects_kube_system(webhook.get("namespaceSelector")) {
            continue;
        }
        let name = webhook.get("name").and_then(Node::as_str).unwrap_or("?");
        let how = if policy.is_some() {
            "`failurePolicy: Fail`"
        } else {
            "the default failurePolicy (Fail)"
        };
        let (pos, field) = match policy {
            Some(node) => (node.pos, format!("webhooks[{index}].failurePolicy")),
            None => (webhook.pos, format!("webhooks[{index}].namespaceSelector")),
        };
        out.report(
            pos,
            field,
            None,
            format!(
                "webhook `{name}` of {} `{}` fails closed ({how}) and covers kube-system: while it is down, kube-system's pods cannot be recreated",
                object.kind, object.name
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn configuration(webhooks: &str) -> String {
        format!(
            "apiVersion: admissionregistration.k8s.io/v1\nkind: ValidatingWebhookConfiguration\nmetadata: {{name: policy}}\nwebhooks:\n{webhooks}"
        )
    }

    #[test]
    fn fires_on_fail_closed_webhooks_that_cover_kube_system() {
        let findings = run(
            &super::RULE,
            &configuration(
                "- name: explicit.example.com\n  failurePolicy: Fail\n  rules: [{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE, UPDATE], resources: [pods]}]\n- name: default.example.com\n  rules: [{apiGroups: [\"*\"], apiVersions: [\"*\"], operations: [\"*\"], resources: [\"*\"]}]\n  namespaceSelector:\n    matchExpressions:\n    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kyverno]}\n- name: labelled.example.com\n  failurePolicy: Fail\n  rules: [{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}]\n  namespaceSelector:\n    matchExpressions:\n    - {key: policy.example.com/skip, operator: DoesNotExist}\n",
            ),
        );
        assert_findings(
            &findings,
            &[
                (6, "webhooks[0].failurePolicy"),
                (8, "webhooks[1].namespaceSelector"),
                (14, "webhooks[2].failurePolicy"),
            ],
        );
        assert!(findings[1].message.contains("the default failurePolicy (Fail)"));
    }

    #[test]
    fn quiet_when_ignoring_failures_or_leaving_kube_system_out() {
        assert_quiet(
            &super::RULE,
            &configuration(
                "- name: ignore.example.com\n  failurePolicy: Ignore\n  rules: [{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}]\n- name: ingresses.example.com\n  failurePolicy: Fail\n  rules: [{apiGroups: [networking.k8s.io], apiVersions: [v1], operations: [CREATE], resources: [ingresses]}]\n- name: excluded.example.com\n  failurePolicy: Fail\n  rules: [{apiGroups: [\"\"], apiVersions: [v1], operations: [CREATE], resources: [pods]}]\n  namespaceSelector:\n    matchExpressions:\n    - {key: kubernetes.io/metadata.name, operator: NotIn, values: [kube-system, kube-node-lease]}\n- name: opt-in.example.com\n  failurePolicy: Fail\n  namespaceSelector:\n    matchLabels: {policy.example.com/enforce: \"true\"}\n",
            ),
        );
        // v1beta1 defaulted to Ignore.
        assert_quiet(
            &super::RULE,
            "apiVersion: admissionregistration.k8s.io/v1beta1\nkind: MutatingWebhookConfiguration\nmetadata: {name: old}\nwebhooks:\n- name: old.example.com\n  rules: [{apiGroups: [\"\"], apiVersions: [v1beta1], operations: [CREATE], resources: [pods]}]\n",
        );
    }
}
