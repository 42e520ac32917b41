//! ## What it checks
//!
//! Pods, workload controllers and service accounts created in `kube-system` or
//! `kube-public`, and let through, by an identity that is not one of Kubernetes' own
//! components (the API server, nodes). A pod a controller creates there for its owner
//! counts once per owner, unless every image comes from the platform's own registries
//! (`[audit-log] platform-images`: `registry.k8s.io/`, `gke.gcr.io/`,
//! `mcr.microsoft.com/`, EKS's, Cilium's, Calico's, ...): the owner was made by someone
//! the log may not show.
//!
//! ## Why it matters
//!
//! `kube-system` holds the cluster's most privileged service accounts and is exempt from
//! most policies; a pod started there by a person borrows all of that. Attackers hide
//! there because few people look.
//!
//! ## How to fix
//!
//! Find out who created it and why; system add-ons belong to the platform's pipeline.
//! Delete what is not expected and review who can create pods in `kube-system`.
//!
//! ## Example
//!
//! ```text
//! audit.log:2: audit-kube-namespace-object: alice created pods kube-system/miner
//! ```

use super::{Context, Hit, PodOrigin, Rule, is_system_component, pod_origin};
use crate::event::Event;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-kube-namespace-object",
        title: "A workload or service account was created in kube-system or kube-public",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Find out who created it and why; delete what is not expected and review who can create pods in kube-system.",
    },
    check,
    source: include_str!("kube_namespace_object.rs"),
    falco: &[
        "Pod Created in Kube Namespace",
        "Service Account Created in Kube Namespace",
    ],
    needs_request_object: false,
};

fn check(event: &Event<'_>, context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let Some(namespace @ ("kube-system" | "kube-public")) = event.namespace() else {
        return;
    };
    let resource = event.resource();
    let watched = matches!(
        resource,
        "pods"
            | "deployments"
            | "daemonsets"
            | "statefulsets"
            | "replicasets"
            | "jobs"
            | "cronjobs"
            | "serviceaccounts"
    );
    if !watched || event.subresource().is_some() || event.verb.as_str() != "create" || !event.succeeded() {
        return;
    }
    let mut from = String::new();
    if resource == "pods" {
        match pod_origin(event, context.state, RULE.meta.id) {
            PodOrigin::SeenOwner => return,
            PodOrigin::FirstOfOwner(owner) => {
                if platform_pod(event, &context.settings.platform_images) {
                    return;
                }
                from = format!(" for {owner}");
            }
            PodOrigin::Direct if is_system_component(event) => return,
            PodOrigin::Direct => {}
        }
    } else if is_system_component(event) {
        return;
    }
    let target = match event.name() {
        Some(name) => format!("{resource} {namespace}/{name}"),
        None => format!("{resource} in {namespace}"),
    };
    out.push(Hit::new("objectRef.namespace", format!("created {target}{from}")));
}

/// Whether every container of the pod runs an image of the platform's own registries.
fn platform_pod(event: &Event<'_>, prefixes: &[String]) -> bool {
    let Some(object) = event.request_json() else {
        return false;
    };
    let images: Vec<&str> = ["containers", "initContainers"]
        .iter()
        .filter_map(|list| object["spec"][list].as_array())
        .flatten()
        .filter_map(|container| container["image"].as_str())
        .collect();
    !images.is_empty()
        && images
            .iter()
            .all(|image| prefixes.iter().any(|prefix| image.starts_with(prefix.as_str())))
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;

    #[test]
    fn fires_on_a_person_creating_a_pod_in_kube_system() {
        let hits = hits(
            &super::RULE,
            &event("alice", "create", "pods", "kube-system/miner", 201, ""),
        );
        assert_eq!(hits[0].message, "created pods kube-system/miner");
        let account = event("alice", "create", "serviceaccounts", "kube-public/x", 201, "");
        assert_eq!(
            fields(&super::super::testing::hits(&super::RULE, &account)),
            ["objectRef.namespace"]
        );
    }

    #[test]
    fn a_controllers_pod_counts_unless_its_images_are_the_platforms() {
        let pod = |image: &str| {
            event(
                "system:serviceaccount:kube-system:replicaset-controller",
                "create",
                "pods",
                "kube-system/",
                201,
                &format!(
                    r#""requestObject":{{"metadata":{{"ownerReferences":[{{"kind":"ReplicaSet","name":"miner-5d"}}]}},"spec":{{"containers":[{{"name":"a","image":"{image}"}}]}}}}"#
                ),
            )
        };
        let hits = hits(&super::RULE, &pod("docker.io/xmrig/xmrig:6"));
        assert_eq!(hits[0].message, "created pods in kube-system for ReplicaSet/miner-5d");
        assert!(super::super::testing::hits(&super::RULE, &pod("registry.k8s.io/coredns/coredns:v1.11.1")).is_empty());
    }

    #[test]
    fn quiet_on_the_control_plane_other_namespaces_and_refusals() {
        let node = event(
            "system:node:worker-1",
            "create",
            "pods",
            "kube-system/kube-apiserver-worker-1",
            201,
            "",
        );
        assert!(hits(&super::RULE, &node).is_empty());
        assert!(hits(&super::RULE, &event("alice", "create", "pods", "shop/web", 201, "")).is_empty());
        assert!(
            hits(
                &super::RULE,
                &event("alice", "create", "pods", "kube-system/miner", 403, "")
            )
            .is_empty()
        );
    }
}
