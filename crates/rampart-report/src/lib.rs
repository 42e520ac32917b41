//! Reports for people and machines, from one [`rampart_core::Report`]:
//! SARIF 2.1.0 for code-scanning services, JUnit XML for CI test tabs,
//! Markdown for pull-request comments, a self-contained HTML page, and the
//! versioned JSON document. Every writer takes the report and the rules'
//! descriptions ([`RuleInfo`]) and writes to any `std::io::Write`.
//!
//! Beside the formats: the controls matrix, evidence bundles with their
//! signatures, the hash-chained run store and the metrics computed from it.

pub mod evidence;
pub mod html;
pub mod incidents;
pub mod json;
pub mod junit;
pub mod markdown;
pub mod matrix;
pub mod metrics;
pub mod sarif;
pub mod store;

use rampart_core::{Control, Severity};

/// What a report says about a rule: the rules of every engine, described
/// the same way by the command that ran them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleInfo {
    pub id: String,
    pub title: String,
    pub severity: Severity,
    pub controls: Vec<Control>,
    /// The rule's documentation, Markdown; may be empty.
    pub help: String,
}

/// The rules of a run as the controls' verdict reads them.
pub fn rule_refs(rules: &[(String, RuleInfo)]) -> Vec<rampart_core::RuleRef<'_>> {
    rules
        .iter()
        .map(|(engine, rule)| rampart_core::RuleRef {
            engine,
            id: &rule.id,
            controls: &rule.controls,
        })
        .collect()
}

/// An exception of the exceptions file as reports show it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct ExceptionInfo {
    pub id: String,
    pub rules: Vec<String>,
    pub owner: String,
    pub approved_by: String,
    pub justification: String,
    pub expires: String,
    pub days_left: i64,
    /// active, expiring or expired.
    pub status: String,
}
