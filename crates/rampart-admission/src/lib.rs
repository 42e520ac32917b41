//! The admission webhook (`rampart serve`): AdmissionReviews judged by the
//! same pipeline as `rampart scan` (object rules, the team's Rego policies,
//! waiver annotations, dated exceptions, rampart.toml), answered in the
//! mode the team chose, with a decision log and Prometheus metrics; the
//! workloads' images verified against the team's signature policies.

pub mod decide;
pub mod manifests;
pub mod metrics;
pub mod pin;
pub mod review;
pub mod server;
pub mod vap;

pub use decide::{Decision, ImageChecks, Judged, Mode, Settings, decide, decide_with};
pub use server::{AuditSink, Running, ServeOptions, start};
