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
//! dropping connections.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use rampart_scan::Pipeline;
use serde_json::json;
use tokio::sync::Semaphore;

use crate::decide::{Decision, Settings, decide};
use crate::metrics::{FindingLabels, Metrics, RequestLabels};
use crate::review::{AdmissionRequest, decode, response};

/// The API server sends at most this much.
pub const MAX_BODY: usize = 3 * 1024 * 1024;

/// How to serve.
#[derive(Debug, Clone)]
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
    /// A connection that sends no request within this long is closed (a
    /// slow or idle client cannot hold a connection open).
    pub first_request_timeout: Duration,
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
            first_request_timeout: Duration::from_secs(10),
        }
    }
}

struct App {
    pipeline: Arc<Pipeline>,
    settings: Settings,
    metrics: Metrics,
    permits: Semaphore,
    deadline: Duration,
    fail_closed: bool,
    log_decisions: bool,
    ready: AtomicBool,
}

/// A running server.
pub struct Running {
    pub addr: SocketAddr,
    handle: axum_server::Handle<SocketAddr>,
    task: tokio::task::JoinHandle<std::io::Result<()>>,
}

impl Running {
    /// Stops accepting, lets in-flight requests finish (up to 10 s), and
    /// returns once the server is down.
    pub async fn stop(self) -> std::io::Result<()> {
        self.handle.graceful_shutdown(Some(Duration::from_secs(10)));
        self.task
            .await
            .unwrap_or_else(|error| Err(std::io::Error::other(error)))
    }

    /// Waits until the server ends.
    pub async fn wait(self) -> std::io::Result<()> {
        self.task
            .await
            .unwrap_or_else(|error| Err(std::io::Error::other(error)))
    }

    pub fn handle(&self) -> axum_server::Handle<SocketAddr> {
        self.handle.clone()
    }
}

/// Starts serving; returns once the socket is bound.
pub async fn start(options: ServeOptions, pipeline: Arc<Pipeline>) -> std::io::Result<Running> {
    let app = Arc::new(App {
        pipeline,
        settings: options.settings.clone(),
        metrics: Metrics::new(),
        permits: Semaphore::new(options.max_in_flight.max(1)),
        deadline: options.deadline,
        fail_closed: options.fail_closed,
        log_decisions: options.log_decisions,
        ready: AtomicBool::new(false),
    });
    let router = Router::new()
        .route("/validate", post(validate))
        .route("/healthz", get(|| async { "ok" }))
        .route("/readyz", get(ready))
        .route("/metrics", get(metrics))
        .layer(DefaultBodyLimit::max(MAX_BODY))
        .with_state(app.clone());
    let handle = axum_server::Handle::new();
    let task = match &options.tls {
        Some((cert, key)) => {
            // Only ring is compiled in; installing it twice is harmless.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let config = axum_server::tls_rustls::RustlsConfig::from_pem_file(cert, key)
                .await
                .map_err(|error| std::io::Error::new(error.kind(), format!("{}: {error}", cert.display())))?;
            tokio::spawn(watch_certificate(
                config.clone(),
                cert.clone(),
                key.clone(),
                options.reload_every,
                app.clone(),
            ));
            // A client that never finishes its handshake is let go as soon
            // as one that never sends a request.
            let acceptor =
                axum_server::tls_rustls::RustlsAcceptor::new(config).handshake_timeout(options.first_request_timeout);
            let server = axum_server::bind(options.listen)
                .acceptor(acceptor)
                .handle(handle.clone())
                .first_request_timeout(options.first_request_timeout);
            tokio::spawn(server.serve(router.into_make_service()))
        }
        None => {
            let server = axum_server::bind(options.listen)
                .handle(handle.clone())
                .first_request_timeout(options.first_request_timeout);
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
    app.ready.store(true, Ordering::Release);
    Ok(Running { addr, handle, task })
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

async fn validate(State(app): State<Arc<App>>, body: Bytes) -> Response {
    let started = Instant::now();
    let request = match decode(&body) {
        Ok(request) => request,
        Err(message) => {
            count(&app, "-", "-", "error");
            return (StatusCode::BAD_REQUEST, message).into_response();
        }
    };
    let Ok(_permit) = app.permits.acquire().await else {
        return (StatusCode::SERVICE_UNAVAILABLE, "shutting down").into_response();
    };
    app.metrics.in_flight.inc();
    let work = {
        let (app, request) = (app.clone(), request.clone());
        tokio::task::spawn_blocking(move || {
            let started = Instant::now();
            let decision = decide(&app.pipeline, &app.settings, &request);
            (decision, started.elapsed())
        })
    };
    let judged = if app.deadline.is_zero() {
        // A zero deadline judges nothing: a rehearsal of the failure
        // policy, for checking what the cluster does when the webhook fails.
        work.abort();
        Err(())
    } else {
        tokio::time::timeout(app.deadline, work).await.map_err(|_| ())
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
    app.metrics.in_flight.dec();
    count(&app, &request.operation, &request.kind.kind, result);
    for rule in &decision.rules {
        app.metrics
            .findings
            .get_or_create(&FindingLabels {
                rule: rule.clone(),
                mode: app.settings.mode.as_str().to_string(),
            })
            .inc();
    }
    if app.log_decisions && !request.dry_run {
        log(&app, &request, &decision, result);
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

/// One JSON line per decision, for the cluster's log pipeline.
fn log(app: &App, request: &AdmissionRequest, decision: &Decision, result: &str) {
    use std::io::Write;
    let line = json!({
        "time": rampart_core::rfc3339(rampart_core::unix_now()),
        "uid": request.uid,
        "user": request.user_info.username,
        "operation": request.operation,
        "kind": request.kind.kind,
        "namespace": request.namespace,
        "name": request.name,
        "owner": decision.owner,
        "mode": app.settings.mode.as_str(),
        "result": result,
        "allowed": decision.allowed,
        "rules": decision.rules,
        "existing": decision.existing,
    });
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{line}");
}
