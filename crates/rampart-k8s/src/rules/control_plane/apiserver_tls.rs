//! ## What it checks
//!
//! That kube-apiserver's static pod (or its mirror pod in a cluster) serves
//! TLS and checks certificates on every connection it makes or takes:
//! `--tls-cert-file` and `--tls-private-key-file` (CIS 1.2.25),
//! `--client-ca-file` (1.2.26), `--etcd-certfile`, `--etcd-keyfile` and
//! `--etcd-cafile` (1.2.27, 1.2.28), `--kubelet-client-certificate` and
//! `--kubelet-client-key` (1.2.4), `--kubelet-certificate-authority`
//! (1.2.5), `--service-account-key-file` (1.2.24), and no
//! `--tls-min-version` below TLS 1.2.
//!
//! ## Why it matters
//!
//! Without a client CA no client certificate is accepted (and every node
//! and controller falls back on tokens); without etcd client certificates
//! anyone who reaches etcd's port reads every Secret; without the kubelet
//! CA the API server sends `exec` and `logs` traffic to whatever answers on
//! a node's address. kubeadm sets all of these but
//! `--kubelet-certificate-authority`, which needs kubelet serving
//! certificates signed by the cluster CA (`serverTLSBootstrap`).
//!
//! ## How to fix
//!
//! Add the flags with the cluster's PKI files (kubeadm keeps them in
//! `/etc/kubernetes/pki`); for the kubelet CA, turn on
//! `serverTLSBootstrap: true` in the KubeletConfiguration and approve the
//! serving certificates first.
//!
//! ## Example
//!
//! ```yaml
//! - --client-ca-file=/etc/kubernetes/pki/ca.crt
//! - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt
//! - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt
//! ```
//!
//! ## Fix safety
//!
//! `--kubelet-certificate-authority` breaks `kubectl exec` and `logs` on
//! nodes whose serving certificate the CA did not sign.

use super::super::prelude::*;
use super::{Requirement, Want, component, require};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "apiserver-tls",
        title: "kube-apiserver serves TLS and verifies its peers",
        severity: Severity::High,
        controls: &[Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "1.2.25",
            },
            Reference {
                source: "CIS",
                id: "1.2.5",
            },
        ],
        fix: "Add the TLS, client CA, etcd and kubelet certificate flags with the cluster's PKI files.",
    },
    check: Check::Object(Subjects::Component("kube-apiserver"), check),
};

const REQUIRED: &[Requirement] = &[
    Requirement {
        flag: "tls-cert-file",
        want: Want::Set,
        why: "it serves a self-signed certificate clients cannot verify",
    },
    Requirement {
        flag: "tls-private-key-file",
        want: Want::Set,
        why: "it serves a self-signed certificate clients cannot verify",
    },
    Requirement {
        flag: "client-ca-file",
        want: Want::Set,
        why: "no client certificate is accepted",
    },
    Requirement {
        flag: "etcd-certfile",
        want: Want::Set,
        why: "it cannot authenticate to etcd, so etcd must accept anyone",
    },
    Requirement {
        flag: "etcd-keyfile",
        want: Want::Set,
        why: "it cannot authenticate to etcd, so etcd must accept anyone",
    },
    Requirement {
        flag: "etcd-cafile",
        want: Want::Set,
        why: "it does not verify that it talks to the real etcd",
    },
    Requirement {
        flag: "kubelet-client-certificate",
        want: Want::Set,
        why: "kubelets cannot tell the API server from anyone else",
    },
    Requirement {
        flag: "kubelet-client-key",
        want: Want::Set,
        why: "kubelets cannot tell the API server from anyone else",
    },
    Requirement {
        flag: "kubelet-certificate-authority",
        want: Want::Set,
        why: "it does not verify kubelets' serving certificates, so exec and logs traffic can be intercepted",
    },
    Requirement {
        flag: "service-account-key-file",
        want: Want::Set,
        why: "service-account tokens are verified with the serving key, which cannot be rotated apart",
    },
    Requirement {
        flag: "tls-min-version",
        want: Want::Not("VersionTLS10"),
        why: "TLS 1.0 is accepted",
    },
    Requirement {
        flag: "tls-min-version",
        want: Want::Not("VersionTLS11"),
        why: "TLS 1.1 is accepted",
    },
];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(apiserver) = component(object, "kube-apiserver") {
        require(&apiserver, "kube-apiserver", REQUIRED, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    /// kubeadm's flags, and `extra` after them.
    fn apiserver(extra: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: kube-apiserver, namespace: kube-system}}\nspec:\n  containers:\n  - name: kube-apiserver\n    command:\n    - kube-apiserver\n    - --client-ca-file=/etc/kubernetes/pki/ca.crt\n    - --etcd-cafile=/etc/kubernetes/pki/etcd/ca.crt\n    - --etcd-certfile=/etc/kubernetes/pki/apiserver-etcd-client.crt\n    - --etcd-keyfile=/etc/kubernetes/pki/apiserver-etcd-client.key\n    - --kubelet-client-certificate=/etc/kubernetes/pki/apiserver-kubelet-client.crt\n    - --kubelet-client-key=/etc/kubernetes/pki/apiserver-kubelet-client.key\n    - --service-account-key-file=/etc/kubernetes/pki/sa.pub\n    - --tls-cert-file=/etc/kubernetes/pki/apiserver.crt\n    - --tls-private-key-file=/etc/kubernetes/pki/apiserver.key\n{extra}"
        )
    }

    #[test]
    fn fires_on_kubeadms_missing_kubelet_ca_and_on_old_tls() {
        let findings = run(&super::RULE, &apiserver("    - --tls-min-version=VersionTLS11\n"));
        assert_findings(
            &findings,
            &[
                (7, "spec.containers[0].command"),
                (18, "spec.containers[0].command[10]"),
            ],
        );
        assert!(findings[0].message.contains("`--kubelet-certificate-authority`"));
        assert_eq!(
            findings[1].message,
            "kube-apiserver sets `--tls-min-version=VersionTLS11`: TLS 1.1 is accepted"
        );
    }

    #[test]
    fn quiet_when_every_certificate_is_given() {
        assert_quiet(
            &super::RULE,
            &apiserver(
                "    - --kubelet-certificate-authority=/etc/kubernetes/pki/ca.crt\n    - --tls-min-version=VersionTLS12\n",
            ),
        );
    }
}
