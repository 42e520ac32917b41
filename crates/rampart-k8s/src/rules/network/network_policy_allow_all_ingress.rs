//! ## What it checks
//!
//! That no NetworkPolicy ingress rule lets everyone in: a rule without
//! `from` (`ingress: [{}]`, or only `ports`) admits every source, inside the
//! cluster and out; a `from` peer with an empty `namespaceSelector` and no
//! narrowing `podSelector` admits every pod of every namespace; an `ipBlock`
//! of `0.0.0.0/0` or `::/0` admits the internet.
//!
//! ## Why it matters
//!
//! Such a rule cancels the namespace's default deny for the pods it
//! selects, usually by accident ("make it work" during an incident), and
//! nothing else points it out.
//!
//! ## How to fix
//!
//! Name the sources: a `podSelector` in the namespace, a `namespaceSelector`
//! on `kubernetes.io/metadata.name`, or the ingress controller's namespace.
//!
//! ## Example
//!
//! ```yaml
//! ingress:
//!   - from:
//!       - namespaceSelector:
//!           matchLabels:
//!             kubernetes.io/metadata.name: ingress-nginx
//! ```

use super::super::prelude::*;
use super::is_network_policy;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "network-policy-allow-all-ingress",
        title: "NetworkPolicies must not allow ingress from everywhere",
        severity: Severity::High,
        controls: &[Control::Network],
        pss: None,
        references: &[Reference {
            source: "Kubescape",
            id: "C-0030",
        }],
        fix: "Replace the open rule with `from` peers naming the allowed pods or namespaces.",
    },
    check: Check::Object(Subjects::Kinds(NETWORK_POLICIES), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if !is_network_policy(object) {
        return;
    }
    let Some(ingress) = object.root.get_path("spec.ingress") else {
        return;
    };
    for (index, rule) in ingress.as_seq().iter().enumerate() {
        let from = rule.get("from").filter(|f| !f.as_seq().is_empty());
        let Some(from) = from else {
            out.report(
                rule.pos,
                format!("spec.ingress[{index}]"),
                None,
                format!("ingress rule {index} has no `from`: it admits traffic from everywhere"),
            );
            continue;
        };
        for (peer_index, peer) in from.as_seq().iter().enumerate() {
            let field = format!("spec.ingress[{index}].from[{peer_index}]");
            let empty = |key: &str| peer.get(key).is_some_and(|s| s.entries().is_empty());
            let all_namespaces =
                empty("namespaceSelector") && (peer.get("podSelector").is_none() || empty("podSelector"));
            if all_namespaces {
                out.report(
                    peer.pos,
                    format!("{field}.namespaceSelector"),
                    None,
                    "ingress peer with an empty namespaceSelector admits every pod of every namespace".to_string(),
                );
            }
            if let Some(cidr) = peer.get_path("ipBlock.cidr")
                && matches!(cidr.as_str(), Some("0.0.0.0/0" | "::/0"))
            {
                out.report(
                    cidr.pos,
                    format!("{field}.ipBlock.cidr"),
                    None,
                    format!(
                        "ingress peer admits the whole internet ({})",
                        cidr.as_str().unwrap_or_default()
                    ),
                );
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_open_rules_peers_and_blocks() {
        let findings = run(
            &super::RULE,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: open, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - {}\n  - ports: [{port: 80}]\n  - from:\n    - namespaceSelector: {}\n    - ipBlock:\n        cidr: 0.0.0.0/0\n",
        );
        assert_findings(
            &findings,
            &[
                (7, "spec.ingress[0]"),
                (8, "spec.ingress[1]"),
                (10, "spec.ingress[2].from[0].namespaceSelector"),
                (12, "spec.ingress[2].from[1].ipBlock.cidr"),
            ],
        );
    }

    #[test]
    fn quiet_for_named_sources() {
        assert_quiet(
            &super::RULE,
            "apiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ok, namespace: shop}\nspec:\n  podSelector: {}\n  ingress:\n  - from:\n    - namespaceSelector: {matchLabels: {kubernetes.io/metadata.name: ingress-nginx}}\n    - namespaceSelector: {}\n      podSelector: {matchLabels: {app: prometheus}}\n    - ipBlock: {cidr: 10.0.0.0/8}\n",
        );
    }
}
