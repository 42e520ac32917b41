//! What the playbooks share about identities and credentials: taking an identity out of
//! the bindings that name it (the write and its undo), its legacy token Secrets, what it
//! could do that matters (its reach), and what reads a Secret that must be rotated.
//!
//! A service account has no "disabled" field: it is disabled by unbinding it, deleting its
//! legacy token Secrets and no longer mounting its token; tokens already issued die with
//! the object they are bound to, or with the account (a recreated account has a new UID).

use rampart_k8s::Inventory;
use rampart_k8s::object::Object;
use rampart_k8s::workload::WorkloadKinds;
use serde_json::{Value, json};

use crate::plan::{Action, Check, Consumer, ObjectRef, Reach, Rotation};

/// What an identity could do that matters most: each, where a binding of the identity
/// itself gives it, is checked denied once contained.
pub(crate) const RISKY: &[(&str, &str, &str)] = &[
    ("get", "", "secrets"),
    ("list", "", "secrets"),
    ("create", "", "pods"),
    ("create", "", "pods/exec"),
    ("create", "", "serviceaccounts/token"),
    ("patch", "apps", "deployments"),
];

/// Further grants that widen a leak: reading Secrets by watch, taking other identities,
/// granting itself more.
const ESCALATING: &[(&str, &str, &str)] = &[
    ("watch", "", "secrets"),
    ("impersonate", "", "users"),
    ("impersonate", "", "groups"),
    ("impersonate", "", "serviceaccounts"),
    ("bind", "rbac.authorization.k8s.io", "clusterroles"),
    ("escalate", "rbac.authorization.k8s.io", "clusterroles"),
    ("create", "rbac.authorization.k8s.io", "clusterrolebindings"),
    ("create", "rbac.authorization.k8s.io", "rolebindings"),
    ("create", "certificates.k8s.io", "certificatesigningrequests"),
];

/// The subjects RBAC lets `verb` `resource` (of `group`) in `namespace` (`None`: anywhere,
/// or cluster-scoped), each once, sorted.
pub(crate) fn who_can(
    inventory: &Inventory,
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
) -> Vec<String> {
    let mut subjects: Vec<String> = inventory
        .rbac
        .who_can(verb, Some(group), resource, namespace)
        .into_iter()
        .map(|grant| grant.subject.describe())
        .collect();
    subjects.sort();
    subjects.dedup();
    subjects
}

pub(crate) fn reference(object: &Object) -> ObjectRef {
    ObjectRef {
        api_version: object.api_version.clone(),
        kind: object.kind.clone(),
        namespace: object.namespace.clone(),
        name: object.name.clone(),
    }
}

/// An identity as the API server authenticates it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Identity {
    ServiceAccount {
        namespace: String,
        name: String,
    },
    /// A user (a client certificate's CN, an OIDC subject) and the groups it arrives with.
    User {
        name: String,
        groups: Vec<String>,
    },
}

impl Identity {
    /// The name an access review asks about.
    pub fn user(&self) -> String {
        match self {
            Identity::ServiceAccount { namespace, name } => format!("system:serviceaccount:{namespace}:{name}"),
            Identity::User { name, .. } => name.clone(),
        }
    }

    /// The groups it is in: a service account's are implied by its namespace.
    pub fn groups(&self) -> Vec<String> {
        match self {
            Identity::ServiceAccount { namespace, .. } => vec![
                "system:serviceaccounts".to_string(),
                format!("system:serviceaccounts:{namespace}"),
                "system:authenticated".to_string(),
            ],
            Identity::User { groups, .. } => {
                let mut groups = groups.clone();
                if !groups.iter().any(|group| group == "system:authenticated") {
                    groups.push("system:authenticated".to_string());
                }
                groups
            }
        }
    }

    pub fn describe(&self) -> String {
        match self {
            Identity::ServiceAccount { namespace, name } => format!("ServiceAccount {namespace}/{name}"),
            Identity::User { name, .. } => format!("User {name}"),
        }
    }

    /// Whether a binding's subject (`binding_namespace`: where the binding is) is this
    /// identity itself, not a group it is in.
    pub(crate) fn is_subject(&self, subject: &Value, binding_namespace: Option<&str>) -> bool {
        let kind = subject["kind"].as_str().unwrap_or_default();
        let name = subject["name"].as_str().unwrap_or_default();
        match self {
            Identity::ServiceAccount {
                namespace,
                name: account,
            } => {
                // `User system:serviceaccount:ns:name` names the account too.
                (kind == "ServiceAccount"
                    && name == account
                    && subject["namespace"].as_str().or(binding_namespace) == Some(namespace.as_str()))
                    || (kind == "User" && name == self.user())
            }
            Identity::User { name: user, .. } => kind == "User" && name == user,
        }
    }

    fn bound_as(&self, subject: &rampart_k8s::rbac::Subject) -> bool {
        match (self, subject.kind.as_str()) {
            (Identity::ServiceAccount { namespace, name }, "ServiceAccount") => {
                &subject.name == name && subject.namespace.as_deref() == Some(namespace)
            }
            (_, "User") => subject.name == self.user(),
            (_, "Group") => self.groups().contains(&subject.name),
            _ => false,
        }
    }
}

/// Taking some subjects out of one binding: patch the rest in, or delete the binding when
/// none is left (its manifest kept for the undo).
pub(crate) struct Unbinding {
    pub binding: ObjectRef,
    pub action: Action,
    pub undo: Action,
    /// The verb, group and resource RBAC must allow for the write.
    pub permission: (&'static str, &'static str, &'static str),
    /// The subjects taken out.
    pub removed: Vec<Value>,
}

/// Every binding among `objects` naming a subject `removes` picks (given the subject and
/// the binding), as the write that takes them out.
pub(crate) fn unbind(objects: &[Object], removes: &dyn Fn(&Value, &Object) -> bool) -> Vec<Unbinding> {
    let mut unbindings = Vec::new();
    for binding in objects
        .iter()
        .filter(|object| matches!(object.kind.as_str(), "RoleBinding" | "ClusterRoleBinding"))
    {
        let json = binding.root.to_json();
        let subjects = json["subjects"].as_array().cloned().unwrap_or_default();
        let (removed, kept): (Vec<Value>, Vec<Value>) =
            subjects.iter().cloned().partition(|subject| removes(subject, binding));
        if removed.is_empty() {
            continue;
        }
        let object = reference(binding);
        let cluster = binding.kind == "ClusterRoleBinding";
        let (action, undo, permission) = if kept.is_empty() {
            (
                Action::Delete { object: object.clone() },
                Action::Create {
                    object: object.clone(),
                    manifest: json.clone(),
                },
                if cluster {
                    ("delete", "rbac.authorization.k8s.io", "clusterrolebindings")
                } else {
                    ("delete", "rbac.authorization.k8s.io", "rolebindings")
                },
            )
        } else {
            (
                Action::Patch {
                    object: object.clone(),
                    patch: json!({"subjects": kept}),
                },
                Action::Patch {
                    object: object.clone(),
                    patch: json!({"subjects": subjects}),
                },
                if cluster {
                    ("patch", "rbac.authorization.k8s.io", "clusterrolebindings")
                } else {
                    ("patch", "rbac.authorization.k8s.io", "rolebindings")
                },
            )
        };
        unbindings.push(Unbinding {
            binding: object,
            action,
            undo,
            permission,
            removed,
        });
    }
    unbindings
}

/// The legacy (never expiring) token Secrets of `namespace`, of one account or all.
pub(crate) fn legacy_tokens<'a>(objects: &'a [Object], namespace: &str, account: Option<&str>) -> Vec<&'a Object> {
    objects
        .iter()
        .filter(|object| object.namespace.as_deref() == Some(namespace))
        .filter(|object| token_account(object).is_some_and(|owner| account.is_none_or(|account| owner == account)))
        .collect()
}

/// The account a legacy token Secret belongs to (empty when it names none); `None` for
/// any other object.
pub(crate) fn token_account(object: &Object) -> Option<&str> {
    if object.kind != "Secret" {
        return None;
    }
    let owner = object
        .root
        .get_path("metadata.annotations")
        .and_then(|annotations| annotations.get("kubernetes.io/service-account.name"))
        .and_then(|name| name.as_str());
    match object.root.get("type").and_then(|kind| kind.as_str()) {
        Some("kubernetes.io/service-account-token") => Some(owner.unwrap_or_default()),
        Some(_) => None,
        // A live cluster's Secrets are read as metadata, without their type: the token
        // controller's annotation tells them.
        None => owner,
    }
}

/// What `identity` could do that matters most, each with the binding that gives it.
pub(crate) fn reach_of(inventory: &Inventory, identity: &Identity) -> Vec<Reach> {
    let mut reach = Vec::new();
    for (verb, group, resource) in RISKY.iter().chain(ESCALATING) {
        for grant in inventory.rbac.who_can(verb, Some(group), resource, None) {
            if !identity.bound_as(&grant.subject) {
                continue;
            }
            let found = Reach {
                verb: verb.to_string(),
                group: group.to_string(),
                resource: resource.to_string(),
                namespace: grant.namespace.clone(),
                subject: grant.subject.describe(),
                via: format!("{} -> {}", grant.binding, grant.role),
                confirmed: None,
            };
            if !reach.contains(&found) {
                reach.push(found);
            }
        }
    }
    reach
}

/// The checks that say `identity` lost what its own bindings gave it; grants to its groups
/// stay (other members need them), so they are named in `notes` instead.
pub(crate) fn denied_checks(reach: &[Reach], identity: &Identity, notes: &mut Vec<String>) -> Vec<Check> {
    let mut checks = Vec::new();
    let own = identity.describe();
    let mut through_groups: Vec<String> = Vec::new();
    for found in reach {
        if found.subject == own || found.subject == format!("User {}", identity.user()) {
            let check = Check::Denied {
                user: identity.user(),
                groups: match identity {
                    Identity::ServiceAccount { .. } => Vec::new(),
                    Identity::User { groups, .. } => groups.clone(),
                },
                verb: found.verb.clone(),
                group: found.group.clone(),
                resource: found.resource.clone(),
                namespace: found.namespace.clone(),
            };
            if !checks.contains(&check) {
                checks.push(check);
            }
        } else {
            let line = format!("{} ({})", found.subject, found.via);
            if !through_groups.contains(&line) {
                through_groups.push(line);
            }
        }
    }
    if !through_groups.is_empty() {
        notes.push(format!(
            "{} keeps what its groups are granted, which unbinding it cannot take away: {}; end the credential itself (delete the object a token is bound to, recreate the account, or wait out the certificate) or narrow those bindings",
            own,
            through_groups.join(", ")
        ));
    }
    checks
}

/// The annotations that tie a service account to a cloud identity.
const CLOUD_IDENTITIES: &[(&str, &str)] = &[
    ("eks.amazonaws.com/role-arn", "AWS IAM role"),
    ("iam.gke.io/gcp-service-account", "Google service account"),
    ("azure.workload.identity/client-id", "Azure managed identity"),
];

/// The cloud identities a service account can act as (workload identity), as
/// `AWS IAM role arn:...`.
pub(crate) fn cloud_identities(account: &Object) -> Vec<String> {
    let annotations = account.root.get_path("metadata.annotations");
    CLOUD_IDENTITIES
        .iter()
        .filter_map(|(key, what)| {
            let value = annotations?.get(key)?.as_str()?;
            Some(format!("{what} {value}"))
        })
        .collect()
}

/// The credentials to rotate, each once, in the order found.
#[derive(Default)]
pub(crate) struct Rotations(pub Vec<Rotation>);

impl Rotations {
    pub fn add(&mut self, rotation: Rotation) {
        if !self.0.iter().any(|known| known.credential == rotation.credential) {
            self.0.push(rotation);
        }
    }

    /// The cloud identities `account` acts as, for `identity`.
    pub fn add_cloud(&mut self, account: &Object, identity: &Identity) {
        for cloud in cloud_identities(account) {
            self.add(Rotation {
                credential: cloud,
                why: format!(
                    "{} acts as it (workload identity): revoke its active sessions",
                    identity.describe()
                ),
                consumers: Vec::new(),
            });
        }
    }

    /// `rotate a, b, c`.
    pub fn instruction(&self) -> String {
        format!(
            "rotate {}",
            self.0
                .iter()
                .map(|rotation| rotation.credential.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    }
}

/// The Secrets among `objects` that `reach` lets read (get, list or watch secrets), by
/// namespace and name.
pub(crate) fn readable_secrets<'a>(objects: &'a [Object], reach: &[Reach]) -> Vec<&'a Object> {
    let reads: Vec<&Reach> = reach
        .iter()
        .filter(|found| found.resource == "secrets" && matches!(found.verb.as_str(), "get" | "list" | "watch"))
        .collect();
    objects
        .iter()
        .filter(|object| object.kind == "Secret")
        .filter(|secret| {
            reads
                .iter()
                .any(|found| found.namespace.is_none() || found.namespace == secret.namespace)
        })
        .collect()
}

/// The workloads of `namespace` that read Secret `name`, and how. Pods a controller owns
/// are represented by the controller.
pub(crate) fn consumers(objects: &[Object], namespace: &str, name: &str) -> Vec<Consumer> {
    consumers_of(objects, namespace, name, Source::Secret)
}

/// The workloads of `namespace` that read the Secret or ConfigMap `name`, and how
/// (service accounts' pull secrets and Ingress TLS for a Secret).
pub(crate) fn consumers_of(objects: &[Object], namespace: &str, name: &str, source: Source) -> Vec<Consumer> {
    let kinds = WorkloadKinds::default();
    let mut found = Vec::new();
    for object in objects
        .iter()
        .filter(|object| object.namespace.as_deref() == Some(namespace))
    {
        let workload = format!("{}/{namespace}/{}", object.kind, object.name);
        match object.kind.as_str() {
            "ServiceAccount" | "Ingress" if source == Source::ConfigMap => continue,
            "ServiceAccount" => {
                let pulls = object
                    .root
                    .get("imagePullSecrets")
                    .map(|list| list.as_seq())
                    .unwrap_or(&[]);
                if pulls
                    .iter()
                    .any(|item| item.get("name").and_then(|name| name.as_str()) == Some(name))
                {
                    found.push(Consumer {
                        workload,
                        via: "imagePullSecrets".to_string(),
                        restart: false,
                    });
                }
                continue;
            }
            "Ingress" => {
                let tls = object
                    .root
                    .get_path("spec.tls")
                    .map(|list| list.as_seq())
                    .unwrap_or(&[]);
                if tls
                    .iter()
                    .any(|item| item.get("secretName").and_then(|secret| secret.as_str()) == Some(name))
                {
                    found.push(Consumer {
                        workload,
                        via: "Ingress TLS".to_string(),
                        restart: false,
                    });
                }
                continue;
            }
            _ => {}
        }
        let controlled = object
            .root
            .get_path("metadata.ownerReferences")
            .map(|owners| owners.as_seq())
            .unwrap_or(&[])
            .iter()
            .any(|owner| owner.get("controller").and_then(|controller| controller.as_bool()) == Some(true));
        if controlled {
            continue;
        }
        let Some(pod) = kinds.pod_of(object) else {
            continue;
        };
        for via in pod_reads(&pod.spec.to_json(), name, source) {
            let restart = via != "volume" && via != "imagePullSecrets";
            let consumer = Consumer {
                workload: workload.clone(),
                via,
                restart,
            };
            if !found.contains(&consumer) {
                found.push(consumer);
            }
        }
    }
    found
}

/// What holds the value a pod reads.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Source {
    Secret,
    ConfigMap,
}

/// How a pod spec reads the Secret or ConfigMap `name`: `env`, `envFrom`, `volume`,
/// `volume (subPath)`, `imagePullSecrets`.
fn pod_reads(spec: &Value, name: &str, source: Source) -> Vec<String> {
    let (volume_key, volume_name, key_ref, from_ref) = match source {
        Source::Secret => ("secret", "secretName", "secretKeyRef", "secretRef"),
        Source::ConfigMap => ("configMap", "name", "configMapKeyRef", "configMapRef"),
    };
    let mut ways = Vec::new();
    let mut volumes: Vec<&str> = Vec::new();
    for volume in spec["volumes"].as_array().into_iter().flatten() {
        let direct = volume[volume_key][volume_name].as_str() == Some(name);
        let projected = volume["projected"]["sources"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|projected| projected[volume_key]["name"].as_str() == Some(name));
        if (direct || projected)
            && let Some(volume_name) = volume["name"].as_str()
        {
            volumes.push(volume_name);
        }
    }
    for list in ["initContainers", "containers"] {
        for container in spec[list].as_array().into_iter().flatten() {
            if container["env"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|env| env["valueFrom"][key_ref]["name"].as_str() == Some(name))
            {
                ways.push("env".to_string());
            }
            if container["envFrom"]
                .as_array()
                .into_iter()
                .flatten()
                .any(|entry| entry[from_ref]["name"].as_str() == Some(name))
            {
                ways.push("envFrom".to_string());
            }
            for mount in container["volumeMounts"].as_array().into_iter().flatten() {
                if !volumes.contains(&mount["name"].as_str().unwrap_or_default()) {
                    continue;
                }
                // A subPath mount is a copy made at start: it never sees a new value.
                let sub_path = mount["subPath"].is_string() || mount["subPathExpr"].is_string();
                ways.push(if sub_path { "volume (subPath)" } else { "volume" }.to_string());
            }
        }
    }
    if source == Source::Secret
        && spec["imagePullSecrets"]
            .as_array()
            .into_iter()
            .flatten()
            .any(|item| item["name"].as_str() == Some(name))
    {
        ways.push("imagePullSecrets".to_string());
    }
    ways.dedup();
    ways
}

#[cfg(test)]
mod tests {
    use super::*;
    use rampart_k8s::loader::{LoadOptions, load_bytes};

    #[test]
    fn a_pod_reads_a_secret_by_environment_volume_and_pull() {
        let spec = json!({
            "volumes": [
                {"name": "certs", "secret": {"secretName": "db"}},
                {"name": "all", "projected": {"sources": [{"secret": {"name": "db"}}]}},
                {"name": "other", "secret": {"secretName": "x"}}
            ],
            "imagePullSecrets": [{"name": "db"}],
            "containers": [
                {"name": "a", "env": [{"name": "P", "valueFrom": {"secretKeyRef": {"name": "db", "key": "p"}}}],
                 "volumeMounts": [{"name": "certs", "mountPath": "/c"}, {"name": "other", "mountPath": "/o"}]},
                {"name": "b", "envFrom": [{"secretRef": {"name": "db"}}],
                 "volumeMounts": [{"name": "all", "mountPath": "/a/f", "subPath": "f"}]}
            ]
        });
        assert_eq!(
            pod_reads(&spec, "db", Source::Secret),
            ["env", "volume", "envFrom", "volume (subPath)", "imagePullSecrets"]
        );
        assert!(pod_reads(&spec, "nope", Source::Secret).is_empty());
    }

    #[test]
    fn consumers_are_controllers_not_their_pods() {
        let objects = load_bytes(
            "c.yaml",
            br#"
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: shop}
spec: {template: {spec: {containers: [{name: a, image: x, env: [{name: P, valueFrom: {secretKeyRef: {name: db, key: p}}}]}]}}}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, namespace: shop, ownerReferences: [{kind: ReplicaSet, name: web-1, controller: true}]}
spec: {containers: [{name: a, image: x, env: [{name: P, valueFrom: {secretKeyRef: {name: db, key: p}}}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: else}
spec: {containers: [{name: a, image: x, env: [{name: P, valueFrom: {secretKeyRef: {name: db, key: p}}}]}]}
---
apiVersion: v1
kind: ServiceAccount
metadata: {name: web, namespace: shop}
imagePullSecrets: [{name: db}]
"#,
            &LoadOptions::default(),
        )
        .objects;
        let found = consumers(&objects, "shop", "db");
        assert_eq!(
            found,
            [
                Consumer {
                    workload: "Deployment/shop/web".into(),
                    via: "env".into(),
                    restart: true
                },
                Consumer {
                    workload: "ServiceAccount/shop/web".into(),
                    via: "imagePullSecrets".into(),
                    restart: false
                },
            ]
        );
    }

    #[test]
    fn an_account_is_named_by_kind_or_by_its_user_name() {
        let account = Identity::ServiceAccount {
            namespace: "shop".into(),
            name: "web".into(),
        };
        assert!(account.is_subject(&json!({"kind": "ServiceAccount", "name": "web"}), Some("shop")));
        assert!(!account.is_subject(&json!({"kind": "ServiceAccount", "name": "web"}), Some("other")));
        assert!(account.is_subject(
            &json!({"kind": "ServiceAccount", "name": "web", "namespace": "shop"}),
            None
        ));
        assert!(account.is_subject(&json!({"kind": "User", "name": "system:serviceaccount:shop:web"}), None));
        assert!(!account.is_subject(&json!({"kind": "Group", "name": "system:serviceaccounts:shop"}), None));
        let user = Identity::User {
            name: "alice".into(),
            groups: vec!["dev".into()],
        };
        assert_eq!(user.groups(), ["dev", "system:authenticated"]);
        assert!(user.is_subject(&json!({"kind": "User", "name": "alice"}), None));
        assert!(!user.is_subject(&json!({"kind": "Group", "name": "dev"}), None));
    }
}
