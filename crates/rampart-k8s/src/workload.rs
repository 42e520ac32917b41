//! The workload model: where an object keeps its pod template, and a view
//! of that pod and its containers that rules read.
//!
//! Container rules read the *effective* security context: the container's
//! field when it sets one, otherwise the pod's. Ignoring that inheritance is
//! the most common false positive of the peer tools.

use crate::object::Object;
use crate::yaml::{Node, Pos};

/// A kind that carries a pod template, and where.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WorkloadKind {
    /// API groups the kind is accepted from (`""` is the core group).
    pub groups: Vec<String>,
    pub kind: String,
    /// Dotted path of the pod spec (`spec.template.spec`).
    pub pod_spec_path: String,
    /// Dotted path of the pod metadata (`spec.template.metadata`).
    pub pod_metadata_path: String,
    /// Jobs run to completion: no liveness or readiness probe expected.
    pub runs_to_completion: bool,
}

/// The table of workload kinds. Starts with Kubernetes' own and the common
/// custom ones; users can add theirs.
#[derive(Debug, Clone)]
pub struct WorkloadKinds {
    kinds: Vec<WorkloadKind>,
}

impl Default for WorkloadKinds {
    fn default() -> Self {
        let template = ("spec.template.spec", "spec.template.metadata");
        // (API groups, kind, (pod spec path, pod metadata path), runs to completion)
        type Builtin<'a> = (&'a [&'a str], &'a str, (&'a str, &'a str), bool);
        let builtin: &[Builtin<'_>] = &[
            (&[""], "Pod", ("spec", "metadata"), false),
            (&[""], "PodTemplate", ("template.spec", "template.metadata"), false),
            (&[""], "ReplicationController", template, false),
            (&["apps", "extensions"], "Deployment", template, false),
            (&["apps", "extensions"], "ReplicaSet", template, false),
            (&["apps", "extensions"], "DaemonSet", template, false),
            (&["apps"], "StatefulSet", template, false),
            (&["batch"], "Job", template, true),
            (
                &["batch"],
                "CronJob",
                (
                    "spec.jobTemplate.spec.template.spec",
                    "spec.jobTemplate.spec.template.metadata",
                ),
                true,
            ),
            (&["argoproj.io"], "Rollout", template, false),
            // OpenShift 3 served DeploymentConfig in the legacy core group `v1`.
            (&["apps.openshift.io", ""], "DeploymentConfig", template, false),
        ];
        let kinds = builtin
            .iter()
            .map(|(groups, kind, (spec, metadata), completes)| WorkloadKind {
                groups: groups.iter().map(|g| g.to_string()).collect(),
                kind: kind.to_string(),
                pod_spec_path: spec.to_string(),
                pod_metadata_path: metadata.to_string(),
                runs_to_completion: *completes,
            })
            .collect();
        WorkloadKinds { kinds }
    }
}

impl WorkloadKinds {
    /// Adds a custom kind whose pod template (a PodTemplateSpec, with
    /// `metadata` and `spec`) is at `template_path`; group `*` is any group.
    pub fn add(&mut self, group: &str, kind: &str, template_path: &str) {
        self.kinds.push(WorkloadKind {
            groups: vec![group.to_string()],
            kind: kind.to_string(),
            pod_spec_path: format!("{template_path}.spec"),
            pod_metadata_path: format!("{template_path}.metadata"),
            runs_to_completion: false,
        });
    }

    /// Every (API group, kind) with a pod template, built-in and
    /// configured (a kind allowed in any group is left out: it cannot be
    /// asked for by group).
    pub fn group_kinds(&self) -> Vec<(String, String)> {
        self.kinds
            .iter()
            .flat_map(|kind| {
                kind.groups
                    .iter()
                    .filter(|group| group.as_str() != "*")
                    .map(|group| (group.clone(), kind.kind.clone()))
            })
            .collect()
    }

    pub fn find(&self, object: &Object) -> Option<&WorkloadKind> {
        let group = object.group();
        self.kinds
            .iter()
            .find(|k| k.kind == object.kind && k.groups.iter().any(|g| g == group || g == "*"))
    }

    /// The pod of a workload object, if it is one and has a pod spec.
    pub fn pod_of<'a>(&self, object: &'a Object) -> Option<PodSpec<'a>> {
        let kind = self.find(object)?;
        let spec = object.root.get_path(&kind.pod_spec_path)?;
        if !spec.is_map() {
            return None;
        }
        Some(PodSpec {
            object,
            spec,
            spec_path: kind.pod_spec_path.clone(),
            metadata: object.root.get_path(&kind.pod_metadata_path),
            metadata_path: kind.pod_metadata_path.clone(),
            runs_to_completion: kind.runs_to_completion,
            containers: find_containers(spec, &kind.pod_spec_path),
        })
    }
}

/// The type the API server requires of a pod field.
#[derive(Clone, Copy)]
enum FieldType {
    Boolean,
    Integer,
}

/// Pod spec fields the rules read, with the type the API server requires.
const POD_FIELD_TYPES: &[(&str, FieldType)] = &[
    ("hostPID", FieldType::Boolean),
    ("hostIPC", FieldType::Boolean),
    ("hostNetwork", FieldType::Boolean),
    ("hostUsers", FieldType::Boolean),
    ("automountServiceAccountToken", FieldType::Boolean),
    ("shareProcessNamespace", FieldType::Boolean),
    ("securityContext.runAsNonRoot", FieldType::Boolean),
    ("securityContext.runAsUser", FieldType::Integer),
    ("securityContext.runAsGroup", FieldType::Integer),
    ("securityContext.fsGroup", FieldType::Integer),
];

/// Container fields the rules read, with their types.
const CONTAINER_FIELD_TYPES: &[(&str, FieldType)] = &[
    ("securityContext.privileged", FieldType::Boolean),
    ("securityContext.allowPrivilegeEscalation", FieldType::Boolean),
    ("securityContext.readOnlyRootFilesystem", FieldType::Boolean),
    ("securityContext.runAsNonRoot", FieldType::Boolean),
    ("securityContext.runAsUser", FieldType::Integer),
    ("securityContext.runAsGroup", FieldType::Integer),
];

/// A field whose value the API server would refuse for its type.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TypeError {
    pub pos: Pos,
    pub field: String,
    pub message: String,
}

impl PodSpec<'_> {
    /// Fields the rules read that hold a value of the wrong type
    /// (`privileged: "true"`, a string): the API server rejects such an
    /// object, and a rule reading the field would see no boolean and stay
    /// silent, so each is reported instead.
    pub fn type_errors(&self) -> Vec<TypeError> {
        let mut errors = Vec::new();
        let mut check = |node: Option<&Node>, path: String, expected: FieldType| {
            let Some(node) = node else {
                return;
            };
            let fits = match expected {
                FieldType::Boolean => node.as_bool().is_some(),
                FieldType::Integer => node.as_i64().is_some(),
            };
            if fits || node.is_null() {
                return;
            }
            let wanted = match expected {
                FieldType::Boolean => "a boolean (true or false, unquoted)",
                FieldType::Integer => "an integer",
            };
            let found = match &node.value {
                crate::yaml::Value::String(text) => format!("the string \"{text}\""),
                crate::yaml::Value::Seq(_) => "a list".to_string(),
                crate::yaml::Value::Map(_) => "a mapping".to_string(),
                other => format!("{other:?}"),
            };
            errors.push(TypeError {
                pos: node.pos,
                message: format!(
                    "`{path}` must be {wanted}, not {found}: the API server rejects this object, and no rule can judge the field"
                ),
                field: path,
            });
        };
        for (relative, expected) in POD_FIELD_TYPES {
            check(self.spec.get_path(relative), self.path(relative), *expected);
        }
        for container in &self.containers {
            for (relative, expected) in CONTAINER_FIELD_TYPES {
                check(container.node.get_path(relative), container.path(relative), *expected);
            }
        }
        errors
    }
}

/// Which list of the pod spec a container is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ContainerKind {
    Regular,
    Init,
    Ephemeral,
}

impl ContainerKind {
    pub fn list_name(self) -> &'static str {
        match self {
            ContainerKind::Regular => "containers",
            ContainerKind::Init => "initContainers",
            ContainerKind::Ephemeral => "ephemeralContainers",
        }
    }

    /// Words for messages: "container", "init container", ...
    pub fn noun(self) -> &'static str {
        match self {
            ContainerKind::Regular => "container",
            ContainerKind::Init => "init container",
            ContainerKind::Ephemeral => "ephemeral container",
        }
    }
}

/// A pod spec inside a workload object.
#[derive(Debug, Clone)]
pub struct PodSpec<'a> {
    pub object: &'a Object,
    pub spec: &'a Node,
    pub spec_path: String,
    pub metadata: Option<&'a Node>,
    pub metadata_path: String,
    pub runs_to_completion: bool,
    /// Init, regular and ephemeral containers, found once for all rules.
    containers: Vec<Container<'a>>,
}

/// A value found in the tree, with its field path.
#[derive(Debug, Clone)]
pub struct Field<'a> {
    pub node: &'a Node,
    pub path: String,
}

impl<'a> PodSpec<'a> {
    /// `spec_path.relative`.
    pub fn path(&self, relative: &str) -> String {
        format!("{}.{}", self.spec_path, relative)
    }

    pub fn field(&self, relative: &str) -> Option<Field<'a>> {
        self.spec.get_path(relative).map(|node| Field {
            node,
            path: self.path(relative),
        })
    }

    /// A pod-level `securityContext` field.
    pub fn security_field(&self, key: &str) -> Option<Field<'a>> {
        self.field(&format!("securityContext.{key}"))
    }

    /// Where to point when a pod-level field is missing: its security
    /// context if it has one, else the pod spec.
    pub fn security_anchor(&self) -> Pos {
        self.spec.get("securityContext").unwrap_or(self.spec).pos
    }

    pub fn annotations(&self) -> &'a [crate::yaml::Entry] {
        self.metadata
            .and_then(|m| m.get("annotations"))
            .map(Node::entries)
            .unwrap_or(&[])
    }

    /// `spec.os.name: windows`: the restricted profile exempts such pods
    /// from its Linux-only controls (privilege escalation, seccomp,
    /// capabilities).
    pub fn is_windows(&self) -> bool {
        self.spec.get_path("os.name").and_then(Node::as_str) == Some("windows")
    }

    /// `spec.hostUsers: false` runs the pod in a user namespace.
    pub fn uses_user_namespace(&self) -> bool {
        self.spec.get("hostUsers").and_then(Node::as_bool) == Some(false)
    }

    /// `initContainers`, `containers` and `ephemeralContainers`, in order.
    pub fn containers(&self) -> &[Container<'a>] {
        &self.containers
    }

    /// The containers a scheduler keeps running (not init, not ephemeral).
    pub fn regular_containers(&self) -> impl Iterator<Item = &Container<'a>> {
        self.containers.iter().filter(|c| c.kind == ContainerKind::Regular)
    }
}

fn find_containers<'a>(spec: &'a Node, spec_path: &str) -> Vec<Container<'a>> {
    let pod_security = spec.get("securityContext");
    let mut all = Vec::new();
    for kind in [ContainerKind::Init, ContainerKind::Regular, ContainerKind::Ephemeral] {
        let Some(list) = spec.get(kind.list_name()) else {
            continue;
        };
        for (index, node) in list.as_seq().iter().enumerate() {
            if !node.is_map() {
                continue;
            }
            all.push(Container {
                kind,
                index,
                // Knative allows nameless containers: name them by place.
                name: node
                    .get("name")
                    .and_then(Node::as_str)
                    .filter(|name| !name.is_empty())
                    .map_or_else(|| format!("{}[{index}]", kind.list_name()), str::to_string),
                node,
                path: format!("{}.{}[{}]", spec_path, kind.list_name(), index),
                pod_security,
                pod_security_path: format!("{spec_path}.securityContext"),
            });
        }
    }
    all
}

/// One container of a pod spec.
#[derive(Debug, Clone)]
pub struct Container<'a> {
    pub kind: ContainerKind,
    pub index: usize,
    pub name: String,
    pub node: &'a Node,
    /// `spec.template.spec.containers[0]`.
    pub path: String,
    pod_security: Option<&'a Node>,
    pod_security_path: String,
}

impl<'a> Container<'a> {
    pub fn path(&self, relative: &str) -> String {
        format!("{}.{}", self.path, relative)
    }

    pub fn field(&self, relative: &str) -> Option<Field<'a>> {
        self.node.get_path(relative).map(|node| Field {
            node,
            path: self.path(relative),
        })
    }

    /// A field of the container's own `securityContext`.
    pub fn security_field(&self, key: &str) -> Option<Field<'a>> {
        self.field(&format!("securityContext.{key}"))
    }

    /// A security setting as it applies to this container: the container's
    /// value when set, else the pod's. Only for fields a pod can set for all
    /// its containers (`runAsNonRoot`, `runAsUser`, `seccompProfile`, ...).
    pub fn effective_security_field(&self, key: &str) -> Option<Field<'a>> {
        self.security_field(key).filter(|f| !f.node.is_null()).or_else(|| {
            let node = self.pod_security?.get_path(key)?;
            (!node.is_null()).then(|| Field {
                node,
                path: format!("{}.{}", self.pod_security_path, key),
            })
        })
    }

    /// Path of a container-level security field, for a finding about it
    /// being missing.
    pub fn security_path(&self, key: &str) -> String {
        self.path(&format!("securityContext.{key}"))
    }

    /// Where to point when a security field is missing: the container's
    /// `securityContext` if it exists, else the container itself.
    pub fn security_anchor(&self) -> Pos {
        self.node.get("securityContext").unwrap_or(self.node).pos
    }

    pub fn image(&self) -> Option<Field<'a>> {
        self.field("image")
    }

    /// "container `app`", "init container `setup`".
    pub fn describe(&self) -> String {
        format!("{} `{}`", self.kind.noun(), self.name)
    }
}

/// Every container image the workloads of `objects` run, with where it is
/// written.
pub fn image_uses(objects: &[Object], kinds: &WorkloadKinds) -> Vec<rampart_core::ImageUse> {
    let mut uses = Vec::new();
    for object in objects {
        let Some(pod) = kinds.pod_of(object) else {
            continue;
        };
        for container in pod.containers() {
            let Some(field) = container.image() else {
                continue;
            };
            let Some(image) = field.node.as_str().filter(|image| !image.trim().is_empty()) else {
                continue;
            };
            uses.push(rampart_core::ImageUse {
                resource: object.resource.clone(),
                path: object.path.clone(),
                container: container.name.clone(),
                image: image.to_string(),
                line: field.node.pos.line as usize,
                column: field.node.pos.column as usize,
                field: field.path,
            });
        }
    }
    uses
}

/// The pull secrets (namespace, name) the objects name: each workload's
/// `imagePullSecrets`, and each ServiceAccount's (which the API server copies
/// into the pods it admits). Sorted, each once.
pub fn image_pull_secrets(objects: &[Object], kinds: &WorkloadKinds) -> Vec<(String, String)> {
    let mut names = std::collections::BTreeSet::new();
    for object in objects {
        let list = if object.kind == "ServiceAccount" && object.api_version == "v1" {
            object.root.get("imagePullSecrets")
        } else {
            kinds.pod_of(object).and_then(|pod| pod.spec.get("imagePullSecrets"))
        };
        let namespace = object.namespace.clone().unwrap_or_else(|| "default".to_string());
        for entry in list.map(Node::as_seq).unwrap_or_default() {
            if let Some(name) = entry.get("name").and_then(Node::as_str).filter(|name| !name.is_empty()) {
                names.insert((namespace.clone(), name.to_string()));
            }
        }
    }
    names.into_iter().collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::loader::{LoadOptions, load_bytes};

    fn objects(yaml: &str) -> Vec<Object> {
        let loaded = load_bytes("w.yaml", yaml.as_bytes(), &LoadOptions::default());
        assert!(loaded.errors.is_empty(), "{:?}", loaded.errors);
        loaded.objects
    }

    #[test]
    fn finds_pod_templates_of_builtin_and_known_custom_kinds() {
        let kinds = WorkloadKinds::default();
        let all = objects(
            "apiVersion: argoproj.io/v1alpha1\nkind: Rollout\nmetadata: {name: r}\nspec:\n  template:\n    spec:\n      containers: [{name: a}]\n---\napiVersion: batch/v1\nkind: CronJob\nmetadata: {name: c}\nspec:\n  jobTemplate:\n    spec:\n      template:\n        spec:\n          initContainers: [{name: i}]\n          containers: [{name: a}]\n---\napiVersion: example.com/v1\nkind: Rollout\nmetadata: {name: other-group}\nspec:\n  template:\n    spec:\n      containers: [{name: a}]\n",
        );
        let rollout = kinds.pod_of(&all[0]).expect("Argo Rollout is a workload");
        assert_eq!(rollout.spec_path, "spec.template.spec");
        let cron = kinds.pod_of(&all[1]).expect("CronJob is a workload");
        assert!(cron.runs_to_completion);
        let paths: Vec<&str> = cron.containers().iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            vec![
                "spec.jobTemplate.spec.template.spec.initContainers[0]",
                "spec.jobTemplate.spec.template.spec.containers[0]"
            ]
        );
        assert!(
            kinds.pod_of(&all[2]).is_none(),
            "same kind name in another group is not Argo's"
        );
    }

    #[test]
    fn knative_services_are_workloads_by_group_and_nameless_containers_are_named_by_place() {
        let mut kinds = WorkloadKinds::default();
        kinds.add("serving.knative.dev", "Service", "spec.template");
        let all = objects(
            "apiVersion: serving.knative.dev/v1\nkind: Service\nmetadata: {name: hello}\nspec:\n  template:\n    spec:\n      containers:\n      - image: ghcr.io/knative/helloworld-go\n      - name: \"\"\n        image: x\n---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  template: {spec: {containers: [{name: a}]}}\n",
        );
        let pod = kinds.pod_of(&all[0]).expect("Knative Service is a workload");
        let names: Vec<&str> = pod.containers().iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["containers[0]", "containers[1]"]);
        assert!(kinds.pod_of(&all[1]).is_none(), "a core Service is not");
    }

    #[test]
    fn wrongly_typed_security_fields_are_type_errors_at_their_line() {
        let kinds = WorkloadKinds::default();
        let all = objects(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  hostPID: \"true\"\n  securityContext: {runAsUser: \"0\"}\n  containers:\n  - name: a\n    securityContext:\n      privileged: \"true\"\n      allowPrivilegeEscalation: false\n      runAsUser: null\n",
        );
        let pod = kinds.pod_of(&all[0]).unwrap();
        let errors: Vec<(u32, String)> = pod
            .type_errors()
            .into_iter()
            .map(|error| (error.pos.line, error.field))
            .collect();
        assert_eq!(
            errors,
            [
                (5, "spec.hostPID".to_string()),
                (6, "spec.securityContext.runAsUser".to_string()),
                (10, "spec.containers[0].securityContext.privileged".to_string()),
            ]
        );
        assert!(pod.type_errors()[2].message.contains("the string \"true\""));
    }

    #[test]
    fn users_can_add_custom_workload_kinds() {
        let mut kinds = WorkloadKinds::default();
        let all = objects(
            "apiVersion: apps.example.com/v1\nkind: WebApp\nmetadata: {name: w}\nspec:\n  podTemplate:\n    metadata: {labels: {app: w}}\n    spec:\n      containers: [{name: web}]\n",
        );
        assert!(kinds.pod_of(&all[0]).is_none());
        kinds.add("apps.example.com", "WebApp", "spec.podTemplate");
        let pod = kinds.pod_of(&all[0]).expect("added kind is a workload");
        assert_eq!(pod.containers()[0].path, "spec.podTemplate.spec.containers[0]");
        assert!(pod.metadata.is_some());
    }

    #[test]
    fn effective_security_fields_inherit_from_the_pod_unless_overridden() {
        let kinds = WorkloadKinds::default();
        let all = objects(
            "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec:\n  securityContext: {runAsUser: 1000, runAsNonRoot: true}\n  containers:\n  - name: inherits\n  - name: overrides\n    securityContext: {runAsUser: 2000}\n  - name: nulls\n    securityContext: {runAsUser: null}\n",
        );
        let pod = kinds.pod_of(&all[0]).unwrap();
        let uid = |i: usize| {
            let field = pod.containers()[i].effective_security_field("runAsUser").unwrap();
            (field.node.as_i64().unwrap(), field.path)
        };
        assert_eq!(uid(0), (1000, "spec.securityContext.runAsUser".to_string()));
        assert_eq!(
            uid(1),
            (2000, "spec.containers[1].securityContext.runAsUser".to_string())
        );
        assert_eq!(uid(2), (1000, "spec.securityContext.runAsUser".to_string()));
        assert_eq!(pod.containers()[1].security_anchor().line, 9);
        assert_eq!(pod.containers()[0].security_anchor().line, 7);
    }

    #[test]
    fn pull_secrets_come_from_pod_specs_and_service_accounts() {
        let text = "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web, namespace: shop}\nspec:\n  template:\n    spec:\n      imagePullSecrets: [{name: ghcr}, {name: ''}]\n      containers: [{name: app, image: ghcr.io/acme/web:1}]\n---\napiVersion: v1\nkind: ServiceAccount\nmetadata: {name: builder}\nimagePullSecrets: [{name: ecr}, {name: ghcr}]\n---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: c, namespace: shop}\nimagePullSecrets: [{name: nope}]\n";
        let loaded = load_bytes("pull.yaml", text.as_bytes(), &LoadOptions::default());
        assert_eq!(
            image_pull_secrets(&loaded.objects, &WorkloadKinds::default()),
            [
                ("default".to_string(), "ecr".to_string()),
                ("default".to_string(), "ghcr".to_string()),
                ("shop".to_string(), "ghcr".to_string())
            ]
        );
    }
}
