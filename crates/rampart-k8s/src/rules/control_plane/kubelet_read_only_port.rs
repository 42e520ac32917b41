//! ## What it checks
//!
//! That a `KubeletConfiguration` does not open the read-only port
//! (`readOnlyPort` other than 0; CIS 4.2.4). The file's default is 0, so
//! only an explicit port is reported.
//!
//! ## Why it matters
//!
//! The read-only port (10255) serves pod specs, environment included, and
//! metrics without any authentication or authorization.
//!
//! ## How to fix
//!
//! Set `readOnlyPort: 0`; scrape metrics from the authenticated port
//! (10250) instead.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! readOnlyPort: 0
//! ```
//!
//! ## Fix safety
//!
//! Old monitoring agents that read 10255 stop getting data.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubelet-read-only-port",
        title: "The kubelet must not open its unauthenticated read-only port",
        severity: Severity::Medium,
        controls: &[Control::Network],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "4.2.4",
        }],
        fix: "Set `readOnlyPort: 0` in the KubeletConfiguration.",
    },
    check: Check::Object(Subjects::Kinds(super::KUBELET_CONFIGURATIONS), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !super::is_kubelet_configuration(object) {
        return;
    }
    let Some(port) = object.root.get("readOnlyPort") else {
        return;
    };
    if port.as_i64().is_some_and(|port| port != 0) {
        out.report(
            port.pos,
            "readOnlyPort".to_string(),
            None,
            format!(
                "the kubelet serves pods and metrics unauthenticated on port {}",
                port.as_i64().unwrap_or_default()
            ),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_an_open_port() {
        let findings = run(
            &super::RULE,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 10255\n",
        );
        assert_findings(&findings, &[(3, "readOnlyPort")]);
    }

    #[test]
    fn quiet_when_closed_or_defaulted() {
        assert_quiet(
            &super::RULE,
            "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\nreadOnlyPort: 0\n---\napiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n",
        );
    }
}
