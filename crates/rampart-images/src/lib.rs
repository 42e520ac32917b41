//! What container images answer for Rampart. For now: the vulnerability
//! reports scanners write about them ([`report`]), read from Trivy's and
//! Grype's native JSON into one model, each tied to the manifest digests
//! of the image it describes, so a gate can judge exactly the image that
//! runs; the OpenVEX statements that set findings aside ([`vex`]); and
//! `.trivyignore` files, read to be reported ([`trivyignore`]); and the
//! images' signatures, verified in the registry against the team's
//! `[[images.policy]]` ([`signature`]).

pub mod fallback;
pub mod gate;
pub mod report;
pub mod signature;
pub mod summary;
pub mod trivyignore;
pub mod vex;

pub use report::{FixState, ImageReport, ReportError, Scanner, VulnSeverity, Vulnerability, read_report};
