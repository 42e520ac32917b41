//! Kubernetes audit logs: `audit.k8s.io` events read streaming (log files, gzip and rotated,
//! standard input, the webhook backend's `EventList` batches), judged once per request by
//! the detection rules, each detection a [`rampart_core::Finding`] at its line that carries
//! the event's who, what, where and answer.

pub mod detector;
pub mod event;
pub mod reader;
pub mod rules;
pub mod settings;

pub use detector::{Detector, Stats, parse_batch, parse_line};
pub use event::Event;
pub use reader::LogReader;
pub use settings::Settings;
