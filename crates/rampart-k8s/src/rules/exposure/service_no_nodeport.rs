//! ## What it checks
//!
//! That no Service is of type `NodePort`.
//!
//! ## Why it matters
//!
//! A NodePort opens the same port on every node of the cluster, on every
//! node address, around Ingress controllers and usually around the cloud's
//! firewall rules for load balancers. Node addresses are rarely meant to be
//! an entry point.
//!
//! ## How to fix
//!
//! Use `ClusterIP` behind an Ingress, or an internal LoadBalancer.
//!
//! ## Example
//!
//! ```yaml
//! spec:
//!   type: ClusterIP
//! ```

use super::super::prelude::*;
use super::service_type;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "service-no-nodeport",
        title: "Services must not be of type NodePort",
        severity: Severity::Medium,
        controls: &[Control::Network],
        pss: None,
        references: &[
            Reference {
                source: "kube-score",
                id: "service-type",
            },
            Reference {
                source: "kube-linter",
                id: "exposed-services",
            },
        ],
        fix: "Use a ClusterIP Service behind an Ingress, or an internal LoadBalancer.",
    },
    check: Check::Object(Subjects::Kinds(SERVICES), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if service_type(object) != Some("NodePort") {
        return;
    }
    let node = object.root.get_path("spec.type").unwrap_or(&object.root);
    out.report(
        node.pos,
        "spec.type".to_string(),
        None,
        format!("Service `{}` opens a port on every node (NodePort)", object.name),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_node_ports() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec:\n  type: NodePort\n",
        );
        assert_findings(&findings, &[(5, "spec.type")]);
    }

    #[test]
    fn quiet_for_cluster_ip_and_default() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Service\nmetadata: {name: s}\nspec: {type: ClusterIP}\n---\napiVersion: v1\nkind: Service\nmetadata: {name: t}\nspec: {ports: [{port: 80}]}\n",
        );
    }
}
