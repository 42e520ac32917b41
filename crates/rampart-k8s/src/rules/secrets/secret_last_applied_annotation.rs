//! ## What it checks
//!
//! That no Secret carries the `kubectl.kubernetes.io/last-applied-configuration`
//! annotation.
//!
//! ## Why it matters
//!
//! `kubectl apply` stores the whole object it applied in that annotation,
//! so on a Secret it holds every value again, in clear text and outside
//! `data`: it is shown wherever metadata is (`kubectl describe`, metadata
//! lists, backups and exports of metadata, tools that read Secrets as
//! metadata only), and in a repository it is a committed credential. A
//! `kubectl get secret -o yaml` exported into git carries it too. Rampart
//! never prints the annotation's content; in a cluster audit it removes it
//! before anything reads it.
//!
//! ## How to fix
//!
//! Create Secrets with server-side apply (`kubectl apply --server-side`),
//! `kubectl create secret`, or an operator (External Secrets, Sealed
//! Secrets) so the annotation is never written; remove it from existing
//! Secrets (`kubectl annotate secret NAME
//! kubectl.kubernetes.io/last-applied-configuration-`) and rotate the
//! values it exposed.
//!
//! ## Example
//!
//! ```sh
//! kubectl create secret generic db --from-file=password=./password \
//!   --dry-run=client -o yaml | kubectl apply --server-side -f -
//! ```
//!
//! ## Fix safety
//!
//! Removing the annotation changes nothing the Secret's users read; a
//! later client-side `kubectl apply` writes it again.

use super::super::prelude::*;

/// What `kubectl apply` (client side) writes.
pub const LAST_APPLIED: &str = "kubectl.kubernetes.io/last-applied-configuration";

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "secret-last-applied-annotation",
        title: "Secrets must not carry kubectl's last-applied annotation",
        severity: Severity::High,
        controls: &[Control::Secrets],
        pss: None,
        references: &[],
        fix: "Apply Secrets server-side (`kubectl apply --server-side`) or with an operator; remove the annotation and rotate what it exposed.",
    },
    check: Check::Object(Subjects::Kinds(SECRETS), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind != "Secret" || !object.group().is_empty() {
        return;
    }
    let Some(annotation) = object
        .root
        .get("metadata")
        .and_then(|metadata| metadata.get("annotations"))
        .and_then(|annotations| annotations.get(LAST_APPLIED))
    else {
        return;
    };
    out.report(
        annotation.pos,
        format!("metadata.annotations.{LAST_APPLIED}"),
        None,
        format!(
            "Secret `{}` carries kubectl's last-applied annotation, which repeats its values in clear text",
            object.name
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_a_secret_applied_client_side() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: |\n      {\"apiVersion\":\"v1\",\"data\":{\"password\":\"aHVudGVyMg==\"},\"kind\":\"Secret\"}\ndata:\n  password: aHVudGVyMg==\n",
        );
        assert_findings(
            &findings,
            &[(
                6,
                "metadata.annotations.kubectl.kubernetes.io/last-applied-configuration",
            )],
        );
        // The finding never repeats the value.
        assert!(!findings[0].message.contains("aHVudGVyMg"));
    }

    #[test]
    fn quiet_without_it_and_on_other_kinds() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Secret\nmetadata:\n  name: db\n  annotations: {team: shop}\ntype: Opaque\n---\napiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: app\n  annotations:\n    kubectl.kubernetes.io/last-applied-configuration: '{}'\n",
        );
    }
}
