//! ## What it checks
//!
//! That no exception in the exceptions file is past its `expires` date.
//!
//! ## Why it matters
//!
//! An exception is a risk accepted for a time. Once the date passes it no
//! longer suppresses anything, and this finding names its owner so the
//! risk is either fixed or accepted again, deliberately.
//!
//! ## How to fix
//!
//! Fix what the exception covered and delete it, or renew it: a new
//! `expires` date, approved again.
//!
//! ## Example
//!
//! ```yaml
//! - id: legacy-root
//!   expires: 2027-03-31
//! ```

use crate::{Control, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "exception-expired",
    title: "Exceptions must not outlive their expiry date",
    severity: Severity::High,
    controls: &[Control::Exceptions],
    pss: None,
    references: &[],
    fix: "Fix what the exception covered and delete it, or renew it with a new date and a new approval.",
};
