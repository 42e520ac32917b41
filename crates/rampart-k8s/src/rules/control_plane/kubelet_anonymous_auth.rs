//! ## What it checks
//!
//! That a `KubeletConfiguration` does not turn anonymous requests on
//! (`authentication.anonymous.enabled: true`; CIS 4.2.1). The file's
//! default is off, so only an explicit `true` is reported.
//!
//! ## Why it matters
//!
//! The kubelet's API runs commands in containers, reads logs and lists
//! pods. Anonymous access to it hands that to anyone on the node network.
//!
//! ## How to fix
//!
//! Set `authentication.anonymous.enabled: false` and restart the kubelet.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! authentication:
//!   anonymous: {enabled: false}
//!   webhook: {enabled: true}
//! ```
//!
//! ## Fix safety
//!
//! Monitoring that scraped the kubelet anonymously needs credentials.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubelet-anonymous-auth",
        title: "The kubelet must refuse anonymous requests",
        severity: Severity::High,
        controls: &[Control::Rbac],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "4.2.1",
        }],
        fix: "Set `authentication.anonymous.enabled: false` in the KubeletConfiguration.",
    },
    check: Check::Object(Subjects::Kinds(super::KUBELET_CONFIGURATIONS), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !super::is_kubelet_configuration(object) {
        return;
    }
    let Some(enabled) = object.root.get_path("authentication.anonymous.enabled") else {
        return;
    };
    if enabled.as_bool() == Some(true) {
        out.report(
            enabled.pos,
            "authentication.anonymous.enabled".to_string(),
            None,
            "the kubelet accepts anonymous requests".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_when_turned_on() {
        let findings = run(
            &super::RULE,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: true\n",
        );
        assert_findings(&findings, &[(5, "authentication.anonymous.enabled")]);
    }

    #[test]
    fn quiet_when_off_or_defaulted() {
        assert_quiet(
            &super::RULE,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthentication:\n  anonymous:\n    enabled: false\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n",
        );
    }
}
