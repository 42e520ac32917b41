//! ## What it checks
//!
//! That neither the pod nor any container sets
//! `securityContext.windowsOptions.hostProcess: true`.
//!
//! ## Why it matters
//!
//! A Windows HostProcess container runs directly on the node, as a node
//! process with the node's network and file system: it is the Windows
//! equivalent of a privileged container. The Pod Security Standards
//! baseline forbids it.
//!
//! ## How to fix
//!
//! Remove `hostProcess: true`. Node management on Windows belongs to a
//! dedicated, excepted namespace.
//!
//! ## Example
//!
//! ```yaml
//! securityContext:
//!   windowsOptions:
//!     runAsUserName: "ContainerUser"
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-windows-host-process",
        title: "Windows pods must not run as host processes",
        severity: Severity::Critical,
        controls: &[Control::Runtime],
        pss: Some(PssLevel::Baseline),
        references: &[
            Reference {
                source: "PSS",
                id: "windowsHostProcess",
            },
            Reference {
                source: "CIS",
                id: "5.2.11",
            },
            Reference {
                source: "Trivy",
                id: "KSV-0103",
            },
        ],
        fix: "Remove `windowsOptions.hostProcess: true`.",
    },
    check: Check::Pod(check),
};

fn check(pod: &PodSpec<'_>, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(field) = pod.security_field("windowsOptions.hostProcess")
        && field.node.as_bool() == Some(true)
    {
        out.report(
            field.node.pos,
            field.path,
            None,
            "pod runs as a Windows host process".to_string(),
        );
    }
    for container in pod.containers() {
        if let Some(field) = container.security_field("windowsOptions.hostProcess")
            && field.node.as_bool() == Some(true)
        {
            let message = format!("{} runs as a Windows host process", container.describe());
            out.report(field.node.pos, field.path, Some(container), message);
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_pod_and_container_host_process() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext:\n    windowsOptions: {hostProcess: true}\n  containers:\n  - name: a\n    securityContext:\n      windowsOptions:\n        hostProcess: true\n",
        );
        assert_findings(
            &findings,
            &[
                (6, "spec.securityContext.windowsOptions.hostProcess"),
                (11, "spec.containers[0].securityContext.windowsOptions.hostProcess"),
            ],
        );
    }

    #[test]
    fn quiet_when_false() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {windowsOptions: {hostProcess: false}}\n  containers: [{name: a}]\n",
        );
    }
}
