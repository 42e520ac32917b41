//! ## What it checks
//!
//! That kube-controller-manager runs each controller as its own service
//! account (`--use-service-account-credentials=true`, CIS 1.3.3), signs
//! service-account tokens with a key of their own
//! (`--service-account-private-key-file`, 1.3.4), and puts the cluster's
//! CA in every token volume (`--root-ca-file`, 1.3.5).
//!
//! ## Why it matters
//!
//! Without per-controller credentials every controller acts with the
//! controller manager's own, very broad, identity: RBAC cannot narrow one
//! controller, and the audit log cannot tell them apart. Without a signing
//! key no token can be issued; without the root CA, pods cannot verify the
//! API server they talk to.
//!
//! ## How to fix
//!
//! Add the three flags (kubeadm sets them).
//!
//! ## Example
//!
//! ```yaml
//! - --use-service-account-credentials=true
//! - --service-account-private-key-file=/etc/kubernetes/pki/sa.key
//! - --root-ca-file=/etc/kubernetes/pki/ca.crt
//! ```
//!
//! ## Fix safety
//!
//! Per-controller credentials need the `system:controller:*` roles, which
//! every cluster bootstraps; a cluster that deleted them breaks.

use super::super::prelude::*;
use super::{Requirement, Want, component, require};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "controller-manager-service-accounts",
        title: "The controller manager uses per-controller identities",
        severity: Severity::Medium,
        controls: &[Control::Rbac],
        pss: None,
        references: &[Reference {
            source: "CIS",
            id: "1.3.3",
        }],
        fix: "Set --use-service-account-credentials=true, --service-account-private-key-file and --root-ca-file.",
    },
    check: Check::Object(Subjects::Component("kube-controller-manager"), check),
};

const REQUIRED: &[Requirement] = &[
    Requirement {
        flag: "use-service-account-credentials",
        want: Want::Value("true"),
        why: "every controller acts with the controller manager's own identity",
    },
    Requirement {
        flag: "service-account-private-key-file",
        want: Want::Set,
        why: "service-account tokens have no signing key of their own",
    },
    Requirement {
        flag: "root-ca-file",
        want: Want::Set,
        why: "pods' token volumes carry no CA to verify the API server with",
    },
];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(manager) = component(object, "kube-controller-manager") {
        require(&manager, "kube-controller-manager", REQUIRED, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn manager(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-controller-manager, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-controller-manager\n    command:\n    - kube-controller-manager\n    - --root-ca-file=/etc/kubernetes/pki/ca.crt\n    - --service-account-private-key-file=/etc/kubernetes/pki/sa.key\n{flags}"
        )
    }

    #[test]
    fn fires_when_controllers_share_the_managers_identity() {
        let findings = run(
            &super::RULE,
            &manager("    - --use-service-account-credentials=false\n"),
        );
        assert_findings(&findings, &[(11, "spec.containers[0].command[3]")]);
        assert_findings(&run(&super::RULE, &manager("")), &[(7, "spec.containers[0].command")]);
    }

    #[test]
    fn quiet_as_kubeadm_writes_it() {
        assert_quiet(&super::RULE, &manager("    - --use-service-account-credentials=true\n"));
    }
}
