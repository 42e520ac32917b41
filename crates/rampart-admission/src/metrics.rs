//! `GET /metrics`: the webhook's counters and latencies in the Prometheus
//! text format (`prometheus-client`, the Prometheus project's crate).

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub operation: String,
    pub kind: String,
    /// allowed, denied, warned, skipped, error, failed-open, failed-closed.
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FindingLabels {
    pub rule: String,
    pub mode: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ImageCheckLabels {
    /// verified, cached (verified earlier), missing, invalid, untrusted (one per policy
    /// judged), unmatched, error (the registry could not be asked) or late (not within the
    /// deadline; one per request).
    pub result: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RuleLabels {
    pub rule: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct ReloadLabels {
    /// reloaded or failed (the old configuration kept).
    pub result: String,
}

/// Every metric the webhook keeps.
pub struct Metrics {
    registry: Registry,
    pub requests: Family<RequestLabels, Counter>,
    pub findings: Family<FindingLabels, Counter>,
    /// Seconds spent judging one request (the pipeline alone).
    pub evaluation: Histogram,
    /// Seconds from the request's body to its answer.
    pub request: Histogram,
    pub in_flight: Gauge,
    pub certificate_reloads: Counter,
    /// When the serving certificate expires, in Unix seconds.
    pub certificate_expiry: Gauge,
    pub config_reloads: Family<ReloadLabels, Counter>,
    /// Image signature checks by outcome.
    pub image_checks: Family<ImageCheckLabels, Counter>,
    /// Seconds spent checking one request's images (registries included).
    pub image_check: Histogram,
    /// Audit events received on `/audit` and judged.
    pub audit_events: Counter,
    /// Detections made on them, by rule.
    pub audit_detections: Family<RuleLabels, Counter>,
    /// Audit batches refused (not JSON, not events, too large).
    pub audit_refused: Counter,
    /// Seconds spent judging one batch.
    pub audit_batch: Histogram,
}

impl Metrics {
    pub fn new() -> Metrics {
        let mut registry = Registry::with_prefix("rampart_admission");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register("requests", "AdmissionReviews answered", requests.clone());
        let findings = Family::<FindingLabels, Counter>::default();
        registry.register(
            "findings",
            "Findings in answered requests, by rule and mode",
            findings.clone(),
        );
        // 25 us to ~0.8 s.
        let evaluation = Histogram::new(exponential_buckets(0.000_025, 2.0, 16));
        registry.register("evaluation_seconds", "Time to judge one request", evaluation.clone());
        let request = Histogram::new(exponential_buckets(0.000_025, 2.0, 16));
        registry.register("request_seconds", "Time to answer one request", request.clone());
        let in_flight = Gauge::default();
        registry.register("in_flight", "Requests being judged", in_flight.clone());
        let certificate_reloads = Counter::default();
        registry.register(
            "certificate_reloads",
            "Certificates reloaded from disk",
            certificate_reloads.clone(),
        );
        let certificate_expiry = Gauge::default();
        registry.register(
            "certificate_expiry_timestamp_seconds",
            "When the serving certificate expires (Unix time)",
            certificate_expiry.clone(),
        );
        let config_reloads = Family::<ReloadLabels, Counter>::default();
        registry.register(
            "config_reloads",
            "Configuration rebuilds, reloaded or failed (the old one kept)",
            config_reloads.clone(),
        );
        let image_checks = Family::<ImageCheckLabels, Counter>::default();
        registry.register(
            "image_checks",
            "Image signature checks: one per policy judged, by result",
            image_checks.clone(),
        );
        let image_check = Histogram::new(exponential_buckets(0.000_025, 2.0, 18));
        registry.register(
            "image_check_seconds",
            "Time to check one request's image signatures",
            image_check.clone(),
        );
        let audit_events = Counter::default();
        registry.register(
            "audit_events",
            "Audit events received on /audit and judged",
            audit_events.clone(),
        );
        let audit_detections = Family::<RuleLabels, Counter>::default();
        registry.register(
            "audit_detections",
            "Detections made on audit events, by rule",
            audit_detections.clone(),
        );
        let audit_refused = Counter::default();
        registry.register("audit_refused", "Audit batches refused", audit_refused.clone());
        let audit_batch = Histogram::new(exponential_buckets(0.000_025, 2.0, 18));
        registry.register(
            "audit_batch_seconds",
            "Time to judge one audit batch",
            audit_batch.clone(),
        );
        Metrics {
            registry,
            audit_events,
            audit_detections,
            audit_refused,
            audit_batch,
            image_checks,
            image_check,
            certificate_expiry,
            config_reloads,
            requests,
            findings,
            evaluation,
            request,
            in_flight,
            certificate_reloads,
        }
    }

    /// The text exposition.
    /// Counts one image check's `result`.
    pub fn image_checked(&self, result: &str) {
        self.image_checks
            .get_or_create(&ImageCheckLabels {
                result: result.to_string(),
            })
            .inc();
    }

    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing to a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
