//! Reading a live cluster with kube-rs: discovery says which of the kinds
//! the rules need are served, each is listed page by page (`limit` and
//! `continue`), and each page's body is cut into items as it arrives, by
//! the same cutter as a snapshot file, so the pages become the same pieces
//! the pipeline judges in parallel. Secrets are listed as metadata only
//! (`PartialObjectMetadataList`): their values never reach this process.
//!
//! Faults: an expired continue token (410) restarts that list (objects
//! already read are judged once); a kind the identity may not list (401,
//! 403) is one error and the audit goes on; 429 and 5xx are retried with
//! backoff, honouring `Retry-After`; lists run concurrently within a bound.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use http_body_util::BodyExt;
use kube::config::{KubeConfigOptions, Kubeconfig};
use rampart_core::ScanError;
use serde_json::Value;

use crate::snapshot::Piece;
use crate::stream::Cutter;

/// A connection to one cluster.
#[derive(Clone)]
pub struct Connection {
    pub(crate) client: kube::Client,
    /// The API server's address, for messages.
    pub url: String,
    /// The kubeconfig context (or `in-cluster`): the cluster's name in
    /// findings.
    pub context: String,
}

/// Connects as the kubeconfig (`kubeconfig`, else `KUBECONFIG` or
/// `~/.kube/config`) and `context` (else its current context) say; with no
/// kubeconfig at all and no context asked for, as the pod's service
/// account. Nothing is sent yet.
impl Connection {
    /// The API client, for commands that write (`rampart respond apply`).
    pub fn client(&self) -> &kube::Client {
        &self.client
    }
}

pub async fn connect(kubeconfig: Option<&Path>, context: Option<&str>) -> Result<Connection, String> {
    connect_as(kubeconfig, context, None).await
}

/// As [`connect`], acting as another identity (`Impersonate-User` and `-Group`): a drill
/// uses its victim's account to make the signal detection should see.
pub async fn connect_as(
    kubeconfig: Option<&Path>,
    context: Option<&str>,
    impersonate: Option<(&str, &[String])>,
) -> Result<Connection, String> {
    let options = KubeConfigOptions {
        context: context.map(str::to_string),
        ..KubeConfigOptions::default()
    };
    let file = match kubeconfig {
        Some(path) => Some(Kubeconfig::read_from(path).map_err(|error| format!("{}: {error}", path.display()))?),
        None => Kubeconfig::read().ok(),
    };
    let (mut config, name) = match file {
        Some(file) => {
            let name = context
                .map(str::to_string)
                .or_else(|| file.current_context.clone())
                .unwrap_or_else(|| "default".to_string());
            let config = kube::Config::from_custom_kubeconfig(file, &options)
                .await
                .map_err(|error| format!("kubeconfig context {name}: {error}"))?;
            (config, name)
        }
        None if context.is_none() => {
            let config = kube::Config::incluster()
                .map_err(|error| format!("no kubeconfig found, and not running in a pod: {error}"))?;
            (config, "in-cluster".to_string())
        }
        None => return Err(format!("no kubeconfig found for context {}", context.unwrap_or(""))),
    };
    if let Some((user, groups)) = impersonate {
        config.auth_info.impersonate = Some(user.to_string());
        config.auth_info.impersonate_groups = (!groups.is_empty()).then(|| groups.to_vec());
    }
    // Retries are ours (bounded, and 500s too), not the client's.
    config.default_retry = false;
    config.read_timeout = Some(Duration::from_secs(120));
    config.connect_timeout = Some(Duration::from_secs(15));
    let url = config.cluster_url.to_string();
    let client = kube::Client::try_from(config).map_err(|error| format!("context {name}: {error}"))?;
    Ok(Connection {
        client,
        url,
        context: name,
    })
}

/// The API server's version (`v1.29.3`), as its `/version` says.
pub async fn server_version(connection: &Connection) -> Result<String, String> {
    connection
        .client
        .apiserver_version()
        .await
        .map(|info| info.git_version)
        .map_err(|error| format!("cannot read the version of the cluster at {}: {error}", connection.url))
}

/// A kind the rules read, as the audit asks for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Wanted {
    pub group: String,
    /// The version to list; empty takes the group's preferred one.
    pub version: String,
    pub kind: String,
    /// Listed as metadata only (Secrets).
    pub metadata_only: bool,
}

impl Wanted {
    fn new(group: &str, version: &str, kind: &str) -> Wanted {
        Wanted {
            group: group.to_string(),
            version: version.to_string(),
            kind: kind.to_string(),
            metadata_only: false,
        }
    }
}

/// The kinds the rules need: workloads and their pods, RBAC,
/// NetworkPolicies, Namespaces, Services, Ingresses, ServiceAccounts,
/// ConfigMaps, Secrets (metadata only), webhook configurations, Nodes,
/// ResourceQuotas, LimitRanges, PersistentVolumes and StorageClasses; `custom` adds the configured custom
/// workload kinds (group, kind).
pub fn wanted_kinds(custom: &[(String, String)]) -> Vec<Wanted> {
    let mut wanted: Vec<Wanted> = [
        ("", "v1", "Namespace"),
        ("", "v1", "Pod"),
        ("", "v1", "ReplicationController"),
        ("", "v1", "Service"),
        ("", "v1", "ServiceAccount"),
        ("", "v1", "ConfigMap"),
        ("", "v1", "Node"),
        ("", "v1", "ResourceQuota"),
        ("", "v1", "LimitRange"),
        // They name Secrets (CSI and provisioner credentials) pods do not.
        ("", "v1", "PersistentVolume"),
        ("storage.k8s.io", "v1", "StorageClass"),
        ("apps", "v1", "Deployment"),
        ("apps", "v1", "ReplicaSet"),
        ("apps", "v1", "StatefulSet"),
        ("apps", "v1", "DaemonSet"),
        ("batch", "v1", "Job"),
        ("batch", "v1", "CronJob"),
        ("networking.k8s.io", "v1", "NetworkPolicy"),
        ("networking.k8s.io", "v1", "Ingress"),
        ("rbac.authorization.k8s.io", "v1", "Role"),
        ("rbac.authorization.k8s.io", "v1", "RoleBinding"),
        ("rbac.authorization.k8s.io", "v1", "ClusterRole"),
        ("rbac.authorization.k8s.io", "v1", "ClusterRoleBinding"),
        ("admissionregistration.k8s.io", "v1", "ValidatingWebhookConfiguration"),
        ("admissionregistration.k8s.io", "v1", "MutatingWebhookConfiguration"),
    ]
    .iter()
    .map(|(group, version, kind)| Wanted::new(group, version, kind))
    .collect();
    wanted.push(Wanted {
        metadata_only: true,
        ..Wanted::new("", "v1", "Secret")
    });
    for (group, kind) in custom {
        let already = wanted.iter().any(|known| &known.group == group && &known.kind == kind);
        if !already {
            // The core group has one version; any other, its preferred.
            let version = if group.is_empty() { "v1" } else { "" };
            wanted.push(Wanted::new(group, version, kind));
        }
    }
    wanted
}

/// A kind the cluster serves, where to list it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Served {
    /// `v1`, `apps/v1`.
    pub api_version: String,
    pub kind: String,
    /// The resource's plural name (`deployments`).
    pub plural: String,
    pub namespaced: bool,
    pub metadata_only: bool,
}

impl Served {
    /// The list's path, in `namespace` or across all.
    fn path(&self, namespace: Option<&str>) -> String {
        let root = if self.api_version.contains('/') {
            format!("/apis/{}", self.api_version)
        } else {
            format!("/api/{}", self.api_version)
        };
        match namespace {
            Some(namespace) if self.namespaced => format!("{root}/namespaces/{namespace}/{}", self.plural),
            _ => format!("{root}/{}", self.plural),
        }
    }
}

/// What discovery found: the kinds served, and what could not be asked.
#[derive(Debug, Default)]
pub struct Discovered {
    pub served: Vec<Served>,
    pub errors: Vec<ScanError>,
}

/// Asks the API server which of `wanted` it serves (and may be listed).
/// A kind it does not serve is left out: there is nothing of it to judge.
pub async fn discover(connection: &Connection, wanted: &[Wanted], options: &ListOptions) -> Discovered {
    let mut found = Discovered::default();
    let source = format!("cluster:{}", connection.context);
    let mut groups: Vec<(String, String)> = Vec::new();
    for want in wanted {
        // An empty version stands for the group's preferred one.
        let group = (want.group.clone(), want.version.clone());
        if !groups.contains(&group) {
            groups.push(group);
        }
    }
    // The core group first: when the API server cannot be reached, or
    // refuses who we are, that is one error, not one per group.
    let core = match get_json(connection, "/api/v1", options).await {
        Ok(list) => list,
        Err(error @ (Failure::Transport(_) | Failure::Status(401, _))) => {
            found.errors.push(ScanError::new(
                &source,
                None,
                format!("cannot read the cluster at {}: {error}", connection.url),
            ));
            return found;
        }
        Err(error) => {
            found
                .errors
                .push(ScanError::new(&source, None, format!("discovery of /api/v1: {error}")));
            Value::Null
        }
    };
    // Preferred versions, for the kinds that did not name one.
    let mut preferred: Vec<(String, String)> = Vec::new();
    if groups
        .iter()
        .any(|(group, version)| !group.is_empty() && version.is_empty())
    {
        match get_json(connection, "/apis", options).await {
            Ok(list) => {
                for group in list["groups"].as_array().into_iter().flatten() {
                    if let (Some(name), Some(version)) =
                        (group["name"].as_str(), group["preferredVersion"]["version"].as_str())
                    {
                        preferred.push((name.to_string(), version.to_string()));
                    }
                }
            }
            Err(error) => found
                .errors
                .push(ScanError::new(&source, None, format!("discovery of /apis: {error}"))),
        }
    }
    for (group, version) in groups {
        let version = if version.is_empty() {
            match preferred.iter().find(|(name, _)| *name == group) {
                Some((_, version)) => version.clone(),
                None => continue,
            }
        } else {
            version
        };
        let api_version = if group.is_empty() {
            version.clone()
        } else {
            format!("{group}/{version}")
        };
        let path = if group.is_empty() {
            format!("/api/{version}")
        } else {
            format!("/apis/{api_version}")
        };
        let fetched = if path == "/api/v1" {
            Ok(core.clone())
        } else {
            get_json(connection, &path, options).await
        };
        let resources = match fetched {
            Ok(list) => list,
            // A group the cluster does not serve.
            Err(Failure::Status(404, _)) => continue,
            Err(error) => {
                found
                    .errors
                    .push(ScanError::new(&source, None, format!("discovery of {path}: {error}")));
                continue;
            }
        };
        for resource in resources["resources"].as_array().into_iter().flatten() {
            let (Some(plural), Some(kind)) = (resource["name"].as_str(), resource["kind"].as_str()) else {
                continue;
            };
            let listable = resource["verbs"]
                .as_array()
                .is_some_and(|verbs| verbs.iter().any(|verb| verb == "list"));
            // Subresources (`pods/log`) are not kinds.
            if plural.contains('/') || !listable {
                continue;
            }
            let want = wanted.iter().find(|want| {
                want.group == group && want.kind == kind && (want.version.is_empty() || want.version == version)
            });
            if let Some(want) = want
                && !found
                    .served
                    .iter()
                    .any(|served| served.api_version == api_version && served.kind == kind)
            {
                found.served.push(Served {
                    api_version: api_version.clone(),
                    kind: kind.to_string(),
                    plural: plural.to_string(),
                    namespaced: resource["namespaced"].as_bool().unwrap_or(true),
                    metadata_only: want.metadata_only,
                });
            }
        }
    }
    found
}

/// How a list is read.
#[derive(Debug, Clone)]
pub struct ListOptions {
    /// Items per page (`limit`).
    pub page_size: u32,
    /// Attempts per page for 429 and 5xx answers.
    pub attempts: u32,
    /// The first backoff; it doubles up to `max_backoff`.
    pub backoff: Duration,
    pub max_backoff: Duration,
    /// Restarts of one list after expired continue tokens.
    pub restarts: u32,
}

impl Default for ListOptions {
    fn default() -> Self {
        ListOptions {
            page_size: 500,
            attempts: 6,
            backoff: Duration::from_millis(250),
            max_backoff: Duration::from_secs(8),
            restarts: 3,
        }
    }
}

/// What listing one kind came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Listed {
    pub pages: usize,
    pub items: usize,
    /// Lists begun again after a continue token expired.
    pub restarts: usize,
    /// Answers retried (429, 5xx).
    pub retries: usize,
}

/// Lists `served` (in `namespace`, or across all), page by page, handing
/// each item on as a piece as its bytes arrive.
pub async fn list(
    connection: &Connection,
    served: &Served,
    namespace: Option<&str>,
    options: &ListOptions,
    each: &mut (dyn FnMut(Piece) + Send),
) -> Result<Listed, ScanError> {
    let path = served.path(namespace);
    let source: Arc<str> = Arc::from(format!("cluster:{}{path}", connection.context).as_str());
    let implied = Arc::new((served.api_version.clone(), served.kind.clone()));
    let accept = if served.metadata_only {
        // Only metadata: without this the API server sends the values.
        "application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1"
    } else {
        "application/json"
    };
    let mut listed = Listed::default();
    let mut token: Option<String> = None;
    loop {
        let mut query = format!("{path}?limit={}", options.page_size);
        if let Some(token) = &token {
            query.push_str("&continue=");
            // Tokens are base64, with `+`, `/` and `=`.
            query.extend(percent_encoding::utf8_percent_encode(
                token,
                percent_encoding::NON_ALPHANUMERIC,
            ));
        }
        let response = send_with_retries(connection, &query, accept, options, &mut listed)
            .await
            .map_err(|failure| ScanError::new(&*source, None, failure.to_string()))?;
        let status = response.status().as_u16();
        if status == 410 && token.is_some() && (listed.restarts as u32) < options.restarts {
            // The continue token expired: the list begins again; what was
            // handed on already is judged once (the maker drops repeats).
            listed.restarts += 1;
            token = None;
            continue;
        }
        if status == 404 {
            // Gone since discovery (a custom resource removed): nothing
            // of it to judge.
            return Ok(listed);
        }
        if status != 200 {
            let body = response
                .into_body()
                .collect()
                .await
                .map(|body| body.to_bytes())
                .unwrap_or_default();
            return Err(ScanError::new(
                &*source,
                None,
                Failure::Status(status, message_of(&body)).to_string(),
            ));
        }
        if served.metadata_only && !is_json_metadata(response.headers()) {
            return Err(ScanError::new(
                &*source,
                None,
                "the API server did not answer with metadata only; Secrets are not read in full".to_string(),
            ));
        }
        let mut cutter = Cutter::default();
        let mut body = response.into_body();
        let mut hand_on = |cut| {
            listed.items += 1;
            each(Piece::Json {
                source: source.clone(),
                cut,
                implied: Some(implied.clone()),
            });
        };
        while let Some(frame) = body.frame().await {
            let frame = frame.map_err(|error| ScanError::new(&*source, None, format!("reading a page: {error}")))?;
            if let Some(bytes) = frame.data_ref() {
                cutter.feed(bytes, &mut hand_on);
            }
        }
        let skeleton = cutter
            .finish(&mut hand_on)
            .map_err(|error| ScanError::new(&*source, error.line, error.message))?;
        listed.pages += 1;
        let skeleton: Value = serde_json::from_slice(&skeleton).unwrap_or(Value::Null);
        match skeleton["metadata"]["continue"].as_str() {
            Some(next) if !next.is_empty() => token = Some(next.to_string()),
            _ => return Ok(listed),
        }
    }
}

fn is_json_metadata(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("as=PartialObjectMetadataList"))
}

/// Why a request failed.
#[derive(Debug)]
pub(crate) enum Failure {
    Status(u16, String),
    Transport(String),
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Failure::Status(401, message) => write!(f, "unauthorized (401): {message}"),
            Failure::Status(403, message) => {
                write!(f, "forbidden (403): {message}; its rules judge nothing of this kind")
            }
            Failure::Status(status, message) => write!(f, "the API server answered {status}: {message}"),
            Failure::Transport(message) => f.write_str(message),
        }
    }
}

/// The `message` of a Kubernetes `Status` body, else the body's start.
fn message_of(body: &[u8]) -> String {
    serde_json::from_slice::<Value>(body)
        .ok()
        .and_then(|status| status["message"].as_str().map(str::to_string))
        .unwrap_or_else(|| String::from_utf8_lossy(&body[..body.len().min(200)]).to_string())
}

/// GET `path` as JSON (discovery), with the list's retries.
pub(crate) async fn get_json(connection: &Connection, path: &str, options: &ListOptions) -> Result<Value, Failure> {
    let mut listed = Listed::default();
    let response = send_with_retries(connection, path, "application/json", options, &mut listed).await?;
    let status = response.status().as_u16();
    let body = response
        .into_body()
        .collect()
        .await
        .map_err(|error| Failure::Transport(error.to_string()))?
        .to_bytes();
    if status != 200 {
        return Err(Failure::Status(status, message_of(&body)));
    }
    serde_json::from_slice(&body).map_err(|error| Failure::Transport(format!("{path}: not JSON: {error}")))
}

/// Sends a GET, retrying 429 and 5xx answers and failed connections with
/// backoff (`Retry-After` when the server gives one, within the bound).
/// Any other answer is returned for the caller to read.
async fn send_with_retries(
    connection: &Connection,
    path_and_query: &str,
    accept: &str,
    options: &ListOptions,
    listed: &mut Listed,
) -> Result<http::Response<kube::client::Body>, Failure> {
    let mut backoff = options.backoff;
    let mut attempt = 1;
    loop {
        let request = http::Request::get(path_and_query)
            .header(http::header::ACCEPT, accept)
            .body(kube::client::Body::empty())
            .map_err(|error| Failure::Transport(error.to_string()))?;
        let outcome = connection.client.send(request).await;
        let wait = match &outcome {
            Ok(response) => {
                let status = response.status().as_u16();
                if status != 429 && status < 500 {
                    return outcome.map_err(|error| Failure::Transport(error.to_string()));
                }
                retry_after(response.headers()).unwrap_or(backoff)
            }
            Err(_) => backoff,
        };
        if attempt >= options.attempts {
            return match outcome {
                Ok(response) => {
                    let status = response.status().as_u16();
                    let body = response
                        .into_body()
                        .collect()
                        .await
                        .map(|body| body.to_bytes())
                        .unwrap_or_default();
                    Err(Failure::Status(
                        status,
                        format!("{} (after {attempt} attempts)", message_of(&body)),
                    ))
                }
                Err(error) => Err(Failure::Transport(format!("{error} (after {attempt} attempts)"))),
            };
        }
        listed.retries += 1;
        attempt += 1;
        tokio::time::sleep(wait.min(options.max_backoff.max(MAX_RETRY_AFTER))).await;
        backoff = (backoff * 2).min(options.max_backoff);
    }
}

/// The longest `Retry-After` honoured (a longer one waits this long).
const MAX_RETRY_AFTER: Duration = Duration::from_secs(30);

/// `Retry-After` in seconds (the API server sends whole seconds).
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// Everything one audit reads: discovery, then every kind served (in each
/// of `namespaces`, or across all; cluster-scoped kinds once), at most
/// `concurrency` lists at a time, each item handed to `each` as it
/// arrives. Errors name the kind; the other kinds are still read.
pub async fn read_cluster(
    connection: &Connection,
    wanted: &[Wanted],
    namespaces: &[String],
    options: &ListOptions,
    concurrency: usize,
    each: Arc<std::sync::Mutex<dyn FnMut(Piece) + Send>>,
) -> ReadCluster {
    let discovered = discover(connection, wanted, options).await;
    let mut jobs: Vec<(Served, Option<String>)> = Vec::new();
    for served in &discovered.served {
        if served.namespaced && !namespaces.is_empty() {
            jobs.extend(
                namespaces
                    .iter()
                    .map(|namespace| (served.clone(), Some(namespace.clone()))),
            );
        } else {
            jobs.push((served.clone(), None));
        }
    }
    let semaphore = Arc::new(tokio::sync::Semaphore::new(concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    for (served, namespace) in jobs {
        let (connection, options, each, semaphore) =
            (connection.clone(), options.clone(), each.clone(), semaphore.clone());
        tasks.spawn(async move {
            let _permit = semaphore.acquire_owned().await;
            let mut hand_on = |piece: Piece| {
                let mut each = each.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                each(piece);
            };
            let result = list(&connection, &served, namespace.as_deref(), &options, &mut hand_on).await;
            (served, namespace, result)
        });
    }
    let mut read = ReadCluster {
        errors: discovered.errors,
        ..ReadCluster::default()
    };
    while let Some(joined) = tasks.join_next().await {
        let Ok((served, namespace, result)) = joined else {
            continue;
        };
        match result {
            Ok(listed) => read.lists.push((served, namespace, listed)),
            Err(error) => read.errors.push(error),
        }
    }
    read.lists
        .sort_by(|a, b| (&a.0.api_version, &a.0.kind, &a.1).cmp(&(&b.0.api_version, &b.0.kind, &b.1)));
    read.errors.sort();
    read
}

/// What reading a cluster came to.
#[derive(Debug, Default)]
pub struct ReadCluster {
    pub lists: Vec<(Served, Option<String>, Listed)>,
    pub errors: Vec<ScanError>,
}
