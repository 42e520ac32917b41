//! Rampart's shared vocabulary: what a finding is, how severe it is, which
//! checklist control it proves, and the metadata every rule carries.
//!
//! Every scanner (manifests, secrets, IaC, cluster audit) produces
//! [`Finding`]s described by a [`RuleMeta`]; every reporter consumes them.
//! This crate holds data and pure logic; its only I/O is reading its own
//! configuration file, `rampart.toml`.

pub mod baseline;
pub mod breakglass;
mod config;
mod control;
pub mod coverage;
mod date;
mod entropy;
pub mod exceptions;
mod finding;
mod fingerprint;
mod image;
mod profile;
mod report;
mod rule;
mod severity;
pub mod waiver;

pub use baseline::{Baseline, BaselineError};
pub use config::{
    AuditLogConfig, BlockedImage, CONFIG_FILE, Config, ConfigError, ExceptionsConfig, ImageAuthorityConfig,
    ImagePolicyConfig, ImagesConfig, KubernetesConfig, OutputConfig, PolicyConfig, ResponseConfig, RuleSelector,
    STARTER, SecretReadersConfig, SecretsConfig, Selection,
};
pub use control::Control;
pub use coverage::{ControlResult, Coverage, RuleRef, Verdict, judge_control};
pub use date::{Date, rfc3339, unix_from_rfc3339, unix_now};
pub use entropy::shannon_entropy;
pub use finding::{AuditEvidence, CommitRef, Finding, Location, ResourceRef, ScanError, SecretEvidence};
pub use fingerprint::{FingerprintKey, finding_fingerprint, keyed_hash};
pub use image::{ImageRef, ImageUse};
pub use profile::{Compliance, Profile};
pub use report::{ImageSummary, Outcome, REPORT_VERSION, Report, SeverityCounts, Summary, Tool};
pub use rule::{FixSafety, PssLevel, Reference, RuleMeta, module_doc, rule_doc, rule_page};
pub use severity::Severity;
pub use waiver::{InlineWaiver, WaiverScope, apply_inline_waivers};
