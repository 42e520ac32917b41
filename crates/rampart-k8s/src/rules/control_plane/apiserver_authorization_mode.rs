//! ## What it checks
//!
//! That kube-apiserver's `--authorization-mode` does not include
//! `AlwaysAllow` and includes `Node` and `RBAC` (CIS 1.2.6–1.2.8). Unset,
//! it defaults to `AlwaysAllow`.
//!
//! ## Why it matters
//!
//! `AlwaysAllow` authorizes every authenticated request: every service
//! account token and every user is cluster-admin, and RBAC is decoration.
//! Without `Node`, kubelets' credentials are not limited to their own
//! node's pods and secrets.
//!
//! ## How to fix
//!
//! Set `--authorization-mode=Node,RBAC` (kubeadm's default) in the static
//! pod manifest.
//!
//! ## Example
//!
//! ```yaml
//! command:
//!   - kube-apiserver
//!   - --authorization-mode=Node,RBAC
//! ```
//!
//! ## Fix safety
//!
//! Clients that relied on AlwaysAllow lose access until RBAC grants it:
//! check `rampart who-can` and the audit log first.

use super::super::prelude::*;
use super::component;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-authorization-mode",
        title: "kube-apiserver must authorize with Node and RBAC",
        severity: Severity::Critical,
        controls: &[Control::Rbac],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.2.6",
            },
            Reference {
                source: "Checkov",
                id: "CKV_K8S_74",
            },
        ],
        fix: "Set `--authorization-mode=Node,RBAC` on kube-apiserver.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(apiserver) = component(object, "kube-apiserver") else {
        return;
    };
    let Some(flag) = apiserver.get("authorization-mode") else {
        out.report(
            apiserver.anchor,
            apiserver.anchor_field.clone(),
            None,
            "kube-apiserver authorizes every request (`--authorization-mode` is not set; it defaults to AlwaysAllow)"
                .to_string(),
        );
        return;
    };
    let modes: Vec<&str> = flag.value.unwrap_or("").split(',').map(str::trim).collect();
    let missing: Vec<&str> = ["Node", "RBAC"]
        .into_iter()
        .filter(|mode| !modes.contains(mode))
        .collect();
    let message = if modes.contains(&"AlwaysAllow") {
        format!(
            "kube-apiserver authorizes every request (`--authorization-mode={}` includes AlwaysAllow)",
            flag.value.unwrap_or("")
        )
    } else if !missing.is_empty() {
        format!(
            "kube-apiserver's `--authorization-mode={}` lacks {}",
            flag.value.unwrap_or(""),
            missing.join(" and ")
        )
    } else {
        return;
    };
    out.report(flag.pos, flag.field.clone(), None, message);
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
    fn fires_on_always_allow_missing_modes_or_no_flag() {
        let findings = run(
            &super::RULE,
            &apiserver("    - --authorization-mode=RBAC,AlwaysAllow\n"),
        );
        assert_findings(&findings, &[(9, "spec.containers[0].command[1]")]);
        assert!(findings[0].message.contains("includes AlwaysAllow"));
        let findings = run(&super::RULE, &apiserver("    - --authorization-mode=RBAC\n"));
        assert!(findings[0].message.ends_with("lacks Node"));
        let findings = run(&super::RULE, &apiserver(""));
        assert_findings(&findings, &[(7, "spec.containers[0].command")]);
    }

    #[test]
    fn quiet_with_node_and_rbac() {
        assert_quiet(&super::RULE, &apiserver("    - --authorization-mode=Node,RBAC\n"));
        assert_quiet(
            &super::RULE,
            &apiserver("    - --authorization-mode=Node,Webhook,RBAC\n"),
        );
    }
}
