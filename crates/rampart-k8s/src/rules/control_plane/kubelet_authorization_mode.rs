//! ## What it checks
//!
//! That a `KubeletConfiguration` does not authorize every request
//! (`authorization.mode: AlwaysAllow`; CIS 4.2.2). The file's default is
//! `Webhook`, so only an explicit `AlwaysAllow` is reported.
//!
//! ## Why it matters
//!
//! With `AlwaysAllow`, any client the kubelet authenticates (any service
//! account token, any client certificate of the cluster's CA) may exec
//! into every container of the node.
//!
//! ## How to fix
//!
//! Set `authorization.mode: Webhook`, so the kubelet asks the API server
//! (and RBAC) about each request.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! authorization:
//!   mode: Webhook
//! ```
//!
//! ## Fix safety
//!
//! Clients need RBAC on `nodes/proxy` and the kubelet's subresources.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubelet-authorization-mode",
        title: "The kubelet must authorize requests through the API server",
        severity: Severity::Critical,
        controls: &[Control::Rbac],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "4.2.2",
        }],
        fix: "Set `authorization.mode: Webhook` in the KubeletConfiguration.",
    },
    check: Check::Object(Subjects::Kinds(super::KUBELET_CONFIGURATIONS), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !super::is_kubelet_configuration(object) {
        return;
    }
    let Some(mode) = object.root.get_path("authorization.mode") else {
        return;
    };
    if mode.as_str() == Some("AlwaysAllow") {
        out.report(
            mode.pos,
            "authorization.mode".to_string(),
            None,
            "the kubelet authorizes every authenticated request (`AlwaysAllow`)".to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_always_allow() {
        let findings = run(
            &super::RULE,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: AlwaysAllow\n",
        );
        assert_findings(&findings, &[(4, "authorization.mode")]);
    }

    #[test]
    fn quiet_with_webhook_or_defaulted() {
        assert_quiet(
            &super::RULE,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nauthorization:\n  mode: Webhook\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
        );
    }
}
