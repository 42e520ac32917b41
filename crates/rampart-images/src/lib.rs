//! What container images answer for Rampart. For now: the vulnerability
//! reports scanners write about them ([`report`]), read from Trivy's and
//! Grype's native JSON into one model, each tied to the manifest digests
//! of the image it describes, so a gate can judge exactly the image that
//! runs.

pub mod report;

pub use report::{FixState, ImageReport, ReportError, Scanner, VulnSeverity, Vulnerability, read_report};
