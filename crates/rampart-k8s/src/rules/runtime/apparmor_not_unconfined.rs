//! ## What it checks
//!
//! That AppArmor is not switched off: `appArmorProfile.type` (pod or
//! container) is `RuntimeDefault` or `Localhost` when set, and the legacy
//! annotation `container.apparmor.security.beta.kubernetes.io/<container>`
//! is `runtime/default` or `localhost/<profile>` when set.
//!
//! ## Why it matters
//!
//! On nodes with AppArmor, the runtime's default profile blocks writes to
//! `/proc` and `/sys`, mounts, and other escape routes. `Unconfined` removes
//! that layer; the Pod Security Standards baseline forbids it.
//!
//! ## How to fix
//!
//! Remove the override, or set `RuntimeDefault` (or your own `Localhost`
//! profile).
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   appArmorProfile:
//!     type: RuntimeDefault
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apparmor-not-unconfined",
        title: "AppArmor must not be disabled",
        severity: Severity::High,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "appArmorProfile",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0002",
            },
        ],
        fix: "Set `appArmorProfile.type: RuntimeDefault` (or a Localhost profile), or remove the override.",
    },
    check: Check::Pod(check),
};

pub const ANNOTATION_PREFIX: &str = "container.apparmor.security.beta.kubernetes.io/";

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(field) = pod.security_field("appArmorProfile.type")
        && !allowed_type(field.node)
    {
        let message = format!("pod sets AppArmor profile {}", describe(field.node));
        out.report(field.node.pos, field.path, None, message);
    }
    for container in pod.containers() {
        if let Some(field) = container.security_field("appArmorProfile.type")
            && !allowed_type(field.node)
        {
            let message = format!(
                "{} sets AppArmor profile {}",
                container.describe(),
                describe(field.node)
            );
            out.report(field.node.pos, field.path, Some(container), message);
        }
    }
    for entry in pod.annotations() {
        let Some(container) = entry.key.strip_prefix(ANNOTATION_PREFIX) else {
            continue;
        };
        let value = entry.value.as_str().unwrap_or("");
        if !(value.is_empty() || value == "runtime/default" || value.starts_with("localhost/")) {
            let message = format!("annotation sets AppArmor profile `{value}` for container `{container}`");
            let path = format!("{}.annotations.{}", pod.metadata_path, entry.key);
            out.report(entry.value.pos, path, None, message);
        }
    }
}

fn allowed_type(node: &Node) -> bool {
    matches!(node.as_str(), Some("RuntimeDefault" | "Localhost")) || node.is_null()
}

fn describe(node: &Node) -> String {
    node.scalar_text()
        .map(|t| format!("`{t}`"))
        .unwrap_or_else(|| "of an unknown type".to_string())
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_unconfined_fields_and_annotations() {
        let findings = run(
            &super::RULE,
            "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec:\n  template:\n    metadata:\n      annotations:\n        container.apparmor.security.beta.kubernetes.io/a: unconfined\n    spec:\n      securityContext:\n        appArmorProfile: {type: Unconfined}\n      containers:\n      - name: a\n        securityContext:\n          appArmorProfile:\n            type: Unconfined\n",
        );
        assert_findings(
            &findings,
            &[
                (
                    8,
                    "spec.template.metadata.annotations.container.apparmor.security.beta.kubernetes.io/a",
                ),
                (11, "spec.template.spec.securityContext.appArmorProfile.type"),
                (
                    16,
                    "spec.template.spec.containers[0].securityContext.appArmorProfile.type",
                ),
            ],
        );
    }

    #[test]
    fn quiet_for_runtime_default_and_localhost() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: p\n  annotations:\n    container.apparmor.security.beta.kubernetes.io/a: localhost/k8s-nginx\nspec:\n  securityContext: {appArmorProfile: {type: RuntimeDefault}}\n  containers:\n  - name: a\n    securityContext: {appArmorProfile: {type: Localhost, localhostProfile: x}}\n",
        );
    }
}
