//! ## What it checks
//!
//! That no Service sets `spec.externalIPs`.
//!
//! ## Why it matters
//!
//! kube-proxy sends traffic for an external IP to the Service on every
//! node, and the API server does not check who owns the address: anyone
//! who may create or update a Service can claim any IP, including another
//! tenant's or a cloud metadata address, and intercept what the cluster
//! sends there (CVE-2020-8554, which has no fix but refusing the field).
//! A Service that sets it is also reachable from wherever that address
//! routes, outside the Ingress and load balancer paths you review.
//!
//! ## How to fix
//!
//! Use a LoadBalancer (with `loadBalancerSourceRanges`) or an Ingress for
//! traffic from outside; turn on the `DenyServiceExternalIPs` admission
//! plugin so nobody can set the field.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   type: LoadBalancer
//!   loadBalancerSourceRanges: [203.0.113.0/24]
//! ```
//!
//! ## Fix safety
//!
//! Clients that reach the Service at the external IP lose it; give them
//! the load balancer's address first.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "service-external-ips",
        title: "Services must not set externalIPs",
        severity: Severity::Medium,
        controls: &[Control::Network],
        pss: None,
        references: &[Reference {
            source: "CVE",
            id: "CVE-2020-8554",
        }],
        fix: "Use a LoadBalancer with source ranges or an Ingress; enable the DenyServiceExternalIPs admission plugin.",
    },
    check: Check::Object(Subjects::Kinds(SERVICES), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    let Some(ips) = object.root.get_path("spec.externalIPs") else {
        return;
    };
    let listed: Vec<&str> = ips.as_seq().iter().filter_map(Node::as_str).collect();
    if listed.is_empty() {
        return;
    }
    out.report(
        ips.pos,
        "spec.externalIPs".to_string(),
        None,
        format!(
            "Service `{}` claims external IPs {}: traffic to them from any node goes to it",
            object.name,
            listed.join(", ")
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_external_ips() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  externalIPs:\n  - 198.51.100.4\n",
        );
        assert_findings(&findings, &[(6, "spec.externalIPs")]);
        assert!(findings[0].message.contains("198.51.100.4"), "{}", findings[0].message);
    }

    #[test]
    fn quiet_without_them() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  selector: {app: web}\n  externalIPs: []\n",
        );
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {type: LoadBalancer, loadBalancerSourceRanges: [203.0.113.0/24]}\n",
        );
    }
}
