//! ## What it checks
//!
//! That no break-glass binding (labelled `rampart.dev/breakglass`, or named
//! `rampart-breakglass-...`, as `rampart breakglass grant` makes them) is past
//! its expiry (`rampart.dev/breakglass-expires`), and that every one has an
//! expiry, a reason and a requester.
//!
//! ## Why it matters
//!
//! Break-glass access is emergency access: cluster-admin for an incident,
//! granted fast. Kubernetes has no expiring binding, so one that outlives its
//! incident is a standing admin grant nobody decided on. The articles ask for
//! an emergency procedure "tightly controlled and heavily logged".
//!
//! ## How to fix
//!
//! `rampart breakglass revoke NAME` (or delete the binding). If the emergency
//! still runs, grant again with a new expiry and reason: the record shows both.
//!
//! ## Example
//!
//! ```yaml
//! metadata:
//!   name: rampart-breakglass-alice-202612050930
//!   labels: {rampart.dev/breakglass: "true"}
//!   annotations:
//!     rampart.dev/breakglass-expires: "2026-12-05T09:30:00Z"
//!     rampart.dev/breakglass-reason: "INC-42: database failover"
//!     rampart.dev/breakglass-requester: alice
//! ```

use super::super::prelude::*;
use super::is_binding;
use rampart_core::breakglass;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "rbac-breakglass-expired",
        title: "Break-glass bindings must not outlive their expiry",
        severity: Severity::Critical,
        controls: &[Control::Rbac],
        pss: None,
        references: &[],
        fix: "Revoke it (`rampart breakglass revoke NAME`); grant again with a new expiry and reason if the emergency goes on.",
    },
    check: Check::Object(Subjects::Kinds(BINDINGS), check),
};

fn check(object: &Object, context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_binding(object) {
        return;
    }
    let metadata = object.root.get("metadata");
    let labelled = metadata
        .and_then(|metadata| metadata.get("labels"))
        .and_then(|labels| labels.get(breakglass::LABEL))
        .is_some();
    if !labelled && !object.name.starts_with(breakglass::PREFIX) {
        return;
    }
    let annotation = |key: &str| {
        metadata
            .and_then(|metadata| metadata.get("annotations"))
            .and_then(|annotations| annotations.get(key))
    };
    let anchor = metadata.map_or(object.root.pos, |metadata| metadata.pos);
    let missing: Vec<&str> = [breakglass::EXPIRES, breakglass::REASON, breakglass::REQUESTER]
        .into_iter()
        .filter(|key| {
            annotation(key)
                .and_then(|node| node.scalar_text())
                .is_none_or(|text| text.trim().is_empty())
        })
        .collect();
    if !missing.is_empty() {
        out.report(
            anchor,
            "metadata.annotations".to_string(),
            None,
            format!(
                "break-glass {} `{}` lacks {}: nobody can tell when it ends, why, or for whom",
                object.kind,
                object.name,
                missing.join(", ")
            ),
        );
    }
    let Some(node) = annotation(breakglass::EXPIRES) else {
        // The name carries the expiry too.
        if let Some(expires) = breakglass::expiry_of_name(&object.name)
            && expires < context.config.now
        {
            out.report(
                anchor,
                "metadata.name".to_string(),
                None,
                format!(
                    "break-glass {} `{}` expired at {} by its name and still grants its role",
                    object.kind,
                    object.name,
                    rampart_core::rfc3339(expires)
                ),
            );
        }
        return;
    };
    let Some(text) = node.scalar_text() else {
        return;
    };
    let Some(expires) = rampart_core::unix_from_rfc3339(text.trim(), false) else {
        out.report(
            node.pos,
            format!("metadata.annotations.{}", breakglass::EXPIRES),
            None,
            format!(
                "break-glass {} `{}` has an expiry that is not an RFC 3339 time: `{text}`",
                object.kind, object.name
            ),
        );
        return;
    };
    if expires < context.config.now {
        let minutes = (context.config.now - expires) / 60;
        out.report(
            node.pos,
            format!("metadata.annotations.{}", breakglass::EXPIRES),
            None,
            format!(
                "break-glass {} `{}` expired at {} ({minutes} minutes ago) and still grants its role",
                object.kind,
                object.name,
                text.trim()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::ScanConfig;
    use crate::rule_testing::*;

    const BINDINGS: &str = "apiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: rampart-breakglass-alice-202612050930\n  labels: {rampart.dev/breakglass: \"true\"}\n  annotations:\n    rampart.dev/breakglass-expires: \"2026-12-05T09:30:00Z\"\n    rampart.dev/breakglass-reason: INC-42\n    rampart.dev/breakglass-requester: alice\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: alice}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: rampart-breakglass-bob-202612051200\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: User, name: bob}]\n---\napiVersion: rbac.authorization.k8s.io/v1\nkind: ClusterRoleBinding\nmetadata:\n  name: ops\nroleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: cluster-admin}\nsubjects: [{kind: Group, name: ops}]\n";

    fn at(time: &str) -> ScanConfig {
        ScanConfig {
            now: rampart_core::unix_from_rfc3339(time, false).unwrap(),
            ..ScanConfig::default()
        }
    }

    #[test]
    fn fires_after_the_expiry_and_on_a_binding_without_its_annotations() {
        let findings = run_with(&super::RULE, BINDINGS, &at("2026-12-05T10:00:00Z"));
        assert_findings(
            &findings,
            &[
                (7, "metadata.annotations.rampart.dev/breakglass-expires"),
                (15, "metadata.annotations"),
            ],
        );
        assert!(
            findings[0]
                .message
                .contains("expired at 2026-12-05T09:30:00Z (30 minutes ago)"),
            "{}",
            findings[0].message
        );
        assert!(
            findings[1]
                .message
                .contains("lacks rampart.dev/breakglass-expires, rampart.dev/breakglass-reason"),
            "{}",
            findings[1].message
        );
    }

    #[test]
    fn quiet_before_the_expiry_and_on_other_bindings() {
        let findings = run_with(&super::RULE, BINDINGS, &at("2026-12-05T09:00:00Z"));
        assert_findings(&findings, &[(15, "metadata.annotations")]);
        // Past the expiry its name carries, the unannotated one is expired too.
        let later = run_with(&super::RULE, BINDINGS, &at("2026-12-05T12:01:00Z"));
        assert_findings(
            &later,
            &[
                (7, "metadata.annotations.rampart.dev/breakglass-expires"),
                (15, "metadata.annotations"),
                (15, "metadata.name"),
            ],
        );
    }
}
