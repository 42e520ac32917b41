//! ## What it checks
//!
//! Exceptions that matched no finding in this scan.
//!
//! ## Why it matters
//!
//! An exception that covers nothing is either a leftover (the risk was
//! fixed) or a typo in its match (and the finding it meant to cover fails
//! the gate). Either way it should not sit in the file unexamined.
//!
//! ## How to fix
//!
//! Delete it, or correct its `rules` and `match`. When a scan covers only
//! part of a repository, exceptions for the rest are reported too: scan
//! everything the file covers.
//!
//! ## Example
//!
//! ```yaml
//! - id: legacy-root
//!   rules: [run-as-non-root]
//!   match: {kind: Deployment, namespace: shop, name: legacy}
//! ```

use crate::{Control, RuleMeta, Severity};

pub const META: RuleMeta = RuleMeta {
    id: "exception-unused",
    title: "Exceptions must match something",
    severity: Severity::Info,
    controls: &[Control::Exceptions],
    pss: None,
    references: &[],
    fix: "Delete the exception, or correct its rules and match.",
};
