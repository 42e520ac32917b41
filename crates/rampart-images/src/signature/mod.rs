//! Image signatures: which `[[images.policy]]` governs an image ([`policy`]), what the
//! registry holds for its digest and whether a governing policy's authority signed it
//! ([`check`], results reused through [`cache`]), and the findings that follow
//! ([`findings`], rules in [`rules`]).

pub mod cache;
pub mod check;
pub mod findings;
pub mod policy;
pub mod rules;

pub use cache::{CachedVerification, VerdictCache};
pub use check::{ImageOutcome, ImageVerdict, PolicyResult, PolicyVerdict, SignatureChecker};
pub use findings::{SignatureFindings, on_references, on_workloads};
pub use policy::{Mode, SignaturePolicies, Unmatched};
pub use rules::RULES;
