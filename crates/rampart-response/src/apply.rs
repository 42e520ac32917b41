//! Applying a plan to a cluster, one step at a time: each write journalled with the time
//! it started and ended, its result and what undoes it, the journal written after every
//! step so that a run stopped midway (a 403, a conflict, a crash) can still be undone.
//! `undo` plays the recorded undos back, newest first.

use std::path::{Path, PathBuf};

use kube::api::{Api, DeleteParams, DynamicObject, Patch, PatchParams, PostParams};
use kube::core::{ApiResource, GroupVersionKind};
use serde::{Deserialize, Serialize};

use crate::plan::{Action, Check, ObjectRef, Plan, Step};

/// How a step ended.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case", tag = "result", content = "detail")]
pub enum StepResult {
    Done,
    /// Sent with `dryRun=All`: the API server judged it, nothing changed.
    DryRun,
    /// Left for a person (a manual step, or declined at the prompt).
    Skipped(String),
    Failed(String),
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub step: String,
    pub action: Action,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub undo: Option<Action>,
    /// Unix seconds.
    pub started: i64,
    pub ended: i64,
    #[serde(flatten)]
    pub result: StepResult,
    /// Files a capture wrote, relative to the journal's folder.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub captured: Vec<String>,
}

/// What applying (and undoing) a plan did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Journal {
    pub version: u32,
    pub incident: String,
    pub playbook: String,
    pub target: String,
    pub dry_run: bool,
    pub entries: Vec<Entry>,
    /// Undos played back, newest first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub undone: Vec<Entry>,
    /// The plan's checks, for `respond verify`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub checks: Vec<Check>,
    /// Each time the checks were run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verified: Vec<Verification>,
    /// Seconds from the first step's start to the first verification that passed whole:
    /// the time to containment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contained_after: Option<i64>,
}

/// One run of the checks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Verification {
    /// Unix seconds.
    pub time: i64,
    pub results: Vec<CheckResult>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub check: String,
    pub passed: bool,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
}

impl Journal {
    /// The incident as the run store keeps it; `drill` names the drill that staged it,
    /// `declared` when it began (the drill's injection).
    pub fn incident_record(&self, drill: Option<&str>, declared: Option<i64>) -> rampart_report::store::IncidentRecord {
        let started = self.entries.first().map(|entry| entry.started);
        rampart_report::store::IncidentRecord {
            id: self.incident.clone(),
            playbook: self.playbook.clone(),
            target: self.target.clone(),
            drill: drill.map(str::to_string),
            dry_run: self.dry_run,
            declared,
            detected: None,
            started,
            contained: started
                .zip(self.contained_after)
                .map(|(started, after)| started + after),
            steps: self.entries.len(),
            failed: self
                .entries
                .iter()
                .filter(|entry| matches!(entry.result, StepResult::Failed(_)))
                .count(),
            undone: !self.undone.is_empty(),
        }
    }

    pub fn read(path: &Path) -> Result<Journal, String> {
        let text = std::fs::read_to_string(path).map_err(|error| format!("{}: {error}", path.display()))?;
        serde_json::from_str(&text).map_err(|error| format!("{}: not a journal: {error}", path.display()))
    }

    /// Writes the journal over `path` (a sibling, then a rename).
    pub fn write(&self, path: &Path) -> Result<(), String> {
        let text = serde_json::to_string_pretty(self).map_err(|error| error.to_string())? + "\n";
        let temporary = path.with_extension("json.part");
        std::fs::write(&temporary, text).map_err(|error| format!("{}: {error}", temporary.display()))?;
        std::fs::rename(&temporary, path).map_err(|error| format!("{}: {error}", path.display()))
    }
}

/// The API resource of an object a plan names.
fn api_resource(object: &ObjectRef) -> ApiResource {
    let (group, version) = object.api_version.rsplit_once('/').unwrap_or(("", &object.api_version));
    let plural = crate::plan::resource_of(&object.kind);
    ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, &object.kind), &plural)
}

fn api(client: &kube::Client, object: &ObjectRef) -> Api<DynamicObject> {
    let resource = api_resource(object);
    match &object.namespace {
        Some(namespace) => Api::namespaced_with(client.clone(), namespace, &resource),
        None => Api::all_with(client.clone(), &resource),
    }
}

fn error_text(error: kube::Error) -> String {
    match error {
        kube::Error::Api(status) => format!("{} {}: {}", status.code, status.reason, status.message),
        other => other.to_string(),
    }
}

/// An object as evidence keeps it: a Secret's values never (its metadata and type do),
/// nor the copy `kubectl apply` leaves in an annotation.
pub fn redacted(mut object: serde_json::Value) -> serde_json::Value {
    if object["kind"] == "Secret" {
        if let Some(fields) = object.as_object_mut() {
            fields.remove("data");
            fields.remove("stringData");
        }
        if let Some(annotations) = object["metadata"]["annotations"].as_object_mut() {
            annotations.remove("kubectl.kubernetes.io/last-applied-configuration");
        }
    }
    object
}

/// Writes `object` (redacted) as `folder/name`; returns the name.
fn keep(folder: &Path, name: String, object: serde_json::Value) -> Result<String, String> {
    let text = serde_json::to_string_pretty(&redacted(object)).map_err(|error| error.to_string())? + "\n";
    std::fs::write(folder.join(&name), text).map_err(|error| format!("{name}: {error}"))?;
    Ok(name)
}

/// Runs one action; a capture writes into `folder`, and a write keeps the object as it
/// was before (`label-before.json`) and as the API server answered (`label-after.json`).
async fn run(
    client: &kube::Client,
    action: &Action,
    dry_run: bool,
    folder: &Path,
    label: &str,
) -> (StepResult, Vec<String>) {
    let done = if dry_run { StepResult::DryRun } else { StepResult::Done };
    let object = match action {
        Action::Manual { instruction } => {
            return (StepResult::Skipped(format!("for a person: {instruction}")), Vec::new());
        }
        Action::Capture { object, .. } => {
            return match capture(client, object, folder).await {
                Ok(files) => (StepResult::Done, files),
                Err(error) => (StepResult::Failed(error), Vec::new()),
            };
        }
        Action::Patch { object, .. } | Action::Create { object, .. } | Action::Delete { object } => object,
    };
    let mut files = Vec::new();
    // The object before: an undo restores from the plan, the evidence shows it as it was.
    if let Ok(before) = api(client, object).get(&object.name).await
        && let Ok(json) = serde_json::to_value(&before)
        && let Ok(name) = keep(folder, format!("{label}-before.json"), json)
    {
        files.push(name);
    }
    let answered: Result<Option<DynamicObject>, kube::Error> = match action {
        Action::Patch { patch, .. } => {
            let params = PatchParams {
                dry_run,
                ..PatchParams::default()
            };
            api(client, object)
                .patch(&object.name, &params, &Patch::Merge(patch))
                .await
                .map(Some)
        }
        Action::Create { manifest, .. } => {
            let Ok(created) = serde_json::from_value::<DynamicObject>(manifest.clone()) else {
                return (StepResult::Failed("the manifest is not an object".to_string()), files);
            };
            let params = PostParams {
                dry_run,
                ..PostParams::default()
            };
            api(client, object).create(&params, &created).await.map(Some)
        }
        _ => {
            let params = DeleteParams {
                dry_run,
                ..DeleteParams::default()
            };
            match api(client, object).delete(&object.name, &params).await {
                Ok(either) => Ok(either.left()),
                // Gone already is what deleting wanted.
                Err(kube::Error::Api(status)) if status.code == 404 => Ok(None),
                Err(error) => Err(error),
            }
        }
    };
    match answered {
        Ok(after) => {
            if let Some(json) = after.and_then(|after| serde_json::to_value(&after).ok())
                && let Ok(name) = keep(folder, format!("{label}-after.json"), json)
            {
                files.push(name);
            }
            (done, files)
        }
        Err(error) => (StepResult::Failed(error_text(error)), files),
    }
}

/// The kinds a namespace's preservation reads: (group/version, plural, kind).
const PRESERVED: &[(&str, &str, &str)] = &[
    ("v1", "pods", "Pod"),
    ("v1", "services", "Service"),
    ("v1", "serviceaccounts", "ServiceAccount"),
    ("v1", "configmaps", "ConfigMap"),
    ("v1", "secrets", "Secret"),
    ("v1", "persistentvolumeclaims", "PersistentVolumeClaim"),
    ("v1", "resourcequotas", "ResourceQuota"),
    ("apps/v1", "deployments", "Deployment"),
    ("apps/v1", "statefulsets", "StatefulSet"),
    ("apps/v1", "daemonsets", "DaemonSet"),
    ("apps/v1", "replicasets", "ReplicaSet"),
    ("batch/v1", "jobs", "Job"),
    ("batch/v1", "cronjobs", "CronJob"),
    ("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy"),
    ("networking.k8s.io/v1", "ingresses", "Ingress"),
    ("rbac.authorization.k8s.io/v1", "roles", "Role"),
    ("rbac.authorization.k8s.io/v1", "rolebindings", "RoleBinding"),
];

/// Lists `plural` (of `kind`) of `group_version` in `namespace` (`field`: a field
/// selector) as JSON, each item with its kind and apiVersion (lists leave them out).
async fn list_in(
    client: &kube::Client,
    (group_version, plural, kind): (&str, &str, &str),
    namespace: &str,
    field: Option<&str>,
) -> Result<Vec<serde_json::Value>, String> {
    let (group, version) = group_version.rsplit_once('/').unwrap_or(("", group_version));
    let resource = ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk(group, version, kind), plural);
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, &resource);
    let mut params = kube::api::ListParams::default();
    if let Some(field) = field {
        params = params.fields(field);
    }
    let list = api.list(&params).await.map_err(error_text)?;
    Ok(list
        .items
        .into_iter()
        .filter_map(|item| serde_json::to_value(item).ok())
        .map(|mut item| {
            item["kind"] = serde_json::json!(kind);
            item["apiVersion"] = serde_json::json!(group_version);
            item
        })
        .collect())
}

/// Keeps what ending a pod loses: the object itself and each container's logs (the
/// previous run's too, when there was one). Other objects: the object as it stands.
async fn capture(client: &kube::Client, object: &ObjectRef, folder: &Path) -> Result<Vec<String>, String> {
    let base = format!(
        "{}-{}-{}",
        object.kind.to_ascii_lowercase(),
        object.namespace.as_deref().unwrap_or("cluster"),
        object.name
    );
    let found = api(client, object).get(&object.name).await.map_err(error_text)?;
    let mut files = Vec::new();
    let mut write = |name: String, text: &str| -> Result<(), String> {
        std::fs::write(folder.join(&name), text).map_err(|error| format!("{name}: {error}"))?;
        files.push(name);
        Ok(())
    };
    let json = serde_json::to_value(&found).map_err(|error| error.to_string())?;
    write(
        format!("{base}.json"),
        &serde_json::to_string_pretty(&redacted(json)).map_err(|error| error.to_string())?,
    )?;
    // What is read about an object besides it: a kind the cluster does not serve, or may
    // not be listed, is named in its own file rather than failing the capture.
    let (namespace, events_field) = match (&object.kind[..], &object.namespace) {
        ("Namespace", _) => (Some(object.name.clone()), None),
        (_, Some(namespace)) => (
            Some(namespace.clone()),
            Some(format!("involvedObject.name={}", object.name)),
        ),
        _ => (None, None),
    };
    if let Some(namespace) = &namespace {
        match list_in(client, ("v1", "events", "Event"), namespace, events_field.as_deref()).await {
            Ok(events) => write(
                format!("{base}-events.json"),
                &serde_json::to_string_pretty(&events).map_err(|error| error.to_string())?,
            )?,
            Err(error) => write(format!("{base}-events.error.txt"), &(error + "\n"))?,
        }
    }
    let mut pods = Vec::new();
    if object.kind == "Namespace" {
        let mut objects = Vec::new();
        let mut unread = String::new();
        for &(group_version, plural, kind) in PRESERVED {
            match list_in(client, (group_version, plural, kind), &object.name, None).await {
                Ok(items) => objects.extend(items.into_iter().map(redacted)),
                Err(error) => unread.push_str(&format!("{group_version} {plural}: {error}\n")),
            }
        }
        write(
            format!("{base}-objects.json"),
            &serde_json::to_string_pretty(&objects).map_err(|error| error.to_string())?,
        )?;
        if !unread.is_empty() {
            write(format!("{base}-objects.error.txt"), &unread)?;
        }
        // Every pod's logs, as a pod capture keeps them.
        for pod in objects.iter().filter(|object| object["kind"] == "Pod") {
            let Some(name) = pod["metadata"]["name"].as_str() else {
                continue;
            };
            let pod_ref = ObjectRef {
                api_version: "v1".to_string(),
                kind: "Pod".to_string(),
                namespace: Some(object.name.clone()),
                name: name.to_string(),
            };
            pods.push(pod_ref);
        }
    }
    if object.kind == "Pod"
        && let Some(namespace) = &object.namespace
    {
        let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), namespace);
        let containers: Vec<String> = found.data["spec"]["containers"]
            .as_array()
            .map(|containers| {
                containers
                    .iter()
                    .filter_map(|container| container["name"].as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default();
        for container in containers {
            for previous in [false, true] {
                let params = kube::api::LogParams {
                    container: Some(container.clone()),
                    previous,
                    ..kube::api::LogParams::default()
                };
                match pods.logs(&object.name, &params).await {
                    Ok(text) => write(
                        format!("{base}-{container}{}.log", if previous { "-previous" } else { "" }),
                        &text,
                    )?,
                    // No previous run: nothing to keep.
                    Err(kube::Error::Api(status)) if previous && status.code == 400 => {}
                    Err(error) => return Err(format!("logs of {container}: {}", error_text(error))),
                }
            }
        }
    }
    for pod in pods {
        files.extend(Box::pin(capture(client, &pod, folder)).await?);
    }
    Ok(files)
}

/// Applies `plan`, asking `confirm` before each disruptive step (declined: skipped and the
/// run stops there); the journal is written to `journal` after every step. Stops at the
/// first failure: the journal then says what was done, for `undo`.
pub async fn apply(
    client: &kube::Client,
    plan: &Plan,
    dry_run: bool,
    journal_path: &Path,
    confirm: &mut dyn FnMut(&Step) -> bool,
) -> Result<Journal, String> {
    let folder: PathBuf = journal_path
        .parent()
        .filter(|parent| !parent.as_os_str().is_empty())
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let mut journal = Journal {
        version: 1,
        incident: plan.incident.clone(),
        playbook: plan.playbook.clone(),
        target: plan.target.clone(),
        dry_run,
        entries: Vec::new(),
        undone: Vec::new(),
        checks: plan.checks.clone(),
        verified: Vec::new(),
        contained_after: None,
    };
    journal.write(journal_path)?;
    for step in &plan.steps {
        let started = rampart_core::unix_now();
        let (result, captured) = if step.disruptive && !confirm(step) {
            (StepResult::Skipped("declined".to_string()), Vec::new())
        } else {
            // A capture reads: it runs for real in a dry run too, so the rehearsal keeps evidence.
            run(client, &step.action, dry_run, &folder, &step.id).await
        };
        let stop = matches!(result, StepResult::Failed(_) | StepResult::Skipped(_))
            && !matches!(step.action, Action::Manual { .. });
        journal.entries.push(Entry {
            step: step.id.clone(),
            action: step.action.clone(),
            undo: step.undo.clone(),
            started,
            ended: rampart_core::unix_now(),
            result,
            captured,
        });
        journal.write(journal_path)?;
        if stop {
            break;
        }
    }
    Ok(journal)
}

/// Plays back the undo of every step the journal says was done, newest first; each result
/// is added to the journal's `undone`.
pub async fn undo(client: &kube::Client, journal: &mut Journal, journal_path: &Path) -> Result<(), String> {
    let folder = journal_path
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf);
    let done: Vec<Entry> = journal
        .entries
        .iter()
        .filter(|entry| entry.result == StepResult::Done && entry.undo.is_some())
        .cloned()
        .collect();
    for entry in done.iter().rev() {
        let Some(action) = &entry.undo else { continue };
        let started = rampart_core::unix_now();
        let (mut result, _) = run(client, action, false, &folder, &format!("undo-{}", entry.step)).await;
        // An object the plan deleted since (the pod D4 ended) has nothing left to undo.
        if matches!(&result, StepResult::Failed(detail) if detail.starts_with("404 ")) {
            result = StepResult::Skipped("the object is gone".to_string());
        }
        // An object put back that is there already (a recreated service account).
        if matches!(action, Action::Create { .. })
            && matches!(&result, StepResult::Failed(detail) if detail.starts_with("409 "))
        {
            result = StepResult::Skipped("the object is there already".to_string());
        }
        journal.undone.push(Entry {
            step: entry.step.clone(),
            action: action.clone(),
            undo: None,
            started,
            ended: rampart_core::unix_now(),
            result,
            captured: Vec::new(),
        });
        journal.write(journal_path)?;
    }
    Ok(())
}

/// Runs one check against the cluster: whether it passed, and what was seen.
async fn check(client: &kube::Client, check: &Check) -> (bool, String) {
    match check {
        Check::Exists { object } => match api(client, object).get(&object.name).await {
            Ok(_) => (true, String::new()),
            Err(error) => (false, error_text(error)),
        },
        Check::NoRunningPods { namespace, selector } => {
            let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::namespaced(client.clone(), namespace);
            let mut params = kube::api::ListParams::default();
            if !selector.is_empty() {
                params = params.labels(selector);
            }
            match pods.list(&params).await {
                Ok(list) => {
                    let running: Vec<String> = list
                        .items
                        .iter()
                        .filter(|pod| {
                            let phase = pod.status.as_ref().and_then(|status| status.phase.as_deref());
                            !matches!(phase, Some("Succeeded" | "Failed"))
                        })
                        .filter_map(|pod| pod.metadata.name.clone())
                        .collect();
                    (running.is_empty(), running.join(", "))
                }
                Err(error) => (false, error_text(error)),
            }
        }
        Check::Gone { object } => match api(client, object).get(&object.name).await {
            Ok(_) => (false, "still there".to_string()),
            Err(kube::Error::Api(status)) if status.code == 404 => (true, String::new()),
            Err(error) => (false, error_text(error)),
        },
        Check::Isolated {
            namespace,
            labels,
            direction,
        } => match list_in(
            client,
            ("networking.k8s.io/v1", "networkpolicies", "NetworkPolicy"),
            namespace,
            None,
        )
        .await
        {
            Ok(policies) => isolated(&policies, labels, direction),
            Err(error) => (false, error),
        },
        Check::Field {
            object,
            pointer,
            equals,
        } => match api(client, object).get(&object.name).await {
            Ok(found) => {
                let json = serde_json::to_value(&found).unwrap_or_default();
                let value = json.pointer(pointer).cloned().unwrap_or(serde_json::Value::Null);
                if &value == equals {
                    (true, String::new())
                } else {
                    (false, format!("it is {value}"))
                }
            }
            Err(error) => (false, error_text(error)),
        },
        Check::ImageNotRunning { block } => {
            let pods: Api<k8s_openapi::api::core::v1::Pod> = Api::all(client.clone());
            match pods.list(&kube::api::ListParams::default()).await {
                Ok(list) => {
                    let running: Vec<String> = list
                        .items
                        .iter()
                        .filter(|pod| {
                            let status = pod.status.as_ref();
                            let phase = status.and_then(|status| status.phase.as_deref());
                            if matches!(phase, Some("Succeeded" | "Failed")) {
                                return false;
                            }
                            let named = pod.spec.iter().flat_map(|spec| {
                                spec.containers
                                    .iter()
                                    .chain(spec.init_containers.iter().flatten())
                                    .filter_map(|container| container.image.clone())
                            });
                            let pulled = status.into_iter().flat_map(|status| {
                                status
                                    .container_statuses
                                    .iter()
                                    .flatten()
                                    .chain(status.init_container_statuses.iter().flatten())
                                    .map(|container| container.image_id.clone())
                            });
                            named.chain(pulled).any(|image| block.blocks(&image))
                        })
                        .map(|pod| {
                            format!(
                                "{}/{}",
                                pod.metadata.namespace.as_deref().unwrap_or_default(),
                                pod.metadata.name.as_deref().unwrap_or_default()
                            )
                        })
                        .collect();
                    (running.is_empty(), running.join(", "))
                }
                Err(error) => (false, error_text(error)),
            }
        }
        Check::Denied {
            user,
            groups,
            verb,
            group,
            resource,
            namespace,
        } => match allowed(client, user, groups, verb, group, resource, namespace.as_deref()).await {
            Ok(true) => (false, "still allowed".to_string()),
            Ok(false) => (true, String::new()),
            Err(error) => (false, error),
        },
    }
}

/// Judges `Check::Isolated` over a namespace's NetworkPolicies, with the scan's own
/// selector and peer reading.
fn isolated(
    policies: &[serde_json::Value],
    labels: &std::collections::BTreeMap<String, String>,
    direction: &str,
) -> (bool, String) {
    use rampart_k8s::inventory::Peer;
    let items: Vec<serde_json::Value> = policies
        .iter()
        .map(|policy| {
            let mut policy = policy.clone();
            policy["apiVersion"] = serde_json::json!("networking.k8s.io/v1");
            policy["kind"] = serde_json::json!("NetworkPolicy");
            policy
        })
        .collect();
    let list = serde_json::json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string();
    let loaded = rampart_k8s::loader::load_bytes(
        "networkpolicies.json",
        list.as_bytes(),
        &rampart_k8s::loader::LoadOptions::default(),
    );
    let inventory = rampart_k8s::Inventory::of_objects(&loaded.objects, &rampart_k8s::ScanConfig::default());
    let labels: rampart_k8s::selector::Labels =
        labels.iter().map(|(key, value)| (key.clone(), value.clone())).collect();
    let selecting: Vec<_> = inventory
        .policies
        .iter()
        .filter(|policy| policy.selector.matches(&labels))
        .collect();
    let egress = direction == "egress";
    let governs = selecting
        .iter()
        .any(|policy| if egress { policy.egress } else { policy.ingress });
    if !governs {
        return (false, format!("no NetworkPolicy governs their {direction}"));
    }
    let open: Vec<String> = selecting
        .iter()
        .filter(|policy| {
            let peers = if egress {
                &policy.egress_peers
            } else {
                &policy.ingress_peers
            };
            peers
                .iter()
                .any(|peer| matches!(peer, Peer::Anywhere | Peer::Addresses(_)))
        })
        .map(|policy| policy.name.clone())
        .collect();
    if open.is_empty() {
        (true, String::new())
    } else {
        (false, format!("still open through {}", open.join(", ")))
    }
}

/// Whether the API server lets `user` (in `groups`; a service account's are implied)
/// `verb` `resource` (`pods/exec`: a subresource) of `group` in `namespace`, by a
/// SubjectAccessReview.
pub async fn allowed(
    client: &kube::Client,
    user: &str,
    groups: &[String],
    verb: &str,
    group: &str,
    resource: &str,
    namespace: Option<&str>,
) -> Result<bool, String> {
    use k8s_openapi::api::authorization::v1::{ResourceAttributes, SubjectAccessReview, SubjectAccessReviewSpec};
    let (resource, subresource) = match resource.split_once('/') {
        Some((resource, subresource)) => (resource.to_string(), Some(subresource.to_string())),
        None => (resource.to_string(), None),
    };
    let groups = match user.strip_prefix("system:serviceaccount:") {
        Some(account) if groups.is_empty() => vec![
            "system:serviceaccounts".to_string(),
            format!(
                "system:serviceaccounts:{}",
                account.split(':').next().unwrap_or_default()
            ),
            "system:authenticated".to_string(),
        ],
        _ => groups.to_vec(),
    };
    let asked = SubjectAccessReview {
        spec: SubjectAccessReviewSpec {
            user: Some(user.to_string()),
            groups: Some(groups),
            resource_attributes: Some(ResourceAttributes {
                verb: Some(verb.to_string()),
                group: Some(group.to_string()),
                resource: Some(resource),
                subresource,
                namespace: namespace.map(str::to_string),
                ..ResourceAttributes::default()
            }),
            ..SubjectAccessReviewSpec::default()
        },
        ..SubjectAccessReview::default()
    };
    let reviews: Api<SubjectAccessReview> = Api::all(client.clone());
    let answer = reviews
        .create(&PostParams::default(), &asked)
        .await
        .map_err(error_text)?;
    Ok(answer.status.as_ref().is_some_and(|status| status.allowed))
}

/// Every RoleBinding and ClusterRoleBinding labelled `label` (`key` or `key=value`), as JSON.
pub async fn bindings_labelled(client: &kube::Client, label: &str) -> Result<Vec<serde_json::Value>, String> {
    let mut found = Vec::new();
    for (kind, plural) in [
        ("ClusterRoleBinding", "clusterrolebindings"),
        ("RoleBinding", "rolebindings"),
    ] {
        let resource =
            ApiResource::from_gvk_with_plural(&GroupVersionKind::gvk("rbac.authorization.k8s.io", "v1", kind), plural);
        let api: Api<DynamicObject> = Api::all_with(client.clone(), &resource);
        let list = api
            .list(&kube::api::ListParams::default().labels(label))
            .await
            .map_err(error_text)?;
        found.extend(
            list.items
                .into_iter()
                .filter_map(|item| serde_json::to_value(item).ok()),
        );
    }
    Ok(found)
}

/// Deletes `object`; `false` when it was gone already.
pub async fn delete(client: &kube::Client, object: &ObjectRef) -> Result<bool, String> {
    match api(client, object).delete(&object.name, &DeleteParams::default()).await {
        Ok(_) => Ok(true),
        Err(kube::Error::Api(status)) if status.code == 404 => Ok(false),
        Err(error) => Err(error_text(error)),
    }
}

/// Runs `checks` against the cluster now.
pub async fn run_checks(client: &kube::Client, checks: &[Check]) -> Verification {
    let time = rampart_core::unix_now();
    let mut results = Vec::new();
    for planned in checks {
        let (passed, detail) = check(client, planned).await;
        results.push(CheckResult {
            check: planned.describe(),
            passed,
            detail,
        });
    }
    Verification { time, results }
}

impl Verification {
    /// Every check passed (and there was one).
    pub fn passed(&self) -> bool {
        !self.results.is_empty() && self.results.iter().all(|result| result.passed)
    }
}

/// Runs the journal's checks now and adds the result to it; the first run that passes
/// whole sets the time to containment.
pub async fn verify(client: &kube::Client, journal: &mut Journal, journal_path: &Path) -> Result<bool, String> {
    let verification = run_checks(client, &journal.checks).await;
    let (time, all) = (verification.time, verification.passed());
    if all
        && journal.contained_after.is_none()
        && let Some(first) = journal.entries.first()
    {
        journal.contained_after = Some(time - first.started);
    }
    journal.verified.push(verification);
    journal.write(journal_path)?;
    Ok(all)
}

#[cfg(test)]
mod isolation_tests {
    use super::isolated;
    use serde_json::json;

    #[test]
    fn isolation_needs_a_governing_policy_and_no_way_out_of_the_cluster() {
        let labels = std::collections::BTreeMap::from([("app".to_string(), "victim".to_string())]);
        let deny = json!({"metadata": {"name": "quarantine", "namespace": "d"}, "spec": {"podSelector": {"matchLabels": {"app": "victim"}}, "policyTypes": ["Egress"]}});
        let dns = json!({"metadata": {"name": "dns", "namespace": "d"}, "spec": {"podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"namespaceSelector": {}, "podSelector": {"matchLabels": {"k8s-app": "kube-dns"}}}]}]}});
        let open = json!({"metadata": {"name": "open", "namespace": "d"}, "spec": {"podSelector": {}, "policyTypes": ["Egress"],
            "egress": [{"to": [{"ipBlock": {"cidr": "0.0.0.0/0"}}]}]}});
        assert_eq!(
            isolated(std::slice::from_ref(&deny), &labels, "egress"),
            (true, String::new())
        );
        assert!(isolated(&[deny.clone(), dns], &labels, "egress").0);
        assert_eq!(
            isolated(&[deny.clone(), open], &labels, "egress"),
            (false, "still open through open".to_string())
        );
        assert_eq!(
            isolated(&[deny], &labels, "ingress"),
            (false, "no NetworkPolicy governs their ingress".to_string())
        );
        assert!(!isolated(&[], &labels, "egress").0);
    }
}
