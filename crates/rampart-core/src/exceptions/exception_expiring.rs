//! ## What it checks
//!
//! Exceptions that expire within the warning window (14 days unless
//! `exceptions.warn-days` says otherwise).
//!
//! ## Why it matters
//!
//! When an exception expires the findings it suppressed fail the gate
//! again. A warning ahead of time lets the owner fix or renew it without a
//! red pipeline.
//!
//! ## How to fix
//!
//! Fix what it covers, or have the renewal approved before the date.
//!
//! ## Example
//!
//! ```yaml
//! - id: legacy-root
//!   expires: 2027-03-31   # renewed after review, SEC-88
//! ```

use crate::{Control, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "exception-expiring",
    title: "Exceptions about to expire",
    severity: Severity::Info,
    controls: &[Control::Exceptions],
    pss: None,
    references: &[],
    fix: "Fix what the exception covers, or have it renewed before it expires.",
};
