//! ## What it checks
//!
//! That a `KubeletConfiguration` does not turn certificate rotation off:
//! neither `rotateCertificates: false` (client certificate, CIS 4.2.11)
//! nor the `RotateKubeletServerCertificate` feature gate set to false
//! (serving certificate, CIS 4.2.12).
//!
//! ## Why it matters
//!
//! A kubelet that cannot rotate its client certificate keeps one key for
//! the certificate's whole life (a year with kubeadm) and stops working
//! when it expires; one that cannot rotate its serving certificate keeps
//! a self-signed one, which the API server cannot verify
//! (`--kubelet-certificate-authority`), so exec and logs traffic to the
//! node can be intercepted.
//!
//! ## How to fix
//!
//! Remove the settings, or set `rotateCertificates: true` and
//! `serverTLSBootstrap: true`, and approve the kubelets' serving
//! certificate requests (an approver controller, or `kubectl certificate
//! approve`).
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: kubelet.config.k8s.io/v1beta1
//! kind: KubeletConfiguration
//! rotateCertificates: true
//! serverTLSBootstrap: true
//! ```
//!
//! ## Fix safety
//!
//! With `serverTLSBootstrap`, the kubelet's serving certificate waits for
//! approval; until then `kubectl logs` and `exec` on the node fail.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "kubelet-certificate-rotation",
        title: "The kubelet rotates its certificates",
        severity: Severity::Medium,
        controls: &[Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "CIS",
                id: "4.2.11",
            },
            Reference {
                source: "CIS",
                id: "4.2.12",
            },
        ],
        fix: "Remove `rotateCertificates: false` and the RotateKubeletServerCertificate=false feature gate.",
    },
    check: Check::Object(Subjects::Kinds(super::KUBELET_CONFIGURATIONS), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !super::is_kubelet_configuration(object) {
        return;
    }
    if let Some(rotate) = object.root.get("rotateCertificates")
        && rotate.as_bool() == Some(false)
    {
        out.report(
            rotate.pos,
            "rotateCertificates".to_string(),
            None,
            "the kubelet keeps its client certificate until it expires (`rotateCertificates: false`)".to_string(),
        );
    }
    if let Some(gate) = object.root.get_path("featureGates.RotateKubeletServerCertificate")
        && gate.as_bool() == Some(false)
    {
        out.report(
            gate.pos,
            "featureGates.RotateKubeletServerCertificate".to_string(),
            None,
            "the kubelet cannot rotate its serving certificate (feature gate RotateKubeletServerCertificate is off)"
                .to_string(),
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    const HEAD: &str = "apiVersion: kubelet.config.k8s.io/v1beta1\nkind: KubeletConfiguration\n";

    #[test]
    fn fires_when_rotation_is_turned_off() {
        let findings = run(
            &super::RULE,
            &format!("{HEAD}rotateCertificates: false\nfeatureGates:\n  RotateKubeletServerCertificate: false\n"),
        );
        assert_findings(
            &findings,
            &[
                (3, "rotateCertificates"),
                (5, "featureGates.RotateKubeletServerCertificate"),
            ],
        );
    }

    #[test]
    fn quiet_when_rotating_or_defaulted() {
        assert_quiet(
            &super::RULE,
            &format!("{HEAD}rotateCertificates: true\nserverTLSBootstrap: true\n---\n{HEAD}"),
        );
    }
}
