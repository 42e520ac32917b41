//! ## What it checks
//!
//! That etcd's static pod (or its mirror pod) serves clients and peers over
//! TLS with certificates the cluster's CA signed and asks them for theirs:
//! `--cert-file` and `--key-file` (CIS 2.1), `--client-cert-auth=true`
//! (2.2), no `--auto-tls=true` (2.3), `--peer-cert-file` and
//! `--peer-key-file` (2.4), `--peer-client-cert-auth=true` (2.5), no
//! `--peer-auto-tls=true` (2.6).
//!
//! ## Why it matters
//!
//! etcd holds every Secret of the cluster, unencrypted unless encryption
//! at rest is on. Whoever can open a connection to its port and is not
//! asked for a certificate reads and writes all of it, around RBAC and
//! the audit log; `auto-tls` certificates are self-signed, so they encrypt
//! without proving who is at either end.
//!
//! ## How to fix
//!
//! Give etcd certificates from the etcd CA and turn on client certificate
//! authentication for clients and peers (kubeadm does all of it).
//!
//! ## Example
//!
//! ```yaml
//! - --client-cert-auth=true
//! - --peer-client-cert-auth=true
//! - --trusted-ca-file=/etc/kubernetes/pki/etcd/ca.crt
//! ```
//!
//! ## Fix safety
//!
//! Clients without a certificate (a backup job, a monitoring scrape of the
//! client port) are refused once client certificates are required.

use super::super::prelude::*;
use super::{Requirement, Want, component, require};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "etcd-tls",
        title: "etcd requires TLS certificates of clients and peers",
        severity: Severity::Critical,
        controls: &[Control::Secrets, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "2.2",
            },
            Reference {
                source: "CIS",
                id: "2.5",
            },
        ],
        fix: "Serve etcd with CA-signed certificates and set --client-cert-auth=true and --peer-client-cert-auth=true.",
    },
    check: Check::Object(Subjects::Component("etcd"), check),
};

const REQUIRED: &[Requirement] = &[
    Requirement {
        flag: "cert-file",
        want: Want::Set,
        why: "clients talk to it in clear text",
    },
    Requirement {
        flag: "key-file",
        want: Want::Set,
        why: "clients talk to it in clear text",
    },
    Requirement {
        flag: "client-cert-auth",
        want: Want::Value("true"),
        why: "any client that reaches its port reads every Secret",
    },
    Requirement {
        flag: "auto-tls",
        want: Want::Not("true"),
        why: "its client certificate is self-signed",
    },
    Requirement {
        flag: "peer-cert-file",
        want: Want::Set,
        why: "members replicate in clear text",
    },
    Requirement {
        flag: "peer-key-file",
        want: Want::Set,
        why: "members replicate in clear text",
    },
    Requirement {
        flag: "peer-client-cert-auth",
        want: Want::Value("true"),
        why: "anything that reaches the peer port can join the cluster",
    },
    Requirement {
        flag: "peer-auto-tls",
        want: Want::Not("true"),
        why: "its peer certificate is self-signed",
    },
];

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if let Some(etcd) = component(object, "etcd") {
        require(&etcd, "etcd", REQUIRED, out);
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn etcd(flags: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Pod\nmetadata: {{name: etcd, namespace: kube-system}}\nspec:\n  containers:\n  - name: etcd\n    command:\n    - etcd\n    - --cert-file=/etc/kubernetes/pki/etcd/server.crt\n    - --key-file=/etc/kubernetes/pki/etcd/server.key\n    - --peer-cert-file=/etc/kubernetes/pki/etcd/peer.crt\n    - --peer-key-file=/etc/kubernetes/pki/etcd/peer.key\n{flags}"
        )
    }

    #[test]
    fn fires_without_client_certificates_and_with_auto_tls() {
        let findings = run(
            &super::RULE,
            &etcd("    - --peer-client-cert-auth\n    - --auto-tls=true\n"),
        );
        assert_findings(
            &findings,
            &[(7, "spec.containers[0].command"), (14, "spec.containers[0].command[6]")],
        );
        assert!(
            findings[0]
                .message
                .starts_with("etcd does not set `--client-cert-auth`")
        );
    }

    #[test]
    fn quiet_as_kubeadm_writes_it() {
        assert_quiet(
            &super::RULE,
            &etcd("    - --client-cert-auth=true\n    - --peer-client-cert-auth=true\n"),
        );
    }
}
