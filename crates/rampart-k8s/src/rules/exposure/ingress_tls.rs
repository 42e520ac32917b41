//! ## What it checks
//!
//! That every Ingress terminates TLS: `spec.tls` lists at least one entry.
//!
//! ## Why it matters
//!
//! Without TLS, credentials, session cookies and personal data cross the
//! network in clear text, and nothing proves to clients they reached the
//! real service. The checklist asks for TLS on every ingress and public
//! endpoint.
//!
//! ## How to fix
//!
//! Add a `tls` section with the hosts and a certificate Secret (cert-manager
//! can issue and renew it).
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   tls:
//!     - hosts: [shop.example.com]
//!       secretName: shop-tls
//! ```

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "ingress-tls",
        title: "Ingresses must terminate TLS",
        severity: Severity::Medium,
        controls: &[Control::Workload, Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "Polaris",
                id: "tlsSettingsMissing",
            },
            Reference {
                source: "Kubescape",
                id: "C-0263",
            },
        ],
        fix: "Add `spec.tls` with the hosts and a certificate Secret.",
    },
    check: Check::Object(
        Subjects::Kinds(&[("networking.k8s.io", "Ingress"), ("extensions", "Ingress")]),
        check,
    ),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let is_ingress = object.kind == "Ingress" && matches!(object.group(), "networking.k8s.io" | "extensions");
    if !is_ingress {
        return;
    }
    let has_tls = object.root.get_path("spec.tls").is_some_and(|t| !t.as_seq().is_empty());
    if has_tls {
        return;
    }
    let spec = object.root.get("spec").unwrap_or(&object.root);
    out.report(
        spec.pos,
        "spec.tls".to_string(),
        None,
        format!("Ingress `{}` serves without TLS", object.name),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_without_tls() {
        let findings = run(
            &super::RULE,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  rules: [{host: a.example.com}]\n  tls: []\n",
        );
        assert_findings(&findings, &[(4, "spec.tls")]);
    }

    #[test]
    fn quiet_with_tls() {
        assert_quiet(
            &super::RULE,
            "apiVersion: networking.k8s.io/v1\nkind: Ingress\nmetadata: {name: i}\nspec:\n  tls: [{hosts: [a.example.com], secretName: a}]\n",
        );
    }
}
