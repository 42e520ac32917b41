//! ## What it checks
//!
//! Every pod or workload controller created or changed, and let through, whose request
//! object breaks the Pod Security baseline where it matters most: a privileged container
//! (`no-privileged`), the node's network, PID or IPC namespace (`no-host-network`,
//! `no-host-pid`, `no-host-ipc`), a sensitive host path (`no-sensitive-host-path`), or a
//! dangerous capability (`no-dangerous-capabilities`). The pods a `kube-system`
//! controller creates for one owner (a ReplicaSet, a DaemonSet, a Job) are judged once,
//! at the first of them; namespaces listed in `[audit-log] privileged-namespaces` (node
//! agents, the CNI) are exempt.
//!
//! ## Why it matters
//!
//! Each of these is a way out of the container onto the node. Admission control should
//! have refused them; this is the record that it did not, or that someone turned it off.
//!
//! ## How to fix
//!
//! Find the workload and who created it; delete it unless it is a node agent that needs
//! the access (then list its namespace in `privileged-namespaces`), and check the
//! namespace's Pod Security labels and the admission webhook.
//!
//! ## Example
//!
//! ```text
//! audit.log:40: audit-workload-breaks-pod-security: alice created or changed Pod default/nginx: container `nginx` runs privileged (no-privileged)
//! ```

use super::{Context, Hit, PodOrigin, Rule, kind_of, manifest_hits, pod_origin, writes};
use crate::event::Event;
use crate::settings::namespace_matches;
use rampart_core::{Control, RuleMeta, Severity};

pub static RULE: Rule = Rule {
    meta: RuleMeta {
        id: "audit-workload-breaks-pod-security",
        title: "A workload that can escape onto its node was admitted",
        severity: Severity::High,
        controls: &[Control::Detection],
        pss: None,
        references: &[],
        fix: "Delete the workload unless it is a node agent that needs the access; check the namespace's Pod Security labels and the admission webhook.",
    },
    check,
    source: include_str!("workload_breaks_pod_security.rs"),
    falco: &[
        "Create Privileged Pod",
        "Create Sensitive Mount Pod",
        "Create HostNetwork Pod",
        "Create HostPid Pod",
        "Create HostIPC Pod",
    ],
    needs_request_object: true,
};

const MANIFEST_RULES: &[&str] = &[
    "no-privileged",
    "no-host-network",
    "no-host-pid",
    "no-host-ipc",
    "no-sensitive-host-path",
    "no-dangerous-capabilities",
];

const WORKLOADS: &[&str] = &[
    "pods",
    "deployments",
    "daemonsets",
    "statefulsets",
    "replicasets",
    "jobs",
    "cronjobs",
    "replicationcontrollers",
];

fn check(event: &Event<'_>, context: &mut Context<'_>, out: &mut Vec<Hit>) {
    let resource = event.resource();
    if !WORKLOADS.contains(&resource) || event.subresource().is_some() {
        return;
    }
    if !writes(event) || !event.succeeded() {
        return;
    }
    if let Some(namespace) = event.namespace()
        && context
            .settings
            .privileged_namespaces
            .iter()
            .any(|pattern| namespace_matches(pattern, namespace))
    {
        return;
    }
    // The pods a controller creates for one owner are alike: judged once.
    let origin = if resource == "pods" {
        pod_origin(event, context.state, RULE.meta.id)
    } else {
        PodOrigin::Direct
    };
    let namespace = event.namespace().unwrap_or("default");
    let subject = match (origin, event.name()) {
        (PodOrigin::SeenOwner, _) => return,
        (PodOrigin::FirstOfOwner(owner), _) => format!("a pod of {owner} in {namespace}"),
        (PodOrigin::Direct, Some(name)) => format!("{} {namespace}/{name}", kind_of(resource)),
        (PodOrigin::Direct, None) => format!("a {} in {namespace}", kind_of(resource)),
    };
    let before = out.len();
    manifest_hits(event, kind_of(resource), MANIFEST_RULES, out);
    for hit in &mut out[before..] {
        hit.message = format!("created or changed {subject}: {}", hit.message);
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::settings::Settings;

    const PRIVILEGED: &str = r#""requestObject":{"kind":"Pod","apiVersion":"v1","metadata":{"name":"p","namespace":"shop"},"spec":{"hostPID":true,"containers":[{"name":"a","image":"nginx","securityContext":{"privileged":true}}]}}"#;

    #[test]
    fn fires_on_privileged_and_host_namespaces() {
        let hits = hits(
            &super::RULE,
            &event("alice", "create", "pods", "shop/p", 201, PRIVILEGED),
        );
        assert_eq!(
            fields(&hits),
            [
                "requestObject.spec.containers[0].securityContext.privileged",
                "requestObject.spec.hostPID"
            ]
        );
        assert!(hits[0].message.ends_with("(no-privileged)"), "{hits:?}");
    }

    #[test]
    fn a_controllers_pods_are_judged_once_per_owner() {
        let owned = PRIVILEGED.replace(
            "\"namespace\":\"shop\"",
            "\"namespace\":\"shop\",\"ownerReferences\":[{\"kind\":\"ReplicaSet\",\"name\":\"r\"}]",
        );
        let by_controller = event(
            "system:serviceaccount:kube-system:replicaset-controller",
            "create",
            "pods",
            "shop/",
            201,
            &owned,
        );
        let other = by_controller.replace("\"name\":\"r\"", "\"name\":\"s\"");
        let settings = Settings::default();
        let mut state = crate::rules::State::default();
        let mut counts = Vec::new();
        for line in [&by_controller, &by_controller, &other] {
            let event = crate::event::Event::parse(line.as_bytes()).unwrap();
            let mut context = crate::rules::Context {
                settings: &settings,
                state: &mut state,
            };
            let mut out = Vec::new();
            (super::RULE.check)(&event, &mut context, &mut out);
            counts.push(out.len());
            if let Some(hit) = out.first() {
                assert!(
                    hit.message.starts_with("created or changed a pod of ReplicaSet/"),
                    "{hit:?}"
                );
            }
        }
        assert_eq!(counts, [2, 0, 2]);
    }

    #[test]
    fn quiet_in_exempt_namespaces_and_on_refusals() {
        let mut settings = Settings::default();
        settings.privileged_namespaces.push("shop".to_string());
        assert!(
            hits_with(
                &super::RULE,
                &event("alice", "create", "pods", "shop/p", 201, PRIVILEGED),
                &settings
            )
            .is_empty()
        );

        assert!(
            hits(
                &super::RULE,
                &event("alice", "create", "pods", "shop/p", 403, PRIVILEGED)
            )
            .is_empty()
        );
        let plain = PRIVILEGED
            .replace("\"hostPID\":true,", "")
            .replace("\"privileged\":true", "\"privileged\":false");
        assert!(hits(&super::RULE, &event("alice", "create", "pods", "shop/p", 201, &plain)).is_empty());
    }
}
