//! ## What it checks
//!
//! In a cluster audit, that each Node's kubelet (`status.nodeInfo.kubeletVersion`)
//! is within the version skew Kubernetes supports against the API server:
//! not newer, and at most three minor versions older (two before
//! Kubernetes 1.28). The API server's version is the one its `/version`
//! reports in a live audit, else the image tag of the kube-apiserver pods
//! the snapshot holds; without either, the newest kubelet stands for it
//! (the API server is never older than a kubelet it serves), so only a
//! node too far behind the others is reported.
//!
//! ## Why it matters
//!
//! A kubelet outside the supported skew runs code the project no longer
//! patches (every minor version gets fixes for about fourteen months), and
//! its behaviour against a newer API server is untested: security fixes of
//! the control plane (node authorizer, restrictions on what a kubelet may
//! read) assume kubelets that understand them. Nodes left behind are the
//! usual trace of an upgrade stopped half-way.
//!
//! ## How to fix
//!
//! Upgrade the node (drain, upgrade kubelet, uncordon), or replace it from
//! an up-to-date node image; upgrade the control plane one minor version at
//! a time, nodes following.
//!
//! ## Example
//!
//! ```sh
//! kubectl drain node-7 --ignore-daemonsets
//! # upgrade kubelet to the control plane's minor version, then:
//! kubectl uncordon node-7
//! ```
//!
//! ## Fix safety
//!
//! Draining moves the node's pods; workloads without enough replicas or a
//! PodDisruptionBudget may be briefly unavailable.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "node-version-skew",
        title: "Kubelets stay within the supported version skew",
        severity: Severity::Medium,
        controls: &[Control::Runtime],
        pss: None,
        references: &[],
        fix: "Upgrade the node's kubelet to within three minor versions of the API server (and never past it).",
    },
    check: Check::Inventory(Subjects::InCluster(&[("", "Node")]), check),
};

/// `v1.29.3`, `v1.30.0-eks-036c24b`, `1.28` -> (1, 29).
fn minor_version(text: &str) -> Option<(u32, u32)> {
    let mut parts = text.trim_start_matches('v').split(['.', '-', '+']);
    let major = parts.next()?.parse().ok()?;
    let minor = parts.next()?.parse().ok()?;
    Some((major, minor))
}

/// How many minor versions a kubelet may trail an API server of `minor`.
fn allowed_skew(minor: u32) -> u32 {
    if minor >= 28 { 3 } else { 2 }
}

fn check(inventory: &Inventory, context: &RuleContext<'_>, out: &mut InventoryReporter<'_>) {
    let facts = &inventory.cluster;
    let kubelets: Vec<_> = facts
        .nodes
        .iter()
        .filter_map(|node| Some((node, minor_version(&node.kubelet_version)?)))
        .collect();
    let reported = context
        .config
        .cluster_version
        .as_deref()
        .map(|v| (v.to_string(), "the API server"));
    let from_pods = || {
        facts
            .apiserver_images
            .iter()
            .filter(|tag| minor_version(tag).is_some())
            .max_by_key(|tag| minor_version(tag))
            .map(|tag| (tag.clone(), "the kube-apiserver pods"))
    };
    let from_nodes = || {
        kubelets.iter().max_by_key(|(_, version)| *version).map(|(node, _)| {
            (
                node.kubelet_version.clone(),
                "the newest kubelet (the API server is at least that)",
            )
        })
    };
    let Some((server_text, source)) = reported.or_else(from_pods).or_else(from_nodes) else {
        return;
    };
    let Some(server) = minor_version(&server_text) else {
        return;
    };
    let known = !source.starts_with("the newest");
    for (node, kubelet) in &kubelets {
        let message = if kubelet.0 != server.0 || (kubelet.1 > server.1 && known) {
            format!(
                "Node `{}` runs kubelet {}, newer than {source} ({server_text}): kubelets must not be newer than the API server",
                node.name, node.kubelet_version
            )
        } else if server.1.saturating_sub(kubelet.1) > allowed_skew(server.1) {
            format!(
                "Node `{}` runs kubelet {}, {} minor versions behind {source} ({server_text}); the supported skew is {}",
                node.name,
                node.kubelet_version,
                server.1 - kubelet.1,
                allowed_skew(server.1)
            )
        } else {
            continue;
        };
        out.report(
            &node.site,
            node.site.pos,
            "status.nodeInfo.kubeletVersion".to_string(),
            message,
        );
    }
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    fn node(name: &str, version: &str) -> String {
        format!(
            "apiVersion: v1\nkind: Node\nmetadata: {{name: {name}}}\nstatus:\n  nodeInfo:\n    kubeletVersion: {version}\n---\n"
        )
    }

    #[test]
    fn fires_on_kubelets_beyond_the_skew_of_the_reported_api_server() {
        let objects = [node("a", "v1.30.2"), node("b", "v1.26.9-eks-1"), node("c", "v1.31.0")].concat();
        let mut config = in_cluster(&[]);
        config.cluster_version = Some("v1.30.4".to_string());
        let findings = run_with(&super::RULE, &objects, &config);
        assert_findings(
            &findings,
            &[
                (13, "status.nodeInfo.kubeletVersion"),
                (20, "status.nodeInfo.kubeletVersion"),
            ],
        );
        assert!(
            findings[0]
                .message
                .contains("4 minor versions behind the API server (v1.30.4)"),
            "{}",
            findings[0].message
        );
        assert!(
            findings[1].message.contains("newer than the API server"),
            "{}",
            findings[1].message
        );
    }

    #[test]
    fn without_a_reported_version_the_apiserver_pod_or_the_newest_kubelet_stands_for_it() {
        let apiserver = "apiVersion: v1\nkind: Pod\nmetadata: {name: kube-apiserver-cp1, namespace: kube-system}\nspec:\n  containers:\n  - name: kube-apiserver\n    image: registry.k8s.io/kube-apiserver:v1.29.3\n    command: [kube-apiserver, --authorization-mode=Node,RBAC]\n---\n";
        let objects = [apiserver.to_string(), node("a", "v1.25.1"), node("b", "v1.26.0")].concat();
        let findings = run_with(&super::RULE, &objects, &in_cluster(&[]));
        assert_findings(&findings, &[(15, "status.nodeInfo.kubeletVersion")]);
        assert!(
            findings[0].message.contains("the kube-apiserver pods (v1.29.3)"),
            "{}",
            findings[0].message
        );

        let findings = run_with(
            &super::RULE,
            &[node("a", "v1.24.1"), node("b", "v1.28.0")].concat(),
            &in_cluster(&[]),
        );
        assert_findings(&findings, &[(6, "status.nodeInfo.kubeletVersion")]);
        assert!(
            findings[0].message.contains("the newest kubelet"),
            "{}",
            findings[0].message
        );
    }

    #[test]
    fn quiet_within_the_skew_and_outside_an_audit() {
        let objects = [node("a", "v1.27.2"), node("b", "v1.30.0")].concat();
        let mut config = in_cluster(&[]);
        config.cluster_version = Some("v1.30.1".to_string());
        assert!(run_with(&super::RULE, &objects, &config).is_empty());
        // Before 1.28 the skew was two minor versions.
        let objects = [node("a", "v1.24.2"), node("b", "v1.26.0")].concat();
        assert!(run_with(&super::RULE, &objects, &in_cluster(&[])).is_empty());
        assert_quiet(&super::RULE, &[node("a", "v1.20.2"), node("b", "v1.30.0")].concat());
    }
}
