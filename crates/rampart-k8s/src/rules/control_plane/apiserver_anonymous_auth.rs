//! ## What it checks
//!
//! That kube-apiserver runs with `--anonymous-auth=false` (CIS 1.2.1). The
//! flag defaults to true.
//!
//! ## Why it matters
//!
//! With anonymous requests allowed, anyone who reaches the API server's
//! port is `system:anonymous`: every permission a binding grants that user
//! or `system:unauthenticated` (by mistake, or a chart's) is open to the
//! network, and version and health endpoints tell an attacker what runs.
//!
//! ## How to fix
//!
//! Add `--anonymous-auth=false` to the static pod manifest
//! (`/etc/kubernetes/manifests/kube-apiserver.yaml`). Load balancers that
//! probe `/healthz` anonymously need an authenticated probe, or
//! `/livez` through the kubelet.
//!
//! ## Example
//!
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --anonymous-auth=false
//! ```
//!
//! ## Fix safety
//!
//! Anonymous health checks start failing: change them first.

use super::super::prelude::*;
use super::component;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-anonymous-auth",
        title: "kube-apiserver must refuse anonymous requests",
        severity: Severity::High,
        controls: &[Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.2.1",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_68",
            },
        ],
        fix: "Add `--anonymous-auth=false` to kube-apiserver's command.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(apiserver) = component(object, "kube-apiserver") else {
        return;
    };
    match apiserver.get("anonymous-auth") {
        Some(flag) if flag.value == Some("false") => {}
        Some(flag) => out.report(
            flag.pos,
            flag.field.clone(),
            None,
            format!(
                "kube-apiserver allows anonymous requests (`--anonymous-auth={}`)",
                flag.value.unwrap_or("true")
            ),
        ),
        None => out.report(
            apiserver.anchor,
            apiserver.anchor_field.clone(),
            None,
            "kube-apiserver allows anonymous requests (`--anonymous-auth` is not set; it defaults to true)".to_string(),
        ),
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn apiserver(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.31.0\n    command:\n    - kube-apiserver\n{flags}"
        )
    }

    #[test]
    fn fires_when_true_or_unset() {
        let findings = run(&super::RULE, &apiserver("    - --anonymous-auth=true\n"));
        assert_findings(&findings, &[(10, "spec.containers[0].command[1]")]);
        let findings = run(&super::RULE, &apiserver("    - --secure-port=6443\n"));
        assert_findings(&findings, &[(8, "spec.containers[0].command")]);
    }

    #[test]
    fn quiet_when_false_and_on_other_pods() {
        assert_quiet(&super::RULE, &apiserver("    - --anonymous-auth=false\n"));
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata: {name: web}\nspec:\n  containers:\n  - name: web\n    command: [nginx]\n",
        );
    }
}
