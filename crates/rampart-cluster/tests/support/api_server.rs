//! A small Kubernetes API server for tests, on 127.0.0.1: discovery
//! (`/api/v1`, `/apis`, `/apis/<group>/<version>`), paged lists with
//! continue tokens, Secrets as `PartialObjectMetadataList` when asked for
//! (and in full, values included, when not: a client that forgets to ask
//! is caught), and scripted faults: 410 Gone on a continue token, 403 for
//! one kind, 429 with `Retry-After`, a slow page, a huge page. It checks
//! the bearer token of every request. Shared by the cluster crate's tests
//! and the CLI's (`#[path]`).

#![allow(dead_code)]

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::{Request, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

pub const TOKEN: &str = "test-token-1234";
/// What `/version` says.
pub const SERVER_VERSION: &str = "v1.30.2";

/// What the server holds and how it misbehaves.
#[derive(Default, Clone)]
pub struct Script {
    /// Objects by list path (`/api/v1/pods`), each as the API server
    /// stores it (kind and apiVersion included; the server drops them
    /// from list items as the real one does).
    pub objects: BTreeMap<String, Vec<Value>>,
    /// List paths answered 403.
    pub forbidden: Vec<String>,
    /// List paths whose first continue token is answered 410 once.
    pub expire_once: Vec<String>,
    /// List paths answered 429 (Retry-After: 1) this many times first.
    pub throttle: BTreeMap<String, usize>,
    /// List paths answered 503 this many times first.
    pub unavailable: BTreeMap<String, usize>,
    /// List paths whose pages are sent after this delay.
    pub slow: BTreeMap<String, Duration>,
    /// The users and groups a SubjectAccessReview allows (anything);
    /// `None` answers reviews 403, as for an identity that may not ask.
    pub allowed: Option<Vec<String>>,
    /// Answer reviews from the RBAC objects the server holds now (Rampart's RBAC engine
    /// standing in for the authorizer), so writes to bindings change the answers.
    pub judge_by_rbac: bool,
    /// Custom resources served besides the built-in kinds: (group, version, plural,
    /// kind, namespaced), for discovery.
    pub custom: Vec<(String, String, String, String, bool)>,
    /// Object paths (`/api/v1/namespaces/shop/pods/web`) or list paths whose writes are
    /// answered 403, for a plan that fails midway.
    pub deny_writes: Vec<String>,
}

/// One write the server was asked for.
#[derive(Clone, Debug, PartialEq)]
pub struct Write {
    pub method: String,
    pub path: String,
    pub dry_run: bool,
    pub body: Value,
    /// The answer's status code.
    pub status: u16,
}

/// Every request seen: path with query, Accept, Authorization.
#[derive(Default, Clone, Debug)]
pub struct Seen {
    pub requests: Vec<(String, String, String)>,
    /// Requests made as another identity: (path, the impersonated user).
    pub impersonated: Vec<(String, String)>,
    /// The spec of every SubjectAccessReview asked.
    pub reviews: Vec<Value>,
    /// Every create, patch and delete, dry runs included.
    pub writes: Vec<Write>,
}

pub struct Server {
    pub url: String,
    pub seen: Arc<Mutex<Seen>>,
    shared: Arc<Shared>,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

struct Shared {
    script: Mutex<Script>,
    seen: Arc<Mutex<Seen>>,
}

/// Starts the server on its own thread; it stops when dropped.
pub fn start(script: Script) -> Server {
    let seen = Arc::new(Mutex::new(Seen::default()));
    let shared = Arc::new(Shared {
        script: Mutex::new(script),
        seen: seen.clone(),
    });
    let kept = shared.clone();
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let (shutdown, stopped) = tokio::sync::oneshot::channel::<()>();
    let thread = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        runtime.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let app = axum::Router::new().fallback(handle).with_state(shared);
            axum::serve(listener, app)
                .with_graceful_shutdown(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
    });
    Server {
        url,
        seen,
        shared: kept,
        shutdown: Some(shutdown),
        thread: Some(thread),
    }
}

impl Server {
    /// Changes what the server holds, as a controller would (a rollout replacing pods).
    #[allow(dead_code)]
    pub fn edit(&self, change: impl FnOnce(&mut Script)) {
        change(&mut self.shared.script.lock().unwrap());
    }
}

/// A kubeconfig for the server, its context `name`.
pub fn kubeconfig(server: &Server, name: &str) -> String {
    format!(
        "apiVersion: v1\nkind: Config\nclusters:\n- name: test\n  cluster:\n    server: {}\nusers:\n- name: tester\n  user:\n    token: {TOKEN}\ncontexts:\n- name: {name}\n  context:\n    cluster: test\n    user: tester\n    namespace: default\ncurrent-context: {name}\n",
        server.url
    )
}

/// Where an object path's object is kept: its list path and its name
/// (`/api/v1/namespaces/shop/pods/web` -> `/api/v1/pods`, shop, web; a namespace itself ->
/// `/api/v1/namespaces`, none, its name).
fn locate(path: &str) -> Option<(String, Option<String>, String)> {
    if let Some((root, rest)) = path.split_once("/namespaces/") {
        return match rest.split('/').collect::<Vec<_>>()[..] {
            [name] => Some((format!("{root}/namespaces"), None, name.to_string())),
            [namespace, plural, name] => Some((
                format!("{root}/{plural}"),
                Some(namespace.to_string()),
                name.to_string(),
            )),
            [namespace, plural] => Some((format!("{root}/{plural}"), Some(namespace.to_string()), String::new())),
            _ => None,
        };
    }
    let (root, name) = path.rsplit_once('/')?;
    // `/api/v1/nodes/worker-1`, `/apis/rbac.authorization.k8s.io/v1/clusterrolebindings/x`;
    // a POST names the list itself.
    if resources(root.trim_start_matches("/api/").trim_start_matches("/apis/")).is_some() {
        return Some((path.to_string(), None, String::new()));
    }
    Some((root.to_string(), None, name.to_string()))
}

/// RFC 7386: `null` removes, objects merge, everything else replaces.
fn merge_patch(target: &mut Value, patch: &Value) {
    match (target, patch) {
        (Value::Object(target), Value::Object(patch)) => {
            for (key, value) in patch {
                if value.is_null() {
                    target.remove(key);
                } else {
                    merge_patch(target.entry(key.clone()).or_insert(Value::Null), value);
                }
            }
        }
        (target, patch) => *target = patch.clone(),
    }
}

/// A create (POST to a list path), a merge patch or a delete; dry runs change nothing.
fn write(shared: &Shared, method: &str, path: &str, dry_run: bool, body: Value) -> Response {
    let answer = |code: StatusCode, object: Value| -> Response {
        shared.seen.lock().unwrap().writes.push(Write {
            method: method.to_string(),
            path: path.to_string(),
            dry_run,
            body: body.clone(),
            status: code.as_u16(),
        });
        if code.is_success() {
            (code, [(header::CONTENT_TYPE, "application/json")], object.to_string()).into_response()
        } else {
            let reason = object.as_str().unwrap_or("Invalid").to_string();
            status(code, &reason, &format!("{method} {path}: {reason}"))
        }
    };
    let Some((list_path, namespace, name)) = locate(path) else {
        return answer(StatusCode::NOT_FOUND, json!("NotFound"));
    };
    let mut script = shared.script.lock().unwrap();
    if script
        .deny_writes
        .iter()
        .any(|denied| denied == path || *denied == list_path)
    {
        drop(script);
        return answer(StatusCode::FORBIDDEN, json!("Forbidden"));
    }
    let objects = script.objects.entry(list_path).or_default();
    let position = |objects: &Vec<Value>, name: &str| {
        objects.iter().position(|object| {
            object["metadata"]["name"].as_str() == Some(name)
                && object["metadata"]["namespace"].as_str() == namespace.as_deref()
        })
    };
    match method {
        "POST" => {
            let mut object = body.clone();
            if let Some(namespace) = &namespace {
                object["metadata"]["namespace"] = json!(namespace);
            }
            let new_name = object["metadata"]["name"].as_str().unwrap_or_default().to_string();
            if position(objects, &new_name).is_some() {
                drop(script);
                return answer(StatusCode::CONFLICT, json!("AlreadyExists"));
            }
            if !dry_run {
                objects.push(object.clone());
            }
            drop(script);
            answer(StatusCode::CREATED, object)
        }
        "PATCH" => {
            let Some(index) = position(objects, &name) else {
                drop(script);
                return answer(StatusCode::NOT_FOUND, json!("NotFound"));
            };
            let mut object = objects[index].clone();
            merge_patch(&mut object, &body);
            if !dry_run {
                objects[index] = object.clone();
            }
            drop(script);
            answer(StatusCode::OK, object)
        }
        _ => {
            let Some(index) = position(objects, &name) else {
                drop(script);
                return answer(StatusCode::NOT_FOUND, json!("NotFound"));
            };
            let object = if dry_run {
                objects[index].clone()
            } else {
                objects.remove(index)
            };
            drop(script);
            answer(StatusCode::OK, object)
        }
    }
}

/// The resources each group version serves: (plural, kind, namespaced).
fn resources(group_version: &str) -> Option<Vec<(&'static str, &'static str, bool)>> {
    Some(match group_version {
        "v1" => vec![
            ("namespaces", "Namespace", false),
            ("pods", "Pod", true),
            ("pods/log", "Pod", true),
            ("services", "Service", true),
            ("serviceaccounts", "ServiceAccount", true),
            ("configmaps", "ConfigMap", true),
            ("secrets", "Secret", true),
            ("nodes", "Node", false),
        ],
        "apps/v1" => vec![
            ("deployments", "Deployment", true),
            ("replicasets", "ReplicaSet", true),
            ("daemonsets", "DaemonSet", true),
        ],
        "admissionregistration.k8s.io/v1" => vec![
            ("validatingadmissionpolicies", "ValidatingAdmissionPolicy", false),
            (
                "validatingadmissionpolicybindings",
                "ValidatingAdmissionPolicyBinding",
                false,
            ),
        ],
        "rbac.authorization.k8s.io/v1" => vec![
            ("clusterroles", "ClusterRole", false),
            ("clusterrolebindings", "ClusterRoleBinding", false),
            ("roles", "Role", true),
            ("rolebindings", "RoleBinding", true),
        ],
        _ => return None,
    })
}

fn status(code: StatusCode, reason: &str, message: &str) -> Response {
    let body = json!({"kind": "Status", "apiVersion": "v1", "status": "Failure", "reason": reason, "message": message, "code": code.as_u16()});
    (code, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

/// Answers a SubjectAccessReview: allowed when its user or one of its
/// groups is in the script's `allowed`.
async fn review(shared: &Shared, path: &str, request: Request) -> Response {
    if path != "/apis/authorization.k8s.io/v1/subjectaccessreviews" {
        return status(
            StatusCode::METHOD_NOT_ALLOWED,
            "MethodNotAllowed",
            "only reviews are posted",
        );
    }
    let Ok(body) = axum::body::to_bytes(request.into_body(), 1 << 20).await else {
        return status(StatusCode::BAD_REQUEST, "BadRequest", "unreadable body");
    };
    let Ok(mut asked) = serde_json::from_slice::<Value>(&body) else {
        return status(StatusCode::BAD_REQUEST, "BadRequest", "not JSON");
    };
    let spec = asked["spec"].clone();
    shared.seen.lock().unwrap().reviews.push(spec.clone());
    if shared.script.lock().unwrap().judge_by_rbac {
        let yes = allowed_by_rbac(&shared.script.lock().unwrap().objects, &spec);
        asked["status"] = json!({"allowed": yes});
        return (
            StatusCode::CREATED,
            [(header::CONTENT_TYPE, "application/json")],
            asked.to_string(),
        )
            .into_response();
    }
    let Some(allowed) = shared.script.lock().unwrap().allowed.clone() else {
        return status(
            StatusCode::FORBIDDEN,
            "Forbidden",
            "subjectaccessreviews.authorization.k8s.io is forbidden",
        );
    };
    let mut who: Vec<&str> = spec["groups"]
        .as_array()
        .map(|groups| groups.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    who.extend(spec["user"].as_str());
    let yes = who.iter().any(|name| allowed.iter().any(|allowed| allowed == name));
    asked["status"] = if yes {
        json!({"allowed": true, "reason": "RBAC: allowed by the test server"})
    } else {
        json!({"allowed": false})
    };
    (
        StatusCode::CREATED,
        [(header::CONTENT_TYPE, "application/json")],
        asked.to_string(),
    )
        .into_response()
}

/// Whether the RBAC objects among `objects` let the review's user or groups do what it asks.
fn allowed_by_rbac(objects: &BTreeMap<String, Vec<Value>>, spec: &Value) -> bool {
    let items: Vec<Value> = objects
        .iter()
        .filter(|(path, _)| path.contains("/rbac.authorization.k8s.io/"))
        .flat_map(|(_, items)| items.iter().cloned())
        .collect();
    let list = json!({"apiVersion": "v1", "kind": "List", "items": items}).to_string();
    let loaded = rampart_k8s::loader::load_bytes(
        "rbac.json",
        list.as_bytes(),
        &rampart_k8s::loader::LoadOptions::default(),
    );
    let inventory = rampart_k8s::Inventory::of_objects(&loaded.objects, &rampart_k8s::ScanConfig::default());
    let attributes = &spec["resourceAttributes"];
    let resource = match attributes["subresource"].as_str() {
        Some(subresource) if !subresource.is_empty() => {
            format!("{}/{subresource}", attributes["resource"].as_str().unwrap_or_default())
        }
        _ => attributes["resource"].as_str().unwrap_or_default().to_string(),
    };
    let user = spec["user"].as_str().unwrap_or_default();
    let groups: Vec<&str> = spec["groups"]
        .as_array()
        .map(|groups| groups.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    inventory
        .rbac
        .who_can(
            attributes["verb"].as_str().unwrap_or_default(),
            Some(attributes["group"].as_str().unwrap_or_default()),
            &resource,
            attributes["namespace"]
                .as_str()
                .filter(|namespace| !namespace.is_empty()),
        )
        .iter()
        .any(|grant| match grant.subject.kind.as_str() {
            "User" => grant.subject.name == user,
            "Group" => groups.contains(&grant.subject.name.as_str()),
            "ServiceAccount" => {
                format!(
                    "system:serviceaccount:{}:{}",
                    grant.subject.namespace.as_deref().unwrap_or_default(),
                    grant.subject.name
                ) == user
            }
            _ => false,
        })
}

async fn handle(State(shared): State<Arc<Shared>>, request: Request) -> Response {
    let uri = request.uri().clone();
    let headers: HeaderMap = request.headers().clone();
    let text = |name: header::HeaderName| {
        headers
            .get(name)
            .and_then(|value| value.to_str().ok())
            .unwrap_or("")
            .to_string()
    };
    let (accept, authorization) = (text(header::ACCEPT), text(header::AUTHORIZATION));
    shared
        .seen
        .lock()
        .unwrap()
        .requests
        .push((uri.to_string(), accept.clone(), authorization.clone()));
    if let Some(user) = headers.get("impersonate-user").and_then(|value| value.to_str().ok()) {
        shared
            .seen
            .lock()
            .unwrap()
            .impersonated
            .push((uri.path().to_string(), user.to_string()));
    }
    if authorization != format!("Bearer {TOKEN}") {
        return status(StatusCode::UNAUTHORIZED, "Unauthorized", "no valid bearer token");
    }
    let path = uri.path().to_string();
    if request.method() == axum::http::Method::POST && path == "/apis/authorization.k8s.io/v1/subjectaccessreviews" {
        return review(&shared, &path, request).await;
    }
    if matches!(request.method().as_str(), "POST" | "PATCH" | "DELETE") {
        let method = request.method().as_str().to_string();
        let dry_run = uri.query().unwrap_or("").split('&').any(|pair| pair == "dryRun=All");
        let body = axum::body::to_bytes(request.into_body(), 8 << 20)
            .await
            .unwrap_or_default();
        let body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
        // A delete carries its dry run in its DeleteOptions body, as the API allows.
        let dry_run = dry_run
            || (method == "DELETE"
                && body["dryRun"]
                    .as_array()
                    .is_some_and(|modes| modes.iter().any(|mode| mode == "All")));
        return write(&shared, &method, &path, dry_run, body);
    }
    if let Some(pod_path) = path.strip_suffix("/log") {
        let previous = uri.query().unwrap_or("").contains("previous=true");
        if previous {
            return status(
                StatusCode::BAD_REQUEST,
                "BadRequest",
                "previous terminated container not found",
            );
        }
        let container = uri
            .query()
            .unwrap_or("")
            .split('&')
            .find_map(|pair| pair.strip_prefix("container="))
            .unwrap_or("")
            .to_string();
        return (StatusCode::OK, format!("log of {container} in {pod_path}\n")).into_response();
    }
    let query: BTreeMap<String, String> = uri
        .query()
        .unwrap_or("")
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .map(|(key, value)| {
            let value = percent_encoding::percent_decode_str(value).decode_utf8_lossy();
            (key.to_string(), value.to_string())
        })
        .collect();
    match path.as_str() {
        "/api" => return axum::Json(json!({"kind": "APIVersions", "versions": ["v1"]})).into_response(),
        "/version" => {
            return axum::Json(json!({
                "major": "1", "minor": "30", "gitVersion": SERVER_VERSION, "gitCommit": "0000000",
                "gitTreeState": "clean", "buildDate": "2026-01-01T00:00:00Z", "goVersion": "go1.23.0",
                "compiler": "gc", "platform": "linux/amd64"
            }))
            .into_response();
        }
        "/apis" => {
            let custom: Vec<(String, String)> = shared
                .script
                .lock()
                .unwrap()
                .custom
                .iter()
                .map(|(group, version, ..)| (group.clone(), version.clone()))
                .collect();
            let groups: Vec<Value> = [("apps", "v1"), ("rbac.authorization.k8s.io", "v1")]
                .iter()
                .map(|(name, version)| (name.to_string(), version.to_string()))
                .chain(custom)
                .map(|(name, version)| {
                    json!({"name": name, "versions": [{"groupVersion": format!("{name}/{version}"), "version": version}],
                           "preferredVersion": {"groupVersion": format!("{name}/{version}"), "version": version}})
                })
                .collect();
            return axum::Json(json!({"kind": "APIGroupList", "apiVersion": "v1", "groups": groups})).into_response();
        }
        _ => {}
    }
    let group_version = path
        .strip_prefix("/api/")
        .or_else(|| path.strip_prefix("/apis/"))
        .unwrap_or("")
        .to_string();
    let custom: Vec<(String, String, bool)> = shared
        .script
        .lock()
        .unwrap()
        .custom
        .iter()
        .filter(|(group, version, ..)| format!("{group}/{version}") == group_version)
        .map(|(_, _, plural, kind, namespaced)| (plural.clone(), kind.clone(), *namespaced))
        .collect();
    let served = resources(&group_version)
        .map(|builtin| {
            builtin
                .into_iter()
                .map(|(plural, kind, namespaced)| (plural.to_string(), kind.to_string(), namespaced))
                .collect()
        })
        .or((!custom.is_empty()).then_some(custom));
    if let Some(resources) = served {
        let list: Vec<Value> = resources
            .iter()
            .map(|(name, kind, namespaced)| {
                json!({"name": name, "singularName": "", "namespaced": namespaced, "kind": kind,
                       "verbs": if name.contains('/') { json!(["get"]) } else { json!(["create", "delete", "get", "list", "watch"]) }})
            })
            .collect();
        return axum::Json(json!({"kind": "APIResourceList", "groupVersion": group_version, "resources": list}))
            .into_response();
    }
    // A cluster-scoped object by name (`/api/v1/namespaces/shop`, `/api/v1/nodes/worker-1`).
    if let Some((list_path, None, name)) = locate(&path)
        && !name.is_empty()
    {
        let script = shared.script.lock().unwrap();
        let found = script.objects.get(&list_path).and_then(|objects| {
            objects.iter().find(|object| {
                object["metadata"]["name"].as_str() == Some(name.as_str()) && object["metadata"]["namespace"].is_null()
            })
        });
        if let Some(object) = found {
            return axum::Json(object.clone()).into_response();
        }
    }
    // One object by name (`/api/v1/namespaces/shop/secrets/ghcr`), in full.
    if let Some((root, rest)) = path.split_once("/namespaces/")
        && let [namespace, plural, name] = rest.split('/').collect::<Vec<_>>()[..]
    {
        let list_path = format!("{root}/{plural}");
        let script = shared.script.lock().unwrap();
        if script.forbidden.contains(&list_path) {
            return status(
                StatusCode::FORBIDDEN,
                "Forbidden",
                &format!("user \"tester\" cannot get resource \"{plural}\" in namespace \"{namespace}\""),
            );
        }
        let found = script.objects.get(&list_path).and_then(|objects| {
            objects.iter().find(|object| {
                object["metadata"]["namespace"].as_str() == Some(namespace)
                    && object["metadata"]["name"].as_str() == Some(name)
            })
        });
        return match found {
            Some(object) => axum::Json(object.clone()).into_response(),
            None => status(
                StatusCode::NOT_FOUND,
                "NotFound",
                &format!("{plural} \"{name}\" not found"),
            ),
        };
    }
    // A list: its path across namespaces (`/api/v1/pods`), and the
    // namespace asked for, if any.
    let (list_path, namespace) = match path.split_once("/namespaces/") {
        Some((root, rest)) if rest.contains('/') => {
            let (namespace, plural) = rest.split_once('/').unwrap();
            (format!("{root}/{plural}"), Some(namespace.to_string()))
        }
        _ => (path.clone(), None),
    };
    let (slow, objects) = {
        let mut script = shared.script.lock().unwrap();
        if script.forbidden.contains(&list_path) {
            return status(
                StatusCode::FORBIDDEN,
                "Forbidden",
                &format!("user \"tester\" cannot list resource at {list_path}"),
            );
        }
        if let Some(left) = script.throttle.get_mut(&list_path)
            && *left > 0
        {
            *left -= 1;
            let mut response = status(StatusCode::TOO_MANY_REQUESTS, "TooManyRequests", "slow down");
            response.headers_mut().insert(header::RETRY_AFTER, "1".parse().unwrap());
            return response;
        }
        if let Some(left) = script.unavailable.get_mut(&list_path)
            && *left > 0
        {
            *left -= 1;
            return status(StatusCode::SERVICE_UNAVAILABLE, "ServiceUnavailable", "etcd is busy");
        }
        if query.contains_key("continue")
            && let Some(index) = script.expire_once.iter().position(|expiring| *expiring == list_path)
        {
            script.expire_once.remove(index);
            return status(
                StatusCode::GONE,
                "Expired",
                "The provided continue parameter is too old to display a consistent list result.",
            );
        }
        // A served kind with nothing in it is an empty list.
        let objects = script.objects.get(&list_path).cloned().unwrap_or_default();
        (script.slow.get(&list_path).copied(), objects)
    };
    if let Some(delay) = slow {
        tokio::time::sleep(delay).await;
    }
    // `labelSelector=key=value,...` (equality only).
    let wanted: Vec<(String, String)> = query
        .get("labelSelector")
        .map(|selector| {
            selector
                .split(',')
                .filter_map(|pair| pair.split_once('='))
                .map(|(key, value)| (key.to_string(), value.to_string()))
                .collect()
        })
        .unwrap_or_default();
    let objects: Vec<Value> = objects
        .into_iter()
        .filter(|object| namespace.is_none() || object["metadata"]["namespace"].as_str() == namespace.as_deref())
        .filter(|object| {
            wanted
                .iter()
                .all(|(key, value)| object["metadata"]["labels"][key].as_str() == Some(value.as_str()))
        })
        .collect();
    let limit: usize = query
        .get("limit")
        .and_then(|limit| limit.parse().ok())
        .unwrap_or(usize::MAX);
    let start: usize = query
        .get("continue")
        .and_then(|token| token.strip_prefix("offset+"))
        .and_then(|offset| offset.parse().ok())
        .unwrap_or(0);
    let end = start.saturating_add(limit).min(objects.len());
    let next = (end < objects.len()).then(|| format!("offset+{end}"));
    let first = objects.first().cloned().unwrap_or(Value::Null);
    let kind = first["kind"].as_str().unwrap_or("Object").to_string();
    let api_version = first["apiVersion"].as_str().unwrap_or("v1").to_string();
    let metadata_only = accept.contains("as=PartialObjectMetadataList");
    let items: Vec<Value> = objects[start.min(end)..end]
        .iter()
        .map(|object| {
            let mut item = object.clone();
            let map = item.as_object_mut().unwrap();
            if metadata_only {
                // What the API server sends for metadata: nothing else.
                let metadata = map.remove("metadata").unwrap_or(Value::Null);
                return json!({"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1", "metadata": metadata});
            }
            // A typed list's items carry neither kind nor apiVersion.
            map.remove("kind");
            map.remove("apiVersion");
            item
        })
        .collect();
    let mut metadata = json!({"resourceVersion": "12345"});
    if let Some(next) = next {
        metadata["continue"] = json!(next);
    }
    let (list_kind, list_version, content_type) = if metadata_only {
        (
            "PartialObjectMetadataList".to_string(),
            "meta.k8s.io/v1".to_string(),
            "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1",
        )
    } else {
        (format!("{kind}List"), api_version, "application/json")
    };
    let body = json!({"kind": list_kind, "apiVersion": list_version, "metadata": metadata, "items": items});
    (StatusCode::OK, [(header::CONTENT_TYPE, content_type)], body.to_string()).into_response()
}

/// A small cluster: `pods` Pods of a Deployment's ReplicaSet in `shop`, a
/// privileged DaemonSet, a Service, a Secret with a value and a
/// last-applied copy of it, RBAC binding cluster-admin to a group.
pub fn cluster(pods: usize) -> Script {
    let mut objects: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    let pod_spec = json!({"containers": [{"name": "web", "image": "nginx:1.27"}]});
    objects.insert(
        "/api/v1/namespaces".into(),
        vec![json!({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "shop", "labels": {"kubernetes.io/metadata.name": "shop"}}})],
    );
    objects.insert(
        "/apis/apps/v1/deployments".into(),
        vec![json!({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}}})],
    );
    objects.insert(
        "/apis/apps/v1/replicasets".into(),
        vec![json!({"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web-1", "namespace": "shop",
            "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web", "uid": "d1", "controller": true}]},
            "spec": {"selector": {"matchLabels": {"app": "web"}}, "template": {"metadata": {"labels": {"app": "web"}}, "spec": pod_spec}}})],
    );
    objects.insert(
        "/apis/apps/v1/daemonsets".into(),
        vec![json!({"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": "agent", "namespace": "shop"},
            "spec": {"selector": {"matchLabels": {"app": "agent"}}, "template": {"metadata": {"labels": {"app": "agent"}},
            "spec": {"containers": [{"name": "agent", "image": "agent:1", "securityContext": {"privileged": true}}]}}}})],
    );
    objects.insert(
        "/api/v1/pods".into(),
        (0..pods)
            .map(|index| {
                json!({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": format!("web-1-{index:05}"), "namespace": "shop",
                    "labels": {"app": "web"},
                    "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-1", "uid": "r1", "controller": true}]},
                    "spec": pod_spec, "status": {"phase": "Running"}})
            })
            .collect(),
    );
    objects.insert(
        "/api/v1/services".into(),
        vec![
            json!({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web", "namespace": "shop"},
            "spec": {"type": "LoadBalancer", "selector": {"app": "web"}, "ports": [{"port": 80}]}}),
        ],
    );
    objects.insert(
        "/api/v1/secrets".into(),
        vec![json!({"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "db", "namespace": "shop",
            "creationTimestamp": "2020-01-01T00:00:00Z",
            "annotations": {"kubectl.kubernetes.io/last-applied-configuration": "{\"data\":{\"password\":\"bGl2ZS1zZWNyZXQtdmFsdWU=\"}}"}},
            "type": "Opaque", "data": {"password": "bGl2ZS1zZWNyZXQtdmFsdWU="}})],
    );
    objects.insert("/api/v1/configmaps".into(), Vec::new());
    objects.insert(
        "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings".into(),
        vec![json!({"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "ops-admins"},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
            "subjects": [{"apiGroup": "rbac.authorization.k8s.io", "kind": "Group", "name": "ops"}]})],
    );
    Script {
        objects,
        ..Script::default()
    }
}

/// The Secret's value in [`cluster`] (base64) and what it decodes to.
pub const SECRET_VALUES: &[&str] = &["bGl2ZS1zZWNyZXQtdmFsdWU=", "live-secret-value"];
