//! ## What it checks
//!
//! Changes to what guards admission, let through, by an identity that is not one of
//! Kubernetes' own components:
//!
//! - a validating or mutating webhook configuration, a ValidatingAdmissionPolicy or its
//!   binding, created, changed or deleted (a patch that only rotates a webhook's
//!   `caBundle`, as cert-manager's injector does, is passed over);
//! - a namespace created with, or changed to, Pod Security `privileged`, or with a Pod
//!   Security label removed (`null` in a patch).
//!
//! ## Why it matters
//!
//! "An attacker turning the guards off": before starting a privileged pod, an intruder
//! with enough rights deletes the webhook that would refuse it, sets its failure policy to
//! `Ignore`, or relabels the namespace `privileged`. The change is the warning.
//!
//! ## How to fix
//!
//! Compare the change with the platform's reviewed manifests and revert it; find out who
//! made it and with which credential.
//!
//! ## Example
//!
//! ```text
//! audit.log:8: audit-admission-guard-changed: mallory deleted validatingwebhookconfigurations rampart
//! ```

use super::{Context, Hit, Rule, is_system_component, writes};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-admission-guard-changed",
        title: "An admission guard was changed or removed",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Compare the change with the reviewed manifests and revert it; find out who made it and with which credential.",
    },
    check,
    source: include_str!("admission_guard_changed.rs"),
    falco: &[],
    needs_request_object: false,
};

const GUARDS: &[&str] = &[
    "validatingwebhookconfigurations",
    "mutatingwebhookconfigurations",
    "validatingadmissionpolicies",
    "validatingadmissionpolicybindings",
];

/// Fields of a webhook that change what it guards; a patch naming none of them rotates a
/// certificate.
const WEBHOOK_FIELDS: &[&str] = &[
    "\"rules\"",
    "\"failurePolicy\"",
    "\"namespaceSelector\"",
    "\"objectSelector\"",
    "\"matchConditions\"",
    "\"matchPolicy\"",
    "\"sideEffects\"",
    "\"timeoutSeconds\"",
    "\"service\"",
    "\"url\"",
];

fn check(event: &Event<'_>, _context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let deletes = matches!(event.verb.as_str(), "delete" | "deletecollection");
    if !(writes(event) || deletes) || !event.succeeded() || event.subresource().is_some() {
        return;
    }
    if is_system_component(event) {
        return;
    }
    let resource = event.resource();
    if GUARDS.contains(&resource) {
        if event.verb.as_str() == "patch"
            && let Some(object) = event.request_object
            && object.get().contains("\"caBundle\"")
            && !WEBHOOK_FIELDS.iter().any(|field| object.get().contains(field))
        {
            return;
        }
        let done = match event.verb.as_str() {
            "create" => "created",
            "update" | "patch" => "changed",
            _ => "deleted",
        };
        out.push(Hit::new("verb", format!("{done} {}", event.describe_target())));
        return;
    }
    if resource != "namespaces" || deletes {
        return;
    }
    let Some(object) = event.request_json() else {
        return;
    };
    let Some(labels) = object["metadata"]["labels"].as_object() else {
        return;
    };
    for (key, value) in labels {
        let Some(mode) = key.strip_prefix("pod-security.kubernetes.io/") else {
            continue;
        };
        let field = format!("requestObject.metadata.labels.{key}");
        if value.is_null() {
            out.push(Hit::new(
                field,
                format!("removed the Pod Security label {key} from {}", event.describe_target()),
            ));
        } else if mode == "enforce" && value == "privileged" {
            out.push(Hit::new(
                field,
                format!("set Pod Security enforce to privileged on {}", event.describe_target()),
            ));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_deleted_webhook_and_a_namespace_turned_privileged() {
        let deleted = hits(
            &super::RULE,
            &event(
                "mallory",
                "delete",
                "validatingwebhookconfigurations",
                "rampart",
                200,
                "",
            ),
        );
        assert_eq!(deleted[0].message, "deleted validatingwebhookconfigurations rampart");
        let relabelled = event(
            "mallory",
            "patch",
            "namespaces",
            "shop",
            200,
            r#""requestObject":{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"privileged","pod-security.kubernetes.io/warn":null}}}"#,
        );
        let hits = super::super::testing::hits(&super::RULE, &relabelled);
        assert_eq!(
            fields(&hits),
            [
                "requestObject.metadata.labels.pod-security.kubernetes.io/enforce",
                "requestObject.metadata.labels.pod-security.kubernetes.io/warn"
            ]
        );
    }

    #[test]
    fn quiet_on_certificate_rotation_and_restricted_namespaces() {
        let rotation = event(
            "system:serviceaccount:cert-manager:cert-manager-cainjector",
            "patch",
            "validatingwebhookconfigurations",
            "rampart",
            200,
            r#""requestObject":{"webhooks":[{"name":"a","clientConfig":{"caBundle":"LS0t"}}]}"#,
        );
        assert!(hits(&super::RULE, &rotation).is_empty());
        let restricted = event(
            "alice",
            "create",
            "namespaces",
            "shop",
            201,
            r#""requestObject":{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"restricted"}}}"#,
        );
        assert!(hits(&super::RULE, &restricted).is_empty());
    }
}
