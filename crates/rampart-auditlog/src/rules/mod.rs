//! The detection rules, one file each, and what they share.
//!
//! A rule file opens with its documentation (`//!`: *What it checks*, *Why it matters*,
//! *How to fix*, *Example*), declares `pub static RULE: Rule` with the Falco rules it
//! answers for, then its tests: an event where it fires and a near miss where it must not.
//! A rule judges one event; what needs several (a spike of refusals) keeps its state in
//! [`State`].

mod admission_guard_changed;
mod anonymous_allowed;
mod breakglass_used;
mod configmap_credentials;
mod csr_approved;
mod ephemeral_container;
mod forbidden_spike;
mod impersonation;
mod ingress_without_tls;
mod kube_namespace_object;
mod network_policy_deleted;
mod node_proxy;
mod pod_exec;
mod pod_port_forward;
mod rbac_changed;
mod rbac_risky_grant;
mod secret_list_cluster_wide;
mod secret_read_unexpected;
mod service_account_token;
mod service_exposed;
mod workload_breaks_pod_security;

use std::collections::{HashMap, VecDeque};

use rampart_core::RuleMeta;

use crate::event::Event;
use crate::settings::Settings;

pub struct Rule {
    pub meta: RuleMeta,
    pub check: fn(&Event<'_>, &mut Context<'_>, &mut Vec<Hit>),
    /// The rule's source file, whose `//!` comment is its documentation.
    pub source: &'static str,
    /// The Falco k8saudit rules it answers for (by Falco's names).
    pub falco: &'static [&'static str],
    /// It judges the request object, which the log carries only at `Request` level or above:
    /// events without one are nothing it can judge.
    pub needs_request_object: bool,
}

impl Rule {
    /// The rule's documentation, from the `//!` comment of its file.
    pub fn doc(&self) -> &'static str {
        rampart_core::rule_doc(self.meta.id, self.source)
    }
}

/// One detection of one event: what happened, and the field of the event (or of its
/// request object) that shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hit {
    pub message: String,
    pub field: String,
}

impl Hit {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Hit {
        Hit {
            message: message.into(),
            field: field.into(),
        }
    }
}

/// What rules read beyond the event: the settings, and the state kept across events.
pub struct Context<'c> {
    pub settings: &'c Settings,
    pub state: &'c mut State,
}

/// What the rules that judge several events remember, bounded.
#[derive(Debug, Default)]
pub struct State {
    /// Per identity, the times of its recent refused requests.
    pub(crate) refusals: HashMap<String, VecDeque<i64>>,
    /// The latest refusal time seen, for windows over events out of order.
    pub(crate) latest: i64,
    /// Refusals counted since identities without recent ones were last let go.
    pub(crate) since_pruned: usize,
    /// Controllers whose pods a rule has judged (rule, namespace, owner), oldest first.
    owners: std::collections::HashSet<String>,
    owner_order: VecDeque<String>,
}

/// Owners remembered at most (the oldest are forgotten first).
const OWNERS_REMEMBERED: usize = 65_536;

/// Where a created pod came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum PodOrigin {
    /// Created directly (by a person, a pipeline, an operator).
    Direct,
    /// Created by a `kube-system` controller for its owner (`ReplicaSet/web-7d9`), the
    /// first time this rule meets that owner: its pods are judged once.
    FirstOfOwner(String),
    /// Another pod of an owner already judged.
    SeenOwner,
}

/// Where the pod the event creates came from, for `rule`.
pub(crate) fn pod_origin(event: &Event<'_>, state: &mut State, rule: &str) -> PodOrigin {
    if !event.username().starts_with("system:serviceaccount:kube-system:") {
        return PodOrigin::Direct;
    }
    let Some(object) = event.request_json() else {
        return PodOrigin::Direct;
    };
    let Some(owner) = object["metadata"]["ownerReferences"]
        .as_array()
        .and_then(|owners| owners.first())
        .map(|owner| {
            format!(
                "{}/{}",
                owner["kind"].as_str().unwrap_or("?"),
                owner["name"].as_str().unwrap_or("?")
            )
        })
    else {
        return PodOrigin::Direct;
    };
    let key = format!("{rule} {} {owner}", event.namespace().unwrap_or(""));
    if !state.owners.insert(key.clone()) {
        return PodOrigin::SeenOwner;
    }
    state.owner_order.push_back(key);
    if state.owner_order.len() > OWNERS_REMEMBERED
        && let Some(oldest) = state.owner_order.pop_front()
    {
        state.owners.remove(&oldest);
    }
    PodOrigin::FirstOfOwner(owner)
}

/// Every detection rule, in the order `rampart rules` lists them.
pub fn all() -> &'static [&'static Rule] {
    static ALL: &[&Rule] = &[
        &pod_exec::RULE,
        &pod_port_forward::RULE,
        &ephemeral_container::RULE,
        &secret_read_unexpected::RULE,
        &secret_list_cluster_wide::RULE,
        &rbac_changed::RULE,
        &rbac_risky_grant::RULE,
        &workload_breaks_pod_security::RULE,
        &kube_namespace_object::RULE,
        &anonymous_allowed::RULE,
        &forbidden_spike::RULE,
        &service_account_token::RULE,
        &csr_approved::RULE,
        &node_proxy::RULE,
        &impersonation::RULE,
        &breakglass_used::RULE,
        &admission_guard_changed::RULE,
        &network_policy_deleted::RULE,
        &service_exposed::RULE,
        &ingress_without_tls::RULE,
        &configmap_credentials::RULE,
    ];
    ALL
}

pub fn find(id: &str) -> Option<&'static Rule> {
    all().iter().copied().find(|rule| rule.meta.id == id)
}

/// Whether the verb writes (`create`, `update`, `patch`).
pub(crate) fn writes(event: &Event<'_>) -> bool {
    matches!(event.verb.as_str(), "create" | "update" | "patch")
}

/// Whether the identity is one of Kubernetes' own components: a `system:` user that is not
/// anonymous (controllers, the scheduler, nodes, the API server, in-cluster service
/// accounts of `kube-system`).
pub(crate) fn is_system_component(event: &Event<'_>) -> bool {
    let user = event.username();
    (user.starts_with("system:") && user != "system:anonymous" && !user.starts_with("system:serviceaccount:"))
        || user.starts_with("system:serviceaccount:kube-system:")
}

/// The object the event's request carries, ready for the manifest rules: its `kind`,
/// `apiVersion` and `metadata` filled from the event where the request left them out (a
/// patch carries only what it changes).
pub(crate) fn request_manifest(event: &Event<'_>, kind: &str) -> Option<serde_json::Value> {
    let mut object = event.request_json()?.clone();
    let map = object.as_object_mut()?;
    map.entry("kind").or_insert_with(|| kind.into());
    let api_version = match event.api_group() {
        "" => event
            .object_ref
            .as_ref()
            .and_then(|object| object.api_version.as_ref())
            .map_or("v1".to_string(), |version| version.to_string()),
        group => format!(
            "{group}/{}",
            event
                .object_ref
                .as_ref()
                .and_then(|object| object.api_version.as_ref())
                .map_or("v1", |version| version.as_str())
        ),
    };
    map.entry("apiVersion").or_insert_with(|| api_version.into());
    let metadata = map
        .entry("metadata")
        .or_insert_with(|| serde_json::Value::Object(Default::default()));
    if let Some(metadata) = metadata.as_object_mut() {
        if let Some(name) = event.name() {
            metadata.entry("name").or_insert_with(|| name.into());
        }
        if let Some(namespace) = event.namespace() {
            metadata.entry("namespace").or_insert_with(|| namespace.into());
        }
    }
    Some(object)
}

/// The findings of the manifest rules `ids` on the event's request object, as hits at
/// `requestObject.<field>`, each message naming the manifest rule.
pub(crate) fn manifest_hits(event: &Event<'_>, kind: &str, ids: &[&str], out: &mut Vec<Hit>) {
    let Some(object) = request_manifest(event, kind) else {
        return;
    };
    let rules: Vec<&'static rampart_k8s::Rule> = ids.iter().filter_map(|id| rampart_k8s::rules::find(id)).collect();
    let text = object.to_string();
    let loaded = rampart_k8s::loader::load_bytes("requestObject", text.as_bytes(), &Default::default());
    let config = rampart_k8s::ScanConfig::default();
    for finding in rampart_k8s::engine::check_objects(&loaded.objects, &config, &rules) {
        out.push(Hit::new(
            format!("requestObject.{}", finding.field),
            format!("{} ({})", finding.message, finding.rule),
        ));
    }
}

/// The Kubernetes kind of a resource the rules name, from its plural.
pub(crate) fn kind_of(resource: &str) -> &str {
    match resource {
        "pods" => "Pod",
        "deployments" => "Deployment",
        "daemonsets" => "DaemonSet",
        "statefulsets" => "StatefulSet",
        "replicasets" => "ReplicaSet",
        "jobs" => "Job",
        "cronjobs" => "CronJob",
        "replicationcontrollers" => "ReplicationController",
        "secrets" => "Secret",
        "configmaps" => "ConfigMap",
        "services" => "Service",
        "serviceaccounts" => "ServiceAccount",
        "namespaces" => "Namespace",
        "roles" => "Role",
        "clusterroles" => "ClusterRole",
        "rolebindings" => "RoleBinding",
        "clusterrolebindings" => "ClusterRoleBinding",
        "networkpolicies" => "NetworkPolicy",
        "nodes" => "Node",
        "certificatesigningrequests" => "CertificateSigningRequest",
        "validatingwebhookconfigurations" => "ValidatingWebhookConfiguration",
        "mutatingwebhookconfigurations" => "MutatingWebhookConfiguration",
        "validatingadmissionpolicies" => "ValidatingAdmissionPolicy",
        "validatingadmissionpolicybindings" => "ValidatingAdmissionPolicyBinding",
        other => other,
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! Events for the rules' tests, written as the API server writes them.

    use super::*;

    /// A `ResponseComplete` event by `user` (groups after `|`), `verb` on `resource` (with
    /// `/subresource`) of `namespace/name`, answered `code`, with `extra` JSON fields.
    pub fn event(user: &str, verb: &str, resource: &str, target: &str, code: u16, extra: &str) -> String {
        let (user, groups) = user.split_once('|').unwrap_or((user, "system:authenticated"));
        let groups: Vec<String> = groups.split(',').map(|group| format!("{group:?}")).collect();
        let (resource, subresource) = resource.split_once('/').unwrap_or((resource, ""));
        let (namespace, name) = target.split_once('/').unwrap_or(("", target));
        let mut object_ref = format!("\"resource\":{resource:?},\"apiVersion\":\"v1\"");
        if !subresource.is_empty() {
            object_ref.push_str(&format!(",\"subresource\":{subresource:?}"));
        }
        if !namespace.is_empty() {
            object_ref.push_str(&format!(",\"namespace\":{namespace:?}"));
        }
        if !name.is_empty() {
            object_ref.push_str(&format!(",\"name\":{name:?}"));
        }
        let extra = if extra.is_empty() {
            String::new()
        } else {
            format!(",{extra}")
        };
        format!(
            "{{\"kind\":\"Event\",\"apiVersion\":\"audit.k8s.io/v1\",\"level\":\"RequestResponse\",\"auditID\":\"id-1\",\"stage\":\"ResponseComplete\",\"requestURI\":\"/api/v1/{resource}\",\"verb\":{verb:?},\"user\":{{\"username\":{user:?},\"groups\":[{}]}},\"sourceIPs\":[\"10.0.0.7\"],\"userAgent\":\"kubectl/v1.31.0\",\"objectRef\":{{{object_ref}}},\"responseStatus\":{{\"code\":{code}}},\"requestReceivedTimestamp\":\"2026-12-01T10:00:00.000000Z\",\"annotations\":{{\"authorization.k8s.io/decision\":\"{}\"}}{extra}}}",
            groups.join(","),
            if code == 403 { "forbid" } else { "allow" }
        )
    }

    /// The hits of `rule` on the event `line`, with default settings and a fresh state.
    pub fn hits(rule: &Rule, line: &str) -> Vec<Hit> {
        hits_with(rule, line, &Settings::default())
    }

    pub fn hits_with(rule: &Rule, line: &str, settings: &Settings) -> Vec<Hit> {
        let event = Event::parse(line.as_bytes()).unwrap_or_else(|error| panic!("{error}: {line}"));
        let mut state = State::default();
        let mut context = Context {
            settings,
            state: &mut state,
        };
        let mut out = Vec::new();
        (rule.check)(&event, &mut context, &mut out);
        out
    }

    /// The fields of the hits.
    pub fn fields(hits: &[Hit]) -> Vec<&str> {
        hits.iter().map(|hit| hit.field.as_str()).collect()
    }
}
