//! ## What it checks
//!
//! That kube-apiserver runs the admission plugins the CIS benchmark names:
//! `NodeRestriction` enabled (1.2.15), `AlwaysAdmit` not enabled (1.2.9),
//! and neither `ServiceAccount` (1.2.12) nor `NamespaceLifecycle` (1.2.13)
//! disabled.
//!
//! ## Why it matters
//!
//! Without `NodeRestriction` a kubelet's credentials may edit any Node and
//! any pod, so one compromised node labels itself into every workload's
//! scheduling and reads what it should not. `AlwaysAdmit` lets everything
//! in. Disabling `ServiceAccount` drops the automatic service-account
//! checks on pods; disabling `NamespaceLifecycle` lets objects be created
//! in namespaces being deleted (or that do not exist).
//!
//! ## How to fix
//!
//! List `NodeRestriction` in `--enable-admission-plugins`, remove
//! `AlwaysAdmit` from it, and remove the other two from
//! `--disable-admission-plugins`.
//!
//! ## Example
//!
//! ```yaml
//! - --enable-admission-plugins=NodeRestriction
//! ```
//!
//! ## Fix safety
//!
//! `NodeRestriction` refuses kubelets' writes to other nodes' objects and
//! to `node-restriction.kubernetes.io/` labels: a node tool that relies on
//! them must use its own identity.

use super::super::prelude::*;
use super::component;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-admission-plugins",
        title: "kube-apiserver runs the admission plugins it needs",
        severity: Severity::High,
        controls: &[Control::Admission],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.2.15",
            },
            Reference {
                source: "CIS",
                id: "1.2.9",
            },
        ],
        fix: "Enable NodeRestriction, never AlwaysAdmit; do not disable ServiceAccount or NamespaceLifecycle.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

/// On by default; disabling them is a finding.
const NEEDED_DEFAULTS: &[&str] = &["ServiceAccount", "NamespaceLifecycle", "NodeRestriction"];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(apiserver) = component(object, "kube-apiserver") else {
        return;
    };
    let listed = |flag: &str| -> Vec<&str> {
        apiserver
            .get(flag)
            .and_then(|flag| flag.value)
            .map(|value| value.split(',').map(str::trim).collect())
            .unwrap_or_default()
    };
    let enabled = listed("enable-admission-plugins");
    let disabled = listed("disable-admission-plugins");
    match apiserver.get("enable-admission-plugins") {
        Some(flag) if enabled.contains(&"AlwaysAdmit") => out.report(
            flag.pos,
            flag.field.clone(),
            None,
            "kube-apiserver enables `AlwaysAdmit`, which admits every request".to_string(),
        ),
        _ => {}
    }
    if !enabled.contains(&"NodeRestriction") {
        let (pos, field) = apiserver
            .get("enable-admission-plugins")
            .map_or((apiserver.anchor, apiserver.anchor_field.clone()), |flag| {
                (flag.pos, flag.field.clone())
            });
        out.report(
            pos,
            field,
            None,
            "kube-apiserver does not enable `NodeRestriction`: a node's credentials may change any Node and pod"
                .to_string(),
        );
    }
    if let Some(flag) = apiserver.get("disable-admission-plugins") {
        for plugin in NEEDED_DEFAULTS.iter().filter(|plugin| disabled.contains(plugin)) {
            out.report(
                flag.pos,
                flag.field.clone(),
                None,
                format!("kube-apiserver disables the `{plugin}` admission plugin"),
            );
        }
    }
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
    fn fires_on_always_admit_a_missing_node_restriction_and_disabled_defaults() {
        let findings = run(
            &super::RULE,
            &apiserver(
                "    - --enable-admission-plugins=AlwaysAdmit\n    - --disable-admission-plugins=ServiceAccount,NamespaceLifecycle\n",
            ),
        );
        assert_findings(
            &findings,
            &[
                (9, "spec.containers[0].command[1]"),
                (9, "spec.containers[0].command[1]"),
                (10, "spec.containers[0].command[2]"),
                (10, "spec.containers[0].command[2]"),
            ],
        );
        assert!(findings[1].message.contains("`NodeRestriction`"));
        assert!(findings[3].message.contains("`NamespaceLifecycle`"));
        let bare = run(&super::RULE, &apiserver(""));
        assert_findings(&bare, &[(7, "spec.containers[0].command")]);
    }

    #[test]
    fn quiet_with_node_restriction() {
        assert_quiet(
            &super::RULE,
            &apiserver(
                "    - --enable-admission-plugins=NodeRestriction,PodSecurity\n    - --disable-admission-plugins=DefaultStorageClass\n",
            ),
        );
    }
}
