//! The HTTPS server: `POST /validate`, `GET /healthz`, `/readyz` and
//! `/metrics`, on axum over rustls with the ring provider (no OpenSSL),
//! HTTP/1.1 and HTTP/2.
//!
//! Bounded everywhere the peers' users were hurt: the body is limited to
//! the API server's 3 MiB (413 past it), a connection that sends no
//! request in time is closed, judgements wait for one of a fixed number of
//! permits, and each has a deadline below the webhook's timeout, past
//! which (or on a panic) the failure policy answers: allow with a warning
//! by default (fail-open), deny when asked. The certificate files are
//! watched and reloaded in place (cert-manager rotates them) without
//! dropping connections. The configuration (rampart.toml, exceptions,
//! policies) is rebuilt on SIGHUP, when its files change and when the day
//! changes; a broken one is logged and the old one kept.

use std::collections::{BTreeSet, HashMap};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Body;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rampart_scan::Pipeline;
use serde_json::json;
use tokio::sync::{Notify, Semaphore};

use crate::decide::{Decision, Mode, Settings, decide_with};
use crate::metrics::{FindingLabels, Metrics, ReloadLabels, RequestLabels};
use crate::review::{AdmissionRequest, decode, response};
use rampart_core::Severity;
use rampart_report::store::AdmissionRecord;

/// The API server sends at most this much.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// Bodies up to this size, without Rego policies, are judged on the
/// connection's own thread; larger ones (and any with policies) on the
/// blocking pool, under the deadline.
const INLINE_BODY: usize = 64 * 1024;

/// How to serve.
#[derive(Clone)]
pub struct ServeOptions {
    pub listen: SocketAddr,
    /// Certificate chain and key, PEM. Without them the server speaks
    /// plain HTTP (for local trials; the API server requires HTTPS).
    pub tls: Option<(PathBuf, PathBuf)>,
    pub settings: Settings,
    /// How long one judgement may take before the failure policy answers
    /// (zero: every request is answered by the failure policy, a
    /// rehearsal).
    pub deadline: Duration,
    /// Judgements running at once; the others wait.
    pub max_in_flight: usize,
    /// Deny (instead of allow) when a request cannot be judged.
    pub fail_closed: bool,
    /// How often the certificate files are checked for a new version.
    pub reload_every: Duration,
    /// Print one JSON line per decision on standard output.
    pub log_decisions: bool,
    /// The longest a client may take over its TLS handshake, a request's
    /// headers, or its body: past it the connection is closed (or, for a
    /// body, answered 408), so slow or idle clients cannot hold the server.
    pub read_timeout: Duration,
    /// How to rebuild the configuration; without it, it never changes.
    pub reload: Option<Reload>,
    /// Where the decisions' tallies go (`--record`): called every
    /// `record_every`, at the end of each UTC day, and when the server
    /// stops, with the period's tally (never an empty one).
    pub record: Option<Recorder>,
    pub record_every: Duration,
    /// Serve `/mutate`, pinning each verified image's tag to its digest (off by default).
    pub pin_image_digests: bool,
    /// Serve `/audit`, the API server's audit webhook backend (`rampart serve --audit`).
    pub audit: Option<AuditSink>,
}

/// What `POST /audit` does with the batches the API server's audit webhook backend posts
/// (`EventList`s): each event judged by the detection rules, in the order received, and
/// each detection handed to `emit` (the CLI prints it as a JSON line).
#[derive(Clone)]
pub struct AuditSink {
    pub detector: Arc<Mutex<rampart_auditlog::Detector>>,
    pub emit: Arc<dyn Fn(&rampart_core::Finding) + Send + Sync>,
}

/// The largest audit batch accepted (the API server sends up to 400 events a batch by
/// default; at `RequestResponse` level a batch can reach tens of MiB).
pub const MAX_AUDIT_BODY: usize = 32 * 1024 * 1024;

/// Keeps one period's tally (the run store, in `rampart serve`).
pub type Recorder = Arc<dyn Fn(&AdmissionRecord) -> Result<(), String> + Send + Sync>;

/// Builds the pipeline and settings again from the files they came from;
/// an error says why the new configuration cannot be used.
pub type Build = Arc<dyn Fn() -> Result<(Arc<Pipeline>, Settings), String> + Send + Sync>;

/// The configuration is rebuilt on [`Running::reload_trigger`] (SIGHUP),
/// when one of `watched` (files or folders) changes, and when the day
/// changes (dated annotations and exceptions are judged by it).
#[derive(Clone)]
pub struct Reload {
    pub build: Build,
    pub watched: Vec<PathBuf>,
}

impl std::fmt::Debug for Reload {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Reload")
            .field("watched", &self.watched)
            .finish_non_exhaustive()
    }
}

impl Default for ServeOptions {
    fn default() -> Self {
        ServeOptions {
            listen: SocketAddr::from(([0, 0, 0, 0], 8443)),
            tls: None,
            settings: Settings::default(),
            deadline: Duration::from_millis(2000),
            max_in_flight: 64,
            fail_closed: false,
            reload_every: Duration::from_secs(10),
            log_decisions: true,
            read_timeout: Duration::from_secs(10),
            reload: None,
            record: None,
            record_every: Duration::from_secs(300),
            pin_image_digests: false,
            audit: None,
        }
    }
}

/// The configuration in force; swapped whole on a reload, so a request
/// sees either the old one or the new one.
struct Loaded {
    pipeline: Arc<Pipeline>,
    settings: Settings,
}

/// Controllers whose findings the decision log has already reported, with
/// those rules: the pods of one ReplicaSet repeat its findings, and the
/// log names them once.
#[derive(Default)]
struct Reported {
    by_owner: HashMap<String, BTreeSet<String>>,
}

/// Past this many controllers the memory starts over.
const MAX_REMEMBERED_OWNERS: usize = 10_000;

impl Reported {
    /// Splits `rules` into those not yet reported for `owner` and the
    /// number already reported.
    fn first_time(&mut self, owner: &str, rules: &[String]) -> (Vec<String>, usize) {
        if self.by_owner.len() >= MAX_REMEMBERED_OWNERS && !self.by_owner.contains_key(owner) {
            self.by_owner.clear();
        }
        let seen = self.by_owner.entry(owner.to_string()).or_default();
        let fresh: Vec<String> = rules
            .iter()
            .filter(|rule| seen.insert((*rule).clone()))
            .cloned()
            .collect();
        let repeated = rules.len() - fresh.len();
        (fresh, repeated)
    }
}

struct App {
    loaded: RwLock<Arc<Loaded>>,
    /// The decisions since the last record, when recording.
    tally: Option<Mutex<AdmissionRecord>>,
    recorder: Option<Recorder>,
    reported: Mutex<Reported>,
    metrics: Metrics,
    permits: Semaphore,
    deadline: Duration,
    fail_closed: bool,
    log_decisions: bool,
    read_timeout: Duration,
    ready: AtomicBool,
    audit: Option<AuditSink>,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
    reload: Arc<Notify>,
    app: Arc<App>,
}

impl Running {
    /// Notifying it rebuilds the configuration now (what SIGHUP does).
    pub fn reload_trigger(&self) -> Arc<Notify> {
        self.reload.clone()
    }

    /// Stops accepting, lets in-flight requests finish (up to 10 s), and
    /// returns once the server is down.
    pub async fn stop(self) -> std::io::Result<()> {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        self.wait().await
    }

    /// Waits until the server ends, then records the last period.
    pub async fn wait(self) -> std::io::Result<()> {
        let served = self
            .task
            .await
            .unwrap_or_else(|error| Err(std::io::Error::other(error)));
        let app = self.app.clone();
        let _ = tokio::task::spawn_blocking(move || record_period(&app)).await;
        served
    }

    pub fn handle(&self) -> axum_server::Handle<SocketAddr> {
        self.handle.clone()
    }
}

/// Starts serving; returns once the socket is bound.
pub async fn start(options: ServeOptions, pipeline: Arc<Pipeline>) -> std::io::Result<Running> {
    let app = Arc::new(App {
        loaded: RwLock::new(Arc::new(Loaded {
            pipeline,
            settings: options.settings.clone(),
        })),
        reported: Mutex::new(Reported::default()),
        tally: options.record.as_ref().map(|_| {
            Mutex::new(AdmissionRecord {
                since: rampart_core::unix_now(),
                ..AdmissionRecord::default()
            })
        }),
        recorder: options.record.clone(),
        metrics: Metrics::new(),
        permits: Semaphore::new(options.max_in_flight.max(1)),
        deadline: options.deadline,
        fail_closed: options.fail_closed,
        log_decisions: options.log_decisions,
        read_timeout: options.read_timeout,
        ready: AtomicBool::new(false),
        audit: options.audit.clone(),
    });
    let mut router = Router::new().route("/validate", post(validate));
    if options.pin_image_digests {
        router = router.route("/mutate", post(mutate));
    }
    if options.audit.is_some() {
        router = router.route("/audit", post(audit));
    }
    let router = router
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .with_state(app.clone());
    let handle = axum_server::Handle::new();
    let task = match &options.tls {
        Some((cert, key)) => {
            // Only ring is compiled in; installing it twice is harmless.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", cert.display())))?;
            if let Some(expiry) = not_after(cert) {
                app.metrics.certificate_expiry.set(expiry);
            }
            tokio::spawn(watch_certificate(
                config.clone(),
                cert.clone(),
                key.clone(),
                options.reload_every,
                app.clone(),
            ));
            // A client that never finishes its handshake is let go as soon
            // as one that never sends a request.
            let acceptor = axum_server::tls_rustls::RustlsAcceptor::new(config).handshake_timeout(options.read_timeout);
            let mut server = axum_server::bind(options.listen)
                .acceptor(acceptor)
                .handle(handle.clone())
                .first_request_timeout(options.read_timeout);
            // The first request's deadline covers only the first: later
            // ones on a kept-alive connection get the same bound.
            server.http_builder().http1().header_read_timeout(options.read_timeout);
            tokio::spawn(server.serve(router.into_make_service()))
        }
        None => {
            let mut server = axum_server::bind(options.listen)
                .handle(handle.clone())
                .first_request_timeout(options.read_timeout);
            server.http_builder().http1().header_read_timeout(options.read_timeout);
            tokio::spawn(server.serve(router.into_make_service()))
        }
    };
    let Some(addr) = handle.listening().await else {
        // The server task ended before listening: its error says why.
        return Err(task
            .await
            .map_err(std::io::Error::other)?
            .err()
            .unwrap_or_else(|| std::io::Error::other("the server stopped before listening")));
    };
    let reload = Arc::new(Notify::new());
    if let Some(rebuild) = options.reload.clone() {
        tokio::spawn(watch_configuration(
            app.clone(),
            rebuild,
            options.reload_every,
            reload.clone(),
        ));
    }
    if app.recorder.is_some() {
        tokio::spawn(record_periodically(app.clone(), options.record_every));
    }
    app.ready.store(true, Ordering::Release);
    Ok(Running {
        addr,
        handle,
        task,
        reload,
        app,
    })
}

/// What a file or folder looks like now: each file's modification time
/// and size (a folder's files, recursively; bounded).
fn fingerprint(paths: &[PathBuf]) -> Vec<(PathBuf, Option<(SystemTime, u64)>)> {
    fn walk(path: &Path, depth: usize, out: &mut Vec<(PathBuf, Option<(SystemTime, u64)>)>) {
        // Metadata follows symlinks: a ConfigMap's `..data` swap changes it.
        let meta = std::fs::metadata(path).ok();
        if let Some(meta) = &meta
            && meta.is_dir()
        {
            if depth > 8 || out.len() > 10_000 {
                return;
            }
            let mut entries: Vec<PathBuf> = std::fs::read_dir(path)
                .map(|entries| {
                    entries
                        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
                        .collect()
                })
                .unwrap_or_default();
            entries.sort();
            for entry in entries {
                walk(&entry, depth + 1, out);
            }
            return;
        }
        let stamp = meta.and_then(|meta| Some((meta.modified().ok()?, meta.len())));
        out.push((path.to_path_buf(), stamp));
    }
    let mut out = Vec::new();
    for path in paths {
        walk(path, 0, &mut out);
    }
    out
}

fn day_now() -> i64 {
    rampart_core::unix_now().div_euclid(86_400)
}

/// Rebuilds the configuration when told to, when its files change, or
/// when the day changes; a configuration that fails to build is logged and
/// the one in force kept (it is tried again on the next change).
async fn watch_configuration(app: Arc<App>, reload: Reload, every: Duration, trigger: Arc<Notify>) {
    let mut seen = fingerprint(&reload.watched);
    let mut day = day_now();
    loop {
        let asked = tokio::select! {
            () = tokio::time::sleep(every) => false,
            () = trigger.notified() => true,
        };
        let now = fingerprint(&reload.watched);
        let today = day_now();
        if !asked && now == seen && today == day {
            continue;
        }
        seen = now;
        day = today;
        let build = reload.build.clone();
        let built = tokio::task::spawn_blocking(move || build())
            .await
            .unwrap_or_else(|_| Err("building it panicked".to_string()));
        let result = match built {
            Ok((pipeline, settings)) => {
                let mode = settings.mode;
                *app.loaded.write().unwrap_or_else(std::sync::PoisonError::into_inner) =
                    Arc::new(Loaded { pipeline, settings });
                eprintln!("rampart serve: configuration reloaded (mode {})", mode.as_str());
                "reloaded"
            }
            Err(error) => {
                eprintln!("rampart serve: configuration not reloaded, keeping the one in force: {error}");
                "failed"
            }
        };
        app.metrics
            .config_reloads
            .get_or_create(&ReloadLabels {
                result: result.to_string(),
            })
            .inc();
    }
}

/// Hands the tally since the last record to the recorder and starts a new
/// period; an empty one is not recorded.
fn record_period(app: &App) {
    let (Some(tally), Some(recorder)) = (&app.tally, &app.recorder) else {
        return;
    };
    let now = rampart_core::unix_now();
    let period = std::mem::replace(
        &mut *tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner),
        AdmissionRecord {
            since: now,
            ..AdmissionRecord::default()
        },
    );
    if period.is_empty() {
        return;
    }
    if let Err(error) = recorder(&period) {
        // The next period starts afresh: counting twice would be worse
        // than a gap the log names.
        eprintln!(
            "rampart serve: cannot record {} decision(s): {error}",
            period.allowed + period.warned + period.denied + period.skipped + period.failed
        );
    }
}

/// Records every `every`, and when the UTC day turns (a record never spans
/// two days).
async fn record_periodically(app: Arc<App>, every: Duration) {
    let mut day = day_now();
    let mut last = Instant::now();
    loop {
        tokio::time::sleep(every.min(Duration::from_secs(10))).await;
        let today = day_now();
        if today == day && last.elapsed() < every {
            continue;
        }
        day = today;
        last = Instant::now();
        let app = app.clone();
        let _ = tokio::task::spawn_blocking(move || record_period(&app)).await;
    }
}

/// Adds one decision to the period's tally.
fn tally(app: &App, decision: &Decision, result: &str) {
    let Some(tally) = &app.tally else {
        return;
    };
    let mut tally = tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    match result {
        "denied" => tally.denied += 1,
        "warned" => tally.warned += 1,
        "skipped" => tally.skipped += 1,
        "failed-open" | "failed-closed" => tally.failed += 1,
        _ => tally.allowed += 1,
    }
    for (rule, mode) in &decision.rule_modes {
        let counts = tally.rules.entry(rule.clone()).or_default();
        if decision.blocked.contains(rule) {
            counts.blocked += 1;
        } else if *mode == crate::Mode::Audit {
            counts.audited += 1;
        } else {
            counts.warned += 1;
        }
    }
}

/// Whether a server accepts connections at `addr` within `timeout`: the
/// image's HEALTHCHECK (Docker and Compose; Kubernetes uses the probes on
/// /healthz and /readyz instead).
pub fn probe(addr: SocketAddr, timeout: Duration) -> std::io::Result<()> {
    std::net::TcpStream::connect_timeout(&addr, timeout).map(drop)
}

/// When the first certificate in a PEM chain expires, in Unix seconds.
fn not_after(cert: &Path) -> Option<i64> {
    let bytes = std::fs::read(cert).ok()?;
    let (_, pem) = x509_parser::pem::parse_x509_pem(&bytes).ok()?;
    let certificate = pem.parse_x509().ok()?;
    Some(certificate.validity().not_after.timestamp())
}

/// Reloads the certificate when either file changes on disk.
async fn watch_certificate(
    config: axum_server::tls_rustls::RustlsConfig,
    cert: PathBuf,
    key: PathBuf,
    every: Duration,
    app: Arc<App>,
) {
    let stamp = |path: &PathBuf| std::fs::metadata(path).and_then(|meta| meta.modified()).ok();
    let mut seen: (Option<SystemTime>, Option<SystemTime>) = (stamp(&cert), stamp(&key));
    loop {
        tokio::time::sleep(every).await;
        let now = (stamp(&cert), stamp(&key));
        if now == seen {
            continue;
        }
        match config.reload_from_pem_file(&cert, &key).await {
            Ok(()) => {
                app.metrics.certificate_reloads.inc();
                if let Some(expiry) = not_after(&cert) {
                    app.metrics.certificate_expiry.set(expiry);
                }
                seen = now;
                eprintln!("rampart serve: reloaded the certificate from {}", cert.display());
            }
            // Half-written files during a rotation: try again next round.
            Err(error) => eprintln!(
                "rampart serve: cannot reload {}: {error}; keeping the old one",
                cert.display()
            ),
        }
    }
}

async fn ready(State(app): State<Arc<App>>) -> Response {
    if app.ready.load(Ordering::Acquire) {
        "ready".into_response()
    } else {
        (StatusCode::SERVICE_UNAVAILABLE, "starting").into_response()
    }
}

async fn metrics(State(app): State<Arc<App>>) -> Response {
    (
        [(
            header::CONTENT_TYPE,
            "application/openmetrics-text; version=1.0.0; charset=utf-8",
        )],
        app.metrics.encode(),
    )
        .into_response()
}

/// The request body, within the read timeout and the size limit; else the answer to send.
async fn read_body(app: &App, body: Body) -> Result<axum::body::Bytes, Response> {
    read_body_within(app, body, MAX_BODY).await
}

async fn read_body_within(app: &App, body: Body, limit: usize) -> Result<axum::body::Bytes, Response> {
    match tokio::time::timeout(app.read_timeout, axum::body::to_bytes(body, limit)).await {
        Ok(Ok(body)) => Ok(body),
        Ok(Err(error)) => {
            count(app, "-", "-", "error");
            let too_large =
                std::error::Error::source(&error).is_some_and(|source| source.is::<http_body_util::LengthLimitError>());
            Err(if too_large {
                (
                    StatusCode::PAYLOAD_TOO_LARGE,
                    format!("the body is larger than {limit} bytes"),
                )
                    .into_response()
            } else {
                (StatusCode::BAD_REQUEST, format!("cannot read the body: {error}")).into_response()
            })
        }
        Err(_) => {
            count(app, "-", "-", "error");
            Err((StatusCode::REQUEST_TIMEOUT, "the body was not sent in time").into_response())
        }
    }
}

/// The AdmissionReview in the body, and the body (its size decides where it is judged);
/// else the answer to send.
async fn read_review(app: &App, body: Body) -> Result<(axum::body::Bytes, AdmissionRequest), Response> {
    let body = read_body(app, body).await?;
    match decode(&body) {
        Ok(request) => Ok((body, request)),
        Err(message) => {
            count(app, "-", "-", "error");
            Err((StatusCode::BAD_REQUEST, message).into_response())
        }
    }
}

/// `POST /audit`: a batch of the audit webhook backend, judged on the blocking pool (one
/// batch at a time: the detector keeps state across events); 200 once judged, 400 for a
/// body that is not audit events (the API server then retries or drops it, per its
/// configuration).
async fn audit(State(app): State<Arc<App>>, body: Body) -> Response {
    let Some(sink) = app.audit.clone() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let body = match read_body_within(&app, body, MAX_AUDIT_BODY).await {
        Ok(body) => body,
        Err(answer) => {
            app.metrics.audit_refused.inc();
            return answer;
        }
    };
    let started = Instant::now();
    let judged = {
        let app = app.clone();
        tokio::task::spawn_blocking(move || judge_audit_batch(&app, &sink, &body)).await
    };
    app.metrics.audit_batch.observe(started.elapsed().as_secs_f64());
    match judged {
        Ok(Ok(events)) => (StatusCode::OK, format!("{events} events judged")).into_response(),
        Ok(Err(why)) => {
            app.metrics.audit_refused.inc();
            (StatusCode::BAD_REQUEST, why).into_response()
        }
        Err(_) => {
            app.metrics.audit_refused.inc();
            (StatusCode::INTERNAL_SERVER_ERROR, "the batch could not be judged").into_response()
        }
    }
}

fn judge_audit_batch(app: &App, sink: &AuditSink, body: &[u8]) -> Result<usize, String> {
    let events = rampart_auditlog::parse_batch(body).map_err(|why| format!("not audit events: {why}"))?;
    let source: Arc<str> = Arc::from("<audit-webhook>");
    let mut detector = sink.detector.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    let mut tally = app
        .tally
        .as_ref()
        .map(|tally| tally.lock().unwrap_or_else(std::sync::PoisonError::into_inner));
    for (index, event) in events.iter().enumerate() {
        for finding in detector.observe(&source, index + 1, event) {
            if let Some(tally) = tally.as_mut() {
                *tally.detections.entry(finding.rule.to_string()).or_default() += 1;
            }
            app.metrics
                .audit_detections
                .get_or_create(&crate::metrics::RuleLabels {
                    rule: finding.rule.to_string(),
                })
                .inc();
            (sink.emit)(&finding);
        }
    }
    app.metrics.audit_events.inc_by(events.len() as u64);
    Ok(events.len())
}

async fn validate(State(app): State<Arc<App>>, body: Body) -> Response {
    let started = Instant::now();
    let (body, request) = match read_review(&app, body).await {
        Ok(read) => read,
        Err(answer) => return answer,
    };
    let Ok(_permit) = app.permits.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    };
    app.metrics.in_flight.inc();
    let loaded = app
        .loaded
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    // Image signatures first: they may wait on registries (cached results answer at once),
    // within the deadline; what is left of it goes to the judgement.
    let mut not_verified = None;
    let extra = match (
        &loaded.settings.images,
        crate::decide::judged_namespace(&loaded.settings, &request),
    ) {
        (Some(images), Ok(_)) if !app.deadline.is_zero() => {
            let budget = app.deadline.saturating_sub(started.elapsed());
            match image_findings(images, &loaded.pipeline, &request, budget, &app.metrics).await {
                Ok(extra) => extra,
                Err(why) => {
                    not_verified = Some(why);
                    Vec::new()
                }
            }
        }
        _ => Vec::new(),
    };
    let judged = if app.deadline.is_zero() {
        // A zero deadline judges nothing: a rehearsal of the failure
        // policy, for checking what the cluster does when the webhook fails.
        Err(())
    } else if body.len() <= INLINE_BODY && !loaded.pipeline.has_policies() {
        // A small object and only the built-in rules: tens of microseconds,
        // judged here rather than handed to another thread and back (the
        // hand-offs cost more than the judgement, and widen the tail).
        let started = Instant::now();
        let judge = std::panic::AssertUnwindSafe(|| decide_with(&loaded.pipeline, &loaded.settings, &request, &extra));
        Ok(std::panic::catch_unwind(judge)
            .map(|decision| (decision, started.elapsed()))
            .map_err(drop))
    } else {
        let (loaded, request) = (loaded.clone(), request.clone());
        let work = tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let decision = decide_with(&loaded.pipeline, &loaded.settings, &request, &extra);
            (decision, started.elapsed())
        });
        let remaining = app.deadline.saturating_sub(started.elapsed());
        tokio::time::timeout(remaining, work)
            .await
            .map(|joined| joined.map_err(drop))
            .map_err(drop)
    };
    let (decision, result) = match judged {
        Ok(Ok((decision, spent))) => {
            app.metrics.evaluation.observe(spent.as_secs_f64());
            let result = if decision.skipped.is_some() {
                "skipped"
            } else if !decision.allowed {
                "denied"
            } else if !decision.warnings.is_empty() {
                "warned"
            } else {
                "allowed"
            };
            (decision, result)
        }
        Ok(Err(_)) => failed(&app, "the judgement failed (a panic, reported on stderr)"),
        Err(()) => failed(&app, "the judgement took longer than the deadline"),
    };
    // Images whose signatures could not be checked: the failure policy, for them alone.
    let (decision, result) = match not_verified {
        Some(why) if decision.allowed && decision.skipped.is_none() => {
            let why = format!("image signatures not verified: {why}");
            if app.fail_closed {
                let mut denied = decision;
                denied.allowed = false;
                denied.message = Some(crate::review::shorten(
                    &format!("rampart could not judge this request: {why}"),
                    crate::review::MAX_MESSAGE,
                ));
                (denied, "failed-closed")
            } else {
                let mut warned = decision;
                warned.warnings.insert(
                    0,
                    crate::review::shorten(&format!("rampart: {why}"), crate::review::MAX_WARNING),
                );
                (warned, "failed-open")
            }
        }
        _ => (decision, result),
    };
    app.metrics.in_flight.dec();
    count(&app, &request.operation, &request.kind.kind, result);
    for (rule, mode) in &decision.rule_modes {
        app.metrics
            .findings
            .get_or_create(&FindingLabels {
                rule: rule.clone(),
                mode: mode.as_str().to_string(),
            })
            .inc();
    }
    if !request.dry_run {
        tally(&app, &decision, result);
        if app.log_decisions {
            log(&app, &loaded.settings, &request, &decision, result);
        }
    }
    let answer = response(
        &request.uid,
        decision.allowed,
        decision.message.as_deref(),
        &decision.warnings,
    );
    app.metrics.request.observe(started.elapsed().as_secs_f64());
    (StatusCode::OK, axum::Json(answer)).into_response()
}

/// The signature findings of the workload in `request`: its images checked against the
/// policies within `budget` (cached verifications answer at once; a check still running when
/// the budget ends goes on, so the next request finds its result). `Err` when an image could
/// not be checked, or not in time.
async fn image_findings(
    images: &crate::decide::ImageChecks,
    pipeline: &rampart_scan::Pipeline,
    request: &AdmissionRequest,
    budget: Duration,
    metrics: &Metrics,
) -> Result<Vec<crate::decide::Judged>, String> {
    let Some(object) = &request.object else {
        return Ok(Vec::new());
    };
    let uses_of = |object: &serde_json::Value| image_uses(pipeline, object);
    let uses = uses_of(object);
    if uses.is_empty() {
        return Ok(Vec::new());
    }
    let old_images: BTreeSet<String> = match (&request.operation[..], &request.old_object) {
        ("UPDATE", Some(old)) => uses_of(old).into_iter().map(|image_use| image_use.image).collect(),
        _ => BTreeSet::new(),
    };
    let checker = images.0.clone();
    let wanted: Vec<String> = uses.iter().map(|image_use| image_use.image.clone()).collect();
    let now = rampart_core::unix_now();
    let checking = Instant::now();
    let check = tokio::spawn(async move { checker.check_all(&wanted, now).await });
    let verdicts = match tokio::time::timeout(budget, check).await {
        Ok(Ok(verdicts)) => verdicts,
        Ok(Err(_)) => {
            metrics.image_checked("error");
            return Err("the check failed".to_string());
        }
        Err(_) => {
            metrics.image_checked("late");
            return Err("not within the deadline".to_string());
        }
    };
    metrics.image_check.observe(checking.elapsed().as_secs_f64());
    count_image_checks(metrics, &verdicts);
    let found = rampart_images::signature::on_workloads(&verdicts, &uses, images.0.policies().unmatched);
    if let Some(error) = found.errors.first() {
        return Err(error.message.clone());
    }
    Ok(found
        .findings
        .into_iter()
        .map(|finding| {
            // A policy in warn mode reports at low severity, one in audit mode suppressed.
            let cap = if finding.suppressed {
                Mode::Audit
            } else if finding.severity <= Severity::Low {
                Mode::Warn
            } else {
                Mode::Enforce
            };
            let existing = finding
                .field
                .split_once(" in ")
                .is_some_and(|(_, image)| old_images.contains(image));
            crate::decide::Judged { finding, cap, existing }
        })
        .collect())
}

/// Counts each verdict in the metrics: one per policy judged, or the image's outcome.
fn count_image_checks(metrics: &Metrics, verdicts: &[rampart_images::signature::ImageVerdict]) {
    use rampart_images::signature::{ImageOutcome, PolicyResult};
    for verdict in verdicts {
        match &verdict.outcome {
            ImageOutcome::Unmatched => metrics.image_checked("unmatched"),
            ImageOutcome::Failed(_) => metrics.image_checked("error"),
            ImageOutcome::Checked(policies) => {
                for policy in policies {
                    metrics.image_checked(match &policy.result {
                        PolicyResult::Verified { cached: true, .. } => "cached",
                        PolicyResult::Verified { cached: false, .. } => "verified",
                        PolicyResult::Missing => "missing",
                        PolicyResult::Invalid { .. } => "invalid",
                        PolicyResult::Untrusted { .. } => "untrusted",
                    });
                }
            }
        }
    }
}

/// The images the object's containers run, with their fields.
fn image_uses(pipeline: &Pipeline, object: &serde_json::Value) -> Vec<rampart_core::ImageUse> {
    serde_json::to_vec(object)
        .map(|bytes| pipeline.image_uses_of("admission", &bytes))
        .unwrap_or_default()
}

/// `/mutate`: always allows; patches each image named by tag whose signatures the policies
/// verified to `name:tag@digest` (see [`crate::pin`]). What is not verified within the
/// deadline stays as written, for `/validate` to judge.
async fn mutate(State(app): State<Arc<App>>, body: Body) -> Response {
    let started = Instant::now();
    let (_, request) = match read_review(&app, body).await {
        Ok(read) => read,
        Err(answer) => return answer,
    };
    let loaded = app
        .loaded
        .read()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .clone();
    let mut patch = Vec::new();
    if let (Some(images), Ok(_), Some(object)) = (
        &loaded.settings.images,
        crate::decide::judged_namespace(&loaded.settings, &request),
        &request.object,
    ) {
        let uses = image_uses(&loaded.pipeline, object);
        let mut wanted: Vec<String> = uses
            .iter()
            .map(|image_use| image_use.image.clone())
            .filter(|image| crate::pin::unpinned(image))
            .collect();
        wanted.sort();
        wanted.dedup();
        if !wanted.is_empty() {
            let checker = images.0.clone();
            let now = rampart_core::unix_now();
            let check = tokio::spawn(async move { checker.check_all(&wanted, now).await });
            let budget = app.deadline.saturating_sub(started.elapsed());
            if let Ok(Ok(verdicts)) = tokio::time::timeout(budget, check).await {
                let digests: HashMap<&str, &str> = verdicts
                    .iter()
                    .filter(|verdict| verdict.verified())
                    .filter_map(|verdict| Some((verdict.image.as_str(), verdict.digest.as_deref()?)))
                    .collect();
                patch = crate::pin::patch_for(object, &uses, &digests);
            }
        }
    }
    count(
        &app,
        &request.operation,
        &request.kind.kind,
        if patch.is_empty() { "unchanged" } else { "pinned" },
    );
    let mut answer = response(&request.uid, true, None, &[]);
    if !patch.is_empty() {
        use base64::Engine as _;
        let encoded = base64::engine::general_purpose::STANDARD.encode(serde_json::Value::from(patch).to_string());
        answer["response"]["patchType"] = json!("JSONPatch");
        answer["response"]["patch"] = json!(encoded);
    }
    (StatusCode::OK, axum::Json(answer)).into_response()
}

/// The failure policy's answer.
fn failed(app: &App, why: &str) -> (Decision, &'static str) {
    let decision = Decision {
        allowed: !app.fail_closed,
        message: app
            .fail_closed
            .then(|| format!("rampart could not judge this request: {why}")),
        warnings: if app.fail_closed {
            Vec::new()
        } else {
            vec![crate::review::shorten(
                &format!("rampart: not judged, allowed: {why}"),
                crate::review::MAX_WARNING,
            )]
        },
        ..Decision::default()
    };
    (
        decision,
        if app.fail_closed {
            "failed-closed"
        } else {
            "failed-open"
        },
    )
}

fn count(app: &App, operation: &str, kind: &str, result: &str) {
    app.metrics
        .requests
        .get_or_create(&RequestLabels {
            operation: operation.to_string(),
            kind: kind.to_string(),
            result: result.to_string(),
        })
        .inc();
}

/// One JSON line per decision, for the cluster's log pipeline. A finding
/// the owning controller's earlier objects already had is counted in
/// `repeated`, not listed again.
fn log(app: &App, settings: &Settings, request: &AdmissionRequest, decision: &Decision, result: &str) {
    use std::io::Write;
    let (rules, repeated) = match &decision.owner {
        Some(owner) => {
            let key = format!("{}/{owner}", request.namespace.as_deref().unwrap_or("-"));
            app.reported
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .first_time(&key, &decision.rules)
        }
        None => (decision.rules.clone(), 0),
    };
    let line = json!({
        "time": rampart_core::rfc3339(rampart_core::unix_now()),
        "uid": request.uid,
        "user": request.user_info.username,
        "operation": request.operation,
        "kind": request.kind.kind,
        "namespace": request.namespace,
        "name": request.name,
        "owner": decision.owner,
        "mode": settings.mode.as_str(),
        "result": result,
        "allowed": decision.allowed,
        "rules": rules,
        "repeated": repeated,
        "existing": decision.existing,
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}
