//! ## What it checks
//!
//! That every Pod has a controller: an owner reference with `controller:
//! true` (a ReplicaSet, Job, StatefulSet, DaemonSet, or the Node of a
//! static pod).
//!
//! ## Why it matters
//!
//! A bare Pod is not recreated when its node fails or it is evicted, and
//! nothing rolls it forward when its image or settings change. In a
//! repository it is a workload that will run once and drift; in a cluster
//! it is usually something run by hand (`kubectl run`, a debugging shell, a
//! leftover of an incident) that no pipeline, review or admission policy
//! for the team's workloads covers. Kubescape reports the same (C-0073,
//! naked pods).
//!
//! ## How to fix
//!
//! Run it as a Deployment (or a Job for work that ends); in a cluster, find
//! who started it, and delete it when nobody needs it.
//!
//! ## Example
//!
//! ```yaml
//! apiVersion: apps/v1
//! kind: Deployment
//! metadata: {name: web}
//! spec:
//!   selector: {matchLabels: {app: web}}
//!   template:
//!     metadata: {labels: {app: web}}
//!     spec:
//!       containers: [{name: web, image: registry.example.com/web:1.4.2}]
//! ```
//!
//! ## Fix safety
//!
//! A Deployment's pods get new names and restart on every rollout; a
//! workload that relies on one pod's name or local state needs a
//! StatefulSet instead.

use super::super::prelude::*;

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "no-naked-pods",
        title: "Pods must be run by a controller",
        severity: Severity::Low,
        controls: &[Control::Workload],
        pss: None,
        references: &[Reference {
            source: "Kubescape",
            id: "C-0073",
        }],
        fix: "Run it as a Deployment, StatefulSet, DaemonSet or Job; delete bare pods nobody needs.",
    },
    check: Check::Object(Subjects::Kinds(&[("", "Pod")]), check),
};

fn check(object: &Object, _context: &RuleContext<'_>, out: &mut Reporter<'_>) {
    if object.kind != "Pod" || !object.group().is_empty() {
        return;
    }
    let metadata = object.root.get("metadata");
    let controlled = metadata
        .and_then(|metadata| metadata.get("ownerReferences"))
        .map(Node::as_seq)
        .unwrap_or_default()
        .iter()
        .any(|owner| owner.get("controller").and_then(Node::as_bool) == Some(true));
    if controlled {
        return;
    }
    out.report(
        metadata.unwrap_or(&object.root).pos,
        "metadata.ownerReferences".to_string(),
        None,
        format!(
            "Pod `{}` has no controller: nothing recreates it if its node fails, and no rollout updates it",
            object.name
        ),
    );
}

#[cfg(test)]
mod tests {
    use crate::rule_testing::*;

    #[test]
    fn fires_on_a_pod_without_a_controller() {
        let findings = run(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: shell\n  ownerReferences:\n  - {apiVersion: v1, kind: ConfigMap, name: x, uid: u, controller: false}\nspec:\n  containers: [{name: c, image: busybox:1.36}]\n",
        );
        assert_findings(&findings, &[(3, "metadata.ownerReferences")]);
        assert!(findings[0].message.contains("`shell`"));
    }

    #[test]
    fn quiet_on_controlled_pods_static_pods_and_other_kinds() {
        assert_quiet(
            &super::RULE,
            "apiVersion: v1\nkind: Pod\nmetadata:\n  name: web-1\n  ownerReferences:\n  - {apiVersion: apps/v1, kind: ReplicaSet, name: web, uid: u, controller: true}\nspec:\n  containers: [{name: c, image: nginx:1.27}]\n---\napiVersion: v1\nkind: Pod\nmetadata:\n  name: kube-apiserver-node1\n  ownerReferences:\n  - {apiVersion: v1, kind: Node, name: node1, uid: n, controller: true}\nspec:\n  containers: [{name: c, image: k8s/apiserver:1.33}]\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  selector: {matchLabels: {app: web}}\n  template:\n    metadata: {labels: {app: web}}\n    spec:\n      containers: [{name: c, image: nginx:1.27}]\n",
        );
    }
}
